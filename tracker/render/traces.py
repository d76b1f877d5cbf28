"""Per-track polylines of the anchor point: where each track has been lately."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from ..analytics.anchors import anchor_points, check_anchor
from .draw import color_for

__all__ = ["Traces"]


class Traces:
    """The recent anchor points of each track, drawn as a polyline in the track's colour.

    Args:
        length: points kept per track (the oldest go first).
        max_unseen: a track's trace is dropped after this many updates without it (tracks that end
            stop being reported, so their traces go after ``max_unseen`` frames).
        anchor: anchor name (default bottom centre).
        include_coasting: also add the predicted boxes of coasting tracks.
    """

    def __init__(self, length: int = 50, max_unseen: int = 10, *, anchor: str = "bottom_center", include_coasting: bool = False):
        self.length, self.max_unseen, self.anchor = int(length), int(max_unseen), check_anchor(anchor)
        self.include_coasting = include_coasting
        self.points: dict[int, deque[tuple[int, int]]] = {}
        self._last: dict[int, int] = {}
        self._frame = -1

    def update(self, tracks) -> None:
        """Add this frame's anchor points and drop traces of tracks unseen for ``max_unseen`` updates."""
        self._frame += 1
        keep = tracks.state == 2 if self.include_coasting else (tracks.state == 2) & (tracks.det_index >= 0)
        pts = anchor_points(np.asarray(tracks.xyxy)[keep], self.anchor)
        for tid, (x, y) in zip(np.asarray(tracks.track_id)[keep].tolist(), pts):
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            trace = self.points.get(tid)
            if trace is None:
                trace = self.points[tid] = deque(maxlen=self.length)
            trace.append((int(round(x)), int(round(y))))
            self._last[tid] = self._frame
        for tid in [t for t, f in self._last.items() if self._frame - f > self.max_unseen]:
            del self.points[tid], self._last[tid]

    def as_dict(self) -> dict[int, list[tuple[int, int]]]:
        """``{track_id: [(x, y), ...]}`` oldest first (the ``trails`` argument of ``draw_tracks``)."""
        return {t: list(p) for t, p in self.points.items()}

    def draw(self, image: np.ndarray, thickness: int | None = None) -> np.ndarray:
        """Draw every trace with two or more points; returns ``image`` (drawn in place)."""
        thick = thickness or max(1, int(round(min(image.shape[:2]) / 480)))
        for tid, trace in self.points.items():
            if len(trace) > 1:
                pts = np.asarray(trace, np.int32).reshape(-1, 1, 2)
                cv2.polylines(image, [pts], False, color_for(tid), thick, cv2.LINE_AA)
        return image
