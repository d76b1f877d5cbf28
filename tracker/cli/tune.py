"""``tracker tune DATA --out FILE``: search tracker settings for your detector (Optuna, TrackEval HOTA)."""

from __future__ import annotations

import argparse
import sys

from .checks import checked


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "tune",
        help="search tracker settings for your detector on sequences with ground truth",
        description="Search the tracker's settings (Optuna TPE, fixed seed) to maximise TrackEval HOTA on "
        "MOTChallenge sequences with det/det.txt (your detector's output) and gt/gt.txt, and write them to a "
        "JSON file for `tracker track --config FILE`. The first trial is the starting settings, so the result "
        "is never worse than them on this data; check it on sequences you did not tune on.",
    )
    p.add_argument("data", nargs="+", help="folder(s) of MOTChallenge sequences (each scored as one set, then averaged)")
    p.add_argument("--out", required=True, help="where to write the settings (JSON)")
    p.add_argument("--trials", type=checked("--trials"), default=None, help="number of trials (default 50 without --timeout)")
    p.add_argument("--timeout", type=checked("--timeout"), default=None, help="stop after this many seconds")
    p.add_argument("--seed", type=checked("--seed"), default=0, help="sampler seed (default 0)")
    p.add_argument("--start", default=None, help="settings file to start from (default: the built-in defaults)")
    p.add_argument("--quiet", action="store_true", help="no per-trial progress")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..io.sinks import check_output_path
    from ..tune import load_config, save_config, tune

    trials = args.trials if args.trials is not None or args.timeout is not None else 50
    check_output_path(args.out, inputs=args.data)  # before spending the budget
    start = load_config(args.start) if args.start else None

    def progress(number: int, value: float, best) -> None:
        # Keep the best so far on disk: an interrupted search still leaves a usable file.
        if value >= best.hota:
            save_config(args.out, best.options, best.meta(args.data, args.seed))
        if not args.quiet:
            print(f"trial {number + 1}: HOTA {value:.2f} (best {best.hota:.2f}, start {best.start_hota:.2f})", file=sys.stderr)

    try:
        result = tune(args.data, trials=trials, timeout=args.timeout, seed=args.seed, start=start, callback=progress)
    except KeyboardInterrupt:
        print(f"tracker: interrupted; {args.out} holds the best settings so far (if any trial finished)", file=sys.stderr)
        return 130
    save_config(args.out, result.options, result.meta(args.data, args.seed))
    if not args.quiet:
        per = ", ".join(f"{s:.2f}" for s in result.per_set)
        print(
            f"Best HOTA {result.hota:.2f} (start {result.start_hota:.2f}; per set: {per}) after {result.trials} "
            f"trials in {result.seconds:.0f} s. Wrote {args.out}; use it with `tracker track SEQ --config {args.out}`.",
            file=sys.stderr,
        )
    return 0
