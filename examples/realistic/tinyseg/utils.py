"""Small helpers shared by the backbone and the head."""
import logging
import math

import torch
import torch.nn.functional as F

logger = logging.getLogger("tinyseg")


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` (used at construction time only)."""
    return max(divisor, int(math.ceil(value / divisor)) * divisor)


def resize_like(x, ref):
    """Bilinearly resize ``x`` to the spatial size of ``ref``."""
    try:
        return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=False)
    except RuntimeError:
        # empty batches: keep the input so the caller can still concatenate
        return x


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
