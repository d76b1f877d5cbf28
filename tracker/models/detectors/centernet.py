"""CenterNet on MobileNetV3 (COCO-80, 512x512 letterboxed input), from 610265158/mobilenetv3_centernet.

The shipped ``weights/centernet-mnv3.tflite`` (made by ``tools/convert_tfjs_models.py``) holds the
whole detector: BGR -> RGB, the network (heatmap of 80 classes and four box sides per stride-4 cell),
the model's own decoding (3x3 max-pool peaks, top 100, box = cell centre -/+ sides) and class-aware
NMS (:func:`tracker.nms.nms_tf`), so Python only letterboxes the frame and maps the boxes back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...detections import Detections
from ...errors import TrackerError
from ..coco import COCO_CLASSES, class_mask
from .cross_class import suppress_cross_class
from .nanodet import letterbox
from ..tflite import make_interpreter

__all__ = ["CenterNetDetector", "build", "INPUT_SIZE", "WEIGHTS_NAME"]

INPUT_SIZE = 512
NUM_CLASSES = 80
WEIGHTS_NAME = "centernet-mnv3.tflite"
WEIGHTS_PATH = Path(__file__).parent.parent / "weights" / WEIGHTS_NAME
GRAPH_MAX_DETECTIONS = 100  # the model's top-k; fixed when the graph was exported




def check_frame(frame) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise TrackerError(f"expected a BGR uint8 frame of shape (H, W, 3), got {frame.dtype} {frame.shape}")
    return frame


class CenterNetDetector:
    """CenterNet MobileNetV3 COCO detector: ``detector(frame_bgr) -> Detections`` (xyxy frame pixels).

    Args:
        conf: score threshold (peak heights of the class heatmap; the astronaut, chelsea's cat and
            the coffee cup peak at 0.61, 0.52 and 0.59).
        iou: IoU above which NMS suppresses a box of the same class (neighbouring heatmap peaks of
            one object).
        classes: optional subset of COCO names to report; ``class_id`` stays the COCO-80 index.
        agnostic: also suppress a box overlapping a higher-scoring box of another class by IoU > 0.7
            (:func:`tracker.models.detectors.cross_class.suppress_cross_class`; on by default: person AP unchanged
            on MOT17 frames and PETS09 within 0.002, cross-class duplicates gone; benchmarks/detector_ap.py).
        max_detections: at most this many boxes per frame (the graph caps at 100).
        threads: interpreter threads (default: up to 4 CPU cores).
    """

    name = "centernet"
    #: Tracker score tiers for this detector's calibration (``Pipeline`` applies them under the user's
    #: options): heatmap peaks run low (pets09-dev matched boxes: median 0.58); HOTA 51.7 there at these
    #: tiers, the best of 0.3-0.7 on both (benchmarks/detector_tiers.py, motion only).
    score_tiers = {"high_score": 0.4, "new_track_score": 0.5}

    def __init__(
        self,
        conf: float = 0.3,
        iou: float = 0.5,
        classes: Sequence[str] | str | None = None,
        agnostic: bool = True,
        max_detections: int = 100,
        threads: int | None = None,
        weights: str | os.PathLike | None = None,
    ):
        self.conf = float(conf)
        self.iou = float(iou)
        self.agnostic = bool(agnostic)
        self.max_detections = min(int(max_detections), GRAPH_MAX_DETECTIONS)
        self.classes = list(COCO_CLASSES)
        self._mask = class_mask(classes, self.name)
        path = Path(weights) if weights else WEIGHTS_PATH
        if not path.exists():
            raise TrackerError(f"CenterNet weights missing: {path} (rerun tools/convert_tfjs_models.py)")
        self._runner = make_interpreter(path, threads or min(4, os.cpu_count() or 1)).get_signature_runner()

    def __call__(self, frame: np.ndarray) -> Detections:
        frame = check_frame(frame)
        image, scale, (px, py) = letterbox(frame, INPUT_SIZE)
        out = self._runner(
            image=image[None],
            score_threshold=np.float32(self.conf),
            iou_threshold=np.float32(self.iou),
            class_mask=self._mask,
        )
        # TFLite pads the NMS output to its fixed length with zero-score rows.
        n = min(int(np.count_nonzero(out["scores"] >= max(self.conf, 1e-6))), self.max_detections)
        xyxy = (out["boxes"][:n].astype(np.float64) - [px, py, px, py]) / scale
        det = Detections(xyxy, out["scores"][:n], out["classes"][:n].astype(np.int64))
        return suppress_cross_class(det) if self.agnostic else det

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        return [self(f) for f in frames]

    def __repr__(self) -> str:
        return f"CenterNetDetector(conf={self.conf}, iou={self.iou}, agnostic={self.agnostic})"


def build(**kwargs) -> CenterNetDetector:
    """Zoo builder (``tracker.models.load("centernet", conf=..., classes=[...], agnostic=True)``)."""
    return CenterNetDetector(**{k: v for k, v in kwargs.items() if v is not None})
