"""``tracker eval --gt GT --pred PRED``: HOTA, DetA, AssA, MOTA, IDF1, ID switches via TrackEval."""

from __future__ import annotations

import argparse
import json


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "eval",
        help="score tracking results against MOTChallenge ground truth (TrackEval)",
        description="Per-sequence and combined HOTA, DetA, AssA, MOTA, IDF1 and ID switches, MOTChallenge "
        "protocol (pedestrians, class 1). GT: gt.txt, a sequence folder or a folder of them; PRED: a "
        "results file or a folder of <sequence>.txt.",
    )
    p.add_argument("--gt", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..evaluate import evaluate_mot, format_table

    scores = evaluate_mot(args.gt, args.pred)
    if args.json:
        print(json.dumps([s.__dict__ for s in scores], indent=1))
    else:
        print(format_table(scores))
    return 0
