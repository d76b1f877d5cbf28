"""The records that travel between stages: one frame's ``Detections`` and the tracker's ``Tracks``.

Boxes are xyxy pixels everywhere (see :mod:`tracker.boxes`). Both records are plain arrays of equal
length, so a stage can filter, slice or concatenate them without knowing who made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from .boxes import tlwh_to_xyxy
from .errors import TrackerError

__all__ = ["Detections", "Tracks", "TrackState"]


class TrackState:
    """Lifecycle of a track: tentative until ``n_init`` hits, then confirmed, then deleted."""

    TENTATIVE = 1
    CONFIRMED = 2
    DELETED = 3
    NAMES = {1: "tentative", 2: "confirmed", 3: "deleted"}


def _col(a: Any, n: int, dtype, fill) -> np.ndarray:
    if a is None:
        return np.full(n, fill, dtype=dtype)
    return np.asarray(a, dtype=dtype).reshape(n)


@dataclass
class Detections:
    """Detections of one frame.

    Attributes:
        xyxy: ``(N, 4)`` float boxes in pixels.
        score: ``(N,)`` confidence in [0, 1].
        class_id: ``(N,)`` integer class ids (COCO ids of the detector, 0 = person for the default).
        embedding: optional ``(N, D)`` L2-normalised appearance vectors.
        mask: optional ``(N, H, W)`` boolean instance masks in frame coordinates.
        data: free per-record metadata (e.g. ``{"labels": [...]}``); not interpreted by the tracker.
    """

    xyxy: np.ndarray
    score: np.ndarray
    class_id: np.ndarray
    embedding: np.ndarray | None = None
    mask: np.ndarray | None = None
    data: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float64).reshape(-1, 4)
        n = len(self.xyxy)
        self.score = _col(self.score, n, np.float64, 1.0)
        self.class_id = _col(self.class_id, n, np.int64, 0)
        if self.embedding is not None:
            self.embedding = np.asarray(self.embedding, dtype=np.float32).reshape(n, -1)
        if self.mask is not None:
            self.mask = np.asarray(self.mask, dtype=bool)
            if len(self.mask) != n:
                raise ValueError(f"mask has {len(self.mask)} entries for {n} boxes")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def empty(cls, embedding_dim: int | None = None) -> "Detections":
        emb = None if embedding_dim is None else np.zeros((0, embedding_dim), np.float32)
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), embedding=emb)

    @classmethod
    def from_tlwh(cls, tlwh: np.ndarray, score=None, class_id=None, **kw) -> "Detections":
        """From top-left/width/height boxes (MOTChallenge's layout)."""
        return cls(tlwh_to_xyxy(tlwh), score, class_id, **kw)

    @classmethod
    def from_tf_detection_api(cls, boxes, scores, classes, width: int, height: int, **kw) -> "Detections":
        """From the TF2 Detection API outputs: normalised ``[ymin, xmin, ymax, xmax]`` boxes."""
        from .boxes import yxyx_norm_to_xyxy

        return cls(yxyx_norm_to_xyxy(boxes, width, height), scores, classes, **kw)

    # -- access ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index) -> "Detections":
        """Select detections by an index array, slice or boolean mask; returns a new record."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            self.xyxy[index],
            self.score[index],
            self.class_id[index],
            None if self.embedding is None else self.embedding[index],
            None if self.mask is None else self.mask[index],
            {k: _select(v, index) for k, v in self.data.items()},
        )

    def with_(self, **changes) -> "Detections":
        """A copy with some fields replaced (e.g. ``det.with_(embedding=e)``)."""
        return replace(self, **changes)

    def valid_index(self) -> np.ndarray:
        """Indices of rows with a finite score and a finite box of positive width and height."""
        b = self.xyxy
        ok = np.isfinite(b).all(1) & np.isfinite(self.score) & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
        return np.flatnonzero(ok)

    @staticmethod
    def concatenate(parts: Sequence["Detections"]) -> "Detections":
        parts = [p for p in parts if len(p)] or list(parts[:1])
        if not parts:
            return Detections.empty()
        emb = None
        if all(p.embedding is not None for p in parts):
            emb = np.concatenate([p.embedding for p in parts])
        mask = None
        if all(p.mask is not None for p in parts):
            mask = np.concatenate([p.mask for p in parts])
        return Detections(
            np.concatenate([p.xyxy for p in parts]),
            np.concatenate([p.score for p in parts]),
            np.concatenate([p.class_id for p in parts]),
            emb,
            mask,
        )


def _select(v, index):
    if isinstance(v, np.ndarray):
        return v[index]
    if isinstance(v, list):
        return list(np.asarray(v, dtype=object)[index])
    return v


@dataclass
class Tracks:
    """The tracker's output for one frame (only tracks worth reporting, by default confirmed ones).

    Attributes:
        track_id: ``(M,)`` ids, unique over a tracker's life, never reused.
        xyxy: ``(M, 4)`` boxes in pixels: the matched detection's box this frame, else the prediction.
        score: ``(M,)`` the matched detection's score (0 when coasting).
        class_id: ``(M,)`` class of the track.
        det_index: ``(M,)`` index into this frame's ``Detections`` of the matched detection, -1 if none.
        state: ``(M,)`` :class:`TrackState` values.
        mask: optional ``(M, H, W)`` masks carried over from the matched detections.
    """

    track_id: np.ndarray
    xyxy: np.ndarray
    score: np.ndarray
    class_id: np.ndarray
    det_index: np.ndarray
    state: np.ndarray
    mask: np.ndarray | None = None
    data: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.track_id)

    @classmethod
    def empty(cls) -> "Tracks":
        z = np.zeros(0, np.int64)
        return cls(z, np.zeros((0, 4)), np.zeros(0), z, z.copy(), z.copy())

    def __getitem__(self, index) -> "Tracks":
        return Tracks(
            self.track_id[index],
            self.xyxy[index],
            self.score[index],
            self.class_id[index],
            self.det_index[index],
            self.state[index],
            None if self.mask is None else self.mask[index],
            {k: _select(v, index) for k, v in self.data.items()},
        )

    def attach(self, detections: Detections) -> "Tracks":
        """Carry per-detection fields (masks, labels) from the matched detections onto the tracks."""
        out = replace(self)
        matched = self.det_index >= 0
        if detections.mask is not None and len(detections):
            h, w = detections.mask.shape[1:]
            mask = np.zeros((len(self), h, w), bool)
            mask[matched] = detections.mask[self.det_index[matched]]
            out.mask = mask
        return out
