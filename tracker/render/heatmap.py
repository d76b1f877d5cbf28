"""A heatmap of where tracks have been: accumulated anchor points or box areas, with exponential decay."""

from __future__ import annotations

import cv2
import numpy as np

from ..analytics.anchors import anchor_points, check_anchor

__all__ = ["HeatMap"]


class HeatMap:
    """Accumulates, frame by frame, where confirmed tracks matched to a detection are.

    Args:
        shape: ``(height, width)`` of the frames (None: taken from the first ``draw`` or ``update``
            with ``shape=``).
        mode: ``"anchor"`` adds a Gaussian spot of ``radius`` px at each track's anchor point;
            ``"box"`` adds 1 over each box's area (occupancy).
        anchor: anchor name for ``"anchor"`` mode (default bottom centre: where people stand).
        radius: spot radius in pixels (``"anchor"`` mode).
        decay: each update first multiplies the map by this; 1 keeps everything, 0.99 halves a
            spot in 69 frames (about 2 s at 30 frames/s).
        include_coasting: also add tracks coasting without a detection.
    """

    def __init__(self, shape: tuple[int, int] | None = None, *, mode: str = "anchor", anchor: str = "bottom_center",
                 radius: int = 20, decay: float = 0.99, include_coasting: bool = False):  # fmt: skip
        if mode not in ("anchor", "box"):
            raise ValueError(f"mode must be 'anchor' or 'box', got {mode!r}")
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be in [0, 1], got {decay}")
        self.mode, self.anchor, self.radius, self.decay = mode, check_anchor(anchor), int(radius), float(decay)
        self.include_coasting = include_coasting
        self.heat: np.ndarray | None = None if shape is None else np.zeros(shape[:2], np.float32)
        r = max(self.radius, 1)
        g = cv2.getGaussianKernel(2 * r + 1, r / 2.0)
        self._spot = (g @ g.T).astype(np.float32)
        self._spot /= self._spot.max()

    def update(self, tracks, shape: tuple[int, int] | None = None) -> None:
        """Decay the map and add this frame's tracks."""
        if self.heat is None:
            if shape is None:
                raise ValueError("HeatMap needs the frame shape: pass shape= here or to the constructor")
            self.heat = np.zeros(shape[:2], np.float32)
        if self.decay != 1.0:
            self.heat *= self.decay
        keep = tracks.state == 2 if self.include_coasting else (tracks.state == 2) & (tracks.det_index >= 0)
        boxes = np.asarray(tracks.xyxy, np.float64)[keep]
        boxes = boxes[np.isfinite(boxes).all(1)]
        h, w = self.heat.shape
        if self.mode == "box":
            for x1, y1, x2, y2 in np.round(boxes).astype(int):
                self.heat[max(y1, 0) : min(y2, h), max(x1, 0) : min(x2, w)] += 1.0
            return
        r = self.radius
        for x, y in np.round(anchor_points(boxes, self.anchor)).astype(int):
            y0, y1, x0, x1 = max(y - r, 0), min(y + r + 1, h), max(x - r, 0), min(x + r + 1, w)
            if y0 < y1 and x0 < x1:
                self.heat[y0:y1, x0:x1] += self._spot[y0 - (y - r) : y1 - (y - r), x0 - (x - r) : x1 - (x - r)]

    def draw(self, image: np.ndarray, alpha: float = 0.5, colormap: int = cv2.COLORMAP_JET) -> np.ndarray:
        """Blend the map (normalised to its maximum) onto ``image`` where it is non-zero; returns ``image``."""
        if self.heat is None:
            self.heat = np.zeros(image.shape[:2], np.float32)
        top = float(self.heat.max())
        if top <= 0.0:
            return image
        level = np.clip(self.heat * (255.0 / top), 0, 255).astype(np.uint8)
        colour = cv2.applyColorMap(level, colormap)
        # Weight by the heat itself so cold areas stay untouched and hot ones get ``alpha``.
        wgt = (alpha * level.astype(np.float32) / 255.0)[..., None]
        hot = level > 0
        image[hot] = (image[hot] * (1.0 - wgt[hot]) + colour[hot] * wgt[hot]).astype(np.uint8)
        return image

    def reset(self) -> None:
        if self.heat is not None:
            self.heat[:] = 0.0
