"""``tracker train-detector`` argument and data errors are one line with exit code 2 (training itself is
covered by tests/train/test_detector.py)."""

import pytest

import tracker.cli as cli


@pytest.fixture
def run_cli(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("train-detector",))
    return cli.main


def _one_line_error(capsys, needle):
    err = capsys.readouterr().err
    assert err.startswith("tracker: error: ") and err.count("\n") == 1 and needle in err, err


def test_missing_data(tmp_path, run_cli, capsys):
    assert run_cli(["train-detector", str(tmp_path / "nope.json"), "--out", str(tmp_path / "det")]) == 2
    _one_line_error(capsys, "dataset not found")


def test_out_not_empty(tmp_path, run_cli, capsys):
    (tmp_path / "det").mkdir()
    (tmp_path / "det" / "x").write_text("")
    assert run_cli(["train-detector", str(tmp_path), "--out", str(tmp_path / "det")]) == 2
    _one_line_error(capsys, "--overwrite")


def test_malformed_annotations(tmp_path, run_cli, capsys):
    (tmp_path / "ann.json").write_text('{"images": [], "annotations": [], "categories": 5}')
    assert run_cli(["train-detector", str(tmp_path / "ann.json"), "--out", str(tmp_path / "det")]) == 2
    _one_line_error(capsys, "not a COCO detection file")


def test_bad_epochs(tmp_path, run_cli, capsys):
    from tracker.train.datasets import make_shapes_dataset

    data = make_shapes_dataset(tmp_path / "d", 4, size=(64, 64))
    args = ["train-detector", str(data), "--out", str(tmp_path / "det"), "--epochs", "2", "--freeze-epochs", "3"]
    assert run_cli(args) == 2
    _one_line_error(capsys, "freeze-epochs")


def test_bad_input_size(tmp_path, run_cli):
    assert run_cli(["train-detector", str(tmp_path), "--out", str(tmp_path / "det"), "--input-size", "16"]) == 2
