"""Label cache: <cache-dir>/labels-<package>-<version>.json, one record per module id.

The file also stores the torch version; labels made with another torch are dropped, since the
compiler is the judge.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from typing import Optional


def cache_path(cache_dir: str, package: str, version: str) -> str:
    safe = version.replace("/", "_")
    return os.path.join(cache_dir, f"labels-{package}-{safe}.json")


class LabelCache:
    """Hold it with `with`: an exclusive lock keeps two concurrent runs from racing on one file."""

    def __init__(self, cache_dir: str, package: str, version: str, torch_version: str):
        self.path = cache_path(cache_dir, package, version)
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._lock = open(self.path + ".lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # waits for another run of the same package
        self.meta = {"package": package, "version": version, "torch": torch_version}
        self.labels: dict[str, dict] = {}
        self._last_save = 0.0
        data = load(self.path)
        if data and data.get("torch") == torch_version:
            self.meta.update({k: v for k, v in data.items() if k != "labels"})
            self.labels = data.get("labels", {})

    def __enter__(self) -> "LabelCache":
        return self

    def __exit__(self, *exc) -> None:
        self.save()
        self._lock.close()

    def put(self, rec: dict) -> None:
        self.labels[rec["id"]] = rec
        if time.time() - self._last_save > 5:
            self.save()

    def save(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(self.meta, labels=self.labels), f)
        os.replace(tmp, self.path)
        self._last_save = time.time()


def load(path: str) -> Optional[dict]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
