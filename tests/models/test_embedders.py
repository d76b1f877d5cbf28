"""Embedder: batched crops -> finite unit vectors for any boxes; appearance is what moves the vectors."""

import numpy as np
import pytest

from tracker.detections import Detections
from tracker.errors import TrackerError


@pytest.fixture(scope="module")
def embedder():
    from tracker.models.embedders import load_embedder

    return load_embedder("mobilenetv2")


def _texture(kind: int, h: int, w: int, rng, noise: float = 0.0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:  # horizontal red/white stripes
        base = np.where((yy // 6) % 2 == 0, 1.0, 0.0)[..., None] * [40, 40, 220] + [200, 200, 235] * (1 - np.where((yy // 6) % 2 == 0, 1.0, 0.0))[..., None]
    else:  # green/black checkerboard
        chk = ((yy // 8 + xx // 8) % 2)[..., None]
        base = chk * [30, 200, 40] + (1 - chk) * [10, 10, 10]
    img = base + rng.normal(0, noise, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _unit_rows(v: np.ndarray) -> None:
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_empty_detections(embedder):
    frame = np.zeros((48, 64, 3), np.uint8)
    out = embedder(frame, Detections.empty())
    assert out.shape == (0, embedder.dim)
    assert embedder(frame, np.zeros((0, 4))).shape == (0, embedder.dim)


def test_outside_and_degenerate_boxes_give_unit_vectors(embedder):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    boxes = np.array(
        [
            [10, 10, 60, 110],  # inside
            [-40, -30, 30, 50],  # partly outside
            [200, 150, 260, 250],  # wholly outside
            [50, 50, 50, 50],  # zero area
            [80, 20, 80, 90],  # zero width
            [0, 0, 160, 120],  # whole frame
        ],
        float,
    )
    out = embedder(frame, Detections(boxes, None, None))
    assert out.shape == (6, embedder.dim)
    _unit_rows(out)
    # A black frame makes every crop blank: still unit vectors, never NaN.
    _unit_rows(embedder(np.zeros((120, 160, 3), np.uint8), boxes))


def test_same_crop_twice_is_identical_and_batch_independent(embedder):
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (100, 100, 3), dtype=np.uint8)
    box = [5, 10, 45, 90]
    alone = embedder(frame, np.array([box], float))
    pair = embedder(frame, np.array([box, box, [50, 0, 100, 100]], float))
    np.testing.assert_array_equal(pair[0], pair[1])
    np.testing.assert_allclose(alone[0], pair[0], atol=1e-5)


def test_texture_separates_more_than_noise(embedder):
    rng = np.random.default_rng(2)
    frame = np.zeros((128, 192, 3), np.uint8)
    frame[:, :64] = _texture(0, 128, 64, rng, noise=5)
    frame[:, 64:128] = _texture(0, 128, 64, rng, noise=25)
    frame[:, 128:] = _texture(1, 128, 64, rng, noise=5)
    v = embedder(frame, np.array([[0, 0, 64, 128], [64, 0, 128, 128], [128, 0, 192, 128]], float))
    same = 1 - v[0] @ v[1]
    diff = 1 - v[0] @ v[2]
    assert same < diff


def test_keras_path_traced_once():
    from tracker.models.embedders import load_embedder

    embedder = load_embedder("mobilenetv2", backend="keras")  # the default is the TFLite graph, untraced
    frame = np.zeros((60, 80, 3), np.uint8)
    for n in (1, 3, 7, 2):
        embedder(frame, np.tile([[0, 0, 40, 60]], (n, 1)).astype(float))
    assert embedder._embed.experimental_get_tracing_count() == 1


def test_saved_model_and_bad_specs(tmp_path):
    import tensorflow as tf

    from tracker.models.embedders import load_embedder

    class Tiny(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 32, 16, 3], tf.float32)])
        def __call__(self, x):
            return {"features": tf.concat([tf.reduce_mean(x, [1, 2]), tf.math.reduce_std(x, [1, 2])], -1)}

    m = Tiny()
    path = tmp_path / "tiny_embedder"
    tf.saved_model.save(m, str(path), signatures={"serving_default": m.__call__})
    emb = load_embedder(str(path))
    assert emb.crop_size == (32, 16)
    frame = np.zeros((50, 50, 3), np.uint8)
    frame[:, 25:] = (255, 0, 0)  # blue in BGR
    out = emb(frame, np.array([[0, 0, 25, 50], [25, 0, 50, 50]], float))
    assert out.shape == (2, 6)
    _unit_rows(out)
    assert out[0] @ out[1] < 0.99
    hub = load_embedder(f"tfhub:{path}")
    assert hub(frame, np.array([[0, 0, 25, 50]], float)).shape == (1, 6)

    for bad in ("nosuch-embedder", str(tmp_path / "missing"), "tfhub:"):
        with pytest.raises(TrackerError) as err:
            load_embedder(bad)
        assert "\n" not in str(err.value)
