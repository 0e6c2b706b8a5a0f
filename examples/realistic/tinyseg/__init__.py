"""tinyseg: a small semantic-segmentation network (residual backbone + FPN-style head)."""
from .backbone import Backbone, ConvBNAct, ResidualBlock
from .config import SegConfig
from .head import SegHead
from .model import TinySeg, build_model
from .postprocess import Postprocessor, masks_to_boxes

__all__ = [
    "Backbone",
    "ConvBNAct",
    "Postprocessor",
    "ResidualBlock",
    "SegConfig",
    "SegHead",
    "TinySeg",
    "build_model",
    "masks_to_boxes",
]
