"""A short transfer-learning run on generated shapes learns to detect them (pycocotools mAP)."""

import numpy as np
import pytest

from tracker.train.datasets import load_dataset, make_shapes_dataset
from tracker.train.detector import detection_loss, random_box_map, train_detector
from tracker.models.detectors.fcn import encode_grid, load_fcn_detector


def test_loss_is_small_for_a_prediction_matching_the_target():
    target = encode_grid([[10, 10, 40, 50], [60, 20, 90, 40]], [0, 2], (6, 6), 16, 3, 64.0)[None]
    logits = np.where(target[..., :1] > 0, 12.0, -12.0)
    txy = np.log(np.clip(target[..., 1:3], 1e-6, 1 - 1e-6) / np.clip(1 - target[..., 1:3], 1e-6, 1))
    cls = np.where(target[..., 5:] > 0, 12.0, -12.0)
    good = np.concatenate([logits, txy, target[..., 3:5], cls], axis=-1)
    total, obj, box, c = (float(v) for v in detection_loss(target, good))
    worse = [float(v) for v in detection_loss(target, np.zeros_like(good))]
    assert obj < 1e-3 and c < 1e-3 and total < worse[0] / 2
    assert all(w > g for w, g in zip(worse[1:], (obj, box, c)))


@pytest.mark.slow
def test_short_training_learns_shapes(tmp_path):
    data = make_shapes_dataset(tmp_path / "shapes", 110, seed=5, size=(128, 128), max_objects=3, size_range=(0.15, 0.4))
    train, val = load_dataset(data).split(30 / 110, seed=0)
    logs = []
    result = train_detector(
        train, val, tmp_path / "det", epochs=10, freeze_epochs=10, input_size=(128, 128), batch_size=16, seed=0, log=logs.append
    )
    losses = [h["loss"] for h in result.history]
    obj = [h["obj"] for h in result.history]
    assert len(losses) == 10 and losses[-1] < losses[0] / 5 and obj[-1] < obj[0] / 5, result.history
    chance = random_box_map(val)["map50"]
    # Measured: chance 0.0; this run 0.74 mAP@0.5 (0.77 with data seed 6), loss 7.7 -> 0.29.
    # The floor leaves room for run-to-run and platform variation.
    assert result.metrics["map50"] > 0.4, (result.metrics, logs)
    assert result.metrics["map50"] > chance + 0.3
    # The saved detector reloads and finds shapes in a held-out image.
    det = load_fcn_detector(tmp_path / "det")
    ex = val.examples[0]
    found = det(ex.load())
    assert len(found) >= 1 and set(found.data["labels"]) <= {"circle", "square", "triangle"}
