"""The newest-frame slot that live sources capture into.

Live mode must never fall behind the camera: the capture thread overwrites a one-frame slot, so a slow
consumer always gets the latest frame and the frames it could not keep up with are counted as dropped.
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["NewestFrameSlot"]


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
