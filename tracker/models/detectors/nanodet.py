"""NanoDet-m, the default COCO detector (80 classes, 416x416 letterboxed input, about 30 ms on a CPU).

The shipped ``weights/nanodet-m.tflite`` (made by ``tools/convert_nanodet.py``) holds the whole
detector in one graph: input normalisation, the network, the decoding of its distribution boxes
and class-aware NMS (:func:`tracker.models.nms.nms_tf`). Python only letterboxes the frame with OpenCV and
maps the boxes back, so a frame costs one interpreter call, and TensorFlow is never imported.

Outputs of the network per stride 8/16/32 (row-major cells): class probabilities ``[cells, 80]``
and box distributions ``[cells, 4 x 11]`` (left, top, right, bottom); the expected bin of each
side's softmax times the stride is that side's distance from the cell centre.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...detections import Detections
from ...errors import TrackerError
from ..coco import COCO_CLASSES, class_mask
from ..tflite import make_interpreter

__all__ = ["NanoDetDetector", "build", "letterbox", "decode_tf", "INPUT_SIZE", "WEIGHTS_NAME"]

INPUT_SIZE = 416
NUM_CLASSES = 80
STRIDES = (8, 16, 32)
REG_BINS = 11
# BGR mean/std of the original NanoDet training pipeline.
MEAN = (103.53, 116.28, 123.675)
STD = (57.375, 57.12, 58.395)
WEIGHTS_NAME = "nanodet-m.tflite"
WEIGHTS_PATH = Path(__file__).parent.parent / "weights" / WEIGHTS_NAME
GRAPH_MAX_DETECTIONS = 100  # fixed when the graph was exported


def _anchors() -> tuple[np.ndarray, np.ndarray]:
    """Cell centres ``[cells, 2]`` (x, y in input pixels) and each cell's stride ``[cells]``."""
    centres, strides = [], []
    for s in STRIDES:
        g = INPUT_SIZE // s
        rows, cols = np.mgrid[0:g, 0:g]
        centres.append(np.stack([(cols.ravel() + 0.5) * s, (rows.ravel() + 0.5) * s], 1))
        strides.append(np.full(g * g, s, np.float32))
    return np.concatenate(centres).astype(np.float32), np.concatenate(strides)


def decode_tf(
    net, image, score_threshold, iou_threshold, class_mask, max_detections: int, channels_last: bool = False
) -> dict:
    """Graph part of the detector: uint8 BGR ``[1, 416, 416, 3]`` -> boxes in input pixels.

    ``net`` maps the normalised input (NCHW, or NHWC with ``channels_last``) to the six raw outputs
    (class probabilities and box distributions of strides 8, 16, 32). Returns ``boxes`` ``[K, 4]`` xyxy,
    ``scores`` ``[K]``, ``classes`` ``[K]`` (int32), best first, K <= ``max_detections``.
    """
    import tensorflow as tf

    from ..nms import nms_tf

    x = (tf.cast(image, tf.float32) - tf.constant(MEAN)) / tf.constant(STD)
    outs = net(x if channels_last else tf.transpose(x, [0, 3, 1, 2]))
    probs = tf.concat(list(outs[0:3]), axis=1)[0]
    dist = tf.concat(list(outs[3:6]), axis=1)[0]
    centres, strides = _anchors()
    dist = tf.nn.softmax(tf.reshape(dist, [-1, 4, REG_BINS]), axis=-1)
    dist = tf.reduce_sum(dist * tf.range(REG_BINS, dtype=tf.float32), axis=-1) * strides[:, None]
    boxes = tf.concat([centres - dist[:, :2], centres + dist[:, 2:]], axis=1)
    # The mask zeroes classes the caller did not ask for before the arg-max, so a box that is
    # mostly "dog" but partly "person" still counts as a person when only people are wanted.
    probs = probs * class_mask
    classes = tf.argmax(probs, axis=-1, output_type=tf.int32)
    scores = tf.reduce_max(probs, axis=-1)
    keep, kept = nms_tf(boxes, scores, classes, iou_threshold, score_threshold, max_detections)
    return {"boxes": tf.gather(boxes, keep), "scores": kept, "classes": tf.gather(classes, keep)}


