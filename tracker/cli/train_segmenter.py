"""``tracker train-segmenter DATA --out DIR``: train FCN-8s on images + masks, report held-out mean IoU."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import TrackerError
from .checks import checked


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train-segmenter",
        help="train an FCN-8s segmenter on a folder of images and masks",
        description=(
            "Train FCN-8s (MobileNetV2 ImageNet backbone) on DATA/images/*.png|jpg with DATA/masks/*.png "
            "(same stem, pixel value = class id, 0 = background; optional DATA/classes.json). The head is "
            "trained on a frozen backbone first, then everything is fine-tuned. The saved folder works with "
            "`tracker segment SOURCE --model DIR`."
        ),
    )
    p.add_argument("data", type=Path, help="data folder with images/ and masks/")
    p.add_argument("--out", type=Path, required=True, help="folder to save the model in")
    p.add_argument("--epochs", type=checked("--epochs"), default=16, help="total epochs (default 16)")
    p.add_argument(
        "--freeze-epochs", type=checked("--freeze-epochs"), default=None,
        help="epochs with a frozen backbone (default half)",
    )
    p.add_argument(
        "--size", type=checked("--size"), default=128,
        help="images are resized to SIZE x SIZE (default 128)",
    )
    p.add_argument("--batch-size", type=checked("--batch-size"), default=16)
    p.add_argument(
        "--val-fraction", type=checked("--val-fraction"), default=0.2,
        help="share of images held out (default 0.2)",
    )
    p.add_argument("--seed", type=checked("--seed"), default=0)
    p.add_argument(
        "--make-shapes",
        type=checked("--make-shapes"),
        metavar="N",
        default=None,
        help="first write N generated demo images (shapes on textures, 3 classes) into DATA",
    )
    p.add_argument("--overwrite", action="store_true", help="allow writing into an existing --out folder")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..train.segmenter import make_shapes_segmentation, train_segmenter

    if args.out.exists() and any(args.out.iterdir()) and not args.overwrite:
        raise TrackerError(f"{args.out} exists and is not empty (pass --overwrite)")
    if args.make_shapes is not None:
        if (args.data / "images").exists():
            raise TrackerError(f"{args.data}/images exists; --make-shapes writes a fresh data set")
        make_shapes_segmentation(args.data, args.make_shapes, seed=args.seed, size=args.size)
    elif not args.data.exists():
        raise TrackerError(f"data folder not found: {args.data} (use --make-shapes N for demo data)")
    result = train_segmenter(
        args.data,
        args.out,
        epochs=args.epochs,
        freeze_epochs=args.freeze_epochs,
        size=args.size,
        batch_size=args.batch_size,
        val_fraction=args.val_fraction,
        seed=args.seed,
    )
    per_class = ", ".join(
        f"{name} {'n/a' if v is None else f'{v:.3f}'}" for name, v in zip(result.classes, result.val_iou)
    )
    print(
        f"held-out mIoU {result.val_miou:.3f} (all-background baseline {result.baseline_miou:.3f}) on "
        f"{result.n_val} images; per class: {per_class}; trained on {result.n_train} images in {result.seconds:.0f} s"
    )
    print(f"saved to {args.out} ({json.dumps({'val_miou': round(result.val_miou, 4)})})")
    return 0
