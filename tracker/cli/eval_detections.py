"""``tracker eval-detections --gt GT.json --pred PRED``: COCO mAP of saved detections (pycocotools)."""

from __future__ import annotations

import argparse
import json

from .checks import checked


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval-detections",
        help="score detections against COCO ground truth (mAP@0.5, mAP@[.5:.95])",
        description=(
            "COCO bbox evaluation with pycocotools. PRED is a COCO results JSON list or the JSON lines of "
            "`tracker detect --format json`; for the latter, frame i is the i-th image of GT's 'images' list "
            "(frames counted from --frame-base), and a detection's label (else its 0-based class_id, in "
            "ascending category-id order) picks the GT category."
        ),
    )
    p.add_argument("--gt", required=True, help="COCO ground-truth JSON")
    p.add_argument("--pred", required=True, help="COCO results JSON or `tracker detect --format json` output")
    p.add_argument(
        "--frame-base", type=checked("--frame-base"), default=0,
        help="number of the first frame in JSON lines (default 0)",
    )
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--verbose", action="store_true", help="show pycocotools' own summary table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..eval.detection import evaluate_detections

    m = evaluate_detections(args.gt, args.pred, frame_base=args.frame_base, verbose=args.verbose)
    if args.json:
        print(json.dumps(m))
    else:
        print(f"mAP@0.5       {m['map50']:.4f}")
        print(f"mAP@[.5:.95]  {m['map']:.4f}")
        print(f"({m['n_images']} images, {m['n_gt']} ground-truth boxes, {m['n_pred']} detections)")
    return 0
