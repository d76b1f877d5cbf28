"""Where results go: annotated video, MOTChallenge result text, JSON lines and CSV.

Every sink is transactional (:mod:`tracker.io.atomic`): it writes a hidden temporary file beside its
target and ``close()`` moves it into place, so an existing output is replaced only by a finished one and
a crash or SIGKILL leaves it untouched; ``close(commit=False)`` drops the run's file instead. Two sinks
(or two processes) on one target are refused by a lock.

Every sink takes ``write(result: FrameResult)`` (see :class:`tracker.records.Sink`) and does its work
behind one bounded queue and thread of its own (:class:`QueuedWorker`): ``write`` returns once the
frame is queued. Measured with 20 tracks per frame (``/tmp``-style local disk): MOT 0.36 ms, JSON
0.26 ms, CSV 0.18 ms per frame in the caller's thread, but JSON with 1280x720 masks 54 ms (the RLE
encoding), half a NanoDet frame on this CPU; the thread takes that off the model's path. The video sink encodes through an ffmpeg child
that does not receive the terminal's Ctrl+C, so closing its stdin after ``KeyboardInterrupt`` still
finalises a playable file, and writes fragmented mp4 so even a killed run's temporary file plays.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import IO, Sequence

import numpy as np

from ..errors import TrackerError
from .atomic import AtomicFile
from .rle import mask_to_rle

__all__ = [
    "VideoSink", "MotSink", "JsonLinesSink", "CsvSink", "QueuedWorker", "VIDEO_SUFFIXES",
    "check_output_path", "check_video_suffix", "track_records",
]  # fmt: skip

#: Containers the video sink writes (both through ffmpeg/libx264 and OpenCV's mp4v; each checked to
#: read back frame-exact in tests/io/test_sinks.py). WebM and GIF take neither codec.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".avi")


class FrameSizeError(TrackerError, ValueError):
    """A frame does not match the video's size (a user's folder of mixed image sizes, typically)."""


# -- output path checks -------------------------------------------------------------------------


def check_video_suffix(path: str | os.PathLike) -> None:
    """One-line :class:`TrackerError` unless ``path`` ends in a container the video sink writes."""
    suffix = Path(os.fspath(path)).suffix.lower()
    if not suffix:
        raise TrackerError(
            f"video output {os.fspath(path)} has no extension; use one of {', '.join(VIDEO_SUFFIXES)} (e.g. out.mp4)"
        )
    if suffix not in VIDEO_SUFFIXES:
        raise TrackerError(
            f"cannot write {suffix} video ({os.fspath(path)}); supported containers: {', '.join(VIDEO_SUFFIXES)}"
        )


def check_output_path(
    path: str | os.PathLike, *, inputs: Sequence = (), overwrite: bool = True, video: bool = False
) -> Path:
    """Validate an output file path before anything is written; returns it as a ``Path``.

    Raises a one-line :class:`TrackerError` when the parent folder is missing or not writable, the path
    is a folder, it is the same file as one of ``inputs`` (camera indexes and URLs are ignored), it
    exists and ``overwrite`` is False, or (``video=True``) its extension is not in
    :data:`VIDEO_SUFFIXES`. Nothing is created or truncated here; a folder that passes ``os.access``
    but refuses new files (``/proc`` for root) is caught when :class:`~tracker.io.atomic.AtomicFile`
    creates the temporary file, still before any work.
    """
    out = Path(os.fspath(path)).expanduser()
    if not out.name or os.fspath(path).endswith(os.sep):
        raise TrackerError(f"output path is a folder, expected a file: {out}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise TrackerError(f"output folder does not exist: {parent}")
    if not parent.is_dir():
        raise TrackerError(f"output folder is not a folder: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise TrackerError(f"output folder is not writable: {parent}")
    if out.is_dir():
        raise TrackerError(f"output path is a folder, expected a file: {out}")
    for item in inputs:
        if isinstance(item, (int, np.integer)) or item is None:
            continue
        text = os.fspath(item)
        if "://" in text or text.strip().isdigit():
            continue
        inp = Path(text).expanduser()
        same = out.resolve() == inp.resolve()
        if not same and out.exists() and inp.exists():
            try:
                same = os.path.samefile(out, inp)
            except OSError:
                same = False
        if same:
            raise TrackerError(f"output {out} is the same file as input {text}; choose another output path")
    if out.exists() and not overwrite:
        raise TrackerError(f"output exists: {out} (pass --overwrite or choose another path)")
    if video:
        check_video_suffix(out)
    return out


def _begin(path) -> AtomicFile:
    """The sink's transactional file: a caller's already reserved one, or a new one begun here."""
    if isinstance(path, AtomicFile):
        if not path.active:
            raise TrackerError(f"{path.path}: output is {path.state}, not open for writing")
        return path
    return AtomicFile(path, begin=True)


def _keep(exc_type) -> bool:
    """A ``with`` block's output is kept when it ends normally or by Ctrl-C (the frames so far), and
    dropped on an error (the old file stays)."""
    return exc_type is None or issubclass(exc_type, KeyboardInterrupt)


_STOP = object()


class QueuedWorker:
    """One bounded queue and one thread that runs ``_handle(item)`` for each queued item, in order.

    ``_submit`` blocks when the thread is ``queue_size`` items behind (memory stays bounded). After a
    failure the thread keeps draining so producers never block; ``_raise_if_failed`` reports it.
    """

    _error: BaseException | None = None

    def _start_worker(self, name: str, queue_size: int = 16) -> None:
        self._error = None
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, int(queue_size)))
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def _handle(self, item) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _work(self) -> None:
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is _STOP:
                        return
                    if self._error is None:
                        self._handle(item)
                finally:
                    self._queue.task_done()
        except BaseException as exc:
            self._error = exc
            while True:
                item = self._queue.get()
                self._queue.task_done()
                if item is _STOP:
                    return

    def _submit(self, item) -> None:
        self._queue.put(item)

    def flush(self) -> None:
        """Wait until everything queued so far is handled (written to the temporary file)."""
        self._queue.join()
        self._raise_if_failed()

    def _finish_worker(self) -> None:
        """Wait until every queued item is handled (or the thread failed)."""
        self._queue.put(_STOP)
        self._thread.join(timeout=60)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise TrackerError(f"{self.path}: writing failed ({type(self._error).__name__}: {self._error})")


# -- video --------------------------------------------------------------------------------------



@functools.lru_cache(maxsize=1)
def _ffmpeg_with_x264() -> str | None:
    """Path of imageio-ffmpeg's ffmpeg binary if it has libx264, else None."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        out = subprocess.run(
            [exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except Exception:
        return None
    return exe if "libx264" in out else None


class VideoSink(QueuedWorker):
    """Write each result's frame (``result.image``, BGR) to a video file on a background thread.

    ``codec="auto"`` prefers H.264 (libx264, yuv420p, fragmented mp4 -> browser-playable and playable
    after an interruption) through the ffmpeg shipped with ``imageio-ffmpeg``, and falls back to
    OpenCV's ``mp4v``. ``codec_used`` says which one was picked. Odd frame sizes are padded to even
    (yuv420p needs even dimensions).

    Args:
        path: output file (``.mp4`` recommended; see :data:`VIDEO_SUFFIXES`), or an
            :class:`~tracker.io.atomic.AtomicFile` the caller reserved; the frames go to its temporary
            file until :meth:`close` moves it into place.
        fps: frame rate written into the file.
        size: ``(width, height)`` of the frames that will be written.
        codec: ``"auto"``, ``"h264"`` (ffmpeg required) or a FourCC for OpenCV such as ``"mp4v"``.
        queue_size: frames buffered for the encoder thread.
        crf: x264 quality (lower is better/larger).
    """

    def __init__(
        self,
        path: str | os.PathLike | AtomicFile,
        fps: float,
        size: tuple[int, int],
        codec: str = "auto",
        *,
        queue_size: int = 16,
        crf: int = 23,
    ) -> None:
        self.path = path.path if isinstance(path, AtomicFile) else Path(os.fspath(path))
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.width, self.height = int(size[0]), int(size[1])
        if self.width <= 0 or self.height <= 0:
            raise TrackerError(f"video size must be positive, got {size}")
        check_video_suffix(self.path)
        self.frames_written = 0
        self._error: BaseException | None = None
        self._stderr = ""
        self._closed = False
        self._proc: subprocess.Popen | None = None
        self._cv_writer = None
        codec = (codec or "auto").lower()
        exe = _ffmpeg_with_x264() if codec in ("auto", "h264", "libx264", "avc1") else None
        if exe is None and codec in ("h264", "libx264"):
            raise TrackerError("H.264 output needs the ffmpeg binary from imageio-ffmpeg (pip install imageio-ffmpeg)")
        self._file = _begin(path)
        try:
            if exe is not None:
                self._start_ffmpeg(exe, crf)
                self.codec_used = "h264 (ffmpeg from imageio-ffmpeg)"
            else:
                fourcc = "mp4v" if codec in ("auto", "avc1") else codec
                self._start_opencv(fourcc)
                self.codec_used = f"{fourcc} (OpenCV)"
        except BaseException:
            self._file.discard()
            raise
        self._start_worker(f"video-sink:{self.path.name}", queue_size)

    def _start_ffmpeg(self, exe: str, crf: int) -> None:
        self._pad_w, self._pad_h = self.width + self.width % 2, self.height + self.height % 2
        cmd = [
            exe, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{self._pad_w}x{self._pad_h}",
            "-r", f"{self.fps:.6g}", "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(int(crf)), "-pix_fmt", "yuv420p",
            # Fragmented mp4 with a keyframe every second: each keyframe closes a fragment, so even a
            # killed encoder leaves a file that plays up to the last second it finished.
            "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-g", str(max(1, int(round(self.fps)))),
            "-flush_packets", "1",
            str(self._file.temp),
        ]  # fmt: skip
        # start_new_session: the terminal's SIGINT goes to us only; we then close stdin so ffmpeg finishes.
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )

    def _start_opencv(self, fourcc: str) -> None:
        import cv2

        self._pad_w, self._pad_h = self.width, self.height
        writer = cv2.VideoWriter(str(self._file.temp), cv2.VideoWriter_fourcc(*fourcc[:4].ljust(4)), self.fps,
                                 (self.width, self.height))  # fmt: skip
        if not writer.isOpened():
            raise TrackerError(f"{self.path}: OpenCV cannot write video with codec {fourcc!r}")
        self._cv_writer = writer

    def _handle(self, item) -> None:
        if self._proc is not None:
            self._proc.stdin.write(memoryview(np.ascontiguousarray(item)).cast("B"))
        else:
            self._cv_writer.write(item)
        self.frames_written += 1

    def write(self, result) -> None:
        """Queue ``result.image`` (a :class:`~tracker.records.FrameResult`); see :meth:`write_image`."""
        if result.image is None:
            raise TrackerError(f"{self.path}: a video needs frames, and this result has none (a detection file?)")
        self.write_image(result.image)

    def write_image(self, image_bgr: np.ndarray) -> None:
        """Queue one BGR uint8 frame of the declared size (blocks when the encoder is behind)."""
        if self._closed:
            raise TrackerError(f"{self.path}: video sink is closed")
        self._raise_if_failed()
        img = np.asarray(image_bgr)
        if img.ndim == 2:
            img = np.repeat(img[:, :, None], 3, axis=2)
        if img.shape[:2] != (self.height, self.width) or img.shape[2] != 3:
            raise FrameSizeError(
                f"{self.path}: a frame is {img.shape[1]}x{img.shape[0]} but the video is {self.width}x{self.height} "
                "(a video needs frames of one size: an image folder of mixed sizes?)"
            )
        if img.dtype != np.uint8:
            img = np.clip(img, 0, 255).astype(np.uint8)
        if (self._pad_w, self._pad_h) != (self.width, self.height):
            import cv2

            img = cv2.copyMakeBorder(img, 0, self._pad_h - self.height, 0, self._pad_w - self.width, cv2.BORDER_REPLICATE)
        else:
            # The caller may reuse its buffer while the frame waits in the queue.
            img = img.copy()
        self._submit(img)

    def _ffmpeg_stderr(self) -> str:
        """ffmpeg's last error line once it has exited ('' while it runs; read once, kept)."""
        proc = self._proc
        if proc is not None and proc.poll() is not None and proc.stderr is not None and not proc.stderr.closed:
            try:
                self._stderr = proc.stderr.read().decode(errors="replace").strip()
            except (OSError, ValueError):
                pass
            proc.stderr.close()
        lines = self._stderr.splitlines()
        return lines[-1] if lines else ""

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            detail = self._ffmpeg_stderr()
            detail = f": {detail}" if detail else ""
            raise TrackerError(f"{self.path}: video encoding failed ({type(self._error).__name__}){detail}")

    def close(self, commit: bool = True) -> None:
        """Flush queued frames, finalise the file and move it into place (``commit=False``: drop it).

        Safe to call twice and after ``KeyboardInterrupt``. When encoding failed the file is dropped
        (an old one is kept) and :class:`TrackerError` says why.
        """
        if self._closed:
            return
        self._closed = True
        ok = False
        try:
            self._finish_worker()
            status = 0
            if self._proc is not None:
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass
                try:
                    self._proc.wait(timeout=60)
                except subprocess.TimeoutExpired:  # pragma: no cover - a wedged encoder
                    self._proc.kill()
                    self._proc.wait()
                status = self._proc.returncode
            if self._cv_writer is not None:
                self._cv_writer.release()
            self._raise_if_failed()
            if status != 0:
                last = self._ffmpeg_stderr()
                raise TrackerError(
                    f"{self.path}: video encoding failed: ffmpeg exited with {status}" + (f": {last}" if last else "")
                )
            ok = True
        finally:
            if commit and ok:
                self._file.commit()
            else:
                self._file.discard()

    def __enter__(self) -> "VideoSink":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(commit=_keep(exc_type))


