"""What every ``tracker train-*`` command shares: DATA, ``--out``, the schedule options and the checks
run before any training starts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from ..errors import TrackerError
from .checks import checked


def train_parser(subparsers, name: str, *, help: str, description: str, data_help: str, what: str) -> argparse.ArgumentParser:
    """The ``train-*`` sub-parser with its DATA argument and ``--out`` (the folder the trained ``what`` goes to)."""
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("data", type=Path, help=data_help)
    p.add_argument("--out", type=Path, required=True, help=f"folder to save the {what} in")
    return p


def add_common(
    p: argparse.ArgumentParser,
    *,
    epochs: int,
    val_fraction: float,
    val_help: str | None = None,
    batch_size: bool = True,
    make_shapes: str | None = None,
) -> None:
    """``--epochs``, ``--batch-size`` (16), ``--val-fraction``, ``--seed``, ``--make-shapes N`` (when its
    help is given) and ``--overwrite``, with the command's own defaults."""
    p.add_argument("--epochs", type=checked("--epochs"), default=epochs, help=f"total epochs (default {epochs})")
    if batch_size:
        p.add_argument("--batch-size", type=checked("--batch-size"), default=16, help="images per step (default 16)")
    p.add_argument(
        "--val-fraction", type=checked("--val-fraction"), default=val_fraction,
        help=f"{val_help or 'share of DATA held out'} (default {val_fraction})",
    )
    p.add_argument("--seed", type=checked("--seed"), default=0, help="random seed: split, shuffling, generated data (default 0)")
    if make_shapes is not None:
        p.add_argument("--make-shapes", type=checked("--make-shapes"), metavar="N", default=None, help=make_shapes)
    p.add_argument("--overwrite", action="store_true", help="allow writing into an existing --out folder")


def check_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` that holds something, unless ``--overwrite``: a run must not mix two models."""
    out = args.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.overwrite:
        raise TrackerError(f"{out} exists and is not empty (pass --overwrite)")


def make_shapes(args: argparse.Namespace, write: Callable[[Path, int], Path | None]) -> Path:
    """With ``--make-shapes N``, ``write(DATA, N)`` a fresh demo data set first; the data set to read."""
    if args.make_shapes is None:
        return args.data
    if (args.data / "images").exists():
        raise TrackerError(f"{args.data}/images exists; --make-shapes writes a fresh data set")
    return write(args.data, args.make_shapes) or args.data


def options(args: argparse.Namespace, *names: str) -> dict:
    """``{name: args.name}`` for the options passed to a ``train_*`` function under their own names."""
    return {name: getattr(args, name) for name in names}
