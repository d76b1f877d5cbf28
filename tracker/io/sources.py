"""Where frames come from: video files, cameras, streams, image folders/globs, single images, MOT sequences.

``open_source(spec)`` checks the input first and raises a one-line :class:`TrackerError` for the usual
mistakes, then returns a :class:`Source` that yields :class:`Frame` objects.

Two delivery modes:

* **file mode** (default for files/folders): a daemon thread decodes ahead into a bounded queue so
  decoding overlaps inference; every frame is delivered in order.
* **live mode** (always for cameras and streams; ``live=True`` for a file): a capture thread keeps only
  the newest frame, so a slow consumer skips stale frames (counted in ``Source.dropped``) instead of
  falling behind. A file in live mode is paced at its own frame rate, which is how live behaviour is
  tested without a camera.
"""

from __future__ import annotations

import glob
import os
import queue
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..errors import TrackerError
from .slot import NewestFrameSlot

__all__ = ["Frame", "Source", "open_source", "IMAGE_EXTENSIONS", "STREAM_SCHEMES"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")
# Timestamps of image folders without a frame rate use this nominal rate (fps stays None).
NOMINAL_FPS = 30.0
# A camera/stream that returns no frame for this long is considered gone.
LIVE_READ_TIMEOUT_S = 5.0
STREAM_OPEN_TIMEOUT_MS = 10000
# Seconds of the tail that ffmpeg re-reads to confirm a video ended early (see _tail_is_damaged).
TAIL_CHECK_S = 2.0
TAIL_CHECK_TIMEOUT_S = 30.0

_END = object()

# FFmpeg inside OpenCV logs damaged packets of a truncated file ("overread", "partial file", "moov atom
# not found") straight to stderr; sources report those cases in one line of their own instead. OpenCV
# reads this once, when it first loads FFmpeg (reader or writer), hence at import; a user's value wins.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


@dataclass
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based frame number within the source (live mode skips the numbers of dropped frames).
        image: BGR uint8 ``(H, W, 3)``.
        timestamp: seconds since the source started: from the container frame rate for files and
            image sequences, from the capture clock in live mode (``Source.clock_start + timestamp`` is
            the ``time.monotonic()`` at which the frame was captured).
    """

    index: int
    image: np.ndarray
    timestamp: float


# A reader returns the next (image, index) or None at the end; it runs on the background thread.
Reader = Callable[[], "tuple[np.ndarray, int] | None"]


class Source:
    """An iterable of :class:`Frame` fed by a background thread; use as a context manager or ``close()``.

    Attributes:
        name: what was opened (path, URL or ``camera:N``).
        fps: frame rate if known (container / seqinfo / camera), else None.
        width, height: frame size in pixels.
        length: number of frames if known, else None.
        is_live: True when the newest-frame path is used (frames may be dropped).
        dropped: frames skipped because the consumer was slower than the source (live mode).
        clock_start: ``time.monotonic()`` when capture started (live mode), for latency measurements.
        truncated_at: for a video file that ended before its declared frame count, the number of
            frames it delivered (one ``tracker: warning:`` line on stderr says so too); else None.
    """

    def __init__(
        self,
        name: str,
        reader: Reader,
        release: Callable[[], None],
        *,
        fps: float | None,
        width: int,
        height: int,
        length: int | None,
        is_live: bool,
        pace: bool = False,
        queue_size: int = 8,
        kind: str = "file",
    ) -> None:
        self.name = name
        self.fps = fps
        self.width = int(width)
        self.height = int(height)
        self.length = length
        self.is_live = bool(is_live)
        self.kind = kind
        self.clock_start = time.monotonic()
        self.truncated_at: int | None = None
        self._reader = reader
        self._release = release
        self._pace = pace
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._started = False
        self._closed = False
        if self.is_live:
            self._slot = NewestFrameSlot()
        else:
            self._queue: queue.Queue = queue.Queue(maxsize=max(1, int(queue_size)))
        self._thread = threading.Thread(target=self._run, name=f"source:{name}", daemon=True)

    # -- background thread --------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._read_all(self._deliver_live if self.is_live else self._deliver_file)
        except BaseException as exc:  # surfaced on the consumer side
            self._error = exc
        finally:
            if self.is_live:
                self._slot.close()
            else:
                self._offer(_END)
            try:
                self._release()
            except Exception:  # pragma: no cover - releasing a broken capture
                pass

    def _offer(self, item) -> bool:
        """Put with a timeout loop so a stopped consumer never leaves this thread blocked."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read_all(self, deliver: Callable[[np.ndarray, int, float], bool]) -> None:
        """The one read loop: ``deliver(image, index, fps)`` each frame until the end, a stop or a refusal."""
        self.clock_start = time.monotonic()
        fps = self.fps or NOMINAL_FPS
        while not self._stop.is_set():
            got = self._reader()
            if got is None or not deliver(got[0], got[1], fps):
                return

    def _deliver_file(self, image: np.ndarray, index: int, fps: float) -> bool:
        """Every frame, in order (waits while the queue is full); its time from the frame rate."""
        return self._offer(Frame(index, image, index / fps))

    def _deliver_live(self, image: np.ndarray, index: int, fps: float) -> bool:
        """The newest frame only, timed by the capture clock; a paced file waits for its frame's time."""
        if self._pace:
            # Replay a file in real time: frame i becomes available at clock_start + i / fps.
            wait = self.clock_start + index / fps - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return False
        self._slot.put(Frame(index, image, time.monotonic() - self.clock_start))
        return True

    # -- consumer side --------------------------------------------------------------------------
    @property
    def dropped(self) -> int:
        return self._slot.dropped if self.is_live else 0

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise TrackerError(f"{self.name}: source is closed")
        if self._started:
            raise TrackerError(f"{self.name}: a source can be iterated only once; open it again")
        self._started = True
        self._thread.start()
        try:
            while True:
                if self.is_live:
                    item = self._slot.get()
                    if item is None:
                        break
                else:
                    item = self._get_queued()
                    if item is _END:
                        break
                yield item
        finally:
            self.close()
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def _get_queued(self):
        while True:
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    return _END

    def close(self) -> None:
        """Stop the background thread and release the capture (idempotent, never blocks for long)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._started:
            if not self.is_live:
                # Unblock a producer waiting on a full queue.
                try:
                    while True:
                        self._queue.get_nowait()
                except queue.Empty:
                    pass
            self._thread.join(timeout=2.0)
        else:
            self._release()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Source({self.name!r}, {self.width}x{self.height}, fps={self.fps}, length={self.length}, "
            f"live={self.is_live})"
        )


# -- openers ----------------------------------------------------------------------------------


def open_source(spec: str | int | os.PathLike, *, live: bool = False, queue_size: int = 8) -> Source:
    """Open a video file, camera index, stream URL, image folder/glob, single image or MOT sequence folder.

    Args:
        spec: ``"video.mp4"``, ``0`` / ``"0"`` (camera), ``"rtsp://..."``, ``"frames/"``, ``"frames/*.jpg"``,
            ``"img.png"`` or a MOTChallenge sequence folder (``seqinfo.ini`` + ``img1/``).
        live: newest-frame delivery with dropping; forced for cameras and streams. For a file it also
            paces playback at the file's frame rate.
        queue_size: decoded frames buffered ahead in file mode.

    Raises:
        TrackerError: missing path, unreadable or empty video, camera that does not open, empty folder.
    """
    if isinstance(spec, (int, np.integer)) or (isinstance(spec, str) and spec.strip().isdigit()):
        return _open_camera(int(spec), queue_size)
    text = os.fspath(spec)
    if text.lower().startswith(STREAM_SCHEMES):
        return _open_stream(text, queue_size)
    path = Path(text).expanduser()
    if not path.exists():
        if any(ch in text for ch in "*?["):
            files = sorted(p for p in glob.glob(os.path.expanduser(text)) if Path(p).is_file())
            if not files:
                raise TrackerError(f"no files match the pattern {text!r}")
            return _image_source(text, [Path(p) for p in files], None, live, queue_size)
        raise TrackerError(f"input not found: {text}")
    if path.is_dir():
        seqinfo = path / "seqinfo.ini"
        if seqinfo.is_file():
            return _open_mot_sequence(path, live, queue_size)
        files = _list_images(path)
        if not files:
            if _looks_like_mot_sequence(path):
                raise TrackerError(
                    f"{text}: seqinfo.ini is missing (this looks like a MOTChallenge sequence folder, which needs "
                    "seqinfo.ini with seqLength, frameRate, imWidth, imHeight)"
                )
            raise TrackerError(f"{text}: folder has no images ({', '.join(IMAGE_EXTENSIONS[:4])}, ...)")
        return _image_source(text, files, None, live, queue_size)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return _image_source(text, [path], None, live, queue_size)
    return _open_video_file(path, live, queue_size)


def _looks_like_mot_sequence(folder: Path) -> bool:
    """A folder laid out like a MOTChallenge sequence (``img1/``, ``det/det.txt`` or ``gt/gt.txt``)."""
    return (folder / "img1").is_dir() or (folder / "det" / "det.txt").is_file() or (folder / "gt" / "gt.txt").is_file()


def _list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def _quiet_capture(target, *args):
    """``cv2.VideoCapture`` without OpenCV's backend-probing warnings on stderr (FFmpeg's: see the top)."""
    import cv2

    level = None
    try:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except AttributeError:  # pragma: no cover - very old OpenCV
        pass
    try:
        return cv2.VideoCapture(target, *args)
    finally:
        if level is not None:
            cv2.utils.logging.setLogLevel(level)


def _capture_reader(
    cap, first: np.ndarray | None, live_device: bool, on_end: Callable[[int], None] | None = None
) -> Reader:
    """Sequential reads from a cv2 capture; cameras/streams retry briefly before giving up with a warning.

    ``on_end(frames_delivered)`` is called once when a file capture runs out of frames.
    """
    state = {"index": 0, "first": first}

    def read():
        if state["first"] is not None:
            image, state["first"] = state["first"], None
        else:
            ok, image = cap.read()
            if not ok or image is None:
                if not live_device:
                    if on_end is not None and not state.get("ended"):
                        state["ended"] = True
                        on_end(state["index"])
                    return None
                deadline = time.monotonic() + LIVE_READ_TIMEOUT_S
                while (not ok or image is None) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    ok, image = cap.read()
                if not ok or image is None:
                    warnings.warn(f"capture stopped delivering frames after {state['index']} frames; ending")
                    return None
        index = state["index"]
        state["index"] += 1
        return _as_bgr(image), index

    return read


def _as_bgr(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image, alpha=255.0 / max(float(image.max()), 1.0))
    return image


def _fps_of(cap) -> float | None:
    import cv2

    fps = cap.get(cv2.CAP_PROP_FPS)
    return float(fps) if fps and np.isfinite(fps) and 0 < fps < 1000 else None


def _first_frame(cap, error: str) -> np.ndarray:
    """The capture's first frame, or release it and raise ``error``."""
    ok, first = cap.read()
    if not ok or first is None:
        cap.release()
        raise TrackerError(error)
    return first


