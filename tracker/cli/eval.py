"""``tracker eval --gt GT --pred PRED``: HOTA, DetA, AssA, MOTA, IDF1, ID switches via TrackEval."""

from __future__ import annotations

import argparse
import json

# Kept in step with tracker.eval.tracking.BENCHMARKS (not imported: --help must not load numpy/TrackEval).
BENCHMARK_CHOICES = ("MOT15", "MOT16", "MOT17", "MOT20", "DanceTrack")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "eval",
        help="score tracking results against MOTChallenge ground truth (TrackEval)",
        description="Per-sequence and combined HOTA, DetA, AssA, MOTA, IDF1 and ID switches with the "
        "MOTChallenge protocol of the ground truth's benchmark, detected from its layout (MOT15: no class "
        "column, every row a target; MOT16/17/20, DanceTrack: pedestrians, class 1) or given with "
        "--benchmark; the output names the protocol. GT: gt.txt, a sequence folder or a folder of them; "
        "PRED: a results file or a folder of <sequence>.txt.",
    )
    p.add_argument("--gt", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument(
        "--benchmark",
        choices=BENCHMARK_CHOICES,
        default=None,
        help="protocol to score with (default: detected from the ground truth and sequence names)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (each entry names its protocol)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..eval.tracking import evaluate_mot, format_table

    scores = evaluate_mot(args.gt, args.pred, benchmark=args.benchmark)
    if args.json:
        print(json.dumps([s.__dict__ for s in scores], indent=1))
    else:
        print(format_table(scores))
    return 0
