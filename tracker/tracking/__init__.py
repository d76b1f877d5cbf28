"""DeepSORT tracking core: Kalman filter, track table, matching and the Tracker that ties them together.

Names are resolved on first use, so importing a light submodule (``tracking.refine``'s constants for the
CLI's ``--help``) does not pay for the Kalman filter's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Tracker", "TrackerConfig"]

if TYPE_CHECKING:  # pragma: no cover
    from .tracker import Tracker, TrackerConfig


def __getattr__(name: str):
    if name in __all__:
        from . import tracker

        return getattr(tracker, name)
    raise AttributeError(f"module 'tracker.tracking' has no attribute {name!r}")
