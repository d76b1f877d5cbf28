"""Zoo detectors on real frames with ground truth: person AP, ms/frame and cross-class duplicates, one table.

Columns:

- ``mot17 AP50`` / ``mot17 AP``: person AP@0.5 and AP@[.5:.95] (pycocotools via
  :func:`tracker.detection_metrics.evaluate_detections`) on ``data/real/mot17-frames`` (39 real
  frames of the 7 MOT17 train sequences, 1920x1080 or 640x480).
- ``pets AP50`` / ``pets AP``: the same on the 400 frames of ``data/real/pets09-dev`` (video frame i
  = GT frame i+1; 768x576).
- ``ms/frame``: one ``detector(frame)`` call on a 640x480 frame (a PETS frame resized), median over
  ``--speed-runs`` rounds; candidates are interleaved round by round so a busy shared CPU slows all
  of them alike.
- ``x-class pairs/frame``: pairs of boxes of different classes overlapping by IoU > 0.5, per frame,
  on the first ``--dup-frames`` frames of ``videos/people-walking.mp4`` at the detector's default
  threshold (the issue's "one person as person + cat + dog"); ``persons/frame`` beside it shows what
  class-agnostic suppression costs in person boxes.

Ground truth (MOT17 9-column layout): positives are class 1 (pedestrian) rows with the consider flag
1. Rows that a detector may rightly find but that must not count either way become COCO ``iscrowd``
ignore regions (a detection mostly inside one is neither a hit nor a false positive): class 1 rows
with flag 0, and the person-like classes 2 (person on vehicle), 7 (static person), 8 (distractor) and
12 (reflection). Vehicles and occluders (3-6, 9-11) are dropped. This mirrors TrackEval's
MotChallenge2DBox preprocessing, which removes predictions matched to those rows.

Detectors run on every class (as ``tracker track`` does by default) with ``conf=0.05`` for AP; only
their person boxes are scored. Rows ``+agnostic`` apply :func:`tracker.models.detectors.cross_class.suppress_cross_class`
(IoU > 0.7, what the detectors' ``agnostic=True`` does) to the same outputs; the other rows are
``agnostic=False``; rows ``person-only`` pass ``classes=["person"]``.

Run (from the repository root)::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/detector_ap.py [--shared ../shared] [--speed-runs 30] [--dup-frames 600]
"""

from __future__ import annotations

import argparse
import configparser
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSITIVE = {1}
IGNORE = {2, 7, 8, 12}

# name -> (zoo name, kwargs, apply cross-class suppression). Detectors are built with agnostic=False
# and suppression is applied to the same outputs, so the two rows of a model differ by nothing else.
CANDIDATES = {
    "nanodet": ("nanodet", {}, False),
    "nanodet +agnostic": ("nanodet", {}, True),
    "nanodet person-only": ("nanodet", {"classes": ["person"]}, False),
    "centernet": ("centernet", {}, False),
    "centernet +agnostic": ("centernet", {}, True),
    "centernet person-only": ("centernet", {"classes": ["person"]}, False),
    "movenet": ("movenet", {}, False),
}
AP_CONF = 0.05


def read_gt(path: Path) -> dict[int, tuple[list, list]]:
    """frame -> (positive boxes, ignore boxes), both ``[x, y, w, h]``."""
    out: dict[int, tuple[list, list]] = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        v = line.split(",")
        frame, box, flag, cls = int(v[0]), [float(x) for x in v[2:6]], int(float(v[6])), int(float(v[7]))
        pos, ign = out.setdefault(frame, ([], []))
        if cls in POSITIVE and flag == 1:
            pos.append(box)
        elif cls in POSITIVE or cls in IGNORE:
            ign.append(box)
    return out


def coco_gt(frames: list[tuple[int, list, list]]) -> dict:
    images, anns = [], []
    for image_id, pos, ign in frames:
        images.append({"id": image_id})
        for box, crowd in [(b, 0) for b in pos] + [(b, 1) for b in ign]:
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": 1, "bbox": box,
                         "area": box[2] * box[3], "iscrowd": crowd})  # fmt: skip
    return {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}


def mot17_set(root: Path):
    """``(frames, gt)``: BGR frames of every sequence's img1 that has GT, and the COCO GT dict."""
    import cv2

    frames, rows = [], []
    for seq in sorted(p for p in root.iterdir() if (p / "gt" / "gt.txt").is_file()):
        ini = configparser.ConfigParser()
        ini.read(seq / "seqinfo.ini")
        n = int(ini["Sequence"]["seqLength"])
        gt = read_gt(seq / "gt" / "gt.txt")
        for f in range(1, n + 1):
            img = cv2.imread(str(seq / "img1" / f"{f:06d}.jpg"))
            if img is None:
                continue
            frames.append(img)
            pos, ign = gt.get(f, ([], []))
            rows.append((len(rows) + 1, pos, ign))
    return frames, coco_gt(rows)


