"""Valid ranges of every numeric command-line option, checked while the arguments are parsed.

Each numeric option is declared with ``type=checked("--name")``; the range comes from :data:`RANGES`
(one table for all subcommands: an option means the same thing wherever it appears), and a value
outside it stops the CLI before any file is opened, with one line that names the option and its range::

    tracker: error: --conf must be in [0, 1] (got 2)

``tests/cli/test_errors.py`` fails if a numeric option of any subcommand is declared without a range.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Callable

__all__ = ["Range", "RANGES", "checked", "size_type"]

INF = math.inf


@dataclass(frozen=True)
class Range:
    """``low``..``high`` (either may be infinite); ``open_low``/``open_high`` exclude that end."""

    low: float
    high: float = INF
    kind: type = float  # int or float
    open_low: bool = False
    open_high: bool = False

    def __contains__(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return above and below

    def describe(self) -> str:
        """``[0, 1]``, ``(0, 1)``, ``an integer >= 1`` ..."""
        noun = "an integer" if self.kind is int else "a number"
        lo, hi = _fmt(self.low), _fmt(self.high)
        if self.high == INF:
            return f"{noun} {'>' if self.open_low else '>='} {lo}"
        bracket = ("(" if self.open_low else "[") + f"{lo}, {hi}" + (")" if self.open_high else "]")
        return f"in {bracket}" if self.kind is float else f"{noun} in {bracket}"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


UNIT = Range(0, 1)
FRACTION = Range(0, 1, open_low=True, open_high=True)  # a share that must leave something on both sides
RATE = Range(0, 1, open_low=True)
COUNT = Range(1, kind=int)
SEED = Range(0, 2**32 - 1, kind=int)  # numpy's seed range

RANGES: dict[str, Range] = {
    # detection and tracking
    "--conf": UNIT,  # a score threshold; scores are probabilities
    "--iou": UNIT,
    "--max-age": Range(0, kind=int),  # 0: a track dies on its first miss
    "--n-init": COUNT,
    "--max-frames": COUNT,  # 0 used to mean "all": leave the option out for that
    "--refine-gap": Range(0, kind=int),  # 0: smooth only, fill no gap
    # batch runs
    "--workers": COUNT,
    "--gpus-per-worker": Range(0),
    "--max-retries": Range(0, kind=int),
    # tuning
    "--trials": COUNT,
    "--timeout": Range(0, open_low=True),
    # segmentation
    "--threshold": FRACTION,  # 0 or 1 would make every pixel one class
    "--opacity": UNIT,
    # evaluation
    "--frame-base": Range(0, kind=int),
    # training
    "--epochs": COUNT,
    "--freeze-epochs": Range(0, kind=int),
    "--batch-size": COUNT,
    "--steps-per-epoch": COUNT,
    "--val-fraction": FRACTION,
    "--lr": RATE,
    "--fine-tune-lr": RATE,
    "--box-weight": Range(0),
    "--margin": Range(0, 2, open_low=True),  # cosine distance lies in [0, 2]
    "--ids-per-batch": Range(2, kind=int),  # batch-hard triplets need a negative identity
    "--per-id": Range(2, kind=int),  # ... and a positive crop
    "--dim": COUNT,
    "--size": Range(32, kind=int),  # the backbone's coarsest stride
    "--seed": SEED,
    "--make-shapes": Range(2, kind=int),  # one image to train on, one to hold out
}


def _error(option: str, rng_text: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{option} must be {rng_text} (got {text})")


def checked(option: str) -> Callable[[str], float]:
    """An argparse ``type=`` that parses ``option``'s value and checks it against ``RANGES[option]``."""
    rng = RANGES[option]  # a KeyError here is a programming error: add the option to the table

    def parse(text: str):
        try:
            value = rng.kind(text)
        except ValueError:
            raise _error(option, rng.describe(), repr(text)) from None
        if value not in rng:
            raise _error(option, rng.describe(), text)
        return value

    parse.__name__ = option.lstrip("-").replace("-", "_")
    parse.range = rng  # type: ignore[attr-defined]
    parse.option = option  # type: ignore[attr-defined]
    return parse


def size_type(option: str, minimum: int, square_ok: bool = True) -> Callable[[str], tuple[int, int]]:
    """An argparse ``type=`` for ``HxW`` (or ``N`` for ``NxN`` when ``square_ok``), each side >= ``minimum``."""
    form = "SIZE or HxW" if square_ok else "HxW"

    def parse(text: str) -> tuple[int, int]:
        try:
            parts = [int(v) for v in text.lower().split("x")]
            if len(parts) == 1 and square_ok:
                parts = parts * 2
            h, w = parts
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be {form} (got {text!r})") from None
        if h < minimum or w < minimum:
            raise argparse.ArgumentTypeError(f"{option} must be {form} with each side >= {minimum} (got {text})")
        return h, w

    parse.__name__ = option.lstrip("-").replace("-", "_")
    parse.range = Range(minimum, kind=int)  # type: ignore[attr-defined]
    parse.option = option  # type: ignore[attr-defined]
    return parse
