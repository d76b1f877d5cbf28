"""Offline refinement: linear gap filling and StrongSORT's Gaussian-smoothed interpolation."""

import numpy as np
import pytest

from tracker.tracking.refine import RefinedMotSink, Rows, gsi_length_scale, interpolate_linear, refine, smooth_gsi


def rows(table):
    """``[(frame, id, x1, y1, x2, y2, score)]`` -> Rows."""
    a = np.array(table, float).reshape(-1, 7)
    return Rows(a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2:6], a[:, 6])


def test_linear_fills_a_gap_with_hand_computed_boxes():
    r = rows([(1, 7, 0, 0, 10, 20, 0.9), (4, 7, 30, 6, 46, 26, 0.3)])
    out = interpolate_linear(r, max_gap=2)
    assert out.frame.tolist() == [1, 2, 3, 4] and out.track_id.tolist() == [7] * 4
    # One third and two thirds of the way: (30, 6, 36, 6) / 3 = (10, 2, 12, 2) per frame.
    np.testing.assert_allclose(out.xyxy[1:3], [[10, 2, 22, 22], [20, 4, 34, 24]])
    np.testing.assert_allclose(out.score, [0.9, 0.7, 0.5, 0.3])


@pytest.mark.parametrize(
    "max_gap, filled",
    [(0, []), (1, [2]), (2, [2, 6, 7]), (3, [2, 6, 7, 11, 12, 13]), (20, [2, 6, 7, 11, 12, 13])],
)
def test_only_gaps_up_to_max_gap_are_filled(max_gap, filled):
    # Gaps of 1, 2 and 3 missing frames.
    r = rows([(f, 1, f, 0, f + 5, 5, 1) for f in (1, 3, 4, 5, 8, 9, 10, 14)])
    out = interpolate_linear(r, max_gap)
    new = sorted(set(out.frame.tolist()) - set(r.frame.tolist()))
    assert new == filled
    # Every box of this straight-line track lies on the line: x1 == frame.
    np.testing.assert_allclose(out.xyxy[:, 0], out.frame)


def test_gaps_are_filled_per_track_never_across_tracks():
    r = rows([(1, 1, 0, 0, 1, 1, 1), (3, 2, 9, 9, 10, 10, 1), (5, 1, 4, 0, 5, 1, 1), (6, 2, 0, 0, 1, 1, 1)])
    out = interpolate_linear(r, max_gap=5)
    by_id = {i: out.frame[out.track_id == i].tolist() for i in (1, 2)}
    assert by_id == {1: [1, 2, 3, 4, 5], 2: [3, 4, 5, 6]}
    np.testing.assert_allclose(out.xyxy[(out.track_id == 1) & (out.frame == 2)], [[1, 0, 2, 1]])


def test_gsi_length_scale_follows_strongsort():
    # tau * log(tau^3 / n), clipped to [1 / tau, tau^2].
    assert gsi_length_scale(100, 10) == pytest.approx(10 * np.log(10.0))
    assert gsi_length_scale(1, 10) == pytest.approx(69.0776, abs=1e-4)
    assert gsi_length_scale(5000, 10) == pytest.approx(0.1)
    assert gsi_length_scale(1, 4) == pytest.approx(16.0)  # 4 log 64 = 16.6, clipped to 4^2


def _noisy_track(seed, n=60, gap=(20, 26)):
    rng = np.random.default_rng(seed)
    f = np.array([i for i in range(1, n + 1) if not gap[0] <= i < gap[1]])
    truth = np.stack([3.0 * f, 100 + 0.5 * f, 3.0 * f + 40, 180 + 0.5 * f], 1)
    noisy = truth + rng.normal(0, 3.0, truth.shape)
    return Rows(f, np.full(len(f), 5), noisy, np.full(len(f), 0.8)), truth


