"""Option groups of ``tracker track`` and ``tracker live`` (and the checks that go with them)."""

from __future__ import annotations

import argparse

from ..errors import TrackerError
from .checks import checked

__all__ = [
    "OUTPUTS", "add_tracking_options", "analytics_given", "add_output_options", "add_analytics_options", "add_adaptation_options",
    "check_adaptation", "ignored_options", "named_outputs", "pose_detector", "refined_sinks", "tracker_options",
]  # fmt: skip


class _Default(str):
    """A default that is still the plain string, but shows it was not typed (see :func:`ignored_options`)."""


#: (flag, attribute, key) of every output ``track`` writes; the key names the sink (see ``io.outputs``).
OUTPUTS = (("--out", "out", "video"), ("--mot-out", "mot_out", "mot"), ("--json-out", "json_out", "json"),
           ("--csv-out", "csv_out", "csv"), ("--events-out", "events_out", "events"))  # fmt: skip


def add_tracking_options(p: argparse.ArgumentParser) -> None:
    """Models, tracker settings, outputs, analytics and adaptation: everything ``track`` and ``live`` share."""
    p.add_argument("--detector", default=None, help="zoo name, tfhub:<handle> or SavedModel folder (default: nanodet)")
    p.add_argument(
        "--embedder", default=_Default("mobilenetv2"),
        help="appearance embedder (zoo name, tfhub:<handle>, SavedModel)",
    )
    p.add_argument("--no-appearance", action="store_true", help="motion-only tracking (no embedder)")
    p.add_argument(
        "--appearance", choices=("full", "fast"), default=_Default("full"),
        help="fast: embed only detections whose match is ambiguous by overlap (plus every 5th frame)",
    )
    p.add_argument("--classes", default=None, help="comma-separated class names to keep, e.g. person,car")
    p.add_argument("--conf", type=checked("--conf"), default=None, help="detector score threshold")
    p.add_argument(
        "--max-age", type=checked("--max-age"), default=None,
        help="frames a lost track is kept before deletion",
    )
    p.add_argument("--n-init", type=checked("--n-init"), default=None, help="hits needed to confirm a track")
    p.add_argument("--masks", action="store_true", help="attach a person mask to each tracked person")
    add_output_options(p)
    p.add_argument("--show", action="store_true", help="show a window (needs a display and the GUI OpenCV wheel)")
    p.add_argument("--max-frames", type=checked("--max-frames"), default=None, help="stop after this many frames")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_analytics_options(p)
    add_adaptation_options(p)


def add_output_options(p: argparse.ArgumentParser) -> None:
    """The output files (``--events-out`` is with the analytics options)."""
    p.add_argument("--out", default=None, help="annotated video (.mp4, H.264 when ffmpeg is available)")
    p.add_argument("--mot-out", default=None, help="MOTChallenge results file")
    p.add_argument(
        "--json-out", default=None,
        help="JSON lines: one object per frame (with --line/--zone also the counts so far under \"analytics\")",
    )
    p.add_argument("--csv-out", default=None, help="CSV: one row per track per frame")


def add_analytics_options(p: argparse.ArgumentParser, batch: bool = False) -> None:
    """Counting lines, zones, the events file and the heatmap overlay (:mod:`tracker.analytics`);
    ``batch``: ``--events`` (one ``<stem>.events.jsonl`` per video) instead of ``--events-out`` and no heatmap."""
    g = p.add_argument_group("analytics (counting lines and zones)")
    g.add_argument(
        "--line", action="append", default=[], metavar="X1,Y1,X2,Y2[:NAME]",
        help="count tracks whose box bottom-centre crosses this segment (pixels); 'in' is from the right of "
        "start->end to its left as seen on screen; repeatable",
    )
    g.add_argument(
        "--zone", action="append", default=[], metavar="X,Y,X,Y,X,Y,...[:NAME]",
        help="a polygon (3+ points): occupancy, entries, exits and dwell time; repeatable",
    )
    g.add_argument("--analytics", default=None, metavar="FILE", help="lines and zones from a .json/.yaml file")
    if batch:
        g.add_argument("--events", action="store_true", help="also write <stem>.events.jsonl: one row per crossing, entry, exit")
        return
    g.add_argument(
        "--events-out", default=None, metavar="FILE",
        help="one row per crossing, entry and exit: .jsonl (JSON lines) or .csv",
    )
    g.add_argument("--heatmap", action="store_true", help="draw a decaying heatmap of where tracks stand (--out/--show)")


