"""Keypoints drawn as a skeleton (MoveNet's 17 COCO keypoints, ``Tracks.data["keypoints"]``)."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

__all__ = ["draw_skeletons", "MIN_KEYPOINT_SCORE"]

# MoveNet's keypoint scores on scikit-image's astronaut (cut at the waist): head and shoulders
# 0.59-0.87, the elbows at the photo's edge 0.15-0.28, the hidden wrists, hips, knees, ankles 0.01-0.16.
MIN_KEYPOINT_SCORE = 0.3


def draw_skeletons(
    image: np.ndarray,
    keypoints: np.ndarray,
    colors: Sequence[tuple[int, int, int]] | None = None,
    min_score: float = MIN_KEYPOINT_SCORE,
) -> np.ndarray:
    """Draw each person's keypoints ``(M, 17, 3)`` (x, y, score) and the bones between them, in place.

    Points scoring below ``min_score`` and NaN rows (tracks without a detection this frame) are
    skipped, and so is every bone touching one. ``colors`` gives one BGR colour per person (e.g.
    the track colours); default white. Returns ``image``.
    """
    from ..models.detectors.movenet import SKELETON

    kp = np.asarray(keypoints, np.float64)
    if kp.size == 0:
        return image
    if kp.ndim != 3 or kp.shape[1:] != (17, 3):
        raise ValueError(f"keypoints: expected shape (M, 17, 3), got {kp.shape}")
    thick = max(1, round(min(image.shape[:2]) / 300))
    for m, person in enumerate(kp):
        color = tuple(int(c) for c in colors[m]) if colors is not None else (255, 255, 255)
        seen = np.isfinite(person).all(1) & (person[:, 2] >= min_score) & (np.abs(person[:, :2]) < 1e6).all(1)
        xy = np.round(person[:, :2]).astype(np.int64) if seen.any() else None
        for a, b in SKELETON:
            if seen[a] and seen[b]:
                cv2.line(image, tuple(map(int, xy[a])), tuple(map(int, xy[b])), color, thick, cv2.LINE_AA)
        for k in np.flatnonzero(seen):
            cv2.circle(image, tuple(map(int, xy[k])), thick + 2, color, -1, cv2.LINE_AA)
    return image