def _open_video_file(path: Path, live: bool, queue_size: int) -> Source:
    cap = _quiet_capture(str(path))
    if not cap.isOpened():
        raise TrackerError(f"{path}: not a video OpenCV can read (unknown format, corrupt, or no frames)")
    first = _first_frame(cap, f"{path}: video has no frames")
    import cv2

    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    fps = _fps_of(cap)
    source: Source | None = None

    def on_end(delivered: int) -> None:
        if source is not None and 0 < delivered < count and _tail_is_damaged(path, delivered, fps):
            source.truncated_at = delivered
            _warn(f"{path} ended at frame {delivered} of {count} (truncated or corrupt); outputs cover the frames read")

    source = Source(
        str(path),
        _capture_reader(cap, first, live_device=False, on_end=on_end),
        cap.release,
        fps=fps,
        width=first.shape[1],
        height=first.shape[0],
        length=count if count > 0 else None,
        is_live=live,
        pace=live,
        queue_size=queue_size,
        kind="video",
    )
    return source


def _warn(message: str) -> None:
    """One ``tracker: warning:`` line on stderr, above a running progress bar rather than through it."""
    line = f"tracker: warning: {message}"
    try:
        from tqdm import tqdm

        tqdm.write(line, file=sys.stderr)
    except ImportError:  # pragma: no cover - tqdm is a dependency
        print(line, file=sys.stderr)


