"""Generated scenes with known ground truth for the analytics tests and ``benchmarks/analytics_counts.py``.

Boxes are 40 x 80 px; the anchor is the bottom centre. Objects keep apart horizontally so the
tracker's association is never in doubt; what the scenes test is the counting, not the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracker.detections import Detections, Tracks
from tracker.tracking.tracker import Tracker

FPS = 10.0
LINE = ((100.0, 240.0), (540.0, 240.0))  # drawn left to right: "in" = moving up the image


@dataclass
class Walker:
    """An object: per frame its bottom centre (or None = no detection) and its detected class."""

    name: str
    points: dict[int, tuple[float, float]]
    classes: dict[int, int] = field(default_factory=dict)

    def box(self, f: int) -> np.ndarray | None:
        p = self.points.get(f)
        if p is None:
            return None
        x, y = p
        return np.array([x - 20.0, y - 80.0, x + 20.0, y])


def _path(x: float, ys: list[float], first: int = 0) -> dict[int, tuple[float, float]]:
    return {first + i: (x, float(y)) for i, y in enumerate(ys)}


# 160 px towards the line at 8 px/frame, slowing down over the last 24 px (people do not stop dead;
# the Kalman-filtered box of one that does overshoots by about 5 px).
_APPROACH = list(range(0, 136, 8)) + [142, 148, 153, 157, 159]
_JITTER = [240 + 3 * (-1) ** i for i in range(40)]


def line_walkers() -> tuple[list[Walker], dict]:
    """The line scene: its walkers and the true counts on :data:`LINE` (all class 0)."""
    up = list(range(400, 80, -8))  # 40 frames, crosses y=240 upwards
    down = list(range(80, 400, 8))
    w = [
        Walker("up", _path(130, up)),
        Walker("down", _path(190, down)),
        Walker("up-then-back", _path(250, list(range(400, 160, -8)) + list(range(168, 420, 8)))),
        # Walks up to the line, slows down, jitters on it (+-3 px, inside the 6 px margin; the filtered box swings +-5 px) for 40
        # frames, then goes on up: one "in", counted when it leaves the line, not while it jitters.
        Walker("loiter-then-cross", _path(310, [400 - y for y in _APPROACH] + _JITTER + list(range(240, 80, -8)))),
        # Walks down to the line, slows down, jitters on it, walks back up: no crossing.
        Walker("loiter-then-back", _path(370, [80 + y for y in _APPROACH] + _JITTER + list(range(240, 70, -8)))),
        # Occluded (no detection) for 11 frames while crossing: the tracker coasts, then re-finds it.
        Walker("occluded", {f: p for f, p in _path(430, up).items() if not 200 < p[1] < 290}),
        # Detected only on every other frame near the line.
        Walker("flicker", {f: p for f, p in _path(490, down).items() if not (180 < p[1] < 300 and f % 2)}),
        # Outside the segment (x > 540): crosses the infinite line only.
        Walker("beyond-the-end", _path(600, up)),
    ]
    # Its label flickers: class 1 on every third frame (the tracker keeps one class per track).
    label = Walker("label-flicker", _path(130, up, first=50))
    label.classes = {f: 1 for f in label.points if f % 3 == 0}
    w.append(label)
    truth = {"in": 5, "out": 3, "in_per_class": {0: 5}, "out_per_class": {0: 3}, "by_walker": {
        "up": (1, 0), "down": (0, 1), "up-then-back": (1, 1), "loiter-then-cross": (1, 0), "loiter-then-back": (0, 0),
        "occluded": (1, 0), "flicker": (0, 1), "beyond-the-end": (0, 0), "label-flicker": (1, 0)}}  # fmt: skip
    return w, truth


def detections(walkers: list[Walker], n_frames: int) -> list[Detections]:
    """Per frame the walkers' boxes (score 0.9) as Detections."""
    out = []
    for f in range(n_frames):
        boxes, cls = [], []
        for w in walkers:
            b = w.box(f)
            if b is not None:
                boxes.append(b)
                cls.append(w.classes.get(f, 0))
        out.append(Detections(np.array(boxes).reshape(-1, 4), np.full(len(boxes), 0.9), np.array(cls, np.int64)))
    return out


def run_tracker(dets: list[Detections], **options) -> list[Tracks]:
    """The real tracker (defaults unless overridden) over the frames."""
    t = Tracker(**options)
    return [t.update(d) for d in dets]


def n_frames(walkers: list[Walker]) -> int:
    return max(max(w.points) for w in walkers) + 1


def zone_walkers() -> tuple[list[Walker], np.ndarray, dict]:
    """The zone scene: walkers, the zone polygon and the truth (entries, exits, dwell seconds by walker)."""
    zone = np.array([[100, 100], [300, 100], [300, 300], [100, 300]], float)
    s_pts = {f: (250.0, 25.0 + 10 * f) for f in range(38) if not 14 <= f <= 18}  # occluded inside
    r_pts = {f: (150.0, 25.0 + 10 * min(f, 18)) for f in range(40)}  # walks in, stands, vanishes inside
    p_pts = {f: (25.0 + 10 * (f - 40), 280.0) for f in range(40, 80)}  # crosses left to right
    walkers = [Walker("occluded-inside", s_pts), Walker("stays-then-vanishes", r_pts), Walker("crosses", p_pts)]
    # Inside (anchor strictly within 100..300) on frames 8..27 (S), 8..39 (R, then gone), 48..67 (P).
    truth = {
        "entries": 3,
        "exits": 3,
        "dwell": {"occluded-inside": 2.0, "stays-then-vanishes": 3.2, "crosses": 2.0},
    }
    return walkers, zone, truth


def walker_of_tracks(walkers: list[Walker], frames: list[Tracks]) -> dict[int, str]:
    """Which walker each track follows: the one whose box is nearest at the track's first frame."""
    out: dict[int, str] = {}
    for f, tracks in enumerate(frames):
        for tid, box in zip(tracks.track_id.tolist(), tracks.xyxy):
            if tid not in out:
                near = [(np.abs(w.box(f) - box).sum(), w.name) for w in walkers if w.box(f) is not None]
                out[tid] = min(near)[1]
    return out
