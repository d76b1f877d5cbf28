"""Embedder cost per frame for 1, 10 and 30 detections (one batch each), beside the default detector.

    .venv/bin/python benchmarks/embed_speed.py [--embedder mobilenetv2] [--repeats 30]

A 640x480 frame (a real one from --video when given, else random pixels) with person-sized boxes;
median (and min) ms per call after warm-up. The goal: embedding 10 people costs at most a quarter of the
detector's time per frame. Both are timed in the same process, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed_ms(fn, repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(median, min) ms per call; the min shows the cost when the shared CPU is not busy elsewhere."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000, float(np.min(times)) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="mobilenetv2", help="load_embedder spec")
    ap.add_argument("--crop", default=None, help="HxW crop size for the zoo embedder, e.g. 128x64")
    ap.add_argument("--layer", default=None, help="truncation layer for the zoo embedder, e.g. f17_out")
    ap.add_argument("--video", default=None, help="take the frame from this video (first frame, resized to 640x480)")
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args(argv)

    import cv2

    from tracker.models.embedders import load_embedder

    if args.video:
        ok, frame = cv2.VideoCapture(args.video).read()
        if not ok:
            raise SystemExit(f"cannot read {args.video}")
        frame = cv2.resize(frame, (640, 480))
    else:
        frame = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    kw = {}
    if args.crop:
        kw["crop_size"] = tuple(int(v) for v in args.crop.split("x"))
    if args.layer:
        kw["layer"] = args.layer
    emb = load_embedder(args.embedder, **kw)
    print(f"embedder: {emb!r}")
    rng = np.random.default_rng(1)
    det_ms = None
    try:
        from tracker.models.detectors import load_detector

        det = load_detector()
        det_ms, det_min = timed_ms(lambda: det(frame), args.repeats)
        print(f"detector {getattr(det, 'name', det)!r}: {det_ms:.1f} ms per frame (min {det_min:.1f})")
    except Exception as exc:  # the detector is optional here
        print(f"no detector timing ({type(exc).__name__}: {exc})")
    for n in (1, 10, 30):
        x1 = rng.uniform(0, 560, n)
        y1 = rng.uniform(0, 280, n)
        boxes = np.stack([x1, y1, x1 + rng.uniform(30, 80, n), y1 + rng.uniform(80, 200, n)], 1)
        ms, ms_min = timed_ms(lambda: emb(frame, boxes), args.repeats)
        share = f", {ms / det_ms:.2f} x detector" if det_ms else ""
        print(f"{n:3d} detections: {ms:6.1f} ms per frame (min {ms_min:.1f}; {ms / n:.2f} ms per crop{share})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
