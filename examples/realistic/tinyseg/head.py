"""FPN-style segmentation head: lateral 1x1 convs, top-down sum, 3x3 fuse, 1x1 classifier."""
from typing import List, Optional, Union

import torch
from torch import Tensor, nn

from .backbone import ConvBNAct
from .utils import logger, make_divisible, resize_like


class SegHead(nn.Module):
    class_bias: Optional[Tensor]

    def __init__(self, in_channels: List[int], num_classes: int, channels: int = 64,
                 class_bias: Optional[Tensor] = None):
        super().__init__()
        channels = make_divisible(channels)
        self.lateral = nn.ModuleList([ConvBNAct(c, channels, 1) for c in in_channels])
        self.fuse = ConvBNAct(channels, channels, 3)
        self.classifier = nn.Conv2d(channels, num_classes, 1)
        self.num_classes = num_classes
        # optional per-class logit offset, e.g. log class priors for calibration, shape (C, 1, 1)
        self.class_bias = class_bias

    @torch.jit.ignore
    def _check_inputs(self, feats: List[Tensor]) -> None:
        shapes = [tuple(f.shape) for f in feats]
        if len(feats) != len(self.lateral):
            raise ValueError("expected %d feature maps, got %s" % (len(self.lateral), shapes))

    def forward(self, feats: Union[Tensor, List[Tensor]], **kwargs) -> Tensor:
        if isinstance(feats, Tensor):
            feat_list = [feats]
        else:
            feat_list = feats
        self._check_inputs(feat_list)
        if not torch.jit.is_scripting():
            logger.debug("head inputs: %s", [tuple(f.shape) for f in feat_list])

        laterals: List[Tensor] = []
        for i, lateral in enumerate(self.lateral):
            laterals.append(lateral(feat_list[i]))
        out = laterals[0]
        for lat in laterals[1:]:
            out = out + resize_like(lat, out)
        logits = self.classifier(self.fuse(out))
        if self.class_bias is not None:
            logits = logits + self.class_bias
        return logits
