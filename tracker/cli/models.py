"""``tracker models``: the model zoo as a table (no model is loaded, TensorFlow is not imported)."""

from __future__ import annotations

import json

COLUMNS = ("name", "task", "input_size", "classes", "license")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "models",
        help="list the model zoo (detectors, backbones, embedders, segmenters)",
        description="List the models the zoo can build; * marks the default of each task. "
        "Sources and checksums of shipped weights are in tracker/models/NOTICE.",
    )
    p.add_argument("--task", default=None, help="only this task (detector, backbone, embedder, segmenter)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="also show each model's source and description")
    p.set_defaults(func=run)
    return p


MAX_CELL = 34  # keeps a row on a wide terminal; -v prints cells whole


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3].rstrip() + "..."


def run(args) -> int:
    from ..errors import TrackerError
    from ..models.registry import entries

    rows = entries(args.task)
    if args.task and not rows:
        tasks = sorted({e.task for e in entries()})
        raise TrackerError(f"no models for task {args.task!r} (tasks: {', '.join(tasks)})")
    if args.format == "json":
        for e in rows:
            print(json.dumps({**e.__dict__}))
        return 0
    header = ("", "NAME", "TASK", "INPUT SIZE", "CLASSES", "LICENSE")
    cell = (lambda text: text) if args.verbose else _short
    table = [header] + [("*" if e.default else "", *(cell(str(getattr(e, c))) for c in COLUMNS)) for e in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, r in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if args.verbose and i > 0:
            e = rows[i - 1]
            print(f"      source: {e.source}")
            if e.description:
                print(f"      {e.description}")
    print("* = default for its task")
    return 0
