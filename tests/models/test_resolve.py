"""One spec resolver for detectors, embedders and segmenters: the same reading and the same messages."""

from __future__ import annotations

import pytest

from tracker.errors import TrackerError
from tracker.models import registry
from tracker.models.detectors import load_detector
from tracker.models.embedders import load_embedder
from tracker.models.segmenters import load_segmenter

LOADERS = {"detector": load_detector, "embedder": load_embedder, "segmenter": load_segmenter}


@pytest.fixture
def specs(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a model\n")
    return tmp_path


# (spec, message): every task answers each mistake with the same sentence.
MISTAKES = [
    ("{d}/missing", "no {task} '{d}/missing': no such file or folder"),
    ("{d}/empty", "{task} folder {d}/empty holds no model; expected "),
    ("{d}/notes.txt", "{task} {d}/notes.txt is a file, not a zoo name ("),
    ("no-such-model", "no {task} 'no-such-model': not a zoo name ("),
]


@pytest.mark.parametrize("task", sorted(LOADERS))
@pytest.mark.parametrize("spec, message", MISTAKES)
def test_mistakes_read_the_same_for_every_task(task, spec, message, specs):
    with pytest.raises(TrackerError) as info:
        LOADERS[task](spec.format(d=specs))
    text = str(info.value)
    assert text.startswith(message.format(task=task, d=specs)) and "\n" not in text, text
    known = [e.name for e in registry.entries(task)]
    if "expected" not in message and "no such file" not in message:
        assert ", ".join(known) in text  # the zoo's names are listed where a name was meant


@pytest.mark.parametrize("task", ["detector", "embedder"])
def test_tfhub_without_handle(task):
    with pytest.raises(TrackerError, match=r"^tfhub: needs a handle, e\.g\. tfhub:https://tfhub\.dev/"):
        LOADERS[task]("tfhub:")


def test_tfhub_segmenter_is_refused():
    with pytest.raises(TrackerError, match=r"^no TF Hub segmenters: use a zoo name \(selfie, fcn8s\)"):
        load_segmenter("tfhub:https://tfhub.dev/some/segmenter/1")


def test_tflite_file_as_detector_says_why(specs):
    model = specs / "model.tflite"
    model.write_bytes(b"TFL3" + bytes(60))
    with pytest.raises(TrackerError, match="TFLite detectors need their own box decoding"):
        load_detector(str(model))


def test_zoo_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "selfie").mkdir()  # an empty folder: loading it would fail
    assert type(load_segmenter("selfie")).__name__ == "SelfieSegmenter"
    with pytest.raises(TrackerError, match="holds no model"):
        load_segmenter("./selfie")


def test_names_are_unique_per_task(monkeypatch):
    pairs = [(e.task, e.name) for e in registry.entries()]
    assert len(pairs) == len(set(pairs))
    monkeypatch.setattr(registry, "_ENTRIES", list(registry.entries()))
    entry = registry.get("selfie", "segmenter")
    with pytest.raises(ValueError, match="zoo segmenter 'selfie' already registered"):
        registry.register(entry)
    registry.register(registry.ZooEntry(**{**entry.__dict__, "task": "detector"}))  # another task: allowed
    assert registry.get("selfie", "detector").task == "detector"
    with pytest.raises(TrackerError, match="is a segmenter, detector; say which"):
        registry.get("selfie")
    with pytest.raises(TrackerError, match="is a backbone, embedder; say which"):
        registry.get("mobilenetv2")
