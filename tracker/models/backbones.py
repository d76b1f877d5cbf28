"""Pretrained feature extractors for the detector, segmenter and embedder heads.

Input convention, for every backbone built here: **RGB float32 pixels in [0, 255]**, shape
``(batch, H, W, 3)``; each model normalises inside itself, so callers never need to know which
normalisation its weights were trained with. (Frames from OpenCV are BGR: flip the last axis first.)

:func:`mobilenetv2` is torchvision's ImageNet MobileNetV2, ported to Keras by ``tools/port_mobilenetv2.py``
(weights in ``weights/mobilenetv2_imagenet.npz``, provenance in ``NOTICE``). Its layers reproduce torch's
arithmetic exactly: BatchNorm epsilon 1e-5 and symmetric padding for stride-2 convolutions (Keras' "same"
pads bottom/right only), so outputs match torch to ~1e-5 (``tools/check_mobilenetv2_port.py``).

TensorFlow is imported inside the functions so that importing this module stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import TrackerError, first_line

__all__ = ["mobilenetv2", "backbone", "MOBILENETV2_WEIGHTS", "STRIDE_LAYERS"]

MOBILENETV2_WEIGHTS = Path(__file__).parent / "weights" / "mobilenetv2_imagenet.npz"

# (expansion t, out channels c, repeats n, first stride s), as in torchvision.
_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

# The last layer at each output stride (names of the Keras layers built below): the outputs of
# torchvision's features[6], features[13] and features[18].
STRIDE_LAYERS = {"stride8": "f6_out", "stride16": "f13_out", "stride32": "f18_relu"}

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _conv3x3(keras, x, stride: int, name: str, filters: int | None = None, bias: bool = False):
    """3x3 (depthwise if ``filters`` is None) convolution padded like torch's ``padding=1``."""
    if stride == 2:
        x = keras.layers.ZeroPadding2D(((1, 1), (1, 1)), name=f"{name}_pad")(x)
        padding = "valid"
    else:
        padding = "same"  # symmetric for odd kernels at stride 1
    if filters is None:
        return keras.layers.DepthwiseConv2D(3, stride, padding=padding, use_bias=bias, name=name)(x)
    return keras.layers.Conv2D(filters, 3, stride, padding=padding, use_bias=bias, name=name)(x)


_BN_EPS = 1e-5  # torch's default; Keras' 1e-3 would shift every activation


def _bn(keras, x, name: str, fold: bool = False):
    if fold:  # the preceding conv carries the folded BatchNorm as its bias
        return x
    return keras.layers.BatchNormalization(epsilon=_BN_EPS, momentum=0.9, name=name)(x)


def _build_mobilenetv2(input_shape, alpha: float, fold_bn: bool = False):
    """The torchvision architecture in Keras. ``fold_bn``: convolutions with biases, no BatchNorm layers
    (inference only: fewer ops, same outputs once :func:`_load_npz` folds the statistics in)."""
    import functools

    import keras

    _bn_ = functools.partial(_bn, fold=fold_bn)
    bias = fold_bn

    inp = keras.Input(shape=input_shape, name="rgb")
    # RGB [0, 255] -> ImageNet-normalised, folded into one affine layer.
    x = keras.layers.Normalization(
        axis=-1,
        mean=[255.0 * m for m in _IMAGENET_MEAN],
        variance=[(255.0 * s) ** 2 for s in _IMAGENET_STD],
        name="imagenet_norm",
    )(inp)
    c = _make_divisible(32 * alpha)
    x = _conv3x3(keras, x, 2, "f0_conv", c, bias)
    x = keras.layers.ReLU(6.0, name="f0_relu")(_bn_(keras, x, "f0_bn"))
    i = 1
    for t, ch, n, s in _SETTINGS:
        out_c = _make_divisible(ch * alpha)
        for k in range(n):
            stride = s if k == 0 else 1
            in_c = x.shape[-1]
            y = x
            if t != 1:
                y = keras.layers.Conv2D(in_c * t, 1, use_bias=bias, name=f"f{i}_expand")(y)
                y = keras.layers.ReLU(6.0, name=f"f{i}_expand_relu")(_bn_(keras, y, f"f{i}_expand_bn"))
            y = _conv3x3(keras, y, stride, f"f{i}_dw", bias=bias)
            y = keras.layers.ReLU(6.0, name=f"f{i}_dw_relu")(_bn_(keras, y, f"f{i}_dw_bn"))
            y = keras.layers.Conv2D(out_c, 1, use_bias=bias, name=f"f{i}_project")(y)
            y = _bn_(keras, y, f"f{i}_project_bn")
            if stride == 1 and in_c == out_c:
                y = keras.layers.Add(name=f"f{i}_out")([x, y])
            else:
                y = keras.layers.Identity(name=f"f{i}_out")(y)
            x = y
            i += 1
    last_c = _make_divisible(1280 * max(1.0, alpha))
    x = keras.layers.Conv2D(last_c, 1, use_bias=bias, name=f"f{i}_conv")(x)
    x = keras.layers.ReLU(6.0, name=f"f{i}_relu")(_bn_(keras, x, f"f{i}_bn"))
    return keras.Model(inp, x, name="mobilenetv2_features")


