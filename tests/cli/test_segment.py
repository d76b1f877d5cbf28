"""``tracker segment`` and ``tracker train-segmenter`` through ``tracker.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.cli import main
from tests.conftest import count_frames

skimage_data = pytest.importorskip("skimage.data")
REF = Path(__file__).resolve().parents[1] / "data" / "astronaut_person_mask.png"


@pytest.fixture(scope="module")
def astronaut_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "astronaut.png"
    cv2.imwrite(str(path), np.ascontiguousarray(skimage_data.astronaut()[..., ::-1]))
    return path


@pytest.fixture(scope="module")
def astronaut_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("vid") / "moving.mp4"
    small = cv2.resize(np.ascontiguousarray(skimage_data.astronaut()[..., ::-1]), (120, 120))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (200, 160))
    for i in range(8):
        frame = np.full((160, 200, 3), 90, np.uint8)
        frame[20:140, 5 + 9 * i : 125 + 9 * i] = small
        writer.write(frame)
    writer.release()
    return path


def test_image_overlay_and_mask(astronaut_png, tmp_path, capsys):
    out, mask_out = tmp_path / "overlay.png", tmp_path / "mask.png"
    assert main(["segment", str(astronaut_png), "--out", str(out), "--mask-out", str(mask_out)]) == 0
    assert "person" in capsys.readouterr().err
    overlay = cv2.imread(str(out))
    assert overlay.shape == (512, 512, 3)
    assert not np.array_equal(overlay, cv2.imread(str(astronaut_png)))
    mask = cv2.imread(str(mask_out), cv2.IMREAD_UNCHANGED)
    ref = cv2.imread(str(REF), cv2.IMREAD_GRAYSCALE) > 127
    assert set(np.unique(mask)) <= {0, 1}
    assert ((mask == 1) & ref).sum() / ((mask == 1) | ref).sum() > 0.93


def test_video_overlay(astronaut_video, tmp_path):
    out = tmp_path / "overlay.mp4"
    assert main(["segment", str(astronaut_video), "--out", str(out), "--quiet", "--max-frames", "5"]) == 0
    assert count_frames(out) == 5


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--out", "x.mp4"], "--out for an image"),
        (["--out", "{tmp}/no/such/dir/x.png"], "output folder does not exist"),
        (["--out", "{tmp}/x.png", "--model", "nope"], "no segmenter 'nope': not a zoo name (selfie, fcn8s)"),
        (["--out", "{tmp}/x.png", "--opacity", "2"], "--opacity"),
        (["--out", "{tmp}/x.png", "--mask-out", "{tmp}/m.jpg"], ".png"),
    ],
)
def test_one_line_errors(astronaut_png, tmp_path, capsys, extra, message):
    extra = [e.format(tmp=tmp_path) for e in extra]
    assert main(["segment", str(astronaut_png), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tracker: error:") and message in err and "\n" not in err


def test_missing_input(tmp_path, capsys):
    assert main(["segment", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "o.mp4")]) == 2
    assert "not found" in capsys.readouterr().err


def test_train_segmenter_then_segment_with_it(tmp_path, capsys):
    data, model = tmp_path / "shapes", tmp_path / "model"
    args = ["train-segmenter", str(data), "--out", str(model), "--make-shapes", "6", "--epochs", "1", "--size", "64"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "held-out mIoU" in out and "baseline" in out
    assert json.loads((model / "config.json").read_text())["classes"][0] == "background"
    # Overwriting needs a flag; the loaded model then segments an image.
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    img = sorted((data / "images").iterdir())[0]
    assert main(["segment", str(img), "--out", str(tmp_path / "seg.png"), "--model", str(model), "--quiet"]) == 0
    assert cv2.imread(str(tmp_path / "seg.png")).shape == (64, 64, 3)


def test_train_segmenter_bad_data(tmp_path, capsys):
    assert main(["train-segmenter", str(tmp_path / "none"), "--out", str(tmp_path / "m")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["train-segmenter", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "images/ and masks/" in capsys.readouterr().err
