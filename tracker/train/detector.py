"""Transfer learning for the sliding-grid detector (:mod:`tracker.models.detectors.fcn`).

Two phases, as in the chapter: first the ImageNet backbone is frozen and only the head learns (the
backbone then is a fixed function, so its features are computed once per image and cached, which makes
these epochs nearly free on a CPU); then everything but the BatchNorm statistics is fine-tuned at a lower
learning rate. Horizontal flips double the data (targets are re-encoded from the flipped boxes, not flipped
cell by cell); frozen epochs see both copies, fine-tuning epochs one of the two per image at random.

Loss per image batch, normalised by the number of positive cells (objects):
binary cross-entropy on objectness at every cell; at positive cells, BCE on the centre offsets
(targets in [0, 1]), Huber on the log sizes and softmax cross-entropy on the class. The box terms
weigh 4x: on 500 generated shapes that raised held-out mAP@[.5:.95] from 0.53 to 0.59 (frozen phase only).

At the end the detector is evaluated on the held-out split with pycocotools
(:func:`tracker.eval.detection.evaluate_detections`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import TrackerError
from .datasets import DetectionDataset
from .result import TrainResult

__all__ = ["train_detector", "detection_loss", "evaluate_detector", "random_box_map", "freeze_batchnorm", "TrainResult"]


def detection_loss(y_true, y_pred, box_weight: float = 1.0):
    """``(total, objectness, box, class)`` losses of a batch of grids ``(B, gh, gw, 5 + C)``;
    ``total = objectness + box_weight * box + class``."""
    import tensorflow as tf

    y_true = tf.cast(y_true, tf.float32)
    y_pred = tf.cast(y_pred, tf.float32)
    pos = y_true[..., 0]
    npos = tf.maximum(tf.reduce_sum(pos), 1.0)
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    obj = tf.reduce_sum(bce(labels=pos, logits=y_pred[..., 0])) / npos
    # BCE against soft targets bottoms out at the targets' entropy; subtracting it makes a perfect
    # offset cost 0 (the gradient is unchanged), so the printed box loss reads as an error.
    t = tf.clip_by_value(y_true[..., 1:3], 1e-6, 1.0 - 1e-6)
    entropy = -(t * tf.math.log(t) + (1.0 - t) * tf.math.log(1.0 - t))
    xy_bce = bce(labels=y_true[..., 1:3], logits=y_pred[..., 1:3]) - entropy
    xy = tf.reduce_sum(pos[..., None] * xy_bce) / npos
    d = tf.abs(y_true[..., 3:5] - y_pred[..., 3:5])
    huber = tf.where(d < 1.0, 0.5 * d * d, d - 0.5)
    wh = tf.reduce_sum(pos[..., None] * huber) / npos
    ce = tf.nn.softmax_cross_entropy_with_logits(labels=y_true[..., 5:], logits=y_pred[..., 5:])
    cls = tf.reduce_sum(pos * ce) / npos
    box = xy + wh
    return obj + box_weight * box + cls, obj, box, cls


def _load_arrays(ds: DetectionDataset, hw: tuple[int, int], stride: int, anchor: float, flip: bool):
    """Images resized to ``hw`` (RGB uint8) and their grid targets; flipped copies appended if ``flip``."""
    import cv2

    from ..models.detectors.fcn import encode_grid

    h, w = hw
    gh, gw = h // stride, w // stride
    n = len(ds)
    copies = 2 if flip else 1
    x = np.zeros((n * copies, h, w, 3), np.uint8)
    y = np.zeros((n * copies, gh, gw, 5 + len(ds.classes)), np.float32)
    for i, ex in enumerate(ds.examples):
        img = ex.load()
        h0, w0 = img.shape[:2]
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if h < h0 else cv2.INTER_LINEAR)
        x[i] = img[..., ::-1]
        boxes = ex.xyxy * np.array([w / w0, h / h0, w / w0, h / h0])
        y[i] = encode_grid(boxes, ex.class_ids, (gh, gw), stride, len(ds.classes), anchor)
        if flip:
            x[n + i] = x[i, :, ::-1]
            fb = boxes.copy()
            fb[:, [0, 2]] = w - boxes[:, [2, 0]]
            y[n + i] = encode_grid(fb, ex.class_ids, (gh, gw), stride, len(ds.classes), anchor)
    return x, y


def _run_epochs(step, batches, n_epochs: int, first: int, total: int, phase: str, log, history: list) -> None:
    for e in range(n_epochs):
        t0 = time.time()
        sums = np.zeros(4)
        count = 0
        for xb, yb in batches(e):
            sums += np.array([float(v) for v in step(xb, yb)])
            count += 1
        m = sums / max(count, 1)
        rec = {"epoch": first + e + 1, "phase": phase, "loss": float(m[0]), "obj": float(m[1]), "box": float(m[2]), "cls": float(m[3]), "seconds": time.time() - t0}
        history.append(rec)
        log(
            f"epoch {rec['epoch']}/{total} [{phase}] loss {m[0]:.4f} "
            f"(obj {m[1]:.4f} box {m[2]:.4f} cls {m[3]:.4f}) {rec['seconds']:.1f}s"
        )


def _batches(x, y, batch_size: int, seed: int, pairs: int = 0):
    """Per-epoch shuffled ``tf.data`` batches. With ``pairs`` = N (arrays hold N originals then N flipped
    copies), an epoch visits each image once, flipped or not at random, so the costly fine-tuning epochs
    do not pay for both copies."""
    import tensorflow as tf

    xt, yt = tf.constant(x), tf.constant(y)

    def epoch(e: int):
        rng = np.random.default_rng([seed, e])
        if pairs:
            idx = rng.permutation(pairs) + pairs * rng.integers(0, 2, pairs)
        else:
            idx = rng.permutation(len(x))
        ds = tf.data.Dataset.from_tensor_slices(idx).batch(batch_size)
        return ds.map(lambda j: (tf.gather(xt, j), tf.gather(yt, j))).prefetch(1)

    return epoch


def freeze_batchnorm(model) -> None:
    """Keep every BatchNormalization layer in inference mode with its statistics frozen.

    Keras 3 runs a non-trainable BatchNormalization in inference mode even inside ``training=True``
    calls, and it overrides a ``training=False`` recorded when a functional model was built, so this
    is how a fine-tuned backbone keeps its ImageNet statistics (small batches of one synthetic domain
    would otherwise replace them and undo what the frozen phase learnt).
    """
    import keras

    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def _make_step(model, optimizer, box_weight: float = 1.0):
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            pred = model(tf.cast(xb, tf.float32), training=True)
            losses = detection_loss(yb, pred, box_weight)
        grads = tape.gradient(losses[0], model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return losses

    return step


def train_detector(
    train: DetectionDataset,
    val: DetectionDataset | None = None,
    out_dir: str | Path | None = None,
    epochs: int = 10,
    freeze_epochs: int = 5,
    input_size: tuple[int, int] = (192, 192),
    feature: str = "stride16",
    batch_size: int = 16,
    lr: float = 1e-3,
    fine_tune_lr: float = 1e-4,
    weights: str | Path | None = "imagenet",
    head_width: int = 128,
    flip: bool = True,
    box_weight: float = 4.0,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train a :class:`~tracker.models.detectors.fcn.FcnDetector` on ``train``; evaluate on ``val``.

    Args:
        epochs: total epochs; the first ``freeze_epochs`` train the head on a frozen backbone, the
            rest fine-tune everything at ``fine_tune_lr``.
        input_size: ``(h, w)`` every image is resized to (rounded up to multiples of 32); saved in the
            detector, which resizes frames the same way.
        out_dir: where to save the detector (``config.json``, weights, ``metrics.json``); None: don't.
        box_weight: weight of the box terms (centre offsets + log sizes) against objectness and class.

    Returns:
        :class:`~tracker.train.result.TrainResult` with the detector, per-epoch losses and the held-out metrics
        (``map50``, ``map``) when ``val`` is given.
    """
    from ..models.detectors.fcn import STRIDES, FcnDetector, build_fcn_detector, default_anchor

    if len(train) == 0:
        raise TrackerError("the training set is empty")
    if epochs < 1 or not 0 <= freeze_epochs <= epochs:
        raise TrackerError(f"need epochs >= 1 and 0 <= freeze-epochs <= epochs (got {epochs}, {freeze_epochs})")
    if val is not None and list(val.classes) != list(train.classes):
        raise TrackerError(f"validation classes {val.classes} differ from training classes {train.classes}")
    if feature not in STRIDES:
        raise TrackerError(f"unknown feature {feature!r} (choose from {', '.join(STRIDES)})")
    from ..quiet import quiet_libraries

    quiet_libraries()  # the first TensorFlow import of a library run prints start-up chatter
    import keras
    import tensorflow as tf

    t_start = time.time()
    keras.utils.set_random_seed(seed)
    hw = tuple(max(32, -(-int(v) // 32) * 32) for v in input_size)
    stride, anchor = STRIDES[feature], default_anchor(feature)
    x, y = _load_arrays(train, hw, stride, anchor, flip)
    n_obj = int(y[: len(train), ..., 0].sum())
    log(f"training on {len(train)} images ({n_obj} objects kept on the grid) at {hw[1]}x{hw[0]}, {len(train.classes)} classes")

    model = build_fcn_detector(len(train.classes), "mobilenetv2", weights, feature, head_width)
    backbone, head = model.get_layer("backbone"), model.get_layer("head")
    history: list[dict] = []

    if freeze_epochs:
        backbone.trainable = False
        t0 = time.time()
        # The frozen backbone is a fixed function: run it once per image instead of once per epoch.
        feats = np.concatenate([backbone(tf.constant(x[i : i + 32], tf.float32), training=False).numpy() for i in range(0, len(x), 32)])
        log(f"cached frozen-backbone features {feats.shape[1:]} for {len(x)} images in {time.time() - t0:.1f}s")
        batches = _batches(feats, y, batch_size, seed)
        _run_epochs(_make_step(head, keras.optimizers.Adam(lr), box_weight), batches, freeze_epochs, 0, epochs, "frozen", log, history)
        del feats
    if epochs > freeze_epochs:
        backbone.trainable = True
        freeze_batchnorm(backbone)
        # A new optimizer: Keras optimizers only update the variables they were built with.
        rate = fine_tune_lr if freeze_epochs else lr
        batches = _batches(x, y, batch_size, seed + 1, pairs=len(train) if flip else 0)
        _run_epochs(_make_step(model, keras.optimizers.Adam(rate), box_weight), batches, epochs - freeze_epochs, freeze_epochs, epochs, "fine-tune", log, history)

    detector = FcnDetector(
        model, train.classes, feature, hw, anchor, config={"backbone": "mobilenetv2", "head_width": head_width}
    )
    result = TrainResult(detector, None if out_dir is None else Path(out_dir), list(train.classes), history=history,
                         n_train=len(train), n_val=len(val) if val is not None else 0)  # fmt: skip
    if val is not None and len(val):
        result.metrics = evaluate_detector(detector, val)
        log(
            f"held-out mAP@0.5 {result.metrics['map50']:.3f}  mAP@[.5:.95] {result.metrics['map']:.3f} "
            f"({len(val)} images, {result.metrics['n_gt']} objects)"
        )
    result.seconds = time.time() - t_start
    if out_dir is not None:
        detector.save(out_dir)
        report = {"metrics": result.metrics, "history": history, "seconds": result.seconds, "train_images": len(train)}
        (Path(out_dir) / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        log(f"saved detector to {out_dir}")
    return result


def evaluate_detector(detector: Any, dataset: DetectionDataset, score_threshold: float = 0.05) -> dict:
    """COCO mAP of ``detector`` on ``dataset`` (a low score threshold, as mAP ranks by score)."""
    from ..eval.detection import evaluate_detections

    saved = getattr(detector, "score_threshold", None)
    if saved is not None:
        detector.score_threshold = score_threshold
    try:
        dets = [detector(ex.load()) for ex in dataset.examples]
    finally:
        if saved is not None:
            detector.score_threshold = saved
    return evaluate_detections(dataset.to_coco(), dets)


def random_box_map(dataset: DetectionDataset, boxes_per_image: int = 10, seed: int = 0) -> dict:
    """The chance level: mAP of random boxes (random class, size and score) scored the same way."""
    from ..eval.detection import evaluate_detections
    from ..detections import Detections

    rng = np.random.default_rng(seed)
    dets = []
    for ex in dataset.examples:
        w, h = ex.width or 256, ex.height or 256
        if not ex.width:
            h, w = ex.load().shape[:2]
        s = rng.uniform(0.05, 0.4, (boxes_per_image, 2)) * [w, h]
        c = rng.uniform(0, 1, (boxes_per_image, 2)) * [w, h]
        xyxy = np.concatenate([c - s / 2, c + s / 2], axis=1)
        dets.append(Detections(xyxy, rng.uniform(0, 1, boxes_per_image), rng.integers(0, len(dataset.classes), boxes_per_image)))
    return evaluate_detections(dataset.to_coco(), dets)
