"""Does the streaming pipeline's memory stay flat over a long run?

Loops a short video through the full pipeline (NanoDet + MobileNetV2 appearance + tracker) for
``--frames`` frames and prints the process RSS (``/proc/self/status`` VmRSS) at start, after the models
load, after warm-up (``--warmup`` frames: TF/TFLite arenas, OpenCV buffers and the first tracks are
allocated by then), every ``--every`` frames, and at the end. **Growth = end - after warm-up**; the
goal is < 50 MB over 10,000 frames.

Frames come from ``open_source`` re-opened each time the video ends (so the source thread and the
capture are exercised too; frame indices and tracks restart each loop, which also exercises track
deletion), or with ``--cache`` from decoded frames held in memory and cycled (the cache is filled
before the "after warm-up" reading, so it does not count as growth).

``--tracemalloc`` starts tracemalloc after warm-up and prints the Python allocation sites that grew
most by the end (slows the run; use it only when RSS grows).

Run::

    .venv/bin/python benchmarks/pipeline_memory.py [--frames 10000] [--video sample_videos/sample.mp4]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> tuple[float, float]:
    """``(VmRSS, VmHWM)`` of this process in MB."""
    vals = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kb = line.split()[:2]
                vals[key[:-1]] = int(kb) / 1024
    return vals["VmRSS"], vals["VmHWM"]


def frames_forever(video: str, cache: bool):
    """Endless BGR frames from ``video``: re-opened at each end, or decoded once and cycled."""
    from tracker.io.sources import open_source

    if cache:
        with open_source(video) as src:
            images = [f.image for f in src]
        yield len(images)
        yield from itertools.cycle(images)
    yield None
    while True:
        with open_source(video) as src:
            for f in src:
                yield f.image


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--video", default=str(ROOT / "sample_videos" / "sample.mp4"))
    ap.add_argument("--cache", action="store_true", help="cycle decoded frames held in memory")
    ap.add_argument("--no-appearance", action="store_true", help="motion-only tracking")
    ap.add_argument("--tracemalloc", action="store_true", help="report the Python allocation sites that grew")
    args = ap.parse_args(argv)

    rows = []

    def report(label: str, n: int, t0: float, pipe=None) -> float:
        rss, hwm = rss_mb()
        extra = ""
        if pipe is not None:
            extra = f"  live tracks {len(pipe.tracker.tracks):3d}  gc objects {len(gc.get_objects()):8d}"
        fps = n / max(time.perf_counter() - t0, 1e-9) if n else 0.0
        print(f"{label:>14s}  frame {n:6d}  RSS {rss:8.1f} MB  peak {hwm:8.1f} MB  {fps:5.1f} frames/s{extra}", flush=True)
        rows.append((label, n, rss))
        return rss

    t0 = time.perf_counter()
    print(f"video {args.video}, {args.frames} frames, cache={args.cache}, appearance={not args.no_appearance}, "
          f"pid {os.getpid()}, load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    report("start", 0, t0)
    from tracker.pipeline import Pipeline

    pipe = Pipeline("nanodet", None if args.no_appearance else "mobilenetv2")
    report("models loaded", 0, t0)
    frames = frames_forever(args.video, args.cache)
    cached = next(frames)
    if cached:
        print(f"cached {cached} decoded frames", flush=True)

    t0 = time.perf_counter()
    snap0 = None
    base = None
    for i in range(1, args.frames + 1):
        pipe.process(next(frames), i - 1, (i - 1) / 30.0)
        if i == args.warmup:
            gc.collect()
            base = report("after warm-up", i, t0, pipe)
            if args.tracemalloc:
                import tracemalloc

                tracemalloc.start(10)
                snap0 = tracemalloc.take_snapshot()
        elif i % args.every == 0 or i == args.frames:
            report("end" if i == args.frames else "", i, t0, pipe)
    gc.collect()
    end = report("end (after gc)", args.frames, t0, pipe)
    if base is not None:
        print(f"\nRSS growth after warm-up: {end - base:+.1f} MB over {args.frames - args.warmup} frames "
              f"(goal < 50 MB). Per-frame ms: "
              + ", ".join(f"{k} {1000 * v / max(pipe.frames, 1):.1f}" for k, v in pipe.totals.items() if v > 0))  # fmt: skip
        # Slope of the later readings separates steady growth from a one-off step.
        later = [(n, r) for label, n, r in rows if n > args.warmup and label != "end (after gc)"]
        if len(later) >= 2:
            (n1, r1), (n2, r2) = later[0], later[-1]
            print(f"slope between frame {n1} and {n2}: {1000 * (r2 - r1) / max(n2 - n1, 1):+.2f} MB per 1000 frames")
    if snap0 is not None:
        import tracemalloc

        snap1 = tracemalloc.take_snapshot()
        print("\nPython allocation sites that grew most since warm-up (tracemalloc):")
        for stat in snap1.compare_to(snap0, "traceback")[:12]:
            print(f"  {stat.size_diff / 1024:+9.1f} KiB  {stat.count_diff:+7d} blocks  {stat.traceback.format()[-1].strip()}")
        cur, peak = tracemalloc.get_traced_memory()
        print(f"traced now {cur / 2**20:.1f} MB, peak {peak / 2**20:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
