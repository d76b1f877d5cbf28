"""Many live streams, one detector: ``tracker.live_multi(sources)`` yields ``(stream_index, FrameResult)``.

::

    import tracker
    with tracker.live_multi(["rtsp://cam1/", "rtsp://cam2/"], embedder=None) as streams:
        for i, result in streams:
            print(i, result.frame_index, result.tracks.track_id)
            print(streams.stats())  # per stream: frames, dropped, reconnects, connected, fps

* One capture thread per stream keeps only its newest frame (:func:`tracker.io.sources.open_source`
  with ``live=True``, plus a one-frame slot here), so a slow tick drops stale frames (counted) instead
  of queueing them.
* Each tick takes the newest unprocessed frame of every stream that has one and makes ONE detector
  call on them all (``detect_batch`` when the detector has it, else one call per frame); then each
  stream's own :class:`~tracker.pipeline.Pipeline` (shared models, its own tracker) embeds and tracks.
  Streams never share track ids: each tracker counts from 1.
* A stream that drops (the server goes away, the network breaks, reads time out) is reopened with
  exponential backoff (``backoff=(first, longest)`` seconds, doubling; attempts unlimited unless
  ``max_reconnects``) while the others go on. Video files are not reopened: their end is the end.

Ids after a gap: the tracker only ages tracks when it gets frames, so on reconnect the gap is charged
to it as missed frames: ``round(gap_seconds * fps)`` empty updates (the stream's fps, else 30), at most
``max_age + 1``. Tracks missed for no more than ``max_age`` frames therefore keep their ids if the
objects are still where the Kalman prediction puts them; after a longer gap every track is gone and
objects get new ids.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from .errors import TrackerError

__all__ = ["MultiStream", "charge_gap", "live_multi"]

#: Backoff of reopening a dropped stream: first wait and the longest wait, seconds (doubling between).
#: 0.5 s retries a restarted server about at once; 8 s caps the wait once it is back (and keeps a
#: dead camera from costing more than one failed open per 8 s).
BACKOFF = (0.5, 8.0)
DEFAULT_FPS = 30.0


@dataclass
class _Taken:
    index: int
    image: np.ndarray
    timestamp: float
    gap_frames: int  # missed frames to charge to the tracker before this one (after a reconnect)


class _Stream:
    """One source on its own thread; ``take()`` returns the newest frame not yet taken."""

    def __init__(self, index: int, spec: Any, start: float, wake: threading.Condition, backoff, max_reconnects) -> None:
        from .io.sources import STREAM_SCHEMES, open_source

        self.index = index
        self.spec = spec
        self.name = str(spec)
        self._open = open_source
        text = os.fspath(spec) if not isinstance(spec, int) else str(spec)
        self.reopens = text.lower().startswith(STREAM_SCHEMES) or text.strip().isdigit()
        self.backoff = backoff
        self.max_reconnects = max_reconnects
        self.start = start
        self.wake = wake
        self.stop = threading.Event()
        self.frames = 0  # processed
        self.captured = 0
        self.dropped = 0  # captured but never processed (here or in the source's own slot)
        self.reconnects = 0
        self.connected = False
        self.ended = False
        self.error: str | None = None
        self.fps_estimate = 0.0
        self._latest: _Taken | None = None
        self._offset = 0
        self._pending_gap = 0
        self._down_since = time.monotonic()
        self._source = open_source(spec, live=True)  # the first open is checked now: a typo is an error
        self._current = self._source
        self.fps = self._source.fps or DEFAULT_FPS
        self.connected = True
        self._thread = threading.Thread(target=self._run, name=f"stream:{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = self.backoff[0]
        source = self._source
        while not self.stop.is_set():
            if source is None:
                try:
                    source = self._open(self.spec, live=True)
                except TrackerError as exc:
                    self.error = str(exc)
                    if self.stop.wait(delay):
                        break
                    delay = min(delay * 2, self.backoff[1])
                    continue
                self._current = source
                self.connected, self.error, delay = True, None, self.backoff[0]
                self.fps = source.fps or self.fps
                self._pending_gap = round((time.monotonic() - self._down_since) * self.fps)
            last = -1
            try:
                for frame in source:
                    last = frame.index
                    item = _Taken(self._offset + frame.index, frame.image, time.monotonic() - self.start, 0)
                    with self.wake:
                        if self._latest is not None:
                            self.dropped += 1
                        item.gap_frames, self._pending_gap = self._pending_gap, 0
                        if self._latest is not None:  # an untaken frame still owes its gap
                            item.gap_frames += self._latest.gap_frames
                        self._latest = item
                        self.captured += 1
                        self.wake.notify_all()
                    if self.stop.is_set():
                        break
            except Exception as exc:  # noqa: BLE001 - a broken stream is reopened, not fatal to the others
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                source.close()
                with self.wake:
                    self.dropped += source.dropped
                    self._current = None
            source = None
            self.connected = False
            self._down_since = time.monotonic()
            self._offset += last + 1
            if self.stop.is_set() or not self.reopens:
                break
            if self.max_reconnects is not None and self.reconnects >= self.max_reconnects:
                self.error = self.error or f"gave up after {self.reconnects} reconnects"
                break
            self.reconnects += 1
            if self.stop.wait(delay):
                break
        with self.wake:
            self.ended = True
            self.connected = False
            self.wake.notify_all()

    def take(self) -> _Taken | None:
        """The newest frame not taken yet (call with ``wake`` held)."""
        item, self._latest = self._latest, None
        return item

    @property
    def all_dropped(self) -> int:
        """Frames captured but never processed, including those the open source skipped itself."""
        current = self._current
        return self.dropped + (current.dropped if current is not None else 0)

    @property
    def has_frame(self) -> bool:
        return self._latest is not None

    def close(self) -> None:
        self.stop.set()
        src = self._current
        if src is not None:
            try:
                src.close()  # unblocks the reader at once instead of at the stream's next frame
            except RuntimeError:
                # The reader has marked the source started but not yet started its thread: that thread
                # sees the stop set by close() and ends at once.
                pass
        self._thread.join(timeout=5.0)


def charge_gap(tracker: Any, missed: int) -> None:
    """Age ``tracker`` by ``missed`` frames without detections (at most ``max_age + 1``: by then every
    track is gone), so an outage counts against ``max_age`` as the frames it lasted would have."""
    from .detections import Detections

    for _ in range(min(int(missed), tracker.config.max_age + 1)):
        tracker.update(Detections.empty())


class MultiStream:
    """Iterate ``(stream_index, FrameResult)`` over several live sources with batched detection.

    Built by :func:`live_multi`; use as a context manager or call :meth:`close`.
    """

    def __init__(self, sources: Sequence[Any], models: Any, pipelines: list, backoff, max_reconnects) -> None:
        self.models = models
        self.pipelines = pipelines
        self._wake = threading.Condition()
        self._start = time.monotonic()
        self.streams: list[_Stream] = []
        self._closed = False
        try:
            for i, spec in enumerate(sources):
                self.streams.append(_Stream(i, spec, self._start, self._wake, backoff, max_reconnects))
        except BaseException:
            self.close()
            raise
        self._fps = [None] * len(self.streams)
        self._last = [None] * len(self.streams)
        self.ticks = 0
        self.detect_seconds = 0.0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        detector = self.models.detector
        batched = hasattr(detector, "detect_batch")
        try:
            while not self._closed:
                with self._wake:
                    while not any(s.has_frame for s in self.streams):
                        if self._closed or all(s.ended for s in self.streams):
                            return
                        self._wake.wait(0.1)
                    tick = [(s, s.take()) for s in self.streams if s.has_frame]
                images = [item.image for _, item in tick]
                t0 = time.perf_counter()
                dets = detector.detect_batch(images) if batched else [detector(im) for im in images]
                shared = (time.perf_counter() - t0) / len(images)
                self.detect_seconds += shared * len(images)
                self.ticks += 1
                for (stream, item), det in zip(tick, dets):
                    pipeline = self.pipelines[stream.index]
                    charge_gap(pipeline.tracker, item.gap_frames)
                    result = pipeline.process(item.image, item.index, item.timestamp, det)
                    result.timings["detect"] = shared
                    stream.frames += 1
                    self._tick_fps(stream.index)
                    yield stream.index, result
        finally:
            self.close()

    def _tick_fps(self, i: int) -> None:
        now = time.perf_counter()
        if self._last[i] is not None:
            inst = 1.0 / max(now - self._last[i], 1e-6)
            self._fps[i] = inst if self._fps[i] is None else 0.9 * self._fps[i] + 0.1 * inst
        self._last[i] = now

    def stats(self) -> list[dict]:
        """Per stream: name, frames processed, dropped, reconnects, connected, ended, fps, last error."""
        return [
            {
                "stream": s.index,
                "name": s.name,
                "frames": s.frames,
                "dropped": s.all_dropped,
                "reconnects": s.reconnects,
                "connected": s.connected,
                "ended": s.ended,
                "fps": round(self._fps[s.index] or 0.0, 2),
                "error": s.error,
            }
            for s in self.streams
        ]

    def close(self) -> None:
        """Stop every capture thread and release the sources (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for s in self.streams:
            s.close()

    def __enter__(self) -> "MultiStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_streams(
    streams: MultiStream,
    sinks: Sequence[Sequence[Any]],
    *,
    max_frames: int | None = None,
    status: Any = None,
    status_every: float = 1.0,
) -> tuple[int, bool]:
    """Route each stream's results to that stream's sinks (``sinks[i]``), like
    :func:`tracker.runner.write_frames` for one source: a frame reaches all of its stream's sinks or none,
    Ctrl-C/SIGTERM end the run, a sink raising :class:`~tracker.stops.StopRun` (a closed window) ends it
    after that frame. ``status(stats)`` is called every ``status_every`` seconds. The sinks are closed at
    the end, kept when any frame was written. Returns ``(frames, interrupted)``.
    """
    from . import stops
    from .runner import close_sinks

    frames = 0
    interrupted = False
    last = time.monotonic()
    try:
        with streams:
            for i, result in streams:
                stop = None
                with stops.deferred():
                    for sink in sinks[i]:
                        try:
                            sink.write(result)
                        except stops.StopRun as exc:
                            stop = exc
                    frames += 1
                if stop is not None or (max_frames and frames >= max_frames):
                    break
                if status is not None and time.monotonic() - last >= status_every:
                    last = time.monotonic()
                    status(streams.stats())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        with stops.deferred():
            close_sinks([s for group in sinks for s in group], commit=frames > 0)
    return frames, interrupted


