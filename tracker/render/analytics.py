"""Drawing lines with their in/out counts, zones with their occupancy and dwell times (see
:mod:`tracker.analytics`), and the overlays that put them (and a heatmap) on the annotated video."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .draw import text_color, text_scale

__all__ = ["AnalyticsOverlay", "HeatMapOverlay", "draw_analytics", "draw_dwell", "draw_lines", "draw_zones"]

_FONT = cv2.FONT_HERSHEY_SIMPLEX
LINE_COLOR = (0, 215, 255)  # amber
ZONE_COLOR = (255, 160, 0)  # azure


def _label(image: np.ndarray, text: str, x: float, y: float, color, fs: float, thick: int) -> None:
    """Text on a filled box in ``color`` centred on (x, y), kept inside the frame."""
    (tw, th), base = cv2.getTextSize(text, _FONT, fs, thick)
    h, w = image.shape[:2]
    x0 = int(min(max(x - tw / 2 - 2, 0), max(w - tw - 4, 0)))
    y0 = int(min(max(y - th / 2 - 2, 0), max(h - th - base - 4, 0)))
    cv2.rectangle(image, (x0, y0), (x0 + tw + 4, y0 + th + base + 4), color, -1)
    cv2.putText(image, text, (x0 + 2, y0 + th + 2), _FONT, fs, text_color(color), thick, cv2.LINE_AA)


def draw_lines(image: np.ndarray, lines: Sequence, color=LINE_COLOR) -> np.ndarray:
    """Each line with an arrow showing the ``in`` side and ``"name in N out M"``; returns ``image``."""
    fs, thick = text_scale(image)
    for line in lines:
        a, b = np.asarray(line.start), np.asarray(line.end)
        cv2.line(image, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), color, thick + 1, cv2.LINE_AA)
        mid, v = (a + b) / 2, b - a
        # "in" is towards the left of start->end on screen: the normal (v_y, -v_x).
        n = np.array([v[1], -v[0]]) / max(float(np.hypot(*v)), 1e-9)
        tip = mid + n * 12 * fs / 0.5
        cv2.arrowedLine(image, tuple(np.round(mid).astype(int)), tuple(np.round(tip).astype(int)), color, thick, cv2.LINE_AA, tipLength=0.4)
        _label(image, f"{line.name} in {line.in_count} out {line.out_count}", *(mid - n * 14 * fs / 0.5), color, fs, thick)
    return image


def draw_zones(image: np.ndarray, zones: Sequence, color=ZONE_COLOR, alpha: float = 0.2) -> np.ndarray:
    """Each zone filled translucent, outlined, labelled at its top-left with ``"name N"`` (occupancy now)
    and, once a visit has ended, ``in E out X avg D s`` (entries, exits, mean dwell)."""
    fs, thick = text_scale(image)
    if alpha > 0 and len(zones):
        overlay = image.copy()
        for z in zones:
            cv2.fillPoly(overlay, [np.round(z.points).astype(np.int32)], color)
        cv2.addWeighted(overlay, alpha, image, 1 - alpha, 0, dst=image)
    for z in zones:
        pts = np.round(z.points).astype(np.int32)
        cv2.polylines(image, [pts], True, color, thick, cv2.LINE_AA)
        x, y = z.points.min(0)
        text = f"{z.name} {z.occupancy}"
        if z.entries or z.exits:
            text += f"  in {z.entries} out {z.exits}"
        if z.dwell:
            text += f" avg {sum(s for _, s in z.dwell) / len(z.dwell):.1f}s"
        (tw, _), _ = cv2.getTextSize(text, _FONT, fs, thick)
        _label(image, text, x + tw / 2 + 4, y + 12 * fs, color, fs, thick)
    return image


def draw_dwell(image: np.ndarray, tracks, analytics, color=ZONE_COLOR) -> np.ndarray:
    """Seconds in the zone so far under each track inside one (the longest if inside several)."""
    if not analytics.zones or not len(tracks):
        return image
    since: dict[int, float] = {}
    for z in analytics.zones:
        for tid, t in z.inside_since.items():
            since[tid] = min(t, since.get(tid, t))
    if not since:
        return image
    fs, thick = text_scale(image)
    for tid, (x1, _, x2, y2) in zip(tracks.track_id.tolist(), tracks.xyxy):
        if tid in since and np.isfinite(x1 + x2 + y2):
            _label(image, f"{analytics.time - since[tid]:.1f}s", (x1 + x2) / 2, y2 + 10 * fs, color, 0.8 * fs, thick)
    return image


def draw_analytics(image: np.ndarray, analytics) -> np.ndarray:
    """Zones, then lines, of an :class:`~tracker.analytics.Analytics`; returns ``image``."""
    draw_zones(image, analytics.zones)
    draw_lines(image, analytics.lines)
    return image


class AnalyticsOverlay:
    """An :class:`~tracker.render.video.Annotator` overlay: zones, lines, counts and dwell times.

    Reads ``analytics`` when called: feed it the frame first (``AnalyticsFeed`` ahead of the video sink).
    """

    def __init__(self, analytics, dwell: bool = True) -> None:
        self.analytics = analytics
        self.dwell = dwell

    def __call__(self, image: np.ndarray, result) -> np.ndarray:
        draw_analytics(image, self.analytics)
        if self.dwell:
            draw_dwell(image, result.tracks, self.analytics)
        return image


class HeatMapOverlay:
    """An :class:`~tracker.render.video.Annotator` overlay: a :class:`~tracker.render.heatmap.HeatMap`
    updated with each result's tracks and blended under them."""

    def __init__(self, heatmap=None, alpha: float = 0.5) -> None:
        from .heatmap import HeatMap

        self.heatmap = heatmap if heatmap is not None else HeatMap()
        self.alpha = alpha

    def __call__(self, image: np.ndarray, result) -> np.ndarray:
        self.heatmap.update(result.tracks, image.shape[:2])
        return self.heatmap.draw(image, self.alpha)
