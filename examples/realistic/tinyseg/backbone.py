"""A small ResNet-style backbone returning a dict of multi-scale features."""
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import SegConfig


class ConvBNAct(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1, act: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride, kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm2d(out_ch)
        self.act = nn.ReLU(inplace=True) if act else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))


class ResidualBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        self.conv1 = ConvBNAct(in_ch, out_ch, 3, stride)
        self.conv2 = ConvBNAct(out_ch, out_ch, 3, 1, act=False)
        if stride == 1 and in_ch == out_ch:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = ConvBNAct(in_ch, out_ch, 1, stride, act=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class Backbone(nn.Module):
    def __init__(self, cfg: SegConfig):
        super().__init__()
        self.stem = nn.Sequential(ConvBNAct(3, cfg.widths[0], 3, 2), ConvBNAct(cfg.widths[0], cfg.widths[0], 3, 2))
        self.stages = nn.ModuleList()
        in_ch = cfg.widths[0]
        for i, (width, depth) in enumerate(zip(cfg.widths, cfg.depths)):
            blocks = [ResidualBlock(in_ch, width, stride=1 if i == 0 else 2)]
            blocks += [ResidualBlock(width, width) for _ in range(depth - 1)]
            self.stages.append(nn.Sequential(*blocks))
            in_ch = width
        self.out_indices = list(cfg.out_indices)
        self.out_channels = [cfg.widths[i] for i in cfg.out_indices]

    def forward(self, x: Tensor) -> Dict[str, Tensor]:
        x = self.stem(x)
        feats: List[Tensor] = []
        for i in range(len(self.stages)):
            x = self.stages[i](x)
            if i in self.out_indices:
                feats.append(x)
        return {f"res{i + 2}": f for i, f in enumerate(feats)}
