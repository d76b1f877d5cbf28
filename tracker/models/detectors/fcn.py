"""A fully convolutional sliding-grid detector: a window classifier + box regressor turned into convolutions.

A classification-and-localisation head trained on windows becomes a detector once its dense layers are
convolutions: it then slides over an image of any size and answers for every cell of the backbone's
feature grid at once. Each cell of the output ``(H/s, W/s, 5 + C)`` holds

- ``[0]`` objectness logit: is the centre of an object inside this cell?
- ``[1:3]`` ``tx, ty`` logits: the centre's offset inside the cell, ``sigmoid(t)`` in [0, 1] of a cell;
- ``[3:5]`` ``tw, th``: log of the box size relative to a fixed anchor size (``anchor`` pixels),
  which, unlike sizes relative to the image, means the same thing at every input size;
- ``[5:]`` class logits (softmax over ``C`` classes).

Decoding keeps cells with ``sigmoid(obj) * max(softmax(cls)) > score_threshold``, converts them to xyxy
pixels and runs class-aware NMS (:func:`tracker.models.nms.nms`). :func:`encode_grid` is the exact inverse for
training targets: each object goes to the cell containing its centre (the larger object wins a shared cell).

The backbone is the zoo's ImageNet MobileNetV2 (:func:`tracker.models.backbones.mobilenetv2`), which takes
RGB float pixels in [0, 255]. TensorFlow/Keras are imported inside functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...detections import Detections
from ...errors import TrackerError, first_line

__all__ = [
    "STRIDES",
    "build_fcn_detector",
    "encode_grid",
    "decode_grid",
    "FcnDetector",
    "load_fcn_detector",
    "is_fcn_detector_dir",
    "build",
]

STRIDES = {"stride8": 8, "stride16": 16, "stride32": 32}
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
_FORMAT = "tracker-fcn-detector/1"
_OBJ_PRIOR = 0.01  # initial objectness probability, so the untrained head starts by predicting "nothing"


def default_anchor(feature: str) -> float:
    """Anchor size in pixels: four cells, about the middle of the object sizes one cell can host."""
    return 4.0 * STRIDES[feature]


def build_fcn_detector(
    num_classes: int,
    backbone: str = "mobilenetv2",
    weights: str | Path | None = "imagenet",
    feature: str = "stride16",
    head_width: int = 128,
) -> Any:
    """The detector network: backbone feature map -> 3x3 conv -> 1x1 conv -> 1x1 conv to ``5 + C``.

    Args:
        num_classes: number of object classes ``C``.
        backbone: only ``"mobilenetv2"`` (the zoo's ported ImageNet model).
        weights: backbone weights: ``"imagenet"``, ``None`` (random) or a local weights file.
        feature: ``"stride16"`` (finer grid, small objects) or ``"stride32"``; ``"stride8"`` also works.
        head_width: channels of the head's hidden convolutions.

    Returns:
        ``keras.Model`` from RGB float ``(B, H, W, 3)`` in [0, 255] to raw ``(B, ceil(H/s), ceil(W/s), 5 + C)``.
        It has two sub-models, ``model.get_layer("backbone")`` and ``model.get_layer("head")``, so
        training can freeze the first or run it once to cache features.
    """
    import keras

    if feature not in STRIDES:
        raise TrackerError(f"unknown feature {feature!r} (choose from {', '.join(STRIDES)})")
    if int(num_classes) < 1:
        raise TrackerError(f"num_classes must be >= 1, got {num_classes}")
    if backbone.lower().replace("_", "").replace("-", "") != "mobilenetv2":
        raise TrackerError(f"unknown detector backbone {backbone!r} (known: mobilenetv2)")
    from ..backbones import mobilenetv2

    base = mobilenetv2(weights=weights, outputs=feature)
    feat = keras.Model(base.input, base.output, name="backbone")
    head = _build_head(keras, feat.output_shape[-1], int(num_classes), int(head_width))
    inp = keras.Input((None, None, 3), name="rgb")
    # Keras 3 lets an outer training=True override this training=False; fine-tuning therefore also
    # freezes the backbone's BatchNorm layers (tracker.train.detector.freeze_batchnorm).
    out = head(feat(inp, training=False))
    return keras.Model(inp, out, name=f"fcn_detector_{feature}")


def _build_head(keras, channels: int, num_classes: int, width: int):
    inp = keras.Input((None, None, channels), name="features")
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name="head_conv3")(inp)
    x = keras.layers.BatchNormalization(name="head_bn")(x)
    x = keras.layers.ReLU(name="head_relu")(x)
    x = keras.layers.Conv2D(width, 1, activation="relu", name="head_conv1")(x)
    bias = np.zeros(5 + num_classes, np.float32)
    bias[0] = -np.log((1.0 - _OBJ_PRIOR) / _OBJ_PRIOR)
    out = keras.layers.Conv2D(
        5 + num_classes,
        1,
        name="head_out",
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
        bias_initializer=keras.initializers.Constant(bias),
    )(x)
    return keras.Model(inp, out, name="head")


# -- target encoding / decoding (numpy, shared by training and inference) ---------------------------


def encode_grid(
    xyxy: np.ndarray,
    class_ids: np.ndarray,
    grid_hw: tuple[int, int],
    stride: int,
    num_classes: int,
    anchor: float,
) -> np.ndarray:
    """Training target ``(gh, gw, 5 + C)`` for boxes in network-input pixels.

    Channel 0 is 1 at the cell holding an object's centre; 1:3 the centre offset in the cell in [0, 1);
    3:5 ``log(size / anchor)``; 5: a one-hot class. Boxes whose centre falls outside the grid are
    dropped; when two centres share a cell the larger box is kept.
    """
    gh, gw = int(grid_hw[0]), int(grid_hw[1])
    target = np.zeros((gh, gw, 5 + num_classes), np.float32)
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    cls = np.asarray(class_ids, np.int64).reshape(-1)
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    for i in np.argsort(w * h, kind="stable"):  # ascending area: larger boxes overwrite smaller ones
        if w[i] <= 0 or h[i] <= 0 or not 0 <= cls[i] < num_classes:
            continue
        gx = (boxes[i, 0] + boxes[i, 2]) / 2.0 / stride
        gy = (boxes[i, 1] + boxes[i, 3]) / 2.0 / stride
        col, row = int(np.floor(gx)), int(np.floor(gy))
        if not (0 <= col < gw and 0 <= row < gh):
            continue
        target[row, col, :] = 0.0
        target[row, col, 0] = 1.0
        target[row, col, 1] = gx - col
        target[row, col, 2] = gy - row
        target[row, col, 3] = np.log(w[i] / anchor)
        target[row, col, 4] = np.log(h[i] / anchor)
        target[row, col, 5 + cls[i]] = 1.0
    return target


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def decode_grid(
    grid: np.ndarray,
    stride: int,
    anchor: float,
    score_threshold: float = 0.3,
    from_logits: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells above ``score_threshold`` -> ``(xyxy, score, class_id)`` in network-input pixels (no NMS).

    ``grid`` is one image's ``(gh, gw, 5 + C)`` network output (``from_logits=True``) or a target made
    by :func:`encode_grid` (``from_logits=False``: probabilities and offsets already in [0, 1]).
    """
    g = np.asarray(grid, np.float64)
    if from_logits:
        obj = _sigmoid(g[..., 0])
        txy = _sigmoid(g[..., 1:3])
        logits = g[..., 5:] - g[..., 5:].max(axis=-1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=-1, keepdims=True)
    else:
        obj, txy, prob = g[..., 0], g[..., 1:3], g[..., 5:]
    cls = prob.argmax(axis=-1)
    score = obj * prob.max(axis=-1)
    rows, cols = np.nonzero(score > score_threshold)
    cx = (cols + txy[rows, cols, 0]) * stride
    cy = (rows + txy[rows, cols, 1]) * stride
    # Clip the log-size so that a wild untrained output cannot overflow into inf boxes.
    w = anchor * np.exp(np.clip(g[rows, cols, 3], -8.0, 8.0))
    h = anchor * np.exp(np.clip(g[rows, cols, 4], -8.0, 8.0))
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).reshape(-1, 4)
    return xyxy, score[rows, cols], cls[rows, cols].astype(np.int64)


