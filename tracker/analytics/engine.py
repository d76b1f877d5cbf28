"""The analytics engine: feeds one frame's tracks to many lines and zones at once.

It keeps, per track, a row in fixed-capacity state arrays (row = ``track_id % capacity``; the
capacity doubles when two live tracks would share a row), the track's class vote and the last frame
it was reported, so every line and zone is updated with a few numpy operations on all tracks
together instead of a Python loop per track.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

import numpy as np

from ..detections import Detections, Tracks, TrackState
from ..errors import TrackerError
from .anchors import ANCHORS
from .events import Event
from .lines import LineBank, LineCounter
from .zones import Zone, ZoneBank

__all__ = ["Analytics", "anchor_matrix", "label_of"]

_NEVER = np.iinfo(np.int64).min // 4
_CONFIRMED = int(TrackState.CONFIRMED)
# ndarray.any()/.all() go through a Python wrapper; count_nonzero is one C call (a few us per frame).
_count = np.count_nonzero


def anchor_matrix(anchor: str) -> np.ndarray:
    """``(4, 2)`` matrix ``B`` with ``xyxy @ B`` = the boxes' anchor points."""
    fx, fy = ANCHORS[anchor]
    return np.array([[1 - fx, 0.0], [0.0, 1 - fy], [fx, 0.0], [0.0, fy]])


def label_of(class_id: int, class_names: Sequence[str] | None) -> str:
    """The class name of ``class_id`` or its number as text."""
    if class_names is not None and 0 <= class_id < len(class_names):
        return str(class_names[class_id])
    return str(class_id)


