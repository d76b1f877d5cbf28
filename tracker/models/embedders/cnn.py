"""Appearance embeddings of detections: one batched crop + CNN + pooling + L2 norm per frame.

``Embedder(frame_bgr, detections) -> (N, D) float32`` unit vectors, ``(0, D)`` when there is nothing
to embed. All boxes of a frame are cropped in one ``tf.image.crop_and_resize`` call and run through the
network as one batch inside a single ``tf.function`` whose input signature leaves the batch size open,
so it is traced once whatever the number of detections.

Boxes are xyxy pixels; they are clipped to the frame first, so a box partly outside embeds its visible
part and one wholly outside (or of zero area) embeds the edge pixels it collapses onto; the result is
always a finite unit vector.

The default (``Embedder()``, zoo name ``mobilenetv2``) crops to 64x32 (height x width, person-shaped)
and average-pools ImageNet MobileNetV2 features after block 17 (``f17_out``, 320 channels). Chosen with
``benchmarks/embed_identity.py`` on real people: ROC AUC of same- vs different-person cosine distance
0.909 (128x64 crops: 0.916, at about 3x the cost), with the widest same/different gap of the layers
tried. At 64x32, 10 people cost 0.1-0.25x NanoDet's time per frame on the project's 2-core CPU
(``benchmarks/embed_speed.py``); 128x64 crops cost 0.3-0.8x.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...errors import TrackerError
from .crops import frame_and_boxes

__all__ = ["Embedder", "DEFAULT_CROP", "DEFAULT_LAYER", "truncated_mobilenetv2", "build_model"]

DEFAULT_CROP = (64, 32)
DEFAULT_LAYER = "f17_out"


def truncated_mobilenetv2(layer: str = DEFAULT_LAYER, weights: Any = "imagenet", crop_size=DEFAULT_CROP) -> Any:
    """MobileNetV2 (RGB float 0..255 in) cut after ``layer`` and globally average-pooled: ``(N, C)`` out."""
    import keras

    from ..backbones import _build_mobilenetv2, _load_npz, MOBILENETV2_WEIGHTS

    # BatchNorm folded into the convolutions: ~15-30% faster, and fine-tuning then keeps BN statistics
    # frozen, as small identity batches need.
    base = _build_mobilenetv2((crop_size[0], crop_size[1], 3), 1.0, fold_bn=True)
    if weights == "imagenet":
        _load_npz(base, MOBILENETV2_WEIGHTS)
    elif weights is not None:
        base.load_weights(str(weights))
    try:
        feat = base.get_layer(layer).output
    except ValueError:
        raise TrackerError(f"mobilenetv2 has no layer {layer!r} (e.g. f13_out, f16_out, f17_out, f18_relu)") from None
    pooled = keras.layers.GlobalAveragePooling2D(name="gap")(feat)
    return keras.Model(base.input, pooled, name=f"mobilenetv2_{layer}_gap")


def build_model(layer: str, crop_size, weights: Any = "imagenet", dim: int | None = None) -> Any:
    """Truncated MobileNetV2 + pooling (+ a linear projection to ``dim`` if given): RGB 0..255 -> (N, D)."""
    import keras

    base = truncated_mobilenetv2(layer, weights=weights, crop_size=tuple(crop_size))
    if not dim:
        return base
    out = keras.layers.Dense(int(dim), use_bias=False, name="projection")(base.output)
    return keras.Model(base.input, out, name=f"{base.name}_proj{dim}")


class Embedder:
    """Embeds every detection of a frame with a CNN feature extractor.

    Args:
        model: callable mapping a float32 RGB batch ``(N, h, w, 3)`` to ``(N, D)`` features (or to
            ``(N, h', w', D)`` maps, which are average-pooled). Defaults to :func:`truncated_mobilenetv2`.
        crop_size: ``(height, width)`` crops are resized to.
        input_scale: multiplies pixel values (0..255) before ``model``; 1/255 for TF-Hub style models.
        name: shown in ``repr`` and logs.
    """

    def __init__(
        self,
        model: Callable | None = None,
        crop_size: tuple[int, int] = DEFAULT_CROP,
        input_scale: float = 1.0,
        name: str = "mobilenetv2",
    ):
        import tensorflow as tf

        self.model = model if model is not None else truncated_mobilenetv2(crop_size=crop_size)
        self.crop_size = (int(crop_size[0]), int(crop_size[1]))
        self.input_scale = float(input_scale)
        self.name = name
        self._embed = tf.function(
            self._embed_graph,
            input_signature=[
                tf.TensorSpec([None, None, 3], tf.uint8, name="frame_bgr"),
                tf.TensorSpec([None, 4], tf.float32, name="boxes_yxyx_norm"),
            ],
            reduce_retracing=True,
        )
        # TensorFlow's retracing warning formats repr(self) during this first trace, so dim must exist.
        self.dim: int | None = None
        self.dim = int(self._embed(tf.zeros([8, 8, 3], tf.uint8), tf.constant([[0, 0, 1, 1]], tf.float32)).shape[-1])

    def _embed_graph(self, frame_bgr, boxes):
        import tensorflow as tf

        n = tf.shape(boxes)[0]
        crops = tf.image.crop_and_resize(
            frame_bgr[None], boxes, tf.zeros([n], tf.int32), self.crop_size, method="bilinear"
        )
        rgb = tf.reverse(crops, axis=[-1])
        if self.input_scale != 1.0:
            rgb = rgb * self.input_scale
        feats = self.model(rgb, training=False) if _is_keras(self.model) else self.model(rgb)
        if isinstance(feats, dict):  # SavedModel signatures return a dict of one tensor
            feats = next(iter(feats.values()))
        feats = tf.cast(feats, tf.float32)
        if feats.shape.rank == 4:
            feats = tf.reduce_mean(feats, axis=[1, 2])
        # A feature vector that is all zero (possible after ReLU on a blank crop) still gets unit length.
        feats = tf.where(tf.reduce_sum(tf.abs(feats), axis=1, keepdims=True) > 1e-12, feats, tf.ones_like(feats))
        return tf.math.l2_normalize(feats, axis=1)

    def __call__(self, frame_bgr: np.ndarray, detections: Any) -> np.ndarray:
        """Unit-length embeddings, one row per detection (``Detections`` or an ``(N, 4)`` xyxy array)."""
        frame, boxes = frame_and_boxes(frame_bgr, detections)
        if len(boxes) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._embed(frame, boxes).numpy()

    def __repr__(self) -> str:
        return f"Embedder({self.name}, crop={self.crop_size[0]}x{self.crop_size[1]}, dim={self.dim})"


def _is_keras(model: Any) -> bool:
    try:
        import keras

        return isinstance(model, keras.Model) or isinstance(model, keras.layers.Layer)
    except ImportError:  # pragma: no cover
        return False
