"""Detection without tracking, as ``tracker detect`` runs it: each frame's detections as a
:class:`~tracker.records.FrameResult` (no tracks), ready for any :class:`~tracker.records.Sink`::

    from tracker.detect import detect_frames
    from tracker.io.sources import open_source
    from tracker.runner import drive, write_frames

    with open_source("video.mp4") as source:
        drive(write_frames(detect_frames(source, load_detector("nanodet")), [DetectionPrinter("json")]))
"""

from __future__ import annotations

import time
from typing import Iterable, Iterator

from .detections import Tracks
from .records import Detector, FrameResult

__all__ = ["detect_frames"]


def detect_frames(frames: Iterable, detector: Detector) -> Iterator[FrameResult]:
    """Run ``detector`` on each frame (:class:`~tracker.io.sources.Frame`) of ``frames``; the result's
    ``tracks`` are empty and ``timings["detect"]`` holds the detector's time."""
    for frame in frames:
        t = time.perf_counter()
        detections = detector(frame.image)
        busy = time.perf_counter() - t
        yield FrameResult(frame.index, frame.image, detections, Tracks.empty(), frame.timestamp, {"detect": busy})
