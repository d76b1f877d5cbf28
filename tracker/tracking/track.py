"""The table of live tracks, stored as parallel arrays so each frame's bookkeeping is a few numpy ops.

A track is one row: Kalman mean/covariance, class, lifecycle counters and a bounded gallery of its
recent appearance embeddings. Rows of deleted tracks are dropped at once; nothing keeps them.
"""

from __future__ import annotations

import numpy as np

from ..detections import TrackState


class TrackTable:
    """Struct-of-arrays for N live tracks (row order is arbitrary and changes on removal)."""

    def __init__(self, gallery_budget: int = 100):
        self.budget = gallery_budget
        self.mean = np.zeros((0, 8))
        self.cov = np.zeros((0, 3, 4))  # block covariance, see kalman_filter.py
        self.key = np.zeros(0, np.int64)  # internal serial, assigned at birth
        self.track_id = np.zeros(0, np.int64)  # public id, assigned on confirmation (0 = not yet)
        self.class_id = np.zeros(0, np.int64)
        self.state = np.zeros(0, np.int64)
        self.hits = np.zeros(0, np.int64)
        self.age = np.zeros(0, np.int64)
        self.time_since_update = np.zeros(0, np.int64)
        self.score = np.zeros(0)
        self.galleries: list[np.ndarray | None] = []  # per row: (budget, D) ring buffer or None
        self.gallery_count = np.zeros(0, np.int64)  # embeddings ever added per row

    def __len__(self) -> int:
        return len(self.key)

    _ARRAYS = ("mean", "cov", "key", "track_id", "class_id", "state", "hits", "age", "time_since_update", "score", "gallery_count")

    def add(self, mean, cov, keys, class_id, score, embeddings: np.ndarray | None, state: int) -> None:
        n = len(keys)
        new = {
            "mean": mean,
            "cov": cov,
            "key": keys,
            "track_id": np.zeros(n, np.int64),
            "class_id": class_id,
            "state": np.full(n, state, np.int64),
            "hits": np.ones(n, np.int64),
            "age": np.ones(n, np.int64),
            "time_since_update": np.zeros(n, np.int64),
            "score": score,
            "gallery_count": np.zeros(n, np.int64),
        }
        for name in self._ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        first = len(self.galleries)
        self.galleries.extend([None] * n)
        if embeddings is not None:
            self.add_embeddings(np.arange(first, first + n), embeddings)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False."""
        if mask.all():
            return
        for name in self._ARRAYS:
            setattr(self, name, getattr(self, name)[mask])
        self.galleries = [g for g, k in zip(self.galleries, mask) if k]

    def add_embeddings(self, rows: np.ndarray, embeddings: np.ndarray) -> None:
        """Add one embedding per row to its gallery (a ring buffer of the newest ``budget``).

        Rows whose embedding is NaN (not computed this frame, see ``Pipeline``'s fast path) are skipped.
        """
        for r, e in zip(rows, embeddings):
            if np.isnan(e[0]):
                continue
            g = self.galleries[r]
            if g is None:
                g = self.galleries[r] = np.empty((self.budget, len(e)), np.float32)
            g[self.gallery_count[r] % self.budget] = e
            self.gallery_count[r] += 1

    def gallery(self, row: int) -> np.ndarray | None:
        """The stored embeddings of a track (order within the ring does not matter for matching)."""
        g = self.galleries[row]
        return None if g is None else g[: min(self.gallery_count[row], self.budget)]

    def confirmed(self) -> np.ndarray:
        return self.state == TrackState.CONFIRMED
