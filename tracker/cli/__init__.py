"""``tracker`` command line: a thin layer that parses arguments and calls the library.

Each subcommand lives in its own module here with ``add_parser(subparsers)`` (returning the parser,
with ``set_defaults(func=run)``) and ``run(args) -> int``. Modules must not import TensorFlow at top
level so that ``tracker --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import TrackerError

# Order here is the order in --help.
COMMANDS = (
    "track",
    "live",
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Find and follow objects in video (detector + appearance embeddings + DeepSORT).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TrackerError as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tracker detect ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
