"""Zone: exact entries, exits, occupancy and dwell on a generated scene through the real tracker; rules; config."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracker.analytics import Analytics, LineCounter, Zone, event_to_dict, load_analytics, parse_zone
from tracker.detections import Tracks, TrackState
from tracker.errors import TrackerError

from .scene import FPS, detections, run_tracker, zone_walkers


def test_scene_entries_exits_dwell_exact():
    walkers, polygon, truth = zone_walkers()
    # The scene is built around 5 frames of coasting from a track's first hit (S's occlusion is 5 frames).
    frames = run_tracker(detections(walkers, 90), output_coasting=5, coast_min_hits=0)
    zone = Zone(polygon, "shelf")
    events, occupancy = [], []
    for f, tracks in enumerate(frames):
        events += zone.update(tracks, f, f / FPS)
        occupancy.append(zone.occupancy)
    assert (zone.entries, zone.exits) == (truth["entries"], truth["exits"])
    # Track ids follow the walkers' order of appearance: S and R on frame 0, P on frame 40.
    names = {1: "occluded-inside", 2: "stays-then-vanishes", 3: "crosses"}
    dwell = {names[t]: s for t, s in zone.dwell}
    assert dwell == pytest.approx(truth["dwell"], abs=1e-9)
    # Entries are decided on the second frame inside (min_frames=2); R's exit when it has gone
    # unreported for lost_after=30 frames after the last frame the tracker reports it (it vanishes at 40
    # and may coast a few frames, as many as the tracker's coasting settings allow).
    last_r = max(f for f, tracks in enumerate(frames) if 2 in tracks.track_id.tolist())
    assert 39 <= last_r <= 44
    assert [(e.event, e.frame, e.track_id) for e in events] == [
        ("enter", 9, 1), ("enter", 9, 2), ("exit", 29, 1), ("enter", 49, 3), ("exit", 69, 3), ("exit", last_r + 31, 2),
    ]  # fmt: skip
    assert [e.time for e in events] == pytest.approx([e.frame / FPS for e in events])
    # S coasts through frames 14..18 inside: still there. R is reported until last_r, then not.
    assert occupancy[8] == 0 and occupancy[9] == occupancy[16] == occupancy[27] == 2
    assert occupancy[29] == occupancy[last_r] == 1 and occupancy[last_r + 1] == 0
    assert occupancy[60] == 1 and occupancy[70] == 0
    assert zone.inside_since == {}


def _tracks(rows) -> Tracks:
    if not rows:
        return Tracks.empty()
    tid, x, y, hit = (np.array(c) for c in zip(*rows))
    return Tracks(tid, np.stack([x - 5.0, y - 10, x + 5.0, y], 1), np.ones(len(tid)), np.zeros(len(tid), int),
                  np.where(hit, 0, -1), np.full(len(tid), TrackState.CONFIRMED))  # fmt: skip


def _run(zone, xs, matched=None):
    events = []
    for f, x in enumerate(xs):
        rows = [] if x is None else [(1, float(x), 50.0, True if matched is None else matched[f])]
        events += zone.update(_tracks(rows), f, f * 0.5)
    return events


SQUARE = [[0, 0], [100, 0], [100, 100], [0, 100]]


@pytest.mark.parametrize(
    "case, xs, matched, kwargs, entries, exits, dwell",
    [
        ("in and out", [-10, 10, 20, 30, 110, 120], None, {}, 1, 1, [1.5]),
        ("border flicker", [-5, 5, -5, 5, -5, 5, -5], None, {}, 0, 0, []),
        ("border flicker, min_frames=1", [-5, 5, -5, 5], None, {"min_frames": 1}, 2, 1, [0.5]),
        ("one frame outside", [10, 20, 110, 20, 30, 110, 120], None, {}, 1, 1, [2.5]),
        ("coasting outside does not exit", [10, 20, 110, 110, 110], [1, 1, 0, 0, 0], {}, 1, 0, []),
        ("born inside", [50, 50, 50, 150, 150], None, {}, 1, 1, [1.5]),
        ("concave: the notch is outside", [10, 10, 50, 50, 10, 10], None, {"points": [[0, 0], [100, 0], [100, 100], [60, 100], [60, 40], [40, 40], [40, 100], [0, 100]]}, 2, 1, [1.0]),
    ],
)
def test_rules(case, xs, matched, kwargs, entries, exits, dwell):
    zone = Zone(kwargs.pop("points", SQUARE), **kwargs)
    _run(zone, xs, matched)
    assert (zone.entries, zone.exits, [s for _, s in zone.dwell]) == (entries, exits, pytest.approx(dwell)), case


def test_lost_inside_exits_after_lost_after_with_dwell_to_the_next_frame():
    zone = Zone(SQUARE)
    engine = Analytics(zones=[zone], lost_after=3)
    events = []
    for f, x in enumerate([10, 20, 30] + [None] * 6):
        rows = [] if x is None else [(1, float(x), 50.0, True)]
        events += engine.update(_tracks(rows), f, f * 0.5)
    assert [(e.event, e.frame) for e in events] == [("enter", 1), ("exit", 6)]
    assert events[-1].dwell == pytest.approx(1.5)  # frames 0..2 inside, gone from frame 3
    assert event_to_dict(events[-1]) == {"event": "exit", "name": "zone", "frame": 6, "time": 3.0, "track_id": 1, "class_id": 0, "label": "0", "dwell": pytest.approx(1.5)}
    assert "direction" not in event_to_dict(events[-1])


def test_contains():
    zone = Zone([[0, 0], [10, 0], [0, 10]])
    np.testing.assert_array_equal(zone.contains([[1, 1], [6, 6], [-1, 1], [4, 4]]), [True, False, False, True])


@pytest.mark.parametrize(
    "spec, message",
    [
        ("1,2,3,4", "at least 6"),
        ("1,2,3,4,5", "even count"),
        ("0,0,1,1,2,2:flat", "no area"),
        ("0,0,a,1,2,2", "with numbers"),
    ],
)
def test_parse_zone_errors(spec, message):
    with pytest.raises(TrackerError, match=message) as info:
        parse_zone(spec)
    assert "\n" not in str(info.value)


def test_load_analytics_json(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({
        "lines": ["0,100,200,100:door", {"name": "gate", "start": [0, 0], "end": [10, 10], "min_frames": 3, "margin": 2}],
        "zones": [{"points": [[0, 0], [5, 0], [5, 5]], "min_frames": 1}, "0,0,9,0,9,9"],
        "lost_after": 10,
    }))  # fmt: skip
    a = load_analytics(path, class_names=["person"])
    assert [ln.name for ln in a.lines] == ["door", "gate"] and a.lines[1].min_frames == 3 and a.lines[1].margin == 2
    assert [z.name for z in a.zones] == ["zone1", "zone2"] and a.zones[0].min_frames == 1
    assert a.lost_after == 10
    assert a.totals()["lines"][0] == {"name": "door", "in": 0, "out": 0, "in_per_class": {}, "out_per_class": {}}


def test_load_analytics_yaml(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "a.yaml"
    path.write_text("lines:\n  - 0,100,200,100:door\nzones:\n  - name: shelf\n    points: [[0, 0], [5, 0], [5, 5]]\n")
    a = load_analytics(path)
    assert [ln.name for ln in a.lines] == ["door"] and [z.name for z in a.zones] == ["shelf"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not valid JSON at line 1"),
        ("[]", "expected an object"),
        ('{"lines": []}', "no lines and no zones"),
        ('{"line": ["0,0,1,1"]}', "unknown key"),
        ('{"lines": ["0,0,1"]}', r"lines\[0\]: line '0,0,1': expected"),
        ('{"lines": [{"start": [0, 0]}]}', r"lines\[0\]: needs 'start' and 'end'"),
        ('{"lines": [{"start": [0, 0], "end": [1, 1], "margin": "4"}]}', "wrong type"),
        ('{"lines": [{"start": [0, 0], "end": [1, 1], "anchor": "feet"}]}', "unknown anchor"),
        ('{"lines": ["0,0,1,1:a", "0,0,2,2:a"]}', "names must be unique"),
        ('{"zones": [{"points": [[0, 0], [1, 1]]}]}', r"zones\[0\]: zone 'zone1': needs at least 3 points"),
        ('{"zones": [{"points": [[0, 0], [1, 0], [1, 1]], "colour": 1}]}', "unknown key"),
        ('{"zones": ["0,0,1,0,1,1"], "lost_after": -1}', "lost_after"),
    ],
)
def test_load_analytics_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TrackerError, match=message) as info:
        load_analytics(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_load_analytics_missing_file(tmp_path):
    with pytest.raises(TrackerError, match="cannot read analytics config"):
        load_analytics(tmp_path / "none.json")


def test_lines_and_zones_share_one_engine():
    line, zone = LineCounter((0, 50), (200, 50)), Zone(SQUARE)
    engine = Analytics([line], [zone])
    events = []
    for f, y in enumerate([150, 130, 90, 60, 40, 20]):
        events += engine.update(_tracks([(1, 50.0, float(y), True)]), f, f * 0.5)
    assert [(e.event, e.name) for e in events] == [("enter", "zone"), ("cross", "line")]
