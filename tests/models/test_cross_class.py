"""Class-agnostic suppression after class-aware NMS."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Detections
from tracker.models.detectors.cross_class import cross_class_pairs, suppress_cross_class

A = [0, 0, 10, 10]
A_SHIFTED = [1, 0, 11, 10]  # IoU with A = 90/110 = 0.82
B = [20, 20, 30, 30]


@pytest.mark.parametrize(
    "boxes, scores, classes, iou, kept",
    [
        ([A, A_SHIFTED, B], [0.9, 0.8, 0.7], [0, 16, 15], 0.5, [0, 2]),  # person + dog on one object
        ([A, A_SHIFTED, B], [0.6, 0.8, 0.7], [0, 16, 15], 0.5, [1, 2]),  # the higher score wins, order kept
        ([A, A_SHIFTED], [0.9, 0.8], [0, 16], 0.9, [0, 1]),  # below the IoU: both stay
        ([A, B], [0.9, 0.8], [0, 0], 0.5, [0, 1]),
        ([A], [0.9], [0], 0.5, [0]),
        ([], [], [], 0.5, []),
    ],
)
def test_suppress_cross_class(boxes, scores, classes, iou, kept):
    d = Detections(np.array(boxes, float).reshape(-1, 4), scores, classes, data={"tag": list(range(len(boxes)))})
    out = suppress_cross_class(d, iou)
    assert out.data["tag"] == kept
    np.testing.assert_array_equal(out.xyxy, d.xyxy[kept])


def test_cross_class_pairs_counts_only_different_classes():
    d = Detections([A, A_SHIFTED, A, B], [0.9, 0.8, 0.7, 0.6], [0, 16, 0, 15])
    assert cross_class_pairs(d, 0.5) == 2  # (0,1) and (1,2); (0,2) is one class
    assert cross_class_pairs(suppress_cross_class(d), 0.5) == 0  # their IoU 0.82 > CROSS_CLASS_IOU
