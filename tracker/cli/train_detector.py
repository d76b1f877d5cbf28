"""``tracker train-detector DATA --out DIR``: train the sliding-grid FCN detector, report held-out mAP."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import TrackerError
from .checks import checked, size_type


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train-detector",
        help="train the sliding-grid FCN detector on a COCO or YOLO data set",
        description=(
            "Transfer learning for the fully convolutional grid detector (zoo 'fcn-grid'): MobileNetV2 ImageNet "
            "backbone, frozen for the first --freeze-epochs (head only), then fine-tuned at a lower rate. Prints "
            "per-epoch losses, saves the detector to --out and reports mAP@0.5 and mAP@[.5:.95] (pycocotools) on "
            "--val or on a held-out share of DATA. Use the result with `tracker detect SOURCE --detector DIR`."
        ),
    )
    p.add_argument("data", type=Path, help="COCO JSON file (or folder with annotations.json) or YOLO folder")
    p.add_argument("--format", choices=("auto", "coco", "yolo"), default="auto", help="data set layout (default: auto)")
    p.add_argument("--out", type=Path, required=True, help="folder to save the detector in")
    p.add_argument("--val", type=Path, default=None, help="held-out data set in the same format (default: split DATA)")
    p.add_argument(
        "--val-fraction", type=checked("--val-fraction"), default=0.2,
        help="share of DATA held out without --val (default 0.2)",
    )
    p.add_argument("--epochs", type=checked("--epochs"), default=12, help="total epochs (default 12)")
    p.add_argument(
        "--freeze-epochs", type=checked("--freeze-epochs"), default=8,
        help="first epochs with a frozen backbone (default 8)",
    )
    p.add_argument(
        "--input-size", type=size_type("--input-size", 32), default=(192, 192), metavar="SIZE|HxW",
        help="training input (default 192)",
    )
    p.add_argument("--feature", choices=("stride16", "stride32"), default="stride16", help="backbone grid (default stride16)")
    p.add_argument("--batch-size", type=checked("--batch-size"), default=16)
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
    p.add_argument("--seed", type=checked("--seed"), default=0)
    p.add_argument(
        "--make-shapes",
        type=checked("--make-shapes"),
        metavar="N",
        default=None,
        help="first write N generated images (circles/squares/triangles, 256x256) as a COCO data set into DATA",
    )
    p.add_argument("--overwrite", action="store_true", help="allow writing into an existing --out folder")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..train.datasets import load_dataset, make_shapes_dataset
    from ..train.detector import train_detector

    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())) and not args.overwrite:
        raise TrackerError(f"{args.out} exists and is not empty (pass --overwrite)")
    data = args.data
    if args.make_shapes is not None:
        if (data / "images").exists():
            raise TrackerError(f"{data}/images exists; --make-shapes writes a fresh data set")
        data = make_shapes_dataset(data, args.make_shapes, seed=args.seed, fmt="yolo" if args.format == "yolo" else "coco")
    train = load_dataset(data, args.format)
    if args.val is not None:
        val = load_dataset(args.val, args.format)
    else:
        train, val = train.split(args.val_fraction, seed=args.seed)
    weights = None if str(args.weights).lower() == "none" else args.weights
    result = train_detector(
        train,
        val,
        args.out,
        epochs=args.epochs,
        freeze_epochs=args.freeze_epochs,
        input_size=args.input_size,
        feature=args.feature,
        batch_size=args.batch_size,
        lr=args.lr,
        fine_tune_lr=args.fine_tune_lr,
        weights=weights,
        flip=not args.no_flip,
        box_weight=args.box_weight,
        seed=args.seed,
    )
    m = result.metrics
    print(
        f"held-out mAP@0.5 {m.get('map50', 0):.3f}  mAP@[.5:.95] {m.get('map', 0):.3f} on {len(val)} images; "
        f"trained on {len(train)} images in {result.seconds:.0f} s"
    )
    print(f"saved to {args.out} ({json.dumps({'map50': round(m.get('map50', 0), 4), 'map': round(m.get('map', 0), 4)})})")
    return 0
