"""``tracker batch`` against one ``tracker track`` process per video: wall time, videos/s, and the projection to N machines.

Makes ``--videos`` clips of ``--frames`` frames each, cut from ``sample_videos/sample.mp4`` at different
offsets (H.264 through the bundled ffmpeg, into a temporary folder), then times, one after another:

- ``sequential``: ``python -m tracker track CLIP --mot-out .. --json-out .. --quiet`` per clip, one process
  each (every process starts Python, imports TensorFlow and loads the models);
- ``batch w=1`` and ``batch w=2``: ``python -m tracker batch FOLDER --out-dir .. --workers W --quiet
  --no-resume`` (Ray starts, each actor loads the models once, then tracks clips back to back).

Every wall time is the whole command as a user runs it, start-up included. The batch outputs are checked
byte for byte against the sequential ones. The manifest's per-video ``seconds`` (inside an actor, models
loaded) give the per-video cost ``c``; the fixed cost ``o`` is the 1-worker wall time minus the sum of
those. Projected wall time for V videos on N machines with k workers each: ``o + V * c / (N * k)``.

Run::

    .venv/bin/python benchmarks/batch_speed.py [--videos 20] [--frames 30] [--no-appearance]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "sample_videos" / "sample.mp4"


def make_clips(folder: Path, n: int, frames: int) -> list[Path]:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    clips = []
    for i in range(n):
        out = folder / f"clip{i:03d}.mp4"
        start = (i * 0.17) % 3.0  # the sample is 4.5 s: every clip starts somewhere else
        cmd = [exe, "-loglevel", "error", "-y", "-ss", f"{start:.2f}", "-i", str(SAMPLE), "-frames:v", str(frames),
               "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, timeout=120)
        clips.append(out)
    return clips


def run(cmd: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--no-appearance", action="store_true", help="motion-only tracking in every run")
    args = ap.parse_args()
    py = [sys.executable, "-m", "tracker"]
    extra = ["--no-appearance"] if args.no_appearance else []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        clips = make_clips(tmp / "in", args.videos, args.frames)
        seq = tmp / "seq"
        seq.mkdir()
        walls = {}
        t0 = time.perf_counter()
        for c in clips:
            run(py + ["track", str(c), "--quiet", "--mot-out", str(seq / f"{c.stem}.txt"),
                      "--json-out", str(seq / f"{c.stem}.jsonl")] + extra)  # fmt: skip
        walls["sequential"] = time.perf_counter() - t0
        costs = {}
        for w in (1, 2):
            out = tmp / f"batch{w}"
            walls[f"batch w={w}"] = run(py + ["batch", str(tmp / "in"), "--out-dir", str(out), "--workers", str(w),
                                              "--quiet", "--no-resume"] + extra)  # fmt: skip
            rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
            assert all(r["status"] == "done" for r in rows), rows
            costs[w] = [r["seconds"] for r in rows]
            same = all((out / p.name).read_bytes() == p.read_bytes() for p in seq.iterdir())
            assert same, f"batch w={w} outputs differ from the sequential ones"
    load_after = os.getloadavg()

    n = args.videos
    base = walls["sequential"]
    print(f"{n} videos x {args.frames} frames (640x360, from sample_videos/sample.mp4), "
          f"{'motion only' if args.no_appearance else 'default models (NanoDet + MobileNetV2 appearance)'}; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")  # fmt: skip
    print(f"{'run':<12} {'wall s':>8} {'videos/s':>9} {'vs sequential':>14}")
    for name, wall in walls.items():
        print(f"{name:<12} {wall:8.1f} {n / wall:9.2f} {base / wall:13.2f}x")
    print("batch outputs byte-identical to the sequential runs: yes")

    c = statistics.median(costs[1])
    fixed = max(walls["batch w=1"] - sum(costs[1]), 0.0)
    per_process = base / n
    print(f"\nper-video cost inside an actor (median, models loaded): {c:.2f} s; "
          f"fixed cost of a batch run (Ray start + model load): {fixed:.1f} s; "
          f"one `tracker track` process per video: {per_process:.2f} s")  # fmt: skip
    print("projected (o + V*c/(N*k), one worker per machine, k=1), for V=10000 videos of this length:")
    for machines in (1, 2, 4, 8, 16, 64):
        wall = fixed + 10000 * c / machines
        print(f"  {machines:>3} machines: {wall / 3600:6.2f} h, {10000 / wall:6.2f} videos/s")
    print("(assumes the per-video cost stays flat: inputs on shared storage fast enough, one worker per "
          "machine's cores; more workers per machine scale only while cores are free)")


if __name__ == "__main__":
    main()
