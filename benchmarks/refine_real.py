"""Does offline refinement (``tracker track --refine``) help on every dev set?

For each set, the tracker runs once per sequence at the current defaults (or ``--config``); its rows are
then written unrefined, with linear gap filling at several ``max_gap`` values, and with GSI, and each
variant is scored with TrackEval (``tracker.eval.tracking``, MOT17 protocol, COMBINED over the set). The
refinement is the default for files only if it wins on every set.

Run::

    PYTHONPATH=. .venv/bin/python benchmarks/refine_real.py [--shared ../shared] [--config FILE]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from tracker.eval.tracking import evaluate_mot
from tracker.io.mot import read_sequence, write_rows
from tracker.tracking.refine import Rows, refine
from tracker.tracking.tracker import Tracker, TrackerConfig
from tracker.tune import find_sequences, load_config

SETS = ("data/real/mot15-dev", "data/real/kitti-car-dev", "data/real/kitti-ped-dev", "data/mot17")
VARIANTS = [("none", 0), ("linear", 5), ("linear", 10), ("linear", 20), ("gsi", 0), ("gsi", 20)]


def track_rows(seq, options) -> Rows:
    trk = Tracker(TrackerConfig(), **options)
    parts = []
    for f, det in seq.frames():
        t = trk.update(det)
        if len(t):
            parts.append((np.full(len(t), f), t.track_id, t.xyxy, t.score))
    if not parts:
        return Rows.empty()
    return Rows(*(np.concatenate(c) for c in zip(*parts)))


def write(rows: Rows, path: Path) -> None:
    order = np.lexsort((rows.track_id, rows.frame))
    r = Rows(*(a[order] for a in rows))
    with open(path, "w", encoding="utf-8") as fh:
        bounds = np.flatnonzero(np.diff(r.frame)) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(r.frame)]):
            if hi > lo:
                write_rows(fh, int(r.frame[lo]), r.track_id[lo:hi], r.xyxy[lo:hi], r.score[lo:hi])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--config", default=None, help="tracker settings file (default: TrackerConfig defaults)")
    args = ap.parse_args()
    options = load_config(args.config) if args.config else {}
    names = [f"{m}" + (f"({g})" if m != "none" else "") for m, g in VARIANTS]
    table = {}
    for s in SETS:
        folder = Path(args.shared, s)
        seqs = [read_sequence(p) for p in find_sequences(folder)]
        results = {seq.path.name: track_rows(seq, options) for seq in seqs}
        table[folder.name] = {}
        with tempfile.TemporaryDirectory() as tmp:
            gt = Path(tmp, "gt")
            gt.mkdir()
            for seq in seqs:
                (gt / seq.path.name).symlink_to(seq.path.resolve())
            for (method, gap), name in zip(VARIANTS, names):
                pred = Path(tmp, name)
                pred.mkdir()
                t0 = time.perf_counter()
                for seq_name, rows in results.items():
                    write(refine(rows, method, max_gap=gap), pred / f"{seq_name}.txt")
                secs = time.perf_counter() - t0
                c = evaluate_mot(gt, pred)[-1]
                table[folder.name][name] = (c.HOTA, c.IDF1, c.MOTA, secs)
                print(f"{folder.name:<14} {name:<11} HOTA {c.HOTA:5.2f} IDF1 {c.IDF1:5.2f} MOTA {c.MOTA:5.2f}  ({secs:.2f} s)", flush=True)
    print("\nHOTA gain over no refinement (min over sets decides the default):")
    print(f"{'variant':<11}" + "".join(f"{k:>15}" for k in table) + f"{'min':>8}")
    for name in names[1:]:
        gains = [table[k][name][0] - table[k]["none"][0] for k in table]
        print(f"{name:<11}" + "".join(f"{g:>+15.2f}" for g in gains) + f"{min(gains):>+8.2f}")


if __name__ == "__main__":
    main()
