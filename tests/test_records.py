"""The stage protocols: a user's own detector and sink plug into the pipeline; configuration traps raise."""

from __future__ import annotations

import numpy as np
import pytest

from tracker import Detections, Pipeline, Tracker, TrackerError
from tracker.records import Detector, FrameResult, Sink


class BlobDetector:
    """A user's detector: any object with ``classes`` and ``__call__(frame) -> Detections``."""

    classes = ["blob"]

    def __call__(self, frame: np.ndarray) -> Detections:
        ys, xs = np.nonzero(frame[..., 0] > 128)
        if len(xs) == 0:
            return Detections.empty()
        return Detections(xyxy=[[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], score=[0.9], class_id=[0])


class ListSink:
    """A user's sink: ``write(result)`` and ``close()``."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[int]]] = []
        self.closed = False

    def write(self, result: FrameResult) -> None:
        self.rows.append((result.frame_index, result.tracks.track_id.tolist()))

    def close(self) -> None:
        self.closed = True


class Frames:
    """A minimal source: iterating gives objects with ``image``, ``index`` and ``timestamp``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        from types import SimpleNamespace

        for i in range(self.n):
            image = np.zeros((60, 80, 3), np.uint8)
            image[20:30, 10 + 2 * i : 20 + 2 * i] = 255
            yield SimpleNamespace(image=image, index=i, timestamp=i / 10)


def test_own_detector_and_sink_satisfy_the_protocols_and_run():
    assert isinstance(BlobDetector(), Detector) and isinstance(ListSink(), Sink)
    sink = ListSink()
    pipeline = Pipeline(BlobDetector(), embedder=None, tracker=Tracker(n_init=1))
    results = list(pipeline.run(Frames(5), sinks=[sink]))
    assert sink.closed and [r for r, _ in sink.rows] == [0, 1, 2, 3, 4]
    assert [ids for _, ids in sink.rows] == [[1]] * 5  # one blob, one identity throughout
    assert [r.tracks.track_id.tolist() for r in results] == [[1]] * 5


def test_pipeline_with_a_tracker_and_tracker_options_raises():
    with pytest.raises(TrackerError, match="max_age"):
        Pipeline(BlobDetector(), embedder=None, tracker=Tracker(), max_age=3)


def test_masks_need_a_person_class():
    """Before: the segmenter's masks went silently to class 0 ("blob" here)."""
    with pytest.raises(TrackerError, match="person"):
        Pipeline(BlobDetector(), embedder=None, masks=True, segmenter=lambda frame: np.zeros(frame.shape[:2]))


def test_sink_stop_run_ends_after_that_frame():
    from tracker.stops import StopRun

    class StopAtTwo(ListSink):
        def write(self, result):
            super().write(result)
            if result.frame_index == 2:
                raise StopRun("enough")

    other, stopper = ListSink(), StopAtTwo()
    results = list(Pipeline(BlobDetector(), embedder=None).run(Frames(6), sinks=[stopper, other]))
    assert len(results) == 3 and len(other.rows) == 3 and other.closed  # the other sink got the frame too


class TieredDetector(BlobDetector):
    """A detector that carries its own score calibration (as the bundled ones do)."""

    score_tiers = {"high_score": 0.3, "new_track_score": 0.35}


def test_pipeline_applies_detector_tiers_under_user_options():
    cfg = Pipeline(TieredDetector(), embedder=None, new_track_score=0.9).tracker.config
    assert (cfg.high_score, cfg.new_track_score) == (0.3, 0.9)
    cfg = Pipeline(BlobDetector(), embedder=None).tracker.config  # no tiers: the tracker's defaults
    assert (cfg.high_score, cfg.new_track_score) == (Tracker().config.high_score, Tracker().config.new_track_score)


@pytest.mark.parametrize("options, fps, max_age", [({}, 10.0, 10), ({"frame_rate": 30.0}, 10.0, 30), ({}, None, 30)])
def test_pipeline_gives_the_tracker_the_source_frame_rate(options, fps, max_age):
    frames = Frames(2)
    frames.fps = fps
    p = Pipeline(BlobDetector(), embedder=None, **options)
    list(p.run(frames))
    assert p.tracker.max_age == max_age  # max_age 30 is defined at 30 fps


def test_track_detections_uses_the_sequence_frame_rate(tmp_path, monkeypatch):
    import tracker.pipeline as pipeline_mod

    built = []

    class Recording(Tracker):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            built.append(self)

    monkeypatch.setattr(pipeline_mod, "Tracker", Recording)
    seq = tmp_path / "S"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=S\nframeRate=10\nseqLength=2\nimWidth=64\nimHeight=48\n")
    (seq / "det" / "det.txt").write_text("1,-1,1,2,10,20,0.9,-1,-1,-1\n")
    assert len(list(pipeline_mod.track_detections(seq, high_score=0.2))) == 2
    assert built[0].config.frame_rate == 10 and built[0].max_age == 10
    list(pipeline_mod.track_detections(seq, frame_rate=30))  # the user's rate wins
    assert built[1].max_age == 30
