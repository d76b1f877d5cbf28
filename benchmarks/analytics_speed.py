"""Cost of the analytics per frame, as a fraction of the tracker stage's ``update()`` on the same frames.

For each MOT17 sequence (the simulated detections in ``../shared/data/mot17``, no images), the
tracker (defaults, motion only: these detections have no embeddings) runs over every frame and its
``update()`` is timed; then an :class:`~tracker.analytics.Analytics` with 1 line + 1 zone, and with
10 lines + 10 zones spread over the frame (seeded), is fed the same tracks and timed. Each timing is
the fastest of ``--repeats`` runs (the machine is shared; the fastest run is the least disturbed).
Goal: 10 lines + 10 zones under 5% of the tracker's time.

Run::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/analytics_speed.py [--data ../shared/data/mot17] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL = 0.05


def layout(n_lines: int, n_zones: int, width: float, height: float, seed: int = 0):
    """Lines across the frame at random angles and quadrilateral zones of a tenth of the frame."""
    from tracker.analytics import Analytics, LineCounter, Zone

    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n_lines):
        c = rng.uniform([0.2 * width, 0.2 * height], [0.8 * width, 0.8 * height])
        a = rng.uniform(0, np.pi)
        v = 0.3 * min(width, height) * np.array([np.cos(a), np.sin(a)])
        lines.append(LineCounter(c - v, c + v, f"line{i}"))
    zones = []
    for i in range(n_zones):
        c = rng.uniform([0.1 * width, 0.1 * height], [0.9 * width, 0.9 * height])
        r = rng.uniform(0.8, 1.2, 4) * 0.16 * np.array([width, height, width, height])
        zones.append(Zone(c + np.array([[-r[0], -r[1]], [r[2], -r[1] * 0.8], [r[2] * 0.9, r[3]], [-r[0], r[3]]]), f"zone{i}"))
    return Analytics(lines, zones)


def run(seq_dir: Path, repeats: int) -> dict:
    from tracker.io.mot import read_sequence
    from tracker.tracking.tracker import Tracker

    seq = read_sequence(seq_dir)
    frames = list(seq.frames())
    best_track, tracks = np.inf, []
    for _ in range(repeats):
        trk, out, total = Tracker(), [], 0.0
        for _, det in frames:
            t0 = time.perf_counter()
            tr = trk.update(det)
            total += time.perf_counter() - t0
            out.append(tr)
        best_track, tracks = min(best_track, total), out
    res = {"frames": len(frames), "tracks/frame": np.mean([len(t) for t in tracks]), "track_ms": 1e3 * best_track / len(frames)}
    w, h = seq.info.width, seq.info.height
    for name, (nl, nz) in {"1+1": (1, 1), "10+10": (10, 10)}.items():
        best, events = np.inf, 0
        for _ in range(repeats):
            a = layout(nl, nz, w, h)
            total, events = 0.0, 0
            for (f, det), tr in zip(frames, tracks):
                t0 = time.perf_counter()
                ev = a.update(tr, f - 1, (f - 1) / seq.info.frame_rate, det)
                total += time.perf_counter() - t0
                events += len(ev)
            best = min(best, total)
        res[name] = best / best_track
        res[name + " us"] = 1e6 * best / len(frames)
        res[name + " events"] = events
    return res


def main() -> None:
    from tabulate import tabulate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mot17"))
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rows, tot = [], {"track": 0.0, "1+1": 0.0, "10+10": 0.0}
    for seq in sorted(p for p in Path(args.data).iterdir() if (p / "seqinfo.ini").exists()):
        r = run(seq, args.repeats)
        rows.append([seq.name, r["frames"], f"{r['tracks/frame']:.1f}", f"{r['track_ms']:.3f}", f"{r['1+1 us']:.0f}", f"{100 * r['1+1']:.1f}%",
                     f"{r['10+10 us']:.0f}", f"{100 * r['10+10']:.1f}%", r["10+10 events"]])  # fmt: skip
        tot["track"] += r["track_ms"] * r["frames"]
        tot["1+1"] += r["1+1 us"] * r["frames"] / 1e3
        tot["10+10"] += r["10+10 us"] * r["frames"] / 1e3
        print(*rows[-1], flush=True)
    rows.append(["ALL", "", "", "", "", f"{100 * tot['1+1'] / tot['track']:.1f}%", "", f"{100 * tot['10+10'] / tot['track']:.1f}%", ""])
    print()
    print(tabulate(rows, headers=["sequence", "frames", "tracks/frame", "tracker ms/frame", "1+1 us", "1+1 / tracker", "10+10 us", "10+10 / tracker", "10+10 events"], tablefmt="github"))
    one, five, _ = os.getloadavg()
    print(f"\ngoal: 10 lines + 10 zones under {100 * GOAL:.0f}% of the tracker; load average {one:.2f} {five:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