def live_multi(
    sources: Sequence[Any],
    *,
    detector: Any = None,
    embedder: Any = "mobilenetv2",
    classes: Sequence[str] | str | None = None,
    conf: float | None = None,
    appearance: str = "full",
    backoff: tuple[float, float] = BACKOFF,
    max_reconnects: int | None = None,
    **tracker_options: Any,
) -> MultiStream:
    """Track several live sources (stream URLs, cameras, or files replayed in real time) with one detector.

    Returns a :class:`MultiStream`: iterate it for ``(stream_index, FrameResult)``, in the order frames
    are processed (each tick, streams in index order). ``embedder=None`` tracks by motion only.
    ``backoff`` and ``max_reconnects`` govern reopening a dropped stream (see the module docstring,
    which also gives the id behaviour after a gap). Raises :class:`TrackerError` when a source cannot
    be opened at the start.
    """
    from .pipeline import Pipeline

    if not sources:
        raise TrackerError("live_multi needs at least one source")
    lo, hi = float(backoff[0]), float(backoff[1])
    if not 0 < lo <= hi:
        raise TrackerError(f"backoff must be (first, longest) with 0 < first <= longest, got {backoff}")
    models = Pipeline(detector, embedder, classes=classes, conf=conf, appearance=appearance, **tracker_options)
    pipelines = [
        Pipeline(models.detector, models.embedder, appearance=appearance, **tracker_options) for _ in sources
    ]
    return MultiStream(list(sources), models, pipelines, (lo, hi), max_reconnects)
