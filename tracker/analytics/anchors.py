"""Anchor points of boxes: where on a box a track is considered to be when counting."""

from __future__ import annotations

import numpy as np

from ..errors import TrackerError

__all__ = ["ANCHORS", "anchor_points", "check_anchor"]

# (fraction of width, fraction of height) from the top-left corner. The bottom centre is the default
# everywhere: it is where a walking person or a vehicle touches the ground, so a line drawn on the
# floor is crossed when the object crosses it, not when its head passes over it.
ANCHORS: dict[str, tuple[float, float]] = {
    "bottom_center": (0.5, 1.0),
    "center": (0.5, 0.5),
    "top_center": (0.5, 0.0),
    "bottom_left": (0.0, 1.0),
    "bottom_right": (1.0, 1.0),
    "top_left": (0.0, 0.0),
    "top_right": (1.0, 0.0),
    "center_left": (0.0, 0.5),
    "center_right": (1.0, 0.5),
}


def check_anchor(anchor: str) -> str:
    """``anchor`` if it is a known name, else a one-line :class:`TrackerError`."""
    if anchor not in ANCHORS:
        raise TrackerError(f"unknown anchor {anchor!r}: choose one of {', '.join(ANCHORS)}")
    return anchor


def anchor_points(xyxy: np.ndarray, anchor: str = "bottom_center") -> np.ndarray:
    """``(N, 2)`` anchor points of ``(N, 4)`` xyxy boxes."""
    fx, fy = ANCHORS[anchor]
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    return np.stack([b[:, 0] + fx * (b[:, 2] - b[:, 0]), b[:, 1] + fy * (b[:, 3] - b[:, 1])], 1)
