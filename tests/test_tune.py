"""``tracker tune`` finds a known-better setting on a tiny generated set; its file feeds ``track --config``."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tracker.cli import main
from tracker.cli.options import tracker_options
from tracker.errors import TrackerError
from tracker.eval.tracking import evaluate_mot
from tracker.tune import load_config, save_config, tune

pytest.importorskip("optuna")
pytest.importorskip("trackeval")

GAP = range(20, 24)  # every object's detections vanish for these 4 frames


def make_set(root: Path, n_seqs: int = 2, n_frames: int = 50, n_objects: int = 3) -> Path:
    """Sequences where objects move in straight lines and their detections vanish for 4 frames.

    Only a track that survives 4 misses (``max_age >= 4``) keeps its identity through the gap.
    """
    rng = np.random.default_rng(0)
    for s in range(n_seqs):
        seq = root / f"SEQ-{s:02d}"
        (seq / "gt").mkdir(parents=True)
        (seq / "det").mkdir()
        (seq / "seqinfo.ini").write_text(
            f"[Sequence]\nname={seq.name}\nframeRate=10\nseqLength={n_frames}\nimWidth=1000\nimHeight=500\n"
        )
        gt, det = [], []
        for k in range(n_objects):
            x0, y0, vx = 50 + 300 * k, 100 + 40 * s, rng.uniform(2, 4)
            for f in range(1, n_frames + 1):
                x, y = x0 + vx * f, y0
                gt.append(f"{f},{k + 1},{x:.2f},{y:.2f},40,100,1,1,1\n")
                if f not in GAP:
                    jx, jy = rng.normal(0, 1, 2)
                    det.append(f"{f},-1,{x + jx:.2f},{y + jy:.2f},40,100,0.9,-1,-1,-1\n")
        (seq / "gt" / "gt.txt").write_text("".join(gt))
        (seq / "det" / "det.txt").write_text("".join(det))
    return root


BAD_START = {"max_age": 1, "output_coasting": 0}


@pytest.fixture
def tiny_set(tmp_path) -> Path:
    return make_set(tmp_path / "data")


def test_tune_finds_a_setting_that_survives_the_gap(tiny_set):
    result = tune([tiny_set], trials=12, seed=0, start=BAD_START)
    assert result.trials == 12
    assert result.history[0] == result.start_hota  # the start is tried first
    assert result.hota > result.start_hota + 5
    assert result.options["max_age"] >= len(GAP)  # shorter-lived tracks die in the gap


def test_same_seed_same_trials(tiny_set):
    a = tune([tiny_set], trials=4, seed=3, start=BAD_START)
    b = tune([tiny_set], trials=4, seed=3, start=BAD_START)
    assert a.history == b.history and a.options == b.options


def test_cli_tune_writes_a_config_that_track_reads(tiny_set, tmp_path, capsys):
    cfg = tmp_path / "tuned.json"
    start = tmp_path / "bad.json"
    save_config(start, BAD_START)
    assert main(["tune", str(tiny_set), "--trials", "12", "--start", str(start), "--out", str(cfg), "--quiet"]) == 0
    body = json.loads(cfg.read_text())
    assert body["tune"]["trials"] == 12 and body["tune"]["hota"] > body["tune"]["start_hota"]
    options = load_config(cfg)
    assert options == body["tracker"] and options["max_age"] >= len(GAP)

    # `track --config` with the tuned file beats the bad start on the same sequences.
    hota = {}
    for name, path in (("tuned", cfg), ("bad", start)):
        out = tmp_path / name
        out.mkdir()
        for seq in sorted(tiny_set.iterdir()):
            assert main(["track", str(seq), "--config", str(path), "--mot-out", str(out / f"{seq.name}.txt"), "--quiet"]) == 0
        hota[name] = evaluate_mot(tiny_set, out)[-1].HOTA
    assert hota["tuned"] == pytest.approx(body["tune"]["hota"], abs=0.01)
    assert hota["bad"] == pytest.approx(body["tune"]["start_hota"], abs=0.01)


def test_command_line_flags_override_the_config_file(tmp_path):
    cfg = tmp_path / "c.json"
    save_config(cfg, {"max_age": 50, "n_init": 4, "high_score": 0.6})
    args = SimpleNamespace(config=str(cfg), max_age=2, n_init=None)
    assert tracker_options(args) == {"max_age": 2, "n_init": 4, "high_score": 0.6}


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"tracker": {"max_ages": 3}}', "unknown tracker setting(s) max_ages"),
        ('{"max_age": 2.5}', "max_age must be an integer"),
        ('{"fuse_score": 1}', "fuse_score must be true or false"),
        ('{"high_score": "high"}', "high_score must be a number"),
        ("[1, 2]", "expected a JSON object"),
        ("{max_age: 3}", "not valid JSON"),
    ],
)
def test_bad_config_files_are_one_line_errors(tmp_path, text, message, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(text)
    with pytest.raises(TrackerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(cfg)
    # Through the CLI: one line, exit 2, and an existing output file is left alone.
    out = tmp_path / "out.txt"
    out.write_text("keep\n")
    seq = make_set(tmp_path / "d", n_seqs=1, n_frames=5) / "SEQ-00"
    assert main(["track", str(seq), "--config", str(cfg), "--mot-out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tracker: error:") and out.read_text() == "keep\n"


def test_tune_on_a_folder_without_sequences_is_a_user_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["tune", str(tmp_path / "empty"), "--out", str(tmp_path / "c.json"), "--trials", "1"]) == 2
    assert "no MOTChallenge sequences" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
