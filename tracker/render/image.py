"""One annotated frame to an image file: ``tracker detect IMAGE --out`` and ``tracker segment IMAGE --out``."""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from ..errors import TrackerError
from ..io.atomic import AtomicFile
from ..records import FrameResult

__all__ = ["AnnotatedImageSink", "annotated_output", "check_output_kind", "is_image_path", "write_image"]


def is_image_path(path: str | os.PathLike) -> bool:
    """Whether ``path`` names an image file (by its extension: :data:`tracker.io.sources.IMAGE_EXTENSIONS`)."""
    from ..io.sources import IMAGE_EXTENSIONS

    return os.path.splitext(os.fspath(path))[1].lower() in IMAGE_EXTENSIONS


def check_output_kind(out: str | os.PathLike, image_in: bool, example: str = "annotated.mp4") -> None:
    """An image input gets an image ``--out`` and any other input a video one: a one-line error otherwise."""
    from ..io.sources import IMAGE_EXTENSIONS

    if image_in and not is_image_path(out):
        raise TrackerError(f"--out for an image must be an image file ({', '.join(IMAGE_EXTENSIONS[:3])}, ...)")
    if not image_in and is_image_path(out):
        raise TrackerError(f"--out for a video must be a video file (e.g. {example})")


def write_image(file: AtomicFile, image: np.ndarray) -> None:
    """Write ``image`` to the reserved ``file``'s temporary name (which ends in the real extension, so
    OpenCV picks the same format); committing is the caller's."""
    import cv2

    if not cv2.imwrite(str(file.temp), image):
        raise TrackerError(f"cannot write image {os.fspath(file.path)}")


class AnnotatedImageSink:
    """A :class:`~tracker.records.Sink` writing the last result's frame, drawn by ``annotator``, to an image.

    Args:
        file: a reserved :class:`~tracker.io.atomic.AtomicFile` or a path (reserved here).
        annotator: ``result -> image``; the default writes ``result.image`` as it is.
    """

    def __init__(self, file: AtomicFile | str | os.PathLike, annotator: Callable[[FrameResult], np.ndarray] | None = None):
        self.file = file if isinstance(file, AtomicFile) else AtomicFile(file, begin=True)
        self.annotator = annotator or (lambda result: result.image)
        self.written = 0

    def write(self, result: FrameResult) -> None:
        write_image(self.file, self.annotator(result))
        self.written += 1

    def close(self, commit: bool = True) -> None:
        """Move the image into place (``commit=False`` or nothing written: keep an old file)."""
        if commit and self.written:
            self.file.commit()
        else:
            self.file.discard()


def annotated_output(file, annotator: Callable[[FrameResult], np.ndarray], *, image: bool, fps: float | None = None):
    """The sink for an annotated copy of the input: an :class:`AnnotatedImageSink` for an image, else an
    :class:`~tracker.render.video.AnnotatedVideoSink` at ``fps``."""
    if image:
        return AnnotatedImageSink(file, annotator)
    from .video import AnnotatedVideoSink

    return AnnotatedVideoSink(file, fps, annotator=annotator)
