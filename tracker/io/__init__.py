"""Frame sources (files, cameras, streams, image folders, MOT sequences) and output sinks.

``from tracker.io import open_source, VideoSink`` works; submodules load on first use so importing
``tracker.io`` stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Frame": "sources",
    "Source": "sources",
    "open_source": "sources",
    "VideoSink": "sinks",
    "MotSink": "sinks",
    "JsonLinesSink": "sinks",
    "CsvSink": "sinks",
    "check_output_path": "sinks",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
