"""``tracker train-embedder DATA_DIR --out DIR``: fine-tune the appearance embedder on identity-labelled crops."""

from __future__ import annotations

import argparse

from .checks import checked, size_type
from .train_options import add_common, check_out, options, train_parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = train_parser(
        subparsers, "train-embedder", what="embedder",
        help="fine-tune the appearance embedder on crops in a folder per identity",
        description=(
            "Metric learning for the DeepSORT appearance embedder: ImageNet MobileNetV2 truncated at --layer, "
            "trained with a batch-hard triplet loss on DATA_DIR/<identity>/*.jpg|png. Prints the loss per epoch and "
            "same/different-identity separation on held-out crops before and after. Use the result with "
            "`tracker track ... --embedder DIR` (or tracker.models.embedders.load_embedder(DIR))."
        ),
        data_help="folder with one sub-folder of crops per identity",
    )
    add_common(p, epochs=10, val_fraction=0.25, val_help="share of each identity's crops held out", batch_size=False)
    p.add_argument(
        "--steps-per-epoch", type=checked("--steps-per-epoch"), default=None,
        help="default: one pass over the crops",
    )
    p.add_argument("--layer", default=None, help="truncation layer, e.g. f13_out, f16_out, f17_out (default), f18_relu")
    p.add_argument(
        "--crop", type=size_type("--crop", 16, square_ok=False), default=None, metavar="HxW",
        help="crop size (default 64x32)",
    )
    p.add_argument("--dim", type=checked("--dim"), default=None, help="add a linear projection to this many dimensions")
    p.add_argument("--lr", type=checked("--lr"), default=1e-4)
    p.add_argument(
        "--margin", type=checked("--margin"), default=0.3,
        help="triplet margin in cosine distance (default 0.3)",
    )
    p.add_argument("--ids-per-batch", type=checked("--ids-per-batch"), default=6)
    p.add_argument("--per-id", type=checked("--per-id"), default=4, help="crops per identity in a batch")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..models.embedders import CONFIG_NAME

    check_out(args)
    from ..train.embedder import train_embedder

    res = train_embedder(args.data, args.out, crop_size=args.crop, **options(
        args, "epochs", "steps_per_epoch", "layer", "dim", "lr", "margin", "ids_per_batch", "per_id", "val_fraction", "seed",
    ))
    auc = [res.metrics[k]["auc"] for k in ("before", "after")]
    print(f"saved {res.out_dir} ({CONFIG_NAME} + weights); held-out AUC {auc[0]:.3f} -> {auc[1]:.3f}")
    return 0
