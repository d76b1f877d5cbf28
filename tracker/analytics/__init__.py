"""Counting and timing tracked objects: line crossings, zones with dwell time, and their events.

    from tracker.analytics import Analytics, LineCounter, Zone
    analytics = Analytics([LineCounter((100, 400), (900, 400), "door")], [Zone([[0, 0], [200, 0], [200, 200]], "shelf")])
    for result in tracker.track("video.mp4"):
        for event in analytics.update(result.tracks, result.frame_index, result.timestamp, result.detections):
            print(event)

See :class:`Analytics` for the counting-safe rules (confirmed, matched tracks only; voted class).
"""

from __future__ import annotations

from .anchors import ANCHORS, anchor_points
from .config import load_analytics
from .engine import Analytics
from .events import Event, event_to_dict
from .lines import LineCounter, parse_line
from .outputs import AnalyticsFeed, EventsSink, analytics_sinks, build_analytics
from .zones import Zone, parse_zone

__all__ = [
    "ANCHORS",
    "Analytics",
    "AnalyticsFeed",
    "EventsSink",
    "analytics_sinks",
    "build_analytics",
    "Event",
    "LineCounter",
    "Zone",
    "anchor_points",
    "event_to_dict",
    "load_analytics",
    "parse_line",
    "parse_zone",
]
