"""One entry point for every appearance embedder: ``load_embedder(spec)``.

``spec`` is one of:

- a zoo name (``mobilenetv2``, the default: ImageNet MobileNetV2, see :mod:`tracker.models.embedders.cnn`;
  at its default settings a TFLite graph, :mod:`tracker.models.embedders.tflite`);
- ``tfhub:<handle>``: a TF Hub image *feature-vector* model (URL or local path; a URL is fetched
  once into ``TFHUB_CACHE_DIR`` and needs a network then). Hub models take RGB in [0, 1];
  crops are 224x224 unless ``crop_size`` is given or the model fixes its input size;
- a folder written by ``tracker train-embedder`` (holds ``embedder.json``);
- a local SavedModel folder whose default signature (or ``__call__``) maps a float32 RGB batch
  ``(N, H, W, 3)`` with values in [0, 255] (``input_scale`` changes that) to ``(N, D)`` features or
  ``(N, h, w, D)`` maps (average-pooled). The crop size is read from the signature's input shape when
  fixed, else ``crop_size`` (default 128x64).

Every embedder is ``embedder(frame_bgr, detections) -> (N, D)`` L2-normalised float32 rows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...errors import TrackerError
from ...errors import first_line as _first_line

__all__ = ["load_embedder", "mobilenetv2_embedder", "DEFAULT_EMBEDDER", "CONFIG_NAME", "WEIGHTS_NAME"]

DEFAULT_EMBEDDER = "mobilenetv2"
CONFIG_NAME = "embedder.json"
WEIGHTS_NAME = "embedder.weights.h5"


def mobilenetv2_embedder(
    crop_size=None, layer: str | None = None, weights: Any = "imagenet", backend: str = "auto"
) -> Any:
    """Zoo builder: ImageNet MobileNetV2 truncated at ``layer`` + global average pooling.

    At the defaults (64x32 crops, ``f17_out``, ImageNet weights) ``backend="auto"`` loads the shipped
    TFLite conversion of that exact model (:mod:`.tflite`: same embeddings to < 1e-3, and no TensorFlow
    import, which saves 2-4 s of start-up); other layers, crop sizes or weights, and
    ``backend="keras"``, build the Keras model (:mod:`.cnn`), which training also uses.
    """
    from .cnn import DEFAULT_CROP, DEFAULT_LAYER

    if backend not in ("auto", "tflite", "keras"):
        raise TrackerError(f"embedder backend must be auto, tflite or keras, not {backend!r}")
    crop = tuple(int(v) for v in (crop_size or DEFAULT_CROP))
    layer = layer or DEFAULT_LAYER
    shipped = crop == tuple(DEFAULT_CROP) and layer == DEFAULT_LAYER and isinstance(weights, str) and weights == "imagenet"
    if backend == "tflite" and not shipped:
        raise TrackerError(f"the TFLite mobilenetv2 embedder exists only for crop_size={DEFAULT_CROP}, layer={DEFAULT_LAYER}")
    if backend != "keras" and shipped:
        from .tflite import TFLiteEmbedder

        return TFLiteEmbedder(name="mobilenetv2")
    from .cnn import Embedder, truncated_mobilenetv2

    model = truncated_mobilenetv2(layer, weights=weights, crop_size=crop)
    return Embedder(model, crop_size=crop, name="mobilenetv2")


def _from_trained(folder: Path) -> Any:
    """A folder from ``tracker train-embedder``: config + Keras weights of the truncated model."""
    from .cnn import Embedder, build_model

    try:
        cfg = json.loads((folder / CONFIG_NAME).read_text())
        crop = tuple(cfg["crop_size"])
        model = build_model(cfg["layer"], crop, weights=None, dim=cfg.get("dim"))
        model.load_weights(str(folder / WEIGHTS_NAME))
    except (OSError, ValueError, KeyError) as exc:
        raise TrackerError(f"cannot load trained embedder {folder}: {_first_line(exc)}") from None
    return Embedder(model, crop_size=crop, name=f"trained:{folder.name}")


def _signature_crop(fn) -> tuple[int, int] | None:
    try:
        spec = fn.structured_input_signature
        tensors = [t for t in list(spec[0]) + list(spec[1].values()) if hasattr(t, "shape")]
        h, w = tensors[0].shape[1], tensors[0].shape[2]
        return (int(h), int(w)) if h and w else None
    except Exception:  # signatures differ a lot between exporters; fall back to the default size
        return None


def _from_saved_model(path: str, crop_size=None, input_scale: float = 1.0, hub: bool = False) -> Any:
    import tensorflow as tf

    from .cnn import DEFAULT_CROP, Embedder

    try:
        if hub:
            import tensorflow_hub as tfhub

            obj = tfhub.load(path)
        else:
            obj = tf.saved_model.load(path)
    except Exception as exc:  # TF raises many types for unreadable or missing models
        raise TrackerError(f"cannot load embedder SavedModel {path}: {_first_line(exc)}") from None
    sig = getattr(obj, "signatures", {}).get("serving_default")
    if sig is not None:
        keys = list(sig.structured_input_signature[1].keys())
        if len(keys) != 1:
            raise TrackerError(f"SavedModel {path}: serving_default must take one image input, takes {keys}")
        spec = sig.structured_input_signature[1][keys[0]]
        rank = spec.shape.rank
        image_like = rank is None or (rank == 4 and spec.shape[-1] in (None, 3))
        if not (spec.dtype.is_floating or spec.dtype == tf.uint8) or not image_like:
            raise TrackerError(
                f"SavedModel {path} is not an image embedder: serving_default takes {spec.dtype.name} "
                f"{spec.shape.as_list() if rank is not None else 'of any shape'}, not an RGB batch (N, H, W, 3)"
            )

        def call(x, sig=sig, key=keys[0], dtype=spec.dtype):
            return sig(**{key: tf.cast(x, dtype)})

        found = _signature_crop(sig)
    elif callable(obj):
        call = obj
        fns = getattr(getattr(obj, "__call__", None), "concrete_functions", None) or []
        found = _signature_crop(fns[0]) if fns else None
    else:
        raise TrackerError(f"SavedModel {path} has neither a serving_default signature nor __call__")
    crop = tuple(crop_size) if crop_size else found or ((224, 224) if hub else DEFAULT_CROP)

    def checked_call(x):
        out = call(x)
        t = next(iter(out.values())) if isinstance(out, dict) else out
        if not hasattr(t, "shape") or t.shape.rank not in (2, 4):
            shape = t.shape.as_list() if hasattr(t, "shape") and t.shape.rank is not None else type(t).__name__
            raise TrackerError(
                f"SavedModel {path} is not an image embedder: it returns {shape}, "
                "not (N, D) features or (N, h, w, D) maps"
            )
        return out

    try:  # Embedder runs the model once on a blank crop: a wrong signature fails here, not mid-video
        name = ("tfhub:" if hub else "") + str(path)
        return Embedder(checked_call, crop_size=crop, input_scale=input_scale, name=name)
    except TrackerError:
        raise
    except Exception as exc:  # TF raises many types when a signature does not fit
        raise TrackerError(f"SavedModel {path} is not an image embedder: {_first_line(exc)}") from None


def load_embedder(spec: str | os.PathLike | None = DEFAULT_EMBEDDER, **kwargs: Any) -> Any:
    """Build the embedder ``spec`` names (see module docstring); ``kwargs`` go to its builder."""
    from ..resolve import Loaders, resolve

    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    return resolve(spec or DEFAULT_EMBEDDER, "embedder", Loaders(
        accepted="a tfhub: handle, a folder from `tracker train-embedder` or a SavedModel folder",
        tfhub_example="https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5",
        tfhub=lambda handle, **kw: _from_saved_model(handle, hub=True, **{"input_scale": 1.0 / 255.0, **kw}),
        folder=_from_folder,
    ), **kwargs)


def _from_folder(path: Path, **kwargs: Any) -> Any:
    if (path / CONFIG_NAME).is_file():
        return _from_trained(path)
    if (path / "saved_model.pb").is_file():
        return _from_saved_model(str(path), **kwargs)
    return None
