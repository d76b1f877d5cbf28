"""The options from the trackers since DeepSORT, each against values worked out by hand."""

import numpy as np
import pytest

from tracker import Detections, Tracker
from tracker.boxes import cxcywh_to_xyxy, xyxy_to_cxcywh
from tracker.tracking.kalman_filter import KalmanFilter, nsa_scale
from tracker.tracking.track import TrackTable


def dets(boxes, score=0.9, cls=0):
    n = len(boxes)
    return Detections(np.array(boxes, float).reshape(-1, 4), np.full(n, score), np.full(n, cls))


# -- BoT-SORT's (cx, cy, w, h) state -------------------------------------------------------------------
def test_cxcywh_round_trip():
    b = np.array([[10.0, 20.0, 50.0, 100.0]])
    assert xyxy_to_cxcywh(b).tolist() == [[30.0, 60.0, 40.0, 80.0]]
    np.testing.assert_allclose(cxcywh_to_xyxy(xyxy_to_cxcywh(b)), b)


def test_xywh_initiate_and_noise_scale_with_width_and_height():
    kf = KalmanFilter(state="xywh")
    mean, cov = kf.initiate(np.array([[100.0, 50.0, 40.0, 80.0]]))
    # std = 2 * size / 20: width 40 -> 4 for cx and w; height 80 -> 8 for cy and h; velocities 10 * size / 160.
    expected = np.array([4, 8, 4, 8, 2.5, 5, 2.5, 5]) ** 2
    np.testing.assert_allclose(np.diag(kf.full_covariance(cov)[0]), expected)
    R = kf.measurement_noise(mean[:, :4])[0]
    np.testing.assert_allclose(np.diag(R), np.array([2, 4, 2, 4]) ** 2)


def test_xywh_predict_then_update_by_hand():
    kf = KalmanFilter(state="xywh")
    mean = np.array([[0.0, 0.0, 40.0, 80.0, 1.0, 0.0, 0.0, 0.0]])
    cov = np.zeros((1, 3, 4))
    cov[:, 0] = 1.0  # position variance 1, velocity variance 0, no correlation
    m, P = kf.predict(mean, cov)
    assert m[0, :4].tolist() == [1.0, 0.0, 40.0, 80.0]
    # P_pp = 1 + Q_pos; Q_pos for cx = (40 / 20)^2 = 4.
    assert P[0, 0, 0] == pytest.approx(5.0)
    m2, _ = kf.update(m, P, np.array([[3.0, 0.0, 40.0, 80.0]]))
    # Gain = 5 / (5 + R), R for cx = (40 / 20)^2 = 4: x = 1 + 2 * 5 / 9.
    assert m2[0, 0] == pytest.approx(1 + 2 * 5 / 9)


def test_tracker_with_xywh_state_follows_a_box_that_widens():
    t = Tracker(kalman_state="xywh", n_init=1, output_coasting=0)
    for f in range(6):
        out = t.update(dets([[100, 100, 140 + 4 * f, 200]]))
    assert len(out) == 1 and out.track_id.tolist() == [1]
    assert out.xyxy[0, 2] == pytest.approx(160, abs=2)


# -- NSA Kalman -------------------------------------------------------------------------------------
def test_nsa_scale_values():
    np.testing.assert_allclose(nsa_scale(np.array([0.0, 0.5, 0.9, 1.0])), [1.0, 0.25, 0.01, 0.01])


def test_nsa_update_uses_scaled_measurement_noise():
    kf = KalmanFilter(state="xywh")
    mean = np.array([[0.0, 0.0, 40.0, 80.0, 0, 0, 0, 0]])
    cov = np.zeros((1, 3, 4))
    cov[:, 0] = 4.0
    z = np.array([[10.0, 0.0, 40.0, 80.0]])
    # R for cx = (40/20)^2 = 4; score 0.5 -> R * 0.25 = 1; gain 4 / (4 + 1) = 0.8.
    m, P = kf.update(mean, cov, z, nsa_scale(np.array([0.5])))
    assert m[0, 0] == pytest.approx(8.0)
    assert P[0, 0, 0] == pytest.approx(4 * (1 - 0.8))
    m_plain, _ = kf.update(mean, cov, z)
    assert m_plain[0, 0] == pytest.approx(10 * 4 / 8)


