"""tracker: find and follow objects in video.

Public API (boxes are xyxy pixels everywhere, frames are BGR uint8 as OpenCV reads them)::

    import tracker
    for result in tracker.track("video.mp4"):
        print(result.frame_index, result.tracks.track_id)

Heavy parts (TensorFlow models) are imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .detections import Detections, Tracks, TrackState
from .errors import TrackerError

__version__ = "0.1.0"

__all__ = ["Detections", "Tracks", "TrackState", "TrackerError", "Tracker", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .tracking.tracker import Tracker


def __getattr__(name: str):
    if name == "Tracker":
        from .tracking.tracker import Tracker

        return Tracker
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
