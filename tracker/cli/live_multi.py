"""``tracker live SRC1 SRC2 ...``: several live sources through one batched detector (:mod:`tracker.multistream`).

``tracker.cli.live`` calls :func:`run_multi` when it is given more than one source. Per-stream outputs:
``--mot-out x.txt`` writes ``x-0.txt``, ``x-1.txt``, ... (the stream's index among the sources), the same
for ``--json-out`` and ``--csv-out``, each transactional like ``tracker track``'s. A status line on
stderr (every second) and, with ``--show``, one window per stream give each stream's FPS, dropped frames
and reconnects.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

from ..errors import TrackerError

STATUS_EVERY_S = 1.0


def stream_paths(path: str | None, n: int) -> list[Path | None]:
    """``out.txt`` -> ``out-0.txt``, ``out-1.txt``, ... for ``n`` streams (None when not asked for)."""
    if not path:
        return [None] * n
    p = Path(path)
    return [p.with_name(f"{p.stem}-{i}{p.suffix}") for i in range(n)]


def run_multi(args, sources: Sequence[str] | None = None) -> int:
    """Run live tracking on ``sources`` (default ``args.sources``) with the options of ``tracker live``."""
    from ..io.atomic import check_distinct, reserve
    from ..io.sinks import CsvSink, JsonLinesSink, MotSink, check_output_path
    from ..multistream import live_multi
    from ._signals import run_stoppable

    sources = list(sources if sources is not None else args.sources)
    if getattr(args, "out", None):
        raise TrackerError("--out with several sources is not supported; run one `tracker live` per annotated video")
    kinds = (("mot", "--mot-out", MotSink), ("json", "--json-out", JsonLinesSink), ("csv", "--csv-out", CsvSink))
    named = []
    for key, flag, _ in kinds:
        for i, path in enumerate(stream_paths(getattr(args, flag[2:].replace("-", "_"), None), len(sources))):
            if path is not None:
                check_output_path(path, inputs=sources)
                named.append((f"{flag} (stream {i})", path, (key, i)))
    check_distinct([(label, path) for label, path, _ in named])
    reserved = reserve((key, path) for _, path, key in named)  # type: ignore[misc]

    def body(stops) -> int:
        sinks: dict = {}
        frames = 0
        interrupted = False
        try:
            streams = live_multi(
                sources, detector=args.detector, embedder=None if args.no_appearance else args.embedder,
                classes=args.classes, conf=args.conf, appearance=args.appearance, **_tracker_options(args),
            )  # fmt: skip
            names = streams.models.class_names
            for (key, i), f in reserved.items():
                make = {"mot": MotSink, "json": JsonLinesSink, "csv": CsvSink}[key]
                sinks[(key, i)] = make(f) if key == "mot" else make(f, names)
            displays = _displays(args, len(sources))
            last = time.monotonic()
            try:
                with streams:
                    for i, result in streams:
                        with stops.deferred():
                            for (key, j), sink in sinks.items():
                                if j == i:
                                    index = result.frame_index + (1 if key == "mot" else 0)
                                    sink.write(index, result.tracks)
                            frames += 1
                        if displays and not _show(displays[i], result, names, streams.stats()[i]):
                            break
                        if time.monotonic() - last >= STATUS_EVERY_S and not args.quiet:
                            last = time.monotonic()
                            print(_status(streams.stats()), file=sys.stderr, flush=True)
                        if args.max_frames and frames >= args.max_frames:
                            break
            except KeyboardInterrupt:
                interrupted = True
            finally:
                for d in displays:
                    d.close()
            if not args.quiet:
                print("Stopped. " + _status(streams.stats()), file=sys.stderr)
        finally:
            with stops.deferred():
                for sink in sinks.values():
                    sink.close(commit=frames > 0)
                for f in reserved.values():
                    f.discard()
        return stops.exit_code if interrupted else 0

    return run_stoppable(body)


def _tracker_options(args) -> dict:
    return {k: getattr(args, k) for k in ("max_age", "n_init") if getattr(args, k, None) is not None}


def _status(stats: list[dict]) -> str:
    return " | ".join(
        f"[{s['stream']}] {s['fps']:.1f} FPS, {s['frames']} frames, dropped {s['dropped']}"
        + (f", reconnects {s['reconnects']}" if s["reconnects"] else "")
        + ("" if s["connected"] or s["ended"] else ", reconnecting")
        for s in stats
    )


def _displays(args, n: int) -> list:
    if not getattr(args, "show", False):
        return []
    from ..live import Display

    return [Display(f"tracker {i}") for i in range(n)]


def _show(display, result, names, stat: dict) -> bool:
    from ..draw import draw_text, draw_tracks

    image = result.image
    draw_tracks(image, result.tracks, names, None)
    draw_text(image, f"{stat['fps']:.1f} FPS  dropped {stat['dropped']}")
    return display.show(image)