def _tail_is_damaged(path: Path, delivered: int, fps: float | None) -> bool:
    """Whether a video that delivered fewer frames than declared is really damaged.

    The declared count is exact where the container stores it (mp4, avi) but is the container's
    duration times the frame rate elsewhere (mkv, webm, ts, fragmented mp4), and that duration includes
    an audio track that outlasts the video: a complete mkv of 75 frames with 5 s of audio declares 125
    (measured with the bundled ffmpeg). So the bundled ffmpeg re-reads the last ``TAIL_CHECK_S`` seconds
    of video packets (a stream copy: no decoding) and the file counts as damaged only if ffmpeg
    complains ("partial file", "File ended prematurely", "Packet corrupt" in every truncated mp4, mkv,
    webm and avi tried). Without ffmpeg the declared count is trusted.
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # no usable ffmpeg: trust the declared count
        return True
    start = max(0.0, delivered / (fps or NOMINAL_FPS) - TAIL_CHECK_S)
    cmd = [exe, "-hide_banner", "-nostdin", "-loglevel", "level+warning", "-ss", f"{start:.3f}", "-i", str(path)]
    cmd += ["-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=TAIL_CHECK_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return True
    if done.returncode != 0:
        return True
    # Only the reading side counts: the null muxer's own complaints (e.g. non-monotonic dts) say nothing
    # about the file.
    return any(
        any(tag in line for tag in ("[warning]", "[error]", "[fatal]", "[panic]"))
        and not line.startswith(("[out#", "[null", "[vost#", "[mux"))
        for line in done.stderr.splitlines()
    )


def _open_live_capture(cap, name: str, what: str, queue_size: int, kind: str) -> Source:
    if not cap.isOpened():
        raise TrackerError(f"{what} could not be opened")
    first = _first_frame(cap, f"{what} opened but delivered no frame")
    return Source(
        name,
        _capture_reader(cap, first, live_device=True),
        cap.release,
        fps=_fps_of(cap),
        width=first.shape[1],
        height=first.shape[0],
        length=None,
        is_live=True,
        queue_size=queue_size,
        kind=kind,
    )


def _open_camera(index: int, queue_size: int) -> Source:
    cap = _quiet_capture(index)
    return _open_live_capture(cap, f"camera:{index}", f"camera {index}", queue_size, "camera")


def _open_stream(url: str, queue_size: int) -> Source:
    import cv2

    # Bounded waits: OpenCV's default is 30 s per open/read on an unreachable stream.
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, STREAM_OPEN_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, STREAM_OPEN_TIMEOUT_MS]
    cap = _quiet_capture(url, cv2.CAP_FFMPEG, params)
    return _open_live_capture(cap, url, f"stream {url}", queue_size, "stream")


def _image_source(name: str, files: list[Path], fps: float | None, live: bool, queue_size: int) -> Source:
    import cv2

    first = cv2.imread(str(files[0]), cv2.IMREAD_COLOR)
    if first is None:
        raise TrackerError(f"{files[0]}: not an image OpenCV can read")
    state = {"index": 0}

    def read():
        i = state["index"]
        if i >= len(files):
            return None
        image = first if i == 0 else cv2.imread(str(files[i]), cv2.IMREAD_COLOR)
        if image is None:
            raise TrackerError(f"{files[i]}: not an image OpenCV can read")
        state["index"] = i + 1
        return image, i

    return Source(
        name,
        read,
        lambda: None,
        fps=fps,
        width=first.shape[1],
        height=first.shape[0],
        length=len(files),
        is_live=live,
        pace=live,
        queue_size=queue_size,
        kind="images",
    )


def _open_mot_sequence(folder: Path, live: bool, queue_size: int) -> Source:
    from .mot import read_seqinfo

    info = read_seqinfo(folder)
    img_dir = folder / info.im_dir
    if not img_dir.is_dir():
        raise TrackerError(f"{folder}: MOT sequence has no image folder {info.im_dir}/")
    files = _list_images(img_dir)
    if not files:
        raise TrackerError(f"{img_dir}: MOT sequence image folder is empty")
    if 0 < info.length < len(files):
        files = files[: info.length]
    src = _image_source(str(folder), files, info.frame_rate, live, queue_size)
    src.kind = "mot"
    return src
