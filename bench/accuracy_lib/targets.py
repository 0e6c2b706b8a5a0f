"""Which modules to label, per package, and how to build each one.

A target is a JSON-able dict with at least `id`; `build(target)` returns the nn.Module.
Enumeration runs in the worker (after the package is imported); building runs in the forked child.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Optional

PACKAGES = ("torch.nn", "kornia", "transformers")

# torch.nn classes with small constructor arguments (evaluated with `nn` and `torch` in scope).
NN_TABLE = [
    "AdaptiveAvgPool1d(2)", "AdaptiveAvgPool2d(2)", "AdaptiveAvgPool3d(2)",
    "AdaptiveLogSoftmaxWithLoss(8, 10, [4])",
    "AdaptiveMaxPool1d(2)", "AdaptiveMaxPool2d(2)", "AdaptiveMaxPool3d(2)",
    "AlphaDropout(0.1)", "AvgPool1d(2)", "AvgPool2d(2)", "AvgPool3d(2)",
    "BCELoss()", "BCEWithLogitsLoss()", "BatchNorm1d(4)", "BatchNorm2d(4)", "BatchNorm3d(4)",
    "Bilinear(4, 4, 4)", "CELU()", "CTCLoss()", "ChannelShuffle(2)",
    "CircularPad1d(1)", "CircularPad2d(1)", "CircularPad3d(1)",
    "ConstantPad1d(1, 0.0)", "ConstantPad2d(1, 0.0)", "ConstantPad3d(1, 0.0)",
    "Conv1d(3, 4, 3)", "Conv2d(3, 4, 3)", "Conv3d(3, 4, 3)",
    "ConvTranspose1d(3, 4, 3)", "ConvTranspose2d(3, 4, 3)", "ConvTranspose3d(3, 4, 3)",
    "CosineEmbeddingLoss()", "CosineSimilarity()", "CrossEntropyLoss()", "CrossMapLRN2d(3)",
    "Dropout(0.1)", "Dropout1d(0.1)", "Dropout2d(0.1)", "Dropout3d(0.1)", "ELU()",
    "Embedding(10, 4)", "EmbeddingBag(10, 4)", "FeatureAlphaDropout(0.1)", "Flatten()",
    "Fold((4, 4), 2)", "FractionalMaxPool2d(2, output_size=2)",
    "FractionalMaxPool3d(2, output_size=2)", "GELU()", "GLU()", "GRU(4, 4)", "GRUCell(4, 4)",
    "GaussianNLLLoss()", "GroupNorm(2, 4)", "Hardshrink()", "Hardsigmoid()", "Hardswish()",
    "Hardtanh()", "HingeEmbeddingLoss()", "HuberLoss()", "Identity()",
    "InstanceNorm1d(4)", "InstanceNorm2d(4)", "InstanceNorm3d(4)", "KLDivLoss()", "L1Loss()",
    "LPPool1d(2, 2)", "LPPool2d(2, 2)", "LPPool3d(2, 2)", "LSTM(4, 4)", "LSTMCell(4, 4)",
    "LayerNorm(4)", "LazyLinear(4)", "LazyConv2d(4, 3)", "LazyBatchNorm2d()", "LeakyReLU()",
    "Linear(4, 4)", "LocalResponseNorm(2)", "LogSigmoid()", "LogSoftmax(dim=1)", "MSELoss()",
    "MarginRankingLoss()", "MaxPool1d(2)", "MaxPool2d(2)", "MaxPool3d(2)",
    "MaxUnpool1d(2)", "MaxUnpool2d(2)", "MaxUnpool3d(2)", "Mish()",
    "ModuleDict({'a': nn.Linear(4, 4)})", "ModuleList([nn.Linear(4, 4)])",
    "MultiLabelMarginLoss()", "MultiLabelSoftMarginLoss()", "MultiMarginLoss()",
    "MultiheadAttention(8, 2)", "NLLLoss()", "PReLU()", "PairwiseDistance()",
    "ParameterDict({'a': nn.Parameter(torch.zeros(2))})",
    "ParameterList([nn.Parameter(torch.zeros(2))])",
    "PixelShuffle(2)", "PixelUnshuffle(2)", "PoissonNLLLoss()", "RMSNorm(4)", "RNN(4, 4)",
    "RNNCell(4, 4)", "RReLU()", "ReLU()", "ReLU6()",
    "ReflectionPad1d(1)", "ReflectionPad2d(1)", "ReflectionPad3d(1)",
    "ReplicationPad1d(1)", "ReplicationPad2d(1)", "ReplicationPad3d(1)", "SELU()",
    "Sequential(nn.Linear(4, 4), nn.ReLU())", "SiLU()", "Sigmoid()", "SmoothL1Loss()",
    "SoftMarginLoss()", "Softmax(dim=1)", "Softmax2d()", "Softmin(dim=1)", "Softplus()",
    "Softshrink()", "Softsign()", "SyncBatchNorm(4)", "Tanh()", "Tanhshrink()",
    "Threshold(0.1, 0.0)", "Transformer(8, 2, 1, 1, 16)",
    "TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 1)",
    "TransformerDecoderLayer(8, 2, 16)",
    "TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)",
    "TransformerEncoderLayer(8, 2, 16)", "TripletMarginLoss()", "TripletMarginWithDistanceLoss()",
    "Unflatten(1, (2, 2))", "Unfold(2)", "Upsample(scale_factor=2)",
    "UpsamplingBilinear2d(scale_factor=2)", "UpsamplingNearest2d(scale_factor=2)",
    "ZeroPad1d(1)", "ZeroPad2d(1)", "ZeroPad3d(1)",
]
NN_QUICK = ["Linear(4, 4)", "Conv2d(3, 4, 3)", "LSTM(4, 4)", "MultiheadAttention(8, 2)",
            "BatchNorm2d(4)"]
KORNIA_QUICK = ["Sobel", "RgbToGrayscale", "ColorJitter"]

# Well-known text models first, the rest of the registry after them in name order.
HF_PRIORITY = [
    "bert", "gpt2", "llama", "t5", "bart", "roberta", "distilbert", "albert", "electra",
    "gpt_neo", "gptj", "opt", "bloom", "mistral", "qwen2", "phi", "gemma", "falcon", "mpt",
    "xlnet", "deberta", "deberta-v2", "mobilebert", "squeezebert", "funnel", "mpnet", "xlm",
    "ernie", "camembert", "layoutlm", "marian", "pegasus", "mbart", "blenderbot", "m2m_100",
    "gpt_neox", "codegen", "biogpt", "qwen3", "olmo", "stablelm", "starcoder2", "persimmon",
    "gemma2", "phi3", "cohere", "mixtral", "granite", "vit", "convnext", "resnet", "clip",
    "whisper", "wav2vec2", "swin", "deit", "beit", "segformer", "mobilevit", "dinov2",
]


def package_dir(package: str) -> str:
    import os
    mod = importlib.import_module(package)
    return os.path.dirname(os.path.realpath(mod.__file__))


def package_version(package: str) -> str:
    import torch
    if package == "torch.nn":
        return torch.__version__
    return importlib.import_module(package).__version__


def enumerate_targets(package: str, quick: bool, limit: Optional[int]) -> list[dict]:
    if package == "torch.nn":
        exprs = NN_QUICK if quick else NN_TABLE
        out = [{"id": f"torch.nn.{e}", "expr": e} for e in exprs]
    elif package == "kornia":
        out = _kornia_targets()
        if quick:
            picked = [t for name in KORNIA_QUICK for t in out if t["name"] == name]
            out = (picked or out)[:3]
    elif package == "transformers":
        out = [] if quick else _hf_targets()
        if limit is None:
            limit = 40
    else:
        raise ValueError(f"unknown package {package}")
    return out[:limit] if limit is not None else out


def _kornia_targets() -> list[dict]:
    import torch
    import kornia
    seen: dict[str, dict] = {}
    for info in pkgutil.walk_packages(kornia.__path__, "kornia.", onerror=lambda name: None):
        if not info.ispkg:
            continue
        try:
            mod = importlib.import_module(info.name)
        except Exception:  # optional dependency missing (onnx, ...)
            continue
        for attr in sorted(vars(mod)):
            obj = getattr(mod, attr, None)
            if not (inspect.isclass(obj) and issubclass(obj, torch.nn.Module)):
                continue
            if not obj.__module__.startswith("kornia") or inspect.isabstract(obj):
                continue
            qual = f"{obj.__module__}.{obj.__qualname__}"
            seen.setdefault(qual, {"id": qual, "module": obj.__module__, "name": obj.__qualname__,
                                   "exported_as": f"{info.name}.{attr}"})
    return [seen[k] for k in sorted(seen)]


def _hf_targets() -> list[dict]:
    from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES
    names = list(MODEL_MAPPING_NAMES)
    ordered = [n for n in HF_PRIORITY if n in MODEL_MAPPING_NAMES]
    ordered += sorted(n for n in names if n not in ordered)
    return [{"id": f"transformers:{n}", "model_type": n} for n in ordered]


def build(target: dict) -> Any:
    import torch
    if "expr" in target:
        return eval("nn." + target["expr"], {"nn": torch.nn, "torch": torch})  # NN_TABLE only
    if "model_type" in target:
        from .hfconfig import build_tiny_model
        return build_tiny_model(target["model_type"])
    cls = getattr(importlib.import_module(target["module"]), target["name"].split(".")[0])
    for part in target["name"].split(".")[1:]:
        cls = getattr(cls, part)
    return cls()
