"""COCO and YOLO readers on tiny hand-written files; the shapes generator writes both layouts alike."""

import json

import cv2
import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.train.datasets import load_dataset, make_shapes_dataset, read_coco, read_yolo


def _write_images(folder, names, size=(40, 60)):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        cv2.imwrite(str(folder / n), np.zeros((*size, 3), np.uint8))


def test_read_coco(tmp_path):
    _write_images(tmp_path / "images", ["a.png", "b.png"])
    coco = {
        "images": [{"id": 10, "file_name": "a.png", "width": 60, "height": 40}, {"id": 11, "file_name": "b.png"}],
        "annotations": [
            {"id": 1, "image_id": 10, "category_id": 7, "bbox": [1, 2, 10, 20]},
            {"id": 2, "image_id": 10, "category_id": 3, "bbox": [5, 5, 4, 4]},
            {"id": 3, "image_id": 10, "category_id": 3, "bbox": [0, 0, 30, 30], "iscrowd": 1},
            {"id": 4, "image_id": 11, "category_id": 7, "bbox": [0, 0, 0, 5]},
        ],
        "categories": [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}],
    }
    (tmp_path / "ann.json").write_text(json.dumps(coco))
    ds = read_coco(tmp_path / "ann.json")
    # Classes are contiguous in ascending category id; crowd and zero-size boxes are skipped.
    assert ds.classes == ["cat", "dog"] and ds.category_ids == [3, 7]
    a, b = ds.examples
    assert a.image_path == tmp_path / "images" / "a.png" and a.image_id == 10
    assert np.allclose(a.xyxy, [[1, 2, 11, 22], [5, 5, 9, 9]]) and list(a.class_ids) == [1, 0]
    assert len(b.xyxy) == 0 and a.load().shape == (40, 60, 3)
    back = ds.to_coco()
    assert back["annotations"][0]["bbox"] == [1.0, 2.0, 10.0, 20.0] and back["annotations"][0]["category_id"] == 7


def test_read_yolo(tmp_path):
    _write_images(tmp_path / "images", ["x.png", "y.jpg"], size=(40, 60))
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "x.txt").write_text("1 0.5 0.5 0.5 0.25\n\n0 0.1 0.1 0.2 0.2\n")
    (tmp_path / "classes.txt").write_text("one\ntwo\n")
    ds = read_yolo(tmp_path)
    assert ds.classes == ["one", "two"] and len(ds) == 2
    x = ds.examples[0]
    assert np.allclose(x.xyxy, [[15, 15, 45, 25], [0, 0, 12, 8]]) and list(x.class_ids) == [1, 0]
    assert len(ds.examples[1].xyxy) == 0  # no label file: an image without objects


@pytest.mark.parametrize(
    "label,match",
    [("0 0.5 0.5 0.1\n", "expected 'cls cx cy w h'"), ("a 0.5 0.5 0.1 0.1\n", "expected"), ("0 0.5 0.5 -1 0.1\n", "negative"), ("5 0.5 0.5 0.1 0.1\n", "classes.txt names only")],
)
def test_malformed_yolo(tmp_path, label, match):
    _write_images(tmp_path / "images", ["x.png"])
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "x.txt").write_text(label)
    (tmp_path / "classes.txt").write_text("one\ntwo\n")
    with pytest.raises(TrackerError, match=match):
        read_yolo(tmp_path)


@pytest.mark.parametrize(
    "text,match",
    [
        ("{oops", "cannot read COCO JSON"),
        ('{"images": [], "annotations": []}', "not a COCO detection file"),
        ('{"images": [{"id": 1, "file_name": "a"}], "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2]}], "categories": [{"id": 1, "name": "c"}]}', "bbox must be"),
        ('{"images": [{"id": 1, "file_name": "a"}], "annotations": [{"image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]}], "categories": [{"id": 1, "name": "c"}]}', "unknown image_id"),
        ('{"images": [{"id": 1, "file_name": "a"}], "annotations": [{"image_id": 1, "category_id": 4, "bbox": [1, 2, 3, 4]}], "categories": [{"id": 1, "name": "c"}]}', "unknown category_id"),
    ],
)
def test_malformed_coco(tmp_path, text, match):
    (tmp_path / "ann.json").write_text(text)
    with pytest.raises(TrackerError, match=match):
        read_coco(tmp_path / "ann.json")


def test_missing_paths(tmp_path):
    with pytest.raises(TrackerError, match="not found"):
        load_dataset(tmp_path / "nope")
    with pytest.raises(TrackerError, match="not a YOLO dataset"):
        load_dataset(tmp_path, "yolo")
    with pytest.raises(TrackerError, match="no annotations.json"):
        load_dataset(tmp_path, "coco")


def test_shapes_generator_writes_coco_and_yolo_alike(tmp_path):
    coco = load_dataset(make_shapes_dataset(tmp_path / "c", 6, seed=3, size=(96, 128)))
    yolo = load_dataset(make_shapes_dataset(tmp_path / "y", 6, seed=3, size=(96, 128), fmt="yolo"))
    assert coco.classes == yolo.classes == ["circle", "square", "triangle"]
    for a, b in zip(coco.examples, yolo.examples):
        assert 1 <= len(a.xyxy) <= 4 and np.allclose(a.xyxy, b.xyxy, atol=1e-3)
        assert (a.class_ids == b.class_ids).all()
        assert a.load().shape == (96, 128, 3)
        assert (a.xyxy[:, 2:] > a.xyxy[:, :2]).all() and (a.xyxy >= 0).all() and (a.xyxy[:, 2] <= 128).all()
    # Seeded: the same call writes the same annotations.
    again = load_dataset(make_shapes_dataset(tmp_path / "c2", 6, seed=3, size=(96, 128)))
    assert all(np.array_equal(a.xyxy, b.xyxy) for a, b in zip(coco.examples, again.examples))


def test_split_is_seeded_and_disjoint(tmp_path):
    ds = load_dataset(make_shapes_dataset(tmp_path, 10, seed=0, size=(64, 64)))
    tr, va = ds.split(0.3, seed=1)
    ids = lambda d: {e.image_id for e in d.examples}  # noqa: E731
    assert len(va) == 3 and len(tr) == 7 and not ids(tr) & ids(va)
    assert ids(ds.split(0.3, seed=1)[1]) == ids(va)