# -- OC-SORT ORU -------------------------------------------------------------------------------------
def test_oru_re_update_equals_replaying_the_virtual_path():
    box = lambda x: [x, 0.0, x + 40.0, 80.0]  # noqa: E731
    t = Tracker(kalman_state="xywh", oru=True, nsa=False, n_init=1, max_age=30, output_coasting=0)
    for x in (0.0, 2.0, 4.0):
        t.update(dets([box(x)]))
    obs_mean, obs_cov = t.tracks.obs_mean.copy(), t.tracks.obs_cov.copy()
    for _ in range(3):  # three frames lost
        t.update(dets([]))
    t.update(dets([box(20.0)]))  # found again, gap of 4 frames
    # By hand: from the state at the last observation (x = 4), predict and update on the straight path
    # 4 -> 20 in four steps: virtual boxes at x = 8, 12, 16 and the real one at 20.
    kf = KalmanFilter(state="xywh")
    m, P = obs_mean, obs_cov
    for x in (8.0, 12.0, 16.0, 20.0):
        m, P = kf.predict(m, P)
        m, P = kf.update(m, P, xyxy_to_cxcywh(np.array([box(x)])))
    np.testing.assert_allclose(t.tracks.mean, m)
    np.testing.assert_allclose(t.tracks.cov, P)
    # The velocity moved from the 2 px/frame seen before the gap towards the path's 4 px/frame.
    assert 3.0 < t.tracks.mean[0, 4] < 4.0


def test_without_oru_a_rematch_is_one_plain_update():
    box = lambda x: [x, 0.0, x + 40.0, 80.0]  # noqa: E731
    t = Tracker(kalman_state="xywh", oru=False, nsa=False, n_init=1, output_coasting=0)
    for x in (0.0, 2.0, 4.0):
        t.update(dets([box(x)]))
    for _ in range(3):
        t.update(dets([]))
    m, P = t.kf.predict(t.tracks.mean, t.tracks.cov)
    expected, _ = t.kf.update(m, P, xyxy_to_cxcywh(np.array([box(12.0)])))
    t.update(dets([box(12.0)]))
    np.testing.assert_allclose(t.tracks.mean, expected)


# -- OC-SORT OCM -------------------------------------------------------------------------------------
def test_previous_centre_is_the_oldest_within_delta_frames():
    T = TrackTable(history=3)
    T.add(np.zeros((1, 8)), np.zeros((1, 3, 4)), np.array([1]), np.array([0]), np.array([0.9]), None, 1,
          xyxy=np.array([[0.0, 0, 2, 2]]), frame=1)
    for f, x in ((2, 10.0), (4, 30.0), (5, 40.0)):
        T.observe(np.array([0]), np.array([[x, 0, x + 2, 2]]), f)
    c, f = T.previous_centre(6)  # window frames 3..5: the oldest observed there is frame 4
    assert f.tolist() == [4] and c.tolist() == [[31.0, 1.0]]
    c, f = T.previous_centre(20)  # nothing in the window: the newest observation
    assert f.tolist() == [5]


def test_ocm_prefers_the_detection_in_the_direction_of_motion():
    # A track moving right at 10 px/frame; two detections equally far from its prediction, one ahead
    # and one behind... only direction can separate them.
    t = Tracker(kalman_state="xywh", n_init=1, ocm_weight=0.2, output_coasting=0, fuse_score=False)
    for f in range(5):
        t.update(dets([[10.0 * f, 0, 10.0 * f + 40, 80]]))
    assert t.tracks.vel_dir[0].tolist() == pytest.approx([1.0, 0.0])
    agree = t._direction_agreement(dets([[80.0, 0, 120, 80], [0.0, 0, 40, 80]]))
    # Ahead: angle 0 -> (pi/2 - 0)/pi * score 0.9 = 0.45; behind: angle pi -> -0.45.
    assert agree[0].tolist() == pytest.approx([0.45, -0.45])


# -- EMA appearance, mature-only coasting, class voting -------------------------------------------------
def test_ema_appearance_state():
    T = TrackTable(ema=0.9)
    e1, e2 = np.array([[1.0, 0.0]], np.float32), np.array([[0.0, 1.0]], np.float32)
    T.add(np.zeros((1, 8)), np.zeros((1, 3, 4)), np.array([1]), np.array([0]), np.array([0.9]), e1, 1)
    T.add_embeddings(np.array([0]), e2)
    g = T.gallery(0)
    assert g.shape == (1, 2)
    np.testing.assert_allclose(g[0], np.array([0.9, 0.1]) / np.hypot(0.9, 0.1), rtol=1e-6)


