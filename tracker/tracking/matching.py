"""Association: cost matrices, gating and assignment (Hungarian via scipy).

Every function takes plain arrays and returns ``(matches, unmatched_rows, unmatched_cols)`` or a cost
matrix; rows are tracks, columns detections. ``INF_COST`` marks a forbidden pair.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..boxes import iou_matrix

INF_COST = 1e5

_EMPTY = np.zeros((0, 2), np.int64)


def assign(cost: np.ndarray, max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost assignment; pairs costing more than ``max_cost`` are left unmatched.

    Returns ``(matches (K, 2) of [row, col], unmatched rows, unmatched cols)`` as index arrays.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return _EMPTY, np.arange(n), np.arange(m)
    # Forbidden pairs get a cost just above the threshold so the solver never prefers them.
    c = np.minimum(cost, max_cost + 1e-5)
    rows, cols = linear_sum_assignment(c)
    ok = cost[rows, cols] <= max_cost
    rows, cols = rows[ok], cols[ok]
    um_rows = np.ones(n, bool)
    um_rows[rows] = False
    um_cols = np.ones(m, bool)
    um_cols[cols] = False
    pairs = np.empty((len(rows), 2), np.int64)  # cheaper than np.stack in this per-frame hot path
    pairs[:, 0] = rows
    pairs[:, 1] = cols
    return pairs, um_rows.nonzero()[0], um_cols.nonzero()[0]


def iou_cost(track_xyxy: np.ndarray, det_xyxy: np.ndarray) -> np.ndarray:
    """1 - IoU."""
    return 1.0 - iou_matrix(track_xyxy, det_xyxy)


def gate_classes(cost: np.ndarray, track_class: np.ndarray, det_class: np.ndarray) -> np.ndarray:
    """Forbid pairs of different classes: a detection never extends a track of another class."""
    cost[track_class[:, None] != det_class[None, :]] = INF_COST
    return cost


def cosine_cost(galleries: list[np.ndarray | None], det_emb: np.ndarray) -> np.ndarray:
    """Smallest cosine distance from each detection to any embedding in each track's gallery.

    Tracks without a gallery, and detections whose embedding is NaN (not computed), get ``INF_COST``.
    Embeddings are assumed L2-normalised.
    """
    n, m = len(galleries), len(det_emb)
    cost = np.full((n, m), INF_COST)
    have = [i for i, g in enumerate(galleries) if g is not None and len(g)]
    if not have or m == 0:
        return cost
    stacked = np.concatenate([galleries[i] for i in have])
    sizes = np.array([len(galleries[i]) for i in have])
    sims = stacked @ det_emb.T  # (sum of gallery sizes, m)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    best = np.maximum.reduceat(sims, starts, axis=0)
    cost[have] = np.where(np.isnan(best), INF_COST, 1.0 - best)
    return cost


def matching_cascade(
    cost: np.ndarray,
    max_cost: float,
    time_since_update: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DeepSORT's matching cascade: tracks seen more recently choose first.

    ``cost`` is the full (tracks x detections) matrix; ``rows``/``cols`` select the candidates.
    Returns matches as global ``[row, col]`` pairs plus the unmatched global rows and cols.
    """
    matches = []
    remaining = np.asarray(cols)
    rows = np.asarray(rows)
    for level in np.unique(time_since_update[rows]):
        if len(remaining) == 0:
            break
        level_rows = rows[time_since_update[rows] == level]
        m, _, _ = assign(cost[np.ix_(level_rows, remaining)], max_cost)
        if len(m):
            matches.append(np.stack([level_rows[m[:, 0]], remaining[m[:, 1]]], 1))
            keep = np.ones(len(remaining), bool)
            keep[m[:, 1]] = False
            remaining = remaining[keep]
    matches = np.concatenate(matches) if matches else _EMPTY
    unmatched_rows = np.setdiff1d(rows, matches[:, 0])
    return matches, unmatched_rows, remaining
