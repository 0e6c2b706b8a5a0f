"""Model and export configuration."""
from dataclasses import dataclass, field
from typing import List, Tuple


@dataclass
class SegConfig:
    num_classes: int = 21
    # channels and number of residual blocks of each backbone stage (strides 4, 8, 16, 32)
    widths: List[int] = field(default_factory=lambda: [16, 32, 64, 128])
    depths: List[int] = field(default_factory=lambda: [1, 1, 2, 1])
    # stages whose output feeds the head
    out_indices: List[int] = field(default_factory=lambda: [0, 1, 2, 3])
    head_channels: int = 64
    pixel_mean: Tuple[float, float, float] = (0.485, 0.456, 0.406)
    pixel_std: Tuple[float, float, float] = (0.229, 0.224, 0.225)
    score_thresh: float = 0.5
    min_area: int = 16
    # export
    export_size: Tuple[int, int] = (128, 128)
