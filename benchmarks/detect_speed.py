"""How fast is the default detector on this CPU, and how much of it is the network?

Times, per 640x480 frame (median of N runs after warm-up):

- ``letterbox``: OpenCV resize + pad to 416x416 (Python side);
- ``graph``: one interpreter call of the shipped TFLite file (network + decode + class-aware NMS);
- ``detector(frame)``: the whole public call (letterbox + graph + mapping boxes back);
- ``network alone``: the bare NanoDet network as TFLite fp16, rebuilt from the original TF.js files
  (``--src``; skipped when they are absent), so ``graph - network`` is the decode + NMS cost; both
  the channels-last form that ships and the original ONNX layout (83 transposes) are timed;
- with ``--compare-tf``: the same network + decode + NMS graph run by the TensorFlow runtime
  (``tf.function``), the alternative the TFLite export was chosen over.

Run::

    .venv/bin/python benchmarks/detect_speed.py [--runs 50] [--threads 2] [--compare-tf]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))


def median_ms(fn, runs: int, warmup: int = 5) -> tuple[float, float]:
    """``(median, min)`` in ms; the minimum shows the uncontended cost on a busy machine."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3), float(np.min(times) * 1e3)


def test_frame() -> np.ndarray:
    """A real photo (so NMS has real work) stretched to 640x480, BGR."""
    import cv2

    try:
        from skimage import data

        rgb = data.astronaut()
    except ImportError:  # pragma: no cover
        rgb = np.random.default_rng(0).integers(0, 255, (512, 512, 3), dtype=np.uint8)
    return cv2.resize(np.ascontiguousarray(rgb[..., ::-1]), (640, 480))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--threads", type=int, default=None, help="interpreter threads (default: up to 4 cores)")
    ap.add_argument("--src", type=Path, default=Path("/work/shared/models"), help="folder with nanodet.json/.bin")
    ap.add_argument("--compare-tf", action="store_true", help="also time the TensorFlow runtime")
    args = ap.parse_args(argv)

    from tracker.models.detectors.nanodet import NanoDetDetector, letterbox

    det = NanoDetDetector(threads=args.threads)
    frame = test_frame()
    image = letterbox(frame)[0]
    rows = [
        ("letterbox 640x480 -> 416x416 (cv2)", median_ms(lambda: letterbox(frame), args.runs)),
        ("graph: network + decode + NMS (TFLite)", median_ms(lambda: det.run_network_input(image), args.runs)),
        ("detector(frame): everything", median_ms(lambda: det(frame), args.runs)),
    ]
    if (args.src / "nanodet.json").exists():
        rows.extend(_network_alone(args))
    else:
        print(f"(no {args.src}/nanodet.json: skipping the network-alone row)")
    if args.compare_tf:
        rows.extend(_tf_runtime(args, image))

    n = len(det(frame))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nNanoDet-m, 640x480 frame ({n} detections at conf {det.conf}), {os.cpu_count()} CPUs, "
          f"threads={args.threads or min(4, os.cpu_count() or 1)}, {args.runs} runs, load average {load:.1f}")
    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  median ms     min ms")
    for name, (med, low) in rows:
        print(f"{name:<{width}}  {med:9.1f}  {low:9.1f}")
    return 0


def _bare_tflite_ms(fn, shape, args) -> tuple[float, float]:
    import tensorflow as tf

    from tracker.models.detectors.nanodet import _interpreter

    bare = tf.function(fn, autograph=False, input_signature=[tf.TensorSpec(shape, tf.float32)])
    module = tf.Module()
    module.bare = bare
    conv = tf.lite.TFLiteConverter.from_concrete_functions([bare.get_concrete_function()], module)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"nanodet_bare_bench_{os.getpid()}.tflite"
    path.write_bytes(conv.convert())
    try:
        runner = _interpreter(path, args.threads).get_signature_runner()
        (name,) = runner.get_input_details()
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        return median_ms(lambda: runner(**{name: x}), args.runs)
    finally:
        path.unlink(missing_ok=True)


def _network_alone(args) -> list[tuple[str, tuple[float, float]]]:
    from convert_nanodet import load_graph_def, network_function, nhwc_network_function

    graph_def = load_graph_def(args.src / "nanodet.json", args.src / "nanodet.bin")
    return [
        ("network alone, channels-last (as shipped)", _bare_tflite_ms(nhwc_network_function(graph_def), [1, 416, 416, 3], args)),
        ("network alone, original ONNX layout", _bare_tflite_ms(network_function(graph_def), [1, 3, 416, 416], args)),
    ]


def _tf_runtime(args, image) -> list[tuple[str, tuple[float, float]]]:
    import tensorflow as tf
    from convert_nanodet import build_detect_function, load_graph_def, nhwc_network_function

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    net = nhwc_network_function(load_graph_def(args.src / "nanodet.json", args.src / "nanodet.bin"))
    detect = build_detect_function(net, 100, channels_last=True)
    inputs = (tf.constant(image[None]), tf.constant(0.3), tf.constant(0.5), tf.ones([80]))
    return [("TF runtime (tf.function): network + decode + NMS", median_ms(lambda: detect(*inputs), args.runs))]


if __name__ == "__main__":
    sys.exit(main())
