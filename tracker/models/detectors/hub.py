"""Detectors from TF Hub handles or local SavedModels with the TF2 Detection API outputs.

Any model whose call (or ``serving_default`` signature) takes a ``uint8`` RGB batch ``[1, H, W, 3]``
and returns ``detection_boxes`` (``[1, N, 4]`` normalised ``[ymin, xmin, ymax, xmax]``),
``detection_scores`` ``[1, N]``, ``detection_classes`` ``[1, N]`` and optionally ``num_detections``
works, e.g. these TF Hub handles (downloaded once into ``TFHUB_CACHE_DIR``; a network is needed
the first time)::

    tfhub:https://tfhub.dev/tensorflow/ssd_mobilenet_v2/2
    tfhub:https://tfhub.dev/tensorflow/efficientdet/d0/1
    tfhub:https://tfhub.dev/tensorflow/centernet/resnet50v1_fpn_512x512/1

or a folder exported by the TF2 Object Detection API (``exporter_main_v2.py``). Those models number
classes with the 1-based COCO category ids (1 = person, ..., 90 = toothbrush, with gaps); with
``label_map="coco"`` (the default) they are mapped onto the project's COCO-80 index (0 = person,
:data:`tracker.models.coco.COCO_CLASSES`) and ids outside COCO are dropped. ``label_map="raw"`` keeps
the model's ids as they are (``classes`` then names them ``"class_<id>"``), for models trained on
other label sets.

The models run their own NMS; ``iou`` adds the project's class-aware NMS on top (off by default).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...boxes import yxyx_norm_to_xyxy
from ...detections import Detections
from ...errors import TrackerError, first_line
from ..coco import COCO91_TO_80, COCO_CLASSES

__all__ = ["SavedModelDetector", "load_hub", "load_saved_model", "REQUIRED_OUTPUTS"]

REQUIRED_OUTPUTS = ("detection_boxes", "detection_scores", "detection_classes")


class SavedModelDetector:
    """Wraps a loaded TF2 Detection API model as ``detector(frame_bgr) -> Detections``.

    Args:
        model: the object ``tf.saved_model.load`` / ``hub.load`` returned.
        name: shown in messages (the handle or folder).
        conf: score threshold.
        iou: if given, class-aware NMS (:mod:`tracker.models.nms`) after the model's own.
        classes: optional subset of class names to keep.
        max_detections: at most this many boxes per frame.
        label_map: ``"coco"`` (1-based COCO ids -> COCO-80 index) or ``"raw"``.
    """

    def __init__(
        self,
        model,
        name: str,
        conf: float = 0.3,
        iou: float | None = None,
        classes: Sequence[str] | None = None,
        max_detections: int = 100,
        label_map: str = "coco",
    ):
        import tensorflow as tf

        if label_map not in ("coco", "raw"):
            raise TrackerError(f"label_map must be 'coco' or 'raw', not {label_map!r}")
        self.name = name
        self.conf = float(conf)
        self.iou = None if iou is None else float(iou)
        self.max_detections = int(max_detections)
        self.label_map = label_map
        self._model = model
        self._fn, self._input_name, self._dtype = self._find_callable(model, tf)
        self.classes = list(COCO_CLASSES) if label_map == "coco" else [f"class_{i}" for i in range(1000)]
        self._keep = None
        if classes is not None:
            if isinstance(classes, str):
                classes = classes.split(",")
            names = [c.strip() for c in classes if c.strip()]
            unknown = [c for c in names if c not in self.classes]
            if unknown:
                raise TrackerError(
                    f"unknown class {unknown[0]!r} for {name} (e.g. {', '.join(self.classes[:5])}, ...)"
                )
            self._keep = np.array(sorted(self.classes.index(c) for c in names))

    def _find_callable(self, model, tf):
        """The serving signature if it has the outputs, else the object's own ``__call__``."""
        sig = getattr(model, "signatures", {}).get("serving_default") if hasattr(model, "signatures") else None
        if sig is not None:
            outputs = set(sig.structured_outputs)
            missing = [k for k in REQUIRED_OUTPUTS if k not in outputs]
            if missing:
                raise TrackerError(
                    f"{self.name} is not a detector: its serving signature lacks {', '.join(missing)} "
                    f"(has {', '.join(sorted(outputs)) or 'nothing'}; TF2 Detection API outputs needed)"
                )
            _, kw = sig.structured_input_signature
            if len(kw) != 1:
                raise TrackerError(f"{self.name}: expected one image input, the signature has {sorted(kw)}")
            (input_name, spec), = kw.items()
            return sig, input_name, spec.dtype
        if callable(model):
            return model, None, tf.uint8
        raise TrackerError(f"{self.name} has neither a serving_default signature nor a __call__ to detect with")

    def _run(self, rgb: np.ndarray) -> dict:
        import tensorflow as tf

        x = tf.convert_to_tensor(rgb[None])
        if self._dtype != tf.uint8:
            x = tf.cast(x, self._dtype)
        out = self._fn(**{self._input_name: x}) if self._input_name else self._fn(x)
        if not isinstance(out, dict) or any(k not in out for k in REQUIRED_OUTPUTS):
            got = sorted(out) if isinstance(out, dict) else type(out).__name__
            raise TrackerError(f"{self.name} is not a detector: its outputs are {got}, not {', '.join(REQUIRED_OUTPUTS)}")
        return {k: np.asarray(v) for k, v in out.items()}

    def __call__(self, frame: np.ndarray) -> Detections:
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise TrackerError(f"expected a BGR uint8 frame of shape (H, W, 3), got {frame.dtype} {frame.shape}")
        h, w = frame.shape[:2]
        out = self._run(np.ascontiguousarray(frame[..., ::-1]))
        boxes = out["detection_boxes"].reshape(-1, 4)
        scores = out["detection_scores"].reshape(-1).astype(np.float64)
        raw = out["detection_classes"].reshape(-1).astype(np.int64)
        if "num_detections" in out:
            n = int(np.asarray(out["num_detections"]).reshape(-1)[0])
            boxes, scores, raw = boxes[:n], scores[:n], raw[:n]
        if self.label_map == "coco":
            class_id = np.array([COCO91_TO_80.get(int(c), -1) for c in raw], np.int64)
        else:
            class_id = raw
        keep = (scores >= self.conf) & (class_id >= 0)
        if self._keep is not None:
            keep &= np.isin(class_id, self._keep)
        det = Detections(yxyx_norm_to_xyxy(boxes[keep], w, h), scores[keep], class_id[keep])
        if self.iou is not None and len(det):
            from ..nms import nms

            det = det[nms(det.xyxy, det.score, det.class_id, self.iou, max_detections=self.max_detections)]
        order = np.argsort(-det.score, kind="stable")[: self.max_detections]
        return det[order]

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        """One ``Detections`` per frame (the Detection API signatures take batch 1)."""
        return [self(f) for f in frames]

    def __repr__(self) -> str:
        return f"SavedModelDetector({self.name!r}, conf={self.conf}, iou={self.iou})"