class Analytics:
    """Lines and zones fed together, frame by frame.

    Counting-safe by construction: only confirmed tracks are looked at; only frames in which a
    detection was matched to a track (``Tracks.det_index >= 0``) move it, so coasting predictions
    never trigger a crossing or an entry (they do keep a track present for occupancy); a track's
    class is the majority vote over the classes of its matched detections so far (ties: lowest id),
    not the last frame's label.

    Args:
        lines, zones: :class:`LineCounter` and :class:`Zone` objects (names unique per kind).
        class_names: names for class ids in events and totals (e.g. COCO's).
        lost_after: frames a track inside a zone may go unreported (neither matched nor coasting)
            before it is taken to have left; 30 is the default tracker's ``max_age``, the longest a
            track can be missed and still come back with the same id.
        forget_after: frames after which an unreported track's state may be dropped.
        capacity: initial rows of the state arrays (grows when needed).
    """

    def __init__(
        self,
        lines: Sequence[LineCounter] = (),
        zones: Sequence[Zone] = (),
        *,
        class_names: Sequence[str] | None = None,
        lost_after: int = 30,
        forget_after: int = 300,
        capacity: int = 1024,
    ):
        self.lines = list(lines)
        self.zones = list(zones)
        for kind, items in (("line", self.lines), ("zone", self.zones)):
            names = [x.name for x in items]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise TrackerError(f"{kind} names must be unique: {', '.join(map(repr, dup))} used more than once")
        if forget_after <= lost_after:
            raise TrackerError(f"forget_after ({forget_after}) must be larger than lost_after ({lost_after})")
        self.class_names = None if class_names is None else list(class_names)
        self.lost_after = int(lost_after)
        self.forget_after = int(forget_after)
        self.capacity = int(capacity)
        self.owner = np.full(self.capacity, -1, np.int64)
        self.last_seen = np.full(self.capacity, _NEVER, np.int64)
        self.votes = np.zeros((self.capacity, 1), np.int64)
        self._line_bank = LineBank(self.lines, self.capacity) if self.lines else None
        self._zone_bank = ZoneBank(self.zones, self.capacity) if self.zones else None
        for j, z in enumerate(self.zones):  # a zone reports the occupancy of the engine feeding it
            z._bank, z._col = self._zone_bank, j
        self._banks = [b for b in (self._line_bank, self._zone_bank) if b is not None]
        # The last matched box and frame of each row, for the path from the previous observation.
        self.prev_xyxy = np.zeros((self.capacity, 4), np.float64)
        self.prev_frame = np.full(self.capacity, -1, np.int64)
        self._recent: deque[tuple[int, float]] = deque(maxlen=self.forget_after + 2)
        self._time_of: dict[int, float] = {}
        self.frame_index = -1
        self.time = 0.0

    # -- feeding ----------------------------------------------------------------------------------
    def update(self, tracks: Tracks, frame_index: int, timestamp: float | None = None, detections: Detections | None = None) -> list[Event]:
        """Feed one frame's tracks (call once per frame, in order); returns the events it decided.

        Args:
            tracks: the tracker's output for the frame.
            frame_index: the frame's index (events report it).
            timestamp: the frame's time in seconds since the source started (dwell times and event
                times use it); None uses ``frame_index``, so dwell is then in frames.
            detections: the frame's detections; when given, a track's class vote uses the class of
                its matched detection (``detections.class_id[tracks.det_index]``) rather than
                ``tracks.class_id``, which matters for trackers that let a track's label change.
        """
        frame = int(frame_index)
        time = float(frame if timestamp is None else timestamp)
        self.frame_index, self.time = frame, time
        self._remember(frame, time)
        events: list[Event] = []
        if self._zone_bank is not None and self._zone_bank.inside_rows:
            events += self._zone_bank.expire(self, frame, time, self.lost_after)

        # Every step below is a handful of whole-array numpy calls: the per-frame cost is call
        # overhead (about 1 us each), not arithmetic, so the common frame takes the fewest calls.
        ok = tracks.state == _CONFIRMED
        ok &= tracks.track_id >= 0
        if _count(ok) != len(ok):
            tracks = tracks[ok]
        present = self._rows(tracks.track_id, frame)
        self.last_seen[present] = frame
        det_index = tracks.det_index
        hit = det_index >= 0
        if _count(hit) == len(hit):
            rows, xyxy, cls = present, tracks.xyxy, tracks.class_id
        else:
            rows, xyxy, det_index, cls = present[hit], tracks.xyxy[hit], det_index[hit], tracks.class_id[hit]
        if len(rows):
            if detections is not None:
                cls = detections.class_id[det_index]
            self._vote(rows, cls)
            if self._line_bank is not None:
                events += self._line_bank.update(self, frame, time, rows, xyxy)
            if self._zone_bank is not None:
                events += self._zone_bank.update(self, frame, time, rows, xyxy)
            self.prev_xyxy[rows] = xyxy
            self.prev_frame[rows] = frame
        if self._zone_bank is not None:
            self._zone_bank.present = present
        return events

    # -- results --------------------------------------------------------------------------------------
    def totals(self) -> dict:
        """``{"lines": [...], "zones": [...]}`` with each line's and zone's ``totals()`` (JSON-ready)."""
        return {
            "lines": [ln.totals(self.class_names) for ln in self.lines],
            "zones": [z.totals(self.class_names) for z in self.zones],
        }

    def class_of(self, row: int) -> int:
        """The voted class of the track in ``row``."""
        return int(np.argmax(self.votes[row]))

    def track_id_of(self, row: int) -> int:
        return int(self.owner[row])

    def label(self, class_id: int) -> str:
        return label_of(class_id, self.class_names)

    def _remember(self, frame: int, time: float) -> None:
        if len(self._recent) == self._recent.maxlen:
            self._time_of.pop(self._recent[0][0], None)
        self._recent.append((frame, time))
        self._time_of[frame] = time

    def time_after(self, frame: int, default: float) -> float:
        """Timestamp of the first fed frame after ``frame`` (``default`` if none is remembered)."""
        t = self._time_of.get(frame + 1)  # frames are usually fed one after another
        if t is not None:
            return t
        for f, t in self._recent:
            if f > frame:
                return t
        return default

    # -- rows ------------------------------------------------------------------------------------------
    def _vote(self, rows: np.ndarray, cls: np.ndarray) -> None:
        try:
            self.votes[rows, cls] += 1  # rows are distinct within a frame (ids are unique)
            return
        except IndexError:  # a class id not seen before: grow the columns
            pass
        if cls.min() < 0:
            raise ValueError("class ids must be >= 0 for the class vote")
        grown = np.zeros((self.capacity, int(cls.max()) + 1), np.int64)
        grown[:, : self.votes.shape[1]] = self.votes
        self.votes = grown
        self.votes[rows, cls] += 1

    def _rows(self, ids: np.ndarray, frame: int) -> np.ndarray:
        ids = np.asarray(ids, np.int64)
        rows = ids % self.capacity
        new = self.owner[rows] != ids
        if not _count(new):
            return rows
        owners = self.owner[rows[new]]
        live = (owners >= 0) & (frame - self.last_seen[rows[new]] <= self.forget_after)
        if live.any() or len(np.unique(rows)) < len(rows):
            self._grow(ids, frame)
            rows = ids % self.capacity
            new = self.owner[rows] != ids
        claim = rows[new]
        for bank in self._banks:
            bank.reset(claim)
        self.votes[claim] = 0
        self.last_seen[claim] = _NEVER
        self.prev_frame[claim] = -1
        self.owner[claim] = ids[new]
        return rows

    def _grow(self, ids: np.ndarray, frame: int) -> None:
        """Double the capacity until the live tracks and ``ids`` all have rows of their own."""
        old_rows = np.flatnonzero((self.owner >= 0) & (frame - self.last_seen <= self.forget_after))
        live_ids = self.owner[old_rows]
        wanted = np.unique(np.concatenate([live_ids, ids]))
        cap = self.capacity
        while True:
            cap *= 2
            if len(np.unique(wanted % cap)) == len(wanted):
                break
        new_rows = live_ids % cap
        for bank in self._banks:
            bank.remap(old_rows, new_rows, cap)
        owner = np.full(cap, -1, np.int64)
        owner[new_rows] = live_ids
        last_seen = np.full(cap, _NEVER, np.int64)
        last_seen[new_rows] = self.last_seen[old_rows]
        votes = np.zeros((cap, self.votes.shape[1]), np.int64)
        votes[new_rows] = self.votes[old_rows]
        prev_xyxy = np.zeros((cap, 4), np.float64)
        prev_xyxy[new_rows] = self.prev_xyxy[old_rows]
        prev_frame = np.full(cap, -1, np.int64)
        prev_frame[new_rows] = self.prev_frame[old_rows]
        self.owner, self.last_seen, self.votes, self.capacity = owner, last_seen, votes, cap
        self.prev_xyxy, self.prev_frame = prev_xyxy, prev_frame
