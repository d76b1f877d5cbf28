"""Live-mode helpers: the newest-frame slot used by live sources, an on-screen ``Display`` and an ``FpsMeter``.

Live mode must never fall behind the camera: the capture thread overwrites a one-frame slot, so a slow
consumer always gets the latest frame and the frames it could not keep up with are counted as dropped.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from typing import Any

import numpy as np

__all__ = ["NewestFrameSlot", "Display", "FpsMeter", "display_available"]

_CLOSED = object()


class NewestFrameSlot:
    """A one-item mailbox: ``put`` replaces any unread item (counting it in ``dropped``), ``get`` waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: Any = None
        self._full = False
        self._closed = False
        self.dropped = 0

    def put(self, item: Any) -> None:
        """Publish ``item``, discarding the previous one if the consumer has not taken it yet."""
        with self._cond:
            if self._full:
                self.dropped += 1
            self._item, self._full = item, True
            self._cond.notify_all()

    def close(self) -> None:
        """No more items: ``get`` returns the last unread item, then ``None`` forever."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def get(self, timeout: float | None = None) -> Any:
        """The newest unread item; ``None`` once closed and drained. Raises ``TimeoutError`` on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._full and not self._closed:
                # Short waits keep Ctrl+C responsive on the main thread.
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    raise TimeoutError("no frame within the timeout")
                self._cond.wait(left)
            if self._full:
                item, self._item, self._full = self._item, None, False
                return item
            return None


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
