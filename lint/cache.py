"""The content-hash cache in `.tslint_cache/`: an unchanged file costs a read and a hash.

Entries are written to a temporary file and renamed into place, so two runs sharing the folder never
see half an entry; an entry that does not load (truncated, corrupted, other version) is a miss.

Per-file results of a run (summaries, findings) live in a few `Table`s, sixteen files each, rather than
one small file per source file: a warm run over thousands of files then costs a handful of reads.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from . import __version__, gcpolicy

CACHE_DIR = ".tslint_cache"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Size and mtime of tslint's own modules and data files (the operator schemas `tslint schemas`
    regenerates): an edited rule invalidates the cache even without a version bump (and a release
    differs by version anyway)."""
    import tslint
    import tslint.rules

    digest = hashlib.blake2b(digest_size=16)
    for package in (tslint, tslint.rules):
        for folder in package.__path__:
            for path in sorted(p for p in Path(folder).rglob("*") if p.suffix in (".py", ".gz", ".json")):
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
        self._write(self._path(kind, key), value)

    def _write(self, path: Path, value: Any) -> None:
        try:
            if not self._ready:
                self.folder.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
                gitignore = self.folder / ".gitignore"  # type: ignore[operator]
                if not gitignore.exists():
                    gitignore.write_text("# created by tslint\n*\n")
                self._ready = True
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle, gcpolicy.phase():
                    pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only tree still lints, just without a cache

    def table(self, kind: str) -> "Table":
        return Table(self, kind)

    # -- results of whole runs: one file per run name, the least recently written ones pruned -------
    def get_run(self, kind: str, name: str, key: str) -> Any:
        """What `put_run` stored for the run `name` (the files and options of an invocation), when
        it was stored under `key` (everything the value depends on), else None."""
        stored = self.get(kind, name)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
            return stored[1]
        return None

    def put_run(self, kind: str, name: str, key: str, value: Any) -> None:
        """Store one run's value, replacing that run's previous one, and keep only the `MAX_RUNS`
        most recently written runs of this kind (pre-commit names a new set of files every time)."""
        if not self.enabled:
            return
        self.put(kind, name, (key, value))
        try:
            stored = [p for p in (self.folder / kind).glob("*/*") if not p.name.startswith(".tmp-")]  # type: ignore[operator]
            if len(stored) > MAX_RUNS:
                stored.sort(key=lambda p: p.stat().st_mtime_ns)
                for old in stored[:-MAX_RUNS]:
                    old.unlink()
        except OSError:
            pass  # another run pruned first


#: runs remembered per kind of run-wide value (roots and reach; a run's findings)
MAX_RUNS = 32


class Table:
    """Entries of one kind for many files: `{path: (key, value)}`, in `SHARDS` cache files (a path's
    shard is fixed by its name).

    Loaded on first use and written by `save` a shard at a time, only the shards where an entry
    changed (so a warm run writes nothing, and one edited file rewrites a sixteenth of the table).
    `save` merges with what is on disk first, so runs over different files sharing the folder keep
    each other's entries; when two runs write at once the last one wins, which costs the other's
    entries a recomputation, never a wrong answer (each entry carries its full key)."""

    def __init__(self, cache: Cache, kind: str):
        self.cache = cache
        self.kind = kind
        self._shards = [_Shard(self, i) for i in range(SHARDS)]

    def _shard(self, path: str) -> "_Shard":
        return self._shards[zlib.crc32(path.encode("utf-8", "surrogatepass")) % SHARDS]

    def populated(self) -> bool:
        """Does the table hold entries (is a look-up per file worth it)?"""
        return self.cache.enabled and any(len(shard.entries()) > 1 for shard in self._shards)

    def get(self, path: str, key: str) -> Any:
        if not self.cache.enabled:
            return None
        return self._shard(path).get(path, key)

    def put(self, path: str, key: str, value: Any) -> None:
        if self.cache.enabled:
            self._shard(path).changed[path] = (key, value)

    def save(self) -> None:
        if self.cache.enabled:
            for shard in self._shards:
                shard.save()


#: files per table: one edited file rewrites one of them
SHARDS = 16


class _Shard:
    def __init__(self, table: Table, number: int):
        self.table = table
        self.number = number
        self._entries: Optional[dict[str, tuple[str, Any]]] = None
        self.changed: dict[str, tuple[str, Any]] = {}
        self._stamp: Optional[tuple[int, int, int]] = None

    @property
    def path(self) -> Path:
        assert self.table.cache.folder is not None
        return self.table.cache.folder / f"{self.table.kind}-{self.number:02}.table"

    def _load(self) -> dict[str, tuple[str, Any]]:
        try:
            with open(self.path, "rb") as handle, gcpolicy.phase():  # many small objects, no cycles
                self._stamp = _stamp(os.fstat(handle.fileno()))
                entries = pickle.load(handle)
            if isinstance(entries, dict) and entries.get("", (None,))[0] == _TABLE_VERSION:
                return entries
        except Exception:  # absent, truncated, corrupted or from another version: empty
            pass
        return {}

    def entries(self) -> dict[str, tuple[str, Any]]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def get(self, path: str, key: str) -> Any:
        entry = self.changed.get(path) or self.entries().get(path)
        return entry[1] if entry is not None and entry[0] == key else None

    def save(self) -> None:
        if not self.changed:
            return
        try:
            unchanged = self._entries is not None and _stamp(os.stat(self.path)) == self._stamp
        except OSError:
            unchanged = False
        # what other runs wrote since this one read the shard (not read again when nothing was)
        entries = self._entries if unchanged else self._load()  # type: ignore[assignment]
        entries.update(self.changed)
        entries[""] = (_TABLE_VERSION, None)
        self.table.cache._write(self.path, entries)
        self._entries, self.changed, self._stamp = entries, {}, None


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_mtime_ns, st.st_size, st.st_ino


#: tables written by other tslint versions (or code) load as empty
_TABLE_VERSION = f"{__version__}"
