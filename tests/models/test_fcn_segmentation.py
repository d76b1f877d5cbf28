"""FCN-8s: output size for awkward inputs, bilinear transposed convolutions, save/load round trip."""

import json

import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.models.segmenters.fcn import FcnSegmenter, bilinear_kernel, build_fcn8s

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def model():
    return build_fcn8s(3, backbone_weights=None)


@pytest.mark.parametrize("hw", [(97, 131), (128, 128), (1, 1), (33, 65), (31, 200)])
def test_output_has_input_resolution(model, hw):
    y = np.asarray(model(np.zeros((1, *hw, 3), np.float32)))
    assert y.shape == (1, *hw, 3)
    assert np.isfinite(y).all()


def _transpose(factor, x):
    k = bilinear_kernel(factor, x.shape[-1])
    layer = keras.layers.Conv2DTranspose(
        x.shape[-1], k.shape[0], strides=factor, padding="same", use_bias=False,
        kernel_initializer=keras.initializers.Constant(k),
    )
    return np.asarray(layer(x))


@pytest.mark.parametrize("factor", [2, 8])
def test_bilinear_transpose_upsamples_constant_and_ramp(factor):
    n = 12
    const = np.full((1, n, n, 2), 3.0, np.float32)
    y = _transpose(factor, const)
    assert y.shape == (1, n * factor, n * factor, 2)
    inner = slice(factor, (n - 1) * factor)  # borders see zero padding
    np.testing.assert_allclose(y[0, inner, inner], 3.0, rtol=1e-6)

    ramp = np.tile(np.arange(n, dtype=np.float32), (n, 1))[None, ..., None]
    y = _transpose(factor, ramp)[0, :, :, 0]
    o = np.arange(n * factor)
    expected = (o + 0.5) / factor - 0.5  # half-pixel bilinear, as cv2.resize / tf.image.resize
    np.testing.assert_allclose(y[n * factor // 2, inner], expected[inner], atol=1e-5)
    # Rows of a horizontal ramp are all alike away from the top/bottom border.
    np.testing.assert_allclose(y[inner, inner], np.broadcast_to(expected[inner], y[inner, inner].shape), atol=1e-5)


def test_untrained_model_uses_bilinear_layers(model):
    for name, factor in [("up2_stride32", 2), ("up2_stride16", 2), ("up8", 8)]:
        kernel = model.get_layer(name).get_weights()[0]
        np.testing.assert_allclose(kernel, bilinear_kernel(factor, 3))
    assert not model.get_layer("up8").trainable
    # Skip scorers start at zero: FCN-8s begins as FCN-32s.
    assert not np.any(model.get_layer("score_stride16").get_weights()[0])


def test_segmenter_interface_and_round_trip(model, tmp_path):
    seg = FcnSegmenter(model, ["background", "a", "b"], input_size=(64, 64), config={"arch": "fcn8s", "alpha": 1.0})
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    prob = seg(frame)
    assert prob.shape == (97, 131, 3) and prob.dtype == np.float32
    np.testing.assert_allclose(prob.sum(-1), 1.0, atol=1e-5)

    # Perturb weights so the round trip checks more than the initialisers.
    layer = model.get_layer("score_stride8")
    layer.set_weights([w + rng.normal(0, 0.1, w.shape).astype(np.float32) for w in layer.get_weights()])
    before = seg(frame)
    seg.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["classes"] == ["background", "a", "b"] and cfg["input_size"] == [64, 64]
    loaded = FcnSegmenter.load(tmp_path / "m")
    assert loaded.classes == seg.classes and loaded.input_size == (64, 64)
    np.testing.assert_allclose(loaded(frame), before, atol=1e-5)


def test_load_errors(tmp_path):
    with pytest.raises(TrackerError):
        FcnSegmenter.load(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "model.weights.h5").write_bytes(b"")
    with pytest.raises(TrackerError):
        FcnSegmenter.load(tmp_path)
    with pytest.raises(TrackerError):
        build_fcn8s(1, backbone_weights=None)
