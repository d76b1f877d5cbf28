"""How well do appearance embeddings separate people? Same- vs different-person cosine distances on real crops.

    .venv/bin/python benchmarks/embed_identity.py [/work/shared/videos/people-walking.mp4]

In that video people cross a room one at a time, so identities come for free: person boxes (NanoDet,
or background subtraction if the detector is unavailable) are taken every ``--step`` frames, the best
person box per frame is kept, and a run of frames with a person ends when none is seen for ``--gap``
sampled frames; each run is one identity (runs with fewer than ``--min-crops`` crops are dropped).

For each crop size x truncation layer it reports the mean cosine distance of same-person pairs (at least
``--min-dt`` video frames apart, so neighbouring near-duplicates do not flatter the score) and of
different-person pairs, ROC AUC (the fraction of (same, different) pairs ordered correctly) and the
network's ms per crop in batches of 10 on this machine.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CACHE = Path("/tmp/embed_identity_crops.npz")


def person_boxes(video: str, step: int, detector_name: str) -> tuple[list[int], list, list[np.ndarray]]:
    """(frame indices, [], best person xyxy) for every sampled frame that has a person."""
    import cv2

    det = None
    if detector_name != "mog2":
        try:
            from tracker.models.detectors import load_detector

            det = load_detector(detector_name)
        except Exception as exc:  # the detector may not be there yet; fall back, and say so
            print(f"detector {detector_name!r} unavailable ({exc}); using background subtraction")
    mog = cv2.createBackgroundSubtractorMOG2(history=200, varThreshold=32, detectShadows=False)
    cap = cv2.VideoCapture(video)
    idx, frames, boxes = [], [], []
    i = -1
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        i += 1
        if det is None:
            fg = mog.apply(frame)
        if i % step:
            continue
        if det is not None:
            d = det(frame)
            keep = (d.class_id == 0) & (d.score >= 0.35)
            if not keep.any():
                continue
            d = d[keep]
            b = d.xyxy[int(np.argmax(d.score))]
        else:
            fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
            cnts, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            if not cnts:
                continue
            x, y, w, h = cv2.boundingRect(max(cnts, key=cv2.contourArea))
            if w * h < 0.01 * frame.shape[0] * frame.shape[1] or h < w:
                continue
            b = np.array([x, y, x + w, y + h], float)
        if (b[3] - b[1]) < 60:
            continue
        idx.append(i)
        boxes.append(b)
    return idx, frames, boxes


def identities(idx: list[int], step: int, gap: int, min_crops: int) -> np.ndarray:
    """Identity label per sampled crop from the gaps between runs (-1: run too short, dropped)."""
    labels = np.zeros(len(idx), int)
    cur = 0
    for k in range(1, len(idx)):
        if idx[k] - idx[k - 1] > gap * step:
            cur += 1
        labels[k] = cur
    for lab in np.unique(labels):
        if (labels == lab).sum() < min_crops:
            labels[labels == lab] = -1
    return labels


def read_frames(video: str, wanted: np.ndarray) -> list[np.ndarray]:
    import cv2

    cap, out, want, i = cv2.VideoCapture(video), [], set(int(v) for v in wanted), -1
    while len(out) < len(want):
        ok, frame = cap.read()
        if not ok:
            break
        i += 1
        if i in want:
            out.append(frame)
    return out


def crops_cache(args) -> dict:
    """Boxes, labels and frame indices (cached: the detector pass is the slow part); frames re-read."""
    if CACHE.exists() and not args.refresh:
        data = dict(np.load(CACHE))
    else:
        idx, _frames, boxes = person_boxes(args.video, args.step, args.detector)
        labels = identities(idx, args.step, args.gap, args.min_crops)
        keep = labels >= 0
        data = {"boxes": np.array(boxes)[keep], "labels": labels[keep], "idx": np.array(idx)[keep]}
        np.savez(CACHE, **data)
    data["frames"] = read_frames(args.video, data["idx"])
    return data


def auc(same: np.ndarray, diff: np.ndarray) -> float:
    """P(distance of a same pair < distance of a different pair), ties counted half."""
    from scipy.stats import rankdata

    r = rankdata(np.concatenate([same, diff]))
    n1, n2 = len(same), len(diff)
    return float(1.0 - (r[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2))


def evaluate(emb: np.ndarray, labels: np.ndarray, idx: np.ndarray, min_dt: int) -> tuple[float, float, float]:
    dist = 1.0 - emb @ emb.T
    iu = np.triu_indices(len(emb), 1)
    same = labels[iu[0]] == labels[iu[1]]
    far = np.abs(idx[iu[0]] - idx[iu[1]]) >= min_dt
    d = dist[iu]
    s, o = d[same & far], d[~same]
    return float(s.mean()), float(o.mean()), auc(s, o)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", default="/work/shared/videos/people-walking.mp4")
    ap.add_argument("--detector", default="nanodet", help="zoo detector name, or mog2 for background subtraction")
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--gap", type=int, default=4)
    ap.add_argument("--min-crops", type=int, default=8)
    ap.add_argument("--min-dt", type=int, default=10, help="frames between same-person pairs counted")
    ap.add_argument("--sizes", default="128x64,96x48,64x32")
    ap.add_argument("--layers", default="f13_out,f16_out,f17_out,f18_relu")
    ap.add_argument("--refresh", action="store_true", help="re-run the detector instead of using the crop cache")
    args = ap.parse_args(argv)

    from tracker.models.embedders.cnn import Embedder, truncated_mobilenetv2

    data = crops_cache(args)
    frames, boxes, labels, idx = data["frames"], data["boxes"], data["labels"], data["idx"]
    ids, counts = np.unique(labels, return_counts=True)
    print(f"{len(labels)} crops of {len(ids)} identities (crops per identity: {counts.tolist()})")
    print(f"{'crop':>7} {'layer':>9} {'dim':>5} {'same':>6} {'diff':>6} {'AUC':>6} {'ms/crop':>8}")
    rows = []
    for size, layer in itertools.product(args.sizes.split(","), args.layers.split(",")):
        h, w = (int(v) for v in size.split("x"))
        emb = Embedder(truncated_mobilenetv2(layer, crop_size=(h, w)), crop_size=(h, w))
        vecs = np.concatenate([emb(f, b[None]) for f, b in zip(frames, boxes)])
        s, o, a = evaluate(vecs, labels, idx, args.min_dt)
        tenb = np.tile(boxes[:1], (10, 1))
        for _ in range(3):
            emb(frames[0], tenb)
        t = []
        for _ in range(10):
            t0 = time.perf_counter()
            emb(frames[0], tenb)
            t.append(time.perf_counter() - t0)
        ms = float(np.median(t)) * 1000 / 10
        rows.append((size, layer, emb.dim, s, o, a, ms))
        print(f"{size:>7} {layer:>9} {emb.dim:>5} {s:6.3f} {o:6.3f} {a:6.3f} {ms:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
