"""The events file of a real ``tracker track --zone ... --events-out`` stopped by Ctrl-C or SIGTERM.

It must be replaced by a valid file holding every event of the frames done, and no event of a frame
the other outputs lack: the counts in the JSON output's last frame equal the events in the file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_videos" / "sample.mp4"  # 640x360
TIMEOUT = 300

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample video missing")]


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stopped_run_leaves_valid_complete_events(tmp_path, sig, code):
    (tmp_path / "e.jsonl").write_text("previous events\n")
    # A zone over the whole frame: every confirmed track enters it, so events come from the first frames.
    cmd = [sys.executable, "-m", "tracker", "track", str(SAMPLE), "--no-appearance", "--quiet",
           "--zone", "0,0,640,0,640,360,0,360:all", "--line", "0,200,640,200:mid",
           "--events-out", "e.jsonl", "--json-out", "o.jsonl"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    temp = tmp_path / f".o.jsonl.tracker-tmp-{proc.pid}.jsonl"
    deadline = time.monotonic() + TIMEOUT
    while not (temp.exists() and temp.read_bytes().count(b"\n") >= 10):
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "no 10 frames written in time"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl", "o.jsonl"]  # no temporary or lock left
    frames = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    events = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert 10 <= len(frames) < 135
    assert events and all(e["frame"] <= frames[-1]["frame"] for e in events)
    totals = frames[-1]["analytics"]
    zone = totals["zones"]["all"]
    assert zone["entries"] == sum(e["event"] == "enter" for e in events) > 0
    assert zone["exits"] == sum(e["event"] == "exit" for e in events)
    line = totals["lines"]["mid"]
    assert line["in"] + line["out"] == sum(e["event"] == "cross" for e in events)
