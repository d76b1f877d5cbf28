"""Counting line crossings: :class:`LineCounter` (one directed segment) and the vectorised engine.

A track crosses a line when its anchor point (default: bottom centre of the box) is seen, in frames
where a detection was matched to it, first on one side and then on the other for ``min_frames``
such frames in a row; the point where its path crosses the infinite line must lie on the segment.
Observations within ``margin`` pixels of the line count for neither side, so a box that jitters on
the line is not counted until it clearly leaves it. Coasting predictions (``det_index`` -1) and
unconfirmed tracks are never looked at.

Direction: ``"in"`` is a crossing from the right of the segment ``start -> end`` to its left as
seen on screen (image y grows downwards), ``"out"`` the reverse. This is supervision's ``LineZone``
convention, so the two count the same thing. For a horizontal line drawn left to right, ``in``
means moving up the image.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import TrackerError
from .anchors import check_anchor
from .events import Event

if TYPE_CHECKING:  # pragma: no cover
    from ..detections import Detections, Tracks
    from .engine import Analytics

__all__ = ["LineCounter", "parse_line"]

# Defaults, see LineCounter's docstring for the measurements behind them.
MIN_FRAMES = 2
MARGIN = 6.0


def _finite_point(p, what: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in p)
    except (TypeError, ValueError):
        raise TrackerError(f"{what}: expected a point [x, y], got {p!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise TrackerError(f"{what}: coordinates must be finite, got {p!r}")
    return x, y


class LineCounter:
    """A directed line segment that counts tracks crossing it, per direction and per class.

    Args:
        start, end: the segment's end points ``(x, y)`` in pixels; ``in`` is right-to-left of
            ``start -> end`` as seen on screen (see the module docstring).
        name: reported in events and totals.
        anchor: the box point that must cross (a key of :data:`~tracker.analytics.anchors.ANCHORS`).
        min_frames: matched frames the anchor must be seen on the new side, in a row, before the
            crossing counts. 2 rejects a one-frame jump across the line (a detection briefly taken
            by the wrong track) at the cost of reporting each crossing one frame later.
        margin: half-width in pixels of the band along the line in which an observation counts for
            neither side (hysteresis). 6 px is above the wobble of the tracker's (Kalman-filtered)
            anchors on people-walking.mp4 (99th percentile 3.9 px for the bottom centre, 2.7 px for
            the centre, about a smooth path; ``benchmarks/analytics_people_walking.py`` prints it) and above the +-5 px swing of the
            filtered box of an object that stops dead on a line (``tests/analytics/scene.py``).
        once_per_direction: count each track at most once per direction (a person who walks in,
            out and in again is one ``in`` and one ``out``); False counts every crossing.

    Feed it with :meth:`update` every frame, or put it in an :class:`~tracker.analytics.Analytics`
    with other lines and zones (cheaper: all lines are tested at once).
    """

    def __init__(
        self,
        start: Sequence[float],
        end: Sequence[float],
        name: str = "line",
        *,
        anchor: str = "bottom_center",
        min_frames: int = MIN_FRAMES,
        margin: float = MARGIN,
        once_per_direction: bool = True,
    ):
        self.start = _finite_point(start, f"line {name!r}: start")
        self.end = _finite_point(end, f"line {name!r}: end")
        if self.start == self.end:
            raise TrackerError(f"line {name!r}: start and end are the same point {self.start}")
        if int(min_frames) < 1:
            raise TrackerError(f"line {name!r}: min_frames must be >= 1, got {min_frames}")
        if not (np.isfinite(margin) and margin >= 0):
            raise TrackerError(f"line {name!r}: margin must be a finite number >= 0, got {margin}")
        self.name = str(name)
        self.anchor = check_anchor(anchor)
        self.min_frames = int(min_frames)
        self.margin = float(margin)
        self.once_per_direction = bool(once_per_direction)
        self.in_count = 0
        self.out_count = 0
        self.in_per_class: Counter[int] = Counter()
        self.out_per_class: Counter[int] = Counter()
        self._engine: Analytics | None = None

    def __repr__(self) -> str:
        return f"LineCounter({self.start}, {self.end}, name={self.name!r}, in={self.in_count}, out={self.out_count})"

    def update(self, tracks: "Tracks", frame_index: int, timestamp: float | None = None, detections: "Detections | None" = None) -> list[Event]:
        """Feed one frame's tracks; returns this frame's crossings (see ``Analytics.update``)."""
        if self._engine is None:
            from .engine import Analytics

            self._engine = Analytics(lines=[self])
        return self._engine.update(tracks, frame_index, timestamp, detections)

    def totals(self, class_names: Sequence[str] | None = None) -> dict:
        """``{"name", "in", "out", "in_per_class", "out_per_class"}`` (classes keyed by label)."""
        from .engine import label_of

        return {
            "name": self.name,
            "in": self.in_count,
            "out": self.out_count,
            "in_per_class": {label_of(c, class_names): n for c, n in sorted(self.in_per_class.items())},
            "out_per_class": {label_of(c, class_names): n for c, n in sorted(self.out_per_class.items())},
        }


def parse_line(spec: str, default_name: str = "line") -> LineCounter:
    """A :class:`LineCounter` from ``"x1,y1,x2,y2[:name]"`` (the CLI's ``--line``)."""
    text, _, name = str(spec).partition(":")
    parts = [p.strip() for p in text.split(",")]
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise TrackerError(f"line {spec!r}: expected x1,y1,x2,y2[:name] with numbers") from None
    if len(nums) != 4:
        raise TrackerError(f"line {spec!r}: expected x1,y1,x2,y2[:name] (4 numbers), got {len(nums)}")
    name = name.strip() or default_name
    return LineCounter(nums[:2], nums[2:], name)


class LineBank:
    """Per-(track, line) crossing state for many lines, updated for all tracks x all lines at once.

    Rows are the engine's track slots; columns are lines.
    """

    def __init__(self, lines: Sequence[LineCounter], capacity: int):
        self.lines = list(lines)
        L = len(self.lines)
        a = np.array([ln.start for ln in self.lines], np.float64).reshape(L, 2)
        b = np.array([ln.end for ln in self.lines], np.float64).reshape(L, 2)
        v = b - a
        length = np.hypot(v[:, 0], v[:, 1])
        u = v / length[:, None]
        # d = signed distance (px), positive on the right of start->end on screen; t = position along
        # the segment (0 at start, 1 at end). Both are affine in the point: [d | t] = P @ W + c.
        self.W = np.concatenate([np.stack([-u[:, 1], u[:, 0]]), np.stack([u[:, 0], u[:, 1]]) / length], 1)
        self.c = np.concatenate([u[:, 1] * a[:, 0] - u[:, 0] * a[:, 1], -(a * u).sum(1) / length])
        self.margin = np.array([ln.margin for ln in self.lines])
        self.min_frames = np.array([ln.min_frames for ln in self.lines])
        self.kinds = sorted({ln.anchor for ln in self.lines})
        self.cols = {k: np.array([i for i, ln in enumerate(self.lines) if ln.anchor == k]) for k in self.kinds}
        self.allocate(capacity)

    _FIELDS = {"ref": (np.int8, 0), "run": (np.int32, 0), "ref_t": (np.float64, 0.0), "ref_d": (np.float64, 0.0),
               "ok": (bool, False), "done_in": (bool, False), "done_out": (bool, False)}

    def allocate(self, capacity: int) -> None:
        for name, (dtype, fill) in self._FIELDS.items():
            setattr(self, name, np.full((capacity, len(self.lines)), fill, dtype))

    def reset(self, rows: np.ndarray) -> None:
        for name, (_, fill) in self._FIELDS.items():
            getattr(self, name)[rows] = fill

    def remap(self, old_rows: np.ndarray, new_rows: np.ndarray, capacity: int) -> None:
        old = {name: getattr(self, name) for name in self._FIELDS}
        self.allocate(capacity)
        for name, arr in old.items():
            getattr(self, name)[new_rows] = arr[old_rows]

    def _project(self, anchors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        L = len(self.lines)
        if len(self.kinds) == 1:
            R = anchors[self.kinds[0]] @ self.W + self.c
            return R[:, :L], R[:, L:]
        m = len(next(iter(anchors.values())))
        d, t = np.empty((m, L)), np.empty((m, L))
        for k, cols in self.cols.items():
            R = anchors[k] @ self.W[:, np.r_[cols, cols + L]] + self.c[np.r_[cols, cols + L]]
            d[:, cols], t[:, cols] = R[:, : len(cols)], R[:, len(cols) :]
        return d, t

    def update(self, engine: "Analytics", frame: int, time: float, rows: np.ndarray, anchors: dict[str, np.ndarray]) -> list[Event]:
        if len(rows) == 0:
            return []
        d, t = self._project(anchors)
        side = (d > self.margin).view(np.int8) - (d < -self.margin).view(np.int8)
        ref = self.ref[rows]
        rt, rd = self.ref_t[rows], self.ref_d[rows]
        same = side == ref
        # The last point seen on the reference side: where the path to the other side starts.
        np.copyto(rt, t, where=same)
        np.copyto(rd, d, where=same)
        run = self.run[rows]
        hot = (side != ref) & (side != 0)
        if not hot.any() and not run.any():  # the common frame: nobody near a change of side
            self.ref_t[rows], self.ref_d[rows] = rt, rd
            return []
        seed = hot & (ref == 0)
        opp = hot & (ref != 0)
        start = opp & (run == 0)
        if start.any():
            # Where the path from the last reference-side point to this one crosses the line.
            with np.errstate(divide="ignore", invalid="ignore"):
                tc = rt + (t - rt) * rd / (rd - d)
            ok = self.ok[rows]
            ok[start] = ((tc >= 0.0) & (tc <= 1.0))[start]
            self.ok[rows] = ok
        run = np.where(opp, run + 1, np.where(same, 0, run))
        fire = opp & (run >= self.min_frames)
        settle = seed | fire
        ref[settle] = side[settle]
        rt[settle], rd[settle] = t[settle], d[settle]
        run[fire] = 0
        self.ref[rows], self.run[rows], self.ref_t[rows], self.ref_d[rows] = ref, run, rt, rd
        events: list[Event] = []
        if fire.any():
            for i, j in zip(*np.nonzero(fire & self.ok[rows])):
                events.extend(self._count(engine, frame, time, int(rows[i]), int(j), int(side[i, j])))
        return events

    def _count(self, engine: "Analytics", frame: int, time: float, row: int, j: int, side: int) -> list[Event]:
        line = self.lines[j]
        inward = side < 0
        done = self.done_in if inward else self.done_out
        if line.once_per_direction and done[row, j]:
            return []
        done[row, j] = True
        cid = engine.class_of(row)
        if inward:
            line.in_count += 1
            line.in_per_class[cid] += 1
        else:
            line.out_count += 1
            line.out_per_class[cid] += 1
        return [Event("cross", line.name, frame, time, engine.track_id_of(row), cid, engine.label(cid), "in" if inward else "out")]
