"""A real ``tracker track`` killed, stopped or raced while it writes over existing outputs.

SIGKILL must leave the old outputs byte-for-byte; SIGTERM and Ctrl-C must replace them with the frames
done, the same frames in every output; a second run on the same target must be refused at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import count_frames

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_videos" / "sample.mp4"
SAMPLE_FRAMES = 135
OUTPUTS = {"--out": "o.mp4", "--mot-out": "o.txt", "--json-out": "o.jsonl"}
TIMEOUT = 300  # seconds for any one wait on a subprocess; generous for a loaded CI machine

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample video missing")]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(folder: Path, *extra: str) -> subprocess.Popen:
    args = [a for flag, name in OUTPUTS.items() for a in (flag, str(folder / name))]
    cmd = [sys.executable, "-m", "tracker", "track", str(SAMPLE), "--no-appearance", "--quiet", *args, *extra]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_frames(proc: subprocess.Popen, folder: Path, frames: int = 3) -> None:
    """Poll until the run has written ``frames`` JSON lines to its temporary file."""
    temp = folder / f".o.jsonl.tracker-tmp-{proc.pid}.jsonl"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"run ended early: {proc.communicate()[1].decode()}"
        if temp.exists() and temp.read_bytes().count(b"\n") >= frames:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no {frames} frames written within {TIMEOUT} s")


def old_outputs(folder: Path) -> dict[str, str]:
    """Known bytes in every output; returns their hashes."""
    for name in OUTPUTS.values():
        (folder / name).write_bytes(f"previous good results in {name}\n".encode() * 100)
    return {name: sha(folder / name) for name in OUTPUTS.values()}



def test_sigkill_leaves_the_old_outputs_intact(tmp_path):
    before = old_outputs(tmp_path)
    proc = start(tmp_path)
    wait_for_frames(proc, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    assert {name: sha(tmp_path / name) for name in OUTPUTS.values()} == before
    # Only the dead run's hidden temporary (and free lock) files are left; the next run removes them.
    leftovers = {p.name for p in tmp_path.iterdir()} - set(OUTPUTS.values())
    assert all(n.startswith(".o.") and (".tracker-tmp-" in n or n.endswith(".tracker-lock")) for n in leftovers)
    assert any(".tracker-tmp-" in n for n in leftovers)


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stop_keeps_exactly_the_frames_done(tmp_path, sig, code):
    before = old_outputs(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".o.txt.tracker-tmp-{dead.pid}.txt"  # as a SIGKILLed run leaves it
    stale.write_text("stale")
    proc = start(tmp_path)
    wait_for_frames(proc, tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err
    after = {name: sha(tmp_path / name) for name in OUTPUTS.values()}
    assert all(after[name] != before[name] for name in before)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OUTPUTS.values())  # stale temp cleaned too

    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    k = len(records)
    assert 3 <= k < SAMPLE_FRAMES
    assert [r["frame"] for r in records] == list(range(k))
    assert count_frames(tmp_path / "o.mp4") == k
    mot_frames = {int(line.split(",")[0]) for line in (tmp_path / "o.txt").read_text().splitlines()}
    assert mot_frames == {r["frame"] + 1 for r in records if r["tracks"]}
    assert mot_frames, "the sample has people from the first frames on"


def test_second_run_on_the_same_output_is_refused(tmp_path):
    before = old_outputs(tmp_path)
    first = start(tmp_path)
    try:
        wait_for_frames(first, tmp_path)
        second = subprocess.run(
            [sys.executable, "-m", "tracker", "track", str(SAMPLE), "--no-appearance", "--quiet",
             "--out", str(tmp_path / "o.mp4"), "--csv-out", str(tmp_path / "other.csv")],
            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, timeout=TIMEOUT,
        )  # fmt: skip
        lines = second.stderr.decode().splitlines()
        assert second.returncode == 2, lines
        assert len(lines) == 1 and lines[0].startswith("tracker: error: ")
        assert f"being written by another tracker run (pid {first.pid})" in lines[0]
        assert not (tmp_path / "other.csv").exists()  # its other outputs were released untouched
        assert {name: sha(tmp_path / name) for name in OUTPUTS.values()} == before  # first still running
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=TIMEOUT)
    assert first.returncode == 143
    assert count_frames(tmp_path / "o.mp4") >= 3
