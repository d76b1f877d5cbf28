"""End-to-end frames/s of the streaming pipeline next to its parts, on one video, in one process.

Configurations (each reads the video through ``open_source``, so decoding always runs in its thread):

- ``decode``: iterate the source only;
- ``detect``: the default NanoDet detector on every decoded frame;
- ``full``: ``Pipeline()`` defaults (detector + MobileNetV2 appearance + tracker), no outputs;
- ``full+out``: what ``tracker track VIDEO --out a.mp4 --mot-out a.txt --json-out a.jsonl --quiet``
  does: the library's sinks and frame loop (``io.outputs.text_sinks``, ``render.video.annotated_sinks``,
  ``runner.drive``: drawing, H.264 encode through ffmpeg,
  MOT and JSON lines), sinks closed inside the timing;
- ``masks``: ``Pipeline(masks=True)`` (person masks from the selfie segmenter).

Models are loaded once and shared (each timed run gets a fresh tracker), every configuration is
warmed up first, and the timed runs are interleaved in ``--repeats`` rounds (order rotated per round)
so a busy neighbour slows all of them alike. The summary gives the median frames/s per configuration
and the ratio of each full configuration to detector-only, computed within each round (the
neighbours' load changes less within one round than across the whole run).

Run::

    .venv/bin/python benchmarks/pipeline_speed.py [--video ../shared/videos/people-walking.mp4] [--frames 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGS = ("decode", "detect", "full", "full+out", "masks")
GOAL = 0.8


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


class Bench:
    """The shared models and one timed run per configuration."""

    def __init__(self, video: str, tmp: Path):
        from tracker.models.detectors import load_detector
        from tracker.models.embedders import load_embedder
        from tracker.models.segmenters import load_segmenter

        self.video = video
        self.tmp = tmp
        self.detector = load_detector(None)
        self.embedder = load_embedder("mobilenetv2")
        self.segmenter = load_segmenter("selfie")

    def pipeline(self, masks: bool = False):
        from tracker.pipeline import Pipeline

        return Pipeline(self.detector, self.embedder, masks=masks, segmenter=self.segmenter)

    def run(self, config: str, frames: int, skip: int = 0) -> dict:
        """Time ``frames`` frames of ``config`` after ``skip`` untimed ones; returns fps and ms per stage."""
        return self._run_cli(frames) if config == "full+out" else self._run(config, frames, skip)

    def _run(self, config: str, frames: int, skip: int) -> dict:
        from tracker.io.sources import open_source

        pipe = self.pipeline(masks=config == "masks") if config in ("full", "masks") else None
        per_frame = _record_per_frame(pipe) if pipe is not None else []
        stages = {"decode": 0.0, "detect": 0.0}
        n = 0
        with open_source(self.video) as src:
            it = iter(src)
            for _ in range(skip):
                next(it)
            t_start, cpu0 = time.perf_counter(), _cpu_seconds()
            while n < frames:
                t0 = time.perf_counter()
                try:
                    frame = next(it)
                except StopIteration:
                    break
                t1 = time.perf_counter()
                stages["decode"] += t1 - t0
                if config == "detect":
                    self.detector(frame.image)
                    per_frame.append(time.perf_counter() - t1)
                    stages["detect"] += per_frame[-1]
                elif pipe is not None:
                    pipe.process(frame.image, frame.index, frame.timestamp)
                n += 1
            wall, cpu = time.perf_counter() - t_start, _cpu_seconds() - cpu0
        if pipe is not None:
            stages.update({k: v for k, v in pipe.totals.items() if k != "decode"})
        return _result(n, wall, stages, per_frame, cpu)

    def _run_cli(self, frames: int) -> dict:
        """What ``tracker track`` runs: the library's sinks and frame loop with the shared models
        (model loading is not timed)."""
        from tracker.io.outputs import reserve_outputs, text_sinks
        from tracker.io.sources import open_source
        from tracker.render.video import annotated_sinks
        from tracker.runner import drive
        from tracker.stops import StopSignals

        out = self.tmp / "out"
        pipe = self.pipeline()
        per_frame = _record_per_frame(pipe)
        t_start, cpu0 = time.perf_counter(), _cpu_seconds()
        named = [("--out", f"{out}.mp4", "video"), ("--mot-out", f"{out}.txt", "mot"), ("--json-out", f"{out}.jsonl", "json")]
        outputs = reserve_outputs(named, [self.video])
        source = open_source(self.video)
        try:
            sinks = text_sinks(outputs, pipe.class_names) + annotated_sinks(outputs["video"], False, pipe.class_names, source)
            with StopSignals():  # timed to the end: the ffmpeg flush and the moves into place
                drive(pipe.run(source, sinks), max_frames=frames)
        finally:
            source.close()
        wall, cpu = time.perf_counter() - t_start, _cpu_seconds() - cpu0
        return _result(pipe.frames, wall, dict(pipe.totals), per_frame, cpu)


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its waited-for children (the ffmpeg encoder)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _record_per_frame(pipe) -> list[float]:
    """Make ``pipe.process`` append each frame's model-stage seconds (decode wait excluded) to a list."""
    per_frame: list[float] = []
    process = pipe.process

    def timed(*args, **kwargs):
        result = process(*args, **kwargs)
        per_frame.append(sum(v for k, v in result.timings.items() if k != "decode"))
        return result

    pipe.process = timed  # Pipeline.run calls self.process, so the CLI loop goes through this too
    return per_frame


