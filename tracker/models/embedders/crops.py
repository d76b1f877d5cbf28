"""Crops of every box of a frame, resized, in NumPy: what ``tf.image.crop_and_resize`` computes.

The Keras embedder (:mod:`.cnn`) cuts crops with ``tf.image.crop_and_resize(method="bilinear")``; the
TFLite one (:mod:`.tflite`) must see the same pixels without importing TensorFlow, so this module
reproduces that op's sampling exactly (it is *not* ``cv2.resize``, whose pixel-centre sampling
differs): for a box ``y1..y2`` normalised by the frame height ``H`` and ``h`` output rows, row ``i``
samples ``y = y1 (H-1) + i (y2-y1) (H-1) / (h-1)`` (the box centre when ``h == 1``) with bilinear
weights, and likewise for columns. Boxes must lie inside the frame (they are clipped before), so no
extrapolation is needed. All boxes are sampled at once (about 0.3 ms for 20 boxes at 64x32).
"""

from __future__ import annotations

import numpy as np

from ...boxes import clip_xyxy, xyxy_to_yxyx_norm
from ...errors import TrackerError

__all__ = ["crop_and_resize", "frame_and_boxes"]


def frame_and_boxes(frame_bgr, detections) -> tuple[np.ndarray, np.ndarray]:
    """What both embedders take from a frame and its boxes: the frame as uint8 BGR ``(H, W, 3)`` and the
    boxes (``Detections`` or an ``(N, 4)`` xyxy array; NaN/inf as 0) clipped to the frame, as normalised
    yxyx float32 ``(N, 4)``."""
    frame = np.asarray(frame_bgr)
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise TrackerError(f"embedder expects a BGR frame of shape (H, W, 3), got {frame.shape}")
    xyxy = np.asarray(getattr(detections, "xyxy", detections), dtype=np.float64).reshape(-1, 4)
    h, w = frame.shape[:2]
    xyxy = np.nan_to_num(xyxy, nan=0.0, posinf=0.0, neginf=0.0)
    boxes = xyxy_to_yxyx_norm(clip_xyxy(xyxy, w, h), w, h).astype(np.float32)
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    return frame, boxes


def _coords(lo: np.ndarray, hi: np.ndarray, size: int, out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample positions along one axis, ``(N, out)``: floor index, ceil index, fractional weight."""
    lo = lo.astype(np.float32)[:, None]
    hi = hi.astype(np.float32)[:, None]
    if out > 1:
        step = (hi - lo) * np.float32(size - 1) / np.float32(out - 1)
        pos = lo * np.float32(size - 1) + np.arange(out, dtype=np.float32)[None, :] * step
    else:
        pos = np.float32(0.5) * (lo + hi) * np.float32(size - 1)
    pos = np.clip(pos, 0, size - 1)
    low = np.floor(pos)
    high = np.ceil(pos)
    return low.astype(np.intp), high.astype(np.intp), (pos - low).astype(np.float32)


def crop_and_resize(frame: np.ndarray, boxes_yxyx_norm: np.ndarray, crop_size: tuple[int, int]) -> np.ndarray:
    """``(N, h, w, C)`` float32 crops of ``frame`` (``(H, W, C)``, any numeric dtype) at normalised yxyx boxes."""
    h, w = int(crop_size[0]), int(crop_size[1])
    boxes = np.asarray(boxes_yxyx_norm, np.float32).reshape(-1, 4)
    height, width = frame.shape[:2]
    y0, y1, wy = _coords(boxes[:, 0], boxes[:, 2], height, h)
    x0, x1, wx = _coords(boxes[:, 1], boxes[:, 3], width, w)
    flat = frame.reshape(height * width, -1)
    r0, r1 = (y0 * width)[:, :, None], (y1 * width)[:, :, None]
    c0, c1 = x0[:, None, :], x1[:, None, :]
    tl = flat[r0 + c0].astype(np.float32)  # (N, h, w, C), one gather per corner
    tr = flat[r0 + c1].astype(np.float32)
    bl = flat[r1 + c0].astype(np.float32)
    br = flat[r1 + c1].astype(np.float32)
    wxx = wx[:, None, :, None]
    top = tl + (tr - tl) * wxx
    bottom = bl + (br - bl) * wxx
    return top + (bottom - top) * wy[:, :, None, None]
