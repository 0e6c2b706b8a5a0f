"""Turning logits into label maps, per-class statistics and instance boxes."""
from typing import Dict

import torch
from torch import Tensor, nn

#: label written where no class is confident enough (same value as the training ignore_index)
IGNORE_INDEX = 255


def small_class_mask(labels: Tensor, counts: Tensor, min_area=16) -> Tensor:
    """True where the pixel's class covers fewer than ``min_area`` pixels of the batch."""
    return (counts < min_area)[labels]


class Postprocessor(nn.Module):
    """Softmax, confidence threshold and small-region cleanup, run after the network."""

    def __init__(self, num_classes: int, score_thresh: float = 0.5, min_area: int = 16, verbose: bool = False):
        super().__init__()
        self.num_classes = num_classes
        self.score_thresh = score_thresh
        self.min_area = min_area
        self.verbose = verbose

    @torch.jit.ignore
    def log_stats(self, counts: Tensor) -> None:
        import json

        print(json.dumps({"pixels_per_class": counts.tolist()}))

    def forward(self, logits: Tensor) -> Dict[str, Tensor]:
        if logits.size(1) != self.num_classes:
            raise ValueError(f"expected {self.num_classes} classes, got {logits.size(1)}")
        with torch.no_grad():
            probs = logits.softmax(dim=1)
        scores, labels = probs.max(dim=1)
        counts = torch.bincount(labels.flatten(), minlength=self.num_classes)
        keep = (scores >= self.score_thresh) & ~small_class_mask(labels, counts, self.min_area)
        labels = labels.masked_fill(~keep, IGNORE_INDEX)
        if self.verbose:
            print("pixels per class:", counts.cpu().numpy())
            self.log_stats(counts)
        outputs = {f"count_{c}": counts[c] for c in range(self.num_classes)}
        outputs["labels"] = labels
        outputs["scores"] = scores
        return outputs


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight ``(x1, y1, x2, y2)`` boxes around ``(N, H, W)`` boolean instance masks."""
    n = len(masks)
    boxes = masks.new_zeros((n, 4), dtype=torch.float)
    for i in range(masks.shape[0]):
        ys, xs = torch.where(masks[i])
        boxes[i, 0] = xs.min()
        boxes[i, 1] = ys.min()
        boxes[i, 2] = xs.max()
        boxes[i, 3] = ys.max()
    return boxes