@pytest.mark.parametrize("n", [60, 400])  # 400 rows: a short length scale, so the banded solve is used
def test_gsi_equals_strongsort_with_scikit_learn(n):
    sklearn_gp = pytest.importorskip("sklearn.gaussian_process")
    r, _ = _noisy_track(0, n=n)
    out = smooth_gsi(r, tau=10, max_gap=20)
    # StrongSORT's GaussianSmooth on the linearly filled track: one GPR per coordinate.
    lin = interpolate_linear(r, 20)
    t = lin.frame.reshape(-1, 1).astype(float)
    ls = np.clip(10 * np.log(10**3 / len(t)), 0.1, 100)
    gpr = sklearn_gp.GaussianProcessRegressor(sklearn_gp.kernels.RBF(ls, "fixed"))
    ref = np.stack([gpr.fit(t, lin.xyxy[:, j : j + 1]).predict(t).ravel() for j in range(4)], 1)
    np.testing.assert_array_equal(out.frame, lin.frame)
    # K + 1e-10 I is ill-conditioned (that is what smooths), so two solvers agree to ~1e-4 px, not 1e-9.
    np.testing.assert_allclose(out.xyxy, ref, atol=1e-3)


@pytest.mark.parametrize("seed", range(3))
def test_gsi_brings_a_noisy_straight_track_closer_to_the_truth(seed):
    r, truth_kept = _noisy_track(seed)
    out = smooth_gsi(r)
    f = out.frame.astype(float)
    truth = np.stack([3.0 * f, 100 + 0.5 * f, 3.0 * f + 40, 180 + 0.5 * f], 1)
    raw_err = np.abs(r.xyxy - truth_kept).mean()
    assert np.abs(out.xyxy - truth).mean() < 0.6 * raw_err
    assert out.frame.tolist() == list(range(1, 61))  # the 6-frame gap was filled


def test_short_tracks_and_single_rows_pass_through():
    r = rows([(3, 1, 0, 0, 10, 10, 0.5), (9, 2, 5, 5, 6, 6, 0.5), (10, 2, 7, 5, 8, 6, 0.5)])
    for method in ("none", "linear", "gsi"):
        out = refine(r, method)
        assert out.frame.tolist() == [3, 9, 10]
        np.testing.assert_allclose(out.xyxy, r.xyxy, atol=1e-6)
    assert len(refine(Rows.empty(), "gsi").frame) == 0
    with pytest.raises(ValueError):
        refine(r, "spline")


class _ListSink:
    def __init__(self):
        self.frames, self.closed = [], False

    def write(self, result):  # records MOT (1-based) frame numbers
        tracks = result.tracks
        self.frames.append((result.frame_index + 1, list(tracks.track_id), np.asarray(tracks.xyxy).tolist()))

    def close(self, commit=True):
        self.closed = "committed" if commit else "dropped"


class _R:
    """A FrameResult as a MOT sink reads it: 0-based ``frame_index`` and ``tracks``."""

    def __init__(self, frame_index, tracks):
        self.frame_index, self.tracks = frame_index, tracks


class _T:
    def __init__(self, ids, xyxy):
        self.track_id, self.xyxy, self.score = np.array(ids), np.array(xyxy, float).reshape(-1, 4), np.ones(len(ids))


def test_refined_sink_buffers_then_writes_frame_by_frame():
    inner = _ListSink()
    sink = RefinedMotSink(inner, "linear", max_gap=3)
    sink.write(_R(0, _T([1, 2], [[0, 0, 2, 2], [50, 50, 60, 60]])))
    sink.write(_R(1, _T([], [])))
    sink.write(_R(2, _T([1], [[4, 0, 6, 2]])))
    assert inner.frames == []  # nothing until the end
    sink.close()
    sink.close()
    assert inner.closed == "committed"
    assert inner.frames == [
        (1, [1, 2], [[0, 0, 2, 2], [50, 50, 60, 60]]),
        (2, [1], [[2, 0, 4, 2]]),
        (3, [1], [[4, 0, 6, 2]]),
    ]


def _sequence_with_a_gap(root):
    seq = root / "SEQ-01"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=SEQ-01\nframeRate=10\nseqLength=20\nimWidth=640\nimHeight=480\n")
    # One object moving 4 px a frame, missed by the detector in frames 9-15 (longer than any coasting).
    rows_ = [f"{f},-1,{10 + 4 * f},50,40,100,0.9,-1,-1,-1\n" for f in range(1, 21) if not 9 <= f <= 15]
    (seq / "det" / "det.txt").write_text("".join(rows_))
    return seq


