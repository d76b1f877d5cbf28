import subprocess
import sys

import pytest

from tracker.cli import main

SEQINFO = "[Sequence]\nname=SEQ\nimDir=img1\nframeRate=10\nseqLength=30\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def make_seq(tmp_path, det_text, with_gt=True):
    seq = tmp_path / "SEQ"
    (seq / "det").mkdir(parents=True)
    (seq / "gt").mkdir()
    (seq / "seqinfo.ini").write_text(SEQINFO)
    (seq / "det" / "det.txt").write_text(det_text)
    gt = [f"{f},{i},{100 + 4 * f + 250 * i},100,40,100,1,1,1" for f in range(1, 31) for i in (1, 2)]
    (seq / "gt" / "gt.txt").write_text("\n".join(gt) + "\n")
    return seq


def det_text():
    return "".join(f"{f},-1,{100 + 4 * f + 250 * i + (f % 3)},101,40,99,0.9,-1,-1,-1\n" for f in range(1, 31) for i in (1, 2))


def test_track_sequence_then_eval(tmp_path, capsys):
    seq = make_seq(tmp_path, det_text())
    out = tmp_path / "res.txt"
    assert main(["track", str(seq), "--mot-out", str(out), "--quiet"]) == 0
    rows = [l.split(",") for l in out.read_text().splitlines()]
    assert len(rows) == 60 and {r[1] for r in rows} == {"1", "2"}
    assert main(["eval", "--gt", str(seq), "--pred", str(out)]) == 0
    table = capsys.readouterr().out
    assert "HOTA" in table and "COMBINED" in table
    combined = table.strip().splitlines()[-1].split()
    assert float(combined[1]) > 80  # HOTA of a clean two-object scene
    assert combined[-1] == "0"  # no id switches


def test_empty_detections_give_empty_valid_file(tmp_path):
    seq = make_seq(tmp_path, "")
    out = tmp_path / "res.txt"
    assert main(["track", str(seq), "--mot-out", str(out), "--quiet"]) == 0
    assert out.exists() and out.read_text() == ""


@pytest.mark.parametrize(
    "text, expect",
    [("1,-1,10,10,nan,20,0.9\n", "det.txt:1: NaN"), ("1,-1,10,10\n", "det.txt:1: expected at least 7"), ("1,-1,a,1,1,1,1\n", "non-numeric")],
)
def test_malformed_detections_are_one_line_errors(tmp_path, capsys, text, expect):
    seq = make_seq(tmp_path, text)
    out = tmp_path / "res.txt"
    out.write_text("keep me\n")
    assert main(["track", str(seq), "--mot-out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert expect in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert out.read_text() == "keep me\n"  # nothing overwritten when the input is bad


def test_missing_seqinfo_and_det(tmp_path, capsys):
    seq = make_seq(tmp_path, det_text())
    (seq / "det" / "det.txt").unlink()
    # A folder with seqinfo.ini but no det.txt and no frames: a clear message either way.
    assert main(["track", str(seq), "--mot-out", str(tmp_path / "o.txt")]) == 2
    assert "tracker: error:" in capsys.readouterr().err


def test_help_does_not_import_tensorflow():
    code = "import sys; from tracker.cli import build_parser; build_parser().format_help(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
