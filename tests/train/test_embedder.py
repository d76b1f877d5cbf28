"""Fine-tuning the embedder on identity folders improves held-out separation and is loadable."""

import json

import numpy as np
import pytest

from tracker.errors import TrackerError


def _make_identities(root, n_ids: int = 6, per_id: int = 16, h: int = 64, w: int = 32, seed: int = 0):
    """Each identity: a torso/legs colour pair and a stripe period, rendered with shifts, noise and lighting."""
    import cv2

    rng = np.random.default_rng(seed)
    for k in range(n_ids):
        top = rng.integers(60, 200, 3)
        bottom = rng.integers(60, 200, 3)
        period = 3 + k
        d = root / f"id{k}"
        d.mkdir(parents=True)
        for j in range(per_id):
            yy, xx = np.mgrid[0:h, 0:w]
            img = np.where((yy < h // 2)[..., None], top, bottom).astype(np.float32)
            stripes = ((yy + rng.integers(0, period)) // period) % 2
            img += (stripes[..., None] * 30.0 - 15.0)
            img *= rng.uniform(0.7, 1.3)
            img += rng.normal(0, 30, img.shape)
            img = np.roll(img, rng.integers(-4, 5), axis=1)
            cv2.imwrite(str(d / f"{j}.png"), np.clip(img, 0, 255).astype(np.uint8))


@pytest.mark.slow
def test_training_improves_separation_and_loads(tmp_path, capsys):
    from tracker.cli import main
    from tracker.models.embedders import load_embedder

    data = tmp_path / "ids"
    _make_identities(data)
    out = tmp_path / "model"
    rc = main([
        "train-embedder", str(data), "--out", str(out), "--epochs", "5", "--steps-per-epoch", "5",
        "--layer", "f13_out", "--crop", "64x32", "--lr", "3e-4",
    ])
    assert rc == 0
    assert "held-out AUC" in capsys.readouterr().out
    cfg = json.loads((out / "embedder.json").read_text())
    before, after = cfg["separation_before"], cfg["separation_after"]
    assert after["gap"] > before["gap"] + 0.05, (before, after)
    assert after["auc"] > before["auc"], (before, after)
    assert cfg["loss_history"][-1] < cfg["loss_history"][0]

    emb = load_embedder(str(out))
    assert emb.crop_size == (64, 32)
    frame = np.random.default_rng(0).integers(0, 255, (80, 80, 3), dtype=np.uint8)
    v = emb(frame, np.array([[0, 0, 30, 60], [40, 10, 70, 70]], float))
    assert v.shape == (2, 96)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_bad_data_folder(tmp_path):
    from tracker.train.embedder import load_identity_folder

    with pytest.raises(TrackerError):
        load_identity_folder(tmp_path / "missing", (64, 32))
    (tmp_path / "only_one").mkdir()
    with pytest.raises(TrackerError):
        load_identity_folder(tmp_path, (64, 32))


def test_cli_errors_are_one_line(tmp_path, capsys):
    from tracker.cli import main

    assert main(["train-embedder", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tracker: error:") and "\n" not in err
