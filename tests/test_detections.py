"""The records between stages: every field is checked, empty is ordinary, nothing is silently reshaped."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Detections, Tracks, TrackState
from tracker.errors import RecordError, TrackerError

B2 = [[0, 0, 10, 10], [5, 5, 20, 30]]


@pytest.mark.parametrize(
    "kwargs, n, emb_shape, mask_shape",
    [
        (dict(xyxy=np.zeros((0, 4)), score=[], class_id=[], embedding=np.zeros((0, 128))), 0, (0, 128), None),
        (dict(xyxy=[], score=None, class_id=None, embedding=np.zeros((0, 0))), 0, (0, 0), None),
        (dict(xyxy=[], score=[], class_id=[], embedding=[]), 0, (0, 0), None),
        (dict(xyxy=[], score=[], class_id=[], mask=np.zeros((0, 24, 32))), 0, None, (0, 24, 32)),
        (dict(xyxy=[], score=[], class_id=[], mask=[]), 0, None, (0, 0, 0)),
        (dict(xyxy=[1, 2, 3, 4], score=0.5, class_id=2), 1, None, None),
        (dict(xyxy=B2, score=0.9, class_id=0, embedding=np.ones((2, 3))), 2, (2, 3), None),
        (dict(xyxy=B2, score=[[0.9], [0.8]], class_id=[[1, 2]]), 2, None, None),  # (N, 1) and (1, N) columns
        (dict(xyxy=B2, score=[0.9, 0.8], class_id=[1.0, 2.0], mask=np.zeros((2, 4, 5), np.uint8)), 2, None, (2, 4, 5)),
        (dict(xyxy=[[np.nan, 0, np.inf, -1e300]], score=[np.nan], class_id=[0]), 1, None, None),  # bad values are data
    ],
)
def test_valid_records(kwargs, n, emb_shape, mask_shape):
    d = Detections(**kwargs)
    assert len(d) == n
    assert d.xyxy.shape == (n, 4) and d.xyxy.dtype == np.float64
    assert d.score.shape == (n,) and d.class_id.shape == (n,) and d.class_id.dtype == np.int64
    assert (d.embedding is None and emb_shape is None) or d.embedding.shape == emb_shape
    assert (d.mask is None and mask_shape is None) or (d.mask.shape == mask_shape and d.mask.dtype == bool)


@pytest.mark.parametrize(
    "kwargs, field, expected",
    [
        (dict(xyxy=B2, score=[0.9, 0.8, 0.7], class_id=0), "Detections.score", "(2,)"),
        (dict(xyxy=B2, score=0.9, class_id=[0, 0, 0]), "Detections.class_id", "(2,)"),
        (dict(xyxy=B2, score=0.9, class_id=[0.5, 1]), "Detections.class_id", "integers"),
        (dict(xyxy=B2, score=0.9, class_id=[np.nan, 1]), "Detections.class_id", "integers"),
        (dict(xyxy=B2, score=0.9, class_id=0, embedding=np.ones((3, 8))), "Detections.embedding", "(2, D)"),
        (dict(xyxy=B2, score=0.9, class_id=0, embedding=np.ones(16)), "Detections.embedding", "(2, D)"),
        (dict(xyxy=B2, score=0.9, class_id=0, embedding=np.ones((2, 0))), "Detections.embedding", "D >= 1"),
        (dict(xyxy=[], score=[], class_id=[], embedding=np.ones((1, 8))), "Detections.embedding", "(0, D)"),
        (dict(xyxy=B2, score=0.9, class_id=0, mask=np.zeros((3, 4, 4))), "Detections.mask", "(2, H, W)"),
        (dict(xyxy=B2, score=0.9, class_id=0, mask=np.zeros((2, 4))), "Detections.mask", "(2, H, W)"),
        (dict(xyxy=[[1, 2, 3, 4, 5, 6, 7, 8]], score=0.9, class_id=0), "Detections.xyxy", "(N, 4)"),
        (dict(xyxy=[1, 2, 3, 4, 5, 6, 7, 8], score=0.9, class_id=0), "Detections.xyxy", "(N, 4)"),
        (dict(xyxy=[["a", "b", "c", "d"]], score=0.9, class_id=0), "Detections.xyxy", "float64"),
        (dict(xyxy=B2, score=0.9, class_id=0, data={"labels": ["a"]}), "Detections.data['labels']", "(2)"),
        (dict(xyxy=B2, score=0.9, class_id=0, data=[1, 2]), "Detections.data", "dict"),
    ],
)
def test_invalid_records_name_the_field(kwargs, field, expected):
    with pytest.raises(RecordError) as err:
        Detections(**kwargs)
    msg = str(err.value)
    assert msg.startswith(field + ":") and expected in msg and "\n" not in msg
    assert isinstance(err.value, TrackerError) and isinstance(err.value, ValueError)


def test_valid_index_drops_non_finite_degenerate_and_absurd_boxes():
    d = Detections(
        [[0, 0, 10, 10], [np.nan, 0, 1, 1], [5, 5, 5, 9], [6, 6, 2, 9], [-50, -50, -10, -10], [0, 0, 2e6, 10], [0, 0, 1, 1]],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, np.nan],
        0,
    )  # fmt: skip
    assert d.valid_index().tolist() == [0, 4]  # negative coordinates are fine (objects leaving the frame)
    assert Detections.empty().valid_index().tolist() == []


def test_empty_and_with_keep_embedding_dim():
    d = Detections.empty(embedding_dim=64)
    assert d.embedding.shape == (0, 64)
    assert d.with_(embedding=np.zeros((0, 32), np.float32)).embedding.shape == (0, 32)
    with pytest.raises(RecordError, match="embedding"):
        Detections(B2, 0.9, 0).with_(embedding=np.zeros((0, 32)))


def test_indexing_keeps_fields_and_data():
    d = Detections(B2, [0.9, 0.8], [1, 2], np.eye(2), np.ones((2, 3, 3)), {"labels": ["a", "b"], "src": "x"})
    for index, want in [(1, ["b"]), ([1, 0], ["b", "a"]), (np.array([False, False]), []), (slice(0, 1), ["a"])]:
        s = d[index]
        assert s.data["labels"] == want and s.data["src"] == "x"
        assert len(s) == len(want) == len(s.embedding) == len(s.mask)


def test_concatenate_keeps_data_embeddings_and_masks():
    a = Detections(B2, [0.9, 0.8], [1, 2], np.eye(2), np.ones((2, 3, 3)), {"labels": ["a", "b"], "t": np.array([1.0, 2])})
    b = Detections([[1, 1, 2, 2]], [0.5], [3], np.ones((1, 2)), np.zeros((1, 3, 3)), {"t": np.array([3.0]), "src": "cam"})
    c = Detections.concatenate([a, Detections.empty(2), b])
    assert len(c) == 3 and c.class_id.tolist() == [1, 2, 3]
    assert c.embedding.shape == (3, 2) and c.mask.shape == (3, 3, 3)
    assert c.data["labels"] == ["a", "b", None]  # the part without labels contributes None
    np.testing.assert_array_equal(c.data["t"], [1.0, 2.0, 3.0])
    assert c.data["src"] == "cam"
    assert len(Detections.concatenate([])) == 0
    assert len(Detections.concatenate([Detections.empty(4), Detections.empty(4)])) == 0
    with pytest.raises(RecordError, match="embedding"):
        Detections.concatenate([a, b.with_(embedding=np.ones((1, 5)))])


@pytest.mark.parametrize("index", [[2], [-2]])
def test_attach_rejects_det_index_outside_detections(index):
    t = Tracks([1], [[0, 0, 1, 1]], [0.9], [0], index, [TrackState.CONFIRMED])
    with pytest.raises(RecordError, match="det_index"):
        t.attach(Detections(B2, 0.9, 0))


def test_attach_carries_masks_and_data_with_gaps_for_coasting_tracks():
    det = Detections(
        B2, [0.9, 0.8], [0, 0], mask=np.arange(2 * 2 * 2).reshape(2, 2, 2) % 3 == 0,
        data={"labels": ["p", "q"], "conf2": np.array([0.1, 0.2]), "ids": np.array([7, 8]), "src": "cam"},
    )  # fmt: skip
    t = Tracks([4, 5, 6], np.zeros((3, 4)), [0.8, 0, 0.9], [0, 0, 0], [1, -1, 0], [2, 2, 2])
    out = t.attach(det)
    assert t.mask is None and t.data == {}  # the original is untouched
    np.testing.assert_array_equal(out.mask[0], det.mask[1])
    assert not out.mask[1].any()
    np.testing.assert_array_equal(out.mask[2], det.mask[0])
    assert out.data["labels"] == ["q", None, "p"] and out.data["src"] == "cam"
    np.testing.assert_array_equal(out.data["conf2"], [0.2, np.nan, 0.1])
    assert out.data["ids"].tolist() == [8, None, 7]


def test_attach_on_an_empty_frame_gives_empty_masks_to_coasting_tracks():
    det = Detections([], [], [], mask=np.zeros((0, 6, 7), bool), data={"labels": []})
    t = Tracks([4], [[0, 0, 3, 3]], [0.0], [0], [-1], [2])
    out = t.attach(det)
    assert out.mask.shape == (1, 6, 7) and not out.mask.any()
    assert out.data["labels"] == [None]
    assert Tracks.empty().attach(det).mask.shape == (0, 6, 7)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(xyxy=np.zeros((1, 4))), "Tracks.xyxy"),
        (dict(score=[0.1, 0.2, 0.3]), "Tracks.score"),
        (dict(det_index=[0]), "Tracks.det_index"),
        (dict(state=[2, 2, 2]), "Tracks.state"),
        (dict(mask=np.zeros((1, 3, 3))), "Tracks.mask"),
        (dict(track_id=None), "Tracks.track_id"),
        (dict(data={"labels": ["a"]}), "Tracks.data['labels']"),
    ],
)
def test_tracks_validate_every_field(kwargs, field):
    base = dict(track_id=[1, 2], xyxy=np.zeros((2, 4)), score=[0.5, 0.5], class_id=[0, 0], det_index=[0, -1], state=[2, 2])
    with pytest.raises(RecordError) as err:
        Tracks(**{**base, **kwargs})
    assert str(err.value).startswith(field + ":")


def test_tracks_empty_and_indexing():
    assert len(Tracks.empty()) == 0 and Tracks.empty().xyxy.shape == (0, 4)
    t = Tracks([1, 2], np.zeros((2, 4)), [0.5, 0.5], [0, 0], [0, -1], [2, 2], data={"labels": ["a", "b"]})
    assert t[1].track_id.tolist() == [2] and t[1].data["labels"] == ["b"]
