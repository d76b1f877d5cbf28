"""Constant-velocity Kalman filter in (cx, cy, aspect, height) or (cx, cy, w, h), batched over tracks.

The ``xyah`` model is the one of DeepSORT (Wojke et al. 2017): state ``[cx, cy, a, h, vcx, vcy, va, vh]``,
measurement ``[cx, cy, a, h]``, process and measurement noise proportional to the box height so the
filter behaves the same for near and far objects. The ``xywh`` model is BoT-SORT's (Aharon et al. 2022):
width and height are filtered on their own (an aspect ratio mixes them, so a box that widens while its
height holds looks like noise), with noise proportional to the width for cx and w and to the height for
cy and h. ``update`` optionally scales the measurement noise per box (NSA Kalman, Du et al. 2021, as in
StrongSORT): a detector's confident boxes are trusted more than its doubtful ones. The transition and measurement matrices come from
a ``filterpy.kalman.KalmanFilter``, and :meth:`KalmanFilter.to_filterpy` returns the per-track
filterpy filter with identical F, H, Q, R, which the tests step side by side with this one.

Why the covariance is stored as blocks: F, H, Q, R and the initial covariance all pair each measured
coordinate only with its own velocity, so the 8x8 covariance stays block-diagonal forever: four
independent 2x2 blocks ``[[pp, pv], [pv, vv]]``. Storing those as three ``(N, 4)`` arrays turns
filterpy's matrix equations into a handful of element-wise numpy operations over all tracks, with
the same results (checked against filterpy in the tests). ``cov`` below is that ``(N, 3, 4)`` array.
"""

from __future__ import annotations

import numpy as np
from filterpy.kalman import KalmanFilter as _FilterpyKF

#: 0.95 quantile of the chi-square distribution by degrees of freedom (as in DeepSORT's gating).
CHI2INV95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}

PP, PV, VV = 0, 1, 2  # rows of the block covariance


