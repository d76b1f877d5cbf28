"""The default ``tracker track`` path never imports TensorFlow (2-4 s of start-up on this project's CPU)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
import tracker
for i, result in enumerate(tracker.track("sample_videos/sample.mp4")):
    if i == 4:
        break
print(len(result.tracks), "tensorflow" in sys.modules)
"""


CLI = """
import sys
from tracker.cli import main
rc = main(["track", "sample_videos/sample.mp4", "--max-frames", "5", "--quiet", "--mot-out", sys.argv[1]])
print(rc, "tensorflow" in sys.modules)
"""


def _run(script: str, *args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_default_library_track_never_imports_tensorflow():
    _tracks, imported = _run(SCRIPT)
    assert imported == "False"


def test_default_cli_track_never_imports_tensorflow(tmp_path):
    mot = tmp_path / "out.txt"
    rc, imported = _run(CLI, str(mot))
    assert rc == "0" and mot.read_text().strip(), "the run wrote no tracks"
    assert imported == "False"
