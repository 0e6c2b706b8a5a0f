"""bench/accuracy.py --quick: labels a handful of modules with the real compiler and scores tslint.

Checks the benchmark's machinery only; the scores themselves may be anything (tslint may find
nothing yet, or be unavailable, and the benchmark must still finish).
"""
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.torch, pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                                    reason="needs torch==2.13.0")]


def test_quick_run_labels_scores_and_writes_json(tmp_path):
    cache, results = tmp_path / "cache", tmp_path / "results"
    r = subprocess.run(
        [sys.executable, str(REPO / "bench" / "accuracy.py"), "--quick", "--no-venv",
         "--cache-dir", str(cache), "--results-dir", str(results), "--timeout", "60"],
        capture_output=True, text=True, timeout=170, cwd=REPO)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    out = r.stdout
    assert "=== torch.nn" in out
    for heading in ("precision:", "first-error recall", "type agreement"):
        assert heading in out, out

    [path] = results.glob("accuracy-*.json")
    data = json.loads(path.read_text())
    nn = data["packages"]["torch.nn"]
    assert sum(nn["labels"].values()) >= 5
    assert nn["labels"]["scripted"] >= 4  # Linear, Conv2d, LSTM, MultiheadAttention, BatchNorm2d
    assert nn["precision"]["compiled_lines"] > 0
    assert "transformers" not in data["packages"]

    [labels_file] = cache.glob("labels-torch.nn-*.json")
    labels = json.loads(labels_file.read_text())["labels"]
    linear = labels["torch.nn.Linear(4, 4)"]
    assert linear["status"] == "scripted"
    assert any(f.endswith("torch/nn/modules/linear.py") for f in linear["compiled_lines"])
    forward = [f for f in linear["functions"] if f["qualname"] == "torch.nn.modules.linear.Linear.forward"]
    assert forward and forward[0]["returns"] == "Tensor"
    assert [p[1] for p in forward[0]["params"][1:]] == ["Tensor"]
