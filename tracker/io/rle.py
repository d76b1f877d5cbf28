"""COCO run-length encoding of masks, as the JSON-lines sink writes them (``{"size": [h, w], "counts": str}``)."""

from __future__ import annotations

import numpy as np

__all__ = ["mask_to_rle", "encode_rle", "decode_rle"]


def mask_to_rle(mask: np.ndarray) -> dict:
    """COCO RLE of one ``(H, W)`` boolean mask as JSON-ready ``{"size": [h, w], "counts": str}``."""
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    counts = rle["counts"]
    return {"size": [int(v) for v in rle["size"]], "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}


def encode_rle(masks: np.ndarray) -> list[dict]:
    """COCO run-length encodings (``{"size": [H, W], "counts": str}``) of ``(N, H, W)`` masks.

    The JSON-lines sink writes the same records (one :func:`mask_to_rle` per track).
    """
    masks = np.asarray(masks, bool)
    if masks.ndim == 2:
        masks = masks[None]
    return [mask_to_rle(m) for m in masks]


def decode_rle(rles: list[dict]) -> np.ndarray:
    """Inverse of :func:`encode_rle`: ``(N, H, W)`` bool masks (``(0, 0, 0)`` for an empty list)."""
    from pycocotools import mask as mask_utils

    if not rles:
        return np.zeros((0, 0, 0), bool)
    out = []
    for r in rles:
        counts = r["counts"]
        rle = {"size": list(r["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
        out.append(mask_utils.decode(rle).astype(bool))
    return np.stack(out)
