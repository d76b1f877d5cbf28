"""Analytics in a run: the sink that feeds an :class:`Analytics` and the events file.

``tracker track --line ... --zone ... --events-out events.jsonl`` is, in the library::

    analytics = build_analytics(["620,432,620,200:door"], [], None, class_names)
    outputs = reserve_outputs([("--events-out", "events.jsonl", "events"), ...])
    feed, sinks = analytics_sinks(analytics, outputs)
    pipeline.run(source, sinks + text_sinks(outputs, names, analytics=feed) + video_sinks)

:class:`AnalyticsFeed` must come before every sink that reads the counts (the JSON lines, the
annotated video): :func:`tracker.runner.write_frames` writes each frame to the sinks in order.

Where the totals go (a choice): each JSON-lines frame record gets ``"analytics"`` with the counts so
far (``{"lines": {name: {"in", "out"}}, "zones": {name: {"occupancy", "entries", "exits"}}}``), so the
last record holds the totals and a program reading a live stream sees the count as it changes; the
events file stays one kind of row (one per crossing, entry or exit) in both JSON lines and CSV, and is
complete after every frame, so an interrupted run needs no trailer to be valid. The run summary on
stderr prints the totals.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import TrackerError
from ..io.sinks import _TextSink
from .engine import Analytics
from .events import Event

__all__ = [
    "EVENT_FIELDS", "AnalyticsFeed", "EventsSink", "analytics_sinks", "build_analytics", "events_format",
    "summary_line",
]  # fmt: skip

#: Columns of the events CSV; JSON lines carry the same keys, without those that do not apply.
EVENT_FIELDS = ("event", "name", "frame", "time", "track_id", "class_id", "label", "direction", "dwell")
_FORMATS = {".jsonl": "json", ".ndjson": "json", ".json": "json", ".csv": "csv"}


def events_format(path: str | os.PathLike) -> str:
    """``"json"`` or ``"csv"`` from the events file's extension; a one-line error otherwise."""
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in _FORMATS:
        raise TrackerError(f"--events-out {os.fspath(path)}: use a .jsonl (JSON lines) or .csv file")
    return _FORMATS[suffix]


def build_analytics(
    lines: Sequence[str] = (), zones: Sequence[str] = (), config: str | os.PathLike | None = None,
    class_names: Sequence[str] | None = None,
) -> Analytics | None:  # fmt: skip
    """An :class:`Analytics` from ``--line``/``--zone`` specs and/or an ``--analytics`` file; None when
    nothing is given. Names default to ``line1``, ``zone1``, ... in the order given (the file's first)."""
    if not lines and not zones and not config:
        return None
    from .config import load_analytics
    from .lines import parse_line
    from .zones import parse_zone

    base = load_analytics(config) if config else Analytics()
    ls = base.lines + [parse_line(s, f"line{len(base.lines) + i + 1}") for i, s in enumerate(lines)]
    zs = base.zones + [parse_zone(s, f"zone{len(base.zones) + i + 1}") for i, s in enumerate(zones)]
    return Analytics(ls, zs, class_names=class_names, lost_after=base.lost_after, forget_after=base.forget_after)


class AnalyticsFeed:
    """A :class:`~tracker.records.Sink` that feeds each frame's tracks to ``analytics``.

    After ``write(result)``, :attr:`events` holds that frame's events and :meth:`counts` the counts so far.
    """

    def __init__(self, analytics: Analytics) -> None:
        self.analytics = analytics
        self.events: list[Event] = []
        self.frame: int | None = None

    def write(self, result) -> None:
        self.events = self.analytics.update(result.tracks, result.frame_index, result.timestamp, result.detections)
        self.frame = int(result.frame_index)

    def close(self, commit: bool = True) -> None:
        """Nothing to finish (the totals stay readable on :attr:`analytics`)."""

    def counts(self) -> dict:
        """The counts so far, compact: ``{"lines": {name: {"in", "out"}}, "zones": {name: {...}}}``."""
        a = self.analytics
        return {
            "lines": {ln.name: {"in": ln.in_count, "out": ln.out_count} for ln in a.lines},
            "zones": {z.name: {"occupancy": z.occupancy, "entries": z.entries, "exits": z.exits} for z in a.zones},
        }


def event_record(event: Event) -> dict:
    """An event as written: the issue's fields, time rounded to 0.1 ms and dwell to 1 ms."""
    rec = {
        "event": event.event, "name": event.name, "frame": event.frame, "time": round(event.time, 4),
        "track_id": event.track_id, "class_id": event.class_id, "label": event.label,
    }  # fmt: skip
    if event.direction is not None:
        rec["direction"] = event.direction
    if event.dwell is not None:
        rec["dwell"] = round(event.dwell, 3)
    return rec


class EventsSink(_TextSink):
    """The events file: one JSON object (or CSV row) per crossing, entry and exit, in the order decided.

    Transactional like the other text outputs (:mod:`tracker.io.atomic`): written to a temporary file,
    flushed after each frame that has events, moved into place on ``close``; after Ctrl-C or SIGTERM it
    holds every event of the frames done (the same frames as the other outputs), and a failed or empty
    run keeps an old file. ``feed`` must be written the same frame first (it decides the events).
    """

    def __init__(self, path, feed: AnalyticsFeed, fmt: str | None = None) -> None:
        target = getattr(path, "path", path)
        self.format = fmt or events_format(target)
        self.feed = feed
        super().__init__(path)
        if self.format == "csv":
            self._submit(self._csv([EVENT_FIELDS]))

    @staticmethod
    def _csv(rows) -> str:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue()

    def write(self, result) -> None:
        if self.feed.frame != int(result.frame_index):
            raise RuntimeError("EventsSink: its AnalyticsFeed must be written the same frame first")
        if self.feed.events:
            super().write(list(self.feed.events))

    def _format(self, item) -> str:
        if isinstance(item, str):
            return item
        recs = [event_record(e) for e in item]
        if self.format == "csv":
            return self._csv([[r.get(k, "") for k in EVENT_FIELDS] for r in recs])
        return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)


def analytics_sinks(analytics: Analytics | None, outputs: Mapping[str, object] = {}) -> tuple[AnalyticsFeed | None, list]:
    """The feed and (with an ``"events"`` key in ``outputs``, a reserved file) the events sink, in the
    order they must be written; ``(None, [])`` without analytics."""
    if analytics is None:
        return None, []
    feed = AnalyticsFeed(analytics)
    sinks: list = [feed]
    if "events" in outputs:
        sinks.append(EventsSink(outputs["events"], feed))
    return feed, sinks


def summary_line(analytics: Analytics) -> str:
    """``Counts: door in 0 out 6; shelf entries 3 exits 2, 1 inside, dwell mean 4.2 s.`` for the run summary."""
    parts = [f"{ln.name} in {ln.in_count} out {ln.out_count}" for ln in analytics.lines]
    for z in analytics.zones:
        t = z.totals()
        dwell = f", dwell mean {t['dwell_mean']:.1f} s max {t['dwell_max']:.1f} s" if t["dwell_mean"] is not None else ""
        parts.append(f"{z.name} entries {z.entries} exits {z.exits}, {z.occupancy} inside{dwell}")
    return "Counts: " + "; ".join(parts) + "."
