"""The shipped TFLite embedder against the Keras model it was converted from, and its crops against TF's."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.models.embedders import mobilenetv2_embedder
from tracker.models.embedders.crops import crop_and_resize
from tracker.models.embedders.tflite import DEFAULT_PATH, TFLiteEmbedder


def _boxes(h: int, w: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (n, 2)) * [w, h]
    wh = rng.uniform(0.05, 0.6, (n, 2)) * [w, h]
    return np.concatenate([xy, xy + wh], 1)  # some run past the frame: clipped like the Keras path


@pytest.mark.parametrize("size", [(64, 32), (1, 1), (7, 3)])
def test_crop_and_resize_matches_tensorflow(size):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    b = rng.uniform(0, 1, (12, 4)).astype(np.float32)
    b = np.concatenate([np.minimum(b[:, :2], b[:, 2:]), np.maximum(b[:, :2], b[:, 2:])], 1)
    b[0] = [0, 0, 1, 1]
    b[1] = [0.5, 0.5, 0.5, 0.5]  # zero-area box
    ref = tf.image.crop_and_resize(frame[None], b, tf.zeros([len(b)], tf.int32), size).numpy()
    np.testing.assert_allclose(crop_and_resize(frame, b, size), ref, atol=1e-3)


def test_default_zoo_entry_is_tflite_and_options_fall_back_to_keras():
    assert isinstance(mobilenetv2_embedder(), TFLiteEmbedder)
    assert isinstance(mobilenetv2_embedder(crop_size=(64, 32), layer="f17_out"), TFLiteEmbedder)
    pytest.importorskip("tensorflow")
    assert not isinstance(mobilenetv2_embedder(layer="f13_out"), TFLiteEmbedder)


@pytest.fixture(scope="module")
def both():
    pytest.importorskip("tensorflow")
    return mobilenetv2_embedder(backend="keras"), TFLiteEmbedder(DEFAULT_PATH)


@pytest.mark.parametrize("photo", ["astronaut", "coffee", "chelsea", "rocket"])
def test_tflite_embeddings_equal_keras_on_real_photos(both, photo):
    data = pytest.importorskip("skimage.data")
    keras_emb, lite_emb = both
    img = np.ascontiguousarray(getattr(data, photo)()[..., :3][..., ::-1])
    boxes = _boxes(*img.shape[:2], n=30, seed=0)
    a, b = keras_emb(img, boxes), lite_emb(img, boxes)
    assert a.shape == b.shape == (30, 320)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.abs(a - b).max() <= 2e-3  # 7.5e-4 shipped; halving the early blocks too gives 1.2e-2
    sim_a, sim_b = a @ a.T, b @ b.T
    np.fill_diagonal(sim_a, -2)
    np.fill_diagonal(sim_b, -2)
    np.testing.assert_array_equal(sim_a.argmax(1), sim_b.argmax(1))


def test_batch_sizes_change_and_edge_cases():
    emb = TFLiteEmbedder()
    frame = np.full((40, 60, 3), 128, np.uint8)
    for n in (3, 1, 5, 3):  # the interpreter is resized each time; results stay per-row
        out = emb(frame, _boxes(40, 60, n, seed=n))
        assert out.shape == (n, emb.dim) and np.isfinite(out).all()
    assert emb(frame, np.zeros((0, 4))).shape == (0, 320)
    outside = emb(frame, np.array([[100.0, 100, 120, 130], [np.nan, 0, 5, 5]]))
    np.testing.assert_allclose(np.linalg.norm(outside, axis=1), 1.0, atol=1e-5)
    single = emb(frame, _boxes(40, 60, 5, seed=5))[2]
    np.testing.assert_allclose(emb(frame, _boxes(40, 60, 5, seed=5)[2:3])[0], single, atol=1e-5)
