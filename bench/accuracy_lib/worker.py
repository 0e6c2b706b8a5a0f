"""Label every target of one package, each in a forked child with a timeout.

    python -m accuracy_lib.worker --package kornia --cache-dir DIR [--timeout 120] [--limit N] [--quick]

The worker imports torch and the package once, then forks one child per module, so a crash, a
hang or an out-of-memory kill loses only that module (recorded as `crash` / `timeout`).  Labels
are merged into DIR/labels-<package>-<version>.json after every module, so an interrupted run
resumes where it stopped.  The last stdout line is a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import time

from .cache import LabelCache


def go_offline() -> None:
    """No network but PyPI: make weight downloads fail at once instead of retrying for minutes."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    def refuse(*a, **k):
        raise OSError("accuracy benchmark: network disabled")

    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def patch_downloads(prefixes: tuple[str, ...]) -> None:
    import torch.hub

    def refuse(*a, **k):
        raise RuntimeError("accuracy benchmark: no weight downloads (offline)")

    torch.hub.load_state_dict_from_url = refuse
    torch.hub.download_url_to_file = refuse
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(prefixes):
            continue
        for attr in ("load_state_dict_from_url", "download_url_to_file"):
            if callable(getattr(mod, attr, None)):
                try:
                    setattr(mod, attr, refuse)
                except Exception:
                    pass


def run_child(labeler, target: dict, trace: bool, timeout: float, mem_gb: float) -> dict:
    fd, path = tempfile.mkstemp(prefix="label-", suffix=".json")
    os.close(fd)
    t0 = time.time()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            if mem_gb > 0:
                import resource
                lim = int(mem_gb * 2**30)
                resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
            rec = labeler.label(target, trace)
            with open(path, "w") as f:
                json.dump(rec, f)
        except BaseException as e:  # noqa: BLE001 - report anything
            try:
                with open(path, "w") as f:
                    json.dump({"id": target["id"], "status": "crash",
                               "error": {"type": type(e).__name__, "message": str(e)[:300]}}, f)
            except BaseException:
                code = 3
        finally:
            os._exit(code)
    status = None
    while time.time() - t0 < timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.unlink(path)
        return {"id": target["id"], "package": labeler.package, "status": "timeout",
                "seconds": round(time.time() - t0, 2)}
    try:
        with open(path) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        rec = {"id": target["id"], "status": "crash",
               "error": {"type": "ChildDied", "message": f"wait status {status}"}}
    finally:
        if os.path.exists(path):
            os.unlink(path)
    rec.setdefault("package", labeler.package)
    return rec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", required=True)
    ap.add_argument("--cache-dir", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mem-gb", type=float, default=8)
    args = ap.parse_args(argv)

    go_offline()
    import torch
    torch.set_num_threads(1)
    from . import targets
    from .label import Labeler

    pkg = args.package
    top = pkg.split(".")[0]
    version = targets.package_version(pkg)
    pdir = targets.package_dir(pkg)
    site = os.path.dirname(targets.package_dir(top))
    todo = targets.enumerate_targets(pkg, args.quick, args.limit)
    patch_downloads((top,))
    with LabelCache(args.cache_dir, pkg, version, torch.__version__) as cache:
        cache.meta.update(package_dir=os.path.relpath(pdir, site), site=site)
        labeler = Labeler(pkg, pdir, site)
        trace = pkg == "transformers"
        done = 0
        for i, target in enumerate(todo, 1):
            if target["id"] in cache.labels:
                continue
            rec = run_child(labeler, target, trace, args.timeout, args.mem_gb)
            cache.put(rec)
            done += 1
            print(f"[{pkg} {i}/{len(todo)}] {target['id']}: {rec.get('status')} "
                  f"({rec.get('seconds', '?')} s)", file=sys.stderr, flush=True)
    print(json.dumps({"cache": cache.path, "version": version, "targets": [t["id"] for t in todo],
                      "labelled_now": done}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
