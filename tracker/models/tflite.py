"""One way to open a ``.tflite`` file: the LiteRT interpreter, TensorFlow's copy only as a fallback.

``tf.lite.Interpreter`` is deprecated (TensorFlow 2.21 warns each time one is made) and
``ai_edge_litert.interpreter.Interpreter`` is its replacement with the same API, which does not import
TensorFlow. Both give identical outputs on the
shipped NanoDet and selfie models (``tests/models/test_tflite.py``). The interpreter's start-up line
("Created TensorFlow Lite XNNPACK delegate for CPU") is filtered out of stderr.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from ..errors import TrackerError, first_line
from ..quiet import filtered_stderr

__all__ = ["interpreter_class", "make_interpreter"]


def interpreter_class(prefer: str = "litert") -> Any:
    """The interpreter class: LiteRT's if installed (``prefer="litert"``), else TensorFlow's.

    ``prefer="tf"`` asks for TensorFlow's copy (used by tests that compare the two).
    """
    if prefer == "litert":
        try:
            from ai_edge_litert.interpreter import Interpreter

            return Interpreter
        except ImportError:  # pragma: no cover - depends on the environment
            pass
    elif prefer != "tf":
        raise ValueError(f"prefer must be 'litert' or 'tf', not {prefer!r}")
    import tensorflow as tf

    return tf.lite.Interpreter


def make_interpreter(model_path: str | os.PathLike, num_threads: int | None = None, prefer: str = "litert") -> Any:
    """An interpreter for ``model_path`` with its tensors allocated.

    Raises :class:`~tracker.errors.TrackerError` when the file is missing or not a TFLite model.
    """
    path = Path(model_path)
    if not path.is_file():
        raise TrackerError(f"TFLite model not found: {path}")
    cls = interpreter_class(prefer)
    try:
        with filtered_stderr(), warnings.catch_warnings():
            # TensorFlow's fallback warns that it is deprecated; the fallback is deliberate.
            warnings.filterwarnings("ignore", message=r".*tf\.lite\.Interpreter is deprecated", category=UserWarning)
            interpreter = cls(model_path=str(path), num_threads=num_threads)
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise TrackerError(f"cannot load TFLite model {path}: {first_line(exc)}") from None
    return interpreter
