"""The streaming pipeline: source -> detector (+NMS) -> embedder -> tracker, one ``FrameResult`` per frame.

Decoding runs in the source's thread and encoding and text writing in each sink's thread (all with
bounded queues); this module runs the model stages in the caller's thread. Stages are typed against the
protocols in :mod:`tracker.records`, so any object with the right call shape is a stage, and outputs are
any :class:`~tracker.records.Sink`; the library, the CLI, live mode and the tests all drive the same code::

    import tracker
    for result in tracker.track("video.mp4"):
        print(result.frame_index, result.tracks.track_id, result.tracks.xyxy)

    from tracker.io.sinks import MotSink
    from tracker.io.sources import open_source
    pipeline = tracker.Pipeline()
    with open_source("video.mp4") as src:
        for result in pipeline.run(src, sinks=[MotSink("out.txt")]):
            pass  # every sink has the frame before it is yielded; the sinks close at the end
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .detections import Detections
from .errors import TrackerError
from .records import Detector, Embedder, FrameResult, Segmenter, Sink
from .runner import write_frames
from .tracking.tracker import Tracker, TrackerConfig

__all__ = ["FrameResult", "Pipeline", "track", "track_detections"]

STAGES = ("decode", "detect", "cmc", "embed", "segment", "track")


class Pipeline:
    """Detector, optional embedder and segmenter, and a tracker, applied frame by frame.

    Args:
        detector: a zoo name / ``tfhub:`` handle / SavedModel path, or a detector object.
        embedder: a zoo name / handle / path, an embedder object, or None for motion-only tracking.
        appearance: ``"full"`` (default) embeds every detection; ``"fast"`` skips detections whose
            match is unambiguous by overlap (see ``Tracker.appearance_needed``) except every
            ``refresh_every``-th frame, which keeps the galleries current. Measured on the sample
            video: "fast" skips 52% of the crops; identity quality equalled "full" with refresh 5
            and fell to motion-only with refresh 2, 3 or 10 (a single re-identification after the
            occlusion decides it), so it is opt-in.
        tracker: a :class:`Tracker` (or None for a new one built from ``tracker_options``; giving
            both is an error, since the options could not reach the given tracker).
        classes: class names to keep (e.g. ``["person", "car"]``).
        conf: detector score threshold.
        masks: attach instance masks (person segmenter) to detections and tracks.
        segmenter: segmenter spec or object used when ``masks`` is true.
        cmc: camera-motion compensation (:mod:`tracker.tracking.cmc`): ``True`` for the default
            :class:`~tracker.tracking.cmc.CameraMotion`, or such an object. Off by default: it only pays
            where the camera moves, and costs a few ms per frame.
    """

    def __init__(
        self,
        detector: Detector | str | Path | None = "nanodet",
        embedder: Embedder | str | Path | None = "mobilenetv2",
        tracker: Tracker | None = None,
        *,
        classes: Sequence[str] | str | None = None,
        conf: float | None = None,
        masks: bool = False,
        segmenter: Segmenter | str | Path = "selfie",
        appearance: str = "full",
        refresh_every: int = 5,
        cmc: Any = False,
        **tracker_options: Any,
    ):
        if appearance not in ("fast", "full"):
            raise TrackerError(f"appearance must be 'fast' or 'full', got {appearance!r}")
        if tracker is not None and tracker_options:
            raise TrackerError(
                f"Pipeline got both a tracker and tracker options ({', '.join(sorted(tracker_options))}); "
                "build the Tracker with those options instead"
            )
        self.appearance = appearance
        self.refresh_every = max(1, int(refresh_every))
        if isinstance(detector, (str, Path)) or detector is None:
            from .models.detectors import load_detector

            detector = load_detector(str(detector) if detector else None, conf=conf, classes=classes)
        self.detector = detector
        if isinstance(embedder, (str, Path)):
            from .models.embedders import load_embedder

            embedder = load_embedder(str(embedder))
        self.embedder = embedder
        if masks and isinstance(segmenter, (str, Path)):
            from .models.segmenters import load_segmenter

            segmenter = load_segmenter(str(segmenter))
        self.segmenter = segmenter if masks else None
        # The detector's score tiers (its calibration) under the user's explicit options; the source's
        # frame rate is applied in run() unless the user fixed one.
        tiers = dict(getattr(detector, "score_tiers", None) or {}) if tracker is None else {}
        self.tracker = tracker or Tracker(TrackerConfig(), **{**tiers, **tracker_options})
        self._source_fps = tracker is None and "frame_rate" not in tracker_options
        self.class_names: list[str] = list(getattr(detector, "classes", []) or [])
        self._person = _person_id(self.class_names, detector) if self.segmenter is not None else -1
        self.totals = {s: 0.0 for s in STAGES}
        self.frames = 0
        self.skipped_embeddings = 0
        if cmc is True:
            from .tracking.cmc import CameraMotion

            cmc = CameraMotion()
        self.cmc = cmc or None

    def process(
        self, image: np.ndarray, frame_index: int = 0, timestamp: float = 0.0, detections: Detections | None = None
    ) -> FrameResult:
        """Run every stage on one BGR frame (``detections``: already detected, e.g. in a batch)."""
        t = {}
        t0 = time.perf_counter()
        det = self.detector(image) if detections is None else detections
        t1 = time.perf_counter()
        t["detect"] = t1 - t0
        if self.cmc is not None:  # before embedding: the fast path's overlap test uses the moved tracks
            self.tracker.apply_camera_motion(self.cmc(image, det.xyxy))
            now = time.perf_counter()
            t["cmc"], t1 = now - t1, now
        if self.embedder is not None:
            det = det.with_(embedding=self._embed(image, det))
        t2 = time.perf_counter()
        t["embed"] = t2 - t1
        if self.segmenter is not None:
            from .models.segmenters.instances import instance_masks

            person = np.asarray(det.class_id) == self._person
            masks = np.zeros((len(det), *image.shape[:2]), bool)
            if person.any():  # the segmenter only serves people; frames without any skip it
                prob = _person_prob(self.segmenter, self.segmenter(image), image.shape[:2])
                masks[person] = instance_masks(prob, det.xyxy[person])
            det = det.with_(mask=masks)
        t3 = time.perf_counter()
        t["segment"] = t3 - t2
        tracks = self.tracker.update(det).attach(det)
        t["track"] = time.perf_counter() - t3
        for k, v in t.items():
            self.totals[k] += v
        self.frames += 1
        return FrameResult(frame_index, image, det, tracks, timestamp, t)

    def _embed(self, image: np.ndarray, det: Detections) -> np.ndarray:
        if self.appearance == "full" or self.frames % self.refresh_every == 0:
            return self._embed_rows(image, det)
        need = self.tracker.appearance_needed(det)
        self.skipped_embeddings += int((~need).sum())
        part = self._embed_rows(image, det[np.flatnonzero(need)])
        emb = np.full((len(det), part.shape[1]), np.nan, np.float32)  # NaN row: not computed this frame
        emb[need] = part
        return emb

    def _embed_rows(self, image: np.ndarray, det: Detections) -> np.ndarray:
        """The embedder's ``(N, D)`` rows for ``det``, checked so a bad embedder fails here, by name."""
        emb = np.asarray(self.embedder(image, det), np.float32)
        if len(det) == 0 and emb.ndim != 2:  # some embedders return a bare [] for no boxes
            emb = emb.reshape(0, int(getattr(self.embedder, "dim", 0) or 0))
        if emb.ndim != 2 or emb.shape[0] != len(det):
            raise TrackerError(
                f"embedder {self.embedder!r} returned shape {emb.shape} for {len(det)} detections, expected ({len(det)}, D)"
            )
        return emb

    def run(self, source, sinks: Sequence[Sink] = (), batch_size: int | None = None) -> Iterator[FrameResult]:
        """Process every frame of an opened :class:`~tracker.io.sources.Source`, yielding each result
        after every sink wrote it; the sinks are closed when the loop ends (see
        :func:`tracker.runner.write_frames`; :func:`tracker.runner.drive` adds a progress bar, a frame
        limit and clean Ctrl-C stops).

        ``batch_size`` frames go to the detector per call (``detect_batch``); by default 4 when
        TensorFlow sees a GPU and the source is a file, else 1 (on a CPU, batching buys nothing and
        adds latency; live sources always use 1 so the newest frame is processed at once).
        """
        if self._source_fps and getattr(source, "fps", None):
            self.tracker.set_frame_rate(source.fps)
        if batch_size is None:
            batch_size = 4 if _gpu_available() and not getattr(source, "is_live", False) else 1
        if getattr(source, "is_live", False) or not hasattr(self.detector, "detect_batch"):
            batch_size = 1
        return write_frames(self._results(source, batch_size), sinks)

    def _results(self, source, batch_size: int) -> Iterator[FrameResult]:
        it = iter(source)
        while True:
            t0 = time.perf_counter()
            frames = []
            for frame in it:
                frames.append(frame)
                if len(frames) >= batch_size:
                    break
            if not frames:
                return
            wait = time.perf_counter() - t0
            self.totals["decode"] += wait
            dets: list = [None] * len(frames)
            shared = 0.0
            if batch_size > 1:
                t1 = time.perf_counter()
                dets = self.detector.detect_batch([f.image for f in frames])
                shared = (time.perf_counter() - t1) / len(frames)
            for frame, det in zip(frames, dets):
                result = self.process(frame.image, frame.index, frame.timestamp, det)
                result.timings["decode"] = wait / len(frames)
                if batch_size > 1:
                    result.timings["detect"] = shared
                    self.totals["detect"] += shared
                yield result


