"""Invariants of ``Tracker.update`` on random input (hypothesis).

Whatever a detector or a detection file hands over (no boxes, NaN, inf, degenerate, huge or negative
boxes, scores outside [0, 1], any embedding dimension, embeddings missing on some frames or NaN rows),
over several frames the tracker never raises, reports each id at most once per frame, never brings
back an id after its track died, keeps each id's class and reports finite boxes pointing at real
detections.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import Detections, Tracker
from tracker.detections import TrackState

WEIRD = [np.nan, np.inf, -np.inf, 0.0, -1.0, -1e6, 1e6, 1e15, -1e15, 1e30, 1e300, -1e300, 1.7e308]


@st.composite
def weird_box(draw):
    """Anything a broken source could produce: non-finite, huge, negative, zero-size or inverted."""
    coord = st.one_of(st.sampled_from(WEIRD), st.floats(allow_nan=True, allow_infinity=True), st.floats(-50, 50))
    return [draw(coord) for _ in range(4)]


@st.composite
def frames(draw):
    """A short sequence of frames; each box is a jittered copy of a few objects (so tracks form) or weird."""
    objects = draw(st.lists(st.tuples(st.floats(0, 600), st.floats(0, 400), st.floats(2, 150), st.floats(2, 300)), max_size=4))
    dim = draw(st.integers(1, 12))
    protos = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=(max(len(objects), 1), dim))
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    score = st.one_of(st.floats(0, 1), st.sampled_from([np.nan, np.inf, -0.5, 1.5, 0.0, 1.0]))
    out = []
    for f in range(draw(st.integers(1, 8))):
        boxes, embs = [], []
        for _ in range(draw(st.integers(0, 6))):
            if objects and draw(st.booleans()):
                k = draw(st.integers(0, len(objects) - 1))
                cx, cy, w, h = objects[k]
                j = draw(st.floats(-5, 5))
                boxes.append([cx + 3 * f + j - w / 2, cy - h / 2, cx + 3 * f + j + w / 2, cy + h / 2])
                embs.append(protos[k])
            else:
                boxes.append(draw(weird_box()))
                embs.append(protos[draw(st.integers(0, len(protos) - 1))])
        n = len(boxes)
        mode = draw(st.sampled_from(["none", "unit", "with_nan_rows"]))
        emb = None
        if mode != "none":
            emb = np.array(embs, np.float32).reshape(n, dim)
            if mode == "with_nan_rows" and n:  # the fast appearance path: NaN = not computed this frame
                emb[np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))] = np.nan
        scores = draw(st.lists(score, min_size=n, max_size=n))
        classes = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
        out.append(Detections(np.array(boxes, np.float64).reshape(n, 4), scores, classes, embedding=emb))
    return out


configs = st.fixed_dictionaries(
    {
        "max_age": st.integers(0, 3),
        "n_init": st.integers(1, 3),
        "output_coasting": st.integers(0, 3),
        "confirm_on_first_frame": st.booleans(),
        "output_filtered_boxes": st.booleans(),
        "fuse_score": st.booleans(),
    }
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sequence=frames(), options=configs)
def test_update_never_raises_and_keeps_id_invariants(sequence, options):
    tracker = Tracker(**options)
    dead: set[int] = set()
    live_before: set[int] = set()
    class_of: dict[int, int] = {}
    for det in sequence:
        out = tracker.update(det)
        ids = out.track_id.tolist()
        assert len(set(ids)) == len(ids), "an id twice in one frame"
        assert all(i > 0 for i in ids)
        assert np.isfinite(out.xyxy).all(), "non-finite output box"
        assert out.xyxy.shape == (len(out), 4)
        assert (out.state == TrackState.CONFIRMED).all()
        hit = out.det_index[out.det_index >= 0]
        assert (hit < len(det)).all() and len(set(hit.tolist())) == len(hit), "det_index wrong or shared"
        assert np.isfinite(det.xyxy[hit]).all() and np.isfinite(det.score[hit]).all()
        for tid, cid in zip(ids, out.class_id.tolist()):
            assert class_of.setdefault(tid, cid) == cid, "a track changed class"
        live = {int(i) for i in tracker.tracks.track_id if i > 0}
        assert not (set(ids) | live) & dead, "an id came back after its track died"
        dead |= live_before - live
        live_before = live
        out.attach(det)  # carrying fields over must work on whatever came out


@settings(max_examples=20, deadline=None)
@given(n_empty=st.integers(1, 5), dim=st.integers(1, 8))
def test_empty_frames_between_detections_coast_then_age_out(n_empty, dim):
    tracker = Tracker(max_age=2, output_coasting=1, coast_min_hits=0)  # coast from the first hit
    box = np.array([[100.0, 100.0, 140.0, 200.0]])
    emb = np.ones((1, dim), np.float32) / np.sqrt(dim)
    (tid,) = tracker.update(Detections(box, [0.9], [0], embedding=emb)).track_id
    for k in range(1, n_empty + 1):
        out = tracker.update(Detections.empty(dim))
        assert out.track_id.tolist() == ([tid] if k <= 1 else [])  # coasting for output_coasting frames only
        assert out.det_index.tolist() == [-1] * len(out)
    back = [tracker.update(Detections(box, [0.9], [0], embedding=emb)) for _ in range(2)]
    if n_empty <= 2:  # within max_age: the same track resumes
        assert [b.track_id.tolist() for b in back] == [[tid], [tid]]
    else:  # deleted: a new track, tentative for one frame (n_init 2), then a new id, never the old one
        assert len(back[0]) == 0 and len(back[1]) == 1 and back[1].track_id[0] > tid
