"""``tracker segment SOURCE --out overlay.mp4|png``: colour each pixel by the class a segmenter gives it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ..errors import TrackerError
from .checks import checked


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "segment",
        help="segment people (or a trained model's classes) and write a colour overlay",
        description=(
            "Run a segmenter on an image, video, image folder, camera or stream and write a colour overlay "
            "of its mask: an image file for an image input, a video (.mp4) otherwise. Default model: "
            "'selfie' (person vs background)."
        ),
    )
    p.add_argument("source", help="image, video file, image folder, camera index or URL")
    p.add_argument("--out", required=True, help="overlay output: image file for an image input, .mp4 otherwise")
    p.add_argument(
        "--model",
        default="selfie",
        help="zoo segmenter name (see `tracker models`), a folder saved by `tracker train-segmenter`, or a .tflite file",
    )
    p.add_argument(
        "--threshold", type=checked("--threshold"), default=0.5,
        help="foreground probability cut for binary models (default 0.5)",
    )
    p.add_argument("--opacity", type=checked("--opacity"), default=0.5, help="overlay opacity in [0, 1] (default 0.5)")
    p.add_argument("--mask-out", default=None, help="also write the class-id mask as a PNG (image input only)")
    p.add_argument("--max-frames", type=checked("--max-frames"), default=None, help="stop after this many frames")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..stops import run_stoppable

    return run_stoppable(lambda stops: _run(args, stops))


def _run(args: argparse.Namespace, stops) -> int:
    from ..io.atomic import check_distinct, reserve
    from ..io.sinks import check_output_path
    from ..render.image import check_output_kind, is_image_path

    image_in = is_image_path(str(args.source))
    check_output_kind(args.out, image_in, "overlay.mp4")
    if args.mask_out and not image_in:
        raise TrackerError("--mask-out works for an image input only")
    if args.mask_out and Path(args.mask_out).suffix.lower() != ".png":
        raise TrackerError("--mask-out must be a .png file (class ids need lossless storage)")
    named = [(flag, path) for flag, path in (("--out", args.out), ("--mask-out", args.mask_out)) if path]
    for _, out in named:
        check_output_path(out, inputs=[args.source], video=not image_in)
    check_distinct(named)

    from ..io.sources import open_source

    # Open the input and reserve the outputs before loading the model so a mistake costs no time.
    source = open_source(args.source)
    outputs = {}
    try:
        outputs = reserve(named)
        from ..models.segmenters import load_segmenter

        segmenter = load_segmenter(args.model)
        if image_in:
            return _run_image(args, source, segmenter, outputs)
        return _run_video(args, source, segmenter, outputs["--out"], stops)
    finally:
        source.close()
        for f in outputs.values():
            f.discard()  # not committed: an error before the first frame keeps the old files


def _run_image(args, source, segmenter, outputs) -> int:
    from ..render.image import write_image
    from ..render.segmentation import labels_of, overlay

    frame = next(iter(source), None)
    if frame is None:
        raise TrackerError(f"cannot read image {args.source}")
    labels = labels_of(segmenter(frame.image), args.threshold)
    write_image(outputs["--out"], overlay(frame.image, labels, args.opacity, segmenter.classes))
    if args.mask_out:
        write_image(outputs["--mask-out"], labels)
    for f in outputs.values():
        f.commit()
    if not args.quiet:
        shares = ", ".join(
            f"{name} {100 * np.mean(labels == c):.1f}%" for c, name in enumerate(segmenter.classes) if c > 0
        )
        print(f"{Path(str(args.source)).name}: {shares} -> {args.out}", file=sys.stderr)
    return 0


def _run_video(args, source, segmenter, out, stops) -> int:
    from ..render.segmentation import segment_frames
    from ..render.video import AnnotatedVideoSink
    from ..runner import drive, write_frames

    sink = AnnotatedVideoSink(out, source.fps, annotator=lambda result: result.image)  # already drawn
    frames = segment_frames(source, segmenter, args.threshold, args.opacity)
    stats = drive(write_frames(frames, [sink]), max_frames=args.max_frames,
                  progress=not (args.quiet or source.is_live), total=source.length, desc=Path(str(args.source)).name)  # fmt: skip
    if stats.frames == 0:
        raise TrackerError(f"no frames read from {args.source}")
    if not args.quiet:
        ms = 1000 * stats.busy / stats.frames
        print(f"{stats.frames} frames, segmenter {ms:.1f} ms/frame -> {args.out} ({sink.codec_used})", file=sys.stderr)
    return stops.exit_code if stats.interrupted else 0
