"""tracker batch: Ray actor pool outputs equal `tracker track`'s, manifest rows for corrupt videos and
killed workers, resume, and a two-node ``ray.cluster_utils.Cluster`` run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

ray = pytest.importorskip("ray")

from tracker.batch import MANIFEST, batch, expand_inputs, read_manifest, stem_of
from tracker.cli import main
from tracker.errors import TrackerError

W, H = 160, 120
FAST = {"embedder": None, "progress": False}  # motion-only: the models that matter here load in ~1 s


def write_clip(path: Path, n: int, shift: int = 0) -> Path:
    """``n`` frames of the astronaut walking right, H.264 through the bundled ffmpeg (as users' files are)."""
    import imageio_ffmpeg
    from skimage import data

    person = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (80, 80), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(n):
        frame = np.full((H, W, 3), 90, np.uint8)
        x = min(4 + shift + 3 * i, W - 80)
        frame[H - 80 :, x : x + 80] = person
        frames.append(frame)
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
        "-s", f"{W}x{H}", "-r", "10", "-i", "pipe:0", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True, timeout=60)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Path]:
    """20 short clips (6-8 frames, 160x120), each a little different."""
    folder = tmp_path_factory.mktemp("clips")
    return [write_clip(folder / f"clip{i:02d}.mp4", 6 + i % 3, shift=i) for i in range(20)]


@pytest.fixture(scope="module", autouse=True)
def _ray_down_after_module():
    yield
    ray.shutdown()  # a no-op when no test started one


@pytest.fixture
def local_ray():
    """A local Ray shared by the tests that use it (batch() uses an initialised Ray as it is)."""
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield


def manifest_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()]


# -- inputs (no Ray) ----------------------------------------------------------------------------


def test_inputs_from_files_folders_globs_and_lists(tmp_path, clips):
    folder = clips[0].parent
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two clips and a stream\n{clips[0]}\n\n{os.path.relpath(clips[1], tmp_path)}\nhttp://127.0.0.1:9/cam.ts\n")
    assert expand_inputs(folder) == [str(p) for p in clips]
    assert expand_inputs([str(folder / "clip0*.mp4")]) == [str(p) for p in clips[:10]]
    assert expand_inputs([listing, clips[0]]) == [str(clips[0]), str(clips[1]), "http://127.0.0.1:9/cam.ts"]
    assert stem_of("http://127.0.0.1:9/cam.ts") == "cam"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["missing.mp4"], "input not found: missing.mp4"),
        (["{a}", "{b}"], "would write the same outputs"),
        (["{a}", "--events"], "--events needs something to count"),
        (["{a}", "--line", "1,2,3"], "4 numbers"),
    ],
)
def test_cli_mistakes_are_one_line(tmp_path, capsys, argv, message):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    write_clip(a / "same.mp4", 2), write_clip(b / "same.mp4", 2)
    argv = [x.format(a=a / "same.mp4", b=b / "same.mp4") for x in argv]
    assert main(["batch", *argv, "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tracker: error: ") and message in err[0]
    assert not (tmp_path / "out" / MANIFEST).exists()


def test_one_video_with_analytics_equals_tracker_track(tmp_path, clips):
    """``_track_video`` (what each actor runs) with --line/--zone/--events writes what `tracker track` does."""
    from tracker.batch import _load_models, _track_video, output_paths

    opts = {"embedder": None, "no_appearance": True, "lines": ["60,120,60,0:door"], "zones": ["0,0,160,0,160,130,0,130"],
            "events": True}  # fmt: skip
    outs = {k: str(v) for k, v in output_paths(str(clips[8]), tmp_path / "b", events=True).items()}
    (tmp_path / "b").mkdir()
    _track_video(str(clips[8]), outs, _load_models(opts), opts)
    seq = tmp_path / "seq"
    seq.mkdir()
    argv = ["track", str(clips[8]), "--no-appearance", "--quiet", "--line", "60,120,60,0:door", "--zone", "0,0,160,0,160,130,0,130"]
    assert main(argv + ["--json-out", str(seq / "o.jsonl"), "--events-out", str(seq / "e.jsonl")]) == 0
    assert Path(outs["json"]).read_bytes() == (seq / "o.jsonl").read_bytes()
    assert Path(outs["events"]).read_bytes() == (seq / "e.jsonl").read_bytes()
    assert b'"enter"' in (seq / "e.jsonl").read_bytes()  # the comparison is not of empty files
    assert '"analytics"' in (seq / "o.jsonl").read_text().splitlines()[-1]


def test_a_torn_manifest_line_is_ignored(tmp_path):
    (tmp_path / MANIFEST).write_text('{"input":"a","status":"done"}\n{"input":"b","status":"do')
    assert read_manifest(tmp_path / MANIFEST) == {"a": {"input": "a", "status": "done"}}


# -- batch on Ray ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_outputs_equal_sequential_track_runs(tmp_path, clips, local_ray):
    rows = batch(clips, tmp_path / "batch", workers=2, **FAST)
    assert [r["status"] for r in rows] == ["done"] * 20
    assert [r["frames"] for r in rows] == [6 + i % 3 for i in range(20)]
    seq = tmp_path / "seq"
    seq.mkdir()
    for clip in clips:
        argv = ["track", str(clip), "--no-appearance", "--quiet"]
        assert main(argv + ["--mot-out", str(seq / f"{clip.stem}.txt"), "--json-out", str(seq / f"{clip.stem}.jsonl")]) == 0
    for clip in clips:
        for ext in (".txt", ".jsonl"):
            ours = (tmp_path / "batch" / f"{clip.stem}{ext}").read_bytes()
            assert ours == (seq / f"{clip.stem}{ext}").read_bytes(), clip.stem + ext
    assert sum(r["tracks"] for r in rows) > 0  # the astronaut is found: the comparison is not of empty files
    assert {r["input"] for r in manifest_lines(tmp_path / "batch")} == {str(c) for c in clips}


@pytest.mark.slow
def test_corrupt_video_fails_alone_and_resume_retries_only_it(tmp_path, clips, local_ray):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for clip in clips[:3]:
        (inputs / clip.name).write_bytes(clip.read_bytes())
    bad = inputs / "broken.mp4"
    bad.write_bytes(clips[3].read_bytes()[:200] + os.urandom(3000))
    out = tmp_path / "out"
    rows = batch(inputs, out, workers=2, **FAST)
    status = {Path(r["input"]).name: r["status"] for r in rows}
    assert status == {"broken.mp4": "failed", **{c.name: "done" for c in clips[:3]}}
    assert "broken.mp4" in next(r["error"] for r in rows if r["status"] == "failed")
    assert not (out / "broken.txt").exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("clip*")}

    bad.write_bytes(clips[3].read_bytes())  # repaired: the rerun retries it and skips the done ones
    rows = batch(inputs, out, workers=2, **FAST)
    assert [r["status"] for r in rows] == ["done"] * 4
    assert [Path(r["input"]).name for r in manifest_lines(out)][4:] == ["broken.mp4"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("clip*")} == stamps

    rows = batch(inputs, out, workers=1, resume=False, **FAST)  # --no-resume: everything again
    assert len(manifest_lines(out)) == 9 and [r["status"] for r in rows] == ["done"] * 4


