"""tracker: find and follow objects in video.

Public API (boxes are xyxy pixels everywhere, frames are BGR uint8 as OpenCV reads them)::

    import tracker
    for result in tracker.track("video.mp4"):
        print(result.frame_index, result.tracks.track_id)

Heavy parts (TensorFlow models) are imported only when used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) buries our one-line messages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .detections import Detections, Tracks, TrackState
from .errors import TrackerError

__version__ = "0.1.0"

__all__ = ["Detections", "Tracks", "TrackState", "TrackerError", "Tracker", "Pipeline", "FrameResult", "track", "batch", "live_multi", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import FrameResult, Pipeline, track, track_detections
    from .tracking.tracker import Tracker


def __getattr__(name: str):
    if name == "Tracker":
        from .tracking.tracker import Tracker

        return Tracker
    if name in ("Pipeline", "FrameResult", "track", "track_detections"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "batch":  # the module is callable: tracker.batch(inputs, out_dir, ...)
        from . import batch

        return batch
    if name == "live_multi":
        from .multistream import live_multi

        return live_multi
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
