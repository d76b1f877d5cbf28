"""Detections as text on a stream (stdout by default): what ``tracker detect`` prints.

``text``: a ``frame N: K detections`` line, then one indented line per box (label, score, xyxy);
``json``: one object per frame, ``{"frame": 0, "detections": [{"xyxy": [...], "score": 0.87,
"class_id": 0, "label": "person"}]}``. Written in the caller's thread and flushed per frame: lines
are tiny, and a reader piping the output sees each frame as soon as it is done.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Sequence

from ..records import Detections, FrameResult

__all__ = ["DetectionPrinter", "detection_records"]


def detection_records(detections: Detections, class_names: Sequence[str] | None = None) -> list[dict]:
    """One dict per detection: ``xyxy`` (pixels, 2 decimals), ``score`` (4), ``class_id`` and ``label``."""
    names = list(class_names or ())
    out = []
    for box, score, cid in zip(detections.xyxy, detections.score, detections.class_id):
        c = int(cid)
        out.append({
            "xyxy": [round(float(v), 2) for v in box],
            "score": round(float(score), 4),
            "class_id": c,
            "label": names[c] if 0 <= c < len(names) else str(c),
        })  # fmt: skip
    return out


class DetectionPrinter:
    """A :class:`~tracker.records.Sink` printing each result's detections as ``fmt`` (``text`` or ``json``)."""

    def __init__(self, fmt: str = "text", class_names: Sequence[str] | None = None, stream: IO[str] | None = None):
        if fmt not in ("text", "json"):
            raise ValueError(f"fmt must be 'text' or 'json', not {fmt!r}")
        self.fmt = fmt
        self.class_names = class_names
        self.stream = stream

    def write(self, result: FrameResult) -> None:
        out = self.stream or sys.stdout  # looked up per frame, so a redirected sys.stdout is honoured
        records = detection_records(result.detections, self.class_names)
        if self.fmt == "json":
            out.write(json.dumps({"frame": result.frame_index, "detections": records}) + "\n")
        else:
            out.write(f"frame {result.frame_index}: {len(records)} detection{'s' if len(records) != 1 else ''}\n")
            for r in records:
                x1, y1, x2, y2 = r["xyxy"]
                out.write(f"  {r['label']:<14} {r['score']:.2f}  [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}]\n")
        out.flush()

    def close(self) -> None:
        (self.stream or sys.stdout).flush()
