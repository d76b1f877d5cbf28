"""Tracking metrics through TrackEval (HOTA, CLEAR MOT, Identity) with the MOTChallenge protocols.

TrackEval's ``MotChallenge2DBox`` does the official preprocessing. Which protocol applies depends on the
benchmark the ground truth comes from, and the layout of ``gt.txt`` says which (or ``benchmark=`` does):

* **MOT16 / MOT17 / DanceTrack** (9 columns ``frame,id,x,y,w,h,flag,class,visibility``): pedestrians
  (class 1) only, rows with flag 0 ignored, predictions matched to a distractor class removed.
  DanceTrack's own evaluation is TrackEval with this setting.
* **MOT20**: the same, and non-MOT vehicles (class 6) are distractors too.
* **MOT15** (10 columns ``frame,id,x,y,w,h,1,x_world,y_world,z_world``, -1 where there is no world
  position): no class column, so every row with flag != 0 is a target and nothing is a distractor;
  this is TrackEval's ``BENCHMARK='MOT15'`` path. Fed to the MOT17 path such files fail with "invalid gt
  classes", which is what happened before the layout was detected.

This module checks both files itself (one-line errors naming file and line), writes normalised copies
(ids renumbered densely, prediction columns 8-10 set to -1) so TrackEval never sees input it would choke
on, runs TrackEval with its prints kept off stdout and stderr, and reads its numbers back.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TrackerError, require
from ..io.mot import MotTable, read_seqinfo, read_table

__all__ = ["SequenceScores", "Pair", "BENCHMARKS", "evaluate_mot", "find_pairs", "detect_benchmark", "format_table"]

METRIC_KEYS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW")

# Benchmark name -> TrackEval's BENCHMARK setting (the only thing it changes is the preprocessing).
BENCHMARKS = {"MOT15": "MOT15", "MOT16": "MOT16", "MOT17": "MOT17", "MOT20": "MOT20", "DanceTrack": "MOT17"}
PROTOCOL_TEXT = {
    "MOT15": "every ground-truth row with flag != 0 is a target, no classes",
    "MOT16": "pedestrians (class 1), flag-0 rows ignored, distractor matches removed",
    "MOT17": "pedestrians (class 1), flag-0 rows ignored, distractor matches removed",
    "MOT20": "pedestrians (class 1), flag-0 rows ignored, distractor and non-MOT-vehicle matches removed",
}
# MOTChallenge 16/17/20 class ids (1 pedestrian ... 13 crowd).
VALID_CLASSES = range(1, 14)
# Without seqinfo.ini the sequence length is the last frame in either file. TrackEval walks every frame
# in Python (5.5 s per 100k empty frames measured here), so a typo such as frame 1e9 would run for
# about 15 hours; 100k frames is 55 minutes of 30 fps video, far beyond any MOT benchmark sequence.
MAX_FRAMES_WITHOUT_SEQINFO = 100_000


@dataclass
class SequenceScores:
    name: str
    HOTA: float
    DetA: float
    AssA: float
    MOTA: float
    IDF1: float
    IDSW: int
    protocol: str = ""

    def row(self) -> list:
        return [self.name] + [getattr(self, k) for k in METRIC_KEYS]


@dataclass
class Pair:
    """One sequence to score: ``length`` frames, ``seq_dir`` the sequence folder when there is one."""

    name: str
    gt_txt: Path
    pred_txt: Path
    length: int
    seq_dir: Path | None
    benchmark: str
    gt: MotTable
    pred: MotTable


def _gt_file(seq_dir: Path) -> Path:
    return seq_dir / "gt" / "gt.txt"


def _has_class_column(gt: MotTable) -> tuple[bool, int | None]:
    """Whether column 8 holds MOTChallenge class ids on every row; else the first line where it does not."""
    c = gt.rows[:, 7]
    ok = (c >= VALID_CLASSES.start) & (c < VALID_CLASSES.stop) & (c == np.floor(c))
    if ok.all():
        return True, None
    return False, int(gt.lines[np.flatnonzero(~ok)[0]])


def detect_benchmark(gt: MotTable, names: tuple[str, ...] = ()) -> str:
    """Which benchmark's protocol fits this ground truth (a key of :data:`BENCHMARKS`).

    Column 8 decides the family: MOTChallenge class ids (1-13) on every row mean the MOT16/17/20 layout;
    anything else (MOT15's -1 or world x) means MOT15. Within the family a sequence name (folder name,
    seqinfo name) picks MOT20, MOT16 or DanceTrack by prefix (``MOT20-01``, ``dancetrack0004``); the
    rest is MOT17.
    """
    if len(gt.rows) and not _has_class_column(gt)[0]:
        return "MOT15"
    for name in names:
        low = name.lower()
        for prefix, bench in (("mot20", "MOT20"), ("mot16", "MOT16"), ("dancetrack", "DanceTrack")):
            if low.startswith(prefix):
                return bench
    return "MOT17"


def _check_benchmark(pair_gt: Path, gt: MotTable, benchmark: str) -> None:
    if BENCHMARKS[benchmark] == "MOT15" or not len(gt.rows):
        return
    ok, line = _has_class_column(gt)
    if not ok:
        value = gt.rows[gt.lines == line][0, 7]
        raise TrackerError(
            f"{pair_gt}:{line}: column 8 is {value:g}, not a class id 1-13 as {benchmark} ground truth needs "
            "(MOT15-layout files have -1 or a world x there: use --benchmark MOT15 or leave --benchmark out)"
        )


def _check_ids(path: Path, table: MotTable) -> None:
    """Integer ids, each at most once per frame (TrackEval otherwise stops with a traceback)."""
    ids = table.rows[:, 1]
    bad = np.flatnonzero(ids != np.floor(ids))
    if len(bad):
        raise TrackerError(f"{path}:{table.lines[bad[0]]}: track id {ids[bad[0]]:g} is not an integer")
    order = np.lexsort((table.lines, ids, table.rows[:, 0]))
    key = table.rows[order][:, :2]
    dup = np.flatnonzero((key[1:] == key[:-1]).all(axis=1))
    if len(dup):
        i = order[dup[0] + 1]
        frame, tid = int(table.rows[i, 0]), int(table.rows[i, 1])
        raise TrackerError(
            f"{path}:{table.lines[i]}: frame {frame} repeats id {tid} (an id may appear once per frame)"
        )


def find_pairs(gt: str | Path, pred: str | Path, benchmark: str | None = None) -> list[Pair]:
    """Match ground truth to predictions and check both; one :class:`Pair` per sequence.

    ``gt`` may be a ``gt.txt`` file, a sequence folder (``seqinfo.ini`` + ``gt/gt.txt``) or a folder of
    sequence folders; ``pred`` a results file or a folder holding ``<sequence>.txt`` files. The length of
    a sequence is ``seqinfo.ini``'s ``seqLength`` (rows past it are errors), else the last frame in either
    file (at most :data:`MAX_FRAMES_WITHOUT_SEQINFO`).
    """
    if benchmark is not None and benchmark not in BENCHMARKS:
        raise TrackerError(f"unknown benchmark {benchmark!r}; choose from {', '.join(BENCHMARKS)}")
    gt, pred = Path(gt), Path(pred)
    for p, what in ((gt, "ground truth"), (pred, "predictions")):
        if not p.exists():
            raise TrackerError(f"{p}: {what} not found")
    if gt.is_file():
        in_seq = gt.parent.name == "gt"
        seq_dir = gt.parent.parent if in_seq and (gt.parent.parent / "seqinfo.ini").is_file() else None
        seqs = [(gt.parent.parent.name if in_seq else gt.stem, gt, seq_dir)]
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
        length = None
        info_name = name
        if seq_dir is not None and (seq_dir / "seqinfo.ini").is_file():
            info = read_seqinfo(seq_dir)
            length, info_name = info.length, info.name
        gt_rows = read_table(gt_txt, min_cols=7, max_frame=length)
        pred_rows = read_table(pred_txt, min_cols=7, max_frame=length)
        if length is None:
            length = _length_without_seqinfo(gt_txt, gt_rows, pred_txt, pred_rows)
        _check_ids(gt_txt, gt_rows)
        _check_ids(pred_txt, pred_rows)
        bench = benchmark or detect_benchmark(gt_rows, (name, info_name))
        _check_benchmark(gt_txt, gt_rows, bench)
        out.append(Pair(name, gt_txt, pred_txt, max(length, 1), seq_dir, bench, gt_rows, pred_rows))
    settings = {BENCHMARKS[p.benchmark] for p in out}
    if len(settings) > 1:
        found = ", ".join(f"{p.name}: {p.benchmark}" for p in out)
        raise TrackerError(f"these sequences need different protocols ({found}); evaluate them separately or pass --benchmark")
    return out


def _length_without_seqinfo(gt_txt: Path, gt: MotTable, pred_txt: Path, pred: MotTable) -> int:
    length = 0
    for path, table in ((gt_txt, gt), (pred_txt, pred)):
        if len(table.rows):
            i = int(np.argmax(table.rows[:, 0]))
            last = int(table.rows[i, 0])
            if last > MAX_FRAMES_WITHOUT_SEQINFO:
                raise TrackerError(
                    f"{path}:{table.lines[i]}: frame {last} with no seqinfo.ini to bound the sequence (at most "
                    f"{MAX_FRAMES_WITHOUT_SEQINFO} frames without one); pass the sequence folder instead of gt.txt"
                )
            length = max(length, last)
    return length


def _write_normalised(pair: Pair, gt_out: Path, pred_out: Path) -> None:
    """Copies TrackEval reads without surprises: dense ids from 1, GT ``flag,class,vis``, prediction 8-10 = -1."""

    def dense(ids: np.ndarray) -> np.ndarray:
        return np.unique(ids, return_inverse=True)[1].reshape(-1) + 1

    g = pair.gt.rows
    cls = g[:, 7]
    cls = np.where((cls >= VALID_CLASSES.start) & (cls < VALID_CLASSES.stop) & (cls == np.floor(cls)), cls, 1)
    vis = np.where(np.isfinite(g[:, 8]), g[:, 8], -1)
    # TrackEval keeps a GT row when int(flag) != 0; writing that as 0/1 keeps huge flags from overflowing.
    flag = (np.trunc(g[:, 6]) != 0).astype(int)
    gt_lines = [
        f"{int(r[0])},{i},{r[2]:.17g},{r[3]:.17g},{r[4]:.17g},{r[5]:.17g},{f},{int(c)},{v:.17g}\n"
        for r, i, f, c, v in zip(g, dense(g[:, 1]), flag, cls, vis)
    ]
    gt_out.write_text("".join(gt_lines))
    p = pair.pred.rows
    pred_lines = [
        f"{int(r[0])},{i},{r[2]:.17g},{r[3]:.17g},{r[4]:.17g},{r[5]:.17g},{r[6]:.17g},-1,-1,-1\n"
        for r, i in zip(p, dense(p[:, 1]))
    ]
    pred_out.write_text("".join(pred_lines))


@contextlib.contextmanager
def _silenced():
    """TrackEval prints progress, config and (on errors) tracebacks; none of it belongs on our streams."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield sink


