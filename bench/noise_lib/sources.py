"""The linted code: packages as they ship on the registry, and tslint as a git revision has it.

Only sources are needed, so each package's wheel is fetched with `pip download --no-deps
--only-binary :all:` and unpacked; nothing is installed and pip never resolves dependencies (a bare
`torch` requirement would pull a multi-GB CUDA build).  Everything lands in bench/.noise/
(git-ignored), unpacked once per pinned version.
"""
from __future__ import annotations

import glob
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

#: pinned versions: a figure means nothing unless the code it was measured on is fixed
PACKAGES = {
    "ultralytics": "8.4.190",
    "speechbrain": "1.1.2",
    "torch-geometric": "2.8.1",
    "nemo-toolkit": "3.0.0",
    "timm": "1.0.31",
}

#: written at the root of each unpacked package.  tslint takes its config from the nearest
#: pyproject.toml with a [tool.tslint] table; without this one it would walk up to the repo's own
#: (which excludes bench/ and whose .gitignore hides bench/.noise).  An empty table is what a user
#: who adds tslint to a project and sets nothing gets, and it makes the package root tslint's root.
PYPROJECT = "# written by bench/noise.py: tslint's defaults, rooted here\n[tool.tslint]\n"
DONE = ".noise-unpacked"


def fetch(name: str, version: str, root: str, log) -> str:
    """Unpack `name==version`'s wheel under `root`/src and return the folder (reused when present)."""
    dest = os.path.join(root, "src", f"{name}-{version}")
    if os.path.exists(os.path.join(dest, DONE)):
        return dest
    wheels = os.path.join(root, "wheels", f"{name}-{version}")
    found = glob.glob(os.path.join(wheels, "*.whl"))
    if not found:
        log(f"{name}: pip download --no-deps {name}=={version}")
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                        "-d", wheels, f"{name}=={version}"], check=True, capture_output=True, text=True)
        found = glob.glob(os.path.join(wheels, "*.whl"))
    if len(found) != 1:
        raise RuntimeError(f"{name}: expected one wheel in {wheels}, found {found}")
    shutil.rmtree(dest, ignore_errors=True)
    with zipfile.ZipFile(found[0]) as whl:
        whl.extractall(dest)
    with open(os.path.join(dest, "pyproject.toml"), "w") as f:
        f.write(PYPROJECT)
    open(os.path.join(dest, DONE), "w").close()
    return dest


def python_files(folder: str) -> list[str]:
    """The .py files of an unpacked wheel (what a directory walk of tslint reads), sorted."""
    out = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        out += [os.path.join(here, f) for f in sorted(files) if f.endswith(".py")]
    return out


def count_lines(paths: list[str]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as f:
            total += sum(1 for _ in f)
    return total


def tslint_at(repo: str, rev: str, root: str) -> tuple[str, str]:
    """(PYTHONPATH folder, commit) holding package `tslint` as commit `rev` has it.

    The working tree may be mid-change by someone else; a committed revision is a fixed point to
    measure.  `lint/` becomes `tslint/` and `rules/` becomes `tslint/rules/`, as pyproject maps them.
    """
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=repo, check=True,
                         capture_output=True, text=True).stdout.strip()
    dest = os.path.join(root, f"tslint-{sha[:12]}")
    if os.path.isdir(os.path.join(dest, "tslint")):
        return dest, sha
    tar = subprocess.run(["git", "archive", "--format=tar", sha, "lint", "rules"], cwd=repo, check=True,
                         capture_output=True).stdout
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(tmp, filter="data")
    os.rename(os.path.join(tmp, "lint"), os.path.join(tmp, "tslint"))
    os.rename(os.path.join(tmp, "rules"), os.path.join(tmp, "tslint", "rules"))
    os.rename(tmp, dest)
    return dest, sha
