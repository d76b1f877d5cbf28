"""Clips made of real pixels, written with the bundled ffmpeg as H.264 (as a user's files are).

The subject is scikit-image's astronaut photo, which NanoDet finds as a person at every size used here
(and also finds 0, 1 or several other boxes around her, so every stage sees all counts).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

W, H = 320, 240
FPS = 10


def write_clip(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """H.264 yuv420p mp4 through the ffmpeg binary that imageio-ffmpeg ships."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{W}x{H}", "-r", str(fps), "-i", "pipe:0",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames), check=True)
    return path


def astronaut(size: int) -> np.ndarray:
    from skimage import data

    return cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (size, size), interpolation=cv2.INTER_AREA)


def scene(x: int, size: int = 160) -> np.ndarray:
    """A grey frame with the astronaut standing on its bottom edge, her left side at ``x`` (may be off-frame)."""
    frame = np.full((H, W, 3), 90, np.uint8)
    person = astronaut(size)
    x0, x1 = max(x, 0), min(x + size, W)
    if x1 > x0:
        frame[H - size :, x0:x1] = person[:, x0 - x : x1 - x]
    return frame


def black_clip(n: int = 15) -> list[np.ndarray]:
    return [np.zeros((H, W, 3), np.uint8) for _ in range(n)]


def black_middle_clip(n: int = 15) -> list[np.ndarray]:
    """The astronaut moving 2 px a frame, with the middle third of the frames black."""
    third = n // 3
    return [np.zeros((H, W, 3), np.uint8) if third <= i < 2 * third else scene(60 + 2 * i, 200) for i in range(n)]


# Left edge of the 160 px astronaut per frame: walks right out of the frame, stays out, walks back.
LEAVE_RETURN_X = [40, 80, 120, 170, 230, 330, 330, 330, 330, 330, 330, 330, 230, 170, 120, 80, 40, 40]
OUT_OF_FRAME = [i for i, x in enumerate(LEAVE_RETURN_X) if x >= W]


def leave_and_return_clip() -> list[np.ndarray]:
    return [scene(x) for x in LEAVE_RETURN_X]


CLIPS: dict[str, Callable[[], list[np.ndarray]]] = {
    "black": black_clip,
    "black_middle": black_middle_clip,
    "leave_and_return": leave_and_return_clip,
}


