"""The full network: input normalization, backbone, head, and upsampling to the input size."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .backbone import Backbone
from .config import SegConfig
from .head import SegHead


class TinySeg(nn.Module):
    def __init__(self, cfg: SegConfig):
        super().__init__()
        self.backbone = Backbone(cfg)
        self.head = SegHead(self.backbone.out_channels, cfg.num_classes, cfg.head_channels)
        self.register_buffer("pixel_mean", torch.tensor(cfg.pixel_mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(cfg.pixel_std).view(1, 3, 1, 1), persistent=False)

    def forward(self, images: Tensor) -> Tensor:
        # accept both uint8-range and [0, 1] inputs
        if images.max().item() > 1.0:
            images = images / 255.0
        images = (images - self.pixel_mean) / self.pixel_std
        feats = list(self.backbone(images).values())
        logits = self.head(feats)
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False)


def build_model(cfg: SegConfig, checkpoint: str = "") -> TinySeg:
    model = TinySeg(cfg)
    if checkpoint:
        state = torch.load(checkpoint, map_location="cpu")
        model.load_state_dict(state.get("model", state))
    return model.eval()
