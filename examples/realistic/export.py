"""Export tinyseg for deployment.

- The backbone, the head and the post-processor are scripted: the C++ service calls them
  separately and needs the head's and post-processor's control flow.
- The end-to-end network and ``masks_to_boxes`` are traced for the mobile runtime.

Usage: python export.py [--checkpoint ckpt.pth] [--out-dir exported/]
"""
import argparse
import os

import torch

from tinyseg import Postprocessor, SegConfig, build_model, masks_to_boxes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", default="")
    parser.add_argument("--out-dir", default="exported")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = SegConfig()
    model = build_model(cfg, args.checkpoint)
    os.makedirs(args.out_dir, exist_ok=True)

    # scripted parts
    backbone = torch.jit.script(model.backbone)
    backbone.save(os.path.join(args.out_dir, "backbone.pt"))
    head = torch.jit.script(model.head)
    post = torch.jit.script(Postprocessor(cfg.num_classes, cfg.score_thresh, cfg.min_area))

    # traced parts
    example = torch.rand(1, 3, *cfg.export_size)
    traced = torch.jit.trace(model, (example,))
    traced.save(os.path.join(args.out_dir, "tinyseg_traced.pt"))

    masks = torch.zeros(2, 32, 32, dtype=torch.bool)
    masks[0, 4:10, 6:20] = True
    masks[1, 15:30, 2:9] = True
    boxes_fn = torch.jit.trace(masks_to_boxes, (masks,))
    boxes_fn.save(os.path.join(args.out_dir, "masks_to_boxes.pt"))

    with torch.no_grad():
        logits = head(list(backbone(example).values()))
        print({k: tuple(v.shape) for k, v in post(logits).items() if not k.startswith("count_")})
        print(boxes_fn(masks))


if __name__ == "__main__":
    main()
