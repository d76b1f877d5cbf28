"""Time from process start to the first result, for the CLI and the library, with and without appearance.

Each run is a fresh Python process (interpreter start and every import included, as a user sees it);
the clock starts just before the process is spawned and stops when its first result reaches this
process: the first line of ``--json-out /dev/stdout`` for ``tracker track`` (the JSON sink flushes
per frame), or a marker line printed at the first ``FrameResult`` of ``tracker.track()``. Median of
``--repeats`` (5) runs per row.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/startup.py [--video sample_videos/sample.mp4]
        [--tree /path/to/other/checkout ...]

``--tree`` times another checkout too (e.g. main), in the same run, interleaved run by run so both see
the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LIBRARY = """
import sys, tracker
kw = {} if sys.argv[2] == "full" else {"embedder": None}
for result in tracker.track(sys.argv[1], **kw):
    print("first", flush=True)
    break
"""


def first_result_s(cmd: list[str], tree: Path, video: str) -> float:
    """Seconds from spawning ``cmd`` (in ``tree``) to its first line on stdout; the process is then stopped."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    if not line:
        raise SystemExit(f"no result from {' '.join(cmd)} in {tree}")
    return elapsed


def commands(video: str) -> dict[str, list[str]]:
    py = sys.executable
    cli = [py, "-m", "tracker", "track", video, "--quiet", "--json-out", "/dev/stdout"]
    return {
        "tracker track": cli,
        "tracker track --no-appearance": cli + ["--no-appearance"],
        "tracker.track()": [py, "-c", LIBRARY, video, "full"],
        "tracker.track(embedder=None)": [py, "-c", LIBRARY, video, "none"],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--video", default="sample_videos/sample.mp4")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--tree", type=Path, action="append", default=[], help="another checkout to time as well")
    args = p.parse_args(argv)
    trees = [ROOT, *[t.resolve() for t in args.tree]]
    video = str(Path(args.video).resolve())
    times: dict[tuple[str, Path], list[float]] = {}
    for _ in range(args.repeats):
        for name, cmd in commands(video).items():
            for tree in trees:
                times.setdefault((name, tree), []).append(first_result_s(cmd, tree, video))
    header = f"first result (s), median of {args.repeats}"
    print(f"{header:<34}" + "".join(f"{str(t)[-24:]:>26}" for t in trees))
    for name in commands(video):
        row = "".join(
            f"{statistics.median(times[name, t]):>12.2f} [{min(times[name, t]):.2f}-{max(times[name, t]):.2f}]".rjust(26)
            for t in trees
        )
        print(f"{name:<34}{row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
