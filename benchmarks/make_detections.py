"""Simulated MOT17 detection sets under noise profiles other than the shared ``det/det.txt``.

The shared detections (``../shared/data/mot17/*/det/det.txt``) are one simulation of a detector, and
the tracker's defaults were swept on exactly that set. This script writes other simulations from the
same ground truth, so ``benchmarks/track_mot.py --data OUT`` can check that a gain holds on detections
it was not tuned on::

    .venv/bin/python benchmarks/make_detections.py --gt ../shared/data/mot17 --out /tmp/mot17_alt/jitter \\
        --profile jitter --seed 0
    .venv/bin/python benchmarks/track_mot.py --data /tmp/mot17_alt/jitter --repeat 1

``OUT/<sequence>/`` gets ``seqinfo.ini`` (copied), ``gt/gt.txt`` (a symlink to the original, or a copy
with ``--copy-gt``) and ``det/det.txt`` (``frame,-1,x,y,w,h,score,-1,-1,-1``, top-left x, y).
``OUT/make_detections.json`` records the profile, its parameters and the seed. The output depends
only on the ground truth, the profile and the seed (each sequence has its own random stream).

How a detection set is drawn. Only pedestrians (class 1) with the consider flag 1 are detected, which
is what TrackEval scores; distractor classes are never detected.

* Misses: each ground-truth box is missed with probability
  ``miss_base + miss_occ * (1 - visibility) ** miss_pow``; on top, every track starts a burst of
  consecutive misses with probability ``burst_rate`` per frame, lasting ``burst_len`` frames (uniform).
* Jitter: each corner moves by a normal draw with sigma ``jitter`` times the box width (x) or height (y).
* True-positive scores: ``score_lo + (score_hi - score_lo) * visibility + N(0, score_sd)``, clipped to
  [0.01, 0.99], so scores rise with visibility.
* False positives, per frame: ``Poisson(fp_rate)`` one-frame boxes with heights drawn from the
  sequence's pedestrian heights and width/height 0.3-0.6, anywhere in the image; a fraction
  ``fp_near`` of them instead sit near a real pedestrian (shifted by up to half its size, scaled
  0.5-1.3: the partial and duplicate boxes that NMS leaves). Plus persistent ones ("a chair"): born
  with ``ghost_rate`` per frame, static for ``ghost_len`` frames (uniform), firing with probability
  ``ghost_fire`` each frame with 2 % jitter. FP scores are ``fp_score_scale * Beta(fp_score_a,
  fp_score_b)``; a persistent FP keeps its own score (+- 0.05 per frame).

Profiles (``base`` imitates the shared set; each other profile changes one thing, ``mixed`` several).
Figures in brackets are measured on seed 0 (recall = detected / considered pedestrian boxes):

* ``base``: the shared set's statistics. Measured the same way (IoU >= 0.5 matching) on both: recall
  0.77; by visibility 0.35 below 0.25, then 0.75 / 0.90 / 0.95; corner offset median 3 % of size
  (p90 7.4 %); 2 FPs per frame with median score 0.35; TP score median 0.82 (shared 0.79). A check of
  this generator: every tracker scores within 0.5 HOTA of its shared-set figure on it.
* ``jitter``: corner sigma 9 % of the box size (median offset 6 %, p90 15 %), fewer misses (base 2 %,
  occlusion weight 0.6) [recall 0.83, 19.6 detections / frame].
* ``misses``: 30 % random misses, stronger occlusion-driven misses (weight 0.9, power 2), and bursts of
  1-10 consecutive misses starting with probability 0.03 per track-frame [recall 0.39, 10.2 / frame].
* ``fp``: about 6 FPs per frame: 4.5 one-frame (30 % of them partial/duplicate boxes near a real
  pedestrian) + persistent ones (5-60 frames, firing 85 % of frames, about 1.7 at once); FP scores
  Beta(4, 3) (median 0.58, p10 0.33), overlapping the TP scores (p10 0.42) [6.1 FP / frame].
* ``lowscore``: every score shifted low, as NanoDet's on real footage (``../shared/models/PROVENANCE.md``:
  median about 0.5 and 0.42): TP score 0.13-0.58 with visibility (median 0.46), FP median 0.24,
  overall median 0.44. Thresholds copied from detectors with high scores fail here.
* ``mixed``: some of everything: 6.5 % jitter, 12 % random misses plus stronger occlusion misses and
  rare bursts (0.01), 3 one-frame FPs (20 % near people) + persistent ones, TP scores 0.2-0.75 with
  visibility and FP scores Beta(3, 3.5) * 0.9 overlapping them [recall 0.62, 4.0 FP / frame].
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Profile:
    """Noise parameters of one simulated detector (see the module docstring)."""

    miss_base: float = 0.05
    miss_occ: float = 0.75
    miss_pow: float = 3.0
    burst_rate: float = 0.0
    burst_len: tuple[int, int] = (1, 10)
    jitter: float = 0.045
    score_lo: float = 0.30
    score_hi: float = 1.00
    score_sd: float = 0.15
    fp_rate: float = 2.0
    fp_near: float = 0.0
    ghost_rate: float = 0.0
    ghost_len: tuple[int, int] = (5, 60)
    ghost_fire: float = 0.85
    fp_score_a: float = 2.5
    fp_score_b: float = 4.5
    fp_score_scale: float = 1.0


_BASE = Profile()
PROFILES: dict[str, Profile] = {
    "base": _BASE,
    "jitter": replace(_BASE, jitter=0.09, miss_base=0.02, miss_occ=0.6),
    "misses": replace(_BASE, miss_base=0.30, miss_occ=0.9, miss_pow=2.0, burst_rate=0.03),
    "fp": replace(_BASE, fp_rate=4.5, fp_near=0.3, ghost_rate=0.06, fp_score_a=4.0, fp_score_b=3.0),
    "lowscore": replace(_BASE, score_lo=0.13, score_hi=0.58, score_sd=0.12, fp_score_a=2.5, fp_score_b=4.5,
                        fp_score_scale=0.7),
    "mixed": replace(_BASE, jitter=0.065, miss_base=0.12, miss_occ=0.85, miss_pow=2.5, burst_rate=0.01,
                     score_lo=0.20, score_hi=0.75, fp_rate=3.0, fp_near=0.2, ghost_rate=0.03,
                     fp_score_a=3.0, fp_score_b=3.5, fp_score_scale=0.9),
}


def _seqinfo(seq: Path) -> tuple[int, int, int]:
    """``(length, width, height)`` from ``seqinfo.ini``."""
    import configparser

    cp = configparser.ConfigParser()
    cp.read(seq / "seqinfo.ini")
    s = cp["Sequence"]
    return int(s["seqLength"]), int(s["imWidth"]), int(s["imHeight"])


def _clip_boxes(b: np.ndarray, width: int, height: int) -> np.ndarray:
    """Clip xyxy boxes to the image and keep them at least 2 px wide and tall."""
    b = b.copy()
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width - 1)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height - 1)
    b[:, 2] = np.maximum(b[:, 2], b[:, 0] + 2)
    b[:, 3] = np.maximum(b[:, 3], b[:, 1] + 2)
    return b


def _random_boxes(rng, n: int, heights: np.ndarray, width: int, height: int) -> np.ndarray:
    """``n`` person-shaped boxes anywhere in the image, heights like the sequence's pedestrians."""
    h = rng.choice(heights, n) * rng.lognormal(0.0, 0.2, n)
    h = np.minimum(h, height * 0.9)
    w = h * rng.uniform(0.3, 0.6, n)
    x = rng.uniform(0, np.maximum(width - w, 1))
    y = rng.uniform(0, np.maximum(height - h, 1))
    return np.stack([x, y, x + w, y + h], 1)


