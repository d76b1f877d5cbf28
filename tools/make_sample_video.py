"""Render the bundled sample clip ``sample_videos/sample.mp4`` and its MOTChallenge ground truth.

Real photos shipped with scikit-image move over a blurred photo shipped with scikit-learn:

* id 1: astronaut (``skimage.data.astronaut``, upper body), large, walking left -> right;
* id 2: a head-and-shoulders crop of the same photo, mirrored and smaller, walking right -> left
  behind id 1 (the two cross, id 2 is hidden by id 1 for about a second);
* id 3: the cat ``skimage.data.chelsea`` near the top: a slow walk, a dash to the left, then it turns
  back (a test for the motion model). An earlier version hid it behind a brick post; NanoDet's cat
  score then fell under its threshold in half the frames (even with the cat beside the post), so
  the crossing of ids 1 and 2 is the clip's one occlusion.

Ground truth (``sample_videos/sample_gt/gt/gt.txt``) uses the MOTChallenge layout
``frame,id,x,y,w,h,1,1,visibility``: every followed object (the cat included) is class 1 with
consider=1, because TrackEval's MOT protocol only evaluates class 1. Rows whose object is less than
10% visible are left out. The render is deterministic (fixed seed, no randomness elsewhere).

Usage::

    python tools/make_sample_video.py            # writes sample_videos/
    python tools/make_sample_video.py --check    # also reports NanoDet detection rates per object
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT, FPS, SECONDS = 640, 360, 15, 9
N_FRAMES = FPS * SECONDS
SEED = 7
MIN_VISIBILITY = 0.1
# The cat's left edge at key frames: slow, a dash (about 10 px/frame), then it turns back.
CAT_KEYS = ([0, 45, 70, 100, N_FRAMES - 1], [430, 300, 40, 30, 120])


@dataclass
class Actor:
    """A photo cut-out following ``path(frame) -> (left x, top y, height)``; drawn in list order."""

    track_id: int
    sprite: np.ndarray
    path: Callable[[int], tuple[float, float, float]]
    coco_class: str


def _rgb2bgr(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[:, :, ::-1])


def _background() -> np.ndarray:
    from sklearn.datasets import load_sample_image

    china = _rgb2bgr(load_sample_image("china.jpg"))  # 427 x 640
    crop = china[40 : 40 + 360, :]
    # Blurred so the scene reads as out-of-focus backdrop, not as objects to detect.
    return cv2.GaussianBlur(crop, (0, 0), 4)


def _actors(rng: np.random.Generator) -> list[Actor]:
    from skimage import data

    astro = _rgb2bgr(data.astronaut())
    big = astro[10:512, 20:370]  # the astronaut's upper body, tight
    small = np.ascontiguousarray(astro[0:330, 95:345][:, ::-1])  # head and shoulders, mirrored
    cat = _rgb2bgr(data.chelsea())[0:300, 20:400]
    ph = rng.uniform(0, 2 * np.pi, size=3)
    last = N_FRAMES - 1

    def lerp(a: float, b: float, i: int) -> float:
        return a + (b - a) * i / last

    return [
        # Drawn first = farthest: id 2 is hidden behind id 1 where they cross. NanoDet calls the cat
        # a teddy bear below about 130 px and misses it under 160 px beside the people, hence its size.
        Actor(3, cat, lambda i: (float(np.interp(i, *CAT_KEYS)), 3 + 2 * np.sin(i / 9 + ph[2]), 170), "cat"),
        Actor(2, small, lambda i: (lerp(500, 40, i), 184 + 3 * np.sin(i / 3 + ph[1]), 140), "person"),
        Actor(1, big, lambda i: (lerp(20, 480, i), 176 + 3 * np.sin(i / 2.5 + ph[0]), 180), "person"),
    ]


def _paste(canvas: np.ndarray, owner: np.ndarray, sprite: np.ndarray, x: float, y: float, h: float, ident: int):
    """Paste ``sprite`` scaled to height ``h`` at (x, y); returns the integer xyxy box (clipped)."""
    h = int(round(h))
    w = int(round(sprite.shape[1] * h / sprite.shape[0]))
    img = cv2.resize(sprite, (w, h), interpolation=cv2.INTER_AREA)
    x0, y0 = int(round(x)), int(round(y))
    x1, y1 = max(x0, 0), max(y0, 0)
    x2, y2 = min(x0 + w, canvas.shape[1]), min(y0 + h, canvas.shape[0])
    canvas[y1:y2, x1:x2] = img[y1 - y0 : y2 - y0, x1 - x0 : x2 - x0]
    owner[y1:y2, x1:x2] = ident
    return x1, y1, x2, y2


def render() -> tuple[list[np.ndarray], list[tuple[int, int, float, float, float, float, float]], dict[int, str]]:
    """All frames (BGR) and GT rows ``(frame, id, x, y, w, h, visibility)``; also id -> COCO class."""
    rng = np.random.default_rng(SEED)
    bg = _background()
    actors = _actors(rng)
    frames, rows = [], []
    for i in range(N_FRAMES):
        canvas = bg.copy()
        owner = np.zeros(canvas.shape[:2], np.int32)
        boxes = {a.track_id: _paste(canvas, owner, a.sprite, *a.path(i), a.track_id) for a in actors}
        for tid in sorted(boxes):
            x1, y1, x2, y2 = boxes[tid]
            area = max((x2 - x1) * (y2 - y1), 1)
            vis = float((owner[y1:y2, x1:x2] == tid).sum()) / area
            if vis >= MIN_VISIBILITY:
                rows.append((i + 1, tid, float(x1), float(y1), float(x2 - x1), float(y2 - y1), round(vis, 3)))
        frames.append(canvas)
    return frames, rows, {a.track_id: a.coco_class for a in actors}


def write(out_dir: Path) -> tuple[Path, Path, str]:
    """Render and write ``sample.mp4`` + ``sample_gt/{seqinfo.ini, gt/gt.txt}``; returns paths and codec."""
    from tracker.io.sinks import VideoSink

    frames, rows, _ = render()
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / "sample.mp4"
    with VideoSink(video, fps=FPS, size=(WIDTH, HEIGHT), crf=26) as sink:
        for f in frames:
            sink.write_image(f)
    seq = out_dir / "sample_gt"
    (seq / "gt").mkdir(parents=True, exist_ok=True)
    (seq / "seqinfo.ini").write_text(
        "[Sequence]\nname=sample_gt\nimDir=img1\n"
        f"frameRate={FPS}\nseqLength={N_FRAMES}\nimWidth={WIDTH}\nimHeight={HEIGHT}\nimExt=.jpg\n"
    )
    gt = seq / "gt" / "gt.txt"
    with open(gt, "w") as fh:
        for f, tid, x, y, w, h, vis in rows:
            fh.write(f"{f},{tid},{x:.0f},{y:.0f},{w:.0f},{h:.0f},1,1,{vis}\n")
    return video, gt, sink.codec_used


def check(video: Path, gt: Path, detector: str = "nanodet", iou: float = 0.5) -> dict[int, float]:
    """Fraction of GT rows (per id) matched by a detection of the right COCO class with IoU >= ``iou``."""
    from tracker.boxes import iou_matrix
    from tracker.io.sources import open_source
    from tracker.models.detectors import load_detector

    det = load_detector(detector)
    _, _, classes = render()
    table = np.loadtxt(gt, delimiter=",")
    hits: dict[int, list[bool]] = {}
    with open_source(video) as src:
        for frame in src:
            d = det(frame.image)
            for row in table[table[:, 0] == frame.index + 1]:
                tid = int(row[1])
                box = np.array([[row[2], row[3], row[2] + row[4], row[3] + row[5]]])
                want = det.classes.index(classes[tid])
                ok = d.class_id == want
                hit = bool(ok.any() and iou_matrix(box, d.xyxy[ok]).max() >= iou)
                hits.setdefault(tid, []).append(hit)
    return {tid: float(np.mean(v)) for tid, v in sorted(hits.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "sample_videos")
    parser.add_argument("--check", action="store_true", help="report detection rates with the default detector")
    args = parser.parse_args(argv)
    video, gt, codec = write(args.out)
    n_rows = sum(1 for _ in open(gt))
    print(f"{video}: {WIDTH}x{HEIGHT} @ {FPS} fps, {N_FRAMES} frames, {video.stat().st_size / 1e6:.2f} MB, {codec}")
    print(f"{gt}: {n_rows} rows")
    if args.check:
        for tid, rate in check(video, gt).items():
            print(f"id {tid}: detected (IoU >= 0.5, right class) in {rate:.1%} of its GT frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
