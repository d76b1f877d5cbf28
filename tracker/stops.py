"""Ctrl-C and SIGTERM as clean stops: the run ends at a frame boundary and keeps the frames done.

Without this, SIGTERM (``kill``, ``timeout``, systemd, docker stop) ends Python at once and every output
of the run is lost; Ctrl-C can land between two outputs' writes of one frame, so the MOT file holds a
frame the JSON file does not.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Callable, Iterator

__all__ = ["Terminated", "StopRun", "StopSignals", "deferred", "run_stoppable"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's ``KeyboardInterrupt`` so every clean-up path treats both alike."""


class StopRun(Exception):
    """Raised by a sink's ``write`` to end the run cleanly after the current frame (e.g. q in the window)."""


_active: list["StopSignals"] = []  # the StopSignals blocks now entered, innermost last


EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + signal number, as shells report


class StopSignals:
    """Turn SIGINT/SIGTERM into ``KeyboardInterrupt``/:class:`Terminated` while the block runs.

    Inside :meth:`deferred` a signal is held until the block ends, so a frame reaches every output or
    none. After the first signal, repeats are ignored: the stop is already under way and a second
    exception would cut short the move of the outputs into place (SIGKILL still ends the process; the
    old outputs then stay intact). Outside the main thread this does nothing (Python allows signal
    handlers only there).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._depth = 0
        self._pending: int | None = None
        self._previous: dict[int, object] = {}

    @property
    def exit_code(self) -> int:
        """130 after Ctrl-C (or any ``KeyboardInterrupt``), 143 after SIGTERM."""
        return EXIT_CODES.get(self.signum, 130)

    def __enter__(self) -> "StopSignals":
        _active.append(self)
        if threading.current_thread() is threading.main_thread():
            for sig in EXIT_CODES:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self in _active:
            _active.remove(self)
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        self._previous.clear()

    def _handle(self, signum, frame) -> None:
        if self.signum is not None:
            return
        if self._depth:
            self._pending = signum
            return
        self._raise(signum)

    def _raise(self, signum: int) -> None:
        self.signum = signum
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold signals until the block ends (then raise the held one)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        # Not in ``finally``: an error raised by the block must not be replaced by the stop.
        if self._depth == 0 and self._pending is not None:
            signum, self._pending = self._pending, None
            self._raise(signum)


def deferred() -> contextlib.AbstractContextManager:
    """The innermost active :meth:`StopSignals.deferred` block, or a no-op outside any ``StopSignals``.

    Library code wraps each frame's writes in it, so a frame reaches every sink or none whoever drives it.
    """
    return _active[-1].deferred() if _active else contextlib.nullcontext()


def run_stoppable(body: Callable[[StopSignals], int]) -> int:
    """Run a command's ``body(stops)`` with Ctrl-C and SIGTERM as clean stops.

    The body handles a stop inside its frame loop itself (keeping the frames done, returning
    ``stops.exit_code``); a stop that escapes it (before the first frame) ends here with one line on
    stderr and exit code 130 (Ctrl-C) or 143 (SIGTERM).
    """
    with StopSignals() as stops:
        try:
            return body(stops)
        except KeyboardInterrupt:
            print(f"tracker: {'terminated' if stops.exit_code == 143 else 'interrupted'}", file=sys.stderr)
            return stops.exit_code
