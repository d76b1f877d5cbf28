"""Class-aware non-maximum suppression on ``tf.image``, shared by every detector.

Boxes are xyxy pixels. Classes are kept apart by shifting each class's boxes far away from the
others (``class_id * offset``), so one ``non_max_suppression_with_scores`` call suppresses only
within a class; that one op also gives soft-NMS (``soft_nms_sigma > 0``: overlapping boxes lose
score, ``s * exp(-iou**2 / (2 * sigma))``, instead of being dropped).

:func:`nms_tf` works on tensors inside a ``tf.function`` (the NanoDet graph uses it);
:func:`nms` takes and returns numpy arrays (hard or soft, with or without the new scores).
"""

from __future__ import annotations

import numpy as np

__all__ = ["nms", "nms_tf"]


def nms_tf(boxes, scores, class_ids, iou_threshold, score_threshold, max_detections: int, soft_nms_sigma=0.0):
    """Tensor version: returns ``(keep_indices, kept_scores)``, both of length <= ``max_detections``.

    ``boxes`` is ``[N, 4]`` float32 xyxy, ``scores`` ``[N]``, ``class_ids`` ``[N]`` integer.
    Thresholds may be tensors, so one traced graph serves every setting.
    """
    import tensorflow as tf

    boxes = tf.cast(boxes, tf.float32)
    # The offset must exceed any box extent so that boxes of different classes never overlap.
    # The concat with 0 keeps reduce_max defined for an empty box set; non-finite coordinates are left
    # out, else one NaN or inf box would make every offset NaN and switch suppression off for all.
    # (A comparison, not tf.math.is_finite, so the graph stays in TFLite's builtin ops.)
    flat = tf.abs(tf.reshape(boxes, [-1]))
    flat = tf.where(flat <= tf.float32.max, flat, tf.zeros_like(flat))
    extent = tf.reduce_max(tf.concat([flat, [0.0]], 0))
    offset = tf.cast(class_ids, tf.float32)[:, None] * (2.0 * extent + 1.0)
    keep, kept_scores = tf.image.non_max_suppression_with_scores(
        boxes + offset,
        tf.cast(scores, tf.float32),
        max_output_size=max_detections,
        iou_threshold=iou_threshold,
        score_threshold=score_threshold,
        soft_nms_sigma=soft_nms_sigma,
    )
    return keep, kept_scores


def nms(
    xyxy,
    scores,
    class_ids=None,
    iou_threshold: float = 0.5,
    score_threshold: float = 0.0,
    soft_nms_sigma: float = 0.0,
    max_detections: int = 100,
    return_scores: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Indices of the boxes to keep, highest (possibly decayed) score first; suppression happens only
    within a class (``class_ids=None``: one class).

    ``soft_nms_sigma > 0`` makes it soft-NMS; ``return_scores=True`` also returns the kept boxes' new
    scores, ``(keep, new_scores)`` (with hard NMS those equal ``scores[keep]``).
    """
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    if class_ids is None:
        class_ids = np.zeros(len(xyxy), np.int64)
    class_ids = np.asarray(class_ids).reshape(-1)
    if not len(xyxy) == len(scores) == len(class_ids):
        from ..errors import RecordError

        raise RecordError(
            f"nms: {len(xyxy)} boxes, {len(scores)} scores and {len(class_ids)} class ids; expected one of each per box"
        )
    if len(xyxy) == 0 or max_detections <= 0:
        keep, kept = np.zeros(0, np.int64), np.zeros(0, np.float32)
    else:
        keep_t, kept_t = nms_tf(
            xyxy, scores, class_ids, float(iou_threshold), float(score_threshold), int(max_detections),
            float(soft_nms_sigma),
        )
        keep, kept = keep_t.numpy().astype(np.int64), kept_t.numpy()
    return (keep, kept) if return_scores else keep
