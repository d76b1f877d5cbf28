"""Frame sources: files, folders, MOT sequences, error messages, file-mode threading and live mode."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.io.sources import Frame, open_source


def test_video_file_yields_all_frames_in_order(tiny_video):
    with open_source(tiny_video) as src:
        assert (src.width, src.height) == (96, 64)
        assert src.fps == pytest.approx(30.0)
        assert src.length == 20
        assert not src.is_live
        frames = list(src)
    assert [f.index for f in frames] == list(range(20))
    assert all(isinstance(f, Frame) and f.image.shape == (64, 96, 3) and f.image.dtype == np.uint8 for f in frames)
    assert frames[10].timestamp == pytest.approx(10 / 30.0)
    # The moving square is where the generator put it (lossy codec: compare the bright region).
    assert frames[5].image[28, 4 + 2 * 5 + 8].mean() > 200
    assert src.dropped == 0


def test_early_exit_stops_decoder_thread(make_video):
    src = open_source(make_video(n_frames=60), queue_size=2)
    for frame in src:
        if frame.index == 2:
            break
    src.close()
    assert not src._thread.is_alive()


def test_image_folder_and_glob(image_folder):
    with open_source(image_folder) as src:
        frames = list(src)
    assert len(frames) == 5 and src.length == 5 and src.fps is None
    with open_source(str(image_folder / "00000[1-3].png")) as src:
        assert len(list(src)) == 3


def test_single_image(image_folder):
    with open_source(image_folder / "000002.png") as src:
        frames = list(src)
    assert len(frames) == 1 and frames[0].image.shape == (64, 96, 3)


def test_mot_sequence_uses_seqinfo_frame_rate(mot_sequence):
    with open_source(mot_sequence) as src:
        assert src.fps == 25.0 and src.length == 6
        frames = list(src)
    assert [f.index for f in frames] == list(range(6))
    assert frames[5].timestamp == pytest.approx(5 / 25.0)


def test_camera_index_string_and_int_that_do_not_open():
    for spec in (99, "99"):
        with pytest.raises(TrackerError, match="camera 99"):
            open_source(spec)


@pytest.mark.parametrize(
    "setup, match",
    [
        (lambda d: d / "missing.mp4", "not found"),
        (lambda d: (d / "x.mp4").write_bytes(b"\x00garbage" * 64) and d / "x.mp4", "not a video"),
        (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "not a video"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "no images"),
        (lambda d: str(d / "*.png"), "no files match"),
        (lambda d: (d / "S" / "img1").mkdir(parents=True) or d / "S", "seqinfo.ini is missing"),
        (lambda d: (d / "S" / "det").mkdir(parents=True) or (d / "S" / "det" / "det.txt").write_text("") or d / "S", "seqinfo.ini is missing"),
        (lambda d: (d / "S" / "gt").mkdir(parents=True) or (d / "S" / "gt" / "gt.txt").write_text("") or d / "S", "seqinfo.ini is missing"),
    ],
)
def test_user_errors_are_one_line(tmp_path, setup, match):
    with pytest.raises(TrackerError, match=match) as info:
        open_source(setup(tmp_path))
    assert "\n" not in str(info.value)


def test_zero_frame_video(tmp_path):
    # An MJPG AVI closed without frames opens in OpenCV but yields nothing.
    path = tmp_path / "zero.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    writer.release()
    with pytest.raises(TrackerError, match="no frames|not a video"):
        open_source(path)


def test_live_file_drops_frames_for_slow_consumer_and_latency_stays_bounded(make_video):
    n, fps, work = 45, 30.0, 0.1
    src = open_source(make_video(n_frames=n, fps=fps), live=True)
    assert src.is_live
    delays, indexes = [], []
    with src:
        for frame in src:
            delays.append(time.monotonic() - (src.clock_start + frame.timestamp))
            indexes.append(frame.index)
            time.sleep(work)  # a consumer slower than the 30 fps source
    assert src.dropped > n // 3
    # Every decoded frame was either consumed or replaced by a newer one.
    assert len(indexes) + src.dropped == n
    assert indexes == sorted(indexes) and indexes[-1] == n - 1
    # Never more than the time to finish one frame of work plus a few frame intervals behind.
    assert max(delays) < work + 3 / fps, delays


def test_live_file_with_fast_consumer_is_paced_and_keeps_every_frame(make_video):
    n, fps = 15, 30.0
    with open_source(make_video(n_frames=n, fps=fps), live=True) as src:
        t0 = time.monotonic()
        frames = list(src)
        elapsed = time.monotonic() - t0
    assert len(frames) + src.dropped == n
    assert len(frames) >= n - 2
    assert elapsed > (n - 1) / fps * 0.8  # real-time pacing, not decode speed


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_http_stream_is_live_and_ends_with_warning(tiny_video, monkeypatch):
    monkeypatch.setattr("tracker.io.sources.LIVE_READ_TIMEOUT_S", 0.5)
    handler = functools.partial(_QuietHandler, directory=str(tiny_video.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with open_source(f"http://127.0.0.1:{server.server_address[1]}/{tiny_video.name}") as src:
            assert src.is_live and src.kind == "stream"
            # A stream that stops delivering ends iteration with a warning instead of hanging.
            with pytest.warns(UserWarning, match="stopped delivering frames"):
                frames = list(src)
        assert 1 <= len(frames) and len(frames) + src.dropped == 20
    finally:
        server.shutdown()
        server.server_close()


def test_unreachable_stream_is_one_line_error():
    with pytest.raises(TrackerError, match="could not be opened"):
        open_source("rtsp://127.0.0.1:1/nothing")


SAMPLE = Path(__file__).resolve().parents[2] / "sample_videos"


def test_bundled_sample_video_and_ground_truth_agree():
    from tracker.io.mot import read_seqinfo

    info = read_seqinfo(SAMPLE / "sample_gt")
    with open_source(SAMPLE / "sample.mp4") as src:
        assert (src.width, src.height, src.fps) == (info.width, info.height, info.frame_rate)
        n = sum(1 for _ in src)
    assert n == info.length
    gt = np.loadtxt(SAMPLE / "sample_gt" / "gt" / "gt.txt", delimiter=",")
    assert gt[:, 0].min() == 1 and gt[:, 0].max() == n
    assert set(gt[:, 1].astype(int)) == {1, 2, 3}
    assert (gt[:, 6] == 1).all() and (gt[:, 7] == 1).all() and (gt[:, 8] >= 0.1).all()


@pytest.mark.slow
def test_default_detector_finds_the_sample_objects():
    from tracker.boxes import iou_matrix
    from tracker.models.detectors import load_detector

    det = load_detector("nanodet")
    want = {1: det.classes.index("person"), 2: det.classes.index("person"), 3: det.classes.index("cat")}
    gt = np.loadtxt(SAMPLE / "sample_gt" / "gt" / "gt.txt", delimiter=",")
    hits: dict[int, list[bool]] = {1: [], 2: [], 3: []}
    with open_source(SAMPLE / "sample.mp4") as src:
        for frame in src:
            if frame.index % 4:
                continue
            d = det(frame.image)
            for row in gt[gt[:, 0] == frame.index + 1]:
                tid = int(row[1])
                box = np.array([[row[2], row[3], row[2] + row[4], row[3] + row[5]]])
                ok = d.class_id == want[tid]
                hits[tid].append(bool(ok.any() and iou_matrix(box, d.xyxy[ok]).max() >= 0.5))
    rates = {tid: float(np.mean(v)) for tid, v in hits.items()}
    assert all(r >= 0.8 for r in rates.values()), rates


def write_avi(path: Path, n_frames: int) -> Path:
    """Motion-JPEG in AVI: the header declares the frame count, and the file still opens when cut short."""
    from tests.conftest import synthetic_frame

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (96, 64))
    assert writer.isOpened()
    for i in range(n_frames):
        writer.write(synthetic_frame(i))
    writer.release()
    return path


def read_all(path):
    with open_source(path) as src:
        n = sum(1 for _ in src)
    return src, n


def test_truncated_video_is_reported_once(tmp_path, capfd):
    full = write_avi(tmp_path / "full.avi", 75)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.77)])
    src, n = read_all(cut)
    assert src.length == 75 and 0 < n < 75
    assert src.truncated_at == n
    err = capfd.readouterr().err.strip().splitlines()
    assert err == [f"tracker: warning: {cut} ended at frame {n} of 75 (truncated or corrupt); outputs cover the frames read"]


@pytest.mark.parametrize("make", ["avi", "mp4"])
def test_complete_video_is_not_reported(tmp_path, capfd, make_video, make):
    path = write_avi(tmp_path / "full.avi", 30) if make == "avi" else make_video(n_frames=30)
    src, n = read_all(path)
    assert n == 30 and src.truncated_at is None
    assert capfd.readouterr().err == ""


def test_audio_longer_than_video_is_not_truncation(tmp_path, capfd):
    """mkv declares duration x fps, and the duration includes audio that outlasts the video."""
    import subprocess

    import imageio_ffmpeg

    path = tmp_path / "long_audio.mkv"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
           "testsrc=size=96x64:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=3", str(path)]
    subprocess.run(cmd, check=True)
    src, n = read_all(path)
    assert n == 25 and src.length > 25  # the declared count really is too high here
    assert src.truncated_at is None and capfd.readouterr().err == ""
