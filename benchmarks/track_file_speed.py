"""Where the time of ``tracker track SEQ --mot-out F`` on a detections folder goes, step by step.

Over every sequence of the four dev sets (``track_mot.py``'s), best of ``--repeat`` wall times of:
``Tracker.update`` alone on parsed detections; reading the folders (``read_sequence``); tracking them
through ``track_detections`` (reading + update + ``FrameResult``s); the same with a ``MotSink``
(its writer thread formats and writes each frame); and the CLI itself, in-process (argument parsing,
output reservation and the atomic commit on top). Compare the last line with the fastest peer's
update() in ``track_mot.py``'s summary, which also times the CLI path in the same run as the peers.

Run::

    PYTHONPATH=. .venv/bin/python benchmarks/track_file_speed.py [--shared ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from track_mot import DEFAULT_SETS, SHARED, set_dirs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--sets", default=DEFAULT_SETS)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from tracker.cli import main as cli_main
    from tracker.io.mot import is_sequence_dir, read_sequence
    from tracker.io.sinks import MotSink
    from tracker.pipeline import track_detections
    from tracker.tracking import Tracker

    seqs = [str(d) for folder in set_dirs(args.sets, args.shared).values()
            for d in sorted(folder.resolve().iterdir()) if is_sequence_dir(d)]
    parsed = [read_sequence(s) for s in seqs]
    frames = sum(p.info.length for p in parsed)
    out = Path(tempfile.mkdtemp(prefix="track-file-speed-")) / "out.txt"

    def update_only():
        for p in parsed:
            trk = Tracker(frame_rate=p.info.frame_rate)
            for _, det in p.frames():
                trk.update(det)

    steps = [
        ("Tracker.update only (parsed detections)", update_only),
        ("read_sequence only", lambda: [read_sequence(s) for s in seqs]),
        ("track_detections (read + update)", lambda: [list(track_detections(s)) for s in seqs]),
        ("track_detections + MotSink", lambda: [list(track_detections(s, sinks=[MotSink(out)])) for s in seqs]),
        ("tracker track SEQ --mot-out F (in-process)",
         lambda: [cli_main(["track", s, "--mot-out", str(out), "--quiet"]) for s in seqs]),
    ]
    print(f"{len(seqs)} sequences, {frames} frames; best of {args.repeat}; {time.strftime('%Y-%m-%d')}\n")
    print("| step | seconds | frames/s |")
    print("|---|---|---|")
    for name, fn in steps:
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        print(f"| {name} | {best:.2f} | {frames / best:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
