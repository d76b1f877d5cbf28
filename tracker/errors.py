"""The one exception type for mistakes a user can fix (bad paths, malformed files, unknown names).

The CLI prints these as a single line and exits non-zero; anything else is a bug and keeps its traceback.
"""


class TrackerError(Exception):
    """A user-facing error whose message is complete on one line."""


class MissingDependency(TrackerError):
    """An optional dependency is not installed; the message says what to install."""


def require(module: str, hint: str):
    """Import an optional module or raise a one-line hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency(f"{module} is not installed: {hint} ({exc})") from None


class RecordError(TrackerError, ValueError):
    """A ``Detections`` or ``Tracks`` field has the wrong shape, count or type; the message names the field.

    Also a ``ValueError``, so code that caught the bare numpy errors these checks replace still works.
    """


def first_line(exc: BaseException, limit: int = 200) -> str:
    """``"Type: first line of the message"`` (at most ``limit`` characters) for a one-line error.

    Libraries such as TensorFlow raise errors whose text runs over many lines (stack traces of the
    graph); a :class:`TrackerError` quoting one keeps only this much.
    """
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    text = f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__
    return text[:limit]
