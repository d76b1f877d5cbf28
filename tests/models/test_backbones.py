"""The MobileNetV2 port reproduces torch; output strides hold for any input size; no downloads."""

from pathlib import Path

import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.models import backbones

REF = Path(__file__).parent / "data" / "mobilenetv2_torch_ref.npz"


@pytest.fixture(scope="module")
def imagenet_model():
    return backbones.mobilenetv2()


def test_port_matches_torch_fixture(imagenet_model):
    # Fixture written by tools/check_mobilenetv2_port.py from torch's own forward pass.
    ref = np.load(REF)
    out = imagenet_model(ref["in64/input"].astype(np.float32)[None])
    for key in ("stride8", "stride16", "stride32"):
        got = np.asarray(out[key])[0]
        assert got.shape == ref[f"in64/{key}"].shape
        assert np.abs(got - ref[f"in64/{key}"]).max() < 1e-3, key


@pytest.mark.parametrize("h,w", [(64, 64), (61, 45), (33, 97), (17, 17)])
def test_output_strides_for_odd_sizes(imagenet_model, h, w):
    out = imagenet_model(np.zeros((2, h, w, 3), np.float32))
    for key, stride, ch in (("stride8", 8, 32), ("stride16", 16, 96), ("stride32", 32, 1280)):
        assert tuple(out[key].shape) == (2, -(-h // stride), -(-w // stride), ch)


def test_single_output_and_random_init():
    m = backbones.mobilenetv2(weights=None, input_shape=(32, 32, 3), alpha=0.5, outputs="stride16")
    y = m(np.zeros((1, 32, 32, 3), np.float32))
    assert tuple(y.shape) == (1, 2, 2, 48)


def test_weights_file_roundtrip(tmp_path, imagenet_model):
    path = tmp_path / "b.weights.h5"
    base = backbones.mobilenetv2(outputs="stride32")
    base.save_weights(str(path))
    again = backbones.mobilenetv2(weights=path, outputs="stride32")
    x = np.random.RandomState(1).uniform(0, 255, (1, 40, 40, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(base(x)), atol=1e-5)


def test_bad_arguments_are_tracker_errors(tmp_path):
    with pytest.raises(TrackerError):
        backbones.mobilenetv2(weights=tmp_path / "missing.npz")
    with pytest.raises(TrackerError):
        backbones.mobilenetv2(alpha=0.5)
    with pytest.raises(TrackerError):
        backbones.mobilenetv2(outputs="stride4")
    with pytest.raises(TrackerError):
        backbones.backbone("nosuchnet")
    with pytest.raises(TrackerError, match="never downloads"):
        backbones.backbone("resnet50", weights="imagenet")


def test_keras_applications_backbone_by_name():
    m = backbones.backbone("mobilenetv3small", input_shape=(64, 64, 3))
    y = m(np.zeros((1, 64, 64, 3), np.float32))
    assert y.shape[1:3] == (2, 2)


def test_folded_batchnorm_matches_torch_fixture():
    ref = np.load(REF)
    m = backbones.mobilenetv2(fold_bn=True)
    assert not any("batch_norm" in type(layer).__name__.lower() for layer in m.layers)
    out = m(ref["in64/input"].astype(np.float32)[None])
    for key in ("stride8", "stride16", "stride32"):
        assert np.abs(np.asarray(out[key])[0] - ref[f"in64/{key}"]).max() < 1e-3, key
