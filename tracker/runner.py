"""Drive results into sinks: the one frame loop behind ``tracker track``, ``tracker segment`` and
:meth:`tracker.Pipeline.run`.

:func:`write_frames` writes every result to every sink (a frame reaches all of them or none, even when
Ctrl-C or SIGTERM arrives: see :mod:`tracker.stops`) and closes the sinks at the end. :func:`drive`
consumes such a stream with an optional progress bar and frame limit and turns a stop into a count
of the frames done instead of an exception.
"""

from __future__ import annotations

import inspect
import sys
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from . import stops
from .errors import TrackerError
from .records import FrameResult, Sink

__all__ = ["RunStats", "write_frames", "drive", "close_sinks", "summary"]


def _close(sink: Sink, commit: bool) -> None:
    close = sink.close
    try:
        takes_commit = "commit" in inspect.signature(close).parameters
    except (TypeError, ValueError):  # builtins without a signature
        takes_commit = False
    close(commit=commit) if takes_commit else close()


def close_sinks(sinks: Sequence[Sink], commit: bool) -> None:
    """Close every sink (``commit=False``: sinks that can drop their output do). One sink failing to
    finish does not stop the others; the first error is raised after all are closed."""
    error: BaseException | None = None
    for sink in sinks:
        try:
            _close(sink, commit)
        except TrackerError as exc:
            error = error or exc
    if error is not None:
        raise error


def write_frames(results: Iterable[FrameResult], sinks: Sequence[Sink] = ()) -> Iterator[FrameResult]:
    """Write each result to every sink, then yield it; close the sinks when the stream ends.

    The outputs are committed when at least one frame was written or the stream ended normally (an
    empty input gives empty files); a stop or error before the first frame drops them and keeps any
    old files. A sink raising :class:`~tracker.stops.StopRun` ends the stream after that frame.
    """
    sinks = list(sinks)
    written = 0
    completed = False
    try:
        for result in results:
            stop = None
            with stops.deferred():  # a frame reaches every output or none
                for sink in sinks:
                    try:
                        sink.write(result)
                    except stops.StopRun as exc:
                        stop = exc
                written += 1
            yield result
            if stop is not None:
                break
        completed = True
    finally:
        with stops.deferred():  # a stop during the clean-up waits until the files are in place
            close_sinks(sinks, commit=completed or written > 0)


@dataclass
class RunStats:
    """What a :func:`drive` run did: frames, distinct track ids, wall time and whether a stop ended it."""

    frames: int = 0
    track_ids: set[int] = field(default_factory=set)
    wall: float = 0.0
    busy: float = 0.0  # seconds the stages reported in ``result.timings``
    interrupted: bool = False


def drive(
    results: Iterable[FrameResult],
    *,
    max_frames: int | None = None,
    progress: bool = False,
    total: int | None = None,
    desc: str | None = None,
) -> RunStats:
    """Consume ``results`` (e.g. :meth:`Pipeline.run <tracker.pipeline.Pipeline.run>`), with a tqdm bar
    on stderr when ``progress``; Ctrl-C/SIGTERM end it with ``interrupted`` set instead of raising."""
    stats = RunStats()
    bar = None
    if progress:
        from tqdm import tqdm

        if max_frames and total:
            total = min(total, max_frames)
        bar = tqdm(total=total or max_frames, unit="frame", desc=desc, file=sys.stderr)
    t0 = time.perf_counter()
    it = iter(results)
    try:
        for result in it:
            stats.frames += 1
            stats.track_ids.update(int(t) for t in result.tracks.track_id)
            stats.busy += sum(result.timings.values())
            if bar is not None:
                bar.update(1)
            if max_frames and stats.frames >= max_frames:
                break
    except KeyboardInterrupt:
        stats.interrupted = True
    finally:
        close = getattr(it, "close", None)
        if close is not None:  # finish a generator now (its sinks close), not when it is collected
            try:
                close()
            except KeyboardInterrupt:
                stats.interrupted = True
        if bar is not None:
            bar.close()
        stats.wall = time.perf_counter() - t0
    return stats


def summary(stats: RunStats, source, pipeline=None, outputs: Sequence[str] = (), analytics=None) -> str:
    """One paragraph for stderr: frames, speed, tracks, per-stage times, dropped/truncated input, the
    analytics' totals (an :class:`~tracker.analytics.Analytics`), outputs.

    ``source`` is an opened :class:`~tracker.io.sources.Source` (with ``pipeline``) or a
    :class:`~tracker.io.mot.Sequence` (tracked from its detections, no pipeline).
    """
    n, wall = stats.frames, stats.wall
    counts = ""
    if analytics is not None:
        from .analytics.outputs import summary_line

        counts = " " + summary_line(analytics)
    if pipeline is None:  # a detection file: the tracker's own speed is the figure of interest
        return (
            f"{source.info.name}: {'interrupted after ' if stats.interrupted else ''}{n} frames, "
            f"{len(stats.track_ids)} tracks, tracker {n / max(stats.busy, 1e-9):.0f} frames/s "
            f"({wall:.2f} s including file I/O){'.' + counts if counts else ''}"
        )
    from .device import describe_device

    per = ", ".join(f"{k} {1000 * v / max(n, 1):.1f} ms" for k, v in pipeline.totals.items() if v > 0)
    parts = [
        f"{'Interrupted after' if stats.interrupted else 'Tracked'} {n} frames of {source.name} in {wall:.1f} s "
        f"({n / max(wall, 1e-9):.1f} frames/s) on {describe_device()}: {len(stats.track_ids)} tracks.",
        f"Per frame: {per}.",
    ]
    if getattr(source, "is_live", False):
        parts.append(f"Dropped {source.dropped} stale frames.")
    if getattr(source, "truncated_at", None) is not None:
        parts.append(f"Input ended at frame {source.truncated_at} of {source.length} (truncated or corrupt).")
    if counts:
        parts.append(counts.strip())
    if outputs:
        parts.append("Wrote " + ", ".join(str(o) for o in outputs) + ".")
    return " ".join(parts)
