"""Milliseconds per frame of the segmenters: the selfie person segmenter and an FCN-8s forward pass.

    python benchmarks/segment_speed.py [--frames 50] [--fcn-size 480x640] [--fcn-model DIR]

Each figure is the median over ``--frames`` calls after a warm-up, on a 640x480 frame. The selfie
number includes resizing in and out; the FCN-8s number is the network alone (a batch of one RGB float
image at ``--fcn-size``) plus, separately, the full ``FcnSegmenter`` call at its training size.

Hook for ``tracker track --masks`` vs ``tracker track``: :func:`masks_overhead_ms` times the extra work
per frame that the mask path adds (segmenter + :func:`tracker.models.segmenters.instances.instance_masks` for ``n_boxes``
boxes); the pipeline-level timing belongs next to the other ``track`` benchmarks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_ms(fn, frames: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(frames):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def test_frame(h: int = 480, w: int = 640) -> np.ndarray:
    import cv2
    from skimage import data

    return cv2.resize(np.ascontiguousarray(data.astronaut()[..., ::-1]), (w, h))


def masks_overhead_ms(segmenter, frame: np.ndarray, n_boxes: int = 8, frames: int = 50) -> float:
    """Median ms per frame of segmenter + instance_masks for ``n_boxes`` random boxes."""
    from tracker.models.segmenters.instances import instance_masks

    rng = np.random.default_rng(0)
    h, w = frame.shape[:2]
    xy = rng.uniform(0, 1, (n_boxes, 2)) * [w * 0.8, h * 0.6]
    boxes = np.concatenate([xy, xy + rng.uniform(0.1, 0.4, (n_boxes, 2)) * [w, h]], 1)
    return median_ms(lambda: instance_masks(segmenter(frame), boxes), frames)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=50)
    p.add_argument("--fcn-size", default="480x640", help="HxW of the FCN-8s forward pass (default 480x640)")
    p.add_argument("--fcn-model", default=None, help="a trained FCN folder (default: untrained, same cost)")
    args = p.parse_args()

    from tracker.models.segmenters.fcn import FcnSegmenter
    from tracker.models.segmenters.selfie import SelfieSegmenter

    frame = test_frame()
    results = {}
    selfie = SelfieSegmenter()
    results["selfie_ms_640x480"] = median_ms(lambda: selfie(frame), args.frames)
    results["selfie_plus_instance_masks_8_boxes_ms"] = masks_overhead_ms(selfie, frame, 8, args.frames)

    h, w = (int(v) for v in args.fcn_size.lower().split("x"))
    if args.fcn_model:
        fcn = FcnSegmenter.load(args.fcn_model)
    else:
        fcn = FcnSegmenter.build(["background", "a", "b", "c"], backbone_weights=None, input_size=(128, 128))
    x = np.zeros((1, h, w, 3), np.float32)
    results[f"fcn8s_forward_ms_{h}x{w}"] = median_ms(lambda: fcn.logits(x), max(5, args.frames // 5))
    size = fcn.input_size or (h, w)
    results[f"fcn8s_segmenter_call_ms_640x480_at_{size[0]}x{size[1]}"] = median_ms(lambda: fcn(frame), args.frames)
    for k, v in results.items():
        print(f"{k}: {v:.1f}")
    print(json.dumps({k: round(v, 2) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
