"""FCN-8s semantic segmentation (Long, Shelhamer & Darrell, 2015) on the zoo's MobileNetV2 backbone.

Head, as in the paper: 1x1 class scores on the stride-32 features; upsample x2 with a ``Conv2DTranspose``
initialised to bilinear interpolation; add 1x1 scores of the stride-16 features; x2 again and add
scores of the stride-8 features; then x8 back to the input. The skip scorers start at zero, so an untrained
FCN-8s begins as FCN-32s and learns to use the finer features. The final x8 stays fixed bilinear (the paper
found learning it brought nothing).

Any input size works, odd ones too: the image is zero-padded at the bottom/right to a multiple of 32
inside the model, so every stride divides exactly and the skips line up, and the logits are cropped
back to the input's height and width.

TensorFlow/Keras are imported inside functions; importing this module is cheap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import TrackerError, first_line

__all__ = ["bilinear_kernel", "build_fcn8s", "FcnSegmenter", "fcn8s"]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"


def bilinear_kernel(factor: int, channels: int) -> np.ndarray:
    """``Conv2DTranspose`` kernel ``(k, k, channels, channels)`` that upsamples each channel bilinearly.

    With ``kernel_size = 2 * factor``, ``strides = factor`` and ``padding="same"`` this reproduces
    half-pixel bilinear interpolation (output pixel ``o`` samples input ``(o + 0.5) / factor - 0.5``)
    away from the borders, where the missing neighbours count as zero.
    """
    size = 2 * factor - factor % 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    og = np.arange(size, dtype=np.float64)
    filt1d = 1.0 - np.abs(og - centre) / factor
    filt = np.outer(filt1d, filt1d).astype(np.float32)
    kernel = np.zeros((size, size, channels, channels), np.float32)
    for c in range(channels):
        kernel[:, :, c, c] = filt
    return kernel


def _layers():
    """Custom layers, defined lazily so that Keras is imported only when a model is built."""
    import keras
    import tensorflow as tf

    class PadToMultiple(keras.layers.Layer):
        """Zero-pad height and width at the bottom/right up to a multiple of ``multiple``."""

        def __init__(self, multiple: int, **kwargs):
            super().__init__(**kwargs)
            self.multiple = multiple

        def call(self, x):
            shape = tf.shape(x)
            ph = (-shape[1]) % self.multiple
            pw = (-shape[2]) % self.multiple
            return tf.pad(x, [[0, 0], [0, ph], [0, pw], [0, 0]])

        def compute_output_shape(self, input_shape):
            return (input_shape[0], None, None, input_shape[3])

    class CropLike(keras.layers.Layer):
        """Crop ``x`` to the height and width of ``ref`` (top-left anchored)."""

        def call(self, x, ref):
            shape = tf.shape(ref)
            return x[:, : shape[1], : shape[2], :]

        def compute_output_shape(self, x_shape, ref_shape):
            return (x_shape[0], ref_shape[1], ref_shape[2], x_shape[3])

    return keras, PadToMultiple, CropLike


def build_fcn8s(num_classes: int, backbone_weights: str | Path | None = "imagenet", alpha: float = 1.0) -> Any:
    """FCN-8s as a ``keras.Model``: RGB float32 in [0, 255], shape ``(B, H, W, 3)`` -> logits ``(B, H, W, C)``.

    Args:
        num_classes: number of classes including background.
        backbone_weights: passed to :func:`tracker.models.backbones.mobilenetv2` (``"imagenet"``, ``None``
            or a path). The backbone is the model's layer named ``"backbone"``, for freezing.
        alpha: MobileNetV2 width multiplier.
    """
    from ..backbones import mobilenetv2

    if int(num_classes) < 2:
        raise TrackerError(f"FCN-8s needs at least 2 classes (background + one), got {num_classes}")
    c = int(num_classes)
    keras, PadToMultiple, CropLike = _layers()
    backbone = mobilenetv2(weights=backbone_weights, input_shape=(None, None, 3), alpha=alpha)
    backbone.name = "backbone"

    inp = keras.Input(shape=(None, None, 3), name="rgb")
    x = PadToMultiple(32, name="pad32")(inp)
    feats = backbone(x)
    score32 = keras.layers.Conv2D(c, 1, name="score_stride32")(feats["stride32"])
    up2 = _upsample(keras, score32, 2, c, "up2_stride32", trainable=True)
    score16 = keras.layers.Conv2D(c, 1, kernel_initializer="zeros", name="score_stride16")(feats["stride16"])
    fuse16 = keras.layers.Add(name="fuse_stride16")([up2, score16])
    up4 = _upsample(keras, fuse16, 2, c, "up2_stride16", trainable=True)
    score8 = keras.layers.Conv2D(c, 1, kernel_initializer="zeros", name="score_stride8")(feats["stride8"])
    fuse8 = keras.layers.Add(name="fuse_stride8")([up4, score8])
    up8 = _upsample(keras, fuse8, 8, c, "up8", trainable=False)
    logits = CropLike(name="crop_to_input")(up8, inp)
    return keras.Model(inp, logits, name="fcn8s")


def _upsample(keras, x, factor: int, channels: int, name: str, trainable: bool):
    kernel = bilinear_kernel(factor, channels)
    layer = keras.layers.Conv2DTranspose(
        channels,
        kernel.shape[0],
        strides=factor,
        padding="same",
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(kernel),
        name=name,
    )
    layer.trainable = trainable
    return layer(x)


class FcnSegmenter:
    """Segmenter interface around an FCN-8s model: ``seg(frame_bgr) -> (H, W, C) float32`` probabilities.

    Args:
        model: the Keras model from :func:`build_fcn8s`.
        classes: class names, ``classes[0]`` the background.
        input_size: ``(height, width)`` the frame is resized to before the network (the scale it was
            trained at); ``None`` runs at the frame's own resolution. Output is always at the frame's size.
        config: extra facts saved with the model (backbone, alpha, training metrics).
    """

    def __init__(self, model: Any, classes: Sequence[str], input_size: tuple[int, int] | None = None, config: dict | None = None):
        self.model = model
        self.classes = list(classes)
        self.input_size = None if input_size is None else (int(input_size[0]), int(input_size[1]))
        self.config = dict(config or {})
        self._predict = None

    @classmethod
    def build(cls, classes: Sequence[str], backbone_weights="imagenet", alpha: float = 1.0, input_size=None) -> "FcnSegmenter":
        """A fresh (untrained head) segmenter for ``classes``."""
        model = build_fcn8s(len(classes), backbone_weights=backbone_weights, alpha=alpha)
        return cls(model, classes, input_size, {"arch": "fcn8s", "backbone": "mobilenetv2", "alpha": alpha})

    def logits(self, rgb_batch: np.ndarray) -> np.ndarray:
        """Raw logits for an RGB float batch in [0, 255], ``(B, H, W, 3) -> (B, H, W, C)``."""
        if self._predict is None:
            import tensorflow as tf

            self._predict = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)
        return np.asarray(self._predict(np.asarray(rgb_batch, np.float32)))

    def __call__(self, frame_bgr: np.ndarray) -> np.ndarray:
        import cv2

        frame_bgr = np.asarray(frame_bgr)
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.size == 0:
            raise TrackerError(f"expected a BGR frame of shape (H, W, 3), got {frame_bgr.shape}")
        h, w = frame_bgr.shape[:2]
        rgb = frame_bgr[:, :, ::-1]
        if self.input_size is not None and (h, w) != self.input_size:
            rgb = cv2.resize(np.ascontiguousarray(rgb), self.input_size[::-1], interpolation=cv2.INTER_AREA)
        logits = self.logits(rgb[None].astype(np.float32))[0]
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        prob = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
        if prob.shape[:2] != (h, w):
            prob = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
            prob = prob.reshape(h, w, -1)
            prob /= prob.sum(axis=-1, keepdims=True)
        return prob

    def predict_labels(self, frame_bgr: np.ndarray) -> np.ndarray:
        """``(H, W)`` int class ids (argmax of the probabilities)."""
        return self(frame_bgr).argmax(axis=-1)

    def save(self, folder: str | Path) -> Path:
        """Write ``config.json`` and ``model.weights.h5`` into ``folder`` (created if needed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            **self.config,
            "arch": "fcn8s",
            "classes": self.classes,
            "input_size": None if self.input_size is None else list(self.input_size),
        }
        config.setdefault("backbone", "mobilenetv2")
        config.setdefault("alpha", 1.0)
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        self.model.save_weights(str(folder / WEIGHTS_FILE))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "FcnSegmenter":
        """Rebuild a segmenter saved by :meth:`save` (no download: the backbone is built empty)."""
        folder = Path(folder)
        cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
        if not cfg_path.is_file() or not w_path.is_file():
            raise TrackerError(f"{folder} is not a saved FCN segmenter (needs {CONFIG_FILE} and {WEIGHTS_FILE})")
        try:
            config = json.loads(cfg_path.read_text())
            classes = list(config["classes"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TrackerError(f"{cfg_path}: malformed config ({exc})") from None
        if config.get("arch") != "fcn8s":
            raise TrackerError(f"{cfg_path}: unsupported arch {config.get('arch')!r} (expected 'fcn8s')")
        model = build_fcn8s(len(classes), backbone_weights=None, alpha=float(config.get("alpha", 1.0)))
        try:
            model.load_weights(str(w_path))
        except Exception as exc:  # Keras raises several types for a mismatching file
            raise TrackerError(f"cannot load {w_path}: {first_line(exc)}") from None
        return cls(model, classes, config.get("input_size"), config)


def fcn8s(path: str | Path | None = None, classes: Sequence[str] = ("background", "object"), **kwargs) -> FcnSegmenter:
    """Zoo builder for ``"fcn8s"``: a trained folder if ``path`` is given, else an untrained head on ImageNet features."""
    if path is not None:
        return FcnSegmenter.load(path)
    return FcnSegmenter.build(classes, **kwargs)
