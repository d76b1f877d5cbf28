"""The annotated video: each result's frame with track boxes, ids, trails and an FPS badge.

:class:`Annotator` draws (it keeps the trails and the frame rate between frames); :class:`AnnotatedVideoSink`
is the :class:`~tracker.records.Sink` that draws with one and encodes through
:class:`~tracker.io.sinks.VideoSink` (whose own thread and bounded queue do the encoding).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Sequence

import numpy as np

from ..io.sinks import VideoSink
from .draw import draw_badge, draw_tracks

__all__ = ["Annotator", "AnnotatedVideoSink", "annotated_sinks"]


class Annotator:
    """Draw a :class:`~tracker.records.FrameResult` onto its own image (in place) and return the image.

    Args:
        class_names: labels for ``class_id``.
        trail: points kept per track (box bottom-centres, newest last). A trail is dropped as soon as
            its track is no longer in the output (ended, or lost longer than the tracker coasts), so
            memory stays bounded on endless streams.
        badge: draw a frames-per-second badge (an exponential moving average of the time between
            results, 0.1 weight on the newest) in the corner that hides least of the tracks.
        extra: a function of nothing returning text appended to the badge (live mode: dropped frames).
        overlays: more annotators, each ``overlay(image, result)`` drawing in place, called in order
            before the tracks (so boxes stay on top): e.g. :class:`~tracker.render.analytics.AnalyticsOverlay`
            (lines, zones, counts, dwell) or :class:`~tracker.render.analytics.HeatMapOverlay`.
        skeletons: draw ``tracks.data["keypoints"]`` (a pose detector's) as skeletons in the track colours.

    Calling it twice with the same result draws once, so a video sink and a window can share it.
    """

    def __init__(
        self,
        class_names: Sequence[str] | None = None,
        trail: int = 30,
        badge: bool = True,
        extra: Callable[[], str] | None = None,
        overlays: Sequence[Callable[[np.ndarray, object], object]] = (),
        skeletons: bool = True,
    ) -> None:
        self.class_names = list(class_names) if class_names is not None else None
        self.trail = int(trail)
        self.badge = badge
        self.extra = extra
        self.overlays = list(overlays)
        self.skeletons = skeletons
        self.trails: dict[int, deque] = {}
        self.fps: float | None = None
        self._last_time: float | None = None
        self._last_result = None

    def __call__(self, result) -> np.ndarray:
        image = result.image
        if result is self._last_result:
            return image
        self._last_result = result
        now = time.perf_counter()
        if self._last_time is not None:
            dt = max(now - self._last_time, 1e-6)
            self.fps = 1 / dt if self.fps is None else 0.9 * self.fps + 0.1 / dt
        self._last_time = now
        tracks = result.tracks
        ids = [int(t) for t in tracks.track_id]
        self.trails = {tid: self.trails.get(tid) or deque(maxlen=self.trail) for tid in ids}
        for tid, (x1, y1, x2, y2) in zip(ids, tracks.xyxy):
            self.trails[tid].append((int((x1 + x2) / 2), int(y2)))
        for overlay in self.overlays:
            overlay(image, result)
        draw_tracks(image, tracks, self.class_names, self.trails)
        keypoints = tracks.data.get("keypoints") if self.skeletons else None
        if keypoints is not None and len(tracks):
            from .draw import color_for
            from .pose import draw_skeletons

            draw_skeletons(image, keypoints, [color_for(t) for t in ids])
        if self.badge:
            text = f"{self.fps or 0.0:.1f} FPS" + (self.extra() if self.extra else "")
            draw_badge(image, text, tracks.xyxy)
        return image


class AnnotatedVideoSink:
    """A :class:`~tracker.records.Sink` writing annotated frames to a video file.

    Args:
        path: output file or a reserved :class:`~tracker.io.atomic.AtomicFile`.
        fps: frame rate of the file (the source's).
        annotator: draws each frame; a new :class:`Annotator` when None.
        realtime: live sources drop frames; repeat each written frame until the file's clock reaches
            the next result's ``timestamp``, so the file plays at the speed things happened.
        size: ``(width, height)``; by default taken from the first frame (the encoder starts then).
        codec: see :class:`~tracker.io.sinks.VideoSink`.
    """

    def __init__(self, path, fps: float | None, annotator: Annotator | None = None, *, realtime: bool = False,
                 size: tuple[int, int] | None = None, codec: str = "auto") -> None:  # fmt: skip
        self.path = path
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.annotator = annotator or Annotator()
        self.realtime = realtime
        self.codec = codec
        self.frames_written = 0
        self._video: VideoSink | None = None
        if size is not None:
            self._video = VideoSink(path, self.fps, size, codec)

    @property
    def codec_used(self) -> str:
        return self._video.codec_used if self._video is not None else "none"

    def write(self, result) -> None:
        image = self.annotator(result)
        if self._video is None:
            h, w = image.shape[:2]
            self._video = VideoSink(self.path, self.fps, (w, h), self.codec)
        repeat = 1
        if self.realtime:
            repeat = max(1, int(result.timestamp * self.fps) + 1 - self.frames_written)
        for _ in range(repeat):
            self._video.write_image(image)
        self.frames_written += repeat

    def close(self, commit: bool = True) -> None:
        """Finish the file (``commit=False`` or no frame: drop it and keep an old file)."""
        if self._video is not None:
            self._video.close(commit=commit)
        elif hasattr(self.path, "discard"):
            self.path.discard()


def annotated_sinks(video=None, show: bool = False, class_names=None, source=None, *, realtime: bool = False,
                    overlays: Sequence[Callable] = ()) -> list:  # fmt: skip
    """The annotated video (to ``video``, a path or reserved file) and/or the window, sharing one
    :class:`Annotator` so each frame is drawn once. ``source`` gives the frame rate and size (and, live,
    the dropped-frame count shown in the badge); ``overlays`` go to the :class:`Annotator`."""
    if video is None and not show:
        return []
    from .display import Display

    extra = (lambda: f"  dropped {source.dropped}") if realtime and source is not None else None
    annotator = Annotator(class_names, extra=extra, overlays=overlays)
    sinks: list = []
    if video is not None:
        w, h = getattr(source, "width", None), getattr(source, "height", None)
        fps = getattr(source, "fps", None)
        sinks.append(AnnotatedVideoSink(video, fps, annotator, realtime=realtime, size=(w, h) if w and h else None))
    if show:
        sinks.append(Display("tracker", annotator=annotator))
    return sinks
