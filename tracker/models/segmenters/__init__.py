"""Segmenters: ``segmenter(frame_bgr) -> (H, W)`` person probability or ``(H, W, C)`` class probabilities.

Instance masks (one per detected person) are split from that map in :mod:`.instances`.
"""

from __future__ import annotations

import os
from typing import Any

from ..resolve import Loaders, resolve
from .selfie import SelfieSegmenter

__all__ = ["SelfieSegmenter", "load_segmenter", "DEFAULT_SEGMENTER"]

DEFAULT_SEGMENTER = "selfie"


def load_segmenter(spec: str | os.PathLike | None = DEFAULT_SEGMENTER, **kwargs: Any) -> Any:
    """A segmenter from a zoo name (default ``selfie``), a folder saved by ``tracker train-segmenter``
    (:class:`~tracker.models.segmenters.fcn.FcnSegmenter`) or a ``.tflite`` file with the selfie
    model's input and output (:class:`SelfieSegmenter`); read as :mod:`tracker.models.resolve` reads
    every model spec."""
    return resolve(spec or DEFAULT_SEGMENTER, "segmenter", LOADERS, **kwargs)


def _folder(path, **kwargs):
    from .fcn import CONFIG_FILE, FcnSegmenter

    return FcnSegmenter.load(path) if (path / CONFIG_FILE).is_file() else None


def _file(path, **kwargs):
    return SelfieSegmenter(model_path=path, **kwargs) if path.suffix.lower() == ".tflite" else None


LOADERS = Loaders(accepted="a folder from `tracker train-segmenter` or a .tflite file", folder=_folder, file=_file)
