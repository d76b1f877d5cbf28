"""Leave-one-out check of ``tracker tune``: is what it finds on some sets any good on a set it never saw?

For each dev set in turn, ``tracker.tune.tune`` searches on all the other sets (objective: the mean of
their TrackEval HOTA, as ``tracker tune A B C`` does), then the held-out set is scored at the settings it
found and at the defaults. A positive held-out gain means tuning carries over to new data of another kind;
the in-sample gain alone would not show that.

Run (a small budget takes about 10 minutes per fold on a 2-core machine)::

    PYTHONPATH=. .venv/bin/python benchmarks/tune_loo.py [--shared ../shared] [--trials 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tracker.io.mot import read_sequence
from tracker.tracking.tracker import TrackerConfig
from tracker.tune import find_sequences, score_config, tune

SETS = ("data/real/mot15-dev", "data/real/kitti-car-dev", "data/real/kitti-ped-dev", "data/mot17")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--timeout", type=float, default=None, help="seconds per fold")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the rows here")
    args = ap.parse_args()
    folders = [Path(args.shared, s) for s in SETS]
    defaults = TrackerConfig().__dict__
    rows = []
    for held in folders:
        train = [f for f in folders if f != held]
        t0 = time.perf_counter()
        res = tune(train, trials=args.trials, timeout=args.timeout, seed=args.seed)
        seqs = [read_sequence(p) for p in find_sequences(held)]
        tuned, default = score_config(res.options, [seqs])[0], score_config({}, [seqs])[0]
        changed = {k: v for k, v in res.options.items() if defaults.get(k) != v}
        row = {
            "held_out": held.name,
            "default": round(default, 2),
            "tuned": round(tuned, 2),
            "gain": round(tuned - default, 2),
            "in_sample_start": round(res.start_hota, 2),
            "in_sample_best": round(res.hota, 2),
            "trials": res.trials,
            "seconds": round(time.perf_counter() - t0),
            "settings": {k: round(v, 3) if isinstance(v, float) else v for k, v in changed.items()},
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{'held-out set':<15}{'defaults':>9}{'tuned':>8}{'gain':>8}   in-sample (mean of the others) start -> best")
    for r in rows:
        print(
            f"{r['held_out']:<15}{r['default']:>9.2f}{r['tuned']:>8.2f}{r['gain']:>+8.2f}   "
            f"{r['in_sample_start']:.2f} -> {r['in_sample_best']:.2f} ({r['trials']} trials)"
        )
    print(f"minimum held-out gain: {min(r['gain'] for r in rows):+.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