def _gpu_available() -> bool:
    import sys

    tf = sys.modules.get("tensorflow")
    return bool(tf is not None and tf.config.list_physical_devices("GPU"))


def _person_id(class_names: Sequence[str], detector: Any = None) -> int:
    """The detector's "person" class, which the person segmenter's masks are for."""
    if "person" not in class_names:
        raise TrackerError(
            f"masks need a detector with a 'person' class; {detector!r} has classes {list(class_names) or 'none'}"
        )
    return list(class_names).index("person")


def _person_prob(segmenter: Any, prob: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The ``(H, W)`` person probability from a segmenter's output.

    Binary segmenters (the selfie one) give it directly; multi-class ones (``FcnSegmenter``) give
    ``(H, W, C)``: their "person" channel if they have one, else everything but background (channel 0).
    """
    prob = np.asarray(prob, np.float32)
    if prob.ndim == 3:
        names = list(getattr(segmenter, "classes", []) or [])
        prob = prob[..., names.index("person")] if "person" in names else 1.0 - prob[..., 0]
    if prob.shape != tuple(size):
        raise TrackerError(f"segmenter {segmenter!r} returned shape {prob.shape} for a {size[0]}x{size[1]} frame")
    return prob


def track(
    source: Any,
    *,
    detector: Any = "nanodet",
    embedder: Any = "mobilenetv2",
    classes: Sequence[str] | str | None = None,
    conf: float | None = None,
    live: bool = False,
    masks: bool = False,
    **tracker_options: Any,
) -> Iterator[FrameResult]:
    """Track objects in a video file, camera index, stream URL, image folder or MOT sequence folder.

    A generator of :class:`FrameResult`; closing it (or breaking out of the loop) releases the source.
    """
    from .io.sources import open_source

    pipeline = Pipeline(detector, embedder, classes=classes, conf=conf, masks=masks, **tracker_options)
    with open_source(source, live=live) as src:
        yield from pipeline.run(src)


def track_detections(
    sequence: Any, tracker: Tracker | None = None, sinks: Sequence[Sink] = (), **tracker_options: Any
) -> Iterator[FrameResult]:
    """Track a MOTChallenge sequence (folder path or :class:`~tracker.io.mot.Sequence`) from its detections.

    No frames are needed. ``frame_index`` is 0-based like everywhere in the library; MOT files number
    frames from 1. ``sinks`` are written and closed as in :meth:`Pipeline.run`.
    """
    from .io.mot import read_sequence

    if tracker is not None and tracker_options:
        raise TrackerError(f"track_detections got both a tracker and tracker options ({', '.join(sorted(tracker_options))})")
    seq = sequence if hasattr(sequence, "frames") else read_sequence(sequence)
    trk = tracker or Tracker(TrackerConfig(), **{"frame_rate": seq.info.frame_rate, **tracker_options})

    def results() -> Iterator[FrameResult]:
        for f, det in seq.frames():
            t0 = time.perf_counter()
            tracks = trk.update(det)
            yield FrameResult(f - 1, None, det, tracks, (f - 1) / seq.info.frame_rate, {"track": time.perf_counter() - t0})

    return write_frames(results(), sinks)
