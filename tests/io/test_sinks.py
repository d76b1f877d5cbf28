"""Sinks: H.264/mp4v video (also after an interrupted writer), MOT, JSON lines, CSV, output path checks,
and the transactional write (temporary file beside the target, moved into place by close)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.detections import Detections, Tracks, TrackState
from tracker.errors import TrackerError
from tracker.io.atomic import AtomicFile
from tracker.records import FrameResult
from tracker.io.sinks import (
    VIDEO_SUFFIXES,
    CsvSink,
    JsonLinesSink,
    MotSink,
    VideoSink,
    check_output_path,
    check_video_suffix,
)
from tests.conftest import count_frames

REPO = Path(__file__).resolve().parents[2]



def frame(i: int, w: int = 96, h: int = 64) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : (i * 3) % w] = (0, 128, 255)
    return img


@pytest.mark.parametrize("suffix", VIDEO_SUFFIXES)
@pytest.mark.parametrize("codec, expect", [("auto", "h264"), ("mp4v", "mp4v")])
def test_video_roundtrip(tmp_path, codec, expect, suffix):
    path = tmp_path / f"out{suffix}"
    with VideoSink(path, fps=15, size=(96, 64), codec=codec) as sink:
        for i in range(24):
            sink.write_image(frame(i))
            assert not path.exists()  # frames go to the temporary file until close
    if expect == "h264" and "h264" not in sink.codec_used:
        pytest.skip("ffmpeg with libx264 not available")
    assert sink.codec_used.startswith(expect)
    assert count_frames(path) == 24
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary or lock file left
    cap = cv2.VideoCapture(str(path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(15, abs=0.1)
    ok, img = cap.read()
    assert ok and img.shape == (64, 96, 3)


def test_odd_size_is_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoSink(path, fps=10, size=(65, 49)) as sink:
        for i in range(5):
            sink.write_image(frame(i, 65, 49))
    cap = cv2.VideoCapture(str(path))
    ok, img = cap.read()
    assert ok and img.shape[:2] in ((49, 65), (50, 66))
    assert count_frames(path) == 5


def test_wrong_frame_size_is_rejected(tmp_path):
    with VideoSink(tmp_path / "x.mp4", fps=10, size=(96, 64)) as sink:
        with pytest.raises(ValueError, match="96x64"):
            sink.write_image(frame(0, 32, 32))


_WRITER = textwrap.dedent(
    """
    import sys, time, numpy as np
    from tracker.io.sinks import VideoSink
    sink = VideoSink(sys.argv[1], fps=30, size=(96, 64))
    try:
        i = 0
        while True:
            img = np.zeros((64, 96, 3), np.uint8); img[:, : i % 96] = 200
            sink.write_image(img)
            i += 1
            if i == 40:
                print("ready", flush=True)
            time.sleep(0.005)
    except KeyboardInterrupt:
        pass
    finally:
        if sys.argv[2] == "close":
            sink.close()
    """
)


def has_h264(tmp_path) -> bool:
    probe = VideoSink(tmp_path / "probe.mp4", 10, (16, 16))
    probe.close(commit=False)
    return "h264" in probe.codec_used


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_interrupted_writer_leaves_playable_file(tmp_path, how):
    """Ctrl-C: the frames so far replace the old file. SIGKILL: the old file stays byte-for-byte, and
    the killed run's temporary file (fragmented mp4) still plays and is removed by the next writer."""
    if not has_h264(tmp_path):
        pytest.skip("ffmpeg with libx264 not available")
    path = tmp_path / "cut.mp4"
    path.write_bytes(b"old video")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # Own process group, like a foreground job receiving the terminal's Ctrl+C.
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), "close"],
        stdout=subprocess.PIPE, env=env, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT if how == "sigint" else signal.SIGKILL)
    proc.wait(timeout=30)
    temps = list(tmp_path.glob(".cut.mp4.tracker-tmp-*.mp4"))
    if how == "sigint":
        assert count_frames(path) >= 40 and temps == []
        return
    assert path.read_bytes() == b"old video"
    assert [t.name for t in temps] == [f".cut.mp4.tracker-tmp-{proc.pid}.mp4"]
    # The orphaned ffmpeg sees EOF on stdin and finishes the fragments by itself.
    deadline = time.monotonic() + 15
    n = 0
    while time.monotonic() < deadline:
        n = count_frames(temps[0])
        if n >= 40:
            break
        time.sleep(0.2)
    assert n >= 40, f"only {n} readable frames in the killed run's temporary file"
    AtomicFile(path, begin=True).discard()
    assert not temps[0].exists() and path.read_bytes() == b"old video"


