"""The annotated video: trails end with their tracks, the FPS badge avoids labels, live pacing repeats frames."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Detections, Tracks, TrackState
from tracker.records import FrameResult
from tracker.render.draw import draw_badge
from tracker.render.video import AnnotatedVideoSink, Annotator
from tests.conftest import count_frames


def tracks(ids, boxes) -> Tracks:
    n = len(ids)
    return Tracks(np.array(ids), np.array(boxes, float).reshape(-1, 4), np.ones(n), np.zeros(n, int),
                  np.arange(n), np.full(n, TrackState.CONFIRMED))  # fmt: skip


def result(i, ids, boxes, size=(120, 160), timestamp=None) -> FrameResult:
    image = np.zeros((*size, 3), np.uint8)
    return FrameResult(i, image, Detections.empty(), tracks(ids, boxes), i / 10 if timestamp is None else timestamp)


def test_trails_are_dropped_when_their_track_leaves_the_output():
    ann = Annotator(["person"], trail=5)
    for i in range(8):
        ann(result(i, [1, 2], [[10 + i, 10, 30 + i, 50], [60, 10, 80, 50]]))
    assert set(ann.trails) == {1, 2} and len(ann.trails[1]) == 5  # bounded per track
    ann(result(8, [2], [[60, 10, 80, 50]]))
    assert set(ann.trails) == {2}  # before: every id ever seen stayed in the dict


def test_badge_goes_to_a_corner_free_of_boxes_and_labels():
    image = np.zeros((120, 160, 3), np.uint8)
    draw_badge(image, "12.3 FPS", [[0, 0, 80, 60]])  # a box (and its label) in the top-left corner
    assert image[:30, 100:].any() and not image[:30, :20].any()


@pytest.mark.parametrize("realtime, expected", [(False, 3), (True, 7)])
def test_live_pacing_repeats_frames_to_the_results_timestamps(tmp_path, realtime, expected):

    path = tmp_path / "out.mp4"
    sink = AnnotatedVideoSink(path, fps=10, realtime=realtime)
    for i, t in enumerate([0.0, 0.3, 0.6]):  # a live source that dropped two frames in three
        sink.write(result(i, [1], [[10, 10, 30, 50]], timestamp=t))
    sink.close()
    assert count_frames(path) == expected
