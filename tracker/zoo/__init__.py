"""The model zoo: one registry of backbones, detectors, embedders and segmenters.

``tracker.zoo.load(name)`` builds a model by name; ``tracker.zoo.entries()`` lists them. Weights the
zoo ships live in ``tracker/zoo/weights`` with their provenance in ``tracker/zoo/NOTICE``.
TensorFlow is imported only when a model is built.
"""

from .registry import ZooEntry, entries, get, load

__all__ = ["ZooEntry", "entries", "get", "load"]
