"""Annotator overlays: analytics (lines, zones, dwell), heatmap, and pose skeletons from ``Tracks.data``."""

from __future__ import annotations

import numpy as np

from tracker.analytics import Analytics, LineCounter, Zone
from tracker.detections import Detections, Tracks, TrackState
from tracker.io.sinks import track_records
from tracker.records import FrameResult
from tracker.render import AnalyticsOverlay, HeatMapOverlay
from tracker.render.video import Annotator


def result(f: int, keypoints=None) -> FrameResult:
    box = np.array([[100.0, 60.0, 140.0, 140.0]])
    data = {} if keypoints is None else {"keypoints": keypoints}
    tr = Tracks([3], box, [0.9], [0], [0], [TrackState.CONFIRMED], data=data)
    return FrameResult(f, np.zeros((240, 320, 3), np.uint8), Detections(box, [0.9], [0]), tr, timestamp=f / 10)


def test_overlays_draw_under_the_tracks_in_order():
    calls = []
    ann = Annotator(badge=False, overlays=[lambda img, r: calls.append(("a", r.frame_index)),
                                           lambda img, r: calls.append(("b", r.frame_index))])  # fmt: skip
    ann(result(0))
    assert calls == [("a", 0), ("b", 0)]


def test_analytics_overlay_draws_lines_zones_and_dwell():
    a = Analytics([LineCounter((0, 200), (320, 200), "door")], [Zone([[0, 0], [320, 0], [320, 239], [0, 239]], "room")])
    plain, drawn = [], []
    for f in range(5):
        r = result(f)
        a.update(r.tracks, f, r.timestamp, r.detections)
        plain.append(r.image.copy())
        AnalyticsOverlay(a)(r.image, r)
        drawn.append(r.image)
    assert a.zones[0].inside_since == {3: 0.0}
    assert (drawn[-1] != plain[-1]).any(axis=2)[195:205].any()  # the line
    # The dwell label sits under the box's bottom edge (y 140): pixels there change.
    assert (drawn[-1] != plain[-1]).any(axis=2)[142:160, 100:140].any()


def test_heatmap_overlay_warms_where_tracks_stand():
    ov = HeatMapOverlay()
    r = result(0)
    ov(r.image, r)
    assert r.image[140, 120].any() and not r.image[10, 300].any()


def test_keypoints_go_to_json_with_nulls_and_onto_the_video():
    kp = np.full((1, 17, 3), np.nan)
    kp[0, 5] = [110.0, 80.0, 0.9]
    kp[0, 6] = [130.0, 80.0, 0.8]  # shoulders: one bone between them
    r = result(0, kp)
    rec = track_records(r.tracks)[0]
    assert len(rec["keypoints"]) == 17 and rec["keypoints"][5] == [110.0, 80.0, 0.9]
    assert rec["keypoints"][0] == [None, None, None]
    img = Annotator(badge=False)(r)
    assert img[80, 120].any()  # the shoulder-to-shoulder bone, inside the box where nothing else is drawn
    img2 = Annotator(badge=False, skeletons=False)(result(0, kp))
    assert not img2[80, 120].any()


def test_records_without_keypoints_are_unchanged():
    assert "keypoints" not in track_records(result(0).tracks)[0]
