"""``tracker detect`` and ``tracker models`` through ``tracker.cli.main``."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from tracker.cli import main

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def astronaut_jpg(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "astronaut.png"
    cv2.imwrite(str(path), np.ascontiguousarray(skimage_data.astronaut()[..., ::-1]))
    return path


def test_json_schema(astronaut_jpg, capsys):
    assert main(["detect", str(astronaut_jpg), "--format", "json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert set(rec) == {"frame", "detections"} and rec["frame"] == 0
    assert rec["detections"], rec
    for d in rec["detections"]:
        assert set(d) == {"xyxy", "score", "class_id", "label"}
        assert len(d["xyxy"]) == 4 and all(isinstance(v, float) for v in d["xyxy"])
        assert 0.3 <= d["score"] <= 1 and isinstance(d["class_id"], int)
    best = max(rec["detections"], key=lambda d: d["score"])
    assert best["label"] == "person" and best["class_id"] == 0 and best["score"] >= 0.5


def test_text_output_classes_and_annotated_image(astronaut_jpg, tmp_path, capsys):
    out = tmp_path / "annotated.jpg"
    assert main(["detect", str(astronaut_jpg), "--classes", "person", "--conf", "0.5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("frame 0: 1 detection\n") and "person" in text
    drawn = cv2.imread(str(out))
    assert drawn is not None and drawn.shape == (512, 512, 3)
    assert not np.array_equal(drawn, cv2.imread(str(astronaut_jpg)))


def test_video_json_one_line_per_frame(tiny_video, tmp_path, capsys):
    out = tmp_path / "annotated.mp4"
    assert main(["detect", str(tiny_video), "--format", "json", "--max-frames", "3", "--out", str(out)]) == 0
    frames = [json.loads(line)["frame"] for line in capsys.readouterr().out.strip().splitlines()]
    assert frames == [0, 1, 2]
    cap = cv2.VideoCapture(str(out))
    assert cap.isOpened() and cap.read()[0]
    cap.release()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--classes", "persn"], "unknown class 'persn'"),
        (["--detector", "/no/such/model"], "no detector '/no/such/model'"),
    ],
)
def test_user_errors_are_one_line(astronaut_jpg, capsys, argv, message):
    assert main(["detect", str(astronaut_jpg), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tracker: error: ") and message in err and "\n" not in err


def test_unreadable_image(tmp_path, capsys):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    assert main(["detect", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"tracker: error: {bad}: not an image OpenCV can read"


def test_saved_model_without_detection_signature(tmp_path, astronaut_jpg, capsys):
    tf = pytest.importorskip("tensorflow")

    class NotADetector(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
        def f(self, images):
            return {"logits": tf.reduce_mean(tf.cast(images, tf.float32), axis=[1, 2])}

    m = NotADetector()
    tf.saved_model.save(m, str(tmp_path / "sm"), signatures={"serving_default": m.f})
    assert main(["detect", str(astronaut_jpg), "--detector", str(tmp_path / "sm")]) == 2
    err = capsys.readouterr().err.strip()
    assert "lacks detection_boxes" in err and "\n" not in err


def test_models_table(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if " nanodet " in x)
    assert line.startswith("*") and "detector" in line and "416x416" in line and "COCO-80" in line
    assert main(["models", "--task", "detector", "--format", "json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert any(r["name"] == "nanodet" and r["default"] for r in rows)


def test_models_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, argparse, tracker.cli.models as m; "
        "m.run(argparse.Namespace(task=None, format='text', verbose=True)); "
        "sys.exit(1 if any(m == 'tensorflow' or m.startswith('tensorflow.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
