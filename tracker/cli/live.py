"""``tracker live [CAMERA_OR_URL]``: the same as ``tracker track SOURCE --live`` (default camera 0)."""

from __future__ import annotations

import argparse

from ..errors import TrackerError

from .options import add_tracking_options
from .track import run as run_track


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "live",
        help="track a camera or stream live (newest frame only; q/Esc/Ctrl-C quits)",
        description="Live tracking: capture keeps only the newest frame, so when processing is slower than "
        "the camera stale frames are dropped instead of queued. Shows a window where a display exists "
        "(GUI OpenCV wheel needed: pip install 'tracker[gui]'), otherwise runs headless.",
    )
    p.add_argument(
        "source", nargs="*", default=["0"],
        help="camera index, stream URL or video file (default 0); several share one batched detector",
    )
    add_tracking_options(p)
    p.set_defaults(func=run, show=None, live=True, frames_only=True)  # a MOT folder: detect on its images
    return p


def run(args) -> int:
    if len(args.source) > 1:
        from .live_multi import run_multi
        from .options import analytics_given

        if analytics_given(args) or args.events_out:
            raise TrackerError("--line/--zone/--analytics/--events-out count one stream: run one `tracker live` per source")

        return run_multi(args, args.source)
    args.source = args.source[0]
    if not args.show:
        from ..render.display import display_available

        args.show = display_available()
    return run_track(args)
