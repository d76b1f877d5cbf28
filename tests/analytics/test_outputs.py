"""The analytics in a run: the feed, the events file (JSON lines and CSV, transactional) and the counts in JSON."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from tracker.analytics import Analytics, LineCounter, Zone, analytics_sinks, build_analytics
from tracker.analytics.outputs import EVENT_FIELDS, EventsSink, events_format, summary_line
from tracker.detections import Detections, Tracks, TrackState
from tracker.errors import TrackerError
from tracker.io.atomic import reserve
from tracker.io.outputs import text_sinks
from tracker.records import FrameResult
from tracker.runner import close_sinks, write_frames


def walk(n: int = 12) -> list[FrameResult]:
    """One confirmed track walking up through y=100 (into a zone above it) at 10 px/frame, 10 frames/s."""
    out = []
    for f in range(n):
        y = 160.0 - 10 * f
        box = np.array([[40.0, y - 50, 60.0, y]])
        det = Detections(box, [0.9], [2])
        tr = Tracks([7], box, [0.9], [2], [0], [TrackState.CONFIRMED])
        out.append(FrameResult(f, None, det, tr, timestamp=f / 10))
    return out


def analytics() -> Analytics:
    line = LineCounter((0, 100), (200, 100), "door")
    zone = Zone([[0, 0], [200, 0], [200, 90], [0, 90]], "hall")
    return Analytics([line], [zone], class_names=["a", "b", "car"])


@pytest.mark.parametrize("name, fmt", [("e.jsonl", "json"), ("e.ndjson", "json"), ("E.CSV", "csv")])
def test_events_format_by_extension(name, fmt):
    assert events_format(name) == fmt


def test_events_format_refuses_other_extensions():
    with pytest.raises(TrackerError, match="use a .jsonl"):
        events_format("events.txt")


def test_events_jsonl_has_the_issue_fields_and_json_records_the_counts(tmp_path):
    files = reserve([("events", tmp_path / "e.jsonl"), ("json", tmp_path / "o.jsonl")])
    feed, sinks = analytics_sinks(analytics(), files)
    for _ in write_frames(walk(), sinks + text_sinks(files, ["a", "b", "car"], analytics=feed)):
        pass
    events = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    cross = [e for e in events if e["event"] == "cross"]
    enter = [e for e in events if e["event"] == "enter"]
    assert list(cross[0]) == ["event", "name", "frame", "time", "track_id", "class_id", "label", "direction"]
    assert cross[0]["name"] == "door" and cross[0]["direction"] == "in" and cross[0]["label"] == "car"
    assert cross[0]["track_id"] == 7 and cross[0]["time"] == pytest.approx(cross[0]["frame"] / 10)
    assert len(cross) == 1 and len(enter) == 1 and enter[0]["name"] == "hall"
    frames = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert frames[-1]["analytics"] == {"lines": {"door": {"in": 1, "out": 0}},
                                       "zones": {"hall": {"occupancy": 1, "entries": 1, "exits": 0}}}  # fmt: skip
    # Counts in each frame record are those after that frame's events, never later ones.
    first_in = next(r["frame"] for r in frames if r["analytics"]["lines"]["door"]["in"])
    assert first_in == cross[0]["frame"]


def test_exit_events_carry_dwell_and_csv_has_every_column(tmp_path):
    files = reserve([("events", tmp_path / "e.csv")])
    a = analytics()
    _, sinks = analytics_sinks(a, files)
    frames = walk(12)
    # Then it walks back down out of the zone and across the line.
    back = []
    for f in range(12, 24):
        y = 50.0 + 10 * (f - 12)
        box = np.array([[40.0, y - 50, 60.0, y]])
        tr = Tracks([7], box, [0.9], [2], [0], [TrackState.CONFIRMED])
        back.append(FrameResult(f, None, Detections(box, [0.9], [2]), tr, timestamp=f / 10))
    for _ in write_frames(frames + back, sinks):
        pass
    rows = list(csv.reader((tmp_path / "e.csv").read_text().splitlines()))
    assert tuple(rows[0]) == EVENT_FIELDS
    recs = [dict(zip(EVENT_FIELDS, r)) for r in rows[1:]]
    assert [r["event"] for r in recs] == ["cross", "enter", "exit", "cross"]
    ex = recs[2]
    assert ex["direction"] == "" and float(ex["dwell"]) > 0
    assert recs[3]["direction"] == "out"
    assert a.zones[0].dwell[0][1] == pytest.approx(float(ex["dwell"]), abs=1e-3)
    assert "door in 1 out 1" in summary_line(a) and "hall entries 1 exits 1" in summary_line(a)


def test_an_empty_run_keeps_an_old_events_file(tmp_path):
    target = tmp_path / "e.jsonl"
    target.write_text("old\n")
    _, sinks = analytics_sinks(analytics(), reserve([("events", target)]))
    for _ in write_frames(iter(()), sinks):  # an input that ends normally with no frame commits
        pass
    assert target.read_text() == ""  # an empty input is a valid empty result
    target.write_text("old\n")
    _, sinks = analytics_sinks(analytics(), reserve([("events", target)]))
    close_sinks(sinks, commit=False)  # what write_frames does when stopped before the first frame
    assert target.read_text() == "old\n"


def test_events_sink_needs_its_feed_first(tmp_path):
    a = analytics()
    feed, _ = analytics_sinks(a, {})
    sink = EventsSink(tmp_path / "e.jsonl", feed)
    with pytest.raises(RuntimeError, match="AnalyticsFeed"):
        sink.write(walk(1)[0])
    sink.close(commit=False)


def test_build_analytics_from_specs_and_a_file(tmp_path):
    assert build_analytics() is None
    cfg = tmp_path / "a.json"
    cfg.write_text(json.dumps({"lines": ["0,0,10,10:gate"], "zones": ["0,0,9,0,9,9:shelf"], "lost_after": 5}))
    a = build_analytics(["1,2,3,4", "5,6,7,8:exit"], ["0,0,5,0,5,5"], cfg, ["x"])
    assert [ln.name for ln in a.lines] == ["gate", "line2", "exit"]
    assert [z.name for z in a.zones] == ["shelf", "zone2"]
    assert a.lost_after == 5 and a.class_names == ["x"]
    with pytest.raises(TrackerError, match="names must be unique"):
        build_analytics(["1,2,3,4:gate"], [], cfg)
    with pytest.raises(TrackerError, match="4 numbers"):
        build_analytics(["1,2,3"])
