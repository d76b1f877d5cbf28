"""Read a TF.js "graph-model" (``model.json`` + ``.bin``) back into a TensorFlow graph.

Shared by the converters in ``tools/`` (``convert_tfjs_models.py``; ``convert_nanodet.py`` has its own
copy of :func:`load_graph_def` plus a channels-last rewrite that graph needed).

- :func:`load_graph_def`: the JSON ``modelTopology`` is a ``GraphDef``; the ``.bin`` holds the
  constants back to back in manifest order (float16 when the manifest's ``quantization`` says so,
  int32 where the graph says int64, which TF.js narrowed).
- :func:`unfuse`: TF.js' converter folds BatchNorm/bias/activation into ``_FusedConv2D`` (a
  TensorFlow-internal op the TFLite converter rejects) and ``FusedDepthwiseConv2dNative`` (a TF.js-only
  op TensorFlow does not have). Both are split back into the plain op + ``BiasAdd`` + activation,
  which the TFLite converter fuses again into its own CONV_2D / DEPTHWISE_CONV_2D.
- :func:`graph_function`: a concrete function ``inputs -> outputs`` of the imported graph.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

import numpy as np

_NP_DTYPE = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8, "bool": np.bool_}
_ACTIVATIONS = {b"Relu": "Relu", b"Relu6": "Relu6", b"Elu": "Elu", b"Sigmoid": "Sigmoid", b"Tanh": "Tanh"}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_graph_def(json_path: Path, bin_path: Path | Sequence[Path] | None = None):
    """The TF.js graph model as a ``tf.compat.v1.GraphDef`` with its constants filled in (float32).

    ``bin_path`` defaults to the manifest's own shard paths next to ``json_path``.
    """
    import tensorflow as tf
    from google.protobuf import json_format

    json_path = Path(json_path)
    model = json.loads(json_path.read_text())
    if bin_path is None:
        bin_paths = [json_path.parent / p for g in model["weightsManifest"] for p in g["paths"]]
    elif isinstance(bin_path, (str, Path)):
        bin_paths = [Path(bin_path)]
    else:
        bin_paths = [Path(p) for p in bin_path]
    data = b"".join(p.read_bytes() for p in bin_paths)
    graph_def = json_format.ParseDict(model["modelTopology"], tf.compat.v1.GraphDef())
    nodes = {n.name: n for n in graph_def.node}
    offset = 0
    for group in model["weightsManifest"]:
        for w in group["weights"]:
            stored = (w.get("quantization") or {}).get("dtype", w["dtype"])
            if stored not in _NP_DTYPE:
                raise ValueError(f"unsupported stored dtype {stored} for {w['name']}")
            count = int(np.prod(w["shape"], dtype=np.int64))
            values = np.frombuffer(data, _NP_DTYPE[stored], count, offset).reshape(w["shape"])
            offset += count * np.dtype(_NP_DTYPE[stored]).itemsize
            node = nodes[w["name"]]
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(values.astype(dtype), shape=w["shape"]))
    if offset != len(data):
        raise ValueError(f"weights manifest covers {offset} bytes of {len(data)}")
    return graph_def


def unfuse(graph_def):
    """Replace ``_FusedConv2D`` / ``FusedDepthwiseConv2dNative`` by conv + ``BiasAdd`` (+ activation).

    The activation node keeps the fused node's name, so every consumer stays wired as before.
    Raises on fused variants this does not know (other ``fused_ops`` lists, extra arguments).
    """
    import tensorflow as tf

    out = tf.compat.v1.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    plain = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative"}
    keep_attrs = {
        "Conv2D": ("T", "strides", "padding", "explicit_paddings", "data_format", "dilations", "use_cudnn_on_gpu"),
        "DepthwiseConv2dNative": ("T", "strides", "padding", "explicit_paddings", "data_format", "dilations"),
    }
    for node in graph_def.node:
        if node.op not in plain:
            out.node.add().CopyFrom(node)
            continue
        fused = list(node.attr["fused_ops"].list.s)
        if fused[:1] != [b"BiasAdd"] or len(fused) > 2 or (len(fused) == 2 and fused[1] not in _ACTIVATIONS):
            raise ValueError(f"{node.name}: unsupported fused ops {fused}")
        if len(node.input) != 3:
            raise ValueError(f"{node.name}: expected 3 inputs (x, filter, bias), got {list(node.input)}")
        op = plain[node.op]
        conv = out.node.add()
        conv.name, conv.op = f"{node.name}/unfused_conv", op
        conv.input.extend(node.input[:2])
        for k in keep_attrs[op]:
            if k in node.attr:
                conv.attr[k].CopyFrom(node.attr[k])
        bias = out.node.add()
        bias.op = "BiasAdd"
        bias.name = f"{node.name}/unfused_bias" if len(fused) == 2 else node.name
        bias.input.extend([conv.name, node.input[2]])
        bias.attr["T"].CopyFrom(node.attr["T"])
        bias.attr["data_format"].CopyFrom(node.attr["data_format"])
        if len(fused) == 2:
            act = out.node.add()
            act.name, act.op = node.name, _ACTIVATIONS[fused[1]]
            act.input.append(bias.name)
            act.attr["T"].CopyFrom(node.attr["T"])
    return out


def graph_function(graph_def, inputs: Sequence[str], outputs: Sequence[str]):
    """A concrete function of the graph: ``f(*inputs) -> [outputs]`` (tensor names like ``"x:0"``)."""
    import tensorflow as tf

    def _import():
        tf.compat.v1.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(_import, [])
    g = wrapped.graph
    return wrapped.prune([g.get_tensor_by_name(n) for n in inputs], [g.get_tensor_by_name(n) for n in outputs])


def detector_signature(input_size: int, num_classes: int) -> list:
    """The inputs every shipped detector graph takes: a letterboxed uint8 BGR image, the score and IoU
    thresholds, and a per-class float mask (the runtime side is ``tracker.models.detectors``)."""
    import tensorflow as tf

    return [
        tf.TensorSpec([1, input_size, input_size, 3], tf.uint8, name="image"),
        tf.TensorSpec([], tf.float32, name="score_threshold"),
        tf.TensorSpec([], tf.float32, name="iou_threshold"),
        tf.TensorSpec([num_classes], tf.float32, name="class_mask"),
    ]


def to_tflite(function, fp16: bool = True) -> bytes:
    """One TFLite flatbuffer (builtin ops only, a ``serving_default`` signature with named inputs and
    outputs) from a ``tf.function`` with an input signature; float16 weights by default."""
    import tensorflow as tf

    module = tf.Module()
    module.f = function  # the converter reads the signature's names through a trackable owner
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if fp16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()
