"""The on-screen window (``Display``): a :class:`~tracker.records.Sink` that shows annotated frames."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

__all__ = ["Display", "display_available"]


def display_available() -> bool:
    """Whether a window can plausibly be opened (a GUI-capable OpenCV and, on Linux, a display)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    import cv2

    info = cv2.getBuildInformation()
    for line in info.splitlines():
        if line.strip().startswith("GUI:"):
            return "NONE" not in line.upper()
    return True


class Display:
    """An OpenCV window when one can be opened, else a silent no-op (headless servers, headless OpenCV).

    ``show(image)`` returns False once the user pressed ``q`` or Esc (or closed the window).
    """

    def __init__(self, title: str = "tracker", enabled: bool = True, annotator=None) -> None:
        self.title = title
        self.enabled = bool(enabled) and display_available()
        self.annotator = annotator
        self._opened = False

    def write(self, result) -> None:
        """Show a result's frame (drawn by ``annotator`` when given); raises
        :class:`~tracker.stops.StopRun` once the user pressed q or Esc or closed the window."""
        if result.image is None:
            return
        image = self.annotator(result) if self.annotator is not None else result.image
        if not self.show(image):
            from ..stops import StopRun

            raise StopRun(f"window {self.title!r} closed")

    def show(self, image: np.ndarray) -> bool:
        """Show a frame; False means the user asked to stop."""
        if not self.enabled:
            return True
        import cv2

        try:
            cv2.imshow(self.title, image)
            self._opened = True
            key = cv2.waitKey(1) & 0xFF
            if key in (ord("q"), 27):
                return False
            # A window closed with its close button reports visibility 0 (-1: backend can't tell).
            if 0 <= cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
                return False
        except cv2.error as exc:
            warnings.warn(f"no display window ({str(exc).strip().splitlines()[-1]}); continuing headless")
            self.enabled = False
        return True

    def close(self) -> None:
        """Close the window if one was opened."""
        if self._opened:
            import cv2

            try:
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)
            except cv2.error:
                pass
            self._opened = False

    def __enter__(self) -> "Display":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
