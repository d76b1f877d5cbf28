"""MoveNet MultiPose Lightning: up to 6 people per frame, a box and 17 keypoints each (Google, Apache-2.0).

The shipped ``weights/movenet-multipose.tflite`` (made by ``tools/convert_tfjs_models.py``) takes a
256x256 letterboxed BGR frame and returns the model's own output, ``[6, 56]``: per person 17 x
(y, x, score) then (ymin, xmin, ymax, xmax, score), normalised to the input. As a detector it reports
person boxes (``class_id`` 0, the COCO person index, so it slots in wherever the default does) and
carries the keypoints in ``Detections.data["keypoints"]``: ``(N, 17, 3)`` float32 (x, y in frame
pixels, score), which indexing, concatenation and ``Tracks.attach`` carry along like any per-record
``data`` (tracks without a detection this frame get NaN rows).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...detections import Detections
from ...errors import TrackerError
from .centernet import check_frame
from .cross_class import suppress_cross_class
from .nanodet import letterbox
from ..tflite import make_interpreter

__all__ = ["MoveNetDetector", "build", "KEYPOINT_NAMES", "SKELETON", "INPUT_SIZE", "WEIGHTS_NAME"]

INPUT_SIZE = 256  # the model card's recommended longer side for the Lightning variant
MAX_PEOPLE = 6
WEIGHTS_NAME = "movenet-multipose.tflite"
WEIGHTS_PATH = Path(__file__).parent.parent / "weights" / WEIGHTS_NAME
KEYPOINT_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
# Keypoint index pairs joined by a line when drawn (COCO's skeleton).
SKELETON = (
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12),
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)  # fmt: skip


class MoveNetDetector:
    """MoveNet MultiPose person detector: ``detector(frame_bgr) -> Detections`` with ``data["keypoints"]``.

    Args:
        conf: person score threshold (the astronaut scores 0.50).
        classes: only ``["person"]`` (or None) is accepted: the model knows nothing else.
        agnostic: suppress boxes overlapping a higher-scoring one by IoU > 0.7 (the model has no
            NMS between its 6 slots; with one class this is plain NMS). Off: no duplicates seen.
        iou: unused (accepted so that every zoo detector takes the same options).
        threads: interpreter threads (default: up to 4 CPU cores).
    """

    name = "movenet"
    #: Tracker score tiers (``Pipeline`` applies them under the user's options): MoveNet's person scores
    #: are low (pets09-dev matched boxes: median 0.19); births at the detector's own ``conf`` 0.2 and
    #: association from 0.25 scored best there (benchmarks/detector_tiers.py), though pets09's small,
    #: far people are outside what MoveNet is for (HOTA <= 11 at every tier).
    score_tiers = {"high_score": 0.25, "new_track_score": 0.2}

    def __init__(
        self,
        conf: float = 0.2,
        iou: float = 0.5,
        classes: Sequence[str] | str | None = None,
        agnostic: bool = False,
        max_detections: int = MAX_PEOPLE,
        threads: int | None = None,
        weights: str | os.PathLike | None = None,
    ):
        if isinstance(classes, str):
            classes = classes.split(",")
        wanted = {c.strip() for c in classes or () if c.strip()}
        if wanted - {"person"}:
            raise TrackerError(f"movenet detects people only; cannot report {sorted(wanted - {'person'})[0]!r}")
        self.conf = float(conf)
        self.iou = float(iou)
        self.agnostic = bool(agnostic)
        self.max_detections = min(int(max_detections), MAX_PEOPLE)
        self.classes = ["person"]
        path = Path(weights) if weights else WEIGHTS_PATH
        if not path.exists():
            raise TrackerError(f"MoveNet weights missing: {path} (rerun tools/convert_tfjs_models.py)")
        self._runner = make_interpreter(path, threads or min(4, os.cpu_count() or 1)).get_signature_runner()

    def __call__(self, frame: np.ndarray) -> Detections:
        frame = check_frame(frame)
        image, scale, (px, py) = letterbox(frame, INPUT_SIZE)
        poses = self._runner(image=image[None])["poses"].astype(np.float64)
        score = poses[:, 55]
        order = np.argsort(-score, kind="stable")
        order = order[score[order] >= self.conf][: self.max_detections]
        poses = poses[order]
        box = poses[:, [52, 51, 54, 53]] * INPUT_SIZE  # (ymin, xmin, ymax, xmax) -> xyxy, input pixels
        xyxy = (box - [px, py, px, py]) / scale
        kp = poses[:, :51].reshape(-1, 17, 3)
        keypoints = np.stack(
            [(kp[..., 1] * INPUT_SIZE - px) / scale, (kp[..., 0] * INPUT_SIZE - py) / scale, kp[..., 2]], -1
        ).astype(np.float32)
        det = Detections(xyxy, poses[:, 55], 0, data={"keypoints": keypoints})
        return suppress_cross_class(det) if self.agnostic else det

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        return [self(f) for f in frames]

    def __repr__(self) -> str:
        return f"MoveNetDetector(conf={self.conf}, agnostic={self.agnostic})"


def build(**kwargs) -> MoveNetDetector:
    """Zoo builder (``tracker.models.load("movenet", conf=...)``)."""
    return MoveNetDetector(**{k: v for k, v in kwargs.items() if v is not None})
