import numpy as np
import pytest

from tracker import Detections, Tracker
from tracker.detections import TrackState


def box(cx, cy, w=40, h=100):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def dets(boxes, score=0.9, cls=0, emb=None):
    n = len(boxes)
    return Detections(np.array(boxes, float).reshape(-1, 4), np.full(n, score), np.full(n, cls), embedding=emb)


def test_lifecycle_n_init_and_max_age():
    t = Tracker(n_init=3, max_age=5, confirm_on_first_frame=False, output_coasting=0)
    outs = [t.update(dets([box(100 + 2 * f, 100)])) for f in range(3)]
    assert [len(o) for o in outs] == [0, 0, 1]  # tentative until the third hit
    tid = outs[2].track_id[0]
    for f in range(5):  # five misses: still alive, not reported
        assert len(t.update(dets([]))) == 0
    assert len(t.tracks) == 1
    t.update(dets([]))  # sixth miss > max_age: deleted
    assert len(t.tracks) == 0
    # The same object comes back: a new id, never the old one.
    outs = [t.update(dets([box(120, 100)])) for _ in range(3)]
    assert outs[2].track_id[0] != tid


def test_tentative_track_dies_on_first_miss():
    t = Tracker(n_init=3, confirm_on_first_frame=False)
    t.update(dets([box(50, 50)]))
    t.update(dets([]))
    assert len(t.tracks) == 0


def test_ids_are_never_reused_and_deleted_tracks_are_not_kept():
    t = Tracker(n_init=1, max_age=1)
    seen = []
    for k in range(50):
        # A new object far from the last one every 3 frames.
        for _ in range(3):
            out = t.update(dets([box(100 + 300 * (k % 2), 100 + 7 * k)]))
        seen.append(int(out.track_id[0]))
    assert len(set(seen)) == 50
    assert len(t.tracks) <= 2


def test_detection_of_another_class_never_extends_a_track():
    t = Tracker(n_init=1, coast_min_hits=0)
    a = t.update(dets([box(100, 100)], cls=0))
    b = t.update(dets([box(101, 100)], cls=2))
    assert a.class_id.tolist() == [0]
    matched = b[b.det_index >= 0]
    assert matched.class_id.tolist() == [2] and matched.track_id[0] != a.track_id[0]
    # The class-0 track was not extended: it is coasting on its prediction.
    assert b[b.det_index < 0].track_id.tolist() == a.track_id.tolist()


def test_low_score_detection_extends_but_does_not_start_tracks():
    t = Tracker(n_init=1, new_track_score=0.6, high_score=0.5, low_score=0.1)
    assert len(t.update(dets([box(300, 300)], score=0.3))) == 0  # too weak to start a track
    first = t.update(dets([box(100, 100)], score=0.9))
    second = t.update(dets([box(102, 100)], score=0.3))  # weak, but continues the track (ByteTrack)
    assert second.track_id.tolist() == first.track_id.tolist()


def test_invalid_boxes_are_ignored_and_det_index_points_into_input():
    t = Tracker(n_init=1)
    d = Detections(np.array([[np.nan, 0, 10, 10], box(100, 100), [5, 5, 5, 20]]), [0.9, 0.9, 0.9], [0, 0, 0])
    out = t.update(d)
    assert out.det_index.tolist() == [1]
    assert np.isfinite(out.xyxy).all()


def test_empty_frames_and_no_detections_ever():
    t = Tracker()
    for _ in range(5):
        out = t.update(Detections.empty())
        assert len(out) == 0


def _bouncing_balls(n_frames=40, speed=6.0):
    """Two same-sized balls approach, meet at frame n/2 and bounce back (the chapter's example)."""
    frames = []
    for f in range(n_frames):
        d = speed * (f if f < n_frames // 2 else n_frames - f)
        a, b = 100 + d, 340 - d  # centres: a moves right then left, b the opposite
        frames.append((box(a, 200, 60, 60), box(b, 200, 60, 60)))
    return frames


@pytest.mark.parametrize("use_appearance", [False, True])
def test_bouncing_balls(use_appearance):
    emb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], np.float32)  # ball A, ball B
    t = Tracker(n_init=1)
    first_id = {}
    ids_over_time = {0: set(), 1: set()}
    for a, b in _bouncing_balls():
        out = t.update(dets([a, b], emb=emb if use_appearance else None))
        for tid, di in zip(out.track_id, out.det_index):
            ids_over_time[int(di)].add(int(tid))
    if use_appearance:
        # Appearance keeps each ball on its own track through the bounce.
        assert len(ids_over_time[0]) == 1 and len(ids_over_time[1]) == 1
        assert ids_over_time[0] != ids_over_time[1]
    else:
        # Motion alone follows the momentum through the bounce: the ids swap.
        assert ids_over_time[0] == ids_over_time[1] and len(ids_over_time[0]) == 2


def test_track_keeps_link_to_its_detection_and_masks_survive():
    t = Tracker(n_init=1)
    mask = np.zeros((2, 50, 60), bool)
    mask[1, 10:20, 10:20] = True
    d = Detections(np.array([box(10, 10, 8, 8), box(30, 30, 8, 8)]), [0.9, 0.8], [0, 1], mask=mask)
    out = t.update(d).attach(d)
    assert out.mask.shape == (2, 50, 60)
    for i in range(2):
        np.testing.assert_array_equal(out.mask[i], mask[out.det_index[i]])
        assert out.class_id[i] == d.class_id[out.det_index[i]]
    assert (out.state == TrackState.CONFIRMED).all()


def test_appearance_needed_only_where_overlap_is_ambiguous():
    t = Tracker(n_init=1)
    emb = np.eye(3, dtype=np.float32)
    t.update(dets([box(100, 100), box(400, 100), box(700, 100)], emb=emb))
    # Next frame: two objects move a little (unambiguous), a third appears beside the second.
    nxt = dets([box(102, 100), box(402, 100), box(430, 100)])
    need = t.appearance_needed(nxt)
    assert need.tolist() == [False, True, True]
    # A detection that matches no track (a possible new track) always needs an embedding.
    assert t.appearance_needed(dets([box(1000, 500)])).tolist() == [True]


def test_missing_embeddings_fall_back_to_motion():
    t = Tracker(n_init=1)
    emb = np.eye(2, dtype=np.float32)
    a = t.update(dets([box(100, 100), box(400, 100)], emb=emb))
    partial = np.array([[np.nan, np.nan], [0.0, 1.0]], np.float32)  # first one skipped (fast path)
    b = t.update(dets([box(103, 100), box(403, 100)], emb=partial))
    assert dict(zip(b.det_index.tolist(), b.track_id.tolist())) == dict(zip(a.det_index.tolist(), a.track_id.tolist()))
    assert t.tracks.gallery_count.tolist() == [1, 2]  # NaN rows are not stored


def test_coasting_tracks_are_reported_at_their_prediction_for_a_few_frames():
    t = Tracker(n_init=1, output_coasting=2, max_age=10, coast_min_hits=0)
    for f in range(5):
        t.update(dets([box(100 + 4 * f, 100)]))
    reported = [t.update(dets([])) for _ in range(4)]
    assert [len(r) for r in reported] == [1, 1, 0, 0]
    r = reported[0]
    assert r.det_index.tolist() == [-1] and r.score.tolist() == [0.0]
    # The prediction keeps moving with the track's velocity (4 px per frame).
    assert (r.xyxy[0, 0] + r.xyxy[0, 2]) / 2 == pytest.approx(100 + 4 * 5, abs=1.5)
