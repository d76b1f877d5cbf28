"""Every stage with 0, 1 and many detections in a frame (including NaN, degenerate and far-away boxes).

Stages: NMS, embedder, instance masks, tracker + ``Tracks.attach``, drawing, the text sinks, and the
whole ``Pipeline`` in each appearance mode with and without masks, per frame, batched and live.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracker import Detections, Tracker
from tracker.render.draw import draw_detections, draw_tracks
from tracker.errors import RecordError
from tracker.models.segmenters.instances import instance_masks
from tracker.models.nms import nms
from tracker.models.coco import COCO_CLASSES

from .clips import H, W, black_middle_clip, write_clip

# Person-sized, a second object, a tiny one, one half outside, one far outside, a NaN and an inverted box.
MANY = np.array(
    [
        [40, 80, 150, 240], [200, 100, 260, 230], [0, 0, 10, 10], [300, 200, 330, 260],
        [1e5, 1e5, 1e5 + 50, 1e5 + 80], [np.nan, 0, 20, 20], [90, 90, 60, 60],
    ],
    np.float64,
)  # fmt: skip
COUNTS = {"none": 0, "one": 1, "many": len(MANY)}


def detections(n: int, classes=None) -> Detections:
    score = np.linspace(0.9, 0.5, n)
    return Detections(MANY[:n], score, np.zeros(n, np.int64) if classes is None else classes[:n])


def frame() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def embedder(shared_models):
    from tracker.models.embedders import load_embedder

    return load_embedder("mobilenetv2")


@pytest.mark.parametrize("n", COUNTS.values(), ids=COUNTS.keys())
def test_nms(n):
    d = detections(n, classes=np.array([0, 0, 1, 0, 0, 0, 2]))
    keep = nms(d.xyxy, d.score, d.class_id, iou_threshold=0.5)
    keep2, scores = nms(d.xyxy, d.score, d.class_id, soft_nms_sigma=0.5, return_scores=True)
    assert keep.dtype == np.int64 and len(keep) <= n and len(set(keep.tolist())) == len(keep)
    assert len(keep2) == len(scores) <= n
    finite = [i for i in range(n) if np.isfinite(MANY[i]).all() and MANY[i, 2] > MANY[i, 0]]
    assert set(finite) <= set(keep.tolist())  # nothing here overlaps, and one NaN box must not change that


@pytest.mark.parametrize("scores, classes", [([0.9, 0.8, 0.7], [0, 0]), ([0.9], [0, 0])])
def test_nms_rejects_mismatched_lengths(scores, classes):
    with pytest.raises(RecordError, match="nms"):
        nms(MANY[:2], scores, classes)


@pytest.mark.parametrize("n", COUNTS.values(), ids=COUNTS.keys())
def test_embedder(n, embedder):
    e = embedder(frame(), detections(n))
    assert e.shape == (n, embedder.dim) and e.dtype == np.float32
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-4)
    Detections(MANY[:n], None, None, embedding=e)  # a valid record, also when empty


@pytest.mark.parametrize("n", COUNTS.values(), ids=COUNTS.keys())
def test_masks_tracker_attach_draw_and_sinks(n, tmp_path):
    from tracker.io.sinks import CsvSink, JsonLinesSink, MotSink
    from tracker.records import FrameResult

    det = detections(n)
    det = det.with_(embedding=np.eye(n, 4, dtype=np.float32) + 0.1, mask=instance_masks(np.ones((H, W)), det.xyxy))
    assert det.mask.shape == (n, H, W)
    tracker = Tracker(n_init=1, new_track_score=0.5, high_score=0.5)  # scores run 0.9 -> 0.5: every box births
    paths = [tmp_path / "t.txt", tmp_path / "t.jsonl", tmp_path / "t.csv"]
    sinks = [MotSink(paths[0]), JsonLinesSink(paths[1], ["person"]), CsvSink(paths[2], ["person"])]
    image = frame()
    for f, d in enumerate([det, Detections.empty(4).with_(mask=np.zeros((0, H, W), bool)), det]):
        tracks = tracker.update(d).attach(d)
        assert tracks.mask.shape == (len(tracks), H, W)
        assert np.isfinite(tracks.xyxy).all()
        draw_detections(image, d, ["person"])
        draw_tracks(image, tracks, ["person"], trails={int(t): [(5, 5), (10**12, -(10**12))] for t in tracks.track_id})
        for sink in sinks:
            sink.write(FrameResult(f, None, Detections.empty(), tracks))
    for s in sinks:
        s.close()
    valid = len(det.valid_index())
    per_frame = [0, 0, 0]
    for row in paths[0].read_text().splitlines():
        per_frame[int(row.split(",")[0]) - 1] += 1
    assert per_frame[0] == per_frame[2] == valid and per_frame[1] <= valid  # frame 2 only coasts
    lines = [json.loads(line) for line in paths[1].read_text().splitlines()]
    assert [r["frame"] for r in lines] == [0, 1, 2] and len(lines[0]["tracks"]) == valid


class ListDetector:
    """Hands out prepared detections frame after frame (a detector whose output is known)."""

    classes = list(COCO_CLASSES)

    def __init__(self, counts):
        self.counts = list(counts)
        self.calls = 0

    def __call__(self, image):
        n = self.counts[self.calls % len(self.counts)]
        self.calls += 1
        return detections(n)

    def detect_batch(self, images):
        return [self(i) for i in images]


SEQUENCE = [0, 1, 7, 7, 7, 1, 0, 0, 7, 1, 1, 7]  # refresh_every 5: "fast" skips crops on frames 1-4, 6-9, 11


@pytest.mark.parametrize("masks", [False, True], ids=["boxes", "masks"])
@pytest.mark.parametrize("mode", ["full", "fast", "no_appearance"])
def test_pipeline_process_every_count_in_every_mode(mode, masks, shared_models):
    from tracker import Pipeline

    pipe = Pipeline(
        ListDetector(SEQUENCE), None if mode == "no_appearance" else "mobilenetv2",
        appearance="full" if mode == "no_appearance" else mode, masks=masks,
    )  # fmt: skip
    image = frame()
    for i, n in enumerate(SEQUENCE):
        r = pipe.process(image.copy(), i)
        assert len(r.detections) == n
        assert (r.detections.embedding is None) == (mode == "no_appearance")
        if r.detections.embedding is not None:
            assert r.detections.embedding.shape[0] == n
        assert (r.detections.mask is None) != masks and (r.tracks.mask is None) != masks
        if masks:
            assert r.detections.mask.shape == (n, H, W) and r.tracks.mask.shape == (len(r.tracks), H, W)
        assert np.isfinite(r.tracks.xyxy).all()
    if mode == "fast":
        assert pipe.skipped_embeddings > 0  # the NaN-row path was exercised


@pytest.mark.parametrize("batch_size, live", [(1, False), (4, False), (None, True)])
def test_pipeline_run_batched_and_live_through_black_frames(batch_size, live, shared_models, tmp_path):
    from tracker import Pipeline
    from tracker.io.sources import open_source

    clip = write_clip(tmp_path / "c.mp4", black_middle_clip(9))
    pipe = Pipeline("nanodet", "mobilenetv2", masks=True)
    with open_source(clip, live=live) as src:
        results = list(pipe.run(src, batch_size=batch_size))
    assert len(results) >= (1 if live else 9)  # live mode may drop frames
    black = [r for r in results if 3 <= r.frame_index < 6]
    assert all(len(r.detections) == 0 and (r.tracks.score == 0).all() for r in black)
