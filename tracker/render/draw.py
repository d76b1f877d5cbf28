"""Annotation of frames: detection boxes, track boxes with ids, trails, masks and a text banner.

Every function draws IN PLACE on the BGR uint8 image it is given and returns that same array, so the
pipeline (which owns the frame) pays no copy; pass ``image.copy()`` to keep the original.
"""

from __future__ import annotations

import colorsys
from typing import Sequence

import cv2
import numpy as np

__all__ = ["color_for", "draw_detections", "detections_annotator", "draw_tracks", "draw_text", "draw_badge"]

_FONT = cv2.FONT_HERSHEY_SIMPLEX
# The golden-ratio hue step keeps consecutive ids far apart on the colour wheel.
_GOLDEN = 0.618033988749895


def color_for(track_id: int) -> tuple[int, int, int]:
    """A stable, distinct BGR colour for an id (same id -> same colour, in every run)."""
    i = int(track_id)
    hue = (i * _GOLDEN) % 1.0
    sat = 0.85 if i % 2 == 0 else 0.65
    val = 0.95 if (i // 2) % 2 == 0 else 0.8
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return int(b * 255), int(g * 255), int(r * 255)


def _label_name(class_id: int, class_names: Sequence[str] | None) -> str:
    if class_names is not None and 0 <= class_id < len(class_names):
        return str(class_names[class_id])
    return str(class_id)


def text_scale(image: np.ndarray) -> tuple[float, int]:
    """Font scale and line thickness that stay legible from 320 px to 4K frames."""
    s = max(0.4, min(image.shape[:2]) / 720.0)
    return 0.5 * s, max(1, int(round(1.5 * s)))


def _put_label(image: np.ndarray, text: str, x: int, y: int, color, font_scale: float, thick: int) -> None:
    """Text on a filled box in ``color`` above (x, y), or below it when there is no room above."""
    (tw, th), base = cv2.getTextSize(text, _FONT, font_scale, thick)
    h, w = image.shape[:2]
    x = int(min(max(x, 0), max(w - tw - 4, 0)))
    top = y - th - base - 4
    if top < 0:
        top = min(y, h - th - base - 4)
    top = max(top, 0)
    cv2.rectangle(image, (x, top), (x + tw + 4, top + th + base + 4), color, -1)
    cv2.putText(image, text, (x + 2, top + th + 2), _FONT, font_scale, text_color(color), thick, cv2.LINE_AA)


def text_color(fill) -> tuple[int, int, int]:
    """Black or white text, whichever contrasts with a BGR ``fill``."""
    luma = 0.114 * fill[0] + 0.587 * fill[1] + 0.299 * fill[2]
    return (0, 0, 0) if luma > 140 else (255, 255, 255)


def _clip_points(image: np.ndarray, xy: np.ndarray, thick: int) -> np.ndarray:
    """Integer pixel coordinates, NaN as 0, clipped to just outside the frame.

    A line drawn ``thick + 1`` px outside the frame paints nothing visible, so clipping there draws
    exactly the visible part of any box, while huge coordinates (a coasting prediction far away, a
    1e30 box from a bad detection file) would overflow OpenCV's int32 points.
    """
    h, w = image.shape[:2]
    m = thick + 1
    xy = np.nan_to_num(np.asarray(xy, np.float64).reshape(-1, 2))
    xy = np.clip(xy, [-m, -m], [w + m, h + m])
    return np.round(xy).astype(np.int32)


def _box(image, xyxy, color, thick) -> tuple[int, int]:
    (x1, y1), (x2, y2) = _clip_points(image, xyxy, thick).tolist()
    cv2.rectangle(image, (x1, y1), (x2, y2), color, thick)
    return x1, y1


def draw_detections(image: np.ndarray, detections, class_names: Sequence[str] | None = None) -> np.ndarray:
    """Draw each detection's box with a ``"label 0.87"`` tag (colour by class); returns ``image``."""
    fs, thick = text_scale(image)
    for box, score, cid in zip(detections.xyxy, detections.score, detections.class_id):
        color = color_for(int(cid) + 1000)
        x1, y1 = _box(image, box, color, thick)
        _put_label(image, f"{_label_name(int(cid), class_names)} {float(score):.2f}", x1, y1, color, fs, thick)
    return image


def detections_annotator(class_names: Sequence[str] | None = None):
    """``result -> image``: a copy of the result's frame with its detections drawn (``tracker detect --out``)."""
    return lambda result: draw_detections(result.image.copy(), result.detections, class_names)


def draw_tracks(
    image: np.ndarray,
    tracks,
    class_names: Sequence[str] | None = None,
    trails: dict[int, list[tuple[int, int]]] | None = None,
    masks_alpha: float = 0.4,
) -> np.ndarray:
    """Draw tracks: mask overlay (if ``tracks.mask``), trail polyline, box and ``"#id label"``.

    ``trails`` maps a track id to its recent points (e.g. box bottom-centres), oldest first; the
    caller keeps and trims it. Returns ``image`` (drawn in place).
    """
    fs, thick = text_scale(image)
    mask = getattr(tracks, "mask", None)
    if mask is not None and len(tracks) and masks_alpha > 0:
        h, w = image.shape[:2]
        for tid, m in zip(tracks.track_id, mask):
            m = np.asarray(m, bool)
            if m.shape != (h, w) or not m.any():
                continue
            color = np.array(color_for(int(tid)), np.float32)
            px = image[m].astype(np.float32)
            image[m] = (px * (1 - masks_alpha) + color * masks_alpha).astype(np.uint8)
    for tid, box, cid in zip(tracks.track_id, tracks.xyxy, tracks.class_id):
        color = color_for(int(tid))
        if trails and int(tid) in trails and len(trails[int(tid)]) > 1:
            pts = _clip_points(image, trails[int(tid)], thick).reshape(-1, 1, 2)
            cv2.polylines(image, [pts], False, color, thick, cv2.LINE_AA)
        x1, y1 = _box(image, box, color, thick + 1)
        _put_label(image, f"#{int(tid)} {_label_name(int(cid), class_names)}", x1, y1, color, fs, thick)
    return image


def draw_text(image: np.ndarray, text: str, org: tuple[int, int] = (10, 25)) -> np.ndarray:
    """A one-line banner (white on a dark filled box) with its baseline-left at ``org``; returns ``image``."""
    fs, thick = text_scale(image)
    (tw, th), base = cv2.getTextSize(text, _FONT, fs * 1.2, thick)
    x, y = int(org[0]), int(org[1])
    cv2.rectangle(image, (x - 4, y - th - 4), (x + tw + 4, y + base + 2), (32, 32, 32), -1)
    cv2.putText(image, text, (x, y), _FONT, fs * 1.2, (255, 255, 255), thick, cv2.LINE_AA)
    return image


def draw_badge(image: np.ndarray, text: str, avoid_xyxy=()) -> np.ndarray:
    """:func:`draw_text` in the corner that hides least of ``avoid_xyxy`` boxes and their labels.

    Corners are tried top-left, top-right, bottom-left, bottom-right; each box counts with a label's
    height above it (where :func:`draw_tracks` puts the label). Returns ``image``.
    """
    fs, thick = text_scale(image)
    (tw, th), base = cv2.getTextSize(text, _FONT, fs * 1.2, thick)
    h, w = image.shape[:2]
    bw, bh = tw + 8, th + base + 6  # the filled box draw_text paints around the text
    corners = [(10, th + 4), (w - bw - 6, th + 4), (10, h - base - 6), (w - bw - 6, h - base - 6)]
    boxes = np.nan_to_num(np.asarray(avoid_xyxy, np.float64).reshape(-1, 4))
    label_h = th + base + 4
    occupied = np.column_stack([boxes[:, 0], boxes[:, 1] - label_h, boxes[:, 2], boxes[:, 3]])

    def covered(org) -> float:
        x1, y1 = org[0] - 4, org[1] - th - 4
        x2, y2 = x1 + bw, y1 + bh
        iw = np.clip(np.minimum(occupied[:, 2], x2) - np.maximum(occupied[:, 0], x1), 0, None)
        ih = np.clip(np.minimum(occupied[:, 3], y2) - np.maximum(occupied[:, 1], y1), 0, None)
        return float((iw * ih).sum())

    best = min(corners, key=covered)  # min keeps the first of equal corners: top-left when all are free
    return draw_text(image, text, (max(4, best[0]), max(th + 4, best[1])))
