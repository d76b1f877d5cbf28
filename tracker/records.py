"""What travels between stages, and the shape of every stage.

Records: :class:`Detections` (one frame's boxes, scores, classes, optional embeddings and masks),
:class:`Tracks` (the tracker's output for a frame) and :class:`FrameResult` (everything the pipeline
knows about one frame). Stages: :class:`Detector`, :class:`BatchDetector`, :class:`Embedder`,
:class:`Segmenter` and :class:`Sink` are ``typing.Protocol`` classes, so a user's own model or output
is any object with the right methods; no base class is needed::

    class MyDetector:
        classes = ["person"]
        def __call__(self, frame):
            return tracker.Detections(xyxy=[[10, 20, 50, 120]], score=[0.9], class_id=[0])

Conventions shared by every stage: frames are BGR ``uint8`` arrays of shape ``(H, W, 3)`` as OpenCV
reads them; boxes are xyxy pixels (:mod:`tracker.boxes` holds the converters); a frame with nothing in
it gives empty records (length 0), never ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from .detections import Detections, Tracks, TrackState

__all__ = [
    "Detections", "Tracks", "TrackState", "FrameResult",
    "Detector", "BatchDetector", "Embedder", "Segmenter", "Sink",
]  # fmt: skip


@dataclass
class FrameResult:
    """What the pipeline knows about one frame.

    Attributes:
        frame_index: 0-based index within the source (live mode skips dropped frames). MOT files
            number frames from 1; their sink adds the 1.
        image: the BGR frame (None when tracking a detection file without images).
        detections: the detector's output for this frame (with embeddings/masks if computed).
        tracks: the tracker's output; ``tracks.det_index`` points into ``detections`` (-1: coasting).
        timestamp: seconds since the source started.
        timings: seconds spent per stage on this frame.
    """

    frame_index: int
    image: np.ndarray | None
    detections: Detections
    tracks: Tracks
    timestamp: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@runtime_checkable
class Detector(Protocol):
    """``detector(frame) -> Detections``.

    Input: one BGR ``uint8`` frame ``(H, W, 3)``. Output: xyxy pixel boxes in that frame's coordinates,
    scores in [0, 1] and ``class_id`` indexing :attr:`classes`; a frame with no object gives
    ``Detections.empty()``. The detector applies its own score threshold and NMS.
    """

    classes: Sequence[str]

    def __call__(self, frame: np.ndarray) -> Detections: ...


@runtime_checkable
class BatchDetector(Detector, Protocol):
    """A :class:`Detector` that can also run several frames per call (used on GPUs for files)."""

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        """One :class:`Detections` per frame, in order; same contract as ``__call__``."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """``embedder(frame, detections) -> (N, D) float32`` appearance vectors, one row per detection.

    Input: the BGR ``uint8`` frame and that frame's detections (xyxy pixels; boxes may reach outside the
    frame). Output: L2-normalised rows in the detections' order; no detections gives shape ``(0, D)``.
    A row of NaN means "not computed" (the pipeline's fast appearance mode).
    """

    def __call__(self, frame: np.ndarray, detections: Detections) -> np.ndarray: ...


@runtime_checkable
class Segmenter(Protocol):
    """``segmenter(frame) -> probabilities`` at the frame's own resolution.

    Input: one BGR ``uint8`` frame ``(H, W, 3)``. Output: ``(H, W)`` float32 person (foreground)
    probability for binary segmenters, or ``(H, W, C)`` class probabilities, channel ``c`` for
    ``classes[c]`` with background first. A frame without people gives a map of (near) zeros.
    """

    classes: Sequence[str]

    def __call__(self, frame: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Sink(Protocol):
    """Where results go: ``write`` once per frame, in order, then ``close`` once.

    ``write(result)`` gets every :class:`FrameResult` (a frame without tracks too; ``result.image``
    is None when tracking a detection file). ``close()`` finishes the output. The library's file sinks
    also take ``close(commit=False)``, which drops what they wrote and keeps an old file; the pipeline
    passes it when a run ends before any frame. A sink may raise :class:`tracker.stops.StopRun` from
    ``write`` to end the run cleanly after that frame (the display window does on q/Esc).
    """

    def write(self, result: FrameResult) -> None: ...

    def close(self) -> None: ...
