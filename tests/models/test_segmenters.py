"""The shipped person segmenter on images whose answer we know.

``tests/data/astronaut_person_mask.png`` is a reference mask of the astronaut (including the helmet she
holds), made once from this segmenter's output at 0.5 and corrected by eye: the largest component with
holes filled, and a strip of the US flag at the bottom-left edge cut off with a hand-placed line.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.models import registry
from tracker.models.segmenters import SelfieSegmenter, load_segmenter

skimage_data = pytest.importorskip("skimage.data")
sklearn_datasets = pytest.importorskip("sklearn.datasets")

REF = Path(__file__).resolve().parents[1] / "data" / "astronaut_person_mask.png"


@pytest.fixture(scope="module")
def seg():
    return SelfieSegmenter()


@pytest.fixture(scope="module")
def astronaut():
    return cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def reference():
    return cv2.imread(str(REF), cv2.IMREAD_GRAYSCALE) > 127


def _iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def test_output_is_probability_at_frame_resolution(seg, astronaut):
    prob = seg(astronaut)
    assert prob.shape == astronaut.shape[:2] and prob.dtype == np.float32
    assert 0.0 <= prob.min() and prob.max() <= 1.0
    assert seg.classes == ["background", "person"]


@pytest.mark.parametrize("shape", [(97, 131), (480, 640), (720, 64), (1, 1)])
def test_any_frame_size(seg, shape):
    frame = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    for fit in ("stretch", "letterbox"):
        assert SelfieSegmenter(fit=fit)(frame).shape == shape


def test_astronaut_is_person(seg, astronaut, reference):
    mask = seg(astronaut) > 0.5
    # Measured 0.983 (stretch and letterbox agree on a square image).
    assert _iou(mask, reference) >= 0.93
    # Little of the background: false positives beyond a 5-pixel band around the reference (measured
    # 1.6% of the background, nearly all of it the flag strip cut from the reference).
    band = cv2.dilate(reference.astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    assert (mask & ~band).sum() / (~band).sum() < 0.03


def test_astronaut_non_square_crop(seg, astronaut, reference):
    mask = seg(astronaut[150:]) > 0.5  # 362x512: measured 0.966 with stretch
    assert _iou(mask, reference[150:]) >= 0.9


def test_china_has_almost_no_person(seg):
    china = cv2.cvtColor(sklearn_datasets.load_sample_image("china.jpg"), cv2.COLOR_RGB2BGR)
    assert (seg(china) > 0.5).mean() < 0.01  # measured 0.0


def test_zoo_entry_and_loader(astronaut):
    entry = registry.get("selfie", task="segmenter")
    assert entry.default and registry.default("segmenter").name == "selfie"
    s = load_segmenter("selfie")
    assert isinstance(s, SelfieSegmenter)
    small = cv2.resize(astronaut, (128, 128))
    assert s(small).shape == (128, 128)


def test_bad_inputs(seg, tmp_path):
    with pytest.raises(TrackerError):
        seg(np.zeros((10, 10), np.uint8))
    with pytest.raises(TrackerError):
        SelfieSegmenter(fit="crop")
    with pytest.raises(TrackerError):
        SelfieSegmenter(model_path=tmp_path / "missing.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    with pytest.raises(TrackerError):
        SelfieSegmenter(model_path=bad)
    with pytest.raises(TrackerError):
        load_segmenter("no-such-segmenter")
