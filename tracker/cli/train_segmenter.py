"""``tracker train-segmenter DATA --out DIR``: train FCN-8s on images + masks, report held-out mean IoU."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import TrackerError


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
    p.add_argument("--epochs", type=int, default=16, help="total epochs (default 16)")
    p.add_argument("--freeze-epochs", type=int, default=None, help="epochs with a frozen backbone (default half)")
    p.add_argument("--size", type=int, default=128, help="images are resized to SIZE x SIZE (default 128)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of images held out (default 0.2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--make-shapes",
        type=int,
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
        if args.make_shapes < 2:
            raise TrackerError("--make-shapes needs at least 2 images")
        if (args.data / "images").exists():
            raise TrackerError(f"{args.data}/images exists; --make-shapes writes a fresh data set")
        make_shapes_segmentation(args.data, args.make_shapes, seed=args.seed, size=args.size)
    elif not args.data.exists():
        raise TrackerError(f"data folder not found: {args.data} (use --make-shapes N for demo data)")
    if args.size < 32:
        raise TrackerError(f"--size must be at least 32, got {args.size}")
    if not 0 < args.val_fraction < 1:
        raise TrackerError(f"--val-fraction must be between 0 and 1, got {args.val_fraction}")
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
