"""Tracking metrics through TrackEval (HOTA, CLEAR MOT, Identity) with the MOTChallenge protocol.

TrackEval's ``MotChallenge2DBox`` does the official preprocessing: pedestrians (class 1) only,
ground-truth rows with the consider flag 0 ignored, predictions matched to distractor classes removed.
This module only lays the files out the way TrackEval expects and reads its numbers back.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import TrackerError, require
from .io.mot import read_rows, read_seqinfo

__all__ = ["SequenceScores", "evaluate_mot", "find_pairs"]

METRIC_KEYS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW")


@dataclass
class SequenceScores:
    name: str
    HOTA: float
    DetA: float
    AssA: float
    MOTA: float
    IDF1: float
    IDSW: int

    def row(self) -> list:
        return [self.name] + [getattr(self, k) for k in METRIC_KEYS]


def _gt_file(seq_dir: Path) -> Path:
    return seq_dir / "gt" / "gt.txt"


def find_pairs(gt: str | Path, pred: str | Path) -> list[tuple[str, Path, Path, int]]:
    """Match ground truth to predictions: ``[(name, gt_txt, pred_txt, length)]``.

    ``gt`` may be a ``gt.txt`` file, a sequence folder (``seqinfo.ini`` + ``gt/gt.txt``) or a folder of
    sequence folders; ``pred`` a results file or a folder holding ``<sequence>.txt`` files.
    """
    gt, pred = Path(gt), Path(pred)
    for p, what in ((gt, "ground truth"), (pred, "predictions")):
        if not p.exists():
            raise TrackerError(f"{p}: {what} not found")
    if gt.is_file():
        seqs = [(gt.parent.parent.name if gt.parent.name == "gt" else gt.stem, gt, None)]
    elif _gt_file(gt).is_file():
        seqs = [(gt.name, _gt_file(gt), gt)]
    else:
        seqs = [(d.name, _gt_file(d), d) for d in sorted(gt.iterdir()) if _gt_file(d).is_file()]
        if not seqs:
            raise TrackerError(f"{gt}: no gt/gt.txt found (expected a gt.txt, a sequence folder or a folder of them)")
    out = []
    for name, gt_txt, seq_dir in seqs:
        if pred.is_file():
            if len(seqs) > 1:
                raise TrackerError(f"{pred}: one prediction file given for {len(seqs)} sequences; pass a folder of <sequence>.txt")
            pred_txt = pred
        else:
            pred_txt = pred / f"{name}.txt"
            if not pred_txt.is_file():
                raise TrackerError(f"{pred_txt}: no predictions for sequence {name}")
        gt_rows = read_rows(gt_txt)
        pred_rows = read_rows(pred_txt)
        if seq_dir is not None and (seq_dir / "seqinfo.ini").is_file():
            length = read_seqinfo(seq_dir).length
        else:
            length = int(max([0, *gt_rows[:, 0], *pred_rows[:, 0]]))
        if len(pred_rows) and pred_rows[:, 0].max() > length:
            raise TrackerError(f"{pred_txt}: frame {int(pred_rows[:, 0].max())} is past the sequence length {length}")
        out.append((name, gt_txt, pred_txt, max(length, 1)))
    return out


def evaluate_mot(gt: str | Path, pred: str | Path) -> list[SequenceScores]:
    """Score predictions against ground truth; the last entry is ``COMBINED`` over all sequences."""
    trackeval = require("trackeval", "pip install --no-deps trackeval")
    pairs = find_pairs(gt, pred)
    with tempfile.TemporaryDirectory(prefix="tracker-eval-") as tmp:
        gt_root = Path(tmp, "gt")
        tr_root = Path(tmp, "trackers", "tracker", "data")
        tr_root.mkdir(parents=True)
        for name, gt_txt, pred_txt, _ in pairs:
            (gt_root / name / "gt").mkdir(parents=True)
            os.symlink(gt_txt.resolve(), gt_root / name / "gt" / "gt.txt")
            os.symlink(pred_txt.resolve(), tr_root / f"{name}.txt")
        eval_cfg = {
            "USE_PARALLEL": False,
            "PRINT_RESULTS": False,
            "PRINT_CONFIG": False,
            "TIME_PROGRESS": False,
            "DISPLAY_LESS_PROGRESS": True,
            "OUTPUT_SUMMARY": False,
            "OUTPUT_EMPTY_CLASSES": False,
            "OUTPUT_DETAILED": False,
            "PLOT_CURVES": False,
            "LOG_ON_ERROR": None,
            "BREAK_ON_ERROR": True,
            "RETURN_ON_ERROR": False,
        }
        ds_cfg = {
            "GT_FOLDER": str(gt_root),
            "TRACKERS_FOLDER": str(tr_root.parent.parent),
            "TRACKERS_TO_EVAL": ["tracker"],
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": {name: length for name, _, _, length in pairs},
            "PRINT_CONFIG": False,
        }
        quiet = {"PRINT_CONFIG": False}
        metrics = [trackeval.metrics.HOTA(quiet), trackeval.metrics.CLEAR(quiet), trackeval.metrics.Identity(quiet)]
        evaluator = trackeval.Evaluator(eval_cfg)
        dataset = trackeval.datasets.MotChallenge2DBox(ds_cfg)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                res, _ = evaluator.evaluate([dataset], metrics)
        except Exception as exc:  # TrackEval raises its own exception types for bad files
            raise TrackerError(f"TrackEval could not score these files: {exc}") from None
    per_seq = res["MotChallenge2DBox"]["tracker"]
    names = [p[0] for p in pairs] + ["COMBINED_SEQ"]
    out = []
    for name in names:
        r = per_seq[name]["pedestrian"]
        out.append(
            SequenceScores(
                name="COMBINED" if name == "COMBINED_SEQ" else name,
                HOTA=100 * float(r["HOTA"]["HOTA"].mean()),
                DetA=100 * float(r["HOTA"]["DetA"].mean()),
                AssA=100 * float(r["HOTA"]["AssA"].mean()),
                MOTA=100 * float(r["CLEAR"]["MOTA"]),
                IDF1=100 * float(r["Identity"]["IDF1"]),
                IDSW=int(r["CLEAR"]["IDSW"]),
            )
        )
    return out


def format_table(scores: list[SequenceScores]) -> str:
    head = f"{'sequence':<14}" + "".join(f"{k:>8}" for k in METRIC_KEYS)
    lines = [head]
    for s in scores:
        vals = "".join(f"{getattr(s, k):>8.1f}" if k != "IDSW" else f"{s.IDSW:>8d}" for k in METRIC_KEYS)
        lines.append(f"{s.name:<14}{vals}")
    return "\n".join(lines)