def test_killed_encoder_leaves_playable_fragments_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "killed.mp4"
    path.write_bytes(b"old")
    sink = VideoSink(path, fps=30, size=(96, 64))
    if sink._proc is None:
        sink.close(commit=False)
        pytest.skip("ffmpeg with libx264 not available")
    for i in range(100):
        sink.write_image(frame(i))
    time.sleep(1.5)
    sink._proc.kill()  # no chance to finalise: only the fragmented layout saves the file
    sink._proc.wait()
    assert count_frames(sink._file.temp) >= 30
    with pytest.raises(TrackerError, match="video encoding failed") as err:
        sink.close()
    assert "\n" not in str(err.value)
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["killed.mp4"]


@pytest.mark.parametrize(
    "name, match",
    [
        ("o_noext", "has no extension; use one of .mp4"),
        ("o.gif", r"cannot write \.gif video .*supported containers: \.mp4, \.mov"),
        ("o.webm", "supported containers"),
        ("o.MP4", None),
        ("o.mkv", None),
    ],
)
def test_video_suffix(tmp_path, name, match):
    if match is None:
        check_video_suffix(tmp_path / name)
        check_output_path(tmp_path / name, video=True)
        return
    for call in (lambda: check_video_suffix(name), lambda: check_output_path(tmp_path / name, video=True),
                 lambda: VideoSink(tmp_path / name, 10, (16, 16))):  # fmt: skip
        with pytest.raises(TrackerError, match=match):
            call()
    assert list(tmp_path.iterdir()) == []  # nothing created, not even a temporary file


def test_failed_video_writer_drops_its_temporary_file(tmp_path):
    path = tmp_path / "x.avi"
    path.write_bytes(b"old")
    with pytest.raises(TrackerError, match="OpenCV cannot write"):
        VideoSink(path, 10, (16, 16), codec="zzzz")
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["x.avi"]


def sink_factories():
    names = ["person"] + [f"c{i}" for i in range(1, 16)]
    return {
        "mot": (lambda p: MotSink(p), lambda s: s.write(result(0, make_tracks())), "res.txt"),
        "json": (lambda p: JsonLinesSink(p, names), lambda s: s.write(result(0, make_tracks())), "res.jsonl"),
        "csv": (lambda p: CsvSink(p, names), lambda s: s.write(result(0, make_tracks())), "res.csv"),
        "video": (lambda p: VideoSink(p, 10, (96, 64)), lambda s: s.write_image(frame(3)), "res.mp4"),
    }


@pytest.mark.parametrize("kind", ["mot", "json", "csv", "video"])
def test_sinks_are_transactional(tmp_path, kind):
    make, write, name = sink_factories()[kind]
    path = tmp_path / name
    path.write_bytes(b"old results")
    # Dropped: the old file stays, nothing is left beside it.
    sink = make(path)
    write(sink)
    assert path.read_bytes() == b"old results"
    sink.close(commit=False)
    assert path.read_bytes() == b"old results" and sorted(p.name for p in tmp_path.iterdir()) == [name]
    # An error in a with block drops the run's file too.
    with pytest.raises(RuntimeError):
        with make(path) as sink:
            write(sink)
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old results"
    # A second sink on the same target (here through a symlink) is refused while the first writes.
    sink = make(path)
    write(sink)
    link = tmp_path / f"link{path.suffix}"
    link.symlink_to(path)
    with pytest.raises(TrackerError, match="being written by another tracker run"):
        make(link)
    link.unlink()
    # Committed: replaced by the new file in one step, with no leftovers.
    sink.close()
    assert path.read_bytes() != b"old results" and path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_sink_accepts_a_reserved_atomic_file(tmp_path):
    reserved = AtomicFile(tmp_path / "r.txt", begin=True)
    sink = MotSink(reserved)
    assert sink.path == tmp_path / "r.txt"
    sink.write(result(0, make_tracks()))
    sink.close()
    assert not reserved.active and len((tmp_path / "r.txt").read_text().splitlines()) == 2
    with pytest.raises(TrackerError, match="committed"):
        MotSink(reserved)


def result(frame_index: int, tracks: Tracks) -> FrameResult:
    return FrameResult(frame_index, None, Detections.empty(), tracks)


