"""One reading of a model spec, for ``--detector``, ``--embedder`` and ``--segmenter`` alike.

A spec is, in this order:

1. ``tfhub:<handle>``: a TF Hub URL or path (fetched once into ``TFHUB_CACHE_DIR``);
2. a zoo name (``tracker models`` lists them), which wins over a file or folder of the same name
   (write ``./name`` for the folder);
3. a folder: one written by a ``tracker train-*`` command or a SavedModel;
4. a file (e.g. a ``.tflite`` segmenter).

Each ``load_<task>`` function gives :func:`resolve` its loaders for the kinds it takes; a kind it
does not take, a folder or file its loader does not recognise, a missing path and a mistyped zoo name
each get one :class:`~tracker.errors.TrackerError` line, worded the same for every task
(:func:`tracker.models.registry.unknown_spec`).

Resolving also quiets the native libraries (:func:`tracker.quiet.quiet_libraries`): models are where
TensorFlow is first imported, so library users (``tracker.track(...)``) get the CLI's clean stderr
without ``import tracker`` itself touching anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import TrackerError
from . import registry

__all__ = ["Loaders", "resolve", "TFHUB"]

TFHUB = "tfhub:"

#: Loaders take the handle or path and the caller's options; a folder/file loader returns None for
#: one it does not recognise (the resolver then says what it expected).
Loader = Callable[..., Any]


@dataclass(frozen=True)
class Loaders:
    """What one task accepts besides zoo names.

    Attributes:
        accepted: how error messages name the accepted specs, e.g. "a tfhub: handle or a SavedModel folder".
        tfhub_example: a handle shown when ``tfhub:`` comes without one.
        tfhub: ``(handle, **options) -> model``; None when the task has no TF Hub models.
        folder: ``(path, **options) -> model | None``.
        file: ``(path, **options) -> model | None``.
    """

    accepted: str
    tfhub_example: str = ""
    tfhub: Loader | None = None
    folder: Loader | None = None
    file: Loader | None = None


def resolve(spec: str | os.PathLike, task: str, loaders: Loaders, **options: Any) -> Any:
    """Build the ``task`` model ``spec`` names (see the module docstring); ``options`` go to its loader."""
    from ..quiet import quiet_libraries

    quiet_libraries()
    spec = str(spec).strip()
    if spec.startswith(TFHUB):
        handle = spec[len(TFHUB) :].strip()
        if loaders.tfhub is None:
            known = ", ".join(e.name for e in registry.entries(task)) or "none"
            raise TrackerError(f"no TF Hub {task}s: use a zoo name ({known}), {loaders.accepted}")
        if not handle:
            raise TrackerError(f"tfhub: needs a handle, e.g. tfhub:{loaders.tfhub_example}")
        return loaders.tfhub(handle, **options)
    if any(e.name == spec for e in registry.entries(task)):
        return registry.load(spec, task, **options)
    path = Path(spec).expanduser()
    loader = loaders.folder if path.is_dir() else loaders.file if path.is_file() else None
    model = loader(path, **options) if loader is not None else None
    if model is None:
        raise registry.unknown_spec(spec, task, loaders.accepted)
    return model
