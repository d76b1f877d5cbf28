"""Counting line crossings: :class:`LineCounter` (one directed segment) and the vectorised engine.

A track crosses a line when its anchor point (default: bottom centre of the box) is seen, in frames
where a detection was matched to it, first on one side and then on the other for ``min_frames``
such frames in a row; the point where its path (from its last matched observation before the new side
to its first on it) crosses the infinite line must lie on the segment.
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

    Rows are the engine's track slots; columns are lines. Per pair only the settled side (``ref``),
    the length of the current run on the other side, whether that run's path crossed the segment
    (``ok``) and the once-per-direction flags are kept; the path's start is the track's previous
    matched box, which the engine keeps per row for all lines at once. A frame where no track is on
    a new side of any line (nearly all) costs one matmul and a few comparisons.
    """

    def __init__(self, lines: Sequence[LineCounter], capacity: int):
        from .engine import anchor_matrix

        self.lines = list(lines)
        L = len(self.lines)
        a = np.array([ln.start for ln in self.lines], np.float64).reshape(L, 2)
        b = np.array([ln.end for ln in self.lines], np.float64).reshape(L, 2)
        v = b - a
        length = np.hypot(v[:, 0], v[:, 1])
        u = v / length[:, None]
        # d = signed distance (px), positive on the right of start->end on screen; t = position along
        # the segment (0 at start, 1 at end). Both are affine in the point: [d | t] = P @ W + c, and the
        # point is affine in the box (P = xyxy @ B), so [d | t] = xyxy @ (B @ W) + c per anchor kind.
        W = np.concatenate([np.stack([-u[:, 1], u[:, 0]]), np.stack([u[:, 0], u[:, 1]]) / length], 1)
        c = np.concatenate([u[:, 1] * a[:, 0] - u[:, 0] * a[:, 1], -(a * u).sum(1) / length])
        anchors = [ln.anchor for ln in self.lines]
        # Columns [d | -d | t]: -d lets one comparison against per-pair thresholds decide whether
        # anything can happen (see ``thr``). Lines of one anchor kind share one matmul; with several
        # kinds the boxes are tiled and each column takes its own kind's rows.
        kinds = sorted(set(anchors))
        self.WB = np.zeros((4 * len(kinds), 3 * L))
        for j, k in enumerate(anchors):
            r = 4 * kinds.index(k)
            for col, w, sign in ((j, W[:, j], 1.0), (j + L, W[:, j], -1.0), (j + 2 * L, W[:, j + L], 1.0)):
                self.WB[r : r + 4, col] = sign * (anchor_matrix(k) @ w)
        self.c = np.concatenate([c[:L], -c[:L], c[L:]])
        self.n_kinds = len(kinds)
        self.margin = np.array([ln.margin for ln in self.lines])
        self.neg_margin = -self.margin
        self.min_frames = np.array([ln.min_frames for ln in self.lines])
        self.allocate(capacity)

    _FIELDS = {"ref": (np.int8, 0), "run": (np.int32, 0), "ok": (bool, False), "done_in": (bool, False),
               "done_out": (bool, False)}  # fmt: skip

    def allocate(self, capacity: int) -> None:
        for name, (dtype, fill) in self._FIELDS.items():
            setattr(self, name, np.full((capacity, len(self.lines)), fill, dtype))
        # thr[row] = [hi | -lo]: nothing can change for a pair while lo <= d <= hi, i.e. while
        # [d | -d] <= thr. Settled on the right (ref 1): hi = inf, lo = -margin; on the left: the
        # mirror; unsettled (ref 0) or in a run on the other side: the band, hi = margin, lo = -margin.
        self.thr = np.tile(np.concatenate([self.margin, self.margin]), (capacity, 1))

    def reset(self, rows: np.ndarray) -> None:
        for name, (_, fill) in self._FIELDS.items():
            getattr(self, name)[rows] = fill
        self.thr[rows] = np.concatenate([self.margin, self.margin])

    def remap(self, old_rows: np.ndarray, new_rows: np.ndarray, capacity: int) -> None:
        old = {name: getattr(self, name) for name in self._FIELDS}
        old_thr = self.thr
        self.allocate(capacity)
        for name, arr in old.items():
            getattr(self, name)[new_rows] = arr[old_rows]
        self.thr[new_rows] = old_thr[old_rows]

    def project(self, xyxy: np.ndarray) -> np.ndarray:
        """``(M, 3L)``: each box's anchor's signed distance ``d`` to each line, ``-d``, and its position ``t`` along it."""
        if self.n_kinds == 1:
            return xyxy @ self.WB + self.c
        return np.tile(xyxy, self.n_kinds) @ self.WB + self.c

    def update(self, engine: "Analytics", frame: int, time: float, rows: np.ndarray, xyxy: np.ndarray) -> list[Event]:
        L = len(self.lines)
        R = self.project(xyxy)
        trig = R[:, : 2 * L] > self.thr[rows]
        if not np.count_nonzero(trig):  # the common frame: nobody on a new side of any line
            return []
        # Few pairs trigger on a frame (a track reaching a side, or in a run): a scalar loop over
        # them costs less than the dozens of whole-array calls the same rules take in numpy.
        ii, jj = np.nonzero(trig[:, :L] | trig[:, L:])
        events: list[Event] = []
        ref_a, run_a, ok_a, thr, margin = self.ref, self.run, self.ok, self.thr, self.margin
        for i, j in zip(ii.tolist(), jj.tolist()):
            row = int(rows[i])
            dv = float(R[i, j])
            m = float(margin[j])
            side = 1 if dv > m else -1  # triggered pairs are never in the band
            ref, run = int(ref_a[row, j]), int(run_a[row, j])
            if ref == 0:
                ref_a[row, j] = ref = side  # the first side seen settles
            elif side == ref:
                run = 0
            else:
                if run == 0:
                    # Where the path from the previous matched observation (on the reference side or
                    # in the band, as no run had started) to this one crosses the line: on the segment?
                    p0 = self.project(engine.prev_xyxy[row : row + 1])[0]
                    d0, t0, t = float(p0[j]), float(p0[2 * L + j]), float(R[i, 2 * L + j])
                    tc = t0 + (t - t0) * d0 / (d0 - dv) if d0 != dv else np.nan
                    ok_a[row, j] = 0.0 <= tc <= 1.0
                run += 1
                if run >= self.min_frames[j]:
                    ref_a[row, j] = ref = side
                    run = 0
                    if ok_a[row, j]:
                        events.extend(self._count(engine, frame, time, row, j, side))
            run_a[row, j] = run
            settled = run == 0
            thr[row, j] = np.inf if settled and ref == 1 else m
            thr[row, L + j] = np.inf if settled and ref == -1 else m
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
