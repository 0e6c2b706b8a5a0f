"""Speed (issue 9): tslint against the LibCST parse floor on a large real tree, in one run.

    python bench/speed.py [TREE] [--python PY] [--jobs 2]

TREE defaults to the installed `transformers` package (located with --python, default this
interpreter, falling back to the accuracy benchmark's venv `bench/.venv`). Prints, with ratios:
(a) the LibCST parse floor (parse only, N processes), (b) `tslint --no-cache --entry modules` cold,
(c) `tslint` warm on the unchanged tree, (d) warm after touching one file, (e) the flake8 plugin on one
~2,000-line file against flake8 with pyflakes only; (f) with `--many-names N`, a cold run given N
`--script` names (the tree's classes, in the forms users write them: `pkg.mod.Name`, `mod.Name`,
`pkg.mod:Name`, some globs and some that match nothing), against (b); and each run's peak memory (max
RSS of the largest process, from getrusage). Figures, not assertions: this is not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "dt = time.perf_counter() - t\n"
    "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n"
    "sys.stderr.write(p.stderr[-1500:])\n"
)
PARSE_FLOOR = (
    "import sys\nfrom concurrent.futures import ProcessPoolExecutor\nimport libcst\n"
    "def parse(path):\n"
    "    try:\n        libcst.parse_module(open(path, 'rb').read())\n        return 1\n"
    "    except Exception:\n        return 0\n"
    "paths = [l.strip() for l in open(sys.argv[1])]\n"
    "with ProcessPoolExecutor(int(sys.argv[2])) as pool:\n"
    "    ok = sum(pool.map(parse, paths, chunksize=8))\n"
    "print(ok, file=sys.stderr)\n"
)


#: the runs see Python as installed tools do: byte-compiled modules are cached (`pip install` compiles
#: them), even when the calling shell sets PYTHONDONTWRITEBYTECODE (compiling tslint's modules again
#: in every run would be measured as start-up time)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    proc = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, env=ENV)
    seconds, rss_kb, code = proc.stdout.split()
    return float(seconds), int(rss_kb) / 1024, int(code)


def locate_transformers(python: str) -> Path | None:
    for py in (python, str(HERE / ".venv" / "bin" / "python")):
        if not Path(py).exists():
            continue
        proc = subprocess.run([py, "-c", "import importlib.util as u; s = u.find_spec('transformers'); print(list(s.submodule_search_locations)[0] if s else '')"],
                              capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            return Path(proc.stdout.strip())
    return None


CLASS = re.compile(r"^class (\w+)", re.MULTILINE)


def script_names(tree: Path, files: list[str], count: int) -> list[str]:
    """`count` `--script` names for the tree's classes, cycling through the forms a config listing a
    model zoo uses; every 50th is a glob and every 20th names nothing (reported as unmatched)."""
    classes = []
    for path in files:
        module = ".".join(Path(path).relative_to(tree.parent).with_suffix("").parts).removesuffix(".__init__")
        classes += [(module, name) for name in CLASS.findall(Path(path).read_text(encoding="utf-8", errors="replace"))]
    names = []
    for i in range(count):
        module, name = classes[i % len(classes)] if classes else ("pkg.mod", "Net")
        if i % 50 == 49:
            names.append(f"{module}.{name[:3]}*")
        elif i % 20 == 19:
            names.append(f"{module}.NoSuchModel{i}")
        else:
            names.append((f"{module}.{name}", f"{module.rpartition('.')[2]}.{name}", f"{module}:{name}")[i % 3])
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", nargs="?", type=Path)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--many-names", type=int, default=0, metavar="N",
                        help="also time a cold run given N --script names (issue 18: named roots at any count)")
    args = parser.parse_args()
    source = args.tree or locate_transformers(args.python)
    if source is None:
        print("no tree given and transformers is not installed; run `python bench/accuracy.py` once (it builds bench/.venv) or pass a TREE")
        return 2
    work = Path(tempfile.mkdtemp(prefix="tslint-speed-"))
    tree = work / source.name
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__"))
    files = sorted(str(p) for p in tree.rglob("*.py"))
    lines = sum(sum(1 for _ in open(p, "rb")) for p in files)
    listing = work / "files.txt"
    listing.write_text("\n".join(files))
    print(f"tree: {source} ({len(files)} files, {lines:,} lines), jobs={args.jobs}, machine: {os.cpu_count()} cores")
    results: dict[str, tuple[float, float, int]] = {}
    results["a parse floor (LibCST)"] = measure([sys.executable, "-c", PARSE_FLOOR, str(listing), str(args.jobs)], work)
    tslint = [sys.executable, "-m", "tslint", "--entry", "modules", "--quiet", "-j", str(args.jobs), "--cache-dir", str(work / "cache")]
    results["b tslint cold (--no-cache)"] = measure(tslint + ["--no-cache", tree.name], work)
    measure(tslint + [tree.name], work)  # fill the cache
    results["c tslint warm"] = measure(tslint + [tree.name], work)
    touched = Path(files[len(files) // 2])
    touched.write_text(touched.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    results["d tslint warm, one file touched"] = measure(tslint + [tree.name], work)

    big = max((p for p in files if 1500 <= sum(1 for _ in open(p, "rb")) <= 2600), key=lambda p: os.path.getsize(p), default=files[0])
    big_lines = sum(1 for _ in open(big, "rb"))
    flake8 = [sys.executable, "-m", "flake8", "--isolated", "-j", "1"]
    results[f"e1 flake8 pyflakes only ({big_lines} lines)"] = measure(flake8 + ["--select", "F", big], work)
    results["e2 flake8 tslint plugin only"] = measure(flake8 + ["--select", "TS", big], work)

    if args.many_names:
        named = [a for name in script_names(tree, files, args.many_names) for a in ("--script", name)]
        results[f"f tslint cold, {args.many_names} --script names"] = measure(tslint + ["--no-cache", *named, tree.name], work)

    floor = results["a parse floor (LibCST)"][0]
    cold = results["b tslint cold (--no-cache)"][0]
    print(f"{'measurement':<44}{'seconds':>9}{'ratio':>16}{'peak MiB':>10}{'exit':>6}")
    for name, (secs, mib, code) in results.items():
        if name.startswith("f"):
            ratio = f"{secs / cold:.2f}x cold"
        elif name.startswith("b"):
            ratio = f"{secs / floor:.2f} of floor"
        elif name.startswith(("c", "d")):
            ratio = f"{secs / cold:.1%} of cold"
        elif name.startswith("e2"):
            ratio = f"{secs / results[next(k for k in results if k.startswith('e1'))][0]:.2f}x pyflakes"
        else:
            ratio = ""
        print(f"{name:<44}{secs:>9.2f}{ratio:>16}{mib:>10.0f}{code:>6}")
    if args.json:
        args.json.write_text(json.dumps({k: {"seconds": v[0], "peak_mib": v[1], "exit": v[2]} for k, v in results.items()}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
