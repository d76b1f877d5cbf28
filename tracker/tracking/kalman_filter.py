"""Constant-velocity Kalman filter in (cx, cy, aspect, height), batched over tracks.

The model is the one of DeepSORT (Wojke et al. 2017): state ``[cx, cy, a, h, vcx, vcy, va, vh]``,
measurement ``[cx, cy, a, h]``, process and measurement noise proportional to the box height so the
filter behaves the same for near and far objects. The transition and measurement matrices come from
a ``filterpy.kalman.KalmanFilter``; predict/update apply filterpy's equations to all tracks at once
(one numpy call per step instead of one Python object per track), and :meth:`KalmanFilter.to_filterpy`
returns the per-track filterpy filter with identical matrices, which the tests use as the reference.
"""

from __future__ import annotations

import numpy as np
from filterpy.kalman import KalmanFilter as _FilterpyKF

#: 0.95 quantile of the chi-square distribution by degrees of freedom (as in DeepSORT's gating).
CHI2INV95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}


class KalmanFilter:
    """Batched DeepSORT Kalman filter.

    Args:
        std_weight_position: position noise as a fraction of box height (paper: 1/20).
        std_weight_velocity: velocity noise as a fraction of box height (paper: 1/160).
        dt: time step between frames.
    """

    ndim = 4

    def __init__(self, std_weight_position: float = 1.0 / 20, std_weight_velocity: float = 1.0 / 160, dt: float = 1.0):
        ref = _FilterpyKF(dim_x=8, dim_z=4)
        ref.F = np.eye(8)
        ref.F[:4, 4:] = dt * np.eye(4)
        ref.H = np.eye(4, 8)
        self.F = ref.F.copy()
        self.H = ref.H.copy()
        self.std_pos = std_weight_position
        self.std_vel = std_weight_velocity

    # -- noise models (per track, scaled by height) ----------------------------------------------
    def _initial_std(self, h: np.ndarray) -> np.ndarray:
        sp, sv = self.std_pos, self.std_vel
        one = np.ones_like(h)
        return np.stack([2 * sp * h, 2 * sp * h, 1e-2 * one, 2 * sp * h, 10 * sv * h, 10 * sv * h, 1e-5 * one, 10 * sv * h], 1)

    def process_noise(self, h: np.ndarray) -> np.ndarray:
        """Q for each track, shape (N, 8, 8)."""
        sp, sv = self.std_pos, self.std_vel
        one = np.ones_like(h)
        std = np.stack([sp * h, sp * h, 1e-2 * one, sp * h, sv * h, sv * h, 1e-5 * one, sv * h], 1)
        return _diag(std**2)

    def measurement_noise(self, h: np.ndarray) -> np.ndarray:
        """R for each track, shape (N, 4, 4)."""
        sp = self.std_pos
        one = np.ones_like(h)
        std = np.stack([sp * h, sp * h, 1e-1 * one, sp * h], 1)
        return _diag(std**2)

    # -- filter steps ----------------------------------------------------------------------------
    def initiate(self, xyah: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New tracks from measurements ``(N, 4)``: zero velocity, height-scaled uncertainty."""
        xyah = np.asarray(xyah, dtype=np.float64).reshape(-1, 4)
        mean = np.zeros((len(xyah), 8))
        mean[:, :4] = xyah
        return mean, _diag(self._initial_std(xyah[:, 3]) ** 2)

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x = F x; P = F P F' + Q (filterpy's ``predict``), for all tracks."""
        F = self.F
        Q = self.process_noise(mean[:, 3])  # from the height before the step, as in DeepSORT
        return mean @ F.T, F @ cov @ F.T + Q

    def project(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measurement-space mean and covariance S = H P H' + R."""
        H = self.H
        return mean @ H.T, H @ cov @ H.T + self.measurement_noise(mean[:, 3])

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """filterpy's ``update`` (K = P H' S^-1; x += K (z - H x); P -= K S K'), for all tracks."""
        z_mean, S = self.project(mean, cov)
        PHt = cov @ self.H.T  # (N, 8, 4)
        # K = P H' S^-1  <=>  S K' = H P  (S symmetric): solve instead of inverting.
        Kt = np.linalg.solve(S, np.swapaxes(PHt, 1, 2))  # (N, 4, 8)
        K = np.swapaxes(Kt, 1, 2)
        mean = mean + np.einsum("nij,nj->ni", K, z - z_mean)
        cov = cov - K @ S @ Kt
        return mean, cov

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray, only_position: bool = False) -> np.ndarray:
        """Squared Mahalanobis distance of each measurement to each track, shape (tracks, measurements)."""
        z_mean, S = self.project(mean, cov)
        if only_position:
            z_mean, S, z = z_mean[:, :2], S[:, :2, :2], z[:, :2]
        L = np.linalg.cholesky(S)  # (N, d, d)
        d = z[None, :, :] - z_mean[:, None, :]  # (N, M, d)
        # Solve L x = d for every track at once.
        x = np.linalg.solve(L, np.swapaxes(d, 1, 2))  # (N, d, M)
        return np.einsum("ndm,ndm->nm", x, x)

    # -- reference -------------------------------------------------------------------------------
    def to_filterpy(self, mean: np.ndarray, cov: np.ndarray) -> _FilterpyKF:
        """One track as a filterpy filter with this model's F, H, Q and R (used to check the batch math)."""
        kf = _FilterpyKF(dim_x=8, dim_z=4)
        kf.F, kf.H = self.F.copy(), self.H.copy()
        kf.x = mean.reshape(8, 1).copy()
        kf.P = cov.copy()
        kf.Q = self.process_noise(mean[None, 3])[0]
        kf.R = self.measurement_noise(mean[None, 3])[0]
        return kf


def _diag(std2: np.ndarray) -> np.ndarray:
    n, d = std2.shape
    out = np.zeros((n, d, d))
    idx = np.arange(d)
    out[:, idx, idx] = std2
    return out