def _load_npz(model, path: Path) -> None:
    import numpy as np

    try:
        data = np.load(path)
    except (OSError, ValueError) as exc:
        raise TrackerError(f"cannot read backbone weights {path}: {exc}") from None
    used = set()
    for layer in model.layers:
        if not layer.weights or layer.name == "imagenet_norm":
            continue
        values = []
        for w in layer.weights:
            wname = w.name.split("/")[-1]
            if wname == "bias":  # folded BatchNorm (see _build_mobilenetv2)
                continue
            key = f"{layer.name}/{wname}"
            if key not in data:
                raise TrackerError(f"backbone weights {path} lack {key} (built for another alpha or layout?)")
            arr = data[key]
            if tuple(arr.shape) != tuple(w.shape):
                raise TrackerError(f"backbone weights {path}: {key} has shape {arr.shape}, model wants {tuple(w.shape)}")
            values.append(arr)
            used.add(key)
        if len(values) < len(layer.weights):
            bn = layer.name[: -len("_conv")] + "_bn" if layer.name.endswith("_conv") else layer.name + "_bn"
            keys = [f"{bn}/{k}" for k in ("gamma", "beta", "moving_mean", "moving_variance")]
            gamma, beta, mean, var = (data[k] for k in keys)
            used.update(keys)
            scale = gamma / np.sqrt(var + _BN_EPS)
            # Conv kernels are HWIO (scale O, the last axis); depthwise ones are (H, W, C, 1): scale C.
            depthwise = type(layer).__name__ == "DepthwiseConv2D"
            values[0] = values[0] * (scale[:, None] if depthwise else scale)
            values.append(beta - mean * scale)
        layer.set_weights(values)
    unused = sorted(set(data.files) - used)
    if unused:
        raise TrackerError(f"backbone weights {path} have {len(unused)} arrays the model does not use, e.g. {unused[0]}")


def mobilenetv2(
    weights: str | Path | None = "imagenet",
    input_shape: tuple = (None, None, 3),
    alpha: float = 1.0,
    outputs: str | tuple[str, ...] = ("stride8", "stride16", "stride32"),
    fold_bn: bool = False,
) -> Any:
    """MobileNetV2 feature extractor returning a dict of feature maps.

    Args:
        weights: ``"imagenet"`` (the shipped port of torchvision's weights; only ``alpha=1.0``),
            ``None`` (random init) or a path to an ``.npz`` written by ``tools/port_mobilenetv2.py``
            or a Keras ``.weights.h5`` file saved from a model built by this function.
        input_shape: ``(H, W, 3)``; ``None`` sizes accept any image. Any size works, odd ones too:
            each stride-2 step gives ``ceil(size / 2)``.
        alpha: width multiplier (channel counts rounded to multiples of 8, as torchvision does).
        outputs: which of ``"stride8"`` (32 channels at alpha 1), ``"stride16"`` (96) and
            ``"stride32"`` (1280) to return; a single name gives a single-output model.
        fold_bn: build convolutions with biases and no BatchNorm layers (the statistics folded in):
            faster for inference; a ``.weights.h5`` file must come from a model built the same way.

    Returns:
        ``keras.Model`` taking RGB float32 images in [0, 255] (see module docstring) and returning a
        dict ``{"stride8": ..., "stride16": ..., "stride32": ...}`` of NHWC feature maps (or one tensor).
    """
    import keras

    names = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    bad = [n for n in names if n not in STRIDE_LAYERS]
    if bad or not names:
        raise TrackerError(f"unknown backbone output {bad[0] if bad else None!r} (choose from {', '.join(STRIDE_LAYERS)})")
    base = _build_mobilenetv2(tuple(input_shape), float(alpha), fold_bn=fold_bn)
    if isinstance(weights, str) and weights == "imagenet":
        if alpha != 1.0:
            raise TrackerError("imagenet weights for mobilenetv2 exist only for alpha=1.0 (use weights=None)")
        _load_npz(base, MOBILENETV2_WEIGHTS)
    elif weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise TrackerError(f"backbone weights file not found: {path}")
        if path.suffix == ".npz":
            _load_npz(base, path)
        else:
            try:
                base.load_weights(str(path))
            except Exception as exc:  # Keras raises several types for a wrong file
                raise TrackerError(f"cannot load backbone weights {path}: {first_line(exc)}") from None
    outs = {n: base.get_layer(STRIDE_LAYERS[n]).output for n in names}
    if len(names) == 1:
        return keras.Model(base.input, outs[names[0]], name=f"mobilenetv2_{names[0]}")
    return keras.Model(base.input, outs, name="mobilenetv2")