def _import_trackeval():
    # Importing trackeval prints "Error importing BURST ... No module named 'tabulate'" on stdout when an
    # optional dependency is missing; `tracker eval --json` must stay pure JSON.
    with _silenced():
        return require("trackeval", "pip install --no-deps trackeval")


def evaluate_mot(gt: str | Path, pred: str | Path, benchmark: str | None = None) -> list[SequenceScores]:
    """Score predictions against ground truth; the last entry is ``COMBINED`` over all sequences.

    Args:
        gt: ``gt.txt``, a sequence folder or a folder of sequence folders.
        pred: a results file or a folder of ``<sequence>.txt``.
        benchmark: a key of :data:`BENCHMARKS` to force a protocol; None detects it from the ground truth
            (:func:`detect_benchmark`). Each score's ``protocol`` names the one used.
    """
    import tempfile

    pairs = find_pairs(gt, pred, benchmark)
    trackeval = _import_trackeval()
    setting = BENCHMARKS[pairs[0].benchmark]
    with tempfile.TemporaryDirectory(prefix="tracker-eval-") as tmp:
        gt_root = Path(tmp, "gt")
        tr_root = Path(tmp, "trackers", "tracker", "data")
        tr_root.mkdir(parents=True)
        for pair in pairs:
            (gt_root / pair.name / "gt").mkdir(parents=True)
            _write_normalised(pair, gt_root / pair.name / "gt" / "gt.txt", tr_root / f"{pair.name}.txt")
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
            "BENCHMARK": setting,
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": {p.name: p.length for p in pairs},
            "PRINT_CONFIG": False,
        }
        try:
            with _silenced():
                quiet = {"PRINT_CONFIG": False}
                metrics = [trackeval.metrics.HOTA(quiet), trackeval.metrics.CLEAR(quiet), trackeval.metrics.Identity(quiet)]
                evaluator = trackeval.Evaluator(eval_cfg)
                dataset = trackeval.datasets.MotChallenge2DBox(ds_cfg)
                res, _ = evaluator.evaluate([dataset], metrics)
        except Exception as exc:  # the files were checked above; anything left is TrackEval's own complaint
            reason = " ".join(str(exc).split())[:200]
            raise TrackerError(f"TrackEval could not score these files: {reason}") from None
    per_seq = res["MotChallenge2DBox"]["tracker"]
    protocols = {p.name: p.benchmark for p in pairs}
    names = {p.benchmark for p in pairs}
    protocols["COMBINED_SEQ"] = names.pop() if len(names) == 1 else setting
    out = []
    for name in [p.name for p in pairs] + ["COMBINED_SEQ"]:
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
                protocol=protocols[name],
            )
        )
    return out


def describe_protocol(benchmark: str) -> str:
    """One line naming the protocol, e.g. ``MOT15 protocol (TrackEval MotChallenge2DBox): every ...``."""
    setting = BENCHMARKS.get(benchmark, benchmark)
    label = f"{benchmark} protocol" if setting == benchmark else f"{benchmark}, {setting} protocol"
    return f"{label} (TrackEval MotChallenge2DBox): {PROTOCOL_TEXT.get(setting, '')}"


def format_table(scores: list[SequenceScores]) -> str:
    """A protocol line, then one row per sequence; the last row is ``COMBINED``."""
    head = f"{'sequence':<14}" + "".join(f"{k:>8}" for k in METRIC_KEYS)
    lines = [describe_protocol(scores[-1].protocol)] if scores and scores[-1].protocol else []
    lines.append(head)
    for s in scores:
        vals = "".join(f"{getattr(s, k):>8.1f}" if k != "IDSW" else f"{s.IDSW:>8d}" for k in METRIC_KEYS)
        lines.append(f"{s.name:<14}{vals}")
    return "\n".join(lines)
