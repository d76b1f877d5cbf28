"""Segmentation overlays: a colour per class blended into the frame, as ``tracker segment`` writes them."""

from __future__ import annotations

import time
from typing import Iterator

import numpy as np

from ..detections import Detections, Tracks
from ..records import FrameResult
from .draw import draw_text

__all__ = ["PALETTE", "labels_of", "overlay", "segment_frames"]

# BGR colours for classes 1, 2, ... (background is left untouched).
PALETTE = np.array(
    [(60, 220, 60), (60, 60, 230), (230, 140, 40), (40, 200, 230), (200, 60, 200), (230, 230, 60), (120, 120, 255)],
    np.uint8,
)


def labels_of(prob: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``(H, W)`` class ids from a segmenter's output: thresholded ``(H, W)`` map or argmax of ``(H, W, C)``."""
    prob = np.asarray(prob)
    if prob.ndim == 2:
        return (prob >= threshold).astype(np.uint8)
    return prob.argmax(axis=-1).astype(np.uint8)


def overlay(image_bgr: np.ndarray, labels: np.ndarray, opacity: float = 0.5, class_names=None) -> np.ndarray:
    """Blend a colour per non-background class into ``image_bgr`` (a new array); outline each region."""
    import cv2

    out = image_bgr.copy()
    present = [int(c) for c in np.unique(labels) if c != 0]
    for c in present:
        region = labels == c
        colour = PALETTE[(c - 1) % len(PALETTE)]
        out[region] = (out[region] * (1 - opacity) + colour * opacity).astype(np.uint8)
        contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, tuple(int(v) for v in colour), max(1, round(min(out.shape[:2]) / 360)))
    if class_names is not None and present:
        draw_text(out, ", ".join(class_names[c] if c < len(class_names) else str(c) for c in present))
    return out



def segment_frames(source, segmenter, threshold: float = 0.5, opacity: float = 0.5) -> Iterator[FrameResult]:
    """Each frame of ``source`` with its overlay as ``image`` (no detections or tracks); the segmenter's
    time is in ``timings["segment"]``."""
    for frame in source:
        t = time.perf_counter()
        labels = labels_of(segmenter(frame.image), threshold)
        busy = time.perf_counter() - t
        image = overlay(frame.image, labels, opacity, segmenter.classes)
        yield FrameResult(frame.index, image, Detections.empty(), Tracks.empty(), frame.timestamp, {"segment": busy})
