"""Offline refinement of finished trajectories: fill short gaps, smooth the boxes.

Only for files, where every frame's results can wait for the end of the sequence:

- ``linear``: within each track, a gap of at most ``max_gap`` missing frames between two reported
  frames is filled with boxes interpolated linearly between its ends (the detector missed the object,
  the tracker kept its identity). Longer gaps are left: over many frames a straight line is a guess.
- ``gsi``: StrongSORT's Gaussian-smoothed interpolation (Du et al. 2022, ``GSI.py``): the linear fill,
  then each track's box coordinates are replaced by the posterior mean of a Gaussian process over the
  frame number, RBF kernel with a fixed length scale ``clip(tau * log(tau^3 / n), 1 / tau, tau^2)`` for
  a track of ``n`` rows (short tracks are smoothed over more frames, very long ones hardly at all) and
  noise level ``1e-10`` (scikit-learn's default ``alpha``, which StrongSORT keeps). Written here with
  one Cholesky factorisation per track (scipy) instead of scikit-learn's ``GaussianProcessRegressor``,
  which gives the same numbers (checked in the tests) without a run-time dependency on scikit-learn
  and fits the four coordinates at once.

Boxes are smoothed as ``xyxy``; both steps are linear in the coordinates, so this equals StrongSORT's
smoothing of ``x, y, w, h``. Interpolated rows get the score interpolated between the gap's ends.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["METHODS", "Rows", "interpolate_linear", "smooth_gsi", "refine", "RefinedMotSink"]

METHODS = ("none", "linear", "gsi")

#: Gap length filled by default (missing frames). StrongSORT's ``interval`` 20 fills up to 18.
MAX_GAP = 20
#: smallest width and height (pixels) a smoothed box keeps.
MIN_SIZE = 1.0
#: StrongSORT's ``tau`` for GSI.
TAU = 10.0


class Rows(NamedTuple):
    """Tracking results as parallel arrays, one entry per (frame, track)."""

    frame: np.ndarray  # (N,) int, 1-based like MOT files (any consistent numbering works)
    track_id: np.ndarray  # (N,) int
    xyxy: np.ndarray  # (N, 4) float
    score: np.ndarray  # (N,) float

    @classmethod
    def empty(cls) -> "Rows":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0))

    def sorted(self) -> "Rows":
        """Ordered by track, then frame."""
        order = np.lexsort((self.frame, self.track_id))
        return Rows(*(a[order] for a in self))


def interpolate_linear(rows: Rows, max_gap: int = MAX_GAP) -> Rows:
    """Fill gaps of 1..``max_gap`` missing frames inside each track by linear interpolation."""
    r = rows.sorted()
    if len(r.frame) < 2 or max_gap < 1:
        return r
    df = np.diff(r.frame)
    same = r.track_id[1:] == r.track_id[:-1]
    gap = np.flatnonzero(same & (df > 1) & (df <= max_gap + 1))  # row gap -> gap+1 is the far end
    if len(gap) == 0:
        return r
    n_new = df[gap] - 1
    start = np.repeat(gap, n_new)
    # Position of each new row within its gap: 1..n_new.
    k = np.arange(n_new.sum()) - np.repeat(np.cumsum(n_new) - n_new, n_new) + 1
    w = (k / (df[start]))[:, None]
    xyxy = r.xyxy[start] + w * (r.xyxy[start + 1] - r.xyxy[start])
    score = r.score[start] + w[:, 0] * (r.score[start + 1] - r.score[start])
    filled = Rows(
        np.concatenate([r.frame, r.frame[start] + k]),
        np.concatenate([r.track_id, r.track_id[start]]),
        np.concatenate([r.xyxy, xyxy]),
        np.concatenate([r.score, score]),
    )
    return filled.sorted()


def gsi_length_scale(n: int, tau: float = TAU) -> float:
    """StrongSORT's RBF length scale (frames) for a track of ``n`` rows."""
    return float(np.clip(tau * np.log(tau**3 / n), 1.0 / tau, tau**2))


def smooth_gsi(rows: Rows, tau: float = TAU, max_gap: int = MAX_GAP) -> Rows:
    """Linear gap filling, then Gaussian-process smoothing of each track's boxes (StrongSORT's GSI)."""
    r = interpolate_linear(rows, max_gap)
    xyxy = r.xyxy.copy()
    if len(r.frame) == 0:
        return r
    bounds = np.flatnonzero(np.diff(r.track_id)) + 1
    with _one_blas_thread():
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(r.frame)]):
            t = r.frame[lo:hi].astype(np.float64)
            xyxy[lo:hi] = _gp_mean(t, r.xyxy[lo:hi], gsi_length_scale(hi - lo, tau))
    # A box shrinking fast (a car leaving the frame) can be smoothed past zero size (kitti-car-dev 0003:
    # width -0.24 px); keep every box at least MIN_SIZE wide and high, as the raw boxes were.
    xyxy[:, 2:] = np.maximum(xyxy[:, 2:], xyxy[:, :2] + MIN_SIZE)
    return Rows(r.frame, r.track_id, xyxy, r.score)


