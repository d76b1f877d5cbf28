"""``tracker track SOURCE``: track a video, camera, stream, image folder or MOTChallenge sequence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import TrackerError
from ..tracking.refine import MAX_GAP, METHODS
from .checks import checked


class _Default(str):
    """A default that is still the plain string, but shows it was not typed (see :func:`_ignored_options`)."""


def add_tracking_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``track`` and ``live``."""
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
    p.add_argument("--out", default=None, help="annotated video (.mp4, H.264 when ffmpeg is available)")
    p.add_argument("--mot-out", default=None, help="MOTChallenge results file")
    p.add_argument("--json-out", default=None, help="JSON lines: one object per frame")
    p.add_argument("--csv-out", default=None, help="CSV: one row per track per frame")
    p.add_argument("--show", action="store_true", help="show a window (needs a display and the GUI OpenCV wheel)")
    p.add_argument("--max-frames", type=checked("--max-frames"), default=None, help="stop after this many frames")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_adaptation_options(p)


def add_adaptation_options(p: argparse.ArgumentParser) -> None:
    """Camera-motion compensation and a tuned settings file (``track`` and ``live``)."""
    p.add_argument("--cmc", action="store_true", help="camera-motion compensation (moving cameras; needs frames)")
    p.add_argument(
        "--config", default=None,
        help="tracker settings file (JSON, as written by `tracker tune`); --max-age/--n-init override it",
    )


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "track",
        help="track objects in a video, camera, stream, image folder or MOT sequence",
        description="Track objects. SOURCE: video file, camera index (0), stream URL, image folder, or a "
        "MOTChallenge sequence folder (with det/det.txt its detections are tracked, no frames needed).",
    )
    p.add_argument("source", help="video file, camera index, URL, image folder or MOT sequence folder")
    p.add_argument("--live", action="store_true", help="live mode: newest frame only, stale frames dropped")
    add_tracking_options(p)
    p.add_argument(
        "--refine", choices=METHODS, default=None,
        help="files only: fill short gaps in each track (linear) and smooth it (gsi, StrongSORT) before "
        "writing --mot-out, which is then written at the end (default: none)",
    )
    p.add_argument(
        "--refine-gap", type=checked("--refine-gap"), default=MAX_GAP, metavar="N",
        help=f"--refine fills gaps of at most N missing frames; 0 only smooths (gsi) (default {MAX_GAP})",
    )
    p.set_defaults(func=run)
    return p


def _ignored_options(args) -> list[str]:
    """Options given that act on frames or on detector output, which tracking a det.txt never has."""
    given = {
        "--conf": args.conf is not None,
        "--classes": args.classes is not None,
        "--masks": args.masks,
        "--embedder": not isinstance(args.embedder, _Default),
        "--appearance": not isinstance(args.appearance, _Default),
        "--show": bool(args.show),
        "--live": bool(getattr(args, "live", False)),
    }
    return [name for name, on in given.items() if on]


def _tracker_options(args) -> dict:
    """A ``--config`` file's settings, then ``--max-age`` / ``--n-init`` over them."""
    opts = {}
    if getattr(args, "config", None):
        from ..tune import load_config

        opts.update(load_config(args.config))
    opts.update({k: v for k, v in (("max_age", args.max_age), ("n_init", args.n_init)) if v is not None})
    return opts


def _check_adaptation(args, detection_file: bool) -> None:
    """Mistakes in --config, --cmc and --refine, before any output file is opened."""
    from ..io.sources import STREAM_SCHEMES

    _tracker_options(args)
    if detection_file and getattr(args, "cmc", False):  # the motion is measured on images
        raise TrackerError("--cmc needs frames: pass --detector to run a detector on the sequence images")
    if getattr(args, "refine", None) not in (None, "none"):
        if not args.mot_out:
            raise TrackerError("--refine rewrites the MOT results: pass --mot-out FILE")
        src = str(args.source).strip()
        if args.live or src.isdigit() or src.lower().startswith(STREAM_SCHEMES):
            raise TrackerError("--refine needs the whole sequence first: not for cameras, streams or --live")


def _refined(args, sinks: list) -> list:
    """With --refine, the MOT sink is wrapped: it buffers every frame and writes refined rows when closed."""
    if getattr(args, "refine", None) in (None, "none"):
        return sinks
    from ..io.sinks import MotSink
    from ..tracking.refine import RefinedMotSink

    return [RefinedMotSink(s, args.refine, max_gap=args.refine_gap) if isinstance(s, MotSink) else s for s in sinks]


# (flag, attribute, key) of every output `track` writes.
_OUTPUTS = (("--out", "out", "video"), ("--mot-out", "mot_out", "mot"), ("--json-out", "json_out", "json"),
            ("--csv-out", "csv_out", "csv"))  # fmt: skip


def run(args) -> int:
    from ..io.mot import has_detection_file
    from ..stops import run_stoppable

    file = args.detector is None and not getattr(args, "frames_only", False) and has_detection_file(args.source)
    _check_adaptation(args, file)
    if file and _ignored_options(args):
        from . import warn

        warn(f"{', '.join(_ignored_options(args))} ignored for a detections folder (its det/det.txt is tracked; "
             "pass --detector to detect on its images instead)")  # fmt: skip
    return run_stoppable(lambda stops: _track(args, stops, file))


def _track(args, stops, detection_file: bool) -> int:
    """Reserve the outputs, build the stages and sinks, and let the library run the frame loop."""
    from ..io.outputs import reserve_outputs, text_sinks
    from ..runner import drive, summary

    named = [(flag, getattr(args, attr), key) for flag, attr, key in _OUTPUTS if getattr(args, attr, None)]
    source = pipeline = None
    outputs: dict = {}
    try:
        if detection_file:
            from ..io.mot import read_sequence
            from ..pipeline import track_detections

            if args.out:
                raise TrackerError("an annotated video needs frames: pass --detector to run a detector on the sequence images")
            source = read_sequence(args.source)  # parse everything before any output file is opened
            outputs = reserve_outputs(named, [args.source, Path(args.source, "det", "det.txt")])
            sinks = _refined(args, text_sinks(outputs, source.classes))
            results = track_detections(source, sinks=sinks, **_tracker_options(args))
        else:
            from ..io.sources import open_source
            from ..pipeline import Pipeline
            from ..render.video import annotated_sinks

            outputs = reserve_outputs(named, [args.source])  # before loading models, so a typo costs no time
            source = open_source(args.source, live=args.live)
            pipeline = Pipeline(
                args.detector, None if args.no_appearance else args.embedder, classes=args.classes,
                conf=args.conf, masks=args.masks, appearance=args.appearance, cmc=args.cmc, **_tracker_options(args),
            )  # fmt: skip
            video = annotated_sinks(outputs.get("video"), args.show, pipeline.class_names, source, realtime=args.live)
            results = pipeline.run(source, _refined(args, text_sinks(outputs, pipeline.class_names)) + video)
        stats = drive(results, max_frames=args.max_frames, progress=not (args.quiet or args.live or detection_file),
                      total=getattr(source, "length", None), desc=Path(str(args.source)).name)  # fmt: skip
    finally:
        if hasattr(source, "close"):
            source.close()
        for f in outputs.values():
            f.discard()  # reserved but never committed: an early stop or error keeps the old files
    if not args.quiet:
        print(summary(stats, source, pipeline, [p for _, p, _ in named]), file=sys.stderr)
    return stops.exit_code if stats.interrupted else 0
