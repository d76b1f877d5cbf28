import numpy as np
import pytest

from tracker.tracking.kalman_filter import CHI2INV95, KalmanFilter


def test_initiate_matches_hand_computed_values():
    kf = KalmanFilter()
    mean, cov = kf.initiate(np.array([[100.0, 50.0, 0.5, 80.0]]))
    assert mean[0].tolist() == [100, 50, 0.5, 80, 0, 0, 0, 0]
    # std = 2 * h / 20 = 8 for positions and height; 10 * h / 160 = 5 for their velocities.
    expected = np.array([8, 8, 1e-2, 8, 5, 5, 1e-5, 5]) ** 2
    np.testing.assert_allclose(np.diag(kf.full_covariance(cov)[0]), expected)


def test_predict_by_hand():
    kf = KalmanFilter()
    mean = np.array([[10.0, 20.0, 0.5, 100.0, 1.0, -2.0, 0.0, 0.5]])
    cov = np.ones((1, 3, 4))
    cov[:, 1] = 0  # P = identity
    m, P = kf.predict(mean, cov)
    P = kf.full_covariance(P)
    np.testing.assert_allclose(m[0], [11, 18, 0.5, 100.5, 1, -2, 0, 0.5])
    # P = F I F' + Q: position variance 1 + 1 (velocity) + (100/20)^2.
    assert P[0, 0, 0] == pytest.approx(1 + 1 + 25)
    assert P[0, 4, 4] == pytest.approx(1 + (100 / 160) ** 2)
    assert P[0, 0, 4] == pytest.approx(1.0)


def test_update_by_hand_scalar_case():
    # With P = diag(p) the position update is the scalar Kalman gain p / (p + r).
    kf = KalmanFilter()
    mean = np.array([[0.0, 0.0, 1.0, 100.0, 0, 0, 0, 0]])
    cov = np.array([[[4.0, 4.0, 1.0, 4.0], [0, 0, 0, 0], [1.0, 1.0, 1.0, 1.0]]])
    z = np.array([[10.0, 0.0, 1.0, 100.0]])
    m, P = kf.update(mean, cov, z)
    P = kf.full_covariance(P)
    r = (100 / 20) ** 2
    k = 4 / (4 + r)
    assert m[0, 0] == pytest.approx(10 * k)
    assert P[0, 0, 0] == pytest.approx((1 - k) * 4)


def test_batched_steps_equal_filterpy_per_track():
    rng = np.random.default_rng(0)
    kf = KalmanFilter()
    mean, cov = kf.initiate(np.c_[rng.uniform(0, 500, (5, 2)), rng.uniform(0.3, 0.7, 5), rng.uniform(40, 200, 5)])
    refs = [kf.to_filterpy(mean[i], cov[i]) for i in range(5)]
    for step in range(4):
        mean, cov = kf.predict(mean, cov)
        z = mean[:, :4] + rng.normal(0, 2, (5, 4)) * [1, 1, 0.01, 1]
        for i, ref in enumerate(refs):
            ref.Q = kf.process_noise(ref.x[3:4, 0])[0]
            ref.predict()
            ref.R = kf.measurement_noise(ref.x[3:4, 0])[0]
            ref.update(z[i])
        mean, cov = kf.update(mean, cov, z)
        for i, ref in enumerate(refs):
            np.testing.assert_allclose(mean[i], ref.x[:, 0], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(kf.full_covariance(cov)[i], ref.P, rtol=1e-7, atol=1e-9)


def test_gating_distance_is_mahalanobis():
    kf = KalmanFilter()
    mean, cov = kf.initiate(np.array([[100.0, 100.0, 0.5, 100.0]]))
    z = np.array([[100.0, 100.0, 0.5, 100.0], [100.0 + 3 * np.sqrt(10**2 + 5**2), 100, 0.5, 100], [400, 400, 0.5, 100]])
    d = kf.gating_distance(mean, cov, z)
    assert d[0, 0] == pytest.approx(0)
    # Projected x variance = initial (2*h/20)^2 + measurement (h/20)^2 = 100 + 25: three sigmas -> 9.
    assert d[0, 1] == pytest.approx(9.0, rel=1e-6)
    assert d[0, 1] < CHI2INV95[4] < d[0, 2]
    # Same figure from the full matrices: y' S^-1 y with S = H P H' + R.
    S = kf.full_covariance(cov)[0][:4, :4] + kf.measurement_noise(mean[:, 3])[0]
    y = z[1] - mean[0, :4]
    assert d[0, 1] == pytest.approx(y @ np.linalg.solve(S, y))
