"""How often the static checker's signatures equal the compiler's, on torch.nn.

    python bench/type_agreement.py [-v] [--json OUT]

1. Script a list of torch.nn modules (small constructor arguments) with the real compiler and collect
   the schema of every function and method it compiled (`torch.jit._state._python_cu`).
2. Run `tslint ir --format json` on torch's `nn/modules/` and `nn/functional.py`.
3. For every compiled function defined in those files, compare parameter names and types and the
   result type (types spelled as `annotation_str`). `self` is compared by name when the compiled
   class is a subclass of the defining one (its type is the subclass). A function compiled several
   times (once per subclass or attribute layout) agrees when one compiled variant matches.

Prints the agreement and every mismatch; exits 0.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import io
import json
import os
import re
import sys
import warnings
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def modules(nn):
    """torch.nn modules with small constructor arguments (those that script)."""
    c = nn
    return [
        c.Linear(4, 4), c.Bilinear(2, 2, 3), c.Identity(), c.LazyLinear(3) if False else c.Linear(2, 2, bias=False),
        c.Conv1d(2, 2, 3), c.Conv2d(2, 2, 3), c.Conv3d(2, 2, 3), c.Conv2d(2, 2, 3, padding_mode="reflect"),
        c.ConvTranspose1d(2, 2, 3), c.ConvTranspose2d(2, 2, 3), c.ConvTranspose3d(2, 2, 3),
        c.BatchNorm1d(2), c.BatchNorm2d(2), c.BatchNorm3d(2), c.SyncBatchNorm(2),
        c.InstanceNorm1d(2), c.InstanceNorm2d(2), c.InstanceNorm3d(2), c.LayerNorm(4), c.GroupNorm(1, 2),
        c.LocalResponseNorm(2), c.RMSNorm(4), c.CrossMapLRN2d(3),
        c.Dropout(), c.Dropout1d(), c.Dropout2d(), c.Dropout3d(), c.AlphaDropout(), c.FeatureAlphaDropout(),
        c.ReLU(), c.ReLU6(), c.GELU(), c.SiLU(), c.Mish(), c.Sigmoid(), c.Tanh(), c.ELU(), c.CELU(), c.SELU(),
        c.LeakyReLU(), c.PReLU(), c.RReLU(), c.Hardtanh(), c.Hardswish(), c.Hardsigmoid(), c.Hardshrink(),
        c.Softshrink(), c.Tanhshrink(), c.Softplus(), c.Softsign(), c.LogSigmoid(), c.Threshold(0.1, 0.0),
        c.GLU(), c.Softmax(dim=1), c.Softmin(dim=1), c.LogSoftmax(dim=1), c.Softmax2d(),
        c.MultiheadAttention(4, 2), c.TransformerEncoderLayer(4, 2), c.TransformerDecoderLayer(4, 2),
        c.TransformerEncoder(c.TransformerEncoderLayer(4, 2), 1, enable_nested_tensor=False),
        c.TransformerDecoder(c.TransformerDecoderLayer(4, 2), 1), c.Transformer(4, 2, 1, 1, 8),
        c.RNN(2, 3), c.LSTM(2, 3), c.GRU(2, 3), c.RNNCell(2, 3), c.LSTMCell(2, 3), c.GRUCell(2, 3),
        c.Embedding(10, 3), c.EmbeddingBag(10, 3),
        c.MaxPool1d(2), c.MaxPool2d(2), c.MaxPool3d(2), c.AvgPool1d(2), c.AvgPool2d(2), c.AvgPool3d(2),
        c.AdaptiveAvgPool1d(1), c.AdaptiveAvgPool2d(1), c.AdaptiveAvgPool3d(1), c.AdaptiveMaxPool1d(1),
        c.AdaptiveMaxPool2d(1), c.AdaptiveMaxPool3d(1), c.LPPool1d(2, 2), c.LPPool2d(2, 2), c.LPPool3d(2, 2),
        c.FractionalMaxPool2d(2, output_size=1), c.FractionalMaxPool3d(2, output_size=1),
        c.MaxUnpool1d(2), c.MaxUnpool2d(2), c.MaxUnpool3d(2),
        c.Upsample(scale_factor=2.0), c.UpsamplingNearest2d(scale_factor=2.0), c.UpsamplingBilinear2d(scale_factor=2.0),
        c.PixelShuffle(2), c.PixelUnshuffle(2), c.ChannelShuffle(2), c.Flatten(), c.Unflatten(1, (2, 2)),
        c.ZeroPad1d(1), c.ZeroPad2d(1), c.ZeroPad3d(1), c.ConstantPad1d(1, 0.0), c.ConstantPad2d(1, 0.0),
        c.ConstantPad3d(1, 0.0), c.ReflectionPad1d(1), c.ReflectionPad2d(1), c.ReflectionPad3d(1),
        c.ReplicationPad1d(1), c.ReplicationPad2d(1), c.ReplicationPad3d(1), c.CircularPad1d(1),
        c.CircularPad2d(1), c.CircularPad3d(1),
        c.CosineSimilarity(), c.PairwiseDistance(), c.Fold((4, 4), 2), c.Unfold(2),
        c.L1Loss(), c.MSELoss(), c.CrossEntropyLoss(), c.NLLLoss(), c.BCELoss(), c.BCEWithLogitsLoss(),
        c.KLDivLoss(), c.HuberLoss(), c.SmoothL1Loss(), c.SoftMarginLoss(), c.MultiLabelSoftMarginLoss(),
        c.MultiLabelMarginLoss(), c.MultiMarginLoss(), c.CosineEmbeddingLoss(), c.MarginRankingLoss(),
        c.HingeEmbeddingLoss(), c.TripletMarginLoss(), c.PoissonNLLLoss(), c.GaussianNLLLoss(), c.CTCLoss(),
        c.TripletMarginWithDistanceLoss(),
        c.Sequential(c.Linear(2, 2), c.ReLU()), c.ModuleList([c.Linear(2, 2)]) if False else c.Identity(),
    ]


def compiled_functions(verbose: bool):
    """{(module, qualname): [(params, returns, compiled_class_or_None)]} for everything compiled."""
    import torch

    nn = torch.nn
    cu = torch.jit._state._python_cu
    failed, good, bad = [], set(), set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in modules(nn):
            before = {f.qualified_name for f in cu.get_functions()}
            try:
                torch.jit.script(m)
                ok = True
            except Exception as exc:  # noqa: BLE001
                ok = False
                failed.append(f"{type(m).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
            new = {f.qualified_name for f in cu.get_functions()} - before
            (good if ok else bad).update(new)  # a failed compile leaves half-built functions behind
    if verbose and failed:
        print("did not script:", *failed, sep="\n  ")
    out = defaultdict(list)
    for fn in cu.get_functions():
        if fn.qualified_name in bad or fn.qualified_name not in good:
            continue
        qual = re.sub(r"___torch_mangle_\d+\.", "", fn.qualified_name)
        if not qual.startswith("__torch__."):
            continue
        where = _locate(qual[len("__torch__."):])
        if where is None:
            continue
        module, qualname, compiled_class = where
        schema = fn.schema
        params = [(a.name, a.type.annotation_str) for a in schema.arguments]
        returns = schema.returns[0].type.annotation_str if schema.returns else "NoneType"
        out[(module, qualname)].append((params, re.sub(r"___torch_mangle_\d+\.", "", returns), compiled_class))
    return out


def _locate(dotted: str):
    """(defining module, defining qualname, compiled class name or None) of a compiled name."""
    parts = dotted.split(".")
    if re.search(r"__\d+$", parts[-1]):
        return None  # an @overload variant
    for cut in range(len(parts) - 1, 0, -1):
        mod_name = ".".join(parts[:cut])
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        obj = mod
        try:
            for p in parts[cut:]:
                obj = getattr(obj, p)
        except AttributeError:
            return None
        func = inspect.unwrap(obj) if callable(obj) else obj
        qualname = getattr(func, "__qualname__", None)
        module = getattr(func, "__module__", None)
        if not qualname or not module:
            return None
        compiled_class = ".".join(parts[:-1]) if len(parts) - cut == 2 else None
        return module, qualname, compiled_class
    return None


def static_records(paths):
    sys.path.insert(0, ROOT)
    from tslint.compiler.ir_cli import main

    buf, err = io.StringIO(), io.StringIO()
    main(["--format", "json", "--jobs", "2", *paths], buf, err)
    records = {}
    for rec in json.loads(buf.getvalue() or "[]"):
        records[(rec["module"], rec["qualname"])] = rec
    return records


def _agrees(rec, variant, module: str, qualname: str):
    params, returns, compiled_class = variant
    static_params = [tuple(p) for p in rec["params"]]
    reasons = []
    if len(static_params) != len(params):
        reasons.append(f"params {static_params} vs {params}")
    else:
        for (sn, st), (cn, ct) in zip(static_params, params):
            if sn != cn:
                reasons.append(f"param name {sn} vs {cn}")
            elif sn == "self" and compiled_class and st != ct:
                continue  # a subclass compiled the inherited method
            elif st != ct:
                reasons.append(f"{sn}: {st} vs {ct}")
    if rec["returns"] != returns:
        reasons.append(f"returns {rec['returns']} vs {returns}")
    return reasons


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--json", help="write the comparison here")
    args = parser.parse_args(argv)
    import torch

    nn_dir = os.path.dirname(torch.nn.__file__)
    paths = [os.path.join(nn_dir, "modules"), os.path.join(nn_dir, "functional.py")]
    truth = compiled_functions(args.verbose)
    static = static_records(paths)
    scanned = {m for (m, _q) in static} | {"torch.nn.functional"}
    total = agree = 0
    mismatches = []
    for (module, qualname), variants in sorted(truth.items()):
        if not (module.startswith("torch.nn.modules.") or module == "torch.nn.functional"):
            continue
        total += 1
        rec = static.get((module, qualname))
        if rec is None:
            mismatches.append((module, qualname, ["not under script contract statically"]))
            continue
        best = None
        for variant in variants:
            reasons = _agrees(rec, variant, module, qualname)
            if not reasons:
                best = []
                break
            if best is None or len(reasons) < len(best):
                best = reasons
        if not best:
            agree += 1
        else:
            mismatches.append((module, qualname, best))
    pct = 100.0 * agree / total if total else 0.0
    for module, qualname, reasons in mismatches:
        print(f"MISMATCH {module}.{qualname}: {'; '.join(reasons)}")
    print(f"type agreement on torch.nn: {agree}/{total} compiled functions = {pct:.1f}% "
          f"(static functions listed: {len(static)}, modules scanned: {len(scanned)})")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"agree": agree, "total": total, "percent": pct,
                       "mismatches": [[m, q, r] for m, q, r in mismatches]}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
