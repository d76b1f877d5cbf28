"""Drawing on frames: annotation, the annotated-video sink, the display window, and annotators that keep
state across frames (heatmaps, traces) and analytics overlays.

Each annotator draws in place on a BGR uint8 frame and returns it.
"""

from __future__ import annotations

from .analytics import AnalyticsOverlay, HeatMapOverlay, draw_analytics, draw_dwell, draw_lines, draw_zones
from .heatmap import HeatMap
from .traces import Traces

__all__ = [
    "AnalyticsOverlay", "HeatMap", "HeatMapOverlay", "Traces", "draw_analytics", "draw_dwell", "draw_lines", "draw_zones",
]  # fmt: skip
