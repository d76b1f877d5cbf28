"""Convert the default appearance embedder (Keras) into the TFLite file the zoo ships.

The default embedder is ImageNet MobileNetV2 truncated after ``f17_out`` and globally average-pooled,
on 64x32 crops (:mod:`tracker.models.embedders.cnn`, weights ``tracker/models/weights/mobilenetv2_imagenet.npz``).
This tool builds exactly that Keras model, adds the embedder's last two steps (an all-zero feature row
becomes all ones, then L2 normalisation) and converts the whole function to one TFLite graph with a
dynamic batch dimension, so one interpreter call embeds every crop of a frame. Cropping is not in the
graph: :func:`tracker.models.embedders.crops.crop_and_resize` reproduces ``tf.image.crop_and_resize``
in NumPy.

Rerun (from the repository root)::

    PYTHONPATH=$PWD .venv/bin/python tools/convert_embedder.py

then update the sha256 line of ``mobilenetv2-f17-64x32.tflite`` in ``tracker/models/NOTICE`` (printed).

Weights: blocks 6-17 (most of the parameters) are stored as float16 and expanded to float32 once at load
(a DEQUANTIZE op per weight, the layout TFLite's own float16 conversion uses); blocks 0-5 and every tensor
under 256 values (the folded biases) stay float32. Measured on the skimage photos (``check``; 160 random
crops; 2-core dev machine, 10 crops per call, interleaved):

============================  =======  =====================  ==================  ========
weights                       size     max abs diff vs Keras  nearest neighbour   ms/call
============================  =======  =====================  ==================  ========
float32 (``--fp32``)          7.2 MB   2.5e-6                 160/160             1.16
float16 from block 6 (ships)  3.7 MB   7.5e-4                 160/160             1.24
float16 from block 10         4.0 MB   7.3e-4                 160/160
float16 from block 0          3.65 MB  1.2e-2                 158/160
TFLite converter's float16    3.65 MB  2.3e-2                 158/160             2.23
============================  =======  =====================  ==================  ========

Rounding the early blocks' weights is what moves the embeddings (the error is amplified through the
network), hence the split.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HALF_FROM = 6  # see the table above


def embed_function(layer: str, crop_size: tuple[int, int]):
    """``f(crops[N, h, w, 3] float32 RGB 0..255) -> embeddings[N, D]``, the Keras embedder's arithmetic."""
    import tensorflow as tf

    from tracker.models.embedders.cnn import truncated_mobilenetv2

    model = truncated_mobilenetv2(layer, weights="imagenet", crop_size=crop_size)

    @tf.function(input_signature=[tf.TensorSpec([None, crop_size[0], crop_size[1], 3], tf.float32, name="crops")])
    def embed(crops):
        feats = model(crops, training=False)
        feats = tf.where(tf.reduce_sum(tf.abs(feats), axis=1, keepdims=True) > 1e-12, feats, tf.ones_like(feats))
        return {"embeddings": tf.math.l2_normalize(feats, axis=1)}

    return embed


def convert(layer: str, crop_size: tuple[int, int], half_from: int | None = None) -> bytes:
    import tensorflow as tf

    fn = embed_function(layer, crop_size)
    module = tf.Module()
    module.f = fn  # the converter reads the signature's names through a trackable owner
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    blob = converter.convert()
    return blob if half_from is None else halve_weights(blob, half_from)


def halve_weights(blob: bytes, first_block: int) -> bytes:
    """``blob`` with the float32 weights of blocks >= ``first_block`` stored as float16 + DEQUANTIZE.

    Only constant tensors of at least 256 values whose name lies wholly in such blocks (every ``/fN_``
    in TFLite's fused names has ``N >= first_block``) are halved; the DEQUANTIZE ops go first, and
    TFLite runs them once, since their inputs are constant.
    """
    import re

    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(blob, 0))
    graph = model.subgraphs[0]
    codes = [c.builtinCode for c in model.operatorCodes]
    if schema.BuiltinOperator.DEQUANTIZE not in codes:
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.DEQUANTIZE
        code.version = 2  # float16 input
        model.operatorCodes.append(code)
        codes.append(schema.BuiltinOperator.DEQUANTIZE)
    dequantize = codes.index(schema.BuiltinOperator.DEQUANTIZE)
    ops = []
    for index, tensor in enumerate(list(graph.tensors)):
        buf = model.buffers[tensor.buffer]
        if tensor.type != schema.TensorType.FLOAT32 or buf.data is None or len(buf.data) < 4 * 256:
            continue
        blocks = [int(b) for b in re.findall(rb"/f(\d+)_", tensor.name)]
        if not blocks or min(blocks) < first_block:
            continue
        half = schema.BufferT()
        half.data = np.frombuffer(np.frombuffer(bytes(buf.data), np.float32).astype(np.float16).tobytes(), np.uint8)
        model.buffers.append(half)
        buf.data = None  # the float32 tensor becomes the DEQUANTIZE output
        half_tensor = schema.TensorT()
        half_tensor.shape, half_tensor.type = list(tensor.shape), schema.TensorType.FLOAT16
        half_tensor.buffer, half_tensor.name = len(model.buffers) - 1, tensor.name + b"_fp16"
        graph.tensors.append(half_tensor)
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = dequantize, [len(graph.tensors) - 1], [index]
        ops.append(op)
    graph.operators = ops + list(graph.operators)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def check(path: Path) -> None:
    """Keras vs TFLite embedder on the skimage photos: max abs difference and nearest neighbours."""
    from skimage import data

    from tracker.models.embedders.cnn import Embedder
    from tracker.models.embedders.tflite import TFLiteEmbedder

    keras_emb, lite_emb = Embedder(), TFLiteEmbedder(path)
    worst, same, total = 0.0, 0, 0
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        img = getattr(data, name)()[..., :3][..., ::-1].copy()
        h, w = img.shape[:2]
        rng = np.random.default_rng(0)
        xy = rng.uniform(0, 1, (40, 2)) * [w, h]
        wh = rng.uniform(0.05, 0.6, (40, 2)) * [w, h]
        boxes = np.concatenate([xy, xy + wh], 1)
        a, b = keras_emb(img, boxes), lite_emb(img, boxes)
        worst = max(worst, float(np.abs(a - b).max()))
        nn_a = np.argsort(-(a @ a.T), 1)[:, 1]
        nn_b = np.argsort(-(b @ b.T), 1)[:, 1]
        same += int((nn_a == nn_b).sum())
        total += len(boxes)
    print(f"max |keras - tflite| = {worst:.2e}; nearest neighbour equal for {same}/{total} crops")


def main(argv=None) -> int:
    from tracker.models.embedders.cnn import DEFAULT_CROP, DEFAULT_LAYER
    from tracker.models.embedders.tflite import DEFAULT_PATH

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_PATH)
    p.add_argument("--half-from", type=int, default=HALF_FROM, help="float16 weights from this block on (default %(default)s)")
    p.add_argument("--fp32", action="store_true", help="float32 weights throughout (7.2 MB)")
    p.add_argument("--no-check", action="store_true", help="skip the Keras-vs-TFLite comparison")
    args = p.parse_args(argv)
    blob = convert(DEFAULT_LAYER, DEFAULT_CROP, half_from=None if args.fp32 else args.half_from)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_bytes(blob)
    tmp.replace(args.out)  # a new file, not rewritten in place: running interpreters mmap the old one
    print(f"{args.out}: {len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()}")
    if not args.no_check:
        check(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