def test_coasting_is_reported_only_for_mature_tracks():
    t = Tracker(n_init=1, output_coasting=3, coast_min_hits=4)
    b = [[100, 100, 140, 200]]
    for _ in range(3):
        t.update(dets(b))
    assert len(t.update(dets([]))) == 0  # 3 hits: not mature, not reported while lost
    t2 = Tracker(n_init=1, output_coasting=3, coast_min_hits=3)
    for _ in range(3):
        t2.update(dets(b))
    out = t2.update(dets([]))
    assert len(out) == 1 and out.det_index.tolist() == [-1]


@pytest.mark.parametrize("rate, max_age, coasting", [(30.0, 30, 6), (10.0, 10, 2), (15.0, 15, 3)])
def test_ages_scale_with_frame_rate(rate, max_age, coasting):
    t = Tracker(max_age=30, output_coasting=6, frame_rate=rate)
    assert (t.max_age, t.output_coasting) == (max_age, coasting)


def test_class_agnostic_association_votes_the_class():
    t = Tracker(n_init=1, class_agnostic=True, output_coasting=0)
    b = [[100, 100, 140, 200]]
    labels = [(0, 0.9), (15, 0.6), (0, 0.8), (16, 0.7), (15, 0.5)]
    for cls, sc in labels:
        out = t.update(dets(b, score=sc, cls=cls))
        assert out.track_id.tolist() == [1]  # one person, one track, whatever the label
    # Votes: class 0: 1.7, class 15: 1.1, class 16: 0.7.
    assert out.class_id.tolist() == [0]
    assert t.tracks.votes[0, [0, 15, 16]].tolist() == pytest.approx([1.7, 1.1, 0.7])


def test_class_gated_by_default():
    t = Tracker(n_init=1, output_coasting=0)
    b = [[100, 100, 140, 200]]
    a = t.update(dets(b, cls=0))
    c = t.update(dets(b, cls=15))
    assert c.track_id.tolist() != a.track_id.tolist()


# -- a stricter IoU gate for tentative tracks -----------------------------------------------------------
@pytest.mark.parametrize("gate, confirmed", [(0.65, 0), (None, 1), (0.75, 1)])
def test_tentative_gate(gate, confirmed):
    # A tentative track (born on frame 2, zero velocity) and a box with IoU 0.3 to it on frame 3: cost
    # 1 - 0.3 * score 1.0 = 0.7 passes the 0.8 gate of confirmed tracks but not a tentative gate of 0.65.
    t = Tracker(tentative_iou_distance=gate)
    t.update(dets([], score=1.0))
    t.update(dets([[0, 0, 10, 10]], score=1.0))
    assert len(t.update(dets([[0, 0, 10, 3]], score=1.0))) == confirmed


def test_predict_update_in_place_equals_predict_then_update():
    kf = KalmanFilter(state="xywh")
    mean, cov = kf.initiate(np.array([[100.0, 50.0, 40.0, 80.0], [10.0, 20.0, 4.0, 8.0]]))
    mean[:, 4:] = [[1.0, -2.0, 0.5, 0.0], [0.0, 3.0, 0.0, 1.0]]
    z = np.array([[103.0, 47.0, 41.0, 79.0], [11.0, 24.0, 4.5, 9.0]])
    scale = np.array([0.25, 0.01])
    want = kf.update(*kf.predict(mean, cov), z, scale)
    kf.predict_update(mean, cov, z, scale)
    np.testing.assert_allclose(mean, want[0])
    np.testing.assert_allclose(cov, want[1])


def test_track_table_grows_past_its_capacity_and_keeps_rows():
    T = TrackTable()
    for k in range(20):  # capacity starts at 8 and doubles
        T.add(np.full((1, 8), k, float), np.zeros((1, 3, 4)), np.array([k]), np.array([k % 3]), np.array([0.5]),
              None, 0, xyxy=np.array([[k, k, k + 1, k + 1]], float), frame=k)
    assert len(T) == 20 and T.key.tolist() == list(range(20)) and T.mean[:, 0].tolist() == list(range(20))
    T.mean = T.mean + 1.0  # a replaced array is written back before the next resize
    T.keep(T.key % 2 == 0)
    assert T.key.tolist() == list(range(0, 20, 2)) and T.mean[:, 0].tolist() == [k + 1.0 for k in range(0, 20, 2)]
    assert T.votes[np.arange(10), T.class_id].tolist() == [0.5] * 10
