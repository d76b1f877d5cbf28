"""``tracker train-detector DATA --out DIR``: train the sliding-grid FCN detector, report held-out mAP."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .checks import checked, size_type
from .train_options import add_common, check_out, make_shapes, options, train_parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = train_parser(
        subparsers, "train-detector", what="detector",
        help="train the sliding-grid FCN detector on a COCO or YOLO data set",
        description=(
            "Transfer learning for the fully convolutional grid detector (zoo 'fcn-grid'): MobileNetV2 ImageNet "
            "backbone, frozen for the first --freeze-epochs (head only), then fine-tuned at a lower rate. Prints "
            "per-epoch losses, saves the detector to --out and reports mAP@0.5 and mAP@[.5:.95] (pycocotools) on "
            "--val or on a held-out share of DATA. Use the result with `tracker detect SOURCE --detector DIR`."
        ),
        data_help="COCO JSON file (or folder with annotations.json) or YOLO folder",
    )
    p.add_argument("--format", choices=("auto", "coco", "yolo"), default="auto", help="data set layout (default: auto)")
    p.add_argument("--val", type=Path, default=None, help="held-out data set in the same format (default: split DATA)")
    add_common(
        p, epochs=12, val_fraction=0.2, val_help="share of DATA held out without --val",
        make_shapes="first write N generated images (circles/squares/triangles, 256x256) as a COCO data set into DATA",
    )
    p.add_argument(
        "--freeze-epochs", type=checked("--freeze-epochs"), default=8,
        help="first epochs with a frozen backbone (default 8)",
    )
    p.add_argument(
        "--input-size", type=size_type("--input-size", 32), default=(192, 192), metavar="SIZE|HxW",
        help="training input (default 192)",
    )
    p.add_argument("--feature", choices=("stride16", "stride32"), default="stride16", help="backbone grid (default stride16)")
    p.add_argument("--lr", type=checked("--lr"), default=1e-3, help="head learning rate (default 1e-3)")
    p.add_argument(
        "--fine-tune-lr", type=checked("--fine-tune-lr"), default=1e-4,
        help="learning rate after unfreezing (default 1e-4)",
    )
    p.add_argument("--weights", default="imagenet", help="backbone weights: imagenet, none or a weights file")
    p.add_argument(
        "--box-weight", type=checked("--box-weight"), default=4.0,
        help="weight of the box loss terms (default 4)",
    )
    p.add_argument("--no-flip", action="store_true", help="no horizontal-flip augmentation")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..train.datasets import load_dataset, make_shapes_dataset
    from ..train.detector import train_detector

    check_out(args)
    fmt = "yolo" if args.format == "yolo" else "coco"
    data = make_shapes(args, lambda folder, n: make_shapes_dataset(folder, n, seed=args.seed, fmt=fmt))
    train = load_dataset(data, args.format)
    if args.val is not None:
        val = load_dataset(args.val, args.format)
    else:
        train, val = train.split(args.val_fraction, seed=args.seed)
    weights = None if str(args.weights).lower() == "none" else args.weights
    names = ("epochs", "freeze_epochs", "input_size", "feature", "batch_size", "lr", "fine_tune_lr", "box_weight", "seed")
    result = train_detector(train, val, args.out, weights=weights, flip=not args.no_flip, **options(args, *names))
    m = result.metrics
    print(
        f"held-out mAP@0.5 {m.get('map50', 0):.3f}  mAP@[.5:.95] {m.get('map', 0):.3f} on {len(val)} images; "
        f"trained on {len(train)} images in {result.seconds:.0f} s"
    )
    print(f"saved to {args.out} ({json.dumps({'map50': round(m.get('map50', 0), 4), 'map': round(m.get('map', 0), 4)})})")
    return 0
