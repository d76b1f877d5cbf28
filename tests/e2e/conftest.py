"""Fixtures for the end-to-end tests: the clips of :mod:`.clips` written once per module, and one set of
loaded models shared by every run of a module, so 24 CLI runs pay TensorFlow's start-up once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .clips import CLIPS, write_clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """``name -> (mp4 path, frame count)`` for every clip in :data:`CLIPS`."""
    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for name, make in CLIPS.items():
        frames = make()
        out[name] = (write_clip(folder / f"{name}.mp4", frames), len(frames))
    return out


@pytest.fixture(scope="module")
def shared_models():
    """Load each model once per module: the CLI's loaders return cached instances (none keeps per-video state).

    Detectors are cached per (spec, conf, iou, classes), as those are fixed when one is built.
    """
    from tracker.models import detectors, embedders, segmenters

    cache: dict = {}

    def cached(loader):
        def load(*args, **kw):
            key = (loader.__name__, repr(args), repr(sorted(kw.items())))
            if key not in cache:
                cache[key] = loader(*args, **kw)
            return cache[key]

        return load

    with pytest.MonkeyPatch.context() as mp:
        for module, name in ((detectors, "load_detector"), (embedders, "load_embedder"), (segmenters, "load_segmenter")):
            mp.setattr(module, name, cached(getattr(module, name)))
        yield cache
