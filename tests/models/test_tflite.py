"""The LiteRT interpreter gives what TensorFlow's deprecated one gave, on both shipped TFLite models."""

import functools
import warnings

import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.models.detectors import nanodet
from tracker.models.segmenters import selfie as segmenters
from tracker.models.tflite import interpreter_class, make_interpreter

skimage_data = pytest.importorskip("skimage.data")
pytest.importorskip("ai_edge_litert")


@pytest.fixture(scope="module")
def frames():
    """Real photographs (people, a cat, a coffee cup) at their own sizes, plus a black frame."""
    images = [skimage_data.astronaut(), skimage_data.chelsea(), skimage_data.coffee()]
    return [np.ascontiguousarray(im[..., ::-1]) for im in images] + [np.zeros((240, 320, 3), np.uint8)]


def _with_tf(module, monkeypatch):
    monkeypatch.setattr(module, "make_interpreter", functools.partial(make_interpreter, prefer="tf"))


def test_default_is_litert():
    assert interpreter_class().__module__.startswith("ai_edge_litert")
    assert interpreter_class("tf").__module__.startswith("tensorflow")


def test_nanodet_identical(frames, monkeypatch):
    lite = nanodet.NanoDetDetector()
    _with_tf(nanodet, monkeypatch)
    tf_det = nanodet.NanoDetDetector()
    assert type(lite._interp).__module__.startswith("ai_edge_litert")
    assert type(tf_det._interp).__module__.startswith("tensorflow")
    found = 0
    for frame in frames:
        a, b = lite(frame), tf_det(frame)
        found += len(a)
        np.testing.assert_array_equal(a.xyxy, b.xyxy)
        np.testing.assert_array_equal(a.score, b.score)
        np.testing.assert_array_equal(a.class_id, b.class_id)
    assert found > 0  # the comparison covered real boxes, not only empty frames


def test_selfie_identical(frames, monkeypatch):
    lite = segmenters.SelfieSegmenter()
    _with_tf(segmenters, monkeypatch)
    tf_seg = segmenters.SelfieSegmenter()
    assert type(tf_seg._interp).__module__.startswith("tensorflow")
    for frame in frames:
        a, b = lite(frame), tf_seg(frame)
        np.testing.assert_array_equal(a, b)
    assert lite(frames[0]).max() > 0.9  # the astronaut is found


def test_tf_fallback_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_interpreter(segmenters.WEIGHTS, prefer="tf")


def test_no_xnnpack_line(capfd):
    make_interpreter(segmenters.WEIGHTS)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("content", [None, b"", b"not a flatbuffer" * 10])
def test_bad_model_one_line(tmp_path, content):
    path = tmp_path / "m.tflite"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TrackerError) as info:
        make_interpreter(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_prefer_checked():
    with pytest.raises(ValueError):
        interpreter_class("onnx")
