"""Skeleton drawing of keypoints."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.render.pose import draw_skeletons


def person(score: float = 0.9) -> np.ndarray:
    kp = np.zeros((17, 3))
    kp[:, 0] = np.linspace(20, 80, 17)
    kp[:, 1] = np.linspace(10, 90, 17)
    kp[:, 2] = score
    return kp


@pytest.mark.parametrize(
    "keypoints, drawn",
    [
        (person()[None], True),
        (person(0.1)[None], False),  # every point below the score floor
        (np.full((1, 17, 3), np.nan), False),  # a coasting track
        (np.zeros((0, 17, 3)), False),
    ],
)
def test_draws_only_confident_points(keypoints, drawn):
    image = np.zeros((100, 100, 3), np.uint8)
    out = draw_skeletons(image, keypoints, colors=[(0, 255, 0)] * len(keypoints))
    assert out is image
    assert bool(image.any()) == drawn
    if drawn:
        assert image[..., 1].any() and not image[..., 0].any()  # in the given colour


def test_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="17, 3"):
        draw_skeletons(np.zeros((10, 10, 3), np.uint8), np.zeros((1, 5, 3)))
