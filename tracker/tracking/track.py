"""The table of live tracks, stored as parallel arrays so each frame's bookkeeping is a few numpy ops.

A track is one row: Kalman mean/covariance, class, lifecycle counters, its appearance (a bounded
gallery of recent embeddings, or one exponential moving average), and what the OC-SORT mechanisms
need: the filter state and box at its last observation (ORU) and its last few observation centres
(OCM). Rows of deleted tracks are dropped at once; nothing keeps them.
"""

from __future__ import annotations

import numpy as np

from ..detections import TrackState


class TrackTable:
    """Struct-of-arrays for N live tracks (row order is arbitrary and changes on removal).

    Args:
        gallery_budget: embeddings kept per track (ring buffer of the newest).
        ema: if set, each track keeps one embedding, ``e <- ema * e + (1 - ema) * new`` (renormalised),
            instead of a gallery (StrongSORT/BoT-SORT's appearance state).
        history: observation centres kept per track (OC-SORT's ``delta_t``).
    """

    def __init__(self, gallery_budget: int = 100, ema: float | None = None, history: int = 3):
        self.budget = 1 if ema is not None else gallery_budget
        self.ema = ema
        self.history = max(int(history), 1)
        k = self.history
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
        self.gallery_count = np.zeros(0, np.int64)  # embeddings ever added per row
        self.obs_mean = np.zeros((0, 8))  # filter state right after the last observation (ORU)
        self.obs_cov = np.zeros((0, 3, 4))
        self.last_obs = np.zeros((0, 4))  # last observed box, xyxy
        self.hist_c = np.zeros((0, k, 2))  # observation centres, slot = frame % history (OCM)
        self.hist_f = np.zeros((0, k), np.int64)  # their frames, -1 = empty slot
        self.vel_dir = np.zeros((0, 2))  # unit direction of recent motion, 0 = unknown (OCM)
        self.votes = np.zeros((0, 1))  # per class: summed detection scores (class voting)
        self.galleries: list[np.ndarray | None] = []  # per row: (budget, D) ring buffer or None

    def __len__(self) -> int:
        return len(self.key)

    _ARRAYS = (
        "mean", "cov", "key", "track_id", "class_id", "state", "hits", "age", "time_since_update", "score",
        "gallery_count", "obs_mean", "obs_cov", "last_obs", "hist_c", "hist_f", "vel_dir", "votes",
    )

    def add(self, mean, cov, keys, class_id, score, embeddings: np.ndarray | None, state: int,
            xyxy: np.ndarray | None = None, frame: int = 0) -> None:
        n = len(keys)
        k = self.history
        if xyxy is None:
            xyxy = np.zeros((n, 4))
        hist_c = np.zeros((n, k, 2))
        hist_f = np.full((n, k), -1, np.int64)
        hist_c[:, frame % k] = (xyxy[:, :2] + xyxy[:, 2:]) / 2
        hist_f[:, frame % k] = frame
        n_cls = max(self.votes.shape[1], int(class_id.max()) + 1 if n else 1)
        if n_cls > self.votes.shape[1]:
            self.votes = np.pad(self.votes, ((0, 0), (0, n_cls - self.votes.shape[1])))
        votes = np.zeros((n, n_cls))
        votes[np.arange(n), class_id] = score
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
            "obs_mean": mean,
            "obs_cov": cov,
            "last_obs": xyxy,
            "hist_c": hist_c,
            "hist_f": hist_f,
            "vel_dir": np.zeros((n, 2)),
            "votes": votes,
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

    def observe(self, rows: np.ndarray, xyxy: np.ndarray, frame: int, direction: bool = False) -> None:
        """Record this frame's observed boxes and the filter state after them (call after the update).

        With ``direction``, also OC-SORT's velocity direction: from the track's previous observation
        (:meth:`previous_centre`) to this one.
        """
        centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
        if direction and len(rows):
            prev, _ = self.previous_centre(frame, rows)
            self.vel_dir[rows] = unit(centre - prev)
        self.obs_mean[rows] = self.mean[rows]
        self.obs_cov[rows] = self.cov[rows]
        self.last_obs[rows] = xyxy
        slot = frame % self.history
        self.hist_c[rows, slot] = centre
        self.hist_f[rows, slot] = frame

    def previous_centre(self, frame: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """OC-SORT's ``k_previous_obs``: per track, the oldest observation centre within ``history``
        frames before ``frame`` (else the newest one). Returns ``(centres (N, 2), frames (N,))``."""
        f = self.hist_f if rows is None else self.hist_f[rows]
        c = self.hist_c if rows is None else self.hist_c[rows]
        recent = (f >= 0) & (f >= frame - self.history) & (f < frame)
        # Oldest recent slot if any, else the newest slot of all.
        key = np.where(recent, -f, np.where(f >= 0, -(1 << 40) + f, -(1 << 62)))
        slot = key.argmax(1)
        i = np.arange(len(f))
        return c[i, slot], f[i, slot]

    def vote(self, rows: np.ndarray, class_id: np.ndarray, score: np.ndarray) -> None:
        """Class voting: add each detection's score to its class; the track's class is the top one."""
        need = int(class_id.max()) + 1 if len(class_id) else 0
        if need > self.votes.shape[1]:
            self.votes = np.pad(self.votes, ((0, 0), (0, need - self.votes.shape[1])))
        np.add.at(self.votes, (rows, class_id), score)
        self.class_id[rows] = self.votes[rows].argmax(1)

    def add_embeddings(self, rows: np.ndarray, embeddings: np.ndarray) -> None:
        """Add one embedding per row to its gallery (a ring buffer of the newest ``budget``), or blend it
        into the track's moving average when ``ema`` is set.

        Rows whose embedding is NaN (not computed this frame, see ``Pipeline``'s fast path) are skipped.
        """
        for r, e in zip(rows, embeddings):
            if np.isnan(e[0]):
                continue
            g = self.galleries[r]
            if g is None:
                g = self.galleries[r] = np.empty((self.budget, len(e)), np.float32)
            if self.ema is not None and self.gallery_count[r]:
                v = self.ema * g[0] + (1.0 - self.ema) * e
                g[0] = v / max(float(np.linalg.norm(v)), 1e-12)
            else:
                g[self.gallery_count[r] % self.budget] = e
            self.gallery_count[r] += 1

    def gallery(self, row: int) -> np.ndarray | None:
        """The stored embeddings of a track (order within the ring does not matter for matching)."""
        g = self.galleries[row]
        return None if g is None else g[: min(self.gallery_count[row], self.budget)]

    def confirmed(self) -> np.ndarray:
        return self.state == TrackState.CONFIRMED


def unit(v: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    n = np.sqrt(np.square(v).sum(-1, keepdims=True))
    return np.divide(v, n, out=np.zeros_like(v), where=n > 1e-9)