def add_adaptation_options(p: argparse.ArgumentParser) -> None:
    """Camera-motion compensation and a tuned settings file (``track`` and ``live``)."""
    p.add_argument("--cmc", action="store_true", help="camera-motion compensation (moving cameras; needs frames)")
    p.add_argument(
        "--config", default=None,
        help="tracker settings file (JSON, as written by `tracker tune`); --max-age/--n-init override it",
    )


def named_outputs(args) -> list[tuple[str, str, str]]:
    """``(flag, path, key)`` of each output given, for :func:`tracker.io.outputs.reserve_outputs`."""
    return [(flag, getattr(args, attr), key) for flag, attr, key in OUTPUTS if getattr(args, attr, None)]


def analytics_given(args) -> bool:
    return bool(getattr(args, "line", None) or getattr(args, "zone", None) or getattr(args, "analytics", None))


def ignored_options(args) -> list[str]:
    """Options given that act on frames or on detector output, which tracking a det.txt never has."""
    given = {
        "--conf": args.conf is not None,
        "--classes": args.classes is not None,
        "--masks": args.masks,
        "--embedder": not isinstance(args.embedder, _Default),
        "--appearance": not isinstance(args.appearance, _Default),
        "--show": bool(args.show),
        "--live": bool(getattr(args, "live", False)),
        "--heatmap": bool(getattr(args, "heatmap", False)),
    }
    return [name for name, on in given.items() if on]


def tracker_options(args) -> dict:
    """A ``--config`` file's settings, then ``--max-age`` / ``--n-init`` over them."""
    opts = {}
    if getattr(args, "config", None):
        from ..tune import load_config

        opts.update(load_config(args.config))
    opts.update({k: v for k, v in (("max_age", args.max_age), ("n_init", args.n_init)) if v is not None})
    return opts


def check_adaptation(args, detection_file: bool) -> dict:
    """Mistakes in --config, --cmc, --refine and the analytics options, before any output file is opened.
    Returns the tracker options (:func:`tracker_options`), so the settings file is read once."""
    from ..io.sources import STREAM_SCHEMES

    opts = tracker_options(args)
    if detection_file and getattr(args, "cmc", False):  # the motion is measured on images
        raise TrackerError("--cmc needs frames: pass --detector to run a detector on the sequence images")
    if getattr(args, "events_out", None) and not analytics_given(args):
        raise TrackerError("--events-out needs something to count: pass --line, --zone or --analytics")
    if getattr(args, "refine", None) not in (None, "none"):
        if not args.mot_out:
            raise TrackerError("--refine rewrites the MOT results: pass --mot-out FILE")
        src = str(args.source).strip()
        if args.live or src.isdigit() or src.lower().startswith(STREAM_SCHEMES):
            raise TrackerError("--refine needs the whole sequence first: not for cameras, streams or --live")
    return opts


def pose_detector(args) -> None:
    """``--pose`` is ``--detector movenet`` (the zoo's pose model); another detector is a mistake."""
    if getattr(args, "pose", False):
        if args.detector not in (None, "movenet"):
            raise TrackerError(f"--pose uses the movenet detector; drop --detector {args.detector}")
        args.detector = "movenet"


def refined_sinks(args, sinks: list) -> list:
    """With --refine, the MOT sink is wrapped: it buffers every frame and writes refined rows when closed."""
    if getattr(args, "refine", None) in (None, "none"):
        return sinks
    from ..io.sinks import MotSink
    from ..tracking.refine import RefinedMotSink

    return [RefinedMotSink(s, args.refine, max_gap=args.refine_gap) if isinstance(s, MotSink) else s for s in sinks]
