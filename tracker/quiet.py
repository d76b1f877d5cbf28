"""Keep stderr for the project's own lines: TensorFlow's and TFLite's start-up chatter is dropped.

Importing TensorFlow 2.21 on a machine without a GPU prints about six lines (absl's "before
InitializeLog" notice, oneDNN, the CUDA probe, CPU instruction sets), some of them from C++ before
``TF_CPP_MIN_LOG_LEVEL`` is read, so environment variables alone do not silence them; creating a
TFLite interpreter prints "Created TensorFlow Lite XNNPACK delegate". :func:`filtered_stderr`
captures file descriptor 2 around such a block and writes back only the lines that are not known
noise, so a real error or warning printed there still reaches the user.
:func:`quiet_tensorflow_import` makes the first ``import tensorflow`` (wherever it happens, e.g.
inside ``tensorflow_hub``) run under that filter; :func:`quiet_libraries`, which the CLI calls before
running a command, does that and quiets FFmpeg and TensorFlow's later C++ logging.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from typing import Iterator

__all__ = ["NOISE", "is_noise", "filtered_stderr", "quiet_libraries", "quiet_tensorflow_import"]

# Lines seen at start-up with TensorFlow 2.16-2.21 and ai-edge-litert 2.x on CPU-only Linux. Only whole
# known messages are listed: anything else printed in a filtered block is written back.
NOISE = re.compile(
    r"""^(?:
      WARNING:\ All\ log\ messages\ before\ absl::InitializeLog\(\)\ is\ called\ are\ written\ to\ STDERR
    | [IWE]\d{4}\ [\d:.]+\s+\d+\ (?:port|cudart_stub|cpu_feature_guard|cuda_platform|cuda_executor|cuda_dnn
        |cuda_fft|cuda_blas|cuda_diagnostics|dso_loader|gpu_device|computation_placer)\.cc:\d+\]
    | To\ enable\ the\ following\ instructions:.*rebuild\ TensorFlow
    | INFO:\ Created\ TensorFlow\ Lite\ XNNPACK\ delegate\ for\ CPU\.
    | .*oneDNN\ custom\ operations\ are\ on\.
    | .*Unable\ to\ register\ cu(?:DNN|FFT|BLAS)\ factory
    | .*TF-TRT\ Warning:\ Could\ not\ find\ TensorRT
    )""",
    re.X,
)


def is_noise(line: str) -> bool:
    """True for a known TensorFlow/TFLite start-up line (without its newline)."""
    return bool(NOISE.match(line))


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Capture fd 2 (C++ and Python writes alike) for the block; afterwards replay the non-noise lines.

    Does nothing where fd 2 cannot be duplicated (some notebooks). Lines are replayed also when the
    block raises, so the messages explaining a failure are kept.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):  # pragma: no cover - a closed stderr
                pass
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().splitlines(keepends=True)
            kept = [ln for ln in lines if not is_noise(ln.decode(errors="replace").rstrip("\r\n"))]
            if kept:
                os.write(2, b"".join(kept))


class _FilteredLoader(importlib.abc.Loader):
    """Runs the wrapped loader's ``exec_module`` under :func:`filtered_stderr`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        # The real loader goes back on the module first: packages look up resources through it.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with filtered_stderr():
            self._loader.exec_module(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietImportFinder(importlib.abc.MetaPathFinder):
    """One-shot finder: wraps the loader of the first import of ``tensorflow``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        _remove_finder()
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _FilteredLoader(spec.loader)
        return spec


def _remove_finder() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietImportFinder)]


def quiet_libraries() -> None:
    """Silence the native libraries' own stderr lines for the rest of this process (idempotent).

    - the first ``import tensorflow`` runs under :func:`filtered_stderr`;
    - ``TF_CPP_MIN_LOG_LEVEL=3`` (unless set) for TensorFlow's later C++ lines, e.g. the failed
      ``cuInit`` at the first operation on a machine without a GPU;
    - ``OPENCV_FFMPEG_LOGLEVEL=8`` (FFmpeg's fatal level, unless set): FFmpeg otherwise prints e.g.
      "moov atom not found" for a corrupt file next to the project's own one-line error. OpenCV reads it
      once, at its first video open, so call this before any.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")
    quiet_tensorflow_import()


def quiet_tensorflow_import() -> None:
    """Filter the start-up lines of the first ``import tensorflow`` in this process (idempotent)."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietImportFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietImportFinder())
