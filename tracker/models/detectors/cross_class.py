"""Class-agnostic suppression after a detector's class-aware NMS: one object, one box.

Class-aware NMS (:mod:`tracker.nms`) never compares boxes of different classes, so a person the
network half believes to be a dog comes out as a person box and a dog box on top of each other.
:func:`suppress_cross_class` runs greedy NMS over the survivors regardless of class (highest score
first; a box overlapping a kept one by more than ``iou`` goes). It is plain numpy on at most ~100 boxes
(tens of microseconds), so the detectors apply it after their TFLite graph without TensorFlow.

``CROSS_CLASS_IOU`` = 0.7, not the 0.5 of same-class NMS: every cross-class duplicate NanoDet and
CenterNet produced on 200 frames of ``videos/people-walking.mp4`` (person + dog, person + cat,
sink + toilet) overlapped by IoU 0.93-1.0, so 0.7 removes the same pairs as 0.5 while leaving alone
different objects that legitimately overlap (a rider and the bicycle, a person on a chair).
"""

from __future__ import annotations

import numpy as np

from ...boxes import iou_matrix
from ...detections import Detections

__all__ = ["suppress_cross_class", "cross_class_pairs", "CROSS_CLASS_IOU"]

CROSS_CLASS_IOU = 0.7


def suppress_cross_class(detections: Detections, iou: float = CROSS_CLASS_IOU) -> Detections:
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
