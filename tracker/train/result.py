"""What every ``train_*`` function returns: one :class:`TrainResult` for detectors, embedders and segmenters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["TrainResult"]


@dataclass
class TrainResult:
    """A finished training run.

    Attributes:
        model: the trained model, ready to use (detector, Keras embedder model or segmenter).
        out_dir: where it was saved (None when not saved).
        classes: the labels it learned (detector and segmenter classes, embedder identities).
        metrics: held-out scores; names per task: ``map50``/``map`` (detector), ``before``/``after``
            separation dicts (embedder), ``val_miou``/``val_iou``/``baseline_miou`` (segmenter).
        history: one dict per epoch, at least ``{"loss": ...}``.
        seconds: training time.
        n_train, n_val: training and held-out examples (images; crops for the embedder).
    """

    model: Any = None
    out_dir: Path | None = None
    classes: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    n_train: int = 0
    n_val: int = 0

    def to_dict(self) -> dict:
        """Everything but the model, JSON-ready."""
        return {
            "out_dir": None if self.out_dir is None else str(self.out_dir),
            "classes": list(self.classes),
            "metrics": self.metrics,
            "history": self.history,
            "seconds": self.seconds,
            "n_train": self.n_train,
            "n_val": self.n_val,
        }
