"""``tracker train-segmenter DATA --out DIR``: train FCN-8s on images + masks, report held-out mean IoU."""

from __future__ import annotations

import argparse
import json

from ..errors import TrackerError
from .checks import checked
from .train_options import add_common, check_out, make_shapes, options, train_parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = train_parser(
        subparsers, "train-segmenter", what="model",
        help="train an FCN-8s segmenter on a folder of images and masks",
        description=(
            "Train FCN-8s (MobileNetV2 ImageNet backbone) on DATA/images/*.png|jpg with DATA/masks/*.png "
            "(same stem, pixel value = class id, 0 = background; optional DATA/classes.json). The head is "
            "trained on a frozen backbone first, then everything is fine-tuned. The saved folder works with "
            "`tracker segment SOURCE --model DIR`."
        ),
        data_help="data folder with images/ and masks/",
    )
    add_common(
        p, epochs=16, val_fraction=0.2, val_help="share of images held out",
        make_shapes="first write N generated demo images (shapes on textures, 3 classes) into DATA",
    )
    p.add_argument(
        "--freeze-epochs", type=checked("--freeze-epochs"), default=None,
        help="epochs with a frozen backbone (default half)",
    )
    p.add_argument(
        "--size", type=checked("--size"), default=128,
        help="images are resized to SIZE x SIZE (default 128)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..train.segmenter import make_shapes_segmentation, train_segmenter

    check_out(args)
    make_shapes(args, lambda folder, n: make_shapes_segmentation(folder, n, seed=args.seed, size=args.size))
    if not args.data.exists():
        raise TrackerError(f"data folder not found: {args.data} (use --make-shapes N for demo data)")
    result = train_segmenter(
        args.data, args.out, **options(args, "epochs", "freeze_epochs", "size", "batch_size", "val_fraction", "seed")
    )
    m = result.metrics
    per_class = ", ".join(f"{name} {'n/a' if v is None else f'{v:.3f}'}" for name, v in zip(result.classes, m["val_iou"]))
    print(
        f"held-out mIoU {m['val_miou']:.3f} (all-background baseline {m['baseline_miou']:.3f}) on "
        f"{result.n_val} images; per class: {per_class}; trained on {result.n_train} images in {result.seconds:.0f} s"
    )
    print(f"saved to {args.out} ({json.dumps({'val_miou': round(m['val_miou'], 4)})})")
    return 0
