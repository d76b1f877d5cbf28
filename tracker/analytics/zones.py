"""Zones: :class:`Zone` (a polygon with occupancy, entries, exits and dwell times) and its engine.

A track enters a zone when its anchor point is seen inside, in frames where a detection was matched
to it, ``min_frames`` times in a row; it exits when seen outside ``min_frames`` times in a row, or
when it has not been reported at all (matched or coasting) for ``lost_after`` frames.

Dwell runs from the first frame of the entering run to the first frame after the last one the
track was seen inside (so a track seen inside on frames 10..49 of a 10 frames/s video, then outside,
dwelt 4.0 s), measured on the timestamps passed to ``update``.
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

__all__ = ["Zone", "parse_zone"]


class Zone:
    """A polygon that reports occupancy per frame, entries, exits and each track's dwell time.

    Args:
        points: ``(K, 2)`` polygon vertices in pixels, K >= 3 (any winding; self-intersecting
            polygons use the even-odd rule).
        name: reported in events and totals.
        anchor: the box point that must be inside (default bottom centre: where a person stands).
        min_frames: matched frames in a row inside (outside) before an entry (exit) counts. 2 keeps
            a box that flickers across the border for one frame from entering and leaving.

    Attributes (updated by ``update``):
        occupancy: confirmed tracks inside and reported this frame (matched or coasting).
        entries, exits: totals; ``entries_per_class`` / ``exits_per_class`` by voted class id.
        inside_since: ``{track_id: entry time}`` of the tracks inside now.
        dwell: ``[(track_id, seconds), ...]`` of completed visits, in order of exit.
    """

    def __init__(self, points, name: str = "zone", *, anchor: str = "bottom_center", min_frames: int = 2):
        try:
            pts = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise TrackerError(f"zone {name!r}: points must be numbers [[x, y], ...]") from None
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
            raise TrackerError(f"zone {name!r}: needs at least 3 points [x, y], got shape {pts.shape}")
        if not np.isfinite(pts).all():
            raise TrackerError(f"zone {name!r}: coordinates must be finite")
        x, y = pts[:, 0], pts[:, 1]
        if abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) < 1e-9:
            raise TrackerError(f"zone {name!r}: the polygon has no area")
        if int(min_frames) < 1:
            raise TrackerError(f"zone {name!r}: min_frames must be >= 1, got {min_frames}")
        self.points = pts
        self.name = str(name)
        self.anchor = check_anchor(anchor)
        self.min_frames = int(min_frames)
        self.entries = 0
        self.exits = 0
        self.entries_per_class: Counter[int] = Counter()
        self.exits_per_class: Counter[int] = Counter()
        self.inside_since: dict[int, float] = {}
        self.dwell: list[tuple[int, float]] = []
        self._bank: ZoneBank | None = None
        self._col = 0
        self._engine: Analytics | None = None

    @property
    def occupancy(self) -> int:
        """Confirmed tracks inside and reported (matched or coasting) on the last frame fed."""
        return 0 if self._bank is None else int(self._bank.occupancy()[self._col])

    def __repr__(self) -> str:
        return f"Zone({len(self.points)} points, name={self.name!r}, occupancy={self.occupancy}, entries={self.entries}, exits={self.exits})"

    def update(self, tracks: "Tracks", frame_index: int, timestamp: float | None = None, detections: "Detections | None" = None) -> list[Event]:
        """Feed one frame's tracks; returns this frame's entries and exits (see ``Analytics.update``)."""
        if self._engine is None:
            from .engine import Analytics

            self._engine = Analytics(zones=[self])
        return self._engine.update(tracks, frame_index, timestamp, detections)

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Whether each ``(N, 2)`` point lies inside the polygon (even-odd rule)."""
        bank = ZoneBank([self], 1)
        p = np.asarray(points, np.float64).reshape(-1, 2)
        return bank.inside({self.anchor: p})[:, 0]

    def totals(self, class_names: Sequence[str] | None = None) -> dict:
        """Entries, exits, occupancy now and dwell statistics (seconds) as a JSON-ready dict."""
        from .engine import label_of

        d = [s for _, s in self.dwell]
        return {
            "name": self.name,
            "entries": self.entries,
            "exits": self.exits,
            "occupancy": self.occupancy,
            "entries_per_class": {label_of(c, class_names): n for c, n in sorted(self.entries_per_class.items())},
            "exits_per_class": {label_of(c, class_names): n for c, n in sorted(self.exits_per_class.items())},
            "dwell_mean": float(np.mean(d)) if d else None,
            "dwell_max": float(np.max(d)) if d else None,
        }