def video_frames(path: Path, limit: int | None = None) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    out = []
    while limit is None or len(out) < limit:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    return out


def pets_set(root: Path):
    frames = video_frames(root / "PETS09-S2L1-first400.mp4")
    gt = read_gt(root / "PETS09-S2L1-first400" / "gt" / "gt.txt")
    rows = [(i + 1, *gt.get(i + 1, ([], []))) for i in range(len(frames))]
    return frames, coco_gt(rows)


def person_ap(outputs, gt: dict) -> tuple[float, float]:
    from tracker.detection_metrics import evaluate_detections

    people = [d[d.class_id == 0] for d in outputs]
    r = evaluate_detections(gt, people)
    return r["map50"], r["map"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--speed-runs", type=int, default=30)
    ap.add_argument("--dup-frames", type=int, default=600)
    ap.add_argument("--threads", type=int, default=None, help="interpreter threads (default: the detectors' own)")
    args = ap.parse_args(argv)

    import cv2
    from tabulate import tabulate

    from tracker.models import registry
    from tracker.models.detectors.cross_class import cross_class_pairs, suppress_cross_class

    real = args.shared / "data" / "real"
    sets = {"mot17": mot17_set(real / "mot17-frames"), "pets": pets_set(real / "pets09-dev")}
    walking = video_frames(args.shared / "videos" / "people-walking.mp4", args.dup_frames)
    speed_frame = cv2.resize(sets["pets"][0][0], (640, 480))
    print(
        f"mot17-frames: {len(sets['mot17'][0])} frames, pets09-dev: {len(sets['pets'][0])} frames, "
        f"people-walking: {len(walking)} frames",
        file=sys.stderr,
    )

    rows = {name: {} for name in CANDIDATES}
    built: dict[tuple, object] = {}
    for name, (zoo, kw, agnostic) in CANDIDATES.items():
        key = (zoo, tuple(sorted((k, tuple(v)) for k, v in kw.items())))
        if key not in built:
            det = registry.load(zoo, "detector", conf=AP_CONF, threads=args.threads, agnostic=False, **kw)
            built[key] = {s: [det(f) for f in frames] for s, (frames, _) in sets.items()}
        for s, (_, gt) in sets.items():
            outs = built[key][s]
            if agnostic:
                outs = [suppress_cross_class(d) for d in outs]
            rows[name][f"{s} AP50"], rows[name][f"{s} AP"] = person_ap(outs, gt)
        print(f"{name}: AP done", file=sys.stderr)

    # Duplicates and speed at each detector's default threshold (what `tracker track` uses).
    base = {z: registry.load(z, "detector", threads=args.threads, agnostic=False) for z in dict.fromkeys(c[0] for c in CANDIDATES.values())}
    for name, (zoo, kw, agnostic) in CANDIDATES.items():
        if kw:
            continue
        det = base[zoo]
        pairs = persons = 0
        for f in walking:
            d = det(f)
            if agnostic:
                d = suppress_cross_class(d)
            pairs += cross_class_pairs(d, 0.5)
            persons += int((d.class_id == 0).sum())
        rows[name]["x-class pairs/frame"] = pairs / max(len(walking), 1)
        rows[name]["persons/frame"] = persons / max(len(walking), 1)
    times: dict[str, list[float]] = {z: [] for z in base}
    for d in base.values():
        for _ in range(3):
            d(speed_frame)
    for _ in range(args.speed_runs):
        for z, d in base.items():
            t = time.perf_counter()
            d(speed_frame)
            times[z].append((time.perf_counter() - t) * 1e3)
    for name, (zoo, kw, agnostic) in CANDIDATES.items():
        if not kw and not agnostic:
            rows[name]["ms/frame"] = statistics.median(times[zoo])

    cols = ["mot17 AP50", "mot17 AP", "pets AP50", "pets AP", "ms/frame", "x-class pairs/frame", "persons/frame"]
    table = [[name] + [rows[name].get(c, "") for c in cols] for name in CANDIDATES]
    print(tabulate(table, headers=["detector"] + cols, floatfmt=".3f"))
    print(f"(AP at conf {AP_CONF}; duplicates at each detector's default conf; threads={args.threads or 'default'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
