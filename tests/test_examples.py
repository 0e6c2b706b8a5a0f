"""`tslint examples/` reports exactly the problems planted there (examples/EXPECTED.md, each
verified against torch 2.13 by examples/verify_expected.py) and nothing on the accepted constructs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import needs_torch

ROOT = Path(__file__).resolve().parents[1]

PLANTED = {
    ("seed/seed_models/detector.py", 11, "script"),   # S1 unannotated box receives None
    ("seed/seed_models/cells.py", 7, "trace"),        # S2 if x.sum() > 0 in MyDecisionGate
    ("seed/seed_models/shapes.py", 10, "trace"),      # S3 len(x) in f2
    ("realistic/tinyseg/backbone.py", 54, "script"),  # R1 self.stages[i]
    ("realistic/tinyseg/head.py", 31, "script"),      # R2 **kwargs in forward
    ("realistic/tinyseg/utils.py", 18, "script"),     # R3 try/except in a helper
    ("realistic/tinyseg/head.py", 48, "script"),      # R4 Optional attribute without local copy
    ("realistic/tinyseg/postprocess.py", 11, "script"),  # R5 min_area=16 unannotated
    ("realistic/tinyseg/postprocess.py", 40, "script"),  # R6 global IGNORE_INDEX
    ("realistic/tinyseg/postprocess.py", 42, "script"),  # R7 .numpy()
    ("realistic/tinyseg/model.py", 21, "trace"),      # T1 .item() in a Python if
    ("realistic/tinyseg/postprocess.py", 52, "trace"),  # T2 len(masks)
    ("realistic/tinyseg/postprocess.py", 54, "trace"),  # T3 for i in range(masks.shape[0])
}


def test_examples_report_exactly_the_planted_problems():
    proc = subprocess.run([sys.executable, "-m", "tslint", "--no-cache", "--format", "json", "examples/"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    found = {(Path(f["filename"]).relative_to("examples").as_posix(), f["location"]["row"], f["context"])
             for f in json.loads(proc.stdout)}
    assert found == PLANTED, f"missing: {sorted(PLANTED - found)}\nunexpected: {sorted(found - PLANTED)}"


@needs_torch
def test_confirm_examples_confirms_every_seed_finding_and_misses_nothing():
    proc = subprocess.run([sys.executable, "-m", "tslint", "--no-cache", "--confirm", "--format", "json", "examples/"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    assert not [f for f in findings if f["code"] == "TS000"], proc.stdout
    seed = [f for f in findings if "/seed/" in f["filename"].replace("\\", "/")]
    assert seed and all(f["confirmed"] is True for f in seed), [(f["filename"], f["location"], f["confirmation"]) for f in seed]