def parse_zone(spec: str, default_name: str = "zone") -> Zone:
    """A :class:`Zone` from ``"x,y,x,y,x,y,...[:name]"`` (the CLI's ``--zone``)."""
    text, _, name = str(spec).partition(":")
    try:
        nums = [float(p) for p in text.split(",")]
    except ValueError:
        raise TrackerError(f"zone {spec!r}: expected x,y,x,y,x,y,...[:name] with numbers") from None
    if len(nums) % 2 or len(nums) < 6:
        raise TrackerError(f"zone {spec!r}: expected an even count of at least 6 numbers (3 points), got {len(nums)}")
    return Zone(np.reshape(nums, (-1, 2)), name.strip() or default_name)


class ZoneBank:
    """Per-(track, zone) state for many zones; the inside test runs on all tracks x all edges at once."""

    def __init__(self, zones: Sequence[Zone], capacity: int):
        self.zones = list(zones)
        x1, y1, x2, y2, starts, kind = [], [], [], [], [], []
        self.kinds = sorted({z.anchor for z in self.zones})
        for z in self.zones:
            p, q = z.points, np.roll(z.points, -1, axis=0)
            starts.append(len(x1))
            x1 += list(p[:, 0]); y1 += list(p[:, 1]); x2 += list(q[:, 0]); y2 += list(q[:, 1])  # noqa: E702
            kind += [self.kinds.index(z.anchor)] * len(p)
        self.x1, self.y1, self.x2, self.y2 = (np.array(v) for v in (x1, y1, x2, y2))
        dy = self.y2 - self.y1
        # Horizontal edges never straddle a point's y, so their slope is never used.
        self.slope = np.divide(self.x2 - self.x1, dy, out=np.zeros_like(dy), where=dy != 0)
        self.x0 = self.x1 - self.y1 * self.slope  # an edge's x at the point's y: y * slope + x0
        # The crossing-number test is affine in the boxes: columns [y1 - py | y2 - py | edge x at py - px]
        # = xyxy @ WB + cB, each edge's columns using its zone's anchor; its signs give the test.
        from .engine import anchor_matrix

        E = len(self.x1)
        self.WB, self.cB = np.zeros((4, 3 * E)), np.concatenate([self.y1, self.y2, self.x0])
        for e in range(E):
            B = anchor_matrix(self.kinds[kind[e]])
            px, py = B[:, 0], B[:, 1]
            self.WB[:, e], self.WB[:, E + e], self.WB[:, 2 * E + e] = -py, -py, py * self.slope[e] - px
        self.starts = np.array(starts)
        self.edge_kind = np.array(kind)
        self.min_frames = np.array([z.min_frames for z in self.zones])
        self.present = np.zeros(0, np.int64)  # rows reported on the last frame (the engine sets it)
        self.inside_rows: set[int] = set()
        self._inside_array = np.zeros(0, np.int64)
        self.allocate(capacity)

    # expect: the observation (inside 1, outside 0) that changes nothing; 2 during a run (any does).
    _FIELDS = {"state": (bool, False), "run": (np.int32, 0), "run_t": (np.float64, 0.0), "entry_t": (np.float64, 0.0),
               "last_in": (np.int64, -1), "expect": (np.int8, 0)}

    def allocate(self, capacity: int) -> None:
        for name, (dtype, fill) in self._FIELDS.items():
            setattr(self, name, np.full((capacity, len(self.zones)), fill, dtype))

    def reset(self, rows: np.ndarray) -> None:
        for name, (_, fill) in self._FIELDS.items():
            getattr(self, name)[rows] = fill
        self.inside_rows.difference_update(int(r) for r in rows)
        self._inside_array = np.zeros(0, np.int64)

    def remap(self, old_rows: np.ndarray, new_rows: np.ndarray, capacity: int) -> None:
        old = {name: getattr(self, name) for name in self._FIELDS}
        self.allocate(capacity)
        for name, arr in old.items():
            getattr(self, name)[new_rows] = arr[old_rows]
        moved = dict(zip(old_rows.tolist(), new_rows.tolist()))
        self.inside_rows = {moved[r] for r in self.inside_rows if r in moved}
        self._inside_array = np.zeros(0, np.int64)

    def inside(self, anchors: dict[str, np.ndarray]) -> np.ndarray:
        """``(M, Z)`` bool: each anchor inside each zone (crossing-number test over all edges)."""
        if len(self.kinds) == 1:
            p = anchors[self.kinds[0]]
            px, py = p[:, :1], p[:, 1:]
        else:
            a = np.stack([anchors[k] for k in self.kinds])  # (K, M, 2)
            px, py = a[self.edge_kind, :, 0].T, a[self.edge_kind, :, 1].T
        crosses = (self.y1 > py) != (self.y2 > py)
        crosses &= px < py * self.slope + self.x0
        return np.bitwise_xor.reduceat(crosses.view(np.uint8), self.starts, axis=1).view(bool)

    def inside_boxes(self, xyxy: np.ndarray) -> np.ndarray:
        """``(M, Z)`` bool: each box's anchor inside each zone (the test of :meth:`inside`, in one matmul)."""
        E = len(self.x1)
        s = xyxy @ self.WB + self.cB > 0
        crosses = s[:, :E] != s[:, E : 2 * E]
        crosses &= s[:, 2 * E :]
        return np.bitwise_xor.reduceat(crosses.view(np.uint8), self.starts, axis=1).view(bool)

    def occupancy(self) -> np.ndarray:
        """``(Z,)`` confirmed tracks inside each zone and reported on the last frame (matched or coasting)."""
        return self.state[self.present].sum(0)

    def expire(self, engine: "Analytics", frame: int, time: float, lost_after: int) -> list[Event]:
        """Exits of tracks inside a zone that have not been reported for more than ``lost_after`` frames."""
        if not self.inside_rows:
            return []
        if len(self._inside_array) != len(self.inside_rows):
            self._inside_array = np.fromiter(self.inside_rows, np.int64, len(self.inside_rows))
        rows = self._inside_array
        lost = rows[engine.last_seen[rows] < frame - lost_after]
        if not len(lost):
            return []
        events: list[Event] = []
        for row in lost.tolist():
            for j in np.flatnonzero(self.state[row]).tolist():
                if self.run[row, j] == 0:  # no exit run started: its last matched frame was inside
                    self.last_in[row, j] = engine.prev_frame[row]
                events.append(self._exit(engine, frame, time, row, j))
            self.run[row] = 0
            self.expect[row] = 0  # outside everywhere now, no run
        return events

    def update(self, engine: "Analytics", frame: int, time: float, rows: np.ndarray, xyxy: np.ndarray) -> list[Event]:
        """Entries and exits of the matched tracks in ``rows`` (at least one, boxes ``xyxy``) this frame."""
        obs = self.inside_boxes(xyxy)
        trig = obs.view(np.int8) != self.expect[rows]
        if not np.count_nonzero(trig):  # the common frame: nobody on a new side of any border, no run going on
            return []
        events: list[Event] = []
        state, run_a, run_t, last_in, expect = self.state, self.run, self.run_t, self.last_in, self.expect
        # Few pairs trigger on a frame: a scalar loop over them (see LineBank.update).
        for i, j in zip(*(v.tolist() for v in np.nonzero(trig))):
            row = int(rows[i])
            inside, st, run = bool(obs[i, j]), bool(state[row, j]), int(run_a[row, j])
            if inside == st:
                run = 0
            else:
                if run == 0:
                    run_t[row, j] = time
                    if st:  # an exit run starts: the track was last seen inside on its previous matched frame
                        last_in[row, j] = engine.prev_frame[row]
                run += 1
                if run >= self.min_frames[j]:
                    run = 0
                    if inside:
                        events.append(self._enter(engine, frame, time, row, j, float(run_t[row, j])))
                    else:
                        events.append(self._exit(engine, frame, time, row, j))
            run_a[row, j] = run
            expect[row, j] = state[row, j] if run == 0 else 2  # in a run every observation matters
        return events

    def _enter(self, engine: "Analytics", frame: int, time: float, row: int, j: int, since: float) -> Event:
        zone = self.zones[j]
        self.state[row, j] = True
        self.entry_t[row, j] = since
        self.inside_rows.add(row)
        self._inside_array = np.zeros(0, np.int64)
        cid, tid = engine.class_of(row), engine.track_id_of(row)
        self.expect[row, j] = 1
        zone.entries += 1
        zone.entries_per_class[cid] += 1
        zone.inside_since[tid] = since
        return Event("enter", zone.name, frame, time, tid, cid, engine.label(cid))

    def _exit(self, engine: "Analytics", frame: int, time: float, row: int, j: int) -> Event:
        zone = self.zones[j]
        self.state[row, j] = False
        self.expect[row, j] = 0
        if not self.state[row].any():
            self.inside_rows.discard(row)
            self._inside_array = np.zeros(0, np.int64)
        left = engine.time_after(int(self.last_in[row, j]), time)
        dwell = max(0.0, left - float(self.entry_t[row, j]))
        cid, tid = engine.class_of(row), engine.track_id_of(row)
        zone.exits += 1
        zone.exits_per_class[cid] += 1
        zone.inside_since.pop(tid, None)
        zone.dwell.append((tid, dwell))
        return Event("exit", zone.name, frame, time, tid, cid, engine.label(cid), dwell=dwell)
