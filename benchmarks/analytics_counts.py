"""Line counts on a generated scene with known truth: ours beside supervision's ``LineZone``, per walker.

The scene (``tests/analytics/scene.py``, also asserted by ``tests/analytics/test_lines.py``): nine
walkers cross or approach a horizontal line; one loiters on it (+-3 px) then crosses, one loiters
then turns back, one is occluded while crossing, one is detected only every other frame near the
line, one passes beyond the segment's end, one has its label flicker to another class. The real
tracker (defaults) makes the tracks; every counter gets the same tracks each frame (supervision gets
them through ``tracks_to_supervision``: all confirmed tracks, coasting ones included, as a
supervision user would pass a tracker's output).

Run::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/analytics_counts.py
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _scene():
    spec = importlib.util.spec_from_file_location("analytics_scene", ROOT / "tests" / "analytics" / "scene.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    import numpy as np
    import supervision as sv
    from tabulate import tabulate

    from tracker.analytics import LineCounter
    from tracker.interop import tracks_to_supervision

    scene = _scene()
    walkers, truth = scene.line_walkers()
    frames = scene.run_tracker(scene.detections(walkers, scene.n_frames(walkers)))
    who = scene.walker_of_tracks(walkers, frames)
    a, b = scene.LINE
    ours = LineCounter(a, b, "door")
    peers = {
        "sv corners": sv.LineZone(sv.Point(*a), sv.Point(*b)),
        "sv bottom centre": sv.LineZone(sv.Point(*a), sv.Point(*b), triggering_anchors=[sv.Position.BOTTOM_CENTER]),
        "sv bottom centre, threshold 2": sv.LineZone(sv.Point(*a), sv.Point(*b), triggering_anchors=[sv.Position.BOTTOM_CENTER], minimum_crossing_threshold=2),
    }
    per = {name: {w.name: [0, 0] for w in walkers} for name in ["ours", *peers]}
    for f, tracks in enumerate(frames):
        for e in ours.update(tracks, f, f / scene.FPS):
            per["ours"][who[e.track_id]][e.direction == "out"] += 1
        svd = tracks_to_supervision(tracks)
        for name, peer in peers.items():
            cin, cout = peer.trigger(svd)
            for tid in svd.tracker_id[cin].tolist():
                per[name][who[tid]][0] += 1
            for tid in svd.tracker_id[cout].tolist():
                per[name][who[tid]][1] += 1
    rows = []
    for w in walkers:
        t = truth["by_walker"][w.name]
        rows.append([w.name, f"{t[0]}/{t[1]}"] + [f"{per[n][w.name][0]}/{per[n][w.name][1]}" for n in per])
    total = lambda n: f"{sum(v[0] for v in per[n].values())}/{sum(v[1] for v in per[n].values())}"  # noqa: E731
    rows.append(["TOTAL", f"{truth['in']}/{truth['out']}"] + [total(n) for n in per])
    print(tabulate(rows, headers=["walker (in/out)", "truth", *per], tablefmt="github"))
    ok = all(tuple(per["ours"][w]) == truth["by_walker"][w] for w in per["ours"])
    print(f"\nours exact per walker: {ok}; supervision {sv.__version__}; tracker ids {len(who)} for {len(walkers)} walkers")
    del np


if __name__ == "__main__":
    main()
