"""Never crash, never corrupt (issue 10): every bad input gets a clear per-file result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TSLINT = [sys.executable, "-m", "tslint"]
FORWARD_KWARGS = "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x, **kw):\n        return x\n"


def tslint(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The command on library code: every module the tests write is an entry point."""
    if not any(a.startswith("--entry") for a in args):
        args = ("--entry", "modules", *args)
    return subprocess.run([*TSLINT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def lint_json(folder: Path, *args: str) -> tuple[int, list[dict]]:
    proc = tslint("--format", "json", "--no-cache", *args, ".", cwd=folder)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout or "[]")


def by_file(findings: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(Path(f["filename"]).name, []).append(f["code"])
    return out


def test_bad_inputs_each_get_a_clear_result(tmp_path: Path):
    files = {
        "py2.py": b"print 'hello'\n",
        "unfinished.py": b"def f(x):\n    return (x +\n",
        "latin1.py": "s = 'caf\xe9'\n".encode("latin-1"),
        "binary.py": bytes(range(256)),
        "bom.py": b"\xef\xbb\xbf" + FORWARD_KWARGS.encode(),
        "crlf.py": FORWARD_KWARGS.replace("\n", "\r\n").encode(),
        "tabs.py": FORWARD_KWARGS.replace("    ", "\t").encode(),
        "empty.py": b"",
        "nested.py": ("x = " + "(" * 190 + "1" + ")" * 190 + "\n").encode(),
        "deep_calls.py": ("import torch\n\n@torch.jit.script\ndef f(x):\n    return " + "torch.relu(" * 150 + "x" + ")" * 150 + "\n").encode(),
        "big.py": ("import torch\n\n" + "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(17000))).encode(),
        "shadow/torch.py": b"def jit(x):\n    return x\n",
        "shadow/user.py": b"import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x\n",
    }
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert sum(1 for _ in (tmp_path / "big.py").open()) > 50_000
    code, findings = lint_json(tmp_path)
    got = by_file(findings)
    assert code == 1
    assert got["py2.py"] == ["TS901"] and got["unfinished.py"] == ["TS901"]
    assert got["latin1.py"] == ["TS902"] and got["binary.py"] == ["TS902"]
    for name in ("bom.py", "crlf.py", "tabs.py"):
        assert got[name] == ["TS101"], name
    line = {Path(f["filename"]).name: f["location"]["row"] for f in findings if f["code"] == "TS101"}
    assert line["crlf.py"] == 4 and line["bom.py"] == 4
    for name in ("empty.py", "nested.py", "deep_calls.py", "big.py", "user.py", "torch.py"):
        assert name not in got, (name, got.get(name))


def test_symlink_loop_and_broken_link_and_fifo(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(FORWARD_KWARGS)
    os.symlink(tmp_path, tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "missing.py", tmp_path / "broken.py")
    os.mkfifo(tmp_path / "fifo.py")
    code, findings = lint_json(tmp_path)
    got = by_file(findings)
    assert got["m.py"] == ["TS101"]
    assert got["broken.py"] == ["TS902"] and got["fifo.py"] == ["TS902"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path):  # pragma: no cover - CI runs as root
    path = tmp_path / "secret.py"
    path.write_text(FORWARD_KWARGS)
    path.chmod(0)
    _, findings = lint_json(tmp_path)
    assert by_file(findings)["secret.py"] == ["TS902"]


def test_mutual_recursion_across_files(tmp_path: Path):
    (tmp_path / "a.py").write_text("import torch\nfrom b import g\n\n@torch.jit.script\ndef f(x):\n    return g(x)\n\ndef h(x, **k):\n    return f(x)\n")
    (tmp_path / "b.py").write_text("from a import h\n\ndef g(x):\n    return h(x)\n")
    code, findings = lint_json(tmp_path)
    assert code == 1 and ("a.py", "TS101") in [(Path(f["filename"]).name, f["code"]) for f in findings]


def test_missing_path_is_usage_error(tmp_path: Path):
    proc = tslint("does_not_exist.py", cwd=tmp_path)
    assert proc.returncode == 2 and "does_not_exist.py" in proc.stderr and "Traceback" not in proc.stderr


def test_linter_never_imports_or_executes_user_code(tmp_path: Path):
    marker = tmp_path / "EXECUTED"
    (tmp_path / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\nimport torch\n\nclass M(torch.nn.Module):\n    def forward(self, x, **k):\n        return x\n"
    )
    code, findings = lint_json(tmp_path)
    assert code == 1 and not marker.exists()


def test_linter_does_not_import_torch(tmp_path: Path):
    (tmp_path / "m.py").write_text(FORWARD_KWARGS)
    script = (
        "import sys\nfrom tslint.cli import main\nrc = main(['--entry', 'modules', '--no-cache', '-q', '.'])\n"
        "assert 'torch' not in sys.modules, 'torch imported'\nprint('rc', rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "rc 1" in proc.stdout, proc.stderr


def test_concurrent_runs_share_the_cache(tmp_path: Path):
    for i in range(40):
        (tmp_path / f"m{i}.py").write_text(FORWARD_KWARGS if i % 2 else "x = 1\n")
    procs = [subprocess.Popen([*TSLINT, "--entry", "modules", "--format", "json", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for (out, err), p in zip(outputs, procs):
        assert p.returncode == 1, err
        assert len(json.loads(out)) == 20
    assert outputs[0][0] == outputs[1][0]


def test_corrupted_cache_entries_are_rebuilt(tmp_path: Path):
    (tmp_path / "m.py").write_text(FORWARD_KWARGS)
    first = tslint("--format", "json", ".", cwd=tmp_path)
    entries = [p for p in (tmp_path / ".tslint_cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert entries
    for i, entry in enumerate(entries):
        entry.write_bytes(b"" if i % 2 else b"\x80garbage")
    second = tslint("--format", "json", ".", cwd=tmp_path)
    assert second.returncode == first.returncode == 1
    assert second.stdout == first.stdout