def _one_blas_thread():
    """The solves are small; a multi-threaded BLAS spends longer waking threads than solving (MOT17-04:
    1.9 s with OpenBLAS's default threads, 0.09 s with one, on a busy 2-core machine). threadpoolctl
    comes with scikit-learn and is used where installed; without it the default threads are kept."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


#: scikit-learn's default GP noise (``alpha``), which StrongSORT's GSI keeps.
_NOISE = 1e-10
#: Kernel entries below this are zero in double precision next to the unit diagonal.
_NEGLIGIBLE = 1e-17


def _gp_mean(t: np.ndarray, y: np.ndarray, ls: float) -> np.ndarray:
    """Posterior mean at the training frames, ``K (K + noise I)^-1 y`` with an RBF kernel.

    Computed as ``y - noise * (K + noise I)^-1 y`` (the same in exact arithmetic) so only one solve is
    needed. Frames at least ``band`` rows apart are farther than ``8.9 ls`` frames apart, where the
    kernel is below 1e-17, so long tracks (short length scales) use a banded Cholesky solve: O(n band^2)
    instead of O(n^3). MOT17-04's 1050-frame tracks took 0.4 s each dense, a few ms banded.
    """
    n = len(t)
    from scipy import linalg  # here, not at the top: the CLI imports this module's constants for --help

    band = int(np.ceil(ls * np.sqrt(2.0 * np.log(1.0 / _NEGLIGIBLE))))
    try:
        if band < n - 1:
            ab = np.zeros((band + 1, n))
            ab[0] = 1.0 + _NOISE
            for k in range(1, band + 1):
                ab[k, : n - k] = np.exp(-0.5 * np.square((t[k:] - t[:-k]) / ls))
            alpha = linalg.solveh_banded(ab, y, lower=True, check_finite=False)
        else:
            K = np.exp(-0.5 * np.square((t[:, None] - t[None, :]) / ls))
            K[np.diag_indices(n)] += _NOISE
            alpha = linalg.cho_solve(linalg.cho_factor(K, lower=True, check_finite=False), y, check_finite=False)
    except linalg.LinAlgError:  # pragma: no cover - K + noise I is positive definite in exact arithmetic
        return y
    return y - _NOISE * alpha


def refine(rows: Rows, method: str, max_gap: int = MAX_GAP, tau: float = TAU) -> Rows:
    """Apply ``method`` (``none``, ``linear`` or ``gsi``) and return rows ordered by track then frame."""
    if method == "none":
        return rows.sorted()
    if method == "linear":
        return interpolate_linear(rows, max_gap)
    if method == "gsi":
        return smooth_gsi(rows, tau, max_gap)
    raise ValueError(f"unknown refinement {method!r}; expected one of {', '.join(METHODS)}")


class _FrameTracks(NamedTuple):
    track_id: np.ndarray
    xyxy: np.ndarray
    score: np.ndarray


class _Frame(NamedTuple):
    """What a MOT sink reads of a ``FrameResult``: the 0-based frame index and its tracks."""

    frame_index: int
    tracks: _FrameTracks


class RefinedMotSink:
    """Wraps a MOT results sink: buffers every frame, and on :meth:`close` writes the refined rows.

    ``write(result)`` / ``close(commit)`` are the sink interface (``tracker.records.Sink``), so the CLI
    swaps it in for the MOT sink without other changes.
    """

    def __init__(self, sink, method: str, max_gap: int = MAX_GAP, tau: float = TAU):
        if method not in METHODS:
            raise ValueError(f"unknown refinement {method!r}; expected one of {', '.join(METHODS)}")
        self.sink, self.method, self.max_gap, self.tau = sink, method, max_gap, tau
        self._parts: list[tuple] = []
        self._closed = False

    def write(self, result) -> None:
        frame, tracks = int(result.frame_index) + 1, result.tracks  # MOT frames are 1-based
        n = len(tracks.track_id)
        if n:
            xyxy = np.asarray(tracks.xyxy, float).reshape(-1, 4)
            ids, score = np.asarray(tracks.track_id), np.asarray(tracks.score, float)
            self._parts.append((np.full(n, int(frame)), ids, xyxy, score))

    def rows(self) -> Rows:
        """Everything written so far, unrefined."""
        if not self._parts:
            return Rows.empty()
        return Rows(*(np.concatenate(col) for col in zip(*self._parts)))

    def close(self, commit: bool = True) -> None:
        """Refine, write frame by frame to the wrapped sink, close it (idempotent). ``commit=False`` is
        passed on to sinks that write a temporary file and move it into place: nothing is written."""
        if self._closed:
            return
        self._closed = True
        if not commit:
            self.sink.close(commit=False)
            return
        try:
            r = refine(self.rows(), self.method, self.max_gap, self.tau)
            order = np.lexsort((r.track_id, r.frame))
            r = Rows(*(a[order] for a in r))
            bounds = np.flatnonzero(np.diff(r.frame)) + 1
            for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(r.frame)]):
                if hi > lo:
                    tracks = _FrameTracks(r.track_id[lo:hi], r.xyxy[lo:hi], r.score[lo:hi])
                    self.sink.write(_Frame(int(r.frame[lo]) - 1, tracks))
        finally:
            self.sink.close()