# keras.applications constructors by lower-case name, with the preprocessing each expects from RGB [0, 255].
_APPLICATIONS = {
    "mobilenetv2": ("MobileNetV2", "mobilenet_v2"),
    "mobilenetv3small": ("MobileNetV3Small", None),  # includes its own preprocessing
    "mobilenetv3large": ("MobileNetV3Large", None),
    "efficientnetb0": ("EfficientNetB0", None),  # includes its own rescaling
    "efficientnetv2b0": ("EfficientNetV2B0", None),
    "resnet50": ("ResNet50", "resnet"),
    "resnet50v2": ("ResNet50V2", "resnet_v2"),
    "densenet121": ("DenseNet121", "densenet"),
    "convnexttiny": ("ConvNeXtTiny", None),
}


def backbone(
    name: str,
    weights: str | Path | None = None,
    input_shape: tuple = (None, None, 3),
    **kwargs: Any,
) -> Any:
    """A headless backbone by name: ``"mobilenetv2"`` from this module, else a ``keras.applications`` model.

    ``weights`` is ``None`` or a local weights file; nothing is ever downloaded (``"imagenet"`` is
    accepted only for the shipped ``mobilenetv2``). The returned model takes RGB float32 in [0, 255]
    (the application's own preprocessing is applied inside) and returns its last feature map
    (``include_top=False``); for ``"mobilenetv2"`` it is the stride-8/16/32 dict of :func:`mobilenetv2`.
    """
    key = name.lower().replace("_", "").replace("-", "")
    if key == "mobilenetv2":
        return mobilenetv2(weights=weights if weights is not None else None, input_shape=input_shape, **kwargs)
    if key not in _APPLICATIONS:
        raise TrackerError(f"unknown backbone {name!r} (known: {', '.join(sorted(_APPLICATIONS))})")
    if isinstance(weights, str) and weights == "imagenet":
        raise TrackerError(f"backbone {name!r}: pass a local weights file; tracker never downloads weights")
    if weights is not None and not Path(weights).is_file():
        raise TrackerError(f"backbone weights file not found: {weights}")
    import keras

    cls_name, prep = _APPLICATIONS[key]
    ctor = getattr(keras.applications, cls_name)
    extra = {"include_preprocessing": True} if key.startswith(("mobilenetv3", "efficientnetv2")) else {}
    try:
        app = ctor(include_top=False, weights=None, input_shape=tuple(input_shape), **extra, **kwargs)
    except (TypeError, ValueError) as exc:
        raise TrackerError(f"cannot build backbone {name!r}: {first_line(exc)}") from None
    if weights is not None:
        try:
            app.load_weights(str(weights))
        except Exception as exc:  # wrong architecture or file type
            raise TrackerError(f"cannot load weights {weights} into {name!r}: {first_line(exc)}") from None
    inp = keras.Input(shape=tuple(input_shape), name="rgb")
    x = inp
    if prep is not None:
        preprocess = getattr(keras.applications, prep).preprocess_input
        x = keras.layers.Lambda(preprocess, name=f"{prep}_preprocess")(x)
    return keras.Model(inp, app(x), name=f"{key}_features")
