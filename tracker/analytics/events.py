"""What the analytics report: one :class:`Event` per line crossing, zone entry or zone exit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Event", "event_to_dict"]


@dataclass(frozen=True)
class Event:
    """One crossing, entry or exit.

    Attributes:
        event: ``"cross"``, ``"enter"`` or ``"exit"``.
        name: the line's or zone's name.
        frame: the frame on which the event was decided (after ``min_frames`` confirmation, or when
            a track inside a zone was given up as lost).
        time: that frame's timestamp in seconds.
        track_id: the track's id.
        class_id: the track's class by majority vote over its matched detections so far.
        label: the class name (``str(class_id)`` without names).
        direction: ``"in"`` or ``"out"`` for crossings, else None.
        dwell: seconds inside the zone, for exits, else None.
    """

    event: str
    name: str
    frame: int
    time: float
    track_id: int
    class_id: int
    label: str
    direction: str | None = None
    dwell: float | None = None


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of an event, leaving out the fields that do not apply (None)."""
    return {k: v for k, v in asdict(event).items() if v is not None}
