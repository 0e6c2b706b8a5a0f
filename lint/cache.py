"""The content-hash cache in `.tslint_cache/`: an unchanged file costs a stat and a read.

Entries are written to a temporary file and renamed into place, so two runs sharing the folder never
see half an entry; an entry that does not load (truncated, corrupted, other version) is a miss.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from . import __version__

CACHE_DIR = ".tslint_cache"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Size and mtime of tslint's own modules: an edited rule invalidates the cache even without
    a version bump (and a release differs by version anyway)."""
    import tslint
    import tslint.rules

    digest = hashlib.blake2b(digest_size=16)
    for package in (tslint, tslint.rules):
        for folder in package.__path__:
            for path in sorted(Path(folder).rglob("*.py")):
                st = path.stat()
                digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


class Cache:
    def __init__(self, folder: Optional[Path], enabled: bool = True):
        self.folder = folder
        self.enabled = enabled and folder is not None
        self._ready = False

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.blake2b(digest_size=20)
        digest.update(__version__.encode() + code_digest().encode())
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, kind: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Any:
        if not self.enabled:
            return None
        try:
            with open(self._path(kind, key), "rb") as handle:
                return pickle.load(handle)
        except Exception:  # a miss: absent, truncated, corrupted or from another version
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        if not self.enabled:
            return
        path = self._path(kind, key)
        try:
            if not self._ready:
                self.folder.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
                gitignore = self.folder / ".gitignore"  # type: ignore[operator]
                if not gitignore.exists():
                    gitignore.write_text("# created by tslint\n*\n")
                self._ready = True
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only tree still lints, just without a cache
