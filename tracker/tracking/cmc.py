"""Camera-motion compensation: the global image motion between consecutive frames, and the Kalman
states moved by it.

When the camera pans or shakes, every object jumps in the image by the camera's motion, which a
constant-velocity filter cannot predict: boxes land far from their predictions, IoU gates fail and
tracks restart under new ids. BoT-SORT (Aharon et al. 2022, "GMC") and OC-SORT estimate that global
motion as a 2x3 affine between the previous and the current frame and move every track's state by it
before association. This is their sparse optical-flow variant, written with OpenCV:

1. grey frame, downscaled so its longer side is at most ``max_side`` pixels (the cost scales with the
   pixel count; the motion of a 1080p frame is no better measured at full size);
2. Shi-Tomasi corners (``cv2.goodFeaturesToTrack``, BoT-SORT's settings) on the previous frame, with
   the previous frame's detection boxes masked out, because moving objects are exactly the points that
   do not follow the camera;
3. pyramidal Lucas-Kanade flow of those corners into the current frame;
4. a 4-degree-of-freedom similarity (rotation, uniform scale, translation) fitted with RANSAC
   (``cv2.estimateAffinePartial2D``), so the objects' own points that slip through are outliers.

When too few points survive (blank or fully covered frames, a cut) the warp is the identity: no
compensation is always safe, a wrong one is not.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

__all__ = ["CameraMotion", "warp_state", "IDENTITY"]

#: The 2x3 affine that moves nothing.
IDENTITY = np.eye(2, 3)


class CameraMotion:
    """Estimates the affine that maps the previous frame's pixel coordinates to the current frame's.

    Call it once per frame, in order; the first call (and any frame whose size differs from the last)
    returns the identity.

    Args:
        max_side: frames are downscaled so that their longer side is at most this many pixels.
        max_corners, quality, min_distance, block_size: ``cv2.goodFeaturesToTrack`` settings (BoT-SORT's).
        min_points: fewer flow correspondences than this give the identity.
        ransac_threshold: RANSAC inlier distance in downscaled pixels (OpenCV's default, 3).
        mask_boxes: do not take corners inside the detection boxes passed with each frame.
    """

    def __init__(
        self,
        max_side: int = 640,
        max_corners: int = 1000,
        quality: float = 0.01,
        min_distance: int = 1,
        block_size: int = 3,
        min_points: int = 10,
        ransac_threshold: float = 3.0,
        mask_boxes: bool = True,
    ):
        self.max_side = max_side
        self.max_corners, self.quality = max_corners, quality
        self.min_distance, self.block_size = min_distance, block_size
        self.min_points = min_points
        self.ransac_threshold = ransac_threshold
        self.mask_boxes = mask_boxes
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame (the next call returns the identity)."""
        self._prev: np.ndarray | None = None
        self._prev_pts: np.ndarray | None = None
        self._shape: tuple[int, ...] | None = None

    def __call__(self, image: np.ndarray, boxes: np.ndarray | Sequence | None = None) -> np.ndarray:
        """The ``(2, 3)`` warp from the previous frame to ``image`` (BGR or grey); ``boxes``: this
        frame's detections (xyxy pixels), kept out of the corners used for the next frame."""
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if scale < 1.0:
            grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        warp = IDENTITY.copy()
        if self._prev is not None and self._shape == image.shape[:2] and self._prev_pts is not None:
            warp = self._estimate(self._prev, grey, self._prev_pts, scale)
        self._prev, self._shape = grey, image.shape[:2]
        self._prev_pts = self._corners(grey, boxes, scale)
        return warp

    def _corners(self, grey: np.ndarray, boxes, scale: float) -> np.ndarray | None:
        mask = None
        if self.mask_boxes and boxes is not None and len(boxes):
            mask = np.full(grey.shape, 255, np.uint8)
            b = np.asarray(boxes, np.float64).reshape(-1, 4) * scale
            b = np.nan_to_num(b)
            x1, y1 = np.floor(b[:, :2]).clip(0).astype(int).T
            x2, y2 = np.ceil(b[:, 2:]).astype(int).T
            for a, bb, c, d in zip(x1, y1, x2, y2):
                mask[bb:d, a:c] = 0
        pts = cv2.goodFeaturesToTrack(
            grey, self.max_corners, self.quality, self.min_distance, mask=mask, blockSize=self.block_size
        )
        return None if pts is None or len(pts) < self.min_points else pts

    def _estimate(self, prev: np.ndarray, cur: np.ndarray, pts: np.ndarray, scale: float) -> np.ndarray:
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None)
        if nxt is None:
            return IDENTITY.copy()
        ok = status.ravel() == 1
        if ok.sum() < self.min_points:
            return IDENTITY.copy()
        m, inliers = cv2.estimateAffinePartial2D(
            pts[ok], nxt[ok], method=cv2.RANSAC, ransacReprojThreshold=self.ransac_threshold
        )
        if m is None or inliers is None or int(inliers.sum()) < self.min_points or not np.isfinite(m).all():
            return IDENTITY.copy()
        m = m.astype(np.float64)
        # Points were in downscaled pixels: x_s = s x. The linear part is scale-free; the shift is not.
        m[:, 2] /= scale
        return m


def warp_state(
    mean: np.ndarray, cov: np.ndarray, warp: np.ndarray, size_dims: Sequence[int] = (3,)
) -> tuple[np.ndarray, np.ndarray]:
    """Move constant-velocity Kalman states ``(N, 8)`` and block covariances ``(N, 3, 4)`` by a 2x3 affine.

    State layout ``[cx, cy, s2, s3, vcx, vcy, vs2, vs3]``: the centre goes through the whole affine
    ``A c + t``, the centre velocity through its linear part ``A v``. ``size_dims`` are the size
    coordinates that scale with the image (``(3,)`` for the height of DeepSORT's ``xyah``; ``(2, 3)``
    for ``xywh``) and are multiplied, with their velocities, by ``s = sqrt(|det A|)``; the aspect ratio
    does not change under a similarity. BoT-SORT instead multiplies every (x, y)-like pair of its
    ``xywh`` state by ``A``, which also rotates width into height; for the small rotations between
    frames the two agree.

    The covariance is stored as independent 2x2 blocks per coordinate (see ``kalman_filter.py``), so it
    cannot hold the x-y correlation a rotation creates. The variances it does hold are exact:
    ``var(x') = A00^2 var(x) + A01^2 var(y)`` (and likewise for the position-velocity and velocity
    blocks), because x and y start uncorrelated; only the new correlation is dropped. For the
    translations and near-identity rotations of real camera motion that correlation is negligible.
    """
    warp = np.asarray(warp, np.float64).reshape(2, 3)
    A, t = warp[:, :2], warp[:, 2]
    mean = np.array(mean, np.float64, copy=True)
    cov = np.array(cov, np.float64, copy=True)
    if len(mean) == 0:
        return mean, cov
    mean[:, 0:2] = mean[:, 0:2] @ A.T + t
    mean[:, 4:6] = mean[:, 4:6] @ A.T
    A2 = A * A
    cov[:, :, 0:2] = cov[:, :, 0:2] @ A2.T
    s = float(np.sqrt(abs(np.linalg.det(A))))
    for d in size_dims:
        mean[:, d] *= s
        mean[:, 4 + d] *= s
        cov[:, :, d] *= s * s
    return mean, cov
