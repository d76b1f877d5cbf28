"""tracker.interop against the real supervision package."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Detections, Tracks, TrackState
from tracker.interop import detections_from_supervision, detections_to_supervision, tracks_to_supervision

sv = pytest.importorskip("supervision")


def _dets(n: int) -> Detections:
    rng = np.random.default_rng(n)
    tl = rng.uniform(0, 100, (n, 2))
    xyxy = np.concatenate([tl, tl + rng.uniform(5, 50, (n, 2))], 1)
    return Detections(xyxy, rng.uniform(0, 1, n), rng.integers(0, 80, n), data={"labels": [f"c{i}" for i in range(n)]})


@pytest.mark.parametrize("n", [0, 1, 5])
def test_detections_round_trip(n):
    d = _dets(n)
    s = detections_to_supervision(d)
    assert isinstance(s, sv.Detections) and len(s) == n
    np.testing.assert_allclose(s.xyxy, d.xyxy, rtol=1e-6)
    np.testing.assert_array_equal(s.class_id, d.class_id)
    back = detections_from_supervision(s)
    np.testing.assert_allclose(back.xyxy, d.xyxy, rtol=1e-6)
    np.testing.assert_allclose(back.score, d.score, rtol=1e-6)
    np.testing.assert_array_equal(back.class_id, d.class_id)
    assert back.class_id.dtype == np.int64
    assert list(back.data.get("labels", [])) == list(d.data["labels"])


def test_from_supervision_fills_missing_fields_and_keeps_masks():
    mask = np.zeros((2, 8, 8), bool)
    mask[0, :4] = True
    s = sv.Detections(xyxy=np.array([[0, 0, 4, 4], [1, 1, 5, 6]], float), mask=mask)
    d = detections_from_supervision(s)
    np.testing.assert_array_equal(d.score, [1.0, 1.0])
    np.testing.assert_array_equal(d.class_id, [0, 0])
    np.testing.assert_array_equal(d.mask, mask)


def test_from_supervision_empty():
    d = detections_from_supervision(sv.Detections.empty())
    assert len(d) == 0 and d.xyxy.shape == (0, 4)


def _tracks() -> Tracks:
    return Tracks(
        track_id=np.array([7, 9, 12]),
        xyxy=np.array([[0, 0, 10, 20], [5, 5, 15, 25], [30, 30, 40, 60]], float),
        score=np.array([0.9, 0.0, 0.8]),
        class_id=np.array([0, 2, 0]),
        det_index=np.array([1, -1, 0]),
        state=np.full(3, TrackState.CONFIRMED),
    )


def test_tracks_to_supervision_ids_and_classes():
    s = tracks_to_supervision(_tracks())
    np.testing.assert_array_equal(s.tracker_id, [7, 9, 12])
    np.testing.assert_array_equal(s.class_id, [0, 2, 0])
    np.testing.assert_array_equal(s.data["det_index"], [1, -1, 0])
    matched = tracks_to_supervision(_tracks(), coasting=False)
    np.testing.assert_array_equal(matched.tracker_id, [7, 12])
    # The ids carry over into our Detections' metadata on the way back.
    np.testing.assert_array_equal(detections_from_supervision(s).data["tracker_id"], [7, 9, 12])


def test_tracks_to_supervision_empty_feeds_supervision_tools():
    s = tracks_to_supervision(Tracks.empty())
    assert len(s) == 0
    line = sv.LineZone(start=sv.Point(0, 10), end=sv.Point(100, 10))
    line.trigger(s)
    assert line.in_count == line.out_count == 0


def test_record_methods_are_the_interop_functions():
    sv = pytest.importorskip("supervision")
    from tracker.detections import Detections
    from tracker.tracking import Tracker

    dets = Detections(np.array([[10.0, 20.0, 50.0, 120.0]]), np.array([0.9]), np.array([0]))
    back = Detections.from_supervision(dets.to_supervision())
    np.testing.assert_allclose(back.xyxy, dets.xyxy)
    tracks = Tracker().update(dets)
    out = tracks.to_supervision()
    assert isinstance(out, sv.Detections) and out.tracker_id.tolist() == tracks.track_id.tolist()
