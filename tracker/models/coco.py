"""COCO class names, and the class mask a COCO detector is given.

``COCO_CLASSES`` holds the 80 detection classes in the order most COCO detectors number them
(NanoDet, YOLO): ``COCO_CLASSES[class_id]``, 0 = person. The TF2 Detection API models instead use
the original 1-based COCO category ids with gaps (1..90); :data:`COCO91_TO_80` maps those ids onto
the 0..79 index here.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..errors import TrackerError

COCO_CLASSES = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
]  # fmt: skip

# The 1-based COCO category ids (with the 11 unused ids skipped) of the 80 classes above, in order.
COCO91_IDS = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28,
    31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84,
    85, 86, 87, 88, 89, 90,
]  # fmt: skip

COCO91_TO_80 = {cid: i for i, cid in enumerate(COCO91_IDS)}

assert len(COCO_CLASSES) == 80 and len(COCO91_IDS) == 80


def class_mask(classes: Iterable[str] | str | None, model: str) -> np.ndarray:
    """A ``[80]`` float mask of the COCO classes to report (all when ``classes`` is None)."""
    mask = np.ones(len(COCO_CLASSES), np.float32)
    if classes is None:
        return mask
    if isinstance(classes, str):
        classes = classes.split(",")
    names = [c.strip() for c in classes if c.strip()]
    unknown = [c for c in names if c not in COCO_CLASSES]
    if unknown:
        raise TrackerError(
            f"unknown class {unknown[0]!r} for {model} (COCO-80 names, e.g. person, car, bicycle, dog, cat; "
            "see tracker.models.coco.COCO_CLASSES)"
        )
    mask[:] = 0
    mask[[COCO_CLASSES.index(c) for c in names]] = 1
    return mask
