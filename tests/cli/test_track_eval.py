import json
import os
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
    [
        ("1,-1,10,10,nan,20,0.9\n", "det.txt:1: NaN"),
        ("1,-1,10,10\n", "det.txt:1: expected at least 7"),
        ("1,-1,a,1,1,1,1\n", "non-numeric"),
        # Used to stretch the sequence to a billion frames (about 30 hours of empty tracking).
        ("1,-1,10,10,20,20,0.9\n1e9,-1,10,10,20,20,0.9\n", "det.txt:2: frame 1000000000 is past the sequence length 30"),
        ("31,-1,10,10,20,20,0.9\n", "det.txt:1: frame 31 is past the sequence length 30 (seqLength in seqinfo.ini)"),
    ],
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


def test_det_file_with_bom_is_tracked(tmp_path):
    seq = make_seq(tmp_path, "")
    (seq / "det" / "det.txt").write_text(det_text(), encoding="utf-8-sig")
    out = tmp_path / "res.txt"
    assert main(["track", str(seq), "--mot-out", str(out), "--quiet"]) == 0
    assert len(out.read_text().splitlines()) == 60


def test_sequence_folder_without_seqinfo_says_so(tmp_path, capsys):
    seq = make_seq(tmp_path, det_text())
    (seq / "seqinfo.ini").unlink()
    assert main(["track", str(seq), "--mot-out", str(tmp_path / "o.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seqinfo.ini is missing" in err[0]
    assert not (tmp_path / "o.txt").exists()


def test_help_does_not_import_tensorflow():
    code = "import sys; from tracker.cli import build_parser; build_parser().format_help(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- tracker eval: streams, protocols, errors ----------------------------------------------------------


def mot15_seq(tmp_path):
    """A MOT15-layout sequence (10 columns, -1 world coordinates) and a perfect prediction for it."""
    seq = tmp_path / "TUD-Campus"
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.replace("name=SEQ", "name=TUD-Campus"))
    rows = [f"{f},{i},{100 + 4 * f + 250 * i},100,40,100" for f in range(1, 31) for i in (1, 2)]
    (seq / "gt" / "gt.txt").write_text("".join(r + ",1,-1,-1,-1\n" for r in rows))
    pred = tmp_path / "pred.txt"
    pred.write_text("".join(r + ",0.9,-1,-1,-1\n" for r in rows))
    return seq, pred


def run_cli(args, block_tabulate=False):
    # A fresh clone may lack tabulate; TrackEval then prints "Error importing BURST ..." on import.
    pre = "import sys; sys.modules['tabulate'] = None; " if block_tabulate else "import sys; "
    code = pre + "from tracker.cli import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ, PYTHONWARNINGS="default")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("block_tabulate", [False, True])
def test_eval_json_stdout_is_only_json(tmp_path, block_tabulate):
    seq, pred = mot15_seq(tmp_path)
    done = run_cli(["eval", "--gt", str(seq), "--pred", str(pred), "--json"], block_tabulate)
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert [s["name"] for s in scores] == ["TUD-Campus", "COMBINED"]
    assert scores[-1]["protocol"] == "MOT15" and scores[-1]["HOTA"] == pytest.approx(100)
    assert done.stderr == ""


def test_eval_table_names_protocol(tmp_path, capsys):
    seq, pred = mot15_seq(tmp_path)
    assert main(["eval", "--gt", str(seq), "--pred", str(pred)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].startswith("MOT15 protocol (TrackEval MotChallenge2DBox)")
    assert lines[-1].split()[:2] == ["COMBINED", "100.0"]
    assert captured.err == ""


@pytest.mark.parametrize(
    "extra, benchmark, expect",
    [
        ("3,1,10,10,5,5,0.9,-1,-1,-1\n", None, "pred.txt:61: frame 3 repeats id 1"),
        ("31,1,10,10,5,5,0.9,-1,-1,-1\n", None, "pred.txt:61: frame 31 is past the sequence length 30"),
        ("", "MOT17", "gt.txt:1: column 8 is -1, not a class id 1-13 as MOT17"),
    ],
)
def test_eval_errors_are_one_line(tmp_path, capsys, extra, benchmark, expect):
    seq, pred = mot15_seq(tmp_path)
    pred.write_text(pred.read_text() + extra)
    args = ["eval", "--gt", str(seq), "--pred", str(pred)] + (["--benchmark", benchmark] if benchmark else [])
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tracker: error: ") and expect in err[0]
    assert captured.out == ""
