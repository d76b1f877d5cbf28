"""Aggregate frames/s over S live streams: one process with batched detection (``tracker.live_multi``) vs S
separate ``tracker live`` processes, measured one after the other in one run.

Each stream is ``sample_videos/sample.mp4`` looped in real time by the bundled ffmpeg as MPEG-TS over
HTTP on 127.0.0.1 (one server per stream and per configuration: an ffmpeg ``-listen 1`` server takes one
client). Every consumer writes JSON lines (one line per processed frame) to a transactional output, whose
temporary file grows a line per frame; frames/s is read from those line counts over ``--seconds``,
starting once every stream has produced its first frame, so model loading is excluded from both
configurations (it is measured separately as the time to that first frame). Consumers are then
stopped with SIGINT.

- ``one process``: ``python benchmarks/multistream_speed.py --child URL...`` runs
  ``tracker.cli.live_multi.run_multi`` (the code ``tracker live SRC1 SRC2 ...`` runs);
- ``S processes``: ``python -m tracker live URL --json-out .. --quiet`` per stream, all at once.

Run::

    .venv/bin/python benchmarks/multistream_speed.py [--streams 4] [--seconds 30] [--no-appearance]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "sample_videos" / "sample.mp4"
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A" for r in rows)


def serve(n: int) -> tuple[list[subprocess.Popen], list[str]]:
    import imageio_ffmpeg

    procs, urls = [], []
    for _ in range(n):
        port = free_port()
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "quiet", "-re", "-stream_loop", "-1", "-i", str(SAMPLE),
               "-c", "copy", "-f", "mpegts", "-listen", "1", f"http://127.0.0.1:{port}/live.ts"]  # fmt: skip
        procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}/live.ts")
        deadline = time.monotonic() + 10
        while not listening(port) and time.monotonic() < deadline:
            time.sleep(0.05)
    return procs, urls


def lines(folder: Path, n: int) -> list[int] | None:
    """Frames so far per stream (lines of each temporary JSON file), None until all n files exist."""
    temps = sorted(p for p in folder.iterdir() if ".tracker-tmp-" in p.name and p.name.endswith(".jsonl"))
    if len(temps) < n:
        return None
    return [p.read_bytes().count(b"\n") for p in temps]


def measure(procs: list[subprocess.Popen], folder: Path, n: int, seconds: float) -> tuple[float, float]:
    """(aggregate frames/s over ``seconds`` once all streams deliver, seconds to the first frame of all)."""
    t0 = time.monotonic()
    while True:
        counts = lines(folder, n)
        if counts is not None and min(counts) >= 1:
            break
        if time.monotonic() - t0 > 300 or any(p.poll() is not None for p in procs):
            raise RuntimeError("consumers did not start")
        time.sleep(0.1)
    start_up = time.monotonic() - t0
    time.sleep(seconds)
    after = lines(folder, n)
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        p.wait(timeout=60)
    return (sum(after) - sum(counts)) / seconds, start_up


def child(urls: list[str], out: str, no_appearance: bool) -> int:
    from tracker.cli.live_multi import run_multi
    from tracker.quiet import quiet_libraries

    quiet_libraries()  # as `tracker live` does: no TensorFlow start-up chatter
    args = argparse.Namespace(
        detector=None, embedder="mobilenetv2", no_appearance=no_appearance, appearance="full", classes=None,
        conf=None, max_age=None, n_init=None, out=None, mot_out=None, json_out=out, csv_out=None, show=False,
        quiet=True, max_frames=None, sources=urls,
    )  # fmt: skip
    return run_multi(args)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--no-appearance", action="store_true")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--json-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.exit(child(args.child, args.json_out, args.no_appearance))
    extra = ["--no-appearance"] if args.no_appearance else []
    n = args.streams
    load_before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("one process", f"{n} processes"):
            folder = Path(tmp) / name.replace(" ", "_")
            folder.mkdir()
            servers, urls = serve(n)
            try:
                if name == "one process":
                    cmd = [sys.executable, __file__, "--child", *urls, "--json-out", str(folder / "s.jsonl")] + extra
                    procs = [subprocess.Popen(cmd, env=ENV, cwd=ROOT)]
                else:
                    live = [sys.executable, "-m", "tracker", "live", "--quiet", *extra]
                    procs = [
                        subprocess.Popen([*live, url, "--json-out", str(folder / f"s-{i}.jsonl")], env=ENV, cwd=ROOT)
                        for i, url in enumerate(urls)
                    ]
                results[name] = measure(procs, folder, n, args.seconds)
            finally:
                for p in servers:
                    p.kill()
                    p.wait()
    load_after = os.getloadavg()
    import cv2

    cap = cv2.VideoCapture(str(SAMPLE))
    fps, w, h = cap.get(cv2.CAP_PROP_FPS), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    print(f"{n} streams (sample.mp4 {w}x{h} looped in real time at {fps:.0f} fps: {n * fps:.0f} frames/s offered; "
          "HTTP MPEG-TS on 127.0.0.1), "
          f"{args.seconds:.0f} s each, {'motion only' if args.no_appearance else 'NanoDet + MobileNetV2 appearance'}; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")  # fmt: skip
    print(f"{'configuration':<14} {'frames/s (all streams)':>23} {'per stream':>11} {'start-up s':>11}")
    for name, (fps, start_up) in results.items():
        print(f"{name:<14} {fps:23.1f} {fps / n:11.1f} {start_up:11.1f}")
    a, b = results["one process"][0], results[f"{n} processes"][0]
    print(f"one process / {n} processes: {a / max(b, 1e-9):.2f}x")


if __name__ == "__main__":
    main()
