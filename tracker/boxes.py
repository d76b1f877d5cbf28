"""Box conventions and converters.

Every public boundary of ``tracker`` uses **xyxy pixels**: ``[x1, y1, x2, y2]`` with ``x1 <= x2``
and ``y1 <= y2``, in the pixel coordinates of the frame the box belongs to (x to the right, y down,
floats, not clipped). Other layouts exist only inside this module and at file-format edges:

- ``tlwh``: ``[x, y, w, h]``, top-left corner plus size (MOTChallenge files).
- ``xyah``: ``[cx, cy, w / h, h]``, centre, aspect ratio and height (the Kalman filter's state).
- ``cxcywh``: ``[cx, cy, w, h]``, centre and size (the filter's other state, BoT-SORT's).
- ``yxyx_norm``: ``[y1, x1, y2, x2]`` divided by the image size (TensorFlow detection API, tf.image ops).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "xyxy_to_tlwh",
    "tlwh_to_xyxy",
    "xyxy_to_xyah",
    "xyah_to_xyxy",
    "xyxy_to_cxcywh",
    "cxcywh_to_xyxy",
    "xyxy_to_yxyx_norm",
    "yxyx_norm_to_xyxy",
    "iou_matrix",
    "clip_xyxy",
]


def _as2d(boxes: np.ndarray) -> np.ndarray:
    if type(boxes) is np.ndarray and boxes.dtype == np.float64 and boxes.ndim == 2:
        return boxes  # the common case, without numpy's conversion overhead
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def xyxy_to_tlwh(xyxy: np.ndarray) -> np.ndarray:
    b = _as2d(xyxy)
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)


def tlwh_to_xyxy(tlwh: np.ndarray) -> np.ndarray:
    b = _as2d(tlwh)
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def xyxy_to_xyah(xyxy: np.ndarray) -> np.ndarray:
    b = _as2d(xyxy)
    out = np.empty_like(b)
    wh = b[:, 2:] - b[:, :2]
    out[:, :2] = b[:, :2] + wh / 2
    # Guard the aspect ratio: a zero-height box would otherwise poison the filter with inf.
    out[:, 2] = wh[:, 0] / np.maximum(wh[:, 1], 1e-6)
    out[:, 3] = wh[:, 1]
    return out


def xyxy_to_cxcywh(xyxy: np.ndarray) -> np.ndarray:
    """Centre, width and height: the Kalman state of BoT-SORT (``tracking/kalman_filter.py``)."""
    b = _as2d(xyxy)
    out = np.empty_like(b)
    np.subtract(b[:, 2:], b[:, :2], out=out[:, 2:])
    np.add(b[:, :2], b[:, 2:], out=out[:, :2])
    out[:, :2] *= 0.5
    return out


def cxcywh_to_xyxy(cxcywh: np.ndarray) -> np.ndarray:
    b = _as2d(cxcywh)
    out = np.empty_like(b)
    half = b[:, 2:] * 0.5
    np.subtract(b[:, :2], half, out=out[:, :2])
    np.add(b[:, :2], half, out=out[:, 2:])
    return out


def xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    b = _as2d(xyah)
    out = np.empty_like(b)
    half_w = b[:, 2] * b[:, 3] / 2
    half_h = b[:, 3] / 2
    out[:, 0] = b[:, 0] - half_w
    out[:, 1] = b[:, 1] - half_h
    out[:, 2] = b[:, 0] + half_w
    out[:, 3] = b[:, 1] + half_h
    return out


def xyxy_to_yxyx_norm(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    b = _as2d(xyxy)
    return np.stack([b[:, 1] / height, b[:, 0] / width, b[:, 3] / height, b[:, 2] / width], axis=1)


def yxyx_norm_to_xyxy(yxyx: np.ndarray, width: int, height: int) -> np.ndarray:
    b = _as2d(yxyx)
    return np.stack([b[:, 1] * width, b[:, 0] * height, b[:, 3] * width, b[:, 2] * height], axis=1)


def clip_xyxy(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    b = _as2d(xyxy).copy()
    b[:, [0, 2]] = b[:, [0, 2]].clip(0, width)
    b[:, [1, 3]] = b[:, [1, 3]].clip(0, height)
    return b


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two sets of xyxy boxes, shape ``(len(a), len(b))``."""
    a = _as2d(a)
    b = _as2d(b)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.maximum(ix2 - ix1, 0.0) * np.maximum(iy2 - iy1, 0.0)  # np.clip's wrapper costs more
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return inter / np.maximum(union, 1e-12)
