"""``tracker detect IMAGE_OR_VIDEO``: run a detector and print (or draw) what it finds.

Text output by default; ``--format json`` prints one JSON object per image/frame
(:mod:`tracker.io.printer`)::

    {"frame": 0, "detections": [{"xyxy": [x1, y1, x2, y2], "score": 0.87, "class_id": 0, "label": "person"}]}
"""

from __future__ import annotations

from .checks import checked


def add_parser(subparsers):
    p = subparsers.add_parser(
        "detect",
        help="detect objects in an image or video (no tracking)",
        description="Run a detector on an image, video, image folder or camera and print the boxes "
        "(xyxy pixels). Default detector: nanodet (COCO-80).",
    )
    p.add_argument("input", metavar="IMAGE_OR_VIDEO", help="image file, video file, image folder, camera index or URL")
    p.add_argument(
        "--detector",
        default="nanodet",
        help="zoo name (see `tracker models`), tfhub:<handle> or a SavedModel folder (default: nanodet)",
    )
    p.add_argument(
        "--conf", type=checked("--conf"), default=None,
        help="score threshold (default: the detector's, 0.3 for nanodet)",
    )
    p.add_argument("--iou", type=checked("--iou"), default=None, help="NMS IoU threshold (default: the detector's)")
    p.add_argument("--classes", default=None, help="comma-separated class names to keep, e.g. person,car")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--out", default=None, help="write an annotated copy: an image file for an image, .mp4 for a video")
    p.add_argument(
        "--max-frames", type=checked("--max-frames"), default=None,
        help="stop after this many frames of a video",
    )
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..stops import run_stoppable

    return run_stoppable(lambda stops: _run(args, stops))


def _run(args, stops) -> int:
    from ..detect import detect_frames
    from ..io.atomic import AtomicFile
    from ..io.printer import DetectionPrinter
    from ..io.sinks import check_output_path
    from ..io.sources import open_source
    from ..models.detectors import load_detector
    from ..render.draw import detections_annotator
    from ..render.image import annotated_output, check_output_kind, is_image_path
    from ..runner import drive, write_frames

    image_in = is_image_path(args.input)
    # Open the input and reserve --out before loading the model, so a mistake costs no time.
    source = open_source(args.input)
    out = None
    try:
        if args.out:
            check_output_kind(args.out, image_in)
            check_output_path(args.out, inputs=[args.input], video=not image_in)
            out = AtomicFile(args.out, begin=True)
        detector = load_detector(args.detector, conf=args.conf, iou=args.iou, classes=args.classes)
        sinks = [DetectionPrinter(args.format, detector.classes)]
        if out is not None:
            sinks.append(annotated_output(out, detections_annotator(detector.classes), image=image_in, fps=source.fps))
        stats = drive(write_frames(detect_frames(source, detector), sinks), max_frames=args.max_frames)
    finally:
        source.close()
        if out is not None:
            out.discard()  # not committed: an error before the first frame keeps the old file
    return stops.exit_code if stats.interrupted else 0
