"""The sliding-grid detector is fully convolutional, and decoding puts boxes where a grid says they are."""

import json

import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.models.detectors.fcn import (
    FcnDetector,
    build_fcn_detector,
    decode_grid,
    encode_grid,
    load_fcn_detector,
)


@pytest.fixture(scope="module")
def model16():
    return build_fcn_detector(3, weights=None, feature="stride16", head_width=16)


@pytest.mark.parametrize("h,w", [(64, 64), (96, 160), (128, 224), (224, 96)])
def test_output_grid_scales_with_input(model16, h, w):
    det = FcnDetector(model16, ["a", "b", "c"], "stride16")
    grid = det.predict_grid(np.zeros((1, h, w, 3), np.float32))
    assert grid.shape == (1, h // 16, w // 16, 8)


@pytest.mark.parametrize("shape", [(100, 130, 3), (33, 47, 3), (64, 64, 3)])
def test_wrapper_accepts_any_frame_size(model16, shape):
    det = FcnDetector(model16, ["a", "b", "c"], "stride16", score_threshold=0.0, max_detections=5)
    rgb, sx, sy = det.prepare(np.zeros(shape, np.uint8))
    assert rgb.shape[0] % 32 == 0 and rgb.shape[1] % 32 == 0 and (sx, sy) == (1.0, 1.0)
    out = det(np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8))
    assert 0 < len(out) <= 5
    assert (out.xyxy[:, [0, 2]] <= shape[1]).all() and (out.xyxy[:, [1, 3]] <= shape[0]).all()
    assert (out.xyxy >= 0).all()


def test_wrapper_resizes_to_input_size(model16):
    det = FcnDetector(model16, ["a", "b", "c"], "stride16", input_size=(100, 150))
    rgb, sx, sy = det.prepare(np.zeros((200, 300, 3), np.uint8))
    assert rgb.shape == (128, 160, 3)
    assert sx == pytest.approx(300 / 160) and sy == pytest.approx(200 / 128)


def test_rejects_non_frames(model16):
    det = FcnDetector(model16, ["a", "b", "c"])
    with pytest.raises(TrackerError):
        det(np.zeros((10, 10), np.uint8))


def _logit(p):
    return np.log(p / (1 - p))


def test_encode_decode_roundtrip():
    boxes = np.array([[10, 20, 50, 44], [100, 60, 180, 150], [3, 100, 20, 126]], float)
    cls = np.array([2, 0, 1])
    target = encode_grid(boxes, cls, (10, 14), 16, 3, anchor=64.0)
    assert target[..., 0].sum() == 3
    # The object whose centre is (30, 32) sits in row 2, column 1.
    assert target[2, 1, 0] == 1 and target[2, 1, 5 + 2] == 1
    assert target[2, 1, 1:3] == pytest.approx([30 / 16 - 1, 32 / 16 - 2])
    xyxy, score, got_cls = decode_grid(target, 16, 64.0, 0.5, from_logits=False)
    order = np.argsort(xyxy[:, 0])
    want = np.argsort(boxes[:, 0])
    assert np.allclose(xyxy[order], boxes[want], atol=1e-6)
    assert (got_cls[order] == cls[want]).all() and np.allclose(score, 1.0)


def test_encode_keeps_larger_box_in_shared_cell_and_drops_outside():
    boxes = np.array([[0, 0, 20, 20], [-10, -10, 30, 30], [500, 500, 520, 520]], float)
    target = encode_grid(boxes, [0, 1, 2], (4, 4), 16, 3, anchor=64.0)
    assert target[..., 0].sum() == 1 and target[0, 0, 5 + 1] == 1
    assert target[0, 0, 3] == pytest.approx(np.log(40 / 64))


