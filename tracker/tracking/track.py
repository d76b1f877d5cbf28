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
        # Backing buffers with spare rows (capacity doubles when full): a birth writes into them instead
        # of concatenating every array, and the public attributes below are views of their first rows.
        self._n = 0
        self._buf: dict[str, np.ndarray] = {name: np.zeros((8, *shape), dtype) for name, (shape, dtype) in self._shapes(k, 1).items()}
        self._views()
        self.galleries: list[np.ndarray | None] = []  # per row: (budget, D) ring buffer or None

    def __len__(self) -> int:
        return self._n

    _ARRAYS = (
        "mean", "cov", "key", "track_id", "class_id", "state", "hits", "age", "time_since_update", "score",
        "gallery_count", "obs_mean", "obs_cov", "last_obs", "hist_c", "hist_f", "vel_dir", "votes",
    )

    @staticmethod
    def _shapes(k: int, n_cls: int) -> dict[str, tuple[tuple[int, ...], type]]:
        f, i = np.float64, np.int64
        return {
            "mean": ((8,), f), "cov": ((3, 4), f),  # block covariance, see kalman_filter.py
            "key": ((), i),  # internal serial, assigned at birth
            "track_id": ((), i),  # public id, assigned on confirmation (0 = not yet)
            "class_id": ((), i), "state": ((), i), "hits": ((), i), "age": ((), i), "time_since_update": ((), i),
            "score": ((), f),
            "gallery_count": ((), i),  # embeddings ever added per row
            "obs_mean": ((8,), f), "obs_cov": ((3, 4), f),  # filter state right after the last observation (ORU)
            "last_obs": ((4,), f),  # last observed box, xyxy
            "hist_c": ((k, 2), f),  # observation centres, slot = frame % history (OCM)
            "hist_f": ((k,), i),  # their frames, -1 = empty slot
            "vel_dir": ((2,), f),  # unit direction of recent motion, 0 = unknown (OCM)
            "votes": ((n_cls,), f),  # per class: summed detection scores (class voting)
        }

    def _views(self) -> None:
        n = self._n
        for name, buf in self._buf.items():
            setattr(self, name, buf[:n])

    def _sync(self) -> None:
        """Write back any attribute a caller replaced by a new array (``T.mean = ...``) into its buffer."""
        n = self._n
        for name, buf in self._buf.items():
            a = getattr(self, name)
            if a.base is not buf:
                if a.shape[1:] != buf.shape[1:]:  # more classes voted: widen the buffer
                    buf = self._buf[name] = np.zeros((len(buf), *a.shape[1:]), buf.dtype)
                buf[:n] = a
        self._views()

    def _reserve(self, total: int) -> None:
        cap = len(self._buf["key"])
        if total <= cap:
            return
        while cap < total:
            cap *= 2
        n = self._n
        for name, buf in self._buf.items():
            new = np.zeros((cap, *buf.shape[1:]), buf.dtype)
            new[:n] = buf[:n]
            self._buf[name] = new

    def add(self, mean, cov, keys, class_id, score, embeddings: np.ndarray | None, state: int,
            xyxy: np.ndarray | None = None, frame: int = 0) -> None:
        n = len(keys)
        k = self.history
        if xyxy is None:
            xyxy = np.zeros((n, 4))
        self._sync()
        need = int(class_id.max()) + 1 if n else 1
        if need > self._buf["votes"].shape[1]:
            v = self._buf["votes"]
            self._buf["votes"] = np.pad(v, ((0, 0), (0, need - v.shape[1])))
        first = self._n
        self._reserve(first + n)
        sl = slice(first, first + n)
        b = self._buf
        b["mean"][sl] = mean
        b["cov"][sl] = cov
        b["key"][sl] = keys
        b["track_id"][sl] = 0
        b["class_id"][sl] = class_id
        b["state"][sl] = state
        b["hits"][sl] = 1
        b["age"][sl] = 1
        b["time_since_update"][sl] = 0
        b["score"][sl] = score
        b["gallery_count"][sl] = 0
        b["obs_mean"][sl] = mean
        b["obs_cov"][sl] = cov
        b["last_obs"][sl] = xyxy
        b["hist_c"][sl] = 0.0
        b["hist_f"][sl] = -1
        b["hist_c"][sl, frame % k] = (xyxy[:, :2] + xyxy[:, 2:]) / 2
        b["hist_f"][sl, frame % k] = frame
        b["vel_dir"][sl] = 0.0
        b["votes"][sl] = 0.0
        b["votes"][np.arange(first, first + n), class_id] = score
        self._n = first + n
        self._views()
        self.galleries.extend([None] * n)
        if embeddings is not None:
            self.add_embeddings(np.arange(first, first + n), embeddings)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False."""
        if mask.all():
            return
        self._sync()
        idx = np.flatnonzero(mask)
        for buf in self._buf.values():
            buf[: len(idx)] = buf[idx]
        self._n = len(idx)
        self._views()
        self.galleries = [g for g, k in zip(self.galleries, mask) if k]

    def observe(self, rows: np.ndarray, xyxy: np.ndarray, frame: int, direction: bool = False,
                history: bool = True) -> None:
        """Record this frame's observed boxes and the filter state after them (call after the update).

        With ``direction``, also OC-SORT's velocity direction: from the track's previous observation
        (:meth:`previous_centre`) to this one. ``history=False`` skips the observation centres (only
        OCM reads them).
        """
        if direction and len(rows):
            prev, _ = self.previous_centre(frame, rows)
            self.vel_dir[rows] = unit((xyxy[:, :2] + xyxy[:, 2:]) / 2 - prev)
        self.obs_mean[rows] = self.mean[rows]
        self.obs_cov[rows] = self.cov[rows]
        self.last_obs[rows] = xyxy
        if not history:
            return
        centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
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
            self._sync()
            v = self._buf["votes"]
            self._buf["votes"] = np.pad(v, ((0, 0), (0, need - v.shape[1])))
            self._views()
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
