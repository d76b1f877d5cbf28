"""One entry point for every detector: ``load_detector(spec)``.

``spec`` is a zoo name (``tracker models`` lists them; default ``nanodet``), ``tfhub:<handle>``
(a TF Hub URL or path, see :mod:`tracker.models.detectors.hub`), a folder written by ``tracker
train-detector`` or the path of a SavedModel folder with the TF2 Detection API outputs, read as
:mod:`tracker.models.resolve` reads every model spec. Every detector it returns is ``detector(frame_bgr) -> Detections`` with
``detect_batch(frames)`` and a ``classes`` list (``class_id`` indexes it).
"""

from __future__ import annotations

from typing import Sequence

from ...errors import TrackerError
from .. import registry
from ..resolve import Loaders, resolve

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
    opts = {k: v for k, v in dict(conf=conf, iou=iou, classes=classes, **kwargs).items() if v is not None}
    return resolve(spec or DEFAULT_DETECTOR, "detector", LOADERS, **opts)


def _folder(path, **opts):
    from .fcn import is_fcn_detector_dir, load_fcn_detector
    from .hub import load_saved_model

    if is_fcn_detector_dir(path):  # a folder written by `tracker train-detector`
        return load_fcn_detector(path, **opts)
    if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
        return load_saved_model(path, **opts)
    return None


def _file(path, **opts):
    if path.suffix.lower() != ".tflite":
        return None
    known = ", ".join(e.name for e in registry.entries("detector"))
    raise TrackerError(
        f"{path}: TFLite detectors need their own box decoding, which a .tflite file does not describe; "
        f"use a zoo name ({known}), a tfhub: handle or a SavedModel folder with TF2 Detection API outputs"
    )


def _hub(handle, **opts):
    from .hub import load_hub

    return load_hub(handle, **opts)


LOADERS = Loaders(
    accepted="a tfhub: handle, a folder from `tracker train-detector` or a SavedModel folder",
    tfhub_example="https://tfhub.dev/tensorflow/ssd_mobilenet_v2/2",
    tfhub=_hub,
    folder=_folder,
    file=_file,
)