def test_detector_decodes_hand_built_grid_into_frame_pixels():
    """A fake network returning a hand-built logit grid: boxes come back in frame pixels, after NMS."""
    import tensorflow as tf

    stride, anchor = 16, 64.0
    grid = np.full((8, 8, 5 + 2), 0.0, np.float32)
    grid[..., 0] = -10.0  # no object anywhere ...
    # ... except a class-1 box centred at (3.25, 5.5) cells, 32 x 64 pixels, in network-input pixels.
    grid[5, 3] = [10.0, _logit(0.25), _logit(0.5), np.log(32 / anchor), np.log(64 / anchor), -5.0, 5.0]
    # A weaker, wider duplicate from the next cell (IoU 0.54): NMS must remove it.
    grid[5, 4] = [2.0, _logit(0.01), _logit(0.5), np.log(48 / anchor), np.log(64 / anchor), -5.0, 5.0]
    fake = lambda x, training=False: tf.tile(tf.constant(grid)[None], [tf.shape(x)[0], 1, 1, 1])  # noqa: E731
    det = FcnDetector(fake, ["bg", "thing"], "stride16", input_size=(128, 128), anchor=anchor, score_threshold=0.3)
    frame = np.zeros((256, 384, 3), np.uint8)  # frame is 3x wider and 2x taller than the network input
    out = det(frame)
    assert len(out) == 1
    cx, cy = 3.25 * stride, 5.5 * stride
    want = np.array([cx - 16, cy - 32, cx + 16, cy + 32]) * [3, 2, 3, 2]
    assert np.allclose(out.xyxy[0], want, atol=1e-3)
    assert out.class_id[0] == 1 and out.data["labels"] == ["thing"]
    assert out.score[0] == pytest.approx(1 / (1 + np.exp(-10)) / (1 + np.exp(-10)), rel=1e-4)


def test_save_load_roundtrip(tmp_path, model16):
    det = FcnDetector(model16, ["a", "b", "c"], "stride16", input_size=(64, 96), score_threshold=0.2)
    det.save(tmp_path / "d")
    cfg = json.loads((tmp_path / "d" / "config.json").read_text())
    assert cfg["classes"] == ["a", "b", "c"] and cfg["input_size"] == [64, 96] and cfg["head_width"] == 16
    back = load_fcn_detector(tmp_path / "d")
    x = np.random.default_rng(1).uniform(0, 255, (1, 64, 96, 3)).astype(np.float32)
    assert np.allclose(back.predict_grid(x), det.predict_grid(x), atol=1e-5)
    assert back.score_threshold == 0.2 and back.classes == ["a", "b", "c"]
    # The zoo's usual options: conf/iou thresholds and a class filter; batches match single calls.
    back = load_fcn_detector(tmp_path / "d", conf=0.0, iou=0.3, classes="b")
    assert (back.score_threshold, back.iou_threshold) == (0.0, 0.3)
    frames = [np.random.default_rng(i).integers(0, 255, (64, 96, 3), dtype=np.uint8) for i in range(2)]
    batch = back.detect_batch(frames)
    assert len(batch) == 2 and all(set(d.class_id) <= {1} for d in batch)
    assert np.allclose(batch[1].xyxy, back(frames[1]).xyxy, atol=1e-3)
    with pytest.raises(TrackerError, match="unknown class"):
        load_fcn_detector(tmp_path / "d", classes=["zebra"])


def test_load_errors(tmp_path):
    with pytest.raises(TrackerError, match="not a saved fcn detector"):
        load_fcn_detector(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "model.weights.h5").write_bytes(b"")
    with pytest.raises(TrackerError, match="malformed detector config"):
        load_fcn_detector(tmp_path)


def test_zoo_entry_builds_untrained_stride32_detector():
    from tracker import models as zoo

    det = zoo.load("fcn-grid", task="detector", weights=None, class_names=["x", "y"], feature="stride32", head_width=8)
    assert det.classes == ["x", "y"]
    for h, w in ((64, 64), (128, 96)):
        assert det.predict_grid(np.zeros((1, h, w, 3), np.float32)).shape == (1, h // 32, w // 32, 7)
    assert len(det(np.zeros((40, 50, 3), np.uint8))) == 0  # the objectness prior starts at 1%
