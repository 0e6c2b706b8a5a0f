"""Seed, In [43]: scripting methods other than forward (the seed's compiler failure)."""
import torch


class Detector(torch.nn.Module):
    do_keypoint: bool

    def forward(self, img):
        box = self.predict_boxes(img)
        if self.do_keypoint:
            kpts = self.predict_keypoint(img, box)

    @torch.jit.export
    def predict_boxes(self, img):
        pass

    @torch.jit.export
    def predict_keypoint(self, img, box):
        pass
