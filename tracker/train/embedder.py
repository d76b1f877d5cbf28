"""Fine-tune the appearance embedder on identity-labelled crops with a batch-hard triplet loss.

Data: ``DATA_DIR/<identity>/*.{jpg,png,...}``, one folder per identity (at least 2 identities with
at least 2 crops each). Each batch holds ``ids_per_batch`` identities x ``per_id`` crops; for every
anchor the loss takes its farthest same-identity crop and nearest other-identity crop (cosine
distance of the L2-normalised embeddings) and asks for ``margin`` between them. BatchNorm statistics
stay frozen (batches of a few identities are too small to estimate them).

The result folder holds ``embedder.json`` (layer, crop size, projection size) and
``embedder.weights.h5``; :func:`tracker.models.embedders.load_embedder` loads it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import TrackerError
from ..models.embedders.cnn import build_model
from .result import TrainResult

__all__ = ["build_model", "load_identity_folder", "separation", "train_embedder", "TrainResult", "batch_hard_triplet_loss"]

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def load_identity_folder(data_dir: str | Path, crop_size) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(images (N, h, w, 3) RGB uint8, labels (N,), identity names)`` from a folder per identity."""
    import cv2

    root = Path(data_dir)
    if not root.is_dir():
        raise TrackerError(f"training data folder not found: {root}")
    names, images, labels = [], [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(f for f in sub.iterdir() if f.suffix.lower() in IMAGE_EXTS)
        if not files:
            continue
        for f in files:
            img = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if img is None:
                raise TrackerError(f"cannot read image {f}")
            img = cv2.resize(img, (crop_size[1], crop_size[0]), interpolation=cv2.INTER_AREA)
            images.append(img[:, :, ::-1])
            labels.append(len(names))
        names.append(sub.name)
    counts = np.bincount(labels, minlength=len(names)) if labels else np.zeros(0, int)
    if len(names) < 2 or (counts >= 2).sum() < 2:
        raise TrackerError(f"{root}: need at least 2 identity folders with 2 or more images each")
    return np.stack(images), np.asarray(labels), names


def batch_hard_triplet_loss(emb, labels, margin: float):
    """Mean over anchors of ``max(0, hardest positive distance - hardest negative distance + margin)``."""
    import tensorflow as tf

    dist = 1.0 - tf.matmul(emb, emb, transpose_b=True)
    same = tf.equal(labels[:, None], labels[None, :])
    eye = tf.eye(tf.shape(labels)[0], dtype=tf.bool)
    pos = tf.reduce_max(tf.where(same & ~eye, dist, -1.0), axis=1)
    neg = tf.reduce_min(tf.where(same, 3.0, dist), axis=1)
    return tf.reduce_mean(tf.nn.relu(pos - neg + margin))


def separation(emb: np.ndarray, labels: np.ndarray) -> dict:
    """Mean same/different cosine distances, their gap, and ROC AUC of distance as a same-identity test."""
    from scipy.stats import rankdata

    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    d = 1.0 - emb @ emb.T
    iu = np.triu_indices(len(emb), 1)
    same = labels[iu[0]] == labels[iu[1]]
    s, o = d[iu][same], d[iu][~same]
    r = rankdata(np.concatenate([s, o]))
    auc = 1.0 - (r[: len(s)].sum() - len(s) * (len(s) + 1) / 2) / (len(s) * len(o))
    return {"same": float(s.mean()), "diff": float(o.mean()), "gap": float(o.mean() - s.mean()), "auc": float(auc)}


def _embed_all(model, images: np.ndarray, batch: int = 64) -> np.ndarray:
    out = [np.asarray(model(images[i : i + batch].astype(np.float32), training=False)) for i in range(0, len(images), batch)]
    return np.concatenate(out)


def train_embedder(
    data_dir: str | Path,
    out_dir: str | Path,
    epochs: int = 10,
    steps_per_epoch: int | None = None,
    layer: str | None = None,
    crop_size=None,
    dim: int | None = None,
    lr: float = 1e-4,
    margin: float = 0.3,
    ids_per_batch: int = 6,
    per_id: int = 4,
    val_fraction: float = 0.25,
    seed: int = 0,
    init_weights: Any = "imagenet",
    log: Callable[[str], None] | None = print,
) -> TrainResult:
    """Fine-tune on ``data_dir`` and write a ``load_embedder``-loadable folder to ``out_dir``.

    Separation (see :func:`separation`) is measured on a held-out ``val_fraction`` of each identity's
    crops before and after training and returned as ``metrics["before"]`` and ``metrics["after"]`` (and
    stored in ``embedder.json``).
    """
    from ..quiet import quiet_libraries

    quiet_libraries()  # the first TensorFlow import of a library run prints start-up chatter
    import keras
    import tensorflow as tf

    from ..models.embedders.cnn import DEFAULT_CROP, DEFAULT_LAYER

    layer = layer or DEFAULT_LAYER
    crop = tuple(int(v) for v in (crop_size or DEFAULT_CROP))
    images, labels, names = load_identity_folder(data_dir, crop)
    rng = np.random.default_rng(seed)
    val = np.zeros(len(labels), bool)
    for lab in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == lab))
        n_val = int(round(len(idx) * val_fraction)) if len(idx) >= 4 else 0
        val[idx[:n_val]] = True
    tr_x, tr_y = images[~val], labels[~val]
    va_x, va_y = (images[val], labels[val]) if val.sum() >= 2 and len(np.unique(labels[val])) >= 2 else (tr_x, tr_y)

    keras.utils.set_random_seed(seed)
    model = build_model(layer, crop, weights=init_weights, dim=dim)
    for lyr in model.layers:
        if isinstance(lyr, keras.layers.BatchNormalization):
            lyr.trainable = False
    before = separation(_embed_all(model, va_x), va_y)
    if log:
        log(f"{len(tr_y)} training / {int(val.sum())} held-out crops of {len(names)} identities; "
            f"before: same {before['same']:.3f} diff {before['diff']:.3f} AUC {before['auc']:.3f}")

    optimizer = keras.optimizers.Adam(lr)
    variables = model.trainable_variables

    @tf.function(reduce_retracing=True)
    def step(x, y):
        x = tf.image.random_flip_left_right(x)
        x = x * tf.random.uniform([tf.shape(x)[0], 1, 1, 1], 0.8, 1.2)  # lighting changes between cameras/frames
        with tf.GradientTape() as tape:
            emb = tf.math.l2_normalize(model(x, training=True), axis=1)
            loss = batch_hard_triplet_loss(emb, y, margin)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    ids = np.unique(tr_y)
    by_id = {lab: np.flatnonzero(tr_y == lab) for lab in ids}
    steps = steps_per_epoch or max(1, len(tr_y) // (min(ids_per_batch, len(ids)) * per_id))
    history = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        losses = []
        for _ in range(steps):
            chosen = rng.choice(ids, size=min(ids_per_batch, len(ids)), replace=False)
            pick = np.concatenate([rng.choice(by_id[c], per_id, replace=len(by_id[c]) < per_id) for c in chosen])
            losses.append(float(step(tf.constant(tr_x[pick], tf.float32), tf.constant(tr_y[pick], tf.int32))))
        history.append(float(np.mean(losses)))
        if log:
            log(f"epoch {epoch + 1}/{epochs}: triplet loss {history[-1]:.4f}")
    after = separation(_embed_all(model, va_x), va_y)
    seconds = time.perf_counter() - t0
    if log:
        log(f"after: same {after['same']:.3f} diff {after['diff']:.3f} AUC {after['auc']:.3f} ({seconds:.1f} s)")

    from ..models.embedders import CONFIG_NAME, WEIGHTS_NAME

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(out / WEIGHTS_NAME))
    cfg = {
        "backbone": "mobilenetv2",
        "layer": layer,
        "crop_size": list(crop),
        "dim": dim,
        "input": "RGB float32 0..255",
        "identities": names,
        "epochs": epochs,
        "separation_before": before,
        "separation_after": after,
        "loss_history": history,
    }
    (out / CONFIG_NAME).write_text(json.dumps(cfg, indent=2))
    return TrainResult(model, out, list(names), {"before": before, "after": after},
                       [{"loss": v} for v in history], seconds, n_train=len(tr_y), n_val=int(val.sum()))  # fmt: skip
