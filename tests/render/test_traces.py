"""Traces: per-track anchor polylines, bounded length, pruned when unseen; analytics overlays draw."""

from __future__ import annotations

import numpy as np

from tracker.analytics import Analytics, LineCounter, Zone
from tracker.detections import Tracks, TrackState
from tracker.render import Traces, draw_analytics


def _tracks(ids, xs, matched=True) -> Tracks:
    n = len(ids)
    x = np.array(xs, float)
    return Tracks(np.array(ids), np.stack([x - 5, np.full(n, 10.0), x + 5, np.full(n, 30.0)], 1), np.ones(n), np.zeros(n, int),
                  np.arange(n) if matched else np.full(n, -1), np.full(n, TrackState.CONFIRMED))  # fmt: skip


def test_points_length_and_pruning():
    tr = Traces(length=3, max_unseen=2)
    for f in range(5):
        tr.update(_tracks([1, 2], [10 + f, 50 + f]) if f < 4 else _tracks([1], [14]))
    assert tr.as_dict() == {1: [(12, 30), (13, 30), (14, 30)], 2: [(51, 30), (52, 30), (53, 30)]}
    tr.update(_tracks([], []))
    tr.update(_tracks([], []))  # track 2 unseen for 3 updates: gone; track 1 for 2: kept
    assert set(tr.as_dict()) == {1}
    tr.update(_tracks([], []))
    assert tr.as_dict() == {}


def test_coasting_points_are_skipped_unless_asked():
    tr, tc = Traces(), Traces(include_coasting=True)
    for t in (tr, tc):
        t.update(_tracks([1], [10]))
        t.update(_tracks([1], [20], matched=False))
    assert len(tr.as_dict()[1]) == 1 and len(tc.as_dict()[1]) == 2


def test_draw_traces_and_analytics_change_pixels():
    img = np.zeros((120, 160, 3), np.uint8)
    tr = Traces()
    for f in range(5):
        tr.update(_tracks([3], [20 + 10 * f]))
    assert tr.draw(img) is img and img[30, 40:60].any()
    img2 = np.zeros((120, 160, 3), np.uint8)
    a = Analytics([LineCounter((10, 100), (150, 100), "door")], [Zone([[5, 5], [60, 5], [60, 60]], "shelf")])
    assert draw_analytics(img2, a) is img2
    assert img2[100, 80].any() and img2[20, 50].any()
