"""tracker.live_multi: one detector call per tick over all streams, and a dropped stream reconnecting while
the others go on (streams served by the bundled ffmpeg on 127.0.0.1 only; every loop bounded)."""

from __future__ import annotations

import argparse
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tracker.detections import Detections
from tracker.errors import TrackerError
from tracker.multistream import live_multi

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "sample.mp4"


class SlowDetector:
    """No boxes, 50 ms a call (longer than a 30 fps frame interval, so frames of both streams wait)."""

    classes = ["person"]

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, frame):
        return self.detect_batch([frame])[0]

    def detect_batch(self, frames):
        self.batches.append(len(frames))
        time.sleep(0.05)
        return [Detections.empty() for _ in frames]


def test_one_detector_call_per_tick_over_all_streams(make_video):
    clips = [make_video(n_frames=20, name=f"c{i}.mp4") for i in range(2)]  # files replay in real time
    detector = SlowDetector()
    seen = {0: [], 1: []}
    with live_multi(clips, detector=detector, embedder=None) as streams:
        for n, (i, result) in enumerate(streams):
            seen[i].append(result.frame_index)
            assert n < 100
    assert sum(detector.batches) == len(seen[0]) + len(seen[1])
    assert max(detector.batches) == 2  # both streams' frames in one call
    assert all(seen[i] == sorted(seen[i]) and seen[i] for i in seen)
    assert all(s["ended"] and s["frames"] + s["dropped"] == 20 for s in streams.stats())


def test_a_source_that_does_not_open_is_one_error(tmp_path):
    with pytest.raises(TrackerError, match="input not found"):
        live_multi([SAMPLE, tmp_path / "missing.mp4"], detector=SlowDetector(), embedder=None)


@pytest.mark.parametrize("gap, same_id", [(0, True), (10, True), (11, False), (100, False)])
def test_ids_after_a_gap_resume_within_max_age(gap, same_id):
    from tracker.multistream import charge_gap
    from tracker.tracking.tracker import Tracker

    tracker = Tracker(max_age=10)
    box = Detections([[40, 40, 80, 120]], [0.9], [0])
    for _ in range(3):
        before = tracker.update(box).track_id.tolist()
    charge_gap(tracker, gap)
    after = tracker.update(box).track_id.tolist()
    assert before == [1] and (after == before) is same_id


# -- streams over HTTP ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something listens on ``port``, read from /proc (a test connection would use up the
    ffmpeg server's single client)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A" for r in rows)


def serve(port: int) -> subprocess.Popen:
    """The sample video looped in real time as MPEG-TS over HTTP on 127.0.0.1 (one client per server)."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "quiet", "-re", "-stream_loop", "-1", "-i", str(SAMPLE),
        "-c", "copy", "-f", "mpegts", "-listen", "1", f"http://127.0.0.1:{port}/live.ts",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not listening(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listening(port), "ffmpeg did not start serving"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_dropped_stream_reconnects_while_the_other_goes_on():
    ports = [free_port(), free_port()]
    servers = [serve(p) for p in ports]
    urls = [f"http://127.0.0.1:{p}/live.ts" for p in ports]
    marks: dict[str, list[int]] = {}
    phase = "both running"
    deadline = time.monotonic() + 90
    try:
        with live_multi(urls, detector=SlowDetector(), embedder=None, backoff=(0.2, 1.0)) as streams:
            for n, _ in enumerate(streams):
                assert n < 20000 and time.monotonic() < deadline, f"stuck in phase {phase!r}: {streams.stats()}"
                stats = streams.stats()
                counts = [s["frames"] for s in stats]
                if phase == "both running" and min(counts) >= 10:
                    stop(servers[0])
                    marks["killed"], phase = counts, "waiting for the drop"
                elif phase == "waiting for the drop" and not stats[0]["connected"]:
                    marks["dropped"], phase = counts, "down"
                elif phase == "down" and counts[1] >= marks["dropped"][1] + 10:  # the other goes on meanwhile
                    servers[0] = serve(ports[0])
                    marks["restarted"], phase = counts, "reconnecting"
                elif phase == "reconnecting" and counts[0] >= marks["restarted"][0] + 10:
                    marks["back"] = counts
                    break
            reconnects = streams.stats()[0]["reconnects"]
    finally:
        for s in servers:
            if s.poll() is None:
                stop(s)
    assert reconnects >= 1
    assert marks["back"][0] > marks["restarted"][0] >= marks["dropped"][0]  # stream 0 rose again after the gap
    assert marks["restarted"][1] > marks["killed"][1]  # stream 1 kept rising while stream 0 was down


def test_cli_writes_one_file_per_stream(tmp_path, make_video):
    from tracker.cli import live_multi as cli

    clips = [make_video(n_frames=10, name=f"c{i}.mp4") for i in range(2)]
    args = argparse.Namespace(
        detector=None, embedder="mobilenetv2", no_appearance=True, appearance="full", classes=None, conf=None,
        max_age=None, n_init=None, out=None, mot_out=str(tmp_path / "o.txt"), json_out=str(tmp_path / "o.jsonl"),
        csv_out=None, show=False, quiet=True, max_frames=None, sources=[str(c) for c in clips],
    )  # fmt: skip
    assert cli.run_multi(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("o")) == [
        "o-0.jsonl", "o-0.txt", "o-1.jsonl", "o-1.txt",
    ]  # fmt: skip
    assert all(len((tmp_path / f"o-{i}.jsonl").read_text().splitlines()) >= 1 for i in range(2))
