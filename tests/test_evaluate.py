import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.evaluate import evaluate_mot

SEQINFO = "[Sequence]\nname={name}\nimDir=img1\nframeRate=10\nseqLength=20\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def write_gt(root, name="S1"):
    seq = root / name
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name=name))
    rows = []
    for f in range(1, 21):
        rows.append(f"{f},1,{10 + 5 * f},50,40,100,1,1,1")
        rows.append(f"{f},2,{400 - 5 * f},60,40,100,1,1,1")
    (seq / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    return seq


def test_perfect_predictions_score_100(tmp_path):
    seq = write_gt(tmp_path / "gt")
    pred = tmp_path / "pred.txt"
    lines = [",".join(r.split(",")[:6]) + ",1,-1,-1,-1" for r in (seq / "gt" / "gt.txt").read_text().split()]
    pred.write_text("\n".join(lines) + "\n")
    s = evaluate_mot(seq, pred)
    assert s[0].HOTA == pytest.approx(100) and s[0].IDF1 == pytest.approx(100) and s[0].IDSW == 0


def test_id_switch_is_counted_and_lowers_scores(tmp_path):
    seq = write_gt(tmp_path / "gt")
    rows = []
    for r in (seq / "gt" / "gt.txt").read_text().split():
        f, i, x, y, w, h = r.split(",")[:6]
        if int(f) > 10:  # ids swap half way
            i = "2" if i == "1" else "1"
        rows.append(f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1")
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "S1.txt").write_text("\n".join(rows) + "\n")
    s = evaluate_mot(tmp_path / "gt", tmp_path / "pred")
    assert [x.name for x in s] == ["S1", "COMBINED"]
    assert s[0].IDSW == 2
    assert s[0].MOTA == pytest.approx(100 * (1 - 2 / 40))
    assert 40 < s[0].IDF1 < 100 and s[0].HOTA < 100


def test_bad_inputs(tmp_path):
    seq = write_gt(tmp_path / "gt")
    with pytest.raises(TrackerError, match="not found"):
        evaluate_mot(seq, tmp_path / "nope.txt")
    (tmp_path / "pred").mkdir()
    with pytest.raises(TrackerError, match="no predictions for sequence S1"):
        evaluate_mot(tmp_path / "gt", tmp_path / "pred")
    bad = tmp_path / "bad.txt"
    bad.write_text("1,1,a,b\n")
    with pytest.raises(TrackerError, match="bad.txt:1"):
        evaluate_mot(seq, bad)
