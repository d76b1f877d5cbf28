"""Output files of a run: check and reserve them before any work, then open the text sinks on them."""

from __future__ import annotations

from typing import Mapping, Sequence

from .atomic import AtomicFile, check_distinct, reserve
from .sinks import CsvSink, JsonLinesSink, MotSink, check_output_path

__all__ = ["reserve_outputs", "text_sinks"]

#: The text formats by key, and their sink classes.
TEXT_SINKS = {"mot": MotSink, "json": JsonLinesSink, "csv": CsvSink}


def reserve_outputs(named: Sequence[tuple[str, str, str]], inputs: Sequence = ()) -> dict[str, AtomicFile]:
    """Check every ``(flag, path, key)`` output, then reserve each (lock + temporary file beside it).

    Called before any model loads: a bad path, two outputs on one file, or a target another run is
    writing is a one-line error that costs no time and touches no existing file. Key ``"video"`` is
    checked for a video container. Returns the reserved files by key.
    """
    for flag, path, key in named:
        check_output_path(path, inputs=inputs, video=key == "video")
    check_distinct([(flag, path) for flag, path, _ in named])
    return reserve((key, path) for _, path, key in named)


def text_sinks(outputs: Mapping[str, AtomicFile], class_names: Sequence[str] | None, analytics=None) -> list:
    """The MOT, JSON-lines and CSV sinks for whichever of those keys ``outputs`` holds; ``analytics``
    (an :class:`~tracker.analytics.outputs.AnalyticsFeed`) adds the counts to each JSON record."""
    sinks = []
    for key, cls in TEXT_SINKS.items():
        if key in outputs:
            if cls is MotSink:
                sinks.append(cls(outputs[key]))
            elif cls is JsonLinesSink:
                sinks.append(cls(outputs[key], class_names, analytics=analytics))
            else:
                sinks.append(cls(outputs[key], class_names))
    return sinks
