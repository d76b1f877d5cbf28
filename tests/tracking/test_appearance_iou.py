"""With embeddings, the IoU stages use plain IoU gated at ``appearance_iou_distance`` (not score-fused IoU)."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.detections import Detections
from tracker.tracking import Tracker


def _det(x: float, score: float, emb: list[float] | None) -> Detections:
    e = None if emb is None else np.array([emb], np.float32)
    return Detections(np.array([[x, 0.0, x + 10.0, 10.0]]), np.array([score]), np.array([0]), embedding=e)


# Frame 2's box is the frame-1 box moved 5 px: IoU 50/150 = 1/3, plain cost 2/3; fused with score 0.55:
# 1 - 0.55/3 = 0.8167 > 0.8. Orthogonal embeddings keep the appearance cascade (cosine 1 > 0.2) and
# re-identification out of it, so only the IoU stage can make the match.
@pytest.mark.parametrize(
    "with_embeddings, appearance_iou_distance, matched",
    [
        (True, 0.7, True),  # plain 0.667 <= 0.7
        (True, 0.6, False),  # plain 0.667 > 0.6
        (True, None, False),  # fused 0.817 > max_iou_distance 0.8
        (False, 0.7, False),  # no embeddings: the fused rule, whatever the option says
    ],
)
def test_iou_rule_with_embeddings(with_embeddings, appearance_iou_distance, matched):
    t = Tracker(appearance_iou_distance=appearance_iou_distance, high_score=0.5, new_track_score=0.5)  # both boxes main-pass
    first = t.update(_det(0.0, 0.9, [1.0, 0.0] if with_embeddings else None))
    assert first.track_id.tolist() == [1]  # confirmed on the first frame
    out = t.update(_det(5.0, 0.55, [0.0, 1.0] if with_embeddings else None))
    assert (out.track_id.tolist() == [1]) is matched
    if not matched:
        assert len(out) == 0  # track 1 is too young to coast; the box starts a tentative track
