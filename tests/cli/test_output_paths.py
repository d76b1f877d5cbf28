"""Bad output paths are one line before anything loads, and leave every existing file as it was.

Covers what used to be tracebacks (no extension, unsupported container, ``/proc``) and the transaction
rules: two outputs on one file (also through links and relative paths), output = input, a target
another run is writing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.cli import main
from tracker.io.atomic import AtomicFile
from tests.conftest import count_frames


@pytest.fixture
def workdir(tmp_path, monkeypatch, make_video) -> Path:
    """tmp_path as the current folder, holding inputs, earlier outputs and links to them."""
    monkeypatch.chdir(tmp_path)
    make_video(n_frames=5, name="in.mp4")
    cv2.imwrite(str(tmp_path / "in.png"), np.full((64, 96, 3), 40, np.uint8))
    for name in ("old.txt", "old.jsonl", "old.mp4", "old.png"):
        (tmp_path / name).write_bytes(f"earlier results: {name}\n".encode() * 50)
    (tmp_path / "link.txt").symlink_to(tmp_path / "old.txt")
    (tmp_path / "link.png").symlink_to("old.png")
    os.link(tmp_path / "old.jsonl", tmp_path / "hard.jsonl")
    (tmp_path / "in_link.mp4").symlink_to(tmp_path / "in.mp4")
    (tmp_path / "sub").mkdir()
    return tmp_path


def snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


CASES = [
    # (id, argv with {d} = the work folder, expected message part)
    ("track no extension", "track in.mp4 --out o_noext", "has no extension; use one of .mp4"),
    ("track gif", "track in.mp4 --out o.gif", "supported containers: .mp4"),
    ("track webm", "track in.mp4 --out o.webm", "supported containers"),
    ("track /proc", "track in.mp4 --out /proc/o.mp4", "/proc"),
    ("track missing folder", "track in.mp4 --out nodir/o.mp4", "output folder does not exist: nodir"),
    ("track folder as video", "track in.mp4 --out sub", "is a folder"),
    ("track folder as MOT", "track in.mp4 --mot-out {d}/sub/", "is a folder"),
    ("track mot=json", "track in.mp4 --mot-out old.txt --json-out old.txt", "--mot-out and --json-out name the same"),
    ("track out=json", "track in.mp4 --out old.mp4 --json-out old.mp4", "--out and --json-out name the same"),
    ("track new out=csv", "track in.mp4 --out new.mp4 --csv-out ./new.mp4", "--out and --csv-out name the same"),
    ("track symlink", "track in.mp4 --mot-out old.txt --json-out link.txt", "name the same file"),
    ("track hard link", "track in.mp4 --json-out old.jsonl --csv-out hard.jsonl", "name the same file"),
    ("track relative vs absolute", "track in.mp4 --mot-out old.txt --csv-out {d}/sub/../old.txt", "name the same"),
    ("track out=input", "track in.mp4 --out in.mp4", "same file as input"),
    ("track out=input via link", "track in_link.mp4 --json-out in.mp4", "same file as input"),
    ("detect no extension", "detect in.mp4 --out o_noext", "has no extension"),
    ("detect gif", "detect in.mp4 --out o.gif", "supported containers"),
    ("detect /proc video", "detect in.mp4 --out /proc/o.mp4", "/proc"),
    ("detect /proc image", "detect in.png --out /proc/o.png", "/proc"),
    ("detect missing folder", "detect in.png --out nodir/o.png", "output folder does not exist"),
    ("detect out=input", "detect in.png --out in.png", "same file as input"),
    ("segment gif", "segment in.mp4 --out o.gif", "supported containers"),
    ("segment /proc", "segment in.mp4 --out /proc/o.mp4", "/proc"),
    ("segment out=mask", "segment in.png --out old.png --mask-out old.png", "--out and --mask-out name the same"),
    ("segment out=mask link", "segment in.png --out old.png --mask-out link.png", "name the same file"),
]


@pytest.mark.parametrize("argv, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_output_is_one_line_and_touches_nothing(workdir, capsys, argv, message):
    before = snapshot(workdir)
    code = main(argv.format(d=workdir).split())
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("tracker: error: ") and message in err[0], err
    assert snapshot(workdir) == before  # no earlier output changed, no temporary or lock file left


@pytest.mark.parametrize("argv", ["track in.mp4 --out old.mp4", "detect in.mp4 --out ./old.mp4",
                                  "segment in.mp4 --out old.mp4"])  # fmt: skip
def test_target_being_written_is_refused(workdir, capsys, argv):
    held = AtomicFile(workdir / "old.mp4", begin=True)  # another run in progress
    try:
        before = snapshot(workdir)
        assert main(argv.split()) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"being written by another tracker run (pid {os.getpid()})" in err[0]
        assert snapshot(workdir) == before
    finally:
        held.discard()


class FailingPipeline:
    """Stands in for the models: one track per frame, then an error after ``fail_after`` frames."""

    fail_after = 4
    error: type[BaseException] = Exception  # set by the test

    def __init__(self, *args, **kwargs) -> None:
        self.class_names = ["person"]
        self.totals = {"track": 0.0}

    def run(self, source, sinks=()):
        from tracker.runner import write_frames

        return write_frames(self._results(source), sinks)

    def _results(self, source):
        from tracker.detections import Detections, Tracks, TrackState
        from tracker.errors import TrackerError
        from tracker.records import FrameResult

        for n, frame in enumerate(source):
            if n == self.fail_after:
                raise TrackerError("the detector broke on this frame") if self.error is TrackerError else self.error()
            tracks = Tracks(np.array([1]), np.array([[10.0, 10.0, 30.0, 40.0]]), np.array([0.9]),
                            np.array([0]), np.array([0]), np.array([TrackState.CONFIRMED]))  # fmt: skip
            yield FrameResult(n, frame.image, Detections.empty(), tracks, timestamp=n / 30)



@pytest.mark.parametrize("error, code", [("TrackerError", 2), ("KeyboardInterrupt", 130)])
@pytest.mark.parametrize("fail_after", [0, 4])
def test_error_mid_run_keeps_the_frames_done(workdir, capsys, monkeypatch, fail_after, error, code):
    """Failing or stopped before the first frame keeps the old outputs; after some, those frames are kept."""
    from tracker.errors import TrackerError

    monkeypatch.setattr("tracker.pipeline.Pipeline", FailingPipeline)
    monkeypatch.setattr(FailingPipeline, "fail_after", fail_after)
    monkeypatch.setattr(FailingPipeline, "error", TrackerError if error == "TrackerError" else KeyboardInterrupt)
    before = snapshot(workdir)
    argv = "track in.mp4 --quiet --out old.mp4 --mot-out old.txt --json-out old.jsonl --csv-out new.csv"
    assert main(argv.split()) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert err == (["tracker: error: the detector broke on this frame"] if code == 2 else [])
    after = snapshot(workdir)
    if fail_after == 0:
        assert after == before
        return
    assert set(after) == set(before) | {"new.csv"}  # nothing left beside the outputs
    assert all(after[n] != before[n] for n in ("old.mp4", "old.txt", "old.jsonl"))
    assert after["hard.jsonl"] == before["hard.jsonl"]  # the other name keeps the old file's content
    assert count_frames(workdir / "old.mp4") == fail_after
    assert len((workdir / "old.txt").read_text().splitlines()) == fail_after
    assert len((workdir / "old.jsonl").read_text().splitlines()) == fail_after
    assert len((workdir / "new.csv").read_text().splitlines()) == 1 + fail_after
