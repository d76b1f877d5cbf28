"""Conversions to and from supervision's ``sv.Detections``, so either library's tools work on the other's output.

supervision is optional (``pip install supervision``) and imported only when these are called.
Boxes are xyxy pixels in both libraries; class names travel as ``data["labels"]`` here and
``data["class_name"]`` there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .detections import Detections, Tracks
from .errors import require

__all__ = ["detections_from_supervision", "detections_to_supervision", "tracks_to_supervision"]

_HINT = "pip install supervision"


def detections_from_supervision(sv_detections: Any) -> Detections:
    """Our :class:`Detections` from an ``sv.Detections`` (missing confidence -> 1, class -> 0)."""
    d = sv_detections
    n = len(d.xyxy)
    data: dict = {}
    names = getattr(d, "data", {}).get("class_name")
    if names is not None:
        data["labels"] = [str(x) for x in names]
    if getattr(d, "tracker_id", None) is not None:
        data["tracker_id"] = np.asarray(d.tracker_id, np.int64)
    mask = None if d.mask is None else np.asarray(d.mask, bool).reshape(n, *np.shape(d.mask)[1:])
    return Detections(
        np.asarray(d.xyxy, np.float64).reshape(n, 4),
        None if d.confidence is None else d.confidence,
        None if d.class_id is None else d.class_id,
        mask=mask,
        data=data,
    )


def detections_to_supervision(detections: Detections) -> Any:
    """An ``sv.Detections`` with our boxes, scores, class ids, masks and labels (``class_name``)."""
    sv = require("supervision", _HINT)
    data = {}
    labels = detections.data.get("labels")
    if labels is not None and len(labels) == len(detections):
        data["class_name"] = np.asarray(labels, dtype=str)
    return sv.Detections(
        xyxy=np.asarray(detections.xyxy, np.float32).reshape(-1, 4),
        mask=detections.mask,
        confidence=np.asarray(detections.score, np.float32),
        class_id=np.asarray(detections.class_id, int),
        data=data,
    )


def tracks_to_supervision(tracks: Tracks, coasting: bool = True) -> Any:
    """An ``sv.Detections`` of the tracks with ``tracker_id``; ``data["det_index"]`` marks coasting (-1).

    With ``coasting=False`` only the tracks matched to a detection this frame are kept, which is
    what supervision's own counters (``LineZone``, ``PolygonZone``) should be fed.
    """
    sv = require("supervision", _HINT)
    if not coasting:
        tracks = tracks[tracks.det_index >= 0]
    return sv.Detections(
        xyxy=np.asarray(tracks.xyxy, np.float32).reshape(-1, 4),
        mask=tracks.mask,
        confidence=np.asarray(tracks.score, np.float32),
        class_id=np.asarray(tracks.class_id, int),
        tracker_id=np.asarray(tracks.track_id, int),
        data={"det_index": np.asarray(tracks.det_index, int)},
    )
