"""Generated circles, squares and triangles: the one demo scene behind ``tracker train-detector --make-shapes``
(boxes, :func:`tracker.train.datasets.make_shapes_dataset`) and ``tracker train-segmenter --make-shapes``
(class masks, :func:`tracker.train.segmenter.make_shapes_segmentation`).

Backgrounds have gradients, blobs, lines and noise so that objects are not the only edges; each object's
colour is drawn far from its local background so every object is visible; the class is the shape, never
the colour.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SHAPE_CLASSES", "background", "draw_shape", "mask_box", "render_scene"]

SHAPE_CLASSES = ("circle", "square", "triangle")


def background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Smooth colour gradient + coloured blobs and lines + pixel noise, so objects are not the only edges."""
    import cv2

    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    t = np.linspace(0, 1, w)[None, :, None] if rng.random() < 0.5 else np.linspace(0, 1, h)[:, None, None]
    img = (c0 * (1 - t) + c1 * t) * np.ones((h, w, 1))
    img = np.ascontiguousarray(img.astype(np.uint8))
    for _ in range(rng.integers(3, 9)):
        color = tuple(int(v) for v in rng.uniform(0, 255, 3))
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if rng.random() < 0.5:
            cv2.line(img, p1, p2, color, int(rng.integers(1, 4)), cv2.LINE_AA)
        else:
            axes = (int(rng.integers(w // 16, w // 4)), int(rng.integers(h // 16, h // 4)))
            cv2.ellipse(img, p1, axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.0, 4.0)))
    noise = rng.normal(0, rng.uniform(4, 16), img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _shape_points(kind: int, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    n = 4 if kind == 1 else 3
    a = angle + np.arange(n) * 2 * np.pi / n
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


def draw_shape(img: np.ndarray, kind: int, cx: float, cy: float, size: float, angle: float, color) -> np.ndarray | None:
    """Draw one shape (anti-aliased) into ``img``; returns its ``(H, W)`` uint8 mask (255 inside), or None
    when fewer than 4 pixels of it are in the image."""
    import cv2

    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    shift = 4  # sub-pixel vertex precision for cv2's fixed-point drawing
    if kind == 0:
        centre = (int(round(cx * 16)), int(round(cy * 16)))
        cv2.circle(mask, centre, int(round(size / 2 * 16)), 255, -1, cv2.LINE_8, shift)
        cv2.circle(img, centre, int(round(size / 2 * 16)), color, -1, cv2.LINE_AA, shift)
    else:
        # Circumradius giving a shape about ``size`` across.
        r = size / 2 * (math.sqrt(2) if kind == 1 else 1.15)
        pts = np.round(_shape_points(kind, cx, cy, r, angle) * 16).astype(np.int32)[None]
        cv2.fillPoly(mask, pts, 255, cv2.LINE_8, shift)
        cv2.fillPoly(img, pts, color, cv2.LINE_AA, shift)
    return mask if np.count_nonzero(mask) >= 4 else None


def mask_box(mask: np.ndarray) -> np.ndarray:
    """The tight xyxy box of a non-empty mask."""
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    from ..boxes import iou_matrix

    return float(iou_matrix(a, b).max()) if len(b) else 0.0


def render_scene(rng: np.random.Generator, h: int, w: int, max_objects: int, size_range: tuple[float, float]):
    """One image of 1..``max_objects`` barely overlapping shapes, each ``size_range`` (fractions of the
    shorter side) across, on :func:`background`.

    Returns ``(image, boxes, classes, labels)``: xyxy boxes, class ids (0 circle, 1 square, 2 triangle)
    and an ``(H, W)`` uint8 map of ``class + 1`` per pixel (0 = background; a later shape covers an earlier one).
    """
    img = background(rng, h, w)
    labels = np.zeros((h, w), np.uint8)
    boxes, classes = [], []
    lo, hi = size_range[0] * min(h, w), size_range[1] * min(h, w)
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            size = float(rng.uniform(lo, hi))
            cx, cy = float(rng.uniform(size / 2, w - size / 2)), float(rng.uniform(size / 2, h - size / 2))
            approx = np.array([[cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2]])
            if _iou(approx, np.array(boxes).reshape(-1, 4)) < 0.05:
                break
        else:
            continue
        kind = int(rng.integers(0, 3))
        # A colour far from the local background, so every object is visible.
        x1, y1, x2, y2 = (int(v) for v in np.clip(approx[0], 0, [w, h, w, h]))
        local = img[y1 : max(y2, y1 + 1), x1 : max(x2, x1 + 1)].reshape(-1, 3).mean(axis=0)
        for _c in range(20):
            color = rng.uniform(0, 255, 3)
            if np.abs(color - local).sum() > 150:
                break
        mask = draw_shape(img, kind, cx, cy, size, float(rng.uniform(0, 2 * np.pi)), tuple(float(v) for v in color))
        if mask is not None:
            boxes.append(mask_box(mask))
            classes.append(kind)
            labels[mask > 0] = kind + 1
    return img, np.array(boxes, np.float64).reshape(-1, 4), np.array(classes, np.int64), labels