def make_tracks(mask: bool = False) -> Tracks:
    t = Tracks(
        track_id=np.array([3, 7]),
        xyxy=np.array([[10.123, 20.0, 50.0, 80.555], [0.0, 0.0, 5.0, 5.0]]),
        score=np.array([0.87, 0.5]),
        class_id=np.array([0, 15]),
        det_index=np.array([0, -1]),
        state=np.array([TrackState.CONFIRMED, TrackState.CONFIRMED]),
    )
    if mask:
        m = np.zeros((2, 30, 40), bool)
        m[0, 5:10, 3:20] = True
        m[1, 0:2, 0:2] = True
        t.mask = m
    return t


def test_mot_sink_rows(tmp_path):
    path = tmp_path / "res.txt"
    with MotSink(path) as sink:
        sink.write(result(0, make_tracks()))
        sink.write(result(1, Tracks.empty()))
        sink.write(result(2, make_tracks()[:1]))
        sink.flush()  # written per frame by the sink's thread: the temporary file is readable before close
        assert len(sink._file.temp.read_text().splitlines()) == 3
    rows = [line.split(",") for line in path.read_text().splitlines()]
    assert [r[0] for r in rows] == ["1", "1", "3"]
    f, tid, x, y, w, h, s = (float(v) for v in rows[0][:7])
    assert (tid, x, y) == (3, pytest.approx(10.12), 20) and w == pytest.approx(39.88, abs=0.01)
    assert h == pytest.approx(60.56, abs=0.01) and s == pytest.approx(0.87)


def test_json_lines_sink_with_masks(tmp_path):
    from pycocotools import mask as mask_utils

    path = tmp_path / "res.jsonl"
    names = ["person"] + [f"c{i}" for i in range(1, 16)]
    sink = JsonLinesSink(path, names)
    tracks = make_tracks(mask=True)
    sink.write(result(0, tracks))
    sink.write(result(1, make_tracks()))
    sink.flush()
    recs = [json.loads(line) for line in sink._file.temp.read_text().splitlines()]  # written before close
    sink.close()
    assert [json.loads(line) for line in path.read_text().splitlines()] == recs
    assert recs[0]["frame"] == 0 and recs[1]["frame"] == 1
    t0 = recs[0]["tracks"][0]
    assert t0["id"] == 3 and t0["xyxy"] == [10.12, 20.0, 50.0, 80.56] and t0["score"] == pytest.approx(0.87)
    assert t0["class_id"] == 0 and t0["label"] == "person" and recs[0]["tracks"][1]["label"] == "c15"
    assert t0["mask"]["size"] == [30, 40]
    decoded = mask_utils.decode({"size": t0["mask"]["size"], "counts": t0["mask"]["counts"].encode()})
    assert np.array_equal(decoded.astype(bool), tracks.mask[0])
    assert "mask" not in recs[1]["tracks"][0]


def test_csv_sink(tmp_path):
    path = tmp_path / "res.csv"
    with CsvSink(path, ["person"]) as sink:
        sink.write(result(4, make_tracks(mask=True)))
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 2 and rows[0]["frame"] == "4" and rows[0]["id"] == "3"
    assert float(rows[0]["x1"]) == pytest.approx(10.12) and rows[0]["label"] == "person"
    assert rows[1]["label"] == "15"


def test_check_output_path(tmp_path):
    inp = tmp_path / "in.mp4"
    inp.write_bytes(b"video")
    assert check_output_path(tmp_path / "out.mp4", inputs=[inp, 0, "rtsp://x"]) == tmp_path / "out.mp4"
    with pytest.raises(TrackerError, match="folder does not exist"):
        check_output_path(tmp_path / "nope" / "out.mp4")
    with pytest.raises(TrackerError, match="same file as input"):
        check_output_path(tmp_path / "." / "in.mp4", inputs=[str(inp)])
    link = tmp_path / "link.mp4"
    os.link(inp, link)
    with pytest.raises(TrackerError, match="same file as input"):
        check_output_path(link, inputs=[inp])
    with pytest.raises(TrackerError, match="output exists"):
        check_output_path(inp, overwrite=False)
    with pytest.raises(TrackerError, match="is a folder"):
        check_output_path(tmp_path)
    with pytest.raises(TrackerError, match="is a folder"):
        check_output_path(f"{tmp_path}/new/")
    assert inp.read_bytes() == b"video"  # nothing truncated by failed checks


def test_unwritable_folder_is_refused_before_any_work():
    """``/proc`` refuses new files for every user, root included (a chmod'ed folder does not stop root):
    non-root users fail ``os.access`` in the check, root fails when the temporary file is created."""
    from tracker.io.atomic import reserve

    with pytest.raises(TrackerError, match="/proc"):
        check_output_path("/proc/out.txt")
        reserve([("--mot-out", "/proc/out.txt")])
    assert not Path("/proc/out.txt").exists()
