"""The records that travel between stages: one frame's ``Detections`` and the tracker's ``Tracks``.

Boxes are xyxy pixels everywhere (see :mod:`tracker.boxes`). Both records are plain arrays of equal
length, so a stage can filter, slice or concatenate them without knowing who made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from .boxes import tlwh_to_xyxy
from .errors import RecordError

__all__ = ["Detections", "Tracks", "TrackState", "MAX_COORD"]

MAX_COORD = 1e6  # pixels; see Detections.valid_index


class TrackState:
    """Lifecycle of a track: tentative until ``n_init`` hits, then confirmed, then deleted."""

    TENTATIVE = 1
    CONFIRMED = 2
    DELETED = 3
    NAMES = {1: "tentative", 2: "confirmed", 3: "deleted"}


def _array(where: str, value: Any, dtype) -> np.ndarray:
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{where}: cannot convert to {np.dtype(dtype).name} ({exc})") from None


def _boxes(where: str, value: Any) -> np.ndarray:
    """``(N, 4)`` float64; an empty input of any 1-D form is ``(0, 4)``, one flat box ``(4,)`` is ``(1, 4)``."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.ndim == 2 and value.shape[1] == 4:
        return value  # the common case, checked first: records are built several times per frame
    a = _array(where, value, np.float64)
    if a.ndim == 1 and a.size in (0, 4):
        return a.reshape(-1, 4)
    if a.ndim != 2 or a.shape[1] != 4:
        raise RecordError(f"{where}: expected shape (N, 4) xyxy boxes, got {a.shape}")
    return a


def _column(where: str, value: Any, n: int, dtype, fill) -> np.ndarray:
    """``(n,)`` values: None gives ``fill``, a scalar applies to every row, ``(n, 1)``/``(1, n)`` are flattened."""
    if isinstance(value, np.ndarray) and value.dtype == dtype and value.shape == (n,):
        return value
    if value is None:
        return np.full(n, fill, dtype=dtype)
    a = np.asarray(value)
    if np.issubdtype(dtype, np.integer) and a.dtype.kind == "f":
        # A cast would truncate 1.5 to 1 and turn NaN into a huge negative id without a word.
        if not (np.isfinite(a).all() and (a == np.round(a)).all()):
            raise RecordError(f"{where}: expected integers, got non-integral values")
    a = _array(where, a, dtype)
    if a.ndim == 0:
        return np.full(n, a, dtype=dtype)
    if a.ndim > 1 and sum(d != 1 for d in a.shape) <= 1:
        a = a.reshape(-1)
    if a.shape != (n,):
        raise RecordError(f"{where}: expected shape ({n},), one value per box, got {a.shape}")
    return a


