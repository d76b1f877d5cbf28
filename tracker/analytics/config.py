"""Reading many lines and zones from a JSON (or YAML) file (the CLI's ``--analytics``).

Format (JSON shown; YAML with the same structure needs PyYAML)::

    {
      "lines": [
        "100,400,900,400:door",
        {"name": "gate", "start": [0, 300], "end": [640, 300], "min_frames": 2, "margin": 4, "anchor": "bottom_center"}
      ],
      "zones": [
        "0,0,200,0,200,200,0,200:shelf",
        {"name": "till", "points": [[300, 300], [400, 300], [400, 400]], "min_frames": 2}
      ],
      "lost_after": 30
    }
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import TrackerError, require
from .engine import Analytics
from .lines import LineCounter, parse_line
from .zones import Zone, parse_zone

__all__ = ["load_analytics", "analytics_from_dict"]

_LINE_KEYS = {"name", "start", "end", "points", "anchor", "min_frames", "margin", "once_per_direction"}
_ZONE_KEYS = {"name", "points", "anchor", "min_frames"}
_TOP_KEYS = {"lines", "zones", "lost_after"}


def load_analytics(path: str | Path, class_names=None) -> Analytics:
    """An :class:`Analytics` from a ``.json``, ``.yaml`` or ``.yml`` file; one-line errors on bad specs."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrackerError(f"cannot read analytics config {str(path)!r}: {exc.strerror or exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        yaml = require("yaml", "pip install pyyaml to read YAML analytics configs, or use JSON")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise TrackerError(f"{path}: not valid YAML{at}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TrackerError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return analytics_from_dict(data, class_names)
    except TrackerError as exc:
        raise TrackerError(f"{path}: {exc}") from None


def analytics_from_dict(data: Any, class_names=None) -> Analytics:
    """An :class:`Analytics` from the parsed config (see the module docstring for the format)."""
    if not isinstance(data, dict):
        raise TrackerError("expected an object with 'lines' and/or 'zones'")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise TrackerError(f"unknown key(s) {', '.join(sorted(map(repr, unknown)))}: expected {', '.join(sorted(_TOP_KEYS))}")
    lines_spec, zones_spec = data.get("lines") or [], data.get("zones") or []
    for key, value in (("lines", lines_spec), ("zones", zones_spec)):
        if not isinstance(value, list):
            raise TrackerError(f"'{key}' must be a list")
    if not lines_spec and not zones_spec:
        raise TrackerError("no lines and no zones")
    lines = [_line(item, i) for i, item in enumerate(lines_spec)]
    zones = [_zone(item, i) for i, item in enumerate(zones_spec)]
    lost_after = data.get("lost_after", 30)
    if not isinstance(lost_after, int) or isinstance(lost_after, bool) or lost_after < 0:
        raise TrackerError(f"'lost_after' must be an integer >= 0, got {lost_after!r}")
    return Analytics(lines, zones, class_names=class_names, lost_after=lost_after, forget_after=max(300, lost_after + 1))


def _options(item: dict, allowed: set[str], where: str) -> dict:
    unknown = set(item) - allowed
    if unknown:
        raise TrackerError(f"{where}: unknown key(s) {', '.join(sorted(map(repr, unknown)))}: expected {', '.join(sorted(allowed))}")
    opts = {}
    for key, kind in (("anchor", str), ("min_frames", int), ("margin", (int, float)), ("once_per_direction", bool)):
        if key in item:
            v = item[key]
            if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
                raise TrackerError(f"{where}: {key!r} has the wrong type ({type(v).__name__})")
            opts[key] = v
    return opts


def _line(item: Any, i: int) -> LineCounter:
    where, default = f"lines[{i}]", f"line{i + 1}"
    try:
        if isinstance(item, str):
            return parse_line(item, default)
        if not isinstance(item, dict):
            raise TrackerError("expected \"x1,y1,x2,y2[:name]\" or an object with start and end")
        opts = _options(item, _LINE_KEYS, where)
        if "points" in item:
            pts = item["points"]
            if not isinstance(pts, list) or len(pts) != 2:
                raise TrackerError("'points' must be two points [[x1, y1], [x2, y2]]")
            start, end = pts
        elif "start" in item and "end" in item:
            start, end = item["start"], item["end"]
        else:
            raise TrackerError("needs 'start' and 'end' (or 'points')")
        return LineCounter(start, end, str(item.get("name", default)), **opts)
    except TrackerError as exc:
        raise TrackerError(f"{where}: {exc}") from None


def _zone(item: Any, i: int) -> Zone:
    where, default = f"zones[{i}]", f"zone{i + 1}"
    try:
        if isinstance(item, str):
            return parse_zone(item, default)
        if not isinstance(item, dict):
            raise TrackerError("expected \"x,y,x,y,x,y,...[:name]\" or an object with points")
        opts = _options(item, _ZONE_KEYS, where)
        if "points" not in item:
            raise TrackerError("needs 'points' [[x, y], ...]")
        return Zone(item["points"], str(item.get("name", default)), **opts)
    except TrackerError as exc:
        raise TrackerError(f"{where}: {exc}") from None
