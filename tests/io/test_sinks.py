"""Sinks: H.264/mp4v video (also after an interrupted writer), MOT, JSON lines, CSV, output path checks."""

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

from tracker.detections import Tracks, TrackState
from tracker.errors import TrackerError
from tracker.io.sinks import CsvSink, JsonLinesSink, MotSink, VideoSink, check_output_path

REPO = Path(__file__).resolve().parents[2]


def count_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def frame(i: int, w: int = 96, h: int = 64) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : (i * 3) % w] = (0, 128, 255)
    return img


@pytest.mark.parametrize("codec, expect", [("auto", "h264"), ("mp4v", "mp4v")])
def test_video_roundtrip(tmp_path, codec, expect):
    path = tmp_path / "out.mp4"
    with VideoSink(path, fps=15, size=(96, 64), codec=codec) as sink:
        for i in range(24):
            sink.write(frame(i))
    assert sink.codec_used.startswith(expect)
    assert count_frames(path) == 24
    cap = cv2.VideoCapture(str(path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(15, abs=0.1)
    ok, img = cap.read()
    assert ok and img.shape == (64, 96, 3)


def test_odd_size_is_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoSink(path, fps=10, size=(65, 49)) as sink:
        for i in range(5):
            sink.write(frame(i, 65, 49))
    cap = cv2.VideoCapture(str(path))
    ok, img = cap.read()
    assert ok and img.shape[:2] in ((49, 65), (50, 66))
    assert count_frames(path) == 5


def test_wrong_frame_size_is_rejected(tmp_path):
    with VideoSink(tmp_path / "x.mp4", fps=10, size=(96, 64)) as sink:
        with pytest.raises(ValueError, match="96x64"):
            sink.write(frame(0, 32, 32))


_WRITER = textwrap.dedent(
    """
    import sys, time, numpy as np
    from tracker.io.sinks import VideoSink
    sink = VideoSink(sys.argv[1], fps=30, size=(96, 64))
    try:
        i = 0
        while True:
            img = np.zeros((64, 96, 3), np.uint8); img[:, : i % 96] = 200
            sink.write(img)
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


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_interrupted_writer_leaves_playable_file(tmp_path, how):
    if "h264" not in VideoSink(tmp_path / "probe.mp4", 10, (16, 16)).codec_used:
        pytest.skip("ffmpeg with libx264 not available")
    path = tmp_path / "cut.mp4"
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
    # After SIGKILL the orphaned ffmpeg sees EOF on stdin and finishes by itself.
    deadline = time.monotonic() + 15
    n = 0
    while time.monotonic() < deadline:
        n = count_frames(path) if path.exists() else 0
        if n >= 40:
            break
        time.sleep(0.2)
    assert n >= 40, f"only {n} readable frames after {how}"


def test_killed_encoder_still_leaves_playable_fragments(tmp_path):
    path = tmp_path / "killed.mp4"
    sink = VideoSink(path, fps=30, size=(96, 64))
    if sink._proc is None:
        sink.close()
        pytest.skip("ffmpeg with libx264 not available")
    for i in range(100):
        sink.write(frame(i))
    time.sleep(1.5)
    sink._proc.kill()  # no chance to finalise: only the fragmented layout saves the file
    sink._proc.wait()
    with pytest.warns(UserWarning, match="ffmpeg exited"):
        try:
            sink.close()
        except TrackerError:
            pass
    assert count_frames(path) >= 30


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
        sink.write(1, make_tracks())
        sink.write(2, Tracks.empty())
        sink.write(3, make_tracks()[:1])
        # Flushed per frame: readable before close.
        assert len(path.read_text().splitlines()) == 3
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
    sink.write(0, tracks)
    sink.write(1, make_tracks())
    recs = [json.loads(line) for line in path.read_text().splitlines()]  # before close: flushed
    sink.close()
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
        sink.write(4, make_tracks(mask=True))
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
    assert inp.read_bytes() == b"video"  # nothing truncated by failed checks


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_check_output_path_unwritable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(TrackerError, match="not writable"):
            check_output_path(ro / "out.mp4")
    finally:
        ro.chmod(0o700)