def _near_boxes(rng, gt_xyxy: np.ndarray) -> np.ndarray:
    """Partial / duplicate boxes around the given pedestrians (what NMS lets through)."""
    n = len(gt_xyxy)
    w = gt_xyxy[:, 2] - gt_xyxy[:, 0]
    h = gt_xyxy[:, 3] - gt_xyxy[:, 1]
    cx = (gt_xyxy[:, 0] + gt_xyxy[:, 2]) / 2 + rng.uniform(-0.5, 0.5, n) * w
    cy = (gt_xyxy[:, 1] + gt_xyxy[:, 3]) / 2 + rng.uniform(-0.5, 0.5, n) * h
    s = rng.uniform(0.5, 1.3, n)
    return np.stack([cx - s * w / 2, cy - s * h / 2, cx + s * w / 2, cy + s * h / 2], 1)


def simulate(gt: np.ndarray, length: int, width: int, height: int, p: Profile, rng) -> tuple[np.ndarray, dict]:
    """Detections for one sequence: rows ``(frame, x1, y1, x2, y2, score, is_tp)`` and counts."""
    keep = (gt[:, 6] == 1) & (gt[:, 7] == 1)
    g = gt[keep]
    g = g[np.lexsort((g[:, 0], g[:, 1]))]  # by track, then frame, so bursts run along a track
    frame, vis = g[:, 0].astype(np.int64), np.clip(g[:, 8], 0, 1)
    xyxy = np.c_[g[:, 2:4], g[:, 2:4] + g[:, 4:6]]
    n = len(g)

    missed = rng.random(n) < p.miss_base + p.miss_occ * (1 - vis) ** p.miss_pow
    if p.burst_rate > 0:
        track = g[:, 1]
        starts = np.flatnonzero(rng.random(n) < p.burst_rate)
        lens = rng.integers(p.burst_len[0], p.burst_len[1] + 1, len(starts))
        for i, k in zip(starts, lens):
            j = min(i + k, n)
            # A burst covers the next frames of the same track only (rows are sorted by track, frame).
            same = (track[i:j] == track[i]) & (frame[i:j] - frame[i] < k)
            missed[i:j] |= same

    wh = np.tile(xyxy[:, 2:] - xyxy[:, :2], 2)  # (w, h, w, h): x corners scale with width, y with height
    tp_box = xyxy + rng.normal(0, p.jitter, (n, 4)) * wh
    tp_score = p.score_lo + (p.score_hi - p.score_lo) * vis + rng.normal(0, p.score_sd, n)
    sel = ~missed
    tp = np.c_[frame[sel], tp_box[sel], tp_score[sel], np.ones(sel.sum())]

    heights = g[:, 5] if n else np.array([height / 4])
    fps = []
    # One-frame FPs.
    counts = rng.poisson(p.fp_rate, length)
    near = rng.random(counts.sum()) < p.fp_near
    f_of = np.repeat(np.arange(1, length + 1), counts)
    boxes = _random_boxes(rng, len(f_of), heights, width, height)
    if near.any():
        # Each near-FP sits by a random pedestrian of its frame (frames without one keep a random box).
        by_frame = {f: np.flatnonzero(frame == f) for f in np.unique(f_of[near])}
        for i in np.flatnonzero(near):
            rows = by_frame[f_of[i]]
            if len(rows):
                boxes[i] = _near_boxes(rng, xyxy[rng.choice(rows)][None])[0]
    sc = p.fp_score_scale * rng.beta(p.fp_score_a, p.fp_score_b, len(f_of))
    fps.append(np.c_[f_of, boxes, sc, np.zeros(len(f_of))])
    # Persistent FPs: a static box that fires on most frames of its life, with its own score.
    births = np.repeat(np.arange(1, length + 1), rng.poisson(p.ghost_rate, length))
    for b0, box in zip(births, _random_boxes(rng, len(births), heights, width, height)):
        life = int(rng.integers(p.ghost_len[0], p.ghost_len[1] + 1))
        f = np.arange(b0, min(b0 + life, length + 1))
        f = f[rng.random(len(f)) < p.ghost_fire]
        size = np.r_[box[2:] - box[:2], box[2:] - box[:2]]
        bx = box + rng.normal(0, 0.02, (len(f), 4)) * size
        s0 = p.fp_score_scale * rng.beta(p.fp_score_a, p.fp_score_b)
        fps.append(np.c_[f, bx, s0 + rng.normal(0, 0.05, len(f)), np.zeros(len(f))])

    fp = np.concatenate(fps)
    # FPs stay inside the image; TPs are not clipped, like the ground truth they are drawn from (and the
    # shared set): MOT17 boxes of people at the border reach past the image.
    fp[:, 1:5] = _clip_boxes(fp[:, 1:5], width, height)
    rows = np.concatenate([tp, fp])
    rows[:, 3:5] = np.maximum(rows[:, 3:5], rows[:, 1:3] + 2)
    rows[:, 5] = np.clip(rows[:, 5], 0.01, 0.99)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    stats = {"gt": int(n), "tp": int(sel.sum()), "fp": int(len(rows) - sel.sum()), "frames": int(length),
             "ghosts": int(len(births))}
    return rows, stats


