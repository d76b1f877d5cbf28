"""Instance masks from a probability map and boxes; COCO RLE round trip."""

import numpy as np
import pytest

from tracker.detections import Detections, Tracks
from tracker.io.rle import decode_rle, encode_rle
from tracker.models.segmenters.instances import instance_masks


def _box_region(shape, box):
    h, w = shape
    yy, xx = np.mgrid[:h, :w]
    return (xx + 0.5 > box[0]) & (xx + 0.5 < box[2]) & (yy + 0.5 > box[1]) & (yy + 0.5 < box[3])


def test_masks_stay_inside_boxes_and_do_not_overlap():
    rng = np.random.default_rng(0)
    prob = rng.random((60, 80)).astype(np.float32)
    boxes = np.array([[5, 5, 40, 50], [30, 10, 70, 55], [-20, -10, 10, 20], [60, 40, 120, 90]], float)
    masks = instance_masks(prob, boxes)
    assert masks.shape == (4, 60, 80) and masks.dtype == bool
    for m, b in zip(masks, boxes):
        assert not (m & ~_box_region(prob.shape, b)).any()
    assert masks.sum(0).max() <= 1
    # Every foreground pixel inside some box is given to exactly one box.
    inside_any = np.any([_box_region(prob.shape, b) for b in boxes], axis=0)
    np.testing.assert_array_equal(masks.any(0), (prob >= 0.5) & inside_any)


def test_single_box_is_thresholded_map_cropped():
    prob = np.zeros((20, 30))
    prob[2:18, 3:27] = 0.9
    masks = instance_masks(prob, [[10, 0, 20, 10]], threshold=0.5)
    expected = np.zeros((20, 30), bool)
    expected[2:10, 10:20] = True
    np.testing.assert_array_equal(masks[0], expected)


def test_overlap_goes_to_box_with_nearest_normalised_centre():
    prob = np.ones((10, 40))
    masks = instance_masks(prob, [[0, 0, 24, 10], [16, 0, 40, 10]])
    # Overlap x in [16, 24): split at the midpoint x = 20 between the centres 12 and 28.
    assert masks[0, :, 16:20].all() and not masks[1, :, 16:20].any()
    assert masks[1, :, 20:24].all() and not masks[0, :, 20:24].any()
    # A small box inside a big one keeps its middle (it is more central there).
    masks = instance_masks(np.ones((40, 40)), [[0, 0, 40, 40], [24, 24, 32, 32]])
    assert masks[1, 27:29, 27:29].all()


def test_empty_and_degenerate_boxes():
    prob = np.ones((8, 9))
    assert instance_masks(prob, np.zeros((0, 4))).shape == (0, 8, 9)
    masks = instance_masks(prob, [[3, 3, 3, 7], [50, 50, 60, 60], [np.nan, 0, 4, 4], [0, 0, 4, 4]])
    assert not masks[:3].any() and masks[3].sum() == 16


def test_masks_travel_with_detections_to_tracks():
    prob = np.ones((10, 10))
    det = Detections([[0, 0, 5, 5], [5, 5, 10, 10]], [0.9, 0.8], [0, 0])
    det = det.with_(mask=instance_masks(prob, det.xyxy))
    tracks = Tracks(np.array([7]), det.xyxy[1:], det.score[1:], det.class_id[1:], np.array([1]), np.array([2]))
    np.testing.assert_array_equal(tracks.attach(det).mask[0], det.mask[1])


def test_rle_round_trip():
    rng = np.random.default_rng(1)
    masks = rng.random((3, 17, 23)) > 0.6
    rles = encode_rle(masks)
    assert [r["size"] for r in rles] == [[17, 23]] * 3 and all(isinstance(r["counts"], str) for r in rles)
    np.testing.assert_array_equal(decode_rle(rles), masks)
    assert encode_rle(np.zeros((0, 4, 5), bool)) == []


def test_bad_prob_shape():
    with pytest.raises(ValueError):
        instance_masks(np.ones((2, 3, 1)), [[0, 0, 1, 1]])
