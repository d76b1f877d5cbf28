import numpy as np
import pytest

from tracker.models.nms import nms

BOXES = np.array(
    [
        [0, 0, 100, 100],  # A
        [5, 5, 105, 105],  # overlaps A heavily (IoU ~0.82)
        [200, 200, 260, 260],  # far away
    ],
    np.float32,
)


def test_overlapping_same_class_suppressed():
    keep = nms(BOXES, [0.9, 0.8, 0.7], [0, 0, 0], iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_overlapping_different_classes_kept():
    keep = nms(BOXES, [0.9, 0.8, 0.7], [0, 1, 0], iou_threshold=0.5)
    assert sorted(keep.tolist()) == [0, 1, 2]


def test_class_offset_survives_large_coordinates():
    # Boxes far beyond the frame (e.g. 4K frames) must still not collide across classes.
    big = BOXES * 40
    assert sorted(nms(big, [0.9, 0.8, 0.7], [0, 1, 0]).tolist()) == [0, 1, 2]
    assert nms(big, [0.9, 0.8, 0.7], [3, 3, 3]).tolist() == [0, 2]


def test_score_threshold_and_order():
    keep = nms(BOXES, [0.2, 0.8, 0.7], [0, 0, 0], iou_threshold=0.5, score_threshold=0.5)
    assert keep.tolist() == [1, 2]


def test_max_detections():
    assert len(nms(BOXES, [0.9, 0.8, 0.7], [0, 1, 2], max_detections=2)) == 2


def test_soft_nms_decays_overlapping_score():
    keep, scores = nms(BOXES, [0.9, 0.8, 0.7], [0, 0, 0], iou_threshold=1.0, soft_nms_sigma=0.5, return_scores=True)
    assert sorted(keep.tolist()) == [0, 1, 2]  # nothing dropped ...
    by_index = dict(zip(keep.tolist(), scores.tolist()))
    assert by_index[0] == pytest.approx(0.9)
    assert by_index[2] == pytest.approx(0.7)  # no overlap -> untouched
    iou = (95 * 95) / (2 * 100 * 100 - 95 * 95)
    # tf.image decays by exp(-iou^2 / (2 sigma)).
    assert by_index[1] == pytest.approx(0.8 * np.exp(-(iou**2) / (2 * 0.5)), rel=1e-3)  # ... but decayed


def test_empty_input():
    assert nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0)).tolist() == []