def load_saved_model(path: str | os.PathLike, **kwargs) -> SavedModelDetector:
    """A detector from a local SavedModel folder (TF2 Detection API outputs)."""
    import tensorflow as tf

    path = Path(path)
    if not (path / "saved_model.pb").exists() and not (path / "saved_model.pbtxt").exists():
        raise TrackerError(f"{path} is not a SavedModel folder (no saved_model.pb)")
    try:
        model = tf.saved_model.load(str(path))
    except Exception as exc:  # TF raises many types for corrupt or incompatible folders
        raise TrackerError(f"cannot load SavedModel {path}: {first_line(exc)}") from None
    return SavedModelDetector(model, str(path), **kwargs)


def load_hub(handle: str, **kwargs) -> SavedModelDetector:
    """A detector from a TF Hub handle (URL, hub path, or ``tensorflow/ssd_mobilenet_v2/2``)."""
    from ...errors import require

    hub = require("tensorflow_hub", "pip install tensorflow-hub")
    if not handle:
        raise TrackerError("tfhub: needs a handle, e.g. tfhub:https://tfhub.dev/tensorflow/ssd_mobilenet_v2/2")
    url = handle
    if "://" not in handle and not os.path.isabs(handle) and not os.path.exists(handle):
        url = f"https://tfhub.dev/{handle}"
    try:
        model = hub.load(url)
    except Exception as exc:  # network, HTTP, cache and format errors all end here
        raise TrackerError(
            f"could not load TF Hub handle {handle}: no network? (models are fetched once into TFHUB_CACHE_DIR) "
            f"[{first_line(exc)}]"
        ) from None
    return SavedModelDetector(model, f"tfhub:{handle}", **kwargs)
