"""Shared fixtures: small synthetic videos, image folders and MOT sequences written into ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


def synthetic_frame(i: int, width: int = 96, height: int = 64) -> np.ndarray:
    """A dark frame with a white square moving right by 2 px per frame (frame ``i`` is recognisable)."""
    img = np.full((height, width, 3), 30, np.uint8)
    x = (4 + 2 * i) % max(width - 16, 1)
    img[20:36, x : x + 16] = 255
    return img


def write_video(path: Path, n_frames: int = 20, fps: float = 30.0, width: int = 96, height: int = 64) -> Path:
    """Write an mp4v video with OpenCV (independent of the project's own VideoSink)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for i in range(n_frames):
        writer.write(synthetic_frame(i, width, height))
    writer.release()
    return path


def count_frames(path: Path) -> int:
    """How many frames OpenCV decodes from a video file (reading them all, not trusting the header)."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


@pytest.fixture
def make_video(tmp_path):
    """Factory: ``make_video(n_frames=20, fps=30.0, width=96, height=64, name="clip.mp4") -> Path``."""

    def make(n_frames: int = 20, fps: float = 30.0, width: int = 96, height: int = 64, name: str = "clip.mp4"):
        return write_video(tmp_path / name, n_frames, fps, width, height)

    return make


@pytest.fixture
def tiny_video(tmp_path) -> Path:
    """A 20-frame 96x64 30 fps mp4 with a moving white square."""
    return write_video(tmp_path / "tiny.mp4")


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """A folder of 5 PNG frames named 000001.png ... 000005.png."""
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f"{i + 1:06d}.png"), synthetic_frame(i))
    return folder


@pytest.fixture
def mot_sequence(tmp_path) -> Path:
    """A MOTChallenge sequence folder (seqinfo.ini at 25 fps + img1/ with 6 jpg frames + gt/gt.txt)."""
    seq = tmp_path / "SEQ-01"
    (seq / "img1").mkdir(parents=True)
    (seq / "gt").mkdir()
    for i in range(6):
        cv2.imwrite(str(seq / "img1" / f"{i + 1:06d}.jpg"), synthetic_frame(i))
    (seq / "seqinfo.ini").write_text(
        "[Sequence]\nname=SEQ-01\nimDir=img1\nframeRate=25\nseqLength=6\nimWidth=96\nimHeight=64\nimExt=.jpg\n"
    )
    rows = [f"{i + 1},1,{4 + 2 * i},20,16,16,1,1,1\n" for i in range(6)]
    (seq / "gt" / "gt.txt").write_text("".join(rows))
    return seq
