"""``tracker track SOURCE``: track a video, camera, stream, image folder or MOTChallenge sequence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import TrackerError
from ..tracking.refine import MAX_GAP, METHODS
from .checks import checked
from .options import _Default, add_adaptation_options, add_tracking_options, check_adaptation, ignored_options, named_outputs
from .options import pose_detector, refined_sinks as _refined

__all__ = ["add_parser", "run", "add_tracking_options", "add_adaptation_options", "_Default"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "track",
        help="track objects in a video, camera, stream, image folder or MOT sequence",
        description="Track objects. SOURCE: video file, camera index (0), stream URL, image folder, or a "
        "MOTChallenge sequence folder (with det/det.txt its detections are tracked, no frames needed).",
    )
    p.add_argument("source", help="video file, camera index, URL, image folder or MOT sequence folder")
    p.add_argument("--live", action="store_true", help="live mode: newest frame only, stale frames dropped")
    p.add_argument("--pose", action="store_true", help="people with 17 keypoints (the movenet detector), drawn and in JSON")
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


def run(args) -> int:
    from ..io.mot import has_detection_file
    from ..stops import run_stoppable

    pose_detector(args)
    file = args.detector is None and not getattr(args, "frames_only", False) and has_detection_file(args.source)
    opts = check_adaptation(args, file)
    ignored = ignored_options(args) if file else []
    if ignored:
        from . import warn

        warn(f"{', '.join(ignored)} ignored for a detections folder (its det/det.txt is tracked; "
             "pass --detector to detect on its images instead)")  # fmt: skip
    return run_stoppable(lambda stops: _track(args, stops, file, opts))


def _track(args, stops, detection_file: bool, opts: dict) -> int:
    """Reserve the outputs, build the stages and sinks, and let the library run the frame loop."""
    from ..analytics.outputs import analytics_sinks, build_analytics, events_format
    from ..io.outputs import reserve_outputs, text_sinks
    from ..runner import drive, summary

    named = named_outputs(args)
    analytics = build_analytics(args.line, args.zone, args.analytics)  # spec mistakes before any file or model
    if args.events_out:
        events_format(args.events_out)
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
            if analytics is not None:
                analytics.class_names = list(source.classes) if source.classes else None
            feed, counting = analytics_sinks(analytics, outputs)
            sinks = counting + _refined(args, text_sinks(outputs, source.classes, analytics=feed))
            results = track_detections(source, sinks=sinks, **opts)
        else:
            from ..io.sources import open_source
            from ..pipeline import Pipeline
            from ..render.analytics import AnalyticsOverlay, HeatMapOverlay
            from ..render.video import annotated_sinks

            outputs = reserve_outputs(named, [args.source])  # before loading models, so a typo costs no time
            source = open_source(args.source, live=args.live)
            pipeline = Pipeline(
                args.detector, None if args.no_appearance else args.embedder, classes=args.classes,
                conf=args.conf, masks=args.masks, appearance=args.appearance, cmc=args.cmc, **opts,
            )  # fmt: skip
            names = pipeline.class_names
            if analytics is not None:
                analytics.class_names = list(names)
            feed, counting = analytics_sinks(analytics, outputs)
            overlays = ([HeatMapOverlay()] if args.heatmap else []) + ([AnalyticsOverlay(analytics)] if analytics else [])
            video = annotated_sinks(outputs.get("video"), args.show, names, source, realtime=args.live, overlays=overlays)
            results = pipeline.run(source, counting + _refined(args, text_sinks(outputs, names, analytics=feed)) + video)
        stats = drive(results, max_frames=args.max_frames, progress=not (args.quiet or args.live or detection_file),
                      total=getattr(source, "length", None), desc=Path(str(args.source)).name)  # fmt: skip
    finally:
        if hasattr(source, "close"):
            source.close()
        for f in outputs.values():
            f.discard()  # reserved but never committed: an early stop or error keeps the old files
    if not args.quiet:
        print(summary(stats, source, pipeline, [p for _, p, _ in named], analytics), file=sys.stderr)
    return stops.exit_code if stats.interrupted else 0
