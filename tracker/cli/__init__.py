"""``tracker`` command line: a thin layer that parses arguments and calls the library.

Each subcommand lives in its own module here with ``add_parser(subparsers)`` (returning the parser,
with ``set_defaults(func=run)``) and ``run(args) -> int``. Modules must not import TensorFlow at top
level so that ``tracker --help`` stays instant. Numeric options take ``type=checks.checked("--name")``
so their range is checked while parsing (:mod:`tracker.cli.checks`).

Every mistake the user can fix ends the same way: one line ``tracker: error: ...`` on stderr and exit
code 2, whether argparse or a command found it.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from ..errors import TrackerError
from ..quiet import quiet_libraries

# Order here is the order in --help.
COMMANDS = (
    "track",
    "live",
    "batch",
    "eval",
    "tune",
    "detect",
    "models",
    "segment",
    "train-segmenter",
    "train-detector",
    "train-embedder",
    "eval-detections",
)


EXIT_USAGE = 2


def fail(message: str) -> None:
    """Print ``tracker: error: <message>`` as one line on stderr (line breaks in the message become spaces)."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(message).strip())
    print(f"tracker: error: {text}", file=sys.stderr)


def warn(message: str) -> None:
    """Print ``tracker: warning: <message>`` as one line on stderr; the command goes on."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(message).strip())
    print(f"tracker: warning: {text}", file=sys.stderr)


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, without the usage block."""

    def error(self, message: str):  # type: ignore[override]
        prefix, sep, rest = message.partition(": ")
        if sep and prefix.startswith("argument ") and rest.startswith("--"):
            fail(rest)  # a range check (tracker.cli.checks) names the option itself
        else:
            fail(f"{message} (see `{self.prog} --help`)")
        self.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tracker",
        description="Find and follow objects in video (detector + appearance embeddings + DeepSORT).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()  # before any command imports TensorFlow or opens a video
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error already printed (2): a return code, like run()'s
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TrackerError as exc:
        fail(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tracker detect ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
