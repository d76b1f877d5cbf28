"""LineCounter: exact counts on a generated scene run through the real tracker, and the rules one by one."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tracker.analytics import Analytics, LineCounter, parse_line
from tracker.detections import Detections, Tracks, TrackState
from tracker.errors import TrackerError

from .scene import FPS, LINE, detections, line_walkers, n_frames, run_tracker


def _tracks(rows) -> Tracks:
    """``rows``: (track_id, x, y_bottom, matched, class_id[, state]) -> a 20 x 40 box per row."""
    rows = [tuple(r) + (TrackState.CONFIRMED,) * (6 - len(r)) for r in rows]
    if not rows:
        return Tracks.empty()
    tid, x, y, hit, cls, state = (np.array(c) for c in zip(*rows))
    xyxy = np.stack([x - 10.0, y - 40.0, x + 10.0, y], 1)
    return Tracks(tid, xyxy, np.where(hit, 0.9, 0.0), cls, np.where(hit, np.arange(len(rows)), -1), state)


def _feed(counter, frames):
    events = []
    for f, rows in enumerate(frames):
        events += counter.update(_tracks(rows), f, f / FPS)
    return events


def _walk(ys, tid=1, x=50.0, cls=0, matched=None, state=TrackState.CONFIRMED):
    return [[(tid, x, y, True if matched is None else matched[i], cls if np.ndim(cls) == 0 else cls[i], state)] for i, y in enumerate(ys)]


UP = [160, 140, 120, 110, 90, 70, 50]  # crosses y=100 upwards: "in" for a line drawn left to right


def test_scene_counts_are_exact_and_supervision_beside():
    walkers, truth = line_walkers()
    frames = run_tracker(detections(walkers, n_frames(walkers)))
    line = LineCounter(*LINE, "door")
    events = []
    for f, tracks in enumerate(frames):
        events += line.update(tracks, f, f / FPS)
    assert (line.in_count, line.out_count) == (truth["in"], truth["out"])
    assert dict(line.in_per_class) == truth["in_per_class"] and dict(line.out_per_class) == truth["out_per_class"]
    # Who crossed: each walker keeps its x, so the event's box centre names it.
    centre = {(f, int(t)): float(b[0] + b[2]) / 2 for f, tr in enumerate(frames) for t, b in zip(tr.track_id, tr.xyxy)}
    who = Counter((e.direction, round(centre[e.frame, e.track_id], -1)) for e in events)
    assert who == Counter({("in", 130): 2, ("in", 250): 1, ("in", 310): 1, ("in", 430): 1,
                           ("out", 190): 1, ("out", 250): 1, ("out", 490): 1})  # fmt: skip
    assert all(e.event == "cross" and e.time == pytest.approx(e.frame / FPS) for e in events)

    from tracker.interop import tracks_to_supervision

    sv = pytest.importorskip("supervision")
    peers = {
        "supervision LineZone (corners)": sv.LineZone(sv.Point(*LINE[0]), sv.Point(*LINE[1])),
        "supervision LineZone (bottom centre)": sv.LineZone(sv.Point(*LINE[0]), sv.Point(*LINE[1]), triggering_anchors=[sv.Position.BOTTOM_CENTER]),
    }
    for tracks in frames:
        for peer in peers.values():
            peer.trigger(tracks_to_supervision(tracks))
    print(f"\ntruth in/out {truth['in']}/{truth['out']}; ours {line.in_count}/{line.out_count}")
    for name, peer in peers.items():
        print(f"{name}: {peer.in_count}/{peer.out_count}")


@pytest.mark.parametrize(
    "case, frames, kwargs, expected",
    [
        ("up is in", _walk(UP), {}, (1, 0)),
        ("down is out", _walk(UP[::-1]), {}, (0, 1)),
        ("reversed line swaps", _walk(UP), {"start": (200, 100), "end": (0, 100)}, (0, 1)),
        ("beyond the segment's end", _walk(UP, x=250.0), {}, (0, 0)),
        ("one-frame excursion", _walk([130, 120, 90, 120, 130]), {}, (0, 0)),
        ("one-frame excursion, min_frames=1", _walk([130, 120, 90, 120, 130]), {"min_frames": 1}, (1, 1)),
        ("jitter inside the margin", _walk([130, 104, 96, 104, 96, 104, 96, 130]), {}, (0, 0)),
        ("jitter, no margin", _walk([130, 104, 96, 104, 96, 104, 96, 130]), {"margin": 0, "min_frames": 1}, (1, 1)),
        ("in, out, in: once per direction", _walk(UP + UP[::-1] + UP), {}, (1, 1)),
        ("in, out, in: every crossing", _walk(UP + UP[::-1] + UP), {"once_per_direction": False}, (2, 1)),
        ("coasting across, then lost", _walk(UP, matched=[1, 1, 1, 0, 0, 0, 0]), {}, (0, 0)),
        ("coasting across, then matched", _walk(UP, matched=[1, 1, 1, 0, 0, 1, 1]), {}, (1, 0)),
        ("tentative track", _walk(UP, state=TrackState.TENTATIVE), {}, (0, 0)),
        ("born on the far side", _walk(UP[4:]), {}, (0, 0)),
        ("born on the line, leaves up", _walk([100, 98, 70, 60]), {}, (0, 0)),
    ],
)
def test_rules(case, frames, kwargs, expected):
    opts = {"start": (0, 100), "end": (200, 100), **kwargs}
    line = LineCounter(opts.pop("start"), opts.pop("end"), **opts)
    _feed(line, frames)
    assert (line.in_count, line.out_count) == expected, case


def test_crossing_point_on_the_segment_is_checked_between_the_observations():
    # From (190, 130) to (230, 70): the path meets y=100 at x=210, beyond the end x=200.
    frames = [[(1, 190.0, 130.0, True, 0)], [(1, 230.0, 70.0, True, 0)], [(1, 230.0, 60.0, True, 0)]]
    line = LineCounter((0, 100), (200, 100))
    _feed(line, frames)
    assert line.in_count == 0
    line = LineCounter((0, 100), (220, 100))
    _feed(line, frames)
    assert line.in_count == 1


def test_class_is_the_vote_not_the_last_label():
    cls = [2, 2, 7, 2, 2, 7, 7]  # the label flickers to 7, which it has on the crossing frames
    line = LineCounter((0, 100), (200, 100))
    (event,) = _feed(line, _walk(UP, cls=cls))
    assert (event.class_id, event.direction) == (2, "in")
    assert dict(line.in_per_class) == {2: 1}


def test_vote_uses_the_matched_detections_when_given():
    line = LineCounter((0, 100), (200, 100))
    events = []
    for f, y in enumerate(UP):
        det = Detections([[0, 0, 1, 1], [40, y - 40, 60, y]], [0.9, 0.9], [5, 3 if f != 5 else 4])
        tracks = _tracks([(1, 50.0, y, True, 0)])
        tracks.det_index[:] = 1
        events += line.update(tracks, f, f / FPS, detections=det)
    assert [(e.class_id, e.label) for e in events] == [(3, "3")]


def test_many_lines_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(0)
    frames = []
    for f in range(200):  # 12 random walkers, some coasting, some dropping out
        frames.append([(t, 100 + 40 * t + 30 * np.sin(f / 7 + t), 200 + 150 * np.sin(f / 15 + t), rng.random() > 0.2, t % 3) for t in range(1, 13) if (f + t) % 50])
    specs = [((0, 200 + 10 * i), (600, 180 - 10 * i)) for i in range(6)] + [((100 * i, 0), (100 * i + 50, 400)) for i in range(4)]
    alone = [LineCounter(a, b, f"l{i}", min_frames=1 + i % 2, margin=i % 3) for i, (a, b) in enumerate(specs)]
    together = [LineCounter(a, b, f"l{i}", min_frames=1 + i % 2, margin=i % 3) for i, (a, b) in enumerate(specs)]
    ev_alone = []
    for ln in alone:
        ev_alone += _feed(ln, frames)
    engine = Analytics(together, capacity=4)  # tiny capacity: the rows must grow and move
    ev_together = _feed(engine, frames)
    assert sum(ln.in_count + ln.out_count for ln in alone) > 20
    assert [ln.totals() for ln in alone] == [ln.totals() for ln in together]
    key = lambda e: (e.frame, e.name, e.track_id)  # noqa: E731
    assert sorted(ev_alone, key=key) == sorted(ev_together, key=key)


def test_direction_matches_supervision():
    sv = pytest.importorskip("supervision")
    from tracker.interop import tracks_to_supervision

    for a, b in [((0, 100), (200, 100)), ((200, 100), (0, 100)), ((0, 0), (200, 200))]:
        ours = LineCounter(a, b, min_frames=1, margin=0)
        peer = sv.LineZone(sv.Point(*a), sv.Point(*b), triggering_anchors=[sv.Position.BOTTOM_CENTER])
        for f, rows in enumerate(_walk(UP, x=60.0)):
            ours.update(_tracks(rows), f)
            peer.trigger(tracks_to_supervision(_tracks(rows)))
        assert (ours.in_count, ours.out_count) == (peer.in_count, peer.out_count) != (0, 0)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("1,2,3", "4 numbers"),
        ("1,2,3,x", "with numbers"),
        ("1,2,1,2:door", "same point"),
        ("1,2,3,nan", "finite"),
    ],
)
def test_parse_line_errors(spec, message):
    with pytest.raises(TrackerError, match=message) as info:
        parse_line(spec)
    assert "\n" not in str(info.value)


def test_parse_line():
    line = parse_line("10, 20,30,40:front door")
    assert (line.start, line.end, line.name) == ((10.0, 20.0), (30.0, 40.0), "front door")
    assert parse_line("0,0,1,1", "line3").name == "line3"