def letterbox(frame: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Resize keeping the aspect ratio and pad (black) to ``size`` x ``size``.

    Returns the padded image and ``(scale, (pad_x, pad_y))`` so that
    ``frame_xy = (input_xy - pad) / scale``.
    """
    import cv2

    h, w = frame.shape[:2]
    scale = min(size / w, size / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    px, py = (size - nw) // 2, (size - nh) // 2
    out = np.zeros((size, size, 3), np.uint8)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out[py : py + nh, px : px + nw] = cv2.resize(frame, (nw, nh), interpolation=interp)
    return out, scale, (px, py)




def _interpreter(path: Path, threads: int | None):
    if not path.exists():
        raise TrackerError(f"NanoDet weights missing: {path} (rerun tools/convert_nanodet.py)")
    return make_interpreter(path, threads or min(4, os.cpu_count() or 1))


class NanoDetDetector:
    """NanoDet-m COCO detector: ``detector(frame_bgr) -> Detections`` (xyxy pixels of that frame).

    Args:
        conf: score threshold. NanoDet's scores run low on real footage (median about 0.5 for
            people), hence the low default.
        iou: IoU above which NMS suppresses a box of the same class.
        classes: optional subset of COCO names to report (others are ignored); ``class_id`` stays the
            COCO-80 index either way.
        max_detections: at most this many boxes per frame (the graph caps at 100).
        threads: interpreter threads (default: up to 4 CPU cores).
        agnostic: also suppress a box overlapping a higher-scoring box of another class by IoU > 0.7
            (one person reported as person + dog; :func:`tracker.models.detectors.cross_class.suppress_cross_class`).
            On by default: person AP on MOT17 frames and PETS09 unchanged within 0.002, cross-class
            duplicates on people-walking.mp4 from 0.017 per frame to 0 (benchmarks/detector_ap.py).

    Each instance owns one TFLite interpreter: call it from one thread at a time.
    """

    name = "nanodet"
    #: Tracker score tiers for this detector's calibration (``Pipeline`` applies them under the user's
    #: options). Its people score 0.3-0.7 (pets09-dev: matched boxes q25 0.65, median 0.72), far below
    #: the 0.8 / 0.6 chosen on detection files; on pets09-dev (motion only, benchmarks/detector_tiers.py)
    #: HOTA 53.9 at these tiers vs 48.5 at 0.5 / 0.5 and 56.5 at birth 0.7, which loses people of the
    #: sample video (they score below 0.7 there).
    score_tiers = {"high_score": 0.5, "new_track_score": 0.5}

    def __init__(
        self,
        conf: float = 0.3,
        iou: float = 0.5,
        classes: Sequence[str] | None = None,
        max_detections: int = 100,
        threads: int | None = None,
        weights: str | os.PathLike | None = None,
        agnostic: bool = True,
    ):
        self.agnostic = bool(agnostic)
        self.conf = float(conf)
        self.iou = float(iou)
        self.max_detections = min(int(max_detections), GRAPH_MAX_DETECTIONS)
        self.classes = list(COCO_CLASSES)
        self._mask = class_mask(classes, "nanodet")
        self._interp = _interpreter(Path(weights) if weights else WEIGHTS_PATH, threads)
        runner = self._interp.get_signature_runner()
        self._inputs = runner.get_input_details()
        self._runner = runner

    def run_network_input(self, image: np.ndarray) -> dict:
        """Run the graph on an already letterboxed ``[416, 416, 3]`` uint8 BGR image (input pixels)."""
        return self._runner(
            image=image[None],
            score_threshold=np.float32(self.conf),
            iou_threshold=np.float32(self.iou),
            class_mask=self._mask,
        )

    def __call__(self, frame: np.ndarray) -> Detections:
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise TrackerError(f"expected a BGR uint8 frame of shape (H, W, 3), got {frame.dtype} {frame.shape}")
        image, scale, (px, py) = letterbox(frame)
        out = self.run_network_input(image)
        # TFLite pads the NMS output to its fixed length with zero-score rows.
        n = min(int(np.count_nonzero(out["scores"] >= max(self.conf, 1e-6))), self.max_detections)
        xyxy = (out["boxes"][:n].astype(np.float64) - [px, py, px, py]) / scale
        det = Detections(xyxy, out["scores"][:n], out["classes"][:n].astype(np.int64))
        if self.agnostic:
            from .cross_class import suppress_cross_class

            det = suppress_cross_class(det)
        return det

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        """One ``Detections`` per frame (the graph takes one image at a time)."""
        return [self(f) for f in frames]

    def __repr__(self) -> str:
        return f"NanoDetDetector(conf={self.conf}, iou={self.iou}, max_detections={self.max_detections})"


def build(**kwargs) -> NanoDetDetector:
    """Zoo builder (``tracker.models.load("nanodet", conf=..., iou=..., classes=[...])``)."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    return NanoDetDetector(**kwargs)