# -- the detector stage --------------------------------------------------------------------------


class FcnDetector:
    """``frame_bgr -> Detections`` around a :func:`build_fcn_detector` network.

    Any frame size works. With ``input_size=None`` the frame keeps its scale and is zero-padded at the
    bottom/right to a multiple of 32; with ``input_size=(h, w)`` it is resized to that (rounded up to
    multiples of 32), which is how a detector trained at a fixed size sees the same object scale.
    """

    def __init__(
        self,
        model: Any,
        classes: Sequence[str],
        feature: str = "stride16",
        input_size: tuple[int, int] | None = None,
        anchor: float | None = None,
        score_threshold: float = 0.3,
        iou_threshold: float = 0.45,
        max_detections: int = 100,
        config: dict | None = None,
        keep_classes: Sequence[str] | str | None = None,
    ):
        if feature not in STRIDES:
            raise TrackerError(f"unknown feature {feature!r} (choose from {', '.join(STRIDES)})")
        self.model = model
        self.classes = [str(c) for c in classes]
        self.feature = feature
        self.stride = STRIDES[feature]
        self.input_size = None if input_size is None else (int(input_size[0]), int(input_size[1]))
        self.anchor = float(anchor if anchor is not None else default_anchor(feature))
        self.score_threshold = float(score_threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_detections = int(max_detections)
        self.config = dict(config or {})
        self._predict_fn = None
        self._keep = None
        if keep_classes is not None:
            names = keep_classes.split(",") if isinstance(keep_classes, str) else list(keep_classes)
            names = [str(c).strip() for c in names if str(c).strip()]
            unknown = [c for c in names if c not in self.classes]
            if unknown:
                raise TrackerError(f"unknown class {unknown[0]!r} for this detector (it knows {', '.join(self.classes)})")
            self._keep = np.array(sorted(self.classes.index(c) for c in names), np.int64)

    # -- inference --------------------------------------------------------------------------------
    def predict_grid(self, rgb: np.ndarray) -> np.ndarray:
        """Raw network output for a batch of RGB float images ``(B, H, W, 3)`` in [0, 255]."""
        import tensorflow as tf

        if self._predict_fn is None:
            model = self.model
            # One traced graph for every image size instead of a retrace per shape.
            self._predict_fn = tf.function(
                lambda x: model(x, training=False),
                input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)],
                autograph=False,  # nothing to convert, and AutoGraph cannot parse a lambda's source
            )
        return self._predict_fn(tf.convert_to_tensor(np.asarray(rgb, np.float32))).numpy()

    def prepare(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, float, float]:
        """Frame -> (network input RGB float ``(H', W', 3)``, x scale, y scale back to the frame)."""
        import cv2

        frame = np.asarray(frame_bgr)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
            raise TrackerError(f"detector expects a BGR frame of shape (H, W, 3), got {frame.shape}")
        h0, w0 = frame.shape[:2]
        rgb = frame[..., ::-1].astype(np.float32)
        if self.input_size is not None:
            h, w = (_round_up(v, 32) for v in self.input_size)
            if (h, w) != (h0, w0):
                rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA if h < h0 else cv2.INTER_LINEAR)
            return rgb, w0 / w, h0 / h
        h, w = _round_up(h0, 32), _round_up(w0, 32)
        if (h, w) != (h0, w0):
            rgb = np.pad(rgb, ((0, h - h0), (0, w - w0), (0, 0)))
        return rgb, 1.0, 1.0

    def decode(self, grid: np.ndarray, sx: float = 1.0, sy: float = 1.0, frame_hw=None) -> Detections:
        """One image's raw grid -> NMS'd ``Detections`` in frame pixels."""
        from ..nms import nms

        xyxy, score, cls = decode_grid(grid, self.stride, self.anchor, self.score_threshold)
        if self._keep is not None:
            ok = np.isin(cls, self._keep)
            xyxy, score, cls = xyxy[ok], score[ok], cls[ok]
        xyxy = xyxy * np.array([sx, sy, sx, sy])
        if frame_hw is not None:
            h0, w0 = frame_hw
            xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w0)
            xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h0)
        if len(xyxy):
            keep = nms(xyxy, score, cls, iou_threshold=self.iou_threshold, max_detections=self.max_detections)
            xyxy, score, cls = xyxy[keep], score[keep], cls[keep]
        labels = [self.classes[c] if 0 <= c < len(self.classes) else str(c) for c in cls]
        return Detections(xyxy, score, cls, data={"labels": labels})

    def __call__(self, frame_bgr: np.ndarray) -> Detections:
        rgb, sx, sy = self.prepare(frame_bgr)
        grid = self.predict_grid(rgb[None])[0]
        return self.decode(grid, sx, sy, np.asarray(frame_bgr).shape[:2])

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Detections]:
        """``Detections`` for each frame; same-sized inputs share one network call."""
        prepared = [self.prepare(f) for f in frames]
        if not prepared:
            return []
        if len({p[0].shape for p in prepared}) == 1:
            grids = self.predict_grid(np.stack([p[0] for p in prepared]))
        else:
            grids = [self.predict_grid(p[0][None])[0] for p in prepared]
        return [self.decode(g, sx, sy, np.asarray(f).shape[:2]) for g, (_, sx, sy), f in zip(grids, prepared, frames)]

    def __repr__(self) -> str:
        return (
            f"FcnDetector({len(self.classes)} classes, {self.feature}, input_size={self.input_size}, "
            f"conf={self.score_threshold}, iou={self.iou_threshold})"
        )

    # -- persistence -------------------------------------------------------------------------------
    def to_config(self) -> dict:
        cfg = dict(self.config)
        cfg.update(
            format=_FORMAT,
            classes=self.classes,
            feature=self.feature,
            input_size=None if self.input_size is None else list(self.input_size),
            anchor=self.anchor,
            score_threshold=self.score_threshold,
            iou_threshold=self.iou_threshold,
            max_detections=self.max_detections,
        )
        cfg.setdefault("backbone", "mobilenetv2")
        try:  # the network itself knows its head width best
            cfg["head_width"] = int(self.model.get_layer("head").get_layer("head_conv1").filters)
        except (AttributeError, ValueError):
            cfg.setdefault("head_width", 128)
        return cfg

    def save(self, directory: str | Path) -> Path:
        """Write ``model.weights.h5`` and ``config.json`` into ``directory`` (created if needed)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.model.save_weights(str(d / WEIGHTS_FILE))
        (d / CONFIG_FILE).write_text(json.dumps(self.to_config(), indent=2) + "\n")
        return d


def _round_up(v: int, m: int) -> int:
    return max(m, -(-int(v) // m) * m)


def is_fcn_detector_dir(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by :meth:`FcnDetector.save`."""
    cfg = Path(path) / CONFIG_FILE
    try:
        return cfg.is_file() and json.loads(cfg.read_text()).get("format") == _FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def load_fcn_detector(directory: str | Path, **overrides: Any) -> FcnDetector:
    """Load a detector written by :meth:`FcnDetector.save`; ``overrides`` replace config values
    (e.g. ``score_threshold=0.5``, ``input_size=None``; ``conf``/``iou`` are aliases of the
    thresholds and ``classes`` (names to keep) filters the output, as for every zoo detector)."""
    d = Path(directory)
    cfg_path = d / CONFIG_FILE
    if not cfg_path.is_file() or not (d / WEIGHTS_FILE).is_file():
        raise TrackerError(f"{d} is not a saved fcn detector (needs {CONFIG_FILE} and {WEIGHTS_FILE})")
    try:
        cfg = json.loads(cfg_path.read_text())
        if cfg.get("format") != _FORMAT:
            raise ValueError(f"format {cfg.get('format')!r}, expected {_FORMAT!r}")
        classes = list(cfg["classes"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TrackerError(f"malformed detector config {cfg_path}: {exc}") from None
    overrides = dict(overrides)
    keep = overrides.pop("classes", None)
    for alias, key in (("conf", "score_threshold"), ("iou", "iou_threshold")):
        if overrides.get(alias) is not None:
            overrides[key] = overrides.pop(alias)
        overrides.pop(alias, None)
    cfg.update(overrides)
    model = build_fcn_detector(
        len(classes), cfg.get("backbone", "mobilenetv2"), None, cfg["feature"], cfg.get("head_width", 128)
    )
    try:
        model.load_weights(str(d / WEIGHTS_FILE))
    except Exception as exc:  # Keras raises several types for a mismatched file
        raise TrackerError(f"cannot load detector weights {d / WEIGHTS_FILE}: {first_line(exc)}") from None
    return _from_config(model, cfg, keep)


def _from_config(model: Any, cfg: dict, keep_classes=None) -> FcnDetector:
    known = ("classes", "feature", "input_size", "anchor", "score_threshold", "iou_threshold", "max_detections")
    extra = {k: v for k, v in cfg.items() if k not in known and k != "format"}
    return FcnDetector(
        model,
        cfg["classes"],
        cfg["feature"],
        cfg.get("input_size"),
        cfg.get("anchor"),
        cfg.get("score_threshold", 0.3),
        cfg.get("iou_threshold", 0.45),
        cfg.get("max_detections", 100),
        config=extra,
        keep_classes=keep_classes,
    )


def build(
    path: str | Path | None = None,
    class_names: Sequence[str] = ("circle", "square", "triangle"),
    weights: str | Path | None = "imagenet",
    feature: str = "stride16",
    input_size: tuple[int, int] | None = None,
    head_width: int = 128,
    conf: float | None = None,
    iou: float | None = None,
    classes: Sequence[str] | str | None = None,
    **kwargs: Any,
) -> FcnDetector:
    """Zoo builder. ``path`` loads a detector trained by ``tracker train-detector``; without it, an
    untrained head for ``class_names`` on the ImageNet backbone (the starting point for training).
    ``conf``, ``iou`` and ``classes`` (names to keep) mean what they mean for every zoo detector."""
    if path is not None:
        return load_fcn_detector(path, conf=conf, iou=iou, classes=classes, **kwargs)
    model = build_fcn_detector(len(class_names), "mobilenetv2", weights, feature, head_width)
    if conf is not None:
        kwargs["score_threshold"] = conf
    if iou is not None:
        kwargs["iou_threshold"] = iou
    config = {"backbone": "mobilenetv2", "head_width": head_width}
    return FcnDetector(model, class_names, feature, input_size, config=config, keep_classes=classes, **kwargs)
