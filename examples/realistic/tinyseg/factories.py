"""Constructors and example inputs for ``tslint --confirm`` (named in ../pyproject.toml)."""
import torch

from .backbone import Backbone, ConvBNAct, ResidualBlock
from .config import SegConfig
from .head import SegHead
from .model import TinySeg, build_model
from .postprocess import Postprocessor, masks_to_boxes

CFG = SegConfig()


# -- [tool.tslint.factories]: modules whose constructor needs arguments ----------------------
def make_conv_bn_act() -> ConvBNAct:
    return ConvBNAct(3, 16)


def make_residual_block() -> ResidualBlock:
    return ResidualBlock(16, 32, stride=2)


def make_backbone() -> Backbone:
    return Backbone(CFG).eval()


def make_head() -> SegHead:
    return SegHead([CFG.widths[i] for i in CFG.out_indices], CFG.num_classes, CFG.head_channels).eval()


def make_model() -> TinySeg:
    return build_model(CFG)


def make_postprocessor() -> Postprocessor:
    return Postprocessor(CFG.num_classes, CFG.score_thresh, CFG.min_area)


# -- [tool.tslint.trace-examples]: (module or function, example inputs) ----------------------
def model_example():
    return build_model(CFG), (torch.rand(1, 3, *CFG.export_size),)


def boxes_example():
    masks = torch.zeros(2, 32, 32, dtype=torch.bool)
    masks[0, 4:10, 6:20] = True
    masks[1, 15:30, 2:9] = True
    return masks_to_boxes, (masks,)
