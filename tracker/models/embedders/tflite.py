"""The default appearance embedder as one TFLite graph: no TensorFlow import, one call per frame.

``weights/mobilenetv2-f17-64x32.tflite`` is the Keras embedder of :mod:`.cnn` at its defaults (ImageNet
MobileNetV2 after ``f17_out``, 64x32 crops, average pooling, L2 normalisation), converted by
``tools/convert_embedder.py`` with a dynamic batch dimension and float16 weights from block 6 on
(3.7 MB; halving every weight moved the embeddings by 2e-2, this split by 7.5e-4, at float32's speed).
Crops are cut by :func:`.crops.crop_and_resize`, which reproduces ``tf.image.crop_and_resize``, so the
embeddings equal the Keras path's to < 1e-3 with the same nearest neighbours
(``tests/models/test_embedder_tflite.py``). Loading it takes about 0.05 s against 2-4 s for TensorFlow +
Keras, which was most of ``tracker track``'s start-up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrackerError
from ..tflite import make_interpreter
from .crops import crop_and_resize, frame_and_boxes

__all__ = ["DEFAULT_PATH", "TFLiteEmbedder"]

DEFAULT_PATH = Path(__file__).parent.parent / "weights" / "mobilenetv2-f17-64x32.tflite"


class TFLiteEmbedder:
    """``embedder(frame_bgr, detections) -> (N, D)`` unit rows from a TFLite crop-embedding graph.

    Args:
        path: a ``.tflite`` file mapping ``crops (N, h, w, 3)`` float32 RGB in [0, 255] to ``(N, D)``
            L2-normalised rows (the batch dimension dynamic); the crop size is read from it.
        threads: interpreter threads (default: up to 4 CPU cores, as the detector).
        name: shown in ``repr``.

    The interpreter's batch size follows the number of boxes and is resized only when it changes
    (re-allocation costs ~0.1 ms, less than padding to a fixed batch would cost in compute).
    Each instance owns one interpreter: call it from one thread at a time.
    """

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, threads: int | None = None, name: str = "mobilenetv2"):
        self.path = Path(path)
        self.name = name
        self._interp = make_interpreter(self.path, threads or min(4, os.cpu_count() or 1))
        inp = self._interp.get_input_details()
        out = self._interp.get_output_details()
        if len(inp) != 1 or len(out) != 1 or len(inp[0]["shape"]) != 4 or len(out[0]["shape"]) != 2:
            raise TrackerError(f"{self.path} is not a crop embedder: expected (N, h, w, 3) -> (N, D)")
        self._in, self._out = inp[0]["index"], out[0]["index"]
        self.crop_size = (int(inp[0]["shape"][1]), int(inp[0]["shape"][2]))
        self.dim = int(out[0]["shape"][1])
        self._batch = int(inp[0]["shape"][0])

    def embed_crops(self, crops_rgb: np.ndarray) -> np.ndarray:
        """``(N, h, w, 3)`` float32 RGB crops -> ``(N, D)`` unit rows (N >= 1)."""
        n = len(crops_rgb)
        if n != self._batch:
            self._interp.resize_tensor_input(self._in, [n, *self.crop_size, 3])
            self._interp.allocate_tensors()
            self._batch = n
        self._interp.set_tensor(self._in, np.ascontiguousarray(crops_rgb, np.float32))
        self._interp.invoke()
        return self._interp.get_tensor(self._out).copy()

    def __call__(self, frame_bgr: np.ndarray, detections: Any) -> np.ndarray:
        """Unit-length embeddings, one row per detection (``Detections`` or an ``(N, 4)`` xyxy array)."""
        frame, boxes = frame_and_boxes(frame_bgr, detections)
        if len(boxes) == 0:
            return np.zeros((0, self.dim), np.float32)
        # Reversing the channel axis of the (view of the) frame makes the gathered crops RGB for free.
        return self.embed_crops(crop_and_resize(frame[..., ::-1], boxes, self.crop_size))

    def __repr__(self) -> str:
        return f"TFLiteEmbedder({self.name}, crop={self.crop_size[0]}x{self.crop_size[1]}, dim={self.dim})"