@pytest.mark.slow
def test_killed_worker_is_retried_on_a_fresh_actor(tmp_path, clips, local_ray):
    long = write_clip(tmp_path / "long.mp4", 60)
    out = tmp_path / "out"
    out.mkdir()
    killed: list[int] = []

    def kill_when_writing() -> None:
        # The actor's temporary output (".long.txt.tracker-tmp-PID.txt") appears once it tracks the video.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for name in os.listdir(out):
                m = re.fullmatch(r"\.long\.txt\.tracker-tmp-(\d+)\.txt", name)
                if m and (out / name).stat().st_size > 0:  # frames written: mid-video
                    pid = int(m.group(1))
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.01)

    watcher = threading.Thread(target=kill_when_writing, daemon=True)
    watcher.start()
    rows = batch([long, *clips[:3]], out, workers=2, **FAST)
    watcher.join(timeout=5)
    assert killed and killed[0] != os.getpid()
    lines = [r for r in manifest_lines(out) if r["input"] == str(long)]
    assert [r["status"] for r in lines] == ["failed", "done"]
    assert "worker died" in lines[0]["error"] and "retrying" in lines[0]["error"]
    assert [r["status"] for r in rows] == ["done"] * 4 and rows[0]["frames"] == 60
    mot = np.loadtxt(out / "long.txt", delimiter=",", ndmin=2)
    assert mot[:, 0].max() == 60  # the retry wrote the whole video, not the killed attempt's part
    assert not [p for p in os.listdir(out) if ".tracker-tmp-" in p]


@pytest.mark.slow
def test_two_node_cluster(tmp_path, clips):
    from ray.cluster_utils import Cluster

    ray.shutdown()  # the address path: batch() connects to the cluster itself
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        rows = batch(clips[:4], tmp_path / "out", workers=2, address=cluster.address, **FAST)
        assert not ray.is_initialized()  # batch() disconnected what it connected
    finally:
        cluster.shutdown()
    assert [r["status"] for r in rows] == ["done"] * 4
    for clip in clips[:4]:
        argv = ["track", str(clip), "--no-appearance", "--quiet", "--mot-out", str(tmp_path / f"{clip.stem}.txt")]
        assert main(argv) == 0
        assert (tmp_path / "out" / f"{clip.stem}.txt").read_bytes() == (tmp_path / f"{clip.stem}.txt").read_bytes()


def test_library_call_is_tracker_batch():
    import tracker

    assert callable(tracker.batch) and tracker.batch.batch is batch
    with pytest.raises(TrackerError, match="input not found"):
        tracker.batch(["nowhere.mp4"], "out-never-made")
