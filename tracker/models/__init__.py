"""The model zoo: one registry of backbones, detectors, embedders and segmenters.

``tracker.models.load(name)`` builds a model by name; ``tracker.models.entries()`` lists them. Weights the
zoo ships live in ``tracker/models/weights`` with their provenance in ``tracker/models/NOTICE``.
TensorFlow is imported only when a model is built.
"""

from .registry import ZooEntry, entries, get, load

__all__ = ["ZooEntry", "entries", "get", "load"]
