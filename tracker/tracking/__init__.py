"""DeepSORT tracking core: Kalman filter, track table, matching and the Tracker that ties them together."""

from .tracker import Tracker, TrackerConfig

__all__ = ["Tracker", "TrackerConfig"]
