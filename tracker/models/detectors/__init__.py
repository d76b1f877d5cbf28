"""One entry point for every detector: ``load_detector(spec)``.

``spec`` is a zoo name (``tracker models`` lists them; default ``nanodet``), ``tfhub:<handle>``
(a TF Hub URL or path, see :mod:`tracker.models.detectors.hub`), or the path of a SavedModel folder with the
TF2 Detection API outputs. Every detector it returns is ``detector(frame_bgr) -> Detections`` with
``detect_batch(frames)`` and a ``classes`` list (``class_id`` indexes it).
"""

from __future__ import annotations

import os
from typing import Sequence

from ...errors import TrackerError
from .. import registry

__all__ = ["load_detector", "DEFAULT_DETECTOR"]

DEFAULT_DETECTOR = "nanodet"


def load_detector(
    spec: str | None = DEFAULT_DETECTOR,
    *,
    conf: float | None = None,
    iou: float | None = None,
    classes: Sequence[str] | str | None = None,
    **kwargs,
):
    """Build the detector ``spec`` names; ``None`` arguments keep each detector's own default."""
    spec = (spec or DEFAULT_DETECTOR).strip()
    opts = {k: v for k, v in dict(conf=conf, iou=iou, classes=classes, **kwargs).items() if v is not None}
    if spec.startswith("tfhub:"):
        from .hub import load_hub

        return load_hub(spec[len("tfhub:") :], **opts)
    if any(e.name == spec for e in registry.entries("detector")):
        return registry.load(spec, "detector", **opts)
    if os.path.isdir(spec):
        from .fcn import is_fcn_detector_dir, load_fcn_detector
        from .hub import load_saved_model

        if is_fcn_detector_dir(spec):  # a folder written by `tracker train-detector`
            return load_fcn_detector(spec, **opts)

        return load_saved_model(spec, **opts)
    if spec.lower().endswith(".tflite") and os.path.isfile(spec):
        known = ", ".join(e.name for e in registry.entries("detector"))
        raise TrackerError(
            f"{spec}: TFLite detectors need their own box decoding, which a .tflite file does not describe; "
            f"use a zoo name ({known}), a tfhub: handle or a SavedModel folder with TF2 Detection API outputs"
        )
    raise registry.unknown_spec(spec, "detector", "a tfhub: handle or a SavedModel folder")
