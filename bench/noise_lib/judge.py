"""Sampling error findings and matching them with the committed judgements.

A finding is keyed by package, version, path (relative to the unpacked package), line, code and
message.  The sample ranks findings by a hash of (seed, package, version, path, line, code): a
finding keeps its rank whatever else the run found, so the default mode, `--entry modules` and a
later run of changed code mostly draw the same findings, and one judgement serves them all.

Verdicts: TRUE (the real compiler rejects it), FALSE (it compiles), UNREACHED (true, but on code
the project never compiles: losses, data loaders, plotting ...).  A judgement whose message no
longer matches still counts when package, version, path, line and code do (`loose`): rules reword
messages more often than they move.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Optional

VERDICTS = ("TRUE", "FALSE", "UNREACHED")
KEY = ("package", "version", "path", "line", "code", "message")


def key_of(package: str, version: str, finding: dict) -> dict:
    return {"package": package, "version": version,
            "path": os.path.normpath(finding["filename"]).replace(os.sep, "/"),
            "line": int(finding["location"]["row"]), "code": finding["code"], "message": finding["message"]}


def _rank(key: dict, seed: int) -> tuple[str, str]:
    loose = json.dumps([seed, *(key[k] for k in KEY[:-1])])
    return hashlib.sha256(loose.encode()).hexdigest(), key["message"]


def draw(keys: list[dict], n: int, seed: int) -> list[dict]:
    """Up to `n` of `keys`, a fixed-seed random choice, in rank order."""
    return sorted(keys, key=lambda k: _rank(k, seed))[:n]


class Judgements:
    """The judgement file: a JSON list of keys with `verdict` and `how`."""

    def __init__(self, path: str):
        self.path = path
        self.records: list[dict] = []
        if os.path.exists(path):
            with open(path) as f:
                self.records = json.load(f)
        bad = [r for r in self.records if r.get("verdict") not in VERDICTS]
        if bad:
            raise ValueError(f"{path}: verdict must be one of {VERDICTS}: {bad[0]}")
        self.exact = {tuple(r[k] for k in KEY): r for r in self.records}
        self.loose = {tuple(r[k] for k in KEY[:-1]): r for r in self.records}

    def find(self, key: dict) -> tuple[Optional[dict], bool]:
        """(record, exact): the judgement of `key`, or (None, False)."""
        rec = self.exact.get(tuple(key[k] for k in KEY))
        if rec is not None:
            return rec, True
        rec = self.loose.get(tuple(key[k] for k in KEY[:-1]))
        return rec, False


def tally(sample: list[dict], judgements: Judgements) -> dict:
    """Counts and shares of each verdict over the sampled findings; the sample keeps its verdicts."""
    out = {"sampled": len(sample), "unjudged": 0, "loose": 0, **{v: 0 for v in VERDICTS}}
    for item in sample:
        rec, exact = judgements.find(item)
        if rec is None:
            out["unjudged"] += 1
            continue
        out[rec["verdict"]] += 1
        out["loose"] += not exact
        item["verdict"], item["how"] = rec["verdict"], rec.get("how", "")
    for v in (*VERDICTS, "unjudged"):
        out[f"{v}_share"] = round(out[v] / len(sample), 3) if sample else None
    return out
