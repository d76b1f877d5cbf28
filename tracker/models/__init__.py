"""The model zoo: one registry of backbones, detectors, embedders and segmenters.

``tracker.models.load(name, task)`` builds a zoo model by name (names are unique per task);
``tracker.models.entries()`` lists them. A user's spec (zoo name, ``tfhub:`` handle, folder or file) goes
through ``load_detector`` / ``load_embedder`` / ``load_segmenter``, which share :mod:`tracker.models.resolve`. Weights the
zoo ships live in ``tracker/models/weights`` with their provenance in ``tracker/models/NOTICE``.
TensorFlow is imported only when a model is built.
"""

from .registry import ZooEntry, entries, get, load

__all__ = ["ZooEntry", "entries", "get", "load"]
