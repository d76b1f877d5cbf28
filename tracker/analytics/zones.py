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
        return 0 if self._bank is None else int(self._bank.occupancy[self._col])

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
        self.starts = np.array(starts)
        self.edge_kind = np.array(kind)
        self.min_frames = np.array([z.min_frames for z in self.zones])
        self.occupancy = np.zeros(len(self.zones), np.int64)
        self.inside_rows: set[int] = set()
        self._inside_array = np.zeros(0, np.int64)
        self.allocate(capacity)

    _FIELDS = {"state": (bool, False), "run": (np.int32, 0), "run_t": (np.float64, 0.0), "entry_t": (np.float64, 0.0),
               "last_in": (np.int64, -1)}

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
        straddle = (self.y1 > py) != (self.y2 > py)
        crosses = straddle & (px < self.x1 + (py - self.y1) * self.slope)
        return np.bitwise_xor.reduceat(crosses.view(np.uint8), self.starts, axis=1).view(bool)

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
                events.append(self._exit(engine, frame, time, row, j))
            self.run[row] = 0
        return events

    def update(self, engine: "Analytics", frame: int, time: float, rows: np.ndarray, anchors: dict[str, np.ndarray], present: np.ndarray) -> list[Event]:
        events: list[Event] = []
        if len(rows):
            obs = self.inside(anchors)
            if obs.any():
                r, c = np.nonzero(obs)
                self.last_in[rows[r], c] = frame
            st, run = self.state[rows], self.run[rows]
            differ = obs != st
            if differ.any() or run.any():
                rt = self.run_t[rows]
                np.copyto(rt, time, where=differ & (run == 0))
                run = np.where(differ, run + 1, 0)
                flip = run >= self.min_frames
                run[flip] = 0
                self.run[rows], self.run_t[rows] = run, rt
                for i, j in zip(*np.nonzero(flip)):
                    row, j = int(rows[i]), int(j)
                    if obs[i, j]:
                        events.append(self._enter(engine, frame, time, row, j, float(rt[i, j])))
                    else:
                        events.append(self._exit(engine, frame, time, row, j))
        self.occupancy = self.state[present].sum(0)
        return events

    def _enter(self, engine: "Analytics", frame: int, time: float, row: int, j: int, since: float) -> Event:
        zone = self.zones[j]
        self.state[row, j] = True
        self.entry_t[row, j] = since
        self.inside_rows.add(row)
        self._inside_array = np.zeros(0, np.int64)
        cid, tid = engine.class_of(row), engine.track_id_of(row)
        zone.entries += 1
        zone.entries_per_class[cid] += 1
        zone.inside_since[tid] = since
        return Event("enter", zone.name, frame, time, tid, cid, engine.label(cid))

    def _exit(self, engine: "Analytics", frame: int, time: float, row: int, j: int) -> Event:
        zone = self.zones[j]
        self.state[row, j] = False
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
