"""The on-screen window of live mode (``Display``) and an ``FpsMeter``."""

from __future__ import annotations

import os
import sys
import time
import warnings
from typing import Any

import numpy as np

__all__ = ["Display", "FpsMeter", "display_available"]


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

    def __init__(self, title: str = "tracker", enabled: bool = True) -> None:
        self.title = title
        self.enabled = bool(enabled) and display_available()
        self._opened = False

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


class FpsMeter:
    """Frames per second as an exponential moving average of the interval between ``tick()`` calls."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = float(alpha)
        self._last: float | None = None
        self._interval: float | None = None

    def tick(self, now: float | None = None) -> float:
        """Record one frame; returns the current estimate."""
        now = time.monotonic() if now is None else now
        if self._last is not None:
            dt = max(now - self._last, 1e-9)
            self._interval = dt if self._interval is None else (1 - self.alpha) * self._interval + self.alpha * dt
        self._last = now
        return self.fps

    @property
    def fps(self) -> float:
        """Current estimate (0.0 until two ticks)."""
        return 0.0 if not self._interval else 1.0 / self._interval
