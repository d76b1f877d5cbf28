"""``tracker detect IMAGE_OR_VIDEO``: run a detector and print (or draw) what it finds.

Text output by default; ``--format json`` prints one JSON object per image/frame::

    {"frame": 0, "detections": [{"xyxy": [x1, y1, x2, y2], "score": 0.87, "class_id": 0, "label": "person"}]}
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import TrackerError
from .checks import checked

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
    from ..zoo.detectors import load_detector

    image = _read_image(args.input) if _is_image(args.input) else None
    if args.out:
        from ..io.sinks import check_output_path

        check_output_path(args.out, inputs=[args.input])
        if image is not None and not _is_image(args.out):
            raise TrackerError(f"--out for an image must be an image file ({', '.join(IMAGE_SUFFIXES[:3])}, ...)")
        if image is None and _is_image(args.out):
            raise TrackerError("--out for a video must be a video file (e.g. annotated.mp4)")
    detector = load_detector(args.detector, conf=args.conf, iou=args.iou, classes=args.classes)
    names = detector.classes

    if image is not None:
        detections = detector(image)
        _print(0, detections, names, args.format)
        if args.out:
            import cv2

            from ..draw import draw_detections

            if not cv2.imwrite(args.out, draw_detections(image.copy(), detections, names)):
                raise TrackerError(f"cannot write image {args.out}")
        return 0

    from ..io.sources import open_source

    sink = None
    try:
        with open_source(args.input) as source:
            for n, frame in enumerate(source):
                if args.max_frames is not None and n >= args.max_frames:
                    break
                detections = detector(frame.image)
                _print(frame.index, detections, names, args.format)
                if args.out:
                    from ..draw import draw_detections
                    from ..io.sinks import VideoSink

                    if sink is None:
                        h, w = frame.image.shape[:2]
                        sink = VideoSink(args.out, source.fps or 30.0, (w, h))
                    sink.write(draw_detections(frame.image.copy(), detections, names))
    finally:
        if sink is not None:
            sink.close()
    return 0
