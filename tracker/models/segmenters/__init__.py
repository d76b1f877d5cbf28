"""Segmenters: ``segmenter(frame_bgr) -> (H, W)`` person probability or ``(H, W, C)`` class probabilities.

Instance masks (one per detected person) are split from that map in :mod:`.instances`.
"""

from .selfie import SelfieSegmenter, load_segmenter

__all__ = ["SelfieSegmenter", "load_segmenter"]
