"""HeatMap: accumulation, decay, modes, coasting excluded, blending only where hot."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Tracks, TrackState
from tracker.render import HeatMap


def _tracks(boxes, matched=None) -> Tracks:
    n = len(boxes)
    det = np.arange(n) if matched is None else np.where(matched, np.arange(n), -1)
    return Tracks(np.arange(1, n + 1), np.array(boxes, float).reshape(-1, 4), np.ones(n), np.zeros(n, int), det, np.full(n, TrackState.CONFIRMED))


def test_anchor_mode_peaks_at_the_anchor_and_decays():
    hm = HeatMap((100, 120), radius=5, decay=0.5)
    hm.update(_tracks([[10, 20, 30, 60]]))
    assert np.unravel_index(hm.heat.argmax(), hm.heat.shape) == (60, 20)
    assert hm.heat[60, 20] == pytest.approx(1.0)
    hm.update(_tracks([]))
    assert hm.heat[60, 20] == pytest.approx(0.5)


@pytest.mark.parametrize("box", [[-30, -30, 5, 5], [110, 90, 140, 130], [np.nan, 0, 10, 10]])
def test_boxes_at_or_past_the_border_do_not_fail(box):
    hm = HeatMap((100, 120), radius=8)
    hm.update(_tracks([box]))
    assert np.isfinite(hm.heat).all()


def test_box_mode_counts_occupancy_and_ignores_coasting():
    hm = HeatMap((50, 50), mode="box", decay=1.0)
    for _ in range(3):
        hm.update(_tracks([[10, 10, 20, 20], [30, 30, 40, 40]], matched=[True, False]))
    assert hm.heat[15, 15] == 3 and hm.heat[35, 35] == 0 and hm.heat.sum() == 3 * 100


def test_draw_changes_only_hot_pixels():
    hm = HeatMap((60, 80), radius=4)
    img = np.full((60, 80, 3), 100, np.uint8)
    before = img.copy()
    assert hm.draw(img) is img and (img == before).all()  # nothing accumulated yet
    hm.update(_tracks([[30, 10, 50, 40]]))
    hm.draw(img, alpha=0.6)
    changed = (img != before).any(2)
    assert changed[40, 40] and not changed[5, 5] and changed.sum() < 100


def test_needs_a_shape():
    with pytest.raises(ValueError, match="shape"):
        HeatMap().update(_tracks([]))
    hm = HeatMap()
    hm.update(_tracks([[0, 0, 5, 5]]), shape=(10, 10, 3))
    assert hm.heat.shape == (10, 10)
