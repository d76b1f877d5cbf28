"""Drawing lines with their in/out counts and zones with their occupancy (see :mod:`tracker.analytics`)."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

__all__ = ["draw_analytics", "draw_lines", "draw_zones"]

_FONT = cv2.FONT_HERSHEY_SIMPLEX
LINE_COLOR = (0, 215, 255)  # amber
ZONE_COLOR = (255, 160, 0)  # azure


def _scale(image: np.ndarray) -> tuple[float, int]:
    """Font scale and thickness legible from 320 px to 4K (the rule of :mod:`tracker.render.draw`)."""
    s = max(0.4, min(image.shape[:2]) / 720.0)
    return 0.5 * s, max(1, int(round(1.5 * s)))


def _label(image: np.ndarray, text: str, x: float, y: float, color, fs: float, thick: int) -> None:
    """Text on a filled box in ``color`` centred on (x, y), kept inside the frame."""
    (tw, th), base = cv2.getTextSize(text, _FONT, fs, thick)
    h, w = image.shape[:2]
    x0 = int(min(max(x - tw / 2 - 2, 0), max(w - tw - 4, 0)))
    y0 = int(min(max(y - th / 2 - 2, 0), max(h - th - base - 4, 0)))
    cv2.rectangle(image, (x0, y0), (x0 + tw + 4, y0 + th + base + 4), color, -1)
    luma = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
    fg = (0, 0, 0) if luma > 140 else (255, 255, 255)
    cv2.putText(image, text, (x0 + 2, y0 + th + 2), _FONT, fs, fg, thick, cv2.LINE_AA)


def draw_lines(image: np.ndarray, lines: Sequence, color=LINE_COLOR) -> np.ndarray:
    """Each line with an arrow showing the ``in`` side and ``"name in N out M"``; returns ``image``."""
    fs, thick = _scale(image)
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
    """Each zone filled translucent, outlined, with ``"name N"`` (occupancy) at its first vertex."""
    fs, thick = _scale(image)
    if alpha > 0 and len(zones):
        overlay = image.copy()
        for z in zones:
            cv2.fillPoly(overlay, [np.round(z.points).astype(np.int32)], color)
        cv2.addWeighted(overlay, alpha, image, 1 - alpha, 0, dst=image)
    for z in zones:
        pts = np.round(z.points).astype(np.int32)
        cv2.polylines(image, [pts], True, color, thick, cv2.LINE_AA)
        x, y = z.points.min(0)
        _label(image, f"{z.name} {z.occupancy}", x + 40 * fs, y + 12 * fs, color, fs, thick)
    return image


def draw_analytics(image: np.ndarray, analytics) -> np.ndarray:
    """Zones, then lines, of an :class:`~tracker.analytics.Analytics`; returns ``image``."""
    draw_zones(image, analytics.zones)
    draw_lines(image, analytics.lines)
    return image