# -- text sinks ---------------------------------------------------------------------------------


def _open_text(file: AtomicFile) -> IO[str]:
    try:
        return open(file.temp, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise TrackerError(f"cannot write {file.path}: {exc.strerror}") from None


def _label(class_id: int, class_names: Sequence[str] | None) -> str:
    if class_names is not None and 0 <= class_id < len(class_names):
        return str(class_names[class_id])
    return str(class_id)


def track_records(tracks, class_names: Sequence[str] | None = None) -> list[dict]:
    """Tracks as JSON-ready dicts: ``{"id", "xyxy" (2 dp), "score", "class_id", "label"[, "mask" RLE]
    [, "keypoints" [[x, y, score] x K], null where NaN (a coasting track has no detection to take them from)]}``."""
    out = []
    mask = getattr(tracks, "mask", None)
    data = getattr(tracks, "data", None) or {}
    keypoints = np.asarray(data["keypoints"], np.float64) if data.get("keypoints") is not None else None
    for i in range(len(tracks)):
        cid = int(tracks.class_id[i])
        rec = {
            "id": int(tracks.track_id[i]),
            "xyxy": [round(float(v), 2) for v in tracks.xyxy[i]],
            "score": round(float(tracks.score[i]), 4),
            "class_id": cid,
            "label": _label(cid, class_names),
        }
        if mask is not None:
            rec["mask"] = mask_to_rle(np.asarray(mask[i], bool))
        if keypoints is not None:
            rec["keypoints"] = [[None if not np.isfinite(v) else round(float(v), 2 if j < 2 else 4) for j, v in enumerate(p)]
                                for p in keypoints[i]]  # fmt: skip
        out.append(rec)
    return out


class _TextSink(QueuedWorker):
    """A text output: ``write(result)`` queues the frame; the sink's thread formats it (:meth:`_format`)
    and writes it to the temporary file in one call, flushed per frame (a killed run leaves whole
    frames), and ``close`` moves the file into place."""

    def __init__(self, path: str | os.PathLike | AtomicFile, queue_size: int = 64) -> None:
        self.path = path.path if isinstance(path, AtomicFile) else Path(os.fspath(path))
        self._file = _begin(path)
        try:
            self._fh = _open_text(self._file)
        except BaseException:
            self._file.discard()
            raise
        self._start_worker(f"{type(self).__name__}:{self.path.name}", queue_size)

    def _format(self, result) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _handle(self, result) -> None:
        self._emit(self._format(result))

    def write(self, result) -> None:
        """Queue one frame's :class:`~tracker.records.FrameResult` (blocks when the writer is behind)."""
        if self._fh.closed:
            raise TrackerError(f"{self.path}: sink is closed")
        self._raise_if_failed()
        self._submit(result)

    def _emit(self, text: str) -> None:
        if text:
            self._fh.write(text)
            self._fh.flush()

    def close(self, commit: bool = True) -> None:
        """Write what is queued, close the file and move it into place (``commit=False``: drop it, keep
        the old file). Idempotent. A failed write drops the file and raises :class:`TrackerError`."""
        if self._fh.closed:
            return
        try:
            self._finish_worker()
            self._fh.close()
            self._raise_if_failed()
        except BaseException:
            self._file.discard()
            raise
        if commit:
            self._file.commit()
        else:
            self._file.discard()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(commit=_keep(exc_type))


class MotSink(_TextSink):
    """MOTChallenge result file: ``frame,id,x,y,w,h,score,-1,-1,-1`` rows, 1-based frames, flushed per frame."""

    def _format(self, result) -> str:
        from .mot import write_rows

        buf = io.StringIO()
        tracks = result.tracks
        write_rows(buf, int(result.frame_index) + 1, tracks.track_id, tracks.xyxy, tracks.score)
        return buf.getvalue()


class JsonLinesSink(_TextSink):
    """One JSON object per frame: ``{"frame": i, "tracks": [{"id", "xyxy", "score", "class_id", "label"}]}``.

    With masks, each track also gets ``"mask": {"size": [h, w], "counts": <COCO RLE string>}``; with
    keypoints (a pose detector), ``"keypoints": [[x, y, score] x 17]`` (null where unknown). With
    ``analytics`` (an :class:`~tracker.analytics.outputs.AnalyticsFeed` written before this sink), the
    record also gets ``"analytics"``: the counts so far, taken when the frame is queued.
    """

    def __init__(self, path, class_names: Sequence[str] | None = None, analytics=None) -> None:
        super().__init__(path)
        self.class_names = list(class_names) if class_names is not None else None
        self.analytics = analytics

    def write(self, result) -> None:
        # The counts are read now, in the caller's thread: the writer thread runs frames behind.
        super().write(result if self.analytics is None else (result, self.analytics.counts()))

    def _format(self, item) -> str:
        result, counts = item if isinstance(item, tuple) else (item, None)
        rec = {"frame": int(result.frame_index), "tracks": track_records(result.tracks, self.class_names)}
        if counts is not None:
            rec["analytics"] = counts
        return json.dumps(rec, separators=(",", ":")) + "\n"


class CsvSink(_TextSink):
    """CSV with a header and one row per track: ``frame,id,x1,y1,x2,y2,score,class_id,label`` (masks omitted)."""

    HEADER = ("frame", "id", "x1", "y1", "x2", "y2", "score", "class_id", "label")

    def __init__(self, path, class_names: Sequence[str] | None = None) -> None:
        super().__init__(path)
        self.class_names = list(class_names) if class_names is not None else None
        self._submit(_Text(self._rows([self.HEADER])))

    @staticmethod
    def _rows(rows) -> str:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue()

    def _format(self, result) -> str:
        if isinstance(result, _Text):
            return result
        rows = [
            [int(result.frame_index), rec["id"], *rec["xyxy"], rec["score"], rec["class_id"], rec["label"]]
            for rec in track_records(_no_mask(result.tracks), self.class_names)
        ]
        return self._rows(rows) if rows else ""


class _Text(str):
    """Text queued as is (the CSV header)."""


def _no_mask(tracks):
    """The tracks without masks (CSV has no place for them; RLE-encoding them would be wasted work)."""
    from dataclasses import replace

    return tracks if getattr(tracks, "mask", None) is None else replace(tracks, mask=None)
