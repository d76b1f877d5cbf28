"""Line crossings on real footage, for checking by eye: the default pipeline on people-walking.mp4.

The camera looks across a room: each of the six people walks in from the bottom edge (from behind
the camera), stands at a table, and leaves through the right edge. The default line runs up the
floor at x=620 from the bottom edge to y=200, drawn bottom to top so that walking right is ``out``:
every person's feet (the default bottom-centre anchor) cross it once, on the way out, so the truth
is 0 in, 6 out. (A horizontal line for the entrances is a harder case: people enter from below the
frame at about 12 px/frame of box centre, and one of them is first reported, confirmed, already on
the line; try ``--line 0,300,768,300:entrance --anchor center``.)

Prints every crossing with its frame, the totals, and the anchor jitter of matched tracks (the
frame-to-frame wobble the line's ``margin`` must exceed), and writes annotated frames 3 before and 3
after each crossing to ``--frames-dir`` for checking.

Run (a few minutes on 2 busy cores)::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/analytics_people_walking.py [--video ../shared/videos/people-walking.mp4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--video", default=str(ROOT.parent / "shared" / "videos" / "people-walking.mp4"))
    ap.add_argument("--line", default="620,432,620,200:right-side")
    ap.add_argument("--anchor", default="bottom_center")
    ap.add_argument("--frames-dir", default="/tmp/analytics_people_walking")
    args = ap.parse_args()

    import cv2

    import tracker
    from tracker.analytics import Analytics, LineCounter, anchor_points, parse_line
    from tracker.render.draw import draw_text, draw_tracks
    from tracker.render import Traces, draw_analytics
    from tracker.models.coco import COCO_CLASSES

    spec = parse_line(args.line)
    line = LineCounter(spec.start, spec.end, spec.name, anchor=args.anchor)
    analytics = Analytics([line], class_names=COCO_CLASSES)
    traces = Traces(length=30)
    out = Path(args.frames_dir)
    out.mkdir(parents=True, exist_ok=True)
    ring: dict[int, np.ndarray] = {}
    want: set[int] = set()
    events, anchors, track_time, analytics_time = [], {}, [], []
    t0 = time.perf_counter()
    for r in tracker.track(args.video):
        f = r.frame_index
        track_time.append(r.timings.get("track", 0.0))
        hit = r.tracks.det_index >= 0
        for tid, b in zip(r.tracks.track_id[hit].tolist(), r.tracks.xyxy[hit]):
                anchors.setdefault(tid, {})[f] = anchor_points(b[None], args.anchor)[0]
        t1 = time.perf_counter()
        new = analytics.update(r.tracks, f, r.timestamp, r.detections)
        analytics_time.append(time.perf_counter() - t1)
        traces.update(r.tracks)
        img = r.image.copy()
        traces.draw(img)
        draw_tracks(img, r.tracks, COCO_CLASSES)
        draw_analytics(img, analytics)
        draw_text(img, f"frame {f}")
        ring[f] = img
        ring.pop(f - 8, None)
        for e in new:
            events.append(e)
            print(f"frame {e.frame:5d}  t={e.time:6.1f}s  track {e.track_id:3d} {e.label:8s} {e.direction}", flush=True)
            for g in (e.frame - 3, e.frame):
                if g in ring:
                    cv2.imwrite(str(out / f"cross_{e.frame:05d}_t{e.track_id}_{g:05d}.jpg"), ring[g])
            want.add(e.frame + 3)
        if f in want:
            cv2.imwrite(str(out / f"after_{f:05d}.jpg"), img)
    wall = time.perf_counter() - t0

    jitter = []  # |p_t - (p_{t-1} + p_{t+1}) / 2| across the line: wobble of the anchor about a smooth path, px
    normal = np.array([line.end[1] - line.start[1], line.start[0] - line.end[0]]) / np.hypot(line.end[0] - line.start[0], line.end[1] - line.start[1])
    for pts in anchors.values():
        fs = sorted(pts)
        for a, b, c in zip(fs, fs[1:], fs[2:]):
            if c - a == 2:
                jitter.append(abs(float(np.dot(pts[b] - (pts[a] + pts[c]) / 2, normal))))
    print(f"\n{args.video}: {len(track_time)} frames in {wall:.0f} s, line {line.start}->{line.end} anchor {args.anchor}")
    print(f"in {line.in_count}  out {line.out_count}  (per class in {dict(line.totals(COCO_CLASSES)['in_per_class'])}, out {dict(line.totals(COCO_CLASSES)['out_per_class'])})")
    print("crossing frames: " + ", ".join(f"{e.frame}{'+' if e.direction == 'in' else '-'}#{e.track_id}" for e in events))
    if jitter:
        q = np.percentile(jitter, [50, 95, 99])
        print(f"anchor jitter across the line (px, {args.anchor}, matched tracks): median {q[0]:.1f}  95% {q[1]:.1f}  99% {q[2]:.1f}")
    print(f"tracker stage {1e3 * np.median(track_time):.2f} ms/frame, analytics (this line) {1e3 * np.median(analytics_time):.3f} ms/frame (medians)")
    print(f"annotated frames around each crossing: {out}")


if __name__ == "__main__":
    main()
