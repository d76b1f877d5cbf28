"""``tracker eval-detections`` prints both mAPs; bad inputs give one line on stderr and exit code 2."""

import json

import pytest

import tracker.cli as cli


@pytest.fixture
def run_cli(monkeypatch):
    # Only this command is registered, so the test does not depend on every other command importing.
    monkeypatch.setattr(cli, "COMMANDS", ("eval-detections",))
    return cli.main


def _files(tmp_path):
    gt = {
        "images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
            {"id": 2, "image_id": 2, "category_id": 2, "bbox": [30, 5, 10, 40]},
        ],
        "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}],
    }
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    lines = [
        {"frame": 0, "detections": [{"xyxy": [10, 10, 30, 30], "score": 0.9, "class_id": 0, "label": "circle"}]},
        {"frame": 1, "detections": [{"xyxy": [36, 5, 46, 45], "score": 0.8, "class_id": 1, "label": "square"}]},
    ]
    (tmp_path / "det.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    return tmp_path / "gt.json", tmp_path / "det.jsonl"


def test_prints_map50_and_map(tmp_path, run_cli, capsys):
    gt, det = _files(tmp_path)
    assert run_cli(["eval-detections", "--gt", str(gt), "--pred", str(det)]) == 0
    out = capsys.readouterr().out
    # The square is shifted by 6 of 10 px (IoU 0.25): a miss at every threshold, so mAP is the circle's half.
    assert "mAP@0.5       0.5000" in out and "mAP@[.5:.95]  0.5000" in out
    assert "Average Precision" not in out  # pycocotools' table only with --verbose
    assert run_cli(["eval-detections", "--gt", str(gt), "--pred", str(det), "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["map50"] == pytest.approx(0.5) and m["n_pred"] == 2


def test_verbose_shows_pycocotools_table(tmp_path, run_cli, capsys):
    gt, det = _files(tmp_path)
    assert run_cli(["eval-detections", "--gt", str(gt), "--pred", str(det), "--verbose"]) == 0
    assert "Average Precision" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["missing-gt", "missing-pred", "bad-gt", "bad-pred"])
def test_bad_files_one_line_error(tmp_path, run_cli, capsys, which):
    gt, det = _files(tmp_path)
    if which == "missing-gt":
        gt = tmp_path / "nope.json"
    elif which == "missing-pred":
        det = tmp_path / "nope.jsonl"
    elif which == "bad-gt":
        gt.write_text('{"images": [], "annotations": 3}')
    else:
        det.write_text('{"frame": 0, "detections": [{"score": 1}]}\n')
    assert run_cli(["eval-detections", "--gt", str(gt), "--pred", str(det)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracker: error: ") and err.count("\n") == 1 and "Traceback" not in err
