"""``tracker batch INPUTS... --out-dir DIR``: track many videos on a Ray actor pool (:mod:`tracker.batch`)."""

from __future__ import annotations

import argparse

from .checks import checked
from .options import add_analytics_options

def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "batch",
        help="track many videos on Ray (local or a cluster) with a manifest, resume and retries",
        description="Track every video of INPUTS (files, folders, globs, or .txt lists of paths/URLs) into "
        "--out-dir: <stem>.txt (MOTChallenge) and <stem>.jsonl as `tracker track` writes them, plus "
        "manifest.jsonl with one row per video. A rerun skips videos already done and retries failed ones. "
        "Needs Ray: pip install 'tracker[cluster]'. Exit code 1 when any video failed.",
    )
    p.add_argument("inputs", nargs="+", help="video files, folders, globs or .txt files listing paths/URLs")
    p.add_argument("--out-dir", required=True, help="folder for the outputs and manifest.jsonl (created if missing)")
    p.add_argument("--workers", type=checked("--workers"), default=1, help="actors, each loading the models once (default 1)")
    p.add_argument("--gpus-per-worker", type=checked("--gpus-per-worker"), default=0.0, help="GPUs per actor (default 0)")
    p.add_argument("--address", default=None, help="Ray cluster: auto, ray://HOST:10001 or HOST:PORT (default: local)")
    p.add_argument(
        "--resume", action=argparse.BooleanOptionalAction, default=True,
        help="skip videos the manifest has as done (default); --no-resume tracks everything again",
    )
    p.add_argument("--max-retries", type=checked("--max-retries"), default=1, help="retries after a worker dies (default 1)")
    p.add_argument("--video", action="store_true", help="also write an annotated <stem>.mp4 per video")
    p.add_argument("--csv", action="store_true", help="also write <stem>.csv per video")
    p.add_argument("--detector", default=None, help="zoo name, tfhub:<handle> or SavedModel folder (default: nanodet)")
    p.add_argument("--embedder", default="mobilenetv2", help="appearance embedder (zoo name, tfhub:<handle>, SavedModel)")
    p.add_argument("--no-appearance", action="store_true", help="motion-only tracking (no embedder)")
    p.add_argument("--appearance", choices=("full", "fast"), default="full", help="as for `tracker track`")
    p.add_argument("--classes", default=None, help="comma-separated class names to keep, e.g. person,car")
    p.add_argument("--conf", type=checked("--conf"), default=None, help="detector score threshold")
    p.add_argument("--max-age", type=checked("--max-age"), default=None, help="frames a lost track is kept")
    p.add_argument("--n-init", type=checked("--n-init"), default=None, help="hits needed to confirm a track")
    p.add_argument("--masks", action="store_true", help="attach a person mask to each tracked person")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_analytics_options(p, batch=True)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..batch import batch

    rows = batch(
        args.inputs, args.out_dir, workers=args.workers, gpus_per_worker=args.gpus_per_worker, address=args.address,
        resume=args.resume, video=args.video, csv=args.csv, max_retries=args.max_retries, progress=not args.quiet,
        detector=args.detector, embedder=None if args.no_appearance else args.embedder, classes=args.classes,
        conf=args.conf, appearance=args.appearance, masks=args.masks, max_age=args.max_age, n_init=args.n_init,
        lines=args.line, zones=args.zone, analytics=args.analytics, events=args.events,
    )  # fmt: skip
    return 1 if any(r["status"] != "done" for r in rows) else 0
