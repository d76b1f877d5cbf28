"""Write a generated detection data set (circles, squares, triangles on textured backgrounds).

Usage::

    .venv/bin/python tools/make_shapes_dataset.py OUT_DIR --n 600 --seed 0 [--size 256] [--format coco|yolo]

Thin wrapper around :func:`tracker.train.datasets.make_shapes_dataset`; prints the path to train on
(``tracker train-detector PATH --out DET``).
"""

from __future__ import annotations

import argparse
import sys

from tracker.errors import TrackerError
from tracker.train.datasets import make_shapes_dataset


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="output folder")
    p.add_argument("--n", type=int, default=600, help="number of images (default 600)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=256, help="square image size in pixels (default 256)")
    p.add_argument("--format", choices=("coco", "yolo"), default="coco")
    p.add_argument("--max-objects", type=int, default=4, help="at most this many shapes per image (default 4)")
    args = p.parse_args(argv)
    try:
        path = make_shapes_dataset(args.out, args.n, args.seed, (args.size, args.size), args.format, args.max_objects)
    except TrackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
