"""Class-agnostic suppression after a detector's class-aware NMS: one object, one box.

Class-aware NMS (:mod:`tracker.nms`) never compares boxes of different classes, so a person the
network half believes to be a dog comes out as a person box and a dog box on top of each other.
:func:`suppress_cross_class` runs greedy NMS over the survivors regardless of class (highest score
first; a box overlapping a kept one by more than ``iou`` goes). It is plain numpy on at most ~100 boxes
(tens of microseconds), so the detectors apply it after their TFLite graph without TensorFlow.
"""

from __future__ import annotations

import numpy as np

from ..boxes import iou_matrix
from ..detections import Detections

__all__ = ["suppress_cross_class", "cross_class_pairs"]


def suppress_cross_class(detections: Detections, iou: float) -> Detections:
    """``detections`` without boxes that overlap a higher-scoring box (any class) by IoU > ``iou``.

    Kept rows stay in their original order; all fields (masks, ``data``) follow them.
    """
    n = len(detections)
    if n < 2:
        return detections
    order = np.argsort(-detections.score, kind="stable")
    overlap = iou_matrix(detections.xyxy[order], detections.xyxy[order]) > iou
    alive = np.ones(n, bool)
    for i in range(n):
        if alive[i]:
            alive[i + 1 :] &= ~overlap[i, i + 1 :]
    keep = np.sort(order[alive])
    return detections if len(keep) == n else detections[keep]


def cross_class_pairs(detections: Detections, iou: float = 0.5) -> int:
    """How many pairs of boxes of different classes overlap by IoU > ``iou`` (a duplicate count)."""
    if len(detections) < 2:
        return 0
    m = iou_matrix(detections.xyxy, detections.xyxy) > iou
    diff = detections.class_id[:, None] != detections.class_id[None, :]
    return int(np.triu(m & diff, 1).sum())