def _embedding(where: str, value: Any, n: int) -> np.ndarray | None:
    """``(n, D)`` float32 with ``D >= 1``; ``(0, D)`` (any D, also a bare empty array) when there are no boxes."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.dtype == np.float32 and value.ndim == 2 and value.shape[0] == n:
        a = value
    else:
        a = _array(where, value, np.float32)
    if n == 0 and a.ndim == 1 and a.size == 0:
        return a.reshape(0, 0)
    if a.ndim != 2 or a.shape[0] != n or (n and a.shape[1] == 0):
        raise RecordError(f"{where}: expected shape ({n}, D) with D >= 1, one row per box, got {a.shape}")
    return a


def _masks(where: str, value: Any, n: int) -> np.ndarray | None:
    """``(n, H, W)`` bool; a bare empty array is ``(0, 0, 0)`` when there are no boxes."""
    if value is None:
        return None
    a = _array(where, value, bool)
    if n == 0 and a.ndim != 3 and a.size == 0:
        return a.reshape(0, 0, 0)
    if a.ndim != 3 or a.shape[0] != n:
        raise RecordError(f"{where}: expected shape ({n}, H, W), one mask per box, got {a.shape}")
    return a


def _per_record(v: Any) -> bool:
    """Values in ``data`` that hold one entry per record (selected, concatenated, carried along with it)."""
    return isinstance(v, list) or (isinstance(v, np.ndarray) and v.ndim >= 1)


def _data(where: str, value: Any, n: int) -> dict:
    if type(value) is dict and not value:
        return value
    if not isinstance(value, dict):
        raise RecordError(f"{where}: expected a dict, got {type(value).__name__}")
    for k, v in value.items():
        if _per_record(v) and len(v) != n:
            raise RecordError(f"{where}[{k!r}]: a list or array in data needs one entry per record ({n}), has {len(v)}")
    return value


@dataclass
class Detections:
    """Detections of one frame.

    Every field is checked on construction (also by ``with_`` and indexing): a wrong shape or count
    raises :class:`~tracker.errors.RecordError` naming the field; nothing is silently reshaped. Zero
    detections are an ordinary record (``(0, 4)`` boxes, ``(0, D)`` embeddings, ``(0, H, W)`` masks).

    Attributes:
        xyxy: ``(N, 4)`` float boxes in pixels (a single ``(4,)`` box and an empty ``[]`` are accepted).
        score: ``(N,)`` confidence in [0, 1] (None: all 1; a scalar applies to every box).
        class_id: ``(N,)`` integer class ids (COCO ids of the detector, 0 = person for the default;
            None: all 0; a scalar applies to every box).
        embedding: optional ``(N, D)`` L2-normalised appearance vectors, ``D >= 1``; a NaN row means
            "not computed this frame" (see ``Pipeline(appearance="fast")``).
        mask: optional ``(N, H, W)`` boolean instance masks in frame coordinates.
        data: free per-record metadata (e.g. ``{"labels": [...]}``); lists and arrays in it must have
            one entry per detection and follow it through indexing, concatenation and
            :meth:`Tracks.attach`. Not interpreted by the tracker.
    """

    xyxy: np.ndarray
    score: np.ndarray
    class_id: np.ndarray
    embedding: np.ndarray | None = None
    mask: np.ndarray | None = None
    data: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = _boxes("Detections.xyxy", self.xyxy)
        n = len(self.xyxy)
        self.score = _column("Detections.score", self.score, n, np.float64, 1.0)
        self.class_id = _column("Detections.class_id", self.class_id, n, np.int64, 0)
        self.embedding = _embedding("Detections.embedding", self.embedding, n)
        self.mask = _masks("Detections.mask", self.mask, n)
        self.data = _data("Detections.data", self.data, n)

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

    @classmethod
    def from_supervision(cls, sv_detections) -> "Detections":
        """From ``supervision.Detections`` (see :mod:`tracker.interop`)."""
        from .interop import detections_from_supervision

        return detections_from_supervision(sv_detections)

    def to_supervision(self):
        """As ``supervision.Detections`` (see :mod:`tracker.interop`; needs the ``supervision`` package)."""
        from .interop import detections_to_supervision

        return detections_to_supervision(self)

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
        """Indices of rows with a finite score and a box of positive width and height within ``MAX_COORD``.

        The tracker drops the other rows. ``MAX_COORD`` (1e6 px) is far beyond any frame (16K video is
        15360 px wide, gigapixel panoramas about 27000): a coordinate past it is a corrupt value, not an
        object, and a 1.7e308-wide box overflowed the aspect ratio and the Kalman covariance (which
        grows with the height squared) to inf, found by tests/tracking/test_tracker_properties.py.
        """
        b = self.xyxy
        ok = (np.abs(b) <= MAX_COORD).all(1) & np.isfinite(self.score) & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
        return np.flatnonzero(ok)

    @staticmethod
    def concatenate(parts: Sequence["Detections"]) -> "Detections":
        """One record of all rows of ``parts``, in order.

        Embeddings and masks are kept when every non-empty part has them (their D, H, W must agree);
        ``data`` keys are kept: per-record lists and arrays are joined (parts lacking the key add
        None entries), shared values come from the first part that has them.
        """
        parts = list(parts)
        full = [p for p in parts if len(p)] or parts[:1]
        if not full:
            return Detections.empty()
        emb = None
        if all(p.embedding is not None for p in full):
            emb = _join("Detections.concatenate: embedding", [p.embedding for p in full])
        mask = None
        if all(p.mask is not None for p in full):
            mask = _join("Detections.concatenate: mask", [p.mask for p in full])
        return Detections(
            np.concatenate([p.xyxy for p in full]),
            np.concatenate([p.score for p in full]),
            np.concatenate([p.class_id for p in full]),
            emb,
            mask,
            _join_data(full),
        )


def _join(where: str, arrays: list) -> np.ndarray:
    try:
        return np.concatenate(arrays)
    except ValueError:
        raise RecordError(f"{where}: shapes differ between parts {[a.shape for a in arrays]}") from None


def _join_data(parts: Sequence[Detections]) -> dict:
    out: dict = {}
    for k in dict.fromkeys(k for p in parts for k in p.data):
        vals = [p.data.get(k) for p in parts]
        if any(_per_record(v) for v in vals):
            if all(isinstance(v, np.ndarray) for v in vals):
                try:
                    out[k] = np.concatenate(vals)
                    continue
                except ValueError:  # trailing shapes differ: fall back to a list
                    pass
            out[k] = [x for p, v in zip(parts, vals) for x in (list(v) if _per_record(v) else [None] * len(p))]
        else:
            out[k] = next(v for p, v in zip(parts, vals) if k in p.data)
    return out


def _select(v, index):
    if isinstance(v, np.ndarray) and v.ndim >= 1:
        return v[index]
    if isinstance(v, list):
        return list(np.asarray(v, dtype=object)[index])
    return v


def _take(v, index: np.ndarray):
    """Per-record ``v`` at ``index``, with a missing value (None, NaN for float arrays) where ``index`` is -1."""
    hit = index >= 0
    if isinstance(v, list):
        return [v[i] if i >= 0 else None for i in index]
    out = v[np.where(hit, index, 0)] if len(v) else np.zeros((len(index), *v.shape[1:]), v.dtype)
    if hit.all():
        return out
    if out.dtype.kind in "fc":
        out = out.copy()
        out[~hit] = np.nan
        return out
    out = out.astype(object)
    out[~hit] = None
    return out


@dataclass
class Tracks:
    """The tracker's output for one frame (only tracks worth reporting, by default confirmed ones).

    Checked on construction like :class:`Detections` (``RecordError`` names the wrong field).

    Attributes:
        track_id: ``(M,)`` ids, unique over a tracker's life, never reused.
        xyxy: ``(M, 4)`` boxes in pixels: the matched detection's box this frame, else the prediction.
        score: ``(M,)`` the matched detection's score (0 when coasting).
        class_id: ``(M,)`` class of the track.
        det_index: ``(M,)`` index into this frame's ``Detections`` of the matched detection, -1 if none.
        state: ``(M,)`` :class:`TrackState` values.
        mask: optional ``(M, H, W)`` masks carried over from the matched detections.
        data: per-track metadata carried over from the matched detections (see :meth:`attach`).
    """

    track_id: np.ndarray
    xyxy: np.ndarray
    score: np.ndarray
    class_id: np.ndarray
    det_index: np.ndarray
    state: np.ndarray
    mask: np.ndarray | None = None
    data: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.track_id is None:
            raise RecordError("Tracks.track_id: required, got None")
        self.track_id = _column("Tracks.track_id", self.track_id, np.size(self.track_id), np.int64, 0)
        m = len(self.track_id)
        self.xyxy = _boxes("Tracks.xyxy", self.xyxy)
        if len(self.xyxy) != m:
            raise RecordError(f"Tracks.xyxy: expected shape ({m}, 4), one box per track, got {self.xyxy.shape}")
        self.score = _column("Tracks.score", self.score, m, np.float64, 0.0)
        self.class_id = _column("Tracks.class_id", self.class_id, m, np.int64, 0)
        self.det_index = _column("Tracks.det_index", self.det_index, m, np.int64, -1)
        self.state = _column("Tracks.state", self.state, m, np.int64, TrackState.CONFIRMED)
        self.mask = _masks("Tracks.mask", self.mask, m)
        self.data = _data("Tracks.data", self.data, m)

    def __len__(self) -> int:
        return len(self.track_id)

    @classmethod
    def empty(cls) -> "Tracks":
        z = np.zeros(0, np.int64)
        return cls(z, np.zeros((0, 4)), np.zeros(0), z, z.copy(), z.copy())

    def to_supervision(self, coasting: bool = True):
        """As ``supervision.Detections`` with ``tracker_id`` (see :mod:`tracker.interop`), e.g. for
        supervision's annotators; ``coasting=False`` leaves out tracks not matched this frame."""
        from .interop import tracks_to_supervision

        return tracks_to_supervision(self, coasting=coasting)

    def __getitem__(self, index) -> "Tracks":
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
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
        """Carry per-detection fields (masks, ``data`` such as labels) from the matched detections onto the tracks.

        Tracks without a detection this frame (``det_index`` -1) get an empty mask and None (NaN in
        float arrays) in per-record ``data``; shared ``data`` values are copied. The tracks' own
        ``data`` wins over a detection key of the same name. ``self`` is not modified.
        """
        idx = self.det_index
        if len(idx) and (idx.max() >= len(detections) or idx.min() < -1):
            raise RecordError(f"Tracks.attach: det_index {idx.tolist()} does not index {len(detections)} detections")
        mask = self.mask
        if detections.mask is not None and 0 not in detections.mask.shape[1:]:
            h, w = detections.mask.shape[1:]
            mask = np.zeros((len(self), h, w), bool)
            hit = idx >= 0
            mask[hit] = detections.mask[idx[hit]]
        carried = {k: (_take(v, idx) if _per_record(v) else v) for k, v in detections.data.items()}
        return replace(self, mask=mask, data={**carried, **self.data})
