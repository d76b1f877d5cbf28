"""``tracker detect IMAGE_OR_VIDEO``: run a detector and print (or draw) what it finds.

Text output by default; ``--format json`` prints one JSON object per image/frame::

    {"frame": 0, "detections": [{"xyxy": [x1, y1, x2, y2], "score": 0.87, "class_id": 0, "label": "person"}]}
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TrackerError
from .checks import checked

if TYPE_CHECKING:
    from ..io.atomic import AtomicFile

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


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


def _is_image(spec: str) -> bool:
    return Path(spec).suffix.lower() in IMAGE_SUFFIXES


def _read_image(path: str):
    import cv2

    if not os.path.exists(path):
        raise TrackerError(f"input not found: {path}")
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise TrackerError(f"cannot read image {path}")
    return image


def _records(detections, names) -> list[dict]:
    out = []
    for box, score, cid in zip(detections.xyxy, detections.score, detections.class_id):
        c = int(cid)
        out.append(
            {
                "xyxy": [round(float(v), 2) for v in box],
                "score": round(float(score), 4),
                "class_id": c,
                "label": names[c] if 0 <= c < len(names) else str(c),
            }
        )
    return out


def _print(frame_index: int, detections, names, fmt: str) -> None:
    records = _records(detections, names)
    if fmt == "json":
        print(json.dumps({"frame": frame_index, "detections": records}), flush=True)
        return
    print(f"frame {frame_index}: {len(records)} detection{'s' if len(records) != 1 else ''}")
    for r in records:
        x1, y1, x2, y2 = r["xyxy"]
        print(f"  {r['label']:<14} {r['score']:.2f}  [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}]")
    sys.stdout.flush()


def run(args) -> int:
    from ..stops import run_stoppable

    return run_stoppable(lambda stops: _run(args, stops))


def _reserve_output(args, image) -> "AtomicFile | None":
    """Check ``--out`` and reserve it (lock + temporary file) before the detector loads."""
    if not args.out:
        return None
    from ..io.atomic import AtomicFile
    from ..io.sinks import check_output_path

    if image is not None and not _is_image(args.out):
        raise TrackerError(f"--out for an image must be an image file ({', '.join(IMAGE_SUFFIXES[:3])}, ...)")
    if image is None and _is_image(args.out):
        raise TrackerError("--out for a video must be a video file (e.g. annotated.mp4)")
    check_output_path(args.out, inputs=[args.input], video=image is None)
    return AtomicFile(args.out, begin=True)


def _run(args, stops) -> int:
    from ..models.detectors import load_detector

    image = _read_image(args.input) if _is_image(args.input) else None
    out = _reserve_output(args, image)
    try:
        detector = load_detector(args.detector, conf=args.conf, iou=args.iou, classes=args.classes)
        names = detector.classes
        if image is not None:
            return _detect_image(args, image, detector, names, out)
        return _detect_video(args, detector, names, out, stops)
    finally:
        if out is not None:
            out.discard()  # not committed: an error before the first frame keeps the old file


def _detect_image(args, image, detector, names, out) -> int:
    detections = detector(image)
    _print(0, detections, names, args.format)
    if out is not None:
        import cv2

        from ..render.draw import draw_detections

        # The temporary name ends in the real extension, so imwrite picks the same format.
        if not cv2.imwrite(str(out.temp), draw_detections(image.copy(), detections, names)):
            raise TrackerError(f"cannot write image {args.out}")
        out.commit()
    return 0


def _detect_video(args, detector, names, out, stops) -> int:
    from ..io.sources import open_source

    sink = None
    n = 0
    interrupted = completed = False
    try:
        with open_source(args.input) as source:
            try:
                for frame in source:
                    if args.max_frames is not None and n >= args.max_frames:
                        break
                    detections = detector(frame.image)
                    with stops.deferred():  # printed and drawn together, or neither
                        _print(frame.index, detections, names, args.format)
                        if out is not None:
                            from ..render.draw import draw_detections
                            from ..io.sinks import VideoSink

                            if sink is None:
                                h, w = frame.image.shape[:2]
                                sink = VideoSink(out, source.fps or 30.0, (w, h))
                            sink.write_image(draw_detections(frame.image.copy(), detections, names))
                        n += 1
            except KeyboardInterrupt:
                interrupted = True
        completed = not interrupted  # a stop before the first frame keeps the old file
    finally:
        if sink is not None:
            with stops.deferred():
                sink.close(commit=completed or n > 0)
    return stops.exit_code if interrupted else 0
