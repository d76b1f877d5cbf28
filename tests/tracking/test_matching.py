import numpy as np

from tracker.tracking.matching import INF_COST, assign, cosine_cost, gate_classes, iou_cost, matching_cascade


def test_assign_respects_threshold():
    cost = np.array([[0.1, 0.9], [0.8, 0.95]])
    m, ur, uc = assign(cost, 0.5)
    assert m.tolist() == [[0, 0]]
    assert ur.tolist() == [1] and uc.tolist() == [1]


def test_assign_never_uses_forbidden_pairs():
    cost = np.array([[INF_COST, 0.2], [0.1, INF_COST]])
    m, _, _ = assign(cost, 0.5)
    assert sorted(m.tolist()) == [[0, 1], [1, 0]]
    m, ur, uc = assign(np.full((2, 2), INF_COST), 0.5)
    assert len(m) == 0 and ur.tolist() == [0, 1] and uc.tolist() == [0, 1]


def test_iou_cost_and_class_gate():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    c = iou_cost(a, b)
    np.testing.assert_allclose(c, [[0, 1 - 50 / 150, 1]])
    gated = gate_classes(c.copy(), np.array([0]), np.array([0, 1, 0]))
    assert gated[0, 1] == INF_COST and gated[0, 0] == 0


def test_cosine_cost_takes_nearest_gallery_member():
    g = [np.array([[1.0, 0.0], [0.0, 1.0]]), None]
    d = np.array([[0.0, 1.0], [np.sqrt(0.5), np.sqrt(0.5)]])
    c = cosine_cost(g, d)
    np.testing.assert_allclose(c[0], [0.0, 1 - np.sqrt(0.5)])
    assert (c[1] == INF_COST).all()


def test_cascade_gives_recent_tracks_priority():
    # Both tracks want detection 0 equally; the cascade must hand it to the more recently seen track
    # even though the joint optimum (0.1 + 0.1) would hand it to the older one.
    cost = np.array([[0.3, 0.9], [0.1, 0.1]])
    tsu = np.array([1, 5])
    m, ur, uc = matching_cascade(cost, 0.5, tsu, np.array([0, 1]), np.array([0, 1]))
    assert sorted(m.tolist()) == [[0, 0], [1, 1]]
    tsu = np.array([5, 1])
    m, ur, uc = matching_cascade(cost, 0.5, tsu, np.array([0, 1]), np.array([0, 1]))
    assert m.tolist() == [[1, 0]]
    assert ur.tolist() == [0] and uc.tolist() == [1]
