"""``tracker live SRC1 SRC2 ...``: several live sources through one batched detector (:mod:`tracker.multistream`).

``tracker.cli.live`` calls :func:`run_multi` when it is given more than one source. Per-stream outputs:
``--mot-out x.txt`` writes ``x-0.txt``, ``x-1.txt``, ... (the stream's index among the sources), the same
for ``--json-out`` and ``--csv-out``, each transactional like ``tracker track``'s. A status line on
stderr (every second) and, with ``--show``, one window per stream give each stream's FPS, dropped frames
and reconnects.
"""

from __future__ import annotations

import sys
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
    from ..io.outputs import reserve_outputs, text_sinks
    from ..multistream import live_multi, write_streams
    from ..render.video import annotated_sinks
    from ..stops import run_stoppable
    from .options import tracker_options

    sources = list(sources if sources is not None else args.sources)
    if getattr(args, "out", None):
        raise TrackerError("--out with several sources is not supported; run one `tracker live` per annotated video")
    kinds = (("mot", "--mot-out"), ("json", "--json-out"), ("csv", "--csv-out"))
    reserved = []  # per stream: its reserved output files by key
    for i in range(len(sources)):
        named = []
        for key, flag in kinds:
            path = stream_paths(getattr(args, flag[2:].replace("-", "_"), None), len(sources))[i]
            if path is not None:
                named.append((f"{flag} (stream {i})", str(path), key))
        reserved.append(reserve_outputs(named, inputs=sources))

    def body(stops) -> int:
        try:
            streams = live_multi(
                sources, detector=args.detector, embedder=None if args.no_appearance else args.embedder,
                classes=args.classes, conf=args.conf, appearance=args.appearance, **tracker_options(args),
            )  # fmt: skip
            names = streams.models.class_names
            sinks = [
                text_sinks(group, names) + annotated_sinks(None, bool(getattr(args, "show", False)), names)
                for group in reserved
            ]
            status = None if args.quiet else (lambda stats: print(_status(stats), file=sys.stderr, flush=True))
            _, interrupted = write_streams(streams, sinks, max_frames=args.max_frames, status=status,
                                           status_every=STATUS_EVERY_S)  # fmt: skip
            if not args.quiet:
                print("Stopped. " + _status(streams.stats()), file=sys.stderr)
        finally:
            for group in reserved:
                for f in group.values():
                    f.discard()
        return stops.exit_code if interrupted else 0

    return run_stoppable(body)



def _status(stats: list[dict]) -> str:
    return " | ".join(
        f"[{s['stream']}] {s['fps']:.1f} FPS, {s['frames']} frames, dropped {s['dropped']}"
        + (f", reconnects {s['reconnects']}" if s["reconnects"] else "")
        + ("" if s["connected"] or s["ended"] else ", reconnecting")
        for s in stats
    )