def write_det(path: Path, rows: np.ndarray) -> None:
    """MOTChallenge det format, top-left x, y and width, height."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = np.c_[rows[:, 0], rows[:, 1:3], rows[:, 3:5] - rows[:, 1:3], rows[:, 5]]
    with open(path, "w") as fh:
        for f, x, y, w, h, s in out:
            fh.write(f"{int(f)},-1,{x:.2f},{y:.2f},{w:.2f},{h:.2f},{s:.4f},-1,-1,-1\n")


def make(gt_root: Path, out: Path, profile: str, seed: int, copy_gt: bool = False) -> list[dict]:
    """Write every sequence of ``gt_root`` under ``out`` with ``profile`` detections; return stats."""
    p = PROFILES[profile]
    seqs = sorted(d for d in gt_root.iterdir() if (d / "seqinfo.ini").is_file() and (d / "gt" / "gt.txt").is_file())
    if not seqs:
        raise SystemExit(f"{gt_root}: no sequence folders (seqinfo.ini + gt/gt.txt)")
    out.mkdir(parents=True, exist_ok=True)
    all_stats = []
    for seq in seqs:
        length, width, height = _seqinfo(seq)
        gt = np.loadtxt(seq / "gt" / "gt.txt", delimiter=",", ndmin=2)
        # Own stream per (seed, profile, sequence): adding or dropping a sequence changes no other.
        rng = np.random.default_rng([seed, zlib.crc32(profile.encode()), zlib.crc32(seq.name.encode())])
        rows, stats = simulate(gt, length, width, height, p, rng)
        dst = out / seq.name
        (dst / "gt").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seq / "seqinfo.ini", dst / "seqinfo.ini")
        link = dst / "gt" / "gt.txt"
        if link.is_symlink() or link.exists():
            link.unlink()
        if copy_gt:
            shutil.copyfile(seq / "gt" / "gt.txt", link)
        else:
            link.symlink_to((seq / "gt" / "gt.txt").resolve())
        write_det(dst / "det" / "det.txt", rows)
        tp = rows[:, 6] == 1
        stats.update(seq=seq.name, tp_score_median=float(np.median(rows[tp, 5])) if tp.any() else None,
                     fp_score_median=float(np.median(rows[~tp, 5])) if (~tp).any() else None,
                     score_median=float(np.median(rows[:, 5])))
        all_stats.append(stats)
    meta = {"profile": profile, "seed": seed, "gt": str(gt_root.resolve()), "params": asdict(p), "sequences": all_stats}
    (out / "make_detections.json").write_text(json.dumps(meta, indent=1) + "\n")
    return all_stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gt", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "mot17",
                    help="folder of MOTChallenge sequence folders with gt/gt.txt (default ../shared/data/mot17)")
    ap.add_argument("--out", type=Path, required=True, help="where to write <sequence>/{seqinfo.ini,gt,det}")
    ap.add_argument("--profile", choices=sorted(PROFILES), required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--copy-gt", action="store_true", help="copy gt.txt instead of symlinking it")
    args = ap.parse_args(argv)
    if not args.gt.is_dir():
        ap.error(f"{args.gt}: not a folder")
    stats = make(args.gt, args.out, args.profile, args.seed, args.copy_gt)
    gt = sum(s["gt"] for s in stats)
    tp = sum(s["tp"] for s in stats)
    fp = sum(s["fp"] for s in stats)
    frames = sum(s["frames"] for s in stats)
    med = np.median([s["score_median"] for s in stats])
    print(f"{args.profile} seed {args.seed}: {len(stats)} sequences, {frames} frames -> {args.out}; "
          f"recall {tp / max(gt, 1):.3f}, {(tp + fp) / frames:.1f} detections/frame, {fp / frames:.2f} FP/frame, "
          f"score median {med:.2f} (per-sequence median of medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
