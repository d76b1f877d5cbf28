"""Score tiers per bundled detector: which ``high_score`` / ``new_track_score`` suit each detector's scores.

Score calibration belongs to the detector (NanoDet's people score 0.3-0.7 on real footage, a Faster R-CNN's
0.9+), so each bundled detector carries ``score_tiers`` that ``Pipeline`` applies under the user's options.
This measures them on ``pets09-dev`` (real footage, real GT, ``../shared/data/real``): each detector runs
once over the video (person class, ``--conf 0.1``), its boxes go to a MOT sequence in a temp folder, and
the tracker (motion only, the video's frame rate) runs on that file for every tier pair, scored with
TrackEval (MotChallenge2DBox, MOT17 protocol, as ``track_mot.py``). Also printed: quantiles of the
scores of detections that match a GT box (IoU >= 0.5) and of those that do not.

Run::

    PYTHONPATH=. .venv/bin/python benchmarks/detector_tiers.py [--shared ../shared/data]
        [--detectors nanodet,centernet,movenet] [--tiers 0.3,0.4,0.5,0.6,0.7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from track_mot import SHARED, trackeval_scores  # noqa: E402

SEQ = "real/pets09-dev/PETS09-S2L1-first400"
VIDEO = "real/pets09-dev/PETS09-S2L1-first400.mp4"


def detect_to_sequence(name: str, video: Path, gt_seq: Path, out: Path) -> Path:
    """Run detector ``name`` over ``video`` into ``out/<seq>/det/det.txt`` (with GT and seqinfo linked)."""
    from tracker.io.sources import open_source
    from tracker.models.detectors import load_detector

    det = load_detector(name, conf=0.1, classes=["person"])
    seq = out / gt_seq.name
    (seq / "det").mkdir(parents=True)
    (seq / "gt").mkdir()
    (seq / "gt" / "gt.txt").symlink_to((gt_seq / "gt" / "gt.txt").resolve())
    (seq / "seqinfo.ini").symlink_to((gt_seq / "seqinfo.ini").resolve())
    lines = []
    with open_source(str(video)) as src:
        for frame in src:
            d = det(frame.image)
            for (x1, y1, x2, y2), s in zip(d.xyxy, d.score):
                lines.append(f"{frame.index + 1},-1,{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{s:.4f},-1,-1,-1\n")
    (seq / "det" / "det.txt").write_text("".join(lines))
    return seq


def score_quantiles(seq: Path) -> tuple[np.ndarray, np.ndarray]:
    """Scores of detections matching a GT pedestrian (IoU >= 0.5, greedy per frame) and of the rest."""
    from tracker.boxes import iou_matrix
    from tracker.io.mot import read_rows

    det, gt = read_rows(seq / "det" / "det.txt"), read_rows(seq / "gt" / "gt.txt")
    gt = gt[(gt[:, 6] != 0) & (gt[:, 7] == 1)]
    tp, fp = [], []
    for f in np.unique(det[:, 0]):
        d, g = det[det[:, 0] == f], gt[gt[:, 0] == f]
        dx = np.c_[d[:, 2:4], d[:, 2:4] + d[:, 4:6]]
        gx = np.c_[g[:, 2:4], g[:, 2:4] + g[:, 4:6]]
        hit = (iou_matrix(dx, gx) >= 0.5).any(1) if len(g) else np.zeros(len(d), bool)
        tp += list(d[hit, 6])
        fp += list(d[~hit, 6])
    return np.asarray(tp), np.asarray(fp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--detectors", default="nanodet,centernet,movenet")
    ap.add_argument("--tiers", default="0.3,0.4,0.5,0.6,0.7", help="values tried for both tiers")
    args = ap.parse_args(argv)

    from tracker.io.mot import read_sequence, write_rows
    from tracker.tracking import Tracker, TrackerConfig

    tiers = [float(t) for t in args.tiers.split(",")]
    gt_seq, video = args.shared / SEQ, args.shared / VIDEO
    print(f"pets09-dev ({video.name}), tracker on each detector's person boxes (conf 0.1), motion only; "
          f"{time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory(prefix="tiers-") as tmp:
        for name in (n.strip() for n in args.detectors.split(",") if n.strip()):
            t0 = time.time()
            seq_dir = detect_to_sequence(name, video, gt_seq, Path(tmp, name, "seqs"))
            tp, fp = score_quantiles(seq_dir)
            q = (0.1, 0.25, 0.5)
            print(f"\n### {name} ({time.time() - t0:.0f} s to detect): matched scores q10/q25/q50 "
                  f"{' / '.join(f'{v:.2f}' for v in np.quantile(tp, q))} (n={len(tp)}), unmatched "
                  f"{' / '.join(f'{v:.2f}' for v in np.quantile(fp, q))} (n={len(fp)})\n")
            print("| new_track_score \\ high_score | " + " | ".join(f"{h:.2f}" for h in tiers) + " |")
            print("|---|" + "---|" * len(tiers))
            seq = read_sequence(seq_dir)
            for nt in tiers:
                cells = []
                for hs in tiers:
                    pred = Path(tmp, name, "pred", f"{nt}-{hs}")
                    pred.mkdir(parents=True)
                    trk = Tracker(TrackerConfig(), high_score=hs, new_track_score=nt, frame_rate=seq.info.frame_rate)
                    with open(pred / f"{seq_dir.name}.txt", "w") as fh:
                        for f, d in seq.frames():
                            t = trk.update(d)
                            write_rows(fh, f, t.track_id, t.xyxy, t.score)
                    cells.append(f"{trackeval_scores(seq_dir.parent, pred)['HOTA']:.1f}")
                print(f"| {nt:.2f} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
