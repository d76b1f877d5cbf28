"""``tracker track --line/--zone/--analytics --events-out``: counts from the CLI, and its one-line errors."""

from __future__ import annotations

import json

import pytest

from tracker.cli import main

SEQINFO = "[Sequence]\nname=SEQ\nimDir=img1\nframeRate=10\nseqLength=40\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def run(argv: list[str]) -> int:
    """The exit code of ``tracker ARGV`` (argparse's own errors exit, the rest return)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


@pytest.fixture
def seq(tmp_path):
    """A MOT folder (detections only, no TensorFlow): two people walking down through y=240, one walking up."""
    s = tmp_path / "SEQ"
    (s / "det").mkdir(parents=True)
    (s / "seqinfo.ini").write_text(SEQINFO)
    rows = []
    for f in range(1, 41):
        for i, (x, y0, v) in enumerate([(100, 100, 6), (300, 60, 8), (500, 420, -7)]):
            bottom = y0 + v * f
            rows.append(f"{f},-1,{x},{bottom - 80},40,80,0.9,-1,-1,-1")
    (s / "det" / "det.txt").write_text("\n".join(rows) + "\n")
    return s


def test_track_counts_lines_and_zones_into_events_json_and_summary(seq, tmp_path, capsys):
    ev, js = tmp_path / "e.jsonl", tmp_path / "o.jsonl"
    code = main(["track", str(seq), "--line", "0,240,640,240:mid", "--zone", "0,300,640,300,640,480,0,480:low",
                 "--events-out", str(ev), "--json-out", str(js)])  # fmt: skip
    assert code == 0
    events = [json.loads(line) for line in ev.read_text().splitlines()]
    cross = sorted((e["direction"], e["track_id"]) for e in events if e["event"] == "cross")
    assert [d for d, _ in cross] == ["in", "out", "out"]  # down the image is "out" for a left-to-right line
    last = json.loads(js.read_text().splitlines()[-1])
    assert last["analytics"]["lines"] == {"mid": {"in": 1, "out": 2}}
    assert last["analytics"]["zones"]["low"]["entries"] == sum(e["event"] == "enter" for e in events)
    assert "Counts: mid in 1 out 2; low entries" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, expect",
    [
        (["--events-out", "e.jsonl"], "--events-out needs something to count"),
        (["--line", "1,2,3", "--events-out", "e.jsonl"], "4 numbers"),
        (["--zone", "0,0,1,1:z"], "at least 6 numbers"),
        (["--line", "0,1,2,3:a", "--line", "4,5,6,7:a"], "names must be unique"),
        (["--line", "0,1,2,3", "--events-out", "e.txt"], "use a .jsonl (JSON lines) or .csv file"),
        (["--analytics", "missing.json"], "cannot read analytics config"),
        (["--line", "0,1,2,3", "--events-out", "o.jsonl", "--json-out", "o.jsonl"], "name the same file"),
    ],
)
def test_analytics_mistakes_are_one_line_errors_before_any_output(seq, tmp_path, monkeypatch, capsys, extra, expect):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "o.jsonl").write_text("old\n")
    assert run(["track", str(seq), "--mot-out", "m.txt", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tracker: error: ") and expect in err[0]
    assert not (tmp_path / "m.txt").exists() and (tmp_path / "o.jsonl").read_text() == "old\n"


def test_pose_refuses_another_detector(seq, capsys):
    assert run(["track", str(seq), "--pose", "--detector", "nanodet"]) == 2
    assert "--pose uses the movenet detector" in capsys.readouterr().err