class KalmanFilter:
    """Batched DeepSORT Kalman filter.

    Args:
        std_weight_position: position noise as a fraction of box size (paper: 1/20).
        std_weight_velocity: velocity noise as a fraction of box size (paper: 1/160).
        dt: time step between frames.
        state: ``"xyah"`` (DeepSORT) or ``"xywh"`` (BoT-SORT; centre, width, height).
    """

    ndim = 4
    #: state coordinates that scale with the image (camera-motion compensation): h of (cx, cy, a, h),
    #: w and h of (cx, cy, w, h); set per instance from ``state``
    size_dims: tuple[int, ...] = (3,)

    def __init__(
        self,
        std_weight_position: float = 1.0 / 20,
        std_weight_velocity: float = 1.0 / 160,
        dt: float = 1.0,
        state: str = "xyah",
    ):
        if state not in ("xyah", "xywh"):
            raise ValueError(f"state must be 'xyah' or 'xywh', got {state!r}")
        self.state = state
        self.size_dims = (3,) if state == "xyah" else (2, 3)
        ref = _FilterpyKF(dim_x=8, dim_z=4)
        ref.F = np.eye(8)
        ref.F[:4, 4:] = dt * np.eye(4)
        ref.H = np.eye(4, 8)
        self.F = ref.F.copy()
        self.H = ref.H.copy()
        self.dt = dt
        sp, sv = std_weight_position, std_weight_velocity
        self.std_pos, self.std_vel = sp, sv
        if state == "xyah":
            # Standard deviations are (weight * h) for cx, cy, h and constants for the aspect ratio.
            self._w_pos = np.array([sp, sp, 0.0, sp]) ** 2
            self._c_pos = np.array([0.0, 0.0, 1e-2, 0.0]) ** 2
            self._w_vel = np.array([sv, sv, 0.0, sv]) ** 2
            self._c_vel = np.array([0.0, 0.0, 1e-5, 0.0]) ** 2
            self._w_meas = np.array([sp, sp, 0.0, sp]) ** 2
            self._c_meas = np.array([0.0, 0.0, 1e-1, 0.0]) ** 2
            self._c_init = (np.array([0.0, 0.0, 1e-2, 0.0]) ** 2, np.array([0.0, 0.0, 1e-5, 0.0]) ** 2)
        else:
            # (weight * w) for cx and w, (weight * h) for cy and h; no constants.
            z = np.zeros(4)
            self._w_pos, self._w_vel, self._w_meas = np.full(4, sp**2), np.full(4, sv**2), np.full(4, sp**2)
            self._c_pos, self._c_vel, self._c_meas, self._c_init = z, z, z, (z, z)

    # -- noise (variances per coordinate, shape (N, 4)) ---------------------------------------------
    def _scale2(self, m4: np.ndarray) -> np.ndarray:
        """Squared size each coordinate's noise is proportional to, ``(N, 4)``, from measurement-space means."""
        if self.state == "xyah":
            return np.square(m4[:, 3:4])
        sq = np.square(m4[:, 2:4])  # (w, h, w, h): slicing twice beats a fancy index in this hot path
        return np.concatenate((sq, sq), axis=1)

    def _q(self, m4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s2 = self._scale2(m4)
        return s2 * self._w_pos + self._c_pos, s2 * self._w_vel + self._c_vel

    def _r(self, m4: np.ndarray) -> np.ndarray:
        return self._scale2(m4) * self._w_meas + self._c_meas

    def _as_m4(self, x: np.ndarray) -> np.ndarray:
        """Accept heights ``(N,)`` (the xyah model only needs them) or measurement-space means ``(N, 4)``."""
        x = np.asarray(x, float)
        if x.ndim == 1:
            m4 = np.zeros((len(x), 4))
            m4[:, 3] = x
            return m4
        return x[:, :4]

    def process_noise(self, x: np.ndarray) -> np.ndarray:
        """Q as full ``(N, 8, 8)`` matrices (for reference and tests); ``x``: heights or ``(N, 4)`` means."""
        qp, qv = self._q(self._as_m4(x))
        return _full_diag(np.concatenate([qp, qv], 1))

    def measurement_noise(self, x: np.ndarray, r_scale: np.ndarray | None = None) -> np.ndarray:
        """R as full ``(N, 4, 4)`` matrices (for reference and tests); ``x``: heights or ``(N, 4)`` means."""
        r = self._r(self._as_m4(x))
        if r_scale is not None:
            r = r * np.asarray(r_scale, float)[:, None]
        return _full_diag(r)

    # -- filter steps ----------------------------------------------------------------------------
    def initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New tracks from measurements ``(N, 4)``: zero velocity, size-scaled uncertainty."""
        z = np.asarray(z, dtype=np.float64).reshape(-1, 4)
        n = len(z)
        mean = np.zeros((n, 8))
        mean[:, :4] = z
        s2 = self._scale2(z)
        cov = np.zeros((n, 3, 4))
        # (2 * weight * size)^2 and (10 * weight * size)^2; the constants follow DeepSORT's initial std.
        cov[:, PP] = 4 * s2 * self._w_pos + self._c_init[0]
        cov[:, VV] = 100 * s2 * self._w_vel + self._c_init[1]
        return mean, cov

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x = F x; P = F P F' + Q (filterpy's ``predict``), for all tracks."""
        dt = self.dt
        qp, qv = self._q(mean)  # from the size before the step, as in DeepSORT
        pp, pv, vv = cov[:, PP], cov[:, PV], cov[:, VV]
        out = np.empty_like(cov)
        out[:, PP] = pp + dt * (2 * pv + dt * vv) + qp
        out[:, PV] = pv + dt * vv
        out[:, VV] = vv + qv
        new_mean = mean.copy()
        new_mean[:, :4] += dt * mean[:, 4:]
        return new_mean, out

    def project(self, mean: np.ndarray, cov: np.ndarray, r_scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Measurement-space mean and the (diagonal) innovation variance S = H P H' + R, shape (N, 4).

        ``r_scale`` multiplies R per track (NSA Kalman: ``(1 - score)^2``).
        """
        r = self._r(mean)
        if r_scale is not None:
            r = r * r_scale[:, None]
        return mean[:, :4], cov[:, PP] + r

    def update(
        self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray, r_scale: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """filterpy's ``update`` (K = P H' S^-1; x += K (z - H x); P -= K S K'), for all tracks.

        ``r_scale`` (per track, optional) multiplies the measurement noise R (see :func:`nsa_scale`).
        """
        z_mean, S = self.project(mean, cov, r_scale)
        pp, pv, vv = cov[:, PP], cov[:, PV], cov[:, VV]
        kp, kv = pp / S, pv / S
        y = z - z_mean
        new_mean = np.empty_like(mean)
        new_mean[:, :4] = mean[:, :4] + kp * y
        new_mean[:, 4:] = mean[:, 4:] + kv * y
        out = np.empty_like(cov)
        out[:, PP] = pp - kp * pp
        out[:, PV] = pv - kp * pv
        out[:, VV] = vv - kv * pv
        return new_mean, out

    def predict_update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray, r_scale: np.ndarray | None = None) -> None:
        """:meth:`predict` then :meth:`update`, IN PLACE on ``mean`` and ``cov`` (same results, about half
        the numpy calls: the ORU re-update runs this once per virtual step)."""
        dt = self.dt
        s2 = self._scale2(mean)
        pp, pv, vv = cov[:, PP], cov[:, PV], cov[:, VV]
        pp += dt * (2 * pv + dt * vv) + (s2 * self._w_pos + self._c_pos)
        pv += dt * vv
        vv += s2 * self._w_vel + self._c_vel
        m4 = mean[:, :4]
        m4 += dt * mean[:, 4:]
        r = self._scale2(mean) * self._w_meas + self._c_meas
        if r_scale is not None:
            r *= r_scale[:, None]
        kp, kv = pp / (pp + r), pv / (pp + r)
        y = z - m4
        m4 += kp * y
        mean[:, 4:] += kv * y
        vv -= kv * pv
        pv *= 1.0 - kp
        pp *= 1.0 - kp

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray, only_position: bool = False) -> np.ndarray:
        """Squared Mahalanobis distance of each measurement to each track, shape (tracks, measurements)."""
        z_mean, S = self.project(mean, cov)
        if only_position:
            z_mean, S, z = z_mean[:, :2], S[:, :2], z[:, :2]
        d = z[None, :, :] - z_mean[:, None, :]
        return np.einsum("nmd,nd->nm", d * d, 1.0 / S)

    # -- reference -------------------------------------------------------------------------------
    def full_covariance(self, cov: np.ndarray) -> np.ndarray:
        """The ``(N, 8, 8)`` covariance matrices the blocks stand for."""
        n = len(cov)
        P = np.zeros((n, 8, 8))
        i = np.arange(4)
        P[:, i, i] = cov[:, PP]
        P[:, i, i + 4] = cov[:, PV]
        P[:, i + 4, i] = cov[:, PV]
        P[:, i + 4, i + 4] = cov[:, VV]
        return P

    def to_filterpy(self, mean: np.ndarray, cov: np.ndarray) -> _FilterpyKF:
        """One track as a filterpy filter with this model's F, H, Q and R (used to check the batch math)."""
        kf = _FilterpyKF(dim_x=8, dim_z=4)
        kf.F, kf.H = self.F.copy(), self.H.copy()
        kf.x = mean.reshape(8, 1).copy()
        kf.P = self.full_covariance(cov[None])[0]
        kf.Q = self.process_noise(mean[None, :4])[0]
        kf.R = self.measurement_noise(mean[None, :4])[0]
        return kf


def nsa_scale(score: np.ndarray, floor: float = 1e-2) -> np.ndarray:
    """NSA Kalman's factor on R: the measurement std times ``(1 - score)``, so R times ``(1 - score)^2``.

    StrongSORT scales the std by ``1 - score`` with no floor; a score of exactly 1 would make R zero and
    the covariance singular, so the factor never drops below ``floor`` (std 10% of the usual).
    """
    return np.maximum(np.square(1.0 - np.asarray(score, float)), floor)


def _full_diag(var: np.ndarray) -> np.ndarray:
    n, d = var.shape
    out = np.zeros((n, d, d))
    idx = np.arange(d)
    out[:, idx, idx] = var
    return out
