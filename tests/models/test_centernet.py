"""CenterNet MobileNetV3 and MoveNet MultiPose on package-shipped photos, next to NanoDet.

Measured (conf 0.2): astronaut: person 0.61 (centernet), 0.50 (movenet), 0.73 (nanodet);
chelsea: cat 0.52 + a "dog" box on the same cat 0.27 (centernet, agnostic=False; the default
agnostic=True drops the dog), cat 0.57 (nanodet), nobody (movenet);
coffee: cup 0.59 + dining table 0.34 (centernet), dining table 0.52 + cup 0.27 (nanodet).
"""

from __future__ import annotations

import numpy as np
import pytest

from tracker.boxes import iou_matrix
from tracker.detections import Detections, Tracks
from tracker.errors import TrackerError
from tracker.models import registry
from tracker.models.coco import COCO_CLASSES

skimage_data = pytest.importorskip("skimage.data")

PERSON, CAT, CUP = (COCO_CLASSES.index(c) for c in ("person", "cat", "cup"))


def bgr(name: str) -> np.ndarray:
    return np.ascontiguousarray(getattr(skimage_data, name)()[..., ::-1])


@pytest.fixture(scope="module")
def detectors():
    return {name: registry.load(name, "detector", conf=0.2) for name in ("nanodet", "centernet", "movenet")}


def best(d: Detections, class_id: int) -> tuple[float, np.ndarray]:
    hits = d[d.class_id == class_id]
    assert len(hits), d
    k = int(np.argmax(hits.score))
    return float(hits.score[k]), hits.xyxy[k]


@pytest.mark.parametrize(
    "model, photo, class_id, min_score",
    [
        ("centernet", "astronaut", PERSON, 0.5),
        ("centernet", "chelsea", CAT, 0.4),
        ("centernet", "coffee", CUP, 0.4),
        ("movenet", "astronaut", PERSON, 0.4),
    ],
)
def test_finds_what_nanodet_finds(detectors, model, photo, class_id, min_score):
    frame = bgr(photo)
    score, box = best(detectors[model](frame), class_id)
    _, ref = best(detectors["nanodet"](frame), class_id)
    assert score >= min_score
    assert iou_matrix(box[None], ref[None])[0, 0] > 0.7, (box, ref)


@pytest.mark.parametrize("photo", ["chelsea", "coffee"])
def test_movenet_sees_no_person_without_one(detectors, photo):
    assert len(detectors["movenet"](bgr(photo))) == 0


@pytest.mark.parametrize("model", ["nanodet", "centernet", "movenet"])
@pytest.mark.parametrize("shape", [(480, 640, 3), (1, 1, 3)])
def test_empty_frame_gives_empty_detections(detectors, model, shape):
    d = detectors[model](np.zeros(shape, np.uint8))
    assert isinstance(d, Detections) and len(d) == 0 and d.xyxy.shape == (0, 4)


@pytest.mark.parametrize("model", ["centernet", "movenet"])
def test_boxes_map_back_through_the_letterbox(detectors, model):
    photo = bgr("astronaut")
    canvas = np.zeros((640, 1200, 3), np.uint8)
    canvas[64:576, 600:1112] = photo
    _, a = best(detectors[model](photo), PERSON)
    _, b = best(detectors[model](canvas), PERSON)
    # The canvas is shrunk 2.3x more into the input, so the box may move by a few input pixels.
    assert iou_matrix((b - [600, 64, 600, 64])[None], a[None])[0, 0] > 0.85, (a, b)


def test_centernet_agnostic_drops_the_dog_on_the_cat():
    frame = bgr("chelsea")
    plain = registry.load("centernet", "detector", conf=0.2, agnostic=False)(frame)
    agnostic = registry.load("centernet", "detector", conf=0.2)(frame)  # the default
    assert {CAT, COCO_CLASSES.index("dog")} <= set(plain.class_id.tolist())
    assert agnostic.class_id.tolist() == [CAT]


def test_centernet_class_subset():
    d = registry.load("centernet", "detector", conf=0.2, classes="cup")(bgr("coffee"))
    assert len(d) and set(d.class_id.tolist()) == {CUP}


@pytest.mark.parametrize("model, classes", [("centernet", ["persn"]), ("movenet", ["cat"])])
def test_unknown_class_is_a_user_error(model, classes):
    with pytest.raises(TrackerError, match="people|COCO"):
        registry.load(model, "detector", classes=classes)


def test_movenet_keypoints_on_the_astronaut(detectors):
    from tracker.models.detectors.movenet import KEYPOINT_NAMES, SKELETON

    d = detectors["movenet"](bgr("astronaut"))
    kp = d.data["keypoints"]
    assert kp.shape == (len(d), 17, 3) and kp.dtype == np.float32
    x1, y1, x2, y2 = d.xyxy[0]
    seen = kp[0, kp[0, :, 2] > 0.3]
    assert len(seen) >= 5  # head and shoulders at least (the photo is cut at the waist)
    assert ((seen[:, 0] >= x1 - 10) & (seen[:, 0] <= x2 + 10) & (seen[:, 1] >= y1 - 10) & (seen[:, 1] <= y2 + 10)).all()
    nose, l_sh = kp[0, KEYPOINT_NAMES.index("nose")], kp[0, KEYPOINT_NAMES.index("left_shoulder")]
    assert nose[1] < l_sh[1]  # the nose above the shoulder
    assert all(0 <= a < 17 and 0 <= b < 17 for a, b in SKELETON)


def test_keypoints_follow_detections_onto_tracks(detectors):
    d = detectors["movenet"](bgr("astronaut"))
    both = Detections.concatenate([d, d])
    assert both.data["keypoints"].shape == (2 * len(d), 17, 3)
    tracks = Tracks([7, 8], both.xyxy[:1].repeat(2, 0), [0.5, 0.0], 0, [0, -1], 2).attach(d)
    np.testing.assert_array_equal(tracks.data["keypoints"][0], d.data["keypoints"][0])
    assert np.isnan(tracks.data["keypoints"][1]).all()  # coasting track: no keypoints this frame


@pytest.mark.parametrize("model", ["nanodet", "centernet", "movenet"])
@pytest.mark.parametrize("photo", ["astronaut", "chelsea", "coffee"])
def test_agnostic_leaves_no_cross_class_pairs(model, photo):
    from tracker.models.detectors.cross_class import cross_class_pairs

    from tracker.models.detectors.cross_class import CROSS_CLASS_IOU

    d = registry.load(model, "detector", conf=0.1, agnostic=True)(bgr(photo))
    assert cross_class_pairs(d, CROSS_CLASS_IOU) == 0


def test_pipeline_tracks_carry_movenet_keypoints():
    from tracker.pipeline import Pipeline

    pipe = Pipeline("movenet", embedder=None)
    frame = bgr("astronaut")
    results = [pipe.process(frame, i) for i in range(6)]
    tracks = results[-1].tracks
    assert len(tracks) == 1 and tracks.det_index[0] == 0
    np.testing.assert_array_equal(tracks.data["keypoints"][0], results[-1].detections.data["keypoints"][0])
