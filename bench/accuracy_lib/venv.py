"""The benchmark's own venv (bench/.venv) and how to run tslint in it."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from typing import Optional

REQUIREMENTS = ["torch==2.13.0", "kornia==0.9.*", "transformers>=5,<6", "numpy", "libcst"]
IN_VENV_ENV = "TSLINT_ACCURACY_IN_VENV"


def venv_python(venv: str) -> str:
    return os.path.join(venv, "bin", "python")


def _stamp(repo: str) -> str:
    h = hashlib.sha256("\n".join(REQUIREMENTS).encode())
    pp = os.path.join(repo, "pyproject.toml")
    if os.path.exists(pp):
        with open(pp, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def ensure_venv(venv: str, repo: str, log) -> str:
    """Create or update the venv; return its python.  Installs are logged, not printed."""
    py = venv_python(venv)
    if not os.path.exists(py):
        base = sys.executable if sys.version_info[:2] == (3, 11) else (shutil.which("python3.11") or sys.executable)
        log(f"creating {venv} with {base}")
        subprocess.run([base, "-m", "venv", venv], check=True)
    stamp_file = os.path.join(venv, ".accuracy-stamp")
    stamp = _stamp(repo)
    old = open(stamp_file).read().strip() if os.path.exists(stamp_file) else ""
    if old != stamp:
        log("installing " + " ".join(REQUIREMENTS) + " (torch pinned: a bare torch pulls CUDA)")
        _pip(py, REQUIREMENTS, log)
        if os.path.exists(os.path.join(repo, "pyproject.toml")):
            log(f"pip install -e {repo}")
            try:
                _pip(py, ["-e", repo], log)
            except subprocess.CalledProcessError:
                log("editable install of tslint failed; tslint will run through the PYTHONPATH shim")
        with open(stamp_file, "w") as f:
            f.write(stamp)
    return py


def _pip(py: str, args: list[str], log) -> None:
    r = subprocess.run([py, "-m", "pip", "install", "-q", *args], capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stdout[-2000:] + r.stderr[-2000:])
        raise subprocess.CalledProcessError(r.returncode, r.args)


def reexec_in(py: str, script: str, argv: list[str]) -> None:
    env = dict(os.environ, **{IN_VENV_ENV: "1"})
    os.execve(py, [py, script, *argv], env)


def tslint_command(python: str, repo: str, shim_dir: str) -> tuple[Optional[list[str]], dict, str]:
    """(argv prefix, extra env, how) for running tslint with `python`, or (None, {}, why not).

    Tried in order: the console script next to `python`; `python -m tslint` when tslint is
    installed; `python -m tslint` with PYTHONPATH on a dir holding `tslint -> <repo>/lint`.
    """
    errors = []
    script = os.path.join(os.path.dirname(python), "tslint")
    candidates: list[tuple[list[str], dict, str]] = []
    if os.path.exists(script):
        candidates.append(([script], {}, "console script"))
    candidates.append(([python, "-m", "tslint"], {}, "installed module"))
    lint = os.path.join(repo, "lint")
    if os.path.isdir(lint):
        os.makedirs(shim_dir, exist_ok=True)
        link = os.path.join(shim_dir, "tslint")
        if not os.path.islink(link) or os.readlink(link) != lint:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(lint, link)
        pp = os.pathsep.join(p for p in (shim_dir, os.environ.get("PYTHONPATH")) if p)
        candidates.append(([python, "-m", "tslint"], {"PYTHONPATH": pp}, "PYTHONPATH shim"))
    for argv, env, how in candidates:
        try:
            r = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, **env))
        except (OSError, subprocess.TimeoutExpired) as e:
            errors.append(f"{how}: {e}")
            continue
        if r.returncode == 0:
            return argv, env, how
        tail = (r.stderr or r.stdout).strip().splitlines()
        errors.append(f"{how}: exit {r.returncode}: {tail[-1] if tail else ''}")
    return None, {}, "; ".join(errors)
