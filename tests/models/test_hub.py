"""SavedModel / TF Hub detectors, with tiny SavedModels exported inside the tests."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.errors import TrackerError

tf = pytest.importorskip("tensorflow")


class _FakeDetector(tf.Module):
    """TF2 Detection API outputs; the first box moves with the image's mean brightness."""

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8, name="input_tensor")])
    def detect(self, input_tensor):
        level = tf.reduce_mean(tf.cast(input_tensor, tf.float32)) / 255.0  # 0..1
        red = tf.reduce_mean(tf.cast(input_tensor[..., 0], tf.float32)) / 255.0
        boxes = tf.stack(
            [
                [0.1 * level, 0.2, 0.5, 0.6],  # ymin, xmin, ymax, xmax
                [0.5, 0.5, 1.0, 1.0],
                [0.0, 0.0, 0.1, 0.1],
                [0.0, 0.0, 0.2, 0.2],  # padding row beyond num_detections
            ]
        )[None]
        return {
            "detection_boxes": boxes,
            "detection_scores": tf.stack([0.95, 0.6 + 0.3 * red, 0.1, 0.99])[None],
            "detection_classes": tf.constant([[1.0, 3.0, 18.0, 1.0]]),  # COCO ids: person, car, dog
            "num_detections": tf.constant([3.0]),
        }


class _NotADetector(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
    def classify(self, images):
        return {"logits": tf.reduce_mean(tf.cast(images, tf.float32), axis=[1, 2])}


@pytest.fixture(scope="module")
def fake_model_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("fake_detector")
    m = _FakeDetector()
    tf.saved_model.save(m, str(path), signatures={"serving_default": m.detect})
    return path


def test_saved_model_boxes_become_frame_pixels(fake_model_dir):
    from tracker.models.detectors import load_detector

    det = load_detector(str(fake_model_dir), conf=0.3)
    frame = np.zeros((200, 300, 3), np.uint8)
    frame[..., 2] = 255  # BGR: all red -> the model must see red in channel 0 (RGB)
    d = det(frame)
    level = 255 / 3 / 255
    assert len(d) == 2  # the 0.1-score dog is under conf; the padding row is past num_detections
    np.testing.assert_allclose(d.xyxy[0], [0.2 * 300, 0.1 * level * 200, 0.6 * 300, 0.5 * 200], atol=1e-3)
    np.testing.assert_allclose(d.xyxy[1], [150, 100, 300, 200], atol=1e-3)
    np.testing.assert_allclose(d.score, [0.95, 0.9], atol=1e-5)  # red mean 1.0 -> 0.6 + 0.3
    assert d.class_id.tolist() == [0, 2]  # COCO ids 1, 3 -> person, car
    assert [det.classes[c] for c in d.class_id] == ["person", "car"]


def test_saved_model_class_subset_and_raw_labels(fake_model_dir):
    from tracker.models.detectors import load_detector

    frame = np.full((100, 100, 3), 128, np.uint8)
    cars = load_detector(str(fake_model_dir), conf=0.05, classes=["car", "dog"])
    assert sorted(cars(frame).class_id.tolist()) == [2, 16]
    raw = load_detector(str(fake_model_dir), conf=0.05, label_map="raw")
    assert sorted(raw(frame).class_id.tolist()) == [1, 3, 18]
    with pytest.raises(TrackerError, match="unknown class 'kar'"):
        load_detector(str(fake_model_dir), classes=["kar"])


def test_saved_model_without_detection_outputs_is_an_error(tmp_path):
    from tracker.models.detectors import load_detector

    m = _NotADetector()
    tf.saved_model.save(m, str(tmp_path), signatures={"serving_default": m.classify})
    with pytest.raises(TrackerError, match="lacks detection_boxes") as info:
        load_detector(str(tmp_path))
    assert "\n" not in str(info.value)


def test_folder_that_is_not_a_saved_model(tmp_path):
    from tracker.models.detectors import load_detector

    with pytest.raises(TrackerError, match="holds no model; expected a tfhub: handle"):
        load_detector(str(tmp_path))


def test_unknown_spec():
    from tracker.models.detectors import load_detector

    with pytest.raises(TrackerError, match="no detector 'yolo9000': not a zoo name"):
        load_detector("yolo9000")


def test_unreachable_hub_handle_is_one_line(tmp_path, monkeypatch):
    from tracker.models.detectors import load_detector

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path))
    # .invalid never resolves (RFC 2606), so this fails fast with or without a network.
    with pytest.raises(TrackerError, match="could not load TF Hub handle https://models.invalid/x/1: no network") as info:
        load_detector("tfhub:https://models.invalid/x/1")
    assert "\n" not in str(info.value)


def test_default_spec_is_the_zoo_nanodet():
    from tracker.models.detectors import load_detector

    det = load_detector(None, conf=0.25, classes="person,car")
    assert det.name == "nanodet" and det.conf == 0.25
