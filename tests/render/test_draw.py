"""Drawing: pixels change where boxes, labels, trails and masks go, and nowhere far from them."""

from __future__ import annotations

import numpy as np

from tracker.detections import Detections, Tracks, TrackState
from tracker.render.draw import color_for, draw_detections, draw_text, draw_tracks


def blank(h: int = 120, w: int = 160) -> np.ndarray:
    return np.full((h, w, 3), 50, np.uint8)


def test_color_for_is_stable_and_distinct():
    assert color_for(3) == color_for(3)
    colours = {color_for(i) for i in range(1, 40)}
    assert len(colours) == 39
    assert all(isinstance(c, int) and 0 <= c <= 255 for col in colours for c in col)


def test_draw_detections_draws_in_place_on_box_edges():
    img = blank()
    det = Detections(np.array([[40, 50, 100, 110]]), np.array([0.87]), np.array([0]))
    out = draw_detections(img, det, ["person"])
    assert out is img
    changed = np.any(img != 50, axis=2)
    assert changed[80, 40] and changed[80, 100] and changed[110, 70]  # left, right, bottom edges
    assert not changed[80, 70]  # inside stays untouched
    assert changed[35:50, 40:90].any()  # label above the box
    assert not changed[:, 130:].any()  # far right untouched


def test_draw_tracks_with_trail_and_mask():
    img = blank()
    mask = np.zeros((1, 120, 160), bool)
    mask[0, 70:90, 60:80] = True
    tracks = Tracks(
        np.array([5]), np.array([[50.0, 60.0, 90.0, 100.0]]), np.array([0.9]), np.array([0]),
        np.array([0]), np.array([TrackState.CONFIRMED]), mask=mask,
    )  # fmt: skip
    trail = {5: [(10, 10), (20, 15), (30, 25)]}
    draw_tracks(img, tracks, ["person"], trails=trail)
    colour = np.array(color_for(5), float)
    tinted = img[80, 70].astype(float)
    expected = 50 * 0.6 + colour * 0.4
    assert np.allclose(tinted, expected, atol=2)  # mask blended in the track colour
    assert np.any(img[15, 20] != 50)  # trail
    assert np.any(img[80, 50] != 50)  # box edge
    assert np.all(img[110:, 120:] == 50)


def test_draw_tracks_empty_and_no_names():
    img = blank()
    draw_tracks(img, Tracks.empty(), None)
    assert np.all(img == 50)
    t = Tracks(np.array([1]), np.array([[5.0, 5.0, 30.0, 30.0]]), np.zeros(1), np.array([7]), np.zeros(1, int),
               np.ones(1, int))  # fmt: skip
    draw_tracks(img, t, None)  # label falls back to the class number
    assert np.any(img != 50)


def test_draw_text_banner():
    img = blank()
    draw_text(img, "12.3 fps | dropped 4")
    assert np.any(img[10:30, 10:60] != 50)
    assert np.all(img[60:, :] == 50)