def _result(n: int, wall: float, stages: dict, per_frame: list[float], cpu: float) -> dict:
    ms = {k: 1000 * v / max(n, 1) for k, v in stages.items()}
    ms["other"] = 1000 * wall / max(n, 1) - sum(ms.values())
    return {"frames": n, "wall": wall, "fps": n / max(wall, 1e-9), "ms": ms, "per_frame": per_frame,
            "cpu_ms": 1000 * cpu / max(n, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", default=str(ROOT.parent / "shared" / "videos" / "people-walking.mp4"))
    ap.add_argument("--frames", type=int, default=300, help="timed frames per run")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds of all configurations")
    ap.add_argument("--warmup", type=int, default=20, help="untimed frames per configuration before timing")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        ap.error(f"unknown configuration(s) {bad}; choose from {CONFIGS}")
    if not Path(args.video).is_file():
        ap.error(f"video not found: {args.video}")

    print(f"start: {load()}", flush=True)
    import cv2

    cap = cv2.VideoCapture(args.video)
    print(f"video {args.video}: {int(cap.get(3))}x{int(cap.get(4))} at {cap.get(5):.0f} fps, {int(cap.get(7))} frames; "
          f"{args.frames} timed frames x {args.repeats} rounds", flush=True)  # fmt: skip
    cap.release()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        bench = Bench(args.video, Path(tmp))
        print(f"models loaded in {time.perf_counter() - t:.1f} s; detector {bench.detector!r}", flush=True)
        for c in configs:  # warm-up: first-call graph tracing, arena allocation, ffmpeg probing
            bench.run(c, args.warmup)
        results: dict[str, list[dict]] = {c: [] for c in configs}
        for r in range(args.repeats):
            order = configs[r % len(configs):] + configs[: r % len(configs)]
            line = []
            for c in order:
                res = bench.run(c, args.frames, skip=0 if c == "full+out" else args.warmup)
                results[c].append(res)
                line.append(f"{c} {res['fps']:.1f}")
            print(f"round {r + 1}: " + ", ".join(line) + f" frames/s; {load()}", flush=True)

    print(f"\nend: {load()}\n")
    _print_summary(results, configs)
    return 0


def _print_summary(results: dict, configs: list[str]) -> None:
    base = results.get("detect")
    p10 = {c: 1000 * float(np.percentile(sum((r["per_frame"] for r in results[c]), []) or [np.nan], 10)) for c in configs}
    head = (f"{'configuration':<14s} {'frames/s (median)':>17s} {'min-max':>13s} {'vs detect':>10s} {'p10 ms':>7s} "
            f"{'p10 vs detect':>13s} {'CPU ms':>7s}  ms/frame per stage (median run)")  # fmt: skip
    print(head)
    print("-" * len(head))
    for c in configs:
        fps = [r["fps"] for r in results[c]]
        ratio = ""
        if base and c not in ("decode", "detect"):
            # Per-round ratio: both runs saw roughly the same neighbour load.
            rr = [a["fps"] / b["fps"] for a, b in zip(results[c], base)]
            ratio = f"{np.median(rr):9.0%}" + (" " if np.median(rr) >= GOAL else "!")
        mid = sorted(results[c], key=lambda r: r["fps"])[len(fps) // 2]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in mid["ms"].items() if abs(v) >= 0.05)
        p10_ratio = f"{p10['detect'] / p10[c]:12.0%}" if base and c not in ("decode", "detect") else ""
        p10_text = "" if np.isnan(p10[c]) else f"{p10[c]:.1f}"
        print(f"{c:<14s} {np.median(fps):17.1f} {min(fps):6.1f}-{max(fps):<6.1f} {ratio:>10s} {p10_text:>7s} "
              f"{p10_ratio:>13s} {np.median([r['cpu_ms'] for r in results[c]]):7.1f}  {stages}")  # fmt: skip
    print(f"\n'vs detect' is the median over rounds of (config frames/s / detect frames/s in the same round); "
          f"goal >= {GOAL:.0%} for the full pipeline ('!' marks a miss). 'decode' in the stages is time "
          f"spent waiting for the decode thread, 'other' is wall time outside the timed stages (drawing, "
          f"sinks, Python loop). 'p10 ms' is the 10th percentile over all timed frames of the model stages "
          f"(detect+embed+segment+track, no decode wait or outputs): close to the cost on an idle CPU, so "
          f"'p10 vs detect' estimates the ratio without the neighbours' load. 'CPU ms' is CPU time per "
          f"frame of this process's threads plus the ffmpeg child (median run): what each frame costs the machine, whatever the neighbours do.")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
