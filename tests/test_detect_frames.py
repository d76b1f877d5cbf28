"""``tracker detect`` as a library: detect_frames -> runner -> printer and annotated-image sinks."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest

from tracker.detect import detect_frames
from tracker.detections import Detections
from tracker.io.printer import DetectionPrinter, detection_records
from tracker.io.sources import Frame
from tracker.render.draw import detections_annotator
from tracker.render.image import AnnotatedImageSink, check_output_kind
from tracker.errors import TrackerError
from tracker.runner import drive, write_frames


class TwoBoxes:
    """A user's detector: any object with ``classes`` and ``__call__(frame) -> Detections``."""

    classes = ["person", "car"]

    def __call__(self, frame):
        return Detections(xyxy=[[1, 2, 30, 40.126], [5, 5, 9, 9]], score=[0.91234, 0.5], class_id=[0, 7])


def frames(n: int):
    return [Frame(i, np.full((48, 64, 3), 40 * i, np.uint8), i / 25) for i in range(n)]


def test_detect_frames_prints_json_and_text():
    text, js = io.StringIO(), io.StringIO()
    sinks = [DetectionPrinter("text", TwoBoxes.classes, text), DetectionPrinter("json", TwoBoxes.classes, js)]
    stats = drive(write_frames(detect_frames(frames(3), TwoBoxes()), sinks), max_frames=2)
    assert stats.frames == 2 and not stats.interrupted
    rows = [json.loads(line) for line in js.getvalue().splitlines()]
    assert [r["frame"] for r in rows] == [0, 1]
    assert rows[0]["detections"][0] == {"xyxy": [1.0, 2.0, 30.0, 40.13], "score": 0.9123, "class_id": 0, "label": "person"}
    assert rows[0]["detections"][1]["label"] == "7"  # a class id outside the names is printed as the number
    assert text.getvalue().splitlines()[:2] == ["frame 0: 2 detections", "  person         0.91  [1, 2, 30, 40]"]


def test_annotated_image_sink_commits_only_a_written_image(tmp_path):
    out = tmp_path / "a.png"
    out.write_bytes(b"old")
    drive(write_frames(detect_frames(frames(1)[:0], TwoBoxes()), [AnnotatedImageSink(out)]))
    assert out.read_bytes() == b"old"  # nothing written: the old file stays
    sink = AnnotatedImageSink(out, detections_annotator(TwoBoxes.classes))
    drive(write_frames(detect_frames(frames(2)[1:], TwoBoxes()), [sink]))
    drawn = cv2.imread(str(out))
    assert drawn.shape == (48, 64, 3) and (drawn != 40).any()  # boxes drawn on a copy of the frame


@pytest.mark.parametrize("out, image_in, ok", [("a.png", True, True), ("a.mp4", True, False), ("a.jpg", False, False), ("a.mp4", False, True)])
def test_output_kind_follows_the_input(out, image_in, ok):
    if ok:
        check_output_kind(out, image_in)
    else:
        with pytest.raises(TrackerError, match="--out for an? (image|video) must be"):
            check_output_kind(out, image_in)


def test_records_of_no_detections():
    assert detection_records(Detections.empty(), ["person"]) == []