@pytest.mark.parametrize(
    "method, gap, frames",
    [
        ("none", [], 8 + 5),
        ("linear", [], 20),
        ("gsi", [], 20),
        ("linear", ["--refine-gap", "6"], 8 + 5),  # the gap is 7 frames
        ("gsi", ["--refine-gap", "7"], 20),
    ],
)
def test_cli_refine_fills_the_gap_in_the_mot_file(tmp_path, method, gap, frames):
    from tracker.cli import main
    from tracker.io.mot import read_rows

    seq = _sequence_with_a_gap(tmp_path)
    out = tmp_path / "out.txt"
    args = ["track", str(seq), "--mot-out", str(out), "--quiet", "--refine", method, *gap]
    assert main(args + ["--config", str(_config(tmp_path))]) == 0
    r = read_rows(out)
    assert sorted(r[:, 0].astype(int).tolist()) == sorted(set(r[:, 0].astype(int).tolist()))  # one row a frame
    assert len(r) == frames and len(set(r[:, 1])) == 1
    if frames == 20:
        mid = r[r[:, 0] == 12][0]
        assert mid[2] == pytest.approx(10 + 4 * 12, abs=3)  # on the line (the boxes are Kalman-filtered)


def _config(tmp_path):
    # Survive the 7-frame miss without coasting in the output: frames 1-8 and 16-20 are reported unrefined.
    from tracker.tune import save_config

    path = tmp_path / "c.json"
    save_config(path, {"max_age": 30, "output_coasting": 0})
    return path


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "--refine rewrites the MOT results"),
        (["--mot-out", "X", "--live"], "not for cameras, streams or --live"),
        (["--mot-out", "X", "--refine-gap", "-1"], "--refine-gap must be an integer >= 0"),
    ],
)
def test_cli_refine_mistakes(tmp_path, capsys, extra, message):
    from tracker.cli import main

    seq = _sequence_with_a_gap(tmp_path)
    extra = [str(tmp_path / "o.txt") if e == "X" else e for e in extra]
    assert main(["track", str(seq), "--refine", "gsi", "--quiet", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "o.txt").exists()


def test_refined_sink_passes_a_discard_on_without_writing():
    inner = _ListSink()
    sink = RefinedMotSink(inner, "gsi")
    sink.write(_R(0, _T([1], [[0, 0, 2, 2]])))
    sink.close(commit=False)
    assert inner.frames == [] and inner.closed == "dropped"


def test_gsi_never_smooths_a_shrinking_box_past_zero_size():
    # Track 9 of kitti-car-dev 0003 (frame, x, width) as the tracker wrote it: a car that drives in, then
    # leaves at the left edge, its width falling to 4 px; the smooth curve went to -0.24 px without the floor.
    track = [(56, 246.29, 39.11), (57, 239.89, 32.04), (58, 232.45, 44.00), (59, 228.01, 44.22),
             (60, 222.67, 47.41), (61, 218.18, 47.46), (62, 214.09, 46.30), (63, 210.22, 47.78),
             (64, 202.08, 50.73), (65, 194.92, 50.96), (66, 183.98, 54.63), (67, 174.36, 59.74),
             (68, 166.23, 58.59), (69, 155.58, 60.29), (70, 145.09, 63.59), (71, 132.46, 67.90),
             (72, 120.23, 71.33), (73, 109.42, 74.85), (74, 91.90, 79.61), (75, 81.11, 83.86),
             (76, 69.58, 84.22), (77, 53.67, 90.51), (78, 35.91, 96.14), (79, 19.65, 104.85),
             (80, 0.08, 112.88), (81, -0.11, 99.71), (82, -0.10, 84.68), (83, -0.09, 69.40),
             (84, -0.07, 53.91), (85, -0.04, 38.33), (86, -0.02, 16.24), (87, -3.40, 4.15)]  # fmt: skip
    f, x, w = (np.array(c) for c in zip(*track))
    xyxy = np.stack([x, np.full(len(f), 170.0), x + w, np.full(len(f), 220.0)], axis=1)
    out = smooth_gsi(Rows(f.astype(np.int64), np.ones(len(f), np.int64), xyxy, np.ones(len(f))))
    assert (out.xyxy[:, 2] - out.xyxy[:, 0] >= 1.0).all() and (out.xyxy[:, 3] - out.xyxy[:, 1] >= 1.0).all()
