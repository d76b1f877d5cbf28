"""Every user mistake ends the same way: exit code 2, one ``tracker: error: ...`` line, no traceback, and no
file that existed before the run is touched.

Each case runs the CLI in-process (``tracker.cli.main``) in a fresh folder holding a clip, image folders,
MOT sequences and earlier outputs of every kind (:func:`workspace`); the folder is hashed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import tracker.cli as cli
from tracker.cli import checks
from tracker.cli.track import _Default

ROOT = Path(__file__).resolve().parents[2]
SEQINFO = "[Sequence]\nname={name}\nimDir=img1\nframeRate=25\nseqLength={n}\nimWidth=96\nimHeight=64\nimExt=.jpg\n"
PREVIOUS = ("old.mp4", "old.txt", "old.jsonl", "old.csv")  # outputs of an earlier run, kept by every case


def synthetic_frame(i: int, width: int = 96, height: int = 64) -> np.ndarray:
    img = np.full((height, width, 3), 30, np.uint8)
    img[20:36, 4 + 2 * i : 20 + 2 * i] = 255
    return img


def write_video(path: Path, n_frames: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (96, 64))
    for i in range(n_frames):
        writer.write(synthetic_frame(i))
    writer.release()


def _det_rows(frames: int) -> str:
    return "".join(f"{f},-1,{4 + 2 * f},20,16,16,0.9,-1,-1,-1\n" for f in range(1, frames + 1))


def _sequence(folder: Path, name: str, det: str | bytes, seqinfo: bool = True, n: int = 6) -> None:
    (folder / "det").mkdir(parents=True)
    if seqinfo:
        (folder / "seqinfo.ini").write_text(SEQINFO.format(name=name, n=n))
    else:  # images but no seqinfo.ini
        (folder / "img1").mkdir()
        for i in range(2):
            cv2.imwrite(str(folder / "img1" / f"{i + 1:06d}.jpg"), synthetic_frame(i))
    path = folder / "det" / "det.txt"
    path.write_bytes(det if isinstance(det, bytes) else det.encode())


def _gt_rows(frames: int, repeat_id: bool = False, mot15: bool = False) -> str:
    rows = []
    for f in range(1, frames + 1):
        for i in (1, 2):
            x = 4 + 2 * f + 40 * i
            if mot15:  # 10 columns: frame,id,x,y,w,h,conf,wx,wy,wz (column 8 = -1)
                rows.append(f"{f},{i},{x},20,16,16,1,-1,-1,-1")
            else:
                rows.append(f"{f},{1 if repeat_id else i},{x},20,16,16,1,1,1")
    return "\n".join(rows) + "\n"


@pytest.fixture
def workspace(tmp_path) -> Path:
    d = tmp_path
    write_video(d / "clip.mp4", n_frames=12)
    shutil.copy(d / "clip.mp4", d / "old.mp4")
    (d / "old.txt").write_text("1,1,4,20,16,16,1,-1,-1,-1\n")
    (d / "old.jsonl").write_text('{"frame": 0, "tracks": []}\n')
    (d / "old.csv").write_text("frame,id,x1,y1,x2,y2,score,class\n")
    cv2.imwrite(str(d / "image.png"), synthetic_frame(0))
    (d / "frames").mkdir()
    for i in range(3):
        cv2.imwrite(str(d / "frames" / f"{i + 1:06d}.png"), synthetic_frame(i))
    (d / "mixed").mkdir()
    for i, (w, h) in enumerate([(96, 64), (120, 80), (96, 64)]):
        cv2.imwrite(str(d / "mixed" / f"{i + 1:06d}.png"), synthetic_frame(i, w, h))
    (d / "empty").mkdir()
    (d / "corrupt.mp4").write_bytes(os.urandom(2048))
    (d / "model.tflite").write_bytes(b"TFL3" + bytes(60))
    _sequence(d / "SEQ", "SEQ", _det_rows(6))
    _sequence(d / "HUGE", "HUGE", _det_rows(3) + "1000000000,-1,10,10,20,40,0.9,-1,-1,-1\n", n=10)
    _sequence(d / "BOM", "BOM", b"\xef\xbb\xbf" + _det_rows(6).encode())
    _sequence(d / "NOINI", "NOINI", _det_rows(2), seqinfo=False)
    (d / "gt.txt").write_text(_gt_rows(6))
    (d / "gt15.txt").write_text(_gt_rows(6, mot15=True))
    (d / "pred.txt").write_text(_gt_rows(6))
    (d / "pred_dup.txt").write_text(_gt_rows(6, repeat_id=True))
    (d / "trained").mkdir()
    (d / "trained" / "keep.txt").write_text("an earlier model\n")
    return d


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """SavedModels that load but are not image embedders."""
    tf = pytest.importorskip("tensorflow")
    m = tmp_path_factory.mktemp("models")

    class Two(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32), tf.TensorSpec([None], tf.float32)])
        def f(self, images, extra):
            return {"x": tf.reduce_mean(images) + tf.reduce_mean(extra)}

    class Text(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def f(self, s):
            return {"n": tf.strings.length(s)}

    class Scalar(tf.Module):  # takes images, but returns one number per batch
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        def f(self, images):
            return {"mean": tf.reduce_mean(images)}

    for name, cls in (("two_inputs", Two), ("text", Text), ("scalar", Scalar)):
        obj = cls()
        tf.saved_model.save(obj, str(m / name), signatures={"serving_default": obj.f})
    return m


# (id, argv, text the one error line must contain). {d}: the workspace; {m}: the SavedModels above.
ERRORS = [
    # --- range checks (tracker/cli/checks.py)
    ("conf-negative", "track {d}/clip.mp4 --conf -1", "--conf must be in [0, 1] (got -1)"),
    ("conf-2", "track {d}/clip.mp4 --conf 2", "--conf must be in [0, 1] (got 2)"),
    ("conf-nan", "track {d}/clip.mp4 --conf nan", "--conf must be in [0, 1]"),
    ("conf-text", "track {d}/clip.mp4 --conf high", "--conf must be in [0, 1] (got 'high')"),
    ("iou-negative", "detect {d}/image.png --iou -3", "--iou must be in [0, 1] (got -3)"),
    ("detect-conf", "detect {d}/image.png --conf 1.5", "--conf must be in [0, 1]"),
    ("max-age-negative", "track {d}/clip.mp4 --max-age -1", "--max-age must be an integer >= 0 (got -1)"),
    ("n-init-0", "track {d}/clip.mp4 --n-init 0", "--n-init must be an integer >= 1 (got 0)"),
    ("max-frames-0", "track {d}/clip.mp4 --max-frames 0", "--max-frames must be an integer >= 1 (got 0)"),
    ("max-frames-negative", "track {d}/clip.mp4 --max-frames -5", "--max-frames must be an integer >= 1 (got -5)"),
    ("max-frames-float", "track {d}/clip.mp4 --max-frames 2.5", "--max-frames must be an integer"),
    ("live-conf", "live {d}/clip.mp4 --conf 2", "--conf must be in [0, 1]"),
    ("detect-max-frames", "detect {d}/clip.mp4 --max-frames 0", "--max-frames must be an integer >= 1"),
    ("segment-opacity", "segment {d}/image.png --out {d}/o.png --opacity 2", "--opacity must be in [0, 1]"),
    ("segment-threshold", "segment {d}/image.png --out {d}/o.png --threshold 1", "--threshold must be in (0, 1)"),
    ("train-det-epochs", "train-detector {d}/frames --out {d}/det --epochs 0", "--epochs must be an integer >= 1"),
    ("train-det-batch", "train-detector {d}/frames --out {d}/det --batch-size 0", "--batch-size must be an integer >= 1"),
    ("train-det-val", "train-detector {d}/frames --out {d}/det --val-fraction 1", "--val-fraction must be in (0, 1)"),
    ("train-det-lr", "train-detector {d}/frames --out {d}/det --lr 0", "--lr must be in (0, 1]"),
    ("train-det-size", "train-detector {d}/frames --out {d}/det --input-size 16", "--input-size must be SIZE or HxW"),
    ("train-det-shapes", "train-detector {d}/new --out {d}/det --make-shapes 1", "--make-shapes must be an integer >= 2"),
    ("train-emb-per-id", "train-embedder {d}/frames --out {d}/emb --per-id 1", "--per-id must be an integer >= 2"),
    ("train-emb-crop", "train-embedder {d}/frames --out {d}/emb --crop 8x8", "--crop must be HxW"),
    ("train-emb-margin", "train-embedder {d}/frames --out {d}/emb --margin 3", "--margin must be in (0, 2]"),
    ("train-seg-size", "train-segmenter {d}/frames --out {d}/seg --size 16", "--size must be an integer >= 32"),
    ("train-seg-seed", "train-segmenter {d}/frames --out {d}/seg --seed -1", "--seed must be an integer in"),
    ("frame-base", "eval-detections --gt {d}/gt.json --pred {d}/p.json --frame-base -1", "--frame-base must be"),
    # --- argparse's own errors, also on one line
    ("unknown-command", "trak {d}/clip.mp4", "invalid choice: 'trak'"),
    ("missing-source", "track", "the following arguments are required: source"),
    ("unknown-option", "track {d}/clip.mp4 --confidence 0.5", "unrecognized arguments: --confidence"),
    ("bad-choice", "track {d}/clip.mp4 --appearance slow", "invalid choice: 'slow'"),
    ("segment-no-out", "segment {d}/image.png", "required: --out"),
    ("eval-no-pred", "eval --gt {d}/gt.txt", "required: --pred"),
    # --- inputs
    ("missing-video", "track {d}/nope.mp4 --mot-out {d}/old.txt", "not found"),
    ("corrupt-video", "track {d}/corrupt.mp4 --mot-out {d}/old.txt", "corrupt.mp4"),
    ("empty-folder", "track {d}/empty --json-out {d}/old.jsonl", "no images"),
    ("missing-image", "detect {d}/nope.png", "not found"),
    ("mixed-sizes", "track {d}/mixed --out {d}/o.mp4 --no-appearance --quiet", "mixed sizes"),
    ("mixed-sizes-detect", "detect {d}/mixed --out {d}/o.mp4", "mixed sizes"),
    ("mot-folder-out", "track {d}/SEQ --out {d}/o.mp4", "needs frames"),
    ("unknown-class", "track {d}/clip.mp4 --classes unicorn --no-appearance", "unknown class 'unicorn'"),
    ("models-task", "models --task teleporter", "no models for task"),
    ("segment-out-kind", "segment {d}/image.png --out {d}/o.mp4", "--out for an image must be an image file"),
    ("train-out-exists", "train-segmenter {d}/frames --out {d}/trained", "exists and is not empty"),
    # --- models: zoo names, paths, files of the wrong kind
    ("detector-tflite", "track {d}/clip.mp4 --detector {d}/model.tflite", "TFLite detectors need their own box decoding"),
    ("detector-missing", "track {d}/clip.mp4 --detector {d}/nope", "no detector '{d}/nope': no such file or folder"),
    ("detector-typo", "detect {d}/image.png --detector nanodte", "did you mean nanodet?"),
    ("detector-file", "detect {d}/image.png --detector {d}/gt.txt", "is a file"),
    ("embedder-missing", "track {d}/clip.mp4 --embedder {d}/nope", "no embedder '{d}/nope': no such file or folder"),
    ("embedder-folder", "track {d}/clip.mp4 --embedder {d}/empty", "holds no model"),
    ("embedder-two-inputs", "track {d}/clip.mp4 --embedder {m}/two_inputs", "must take one image input"),
    ("embedder-text", "track {d}/clip.mp4 --embedder {m}/text", "is not an image embedder"),
    ("embedder-scalar", "track {d}/clip.mp4 --embedder {m}/scalar", "is not an image embedder"),
    # --- fixed on other branches of issue 9
    ("out-no-suffix", "track {d}/clip.mp4 --out {d}/o_noext", "o_noext"),
    ("out-gif", "track {d}/clip.mp4 --out {d}/o.gif", "o.gif"),
    ("out-proc", "track {d}/clip.mp4 --out /proc/o.mp4", "/proc/o.mp4"),
    ("same-path-twice", "track {d}/clip.mp4 --mot-out {d}/x --json-out {d}/x", "same"),
    ("same-path-video", "track {d}/clip.mp4 --out {d}/x.mp4 --json-out {d}/x.mp4", "same"),
    ("same-path-existing", "track {d}/clip.mp4 --mot-out {d}/old.txt --csv-out {d}/old.txt", "same"),
    ("det-frame-1e9", "track {d}/HUGE --mot-out {d}/old.txt --max-frames 5", "1000000000"),
    ("mot-no-seqinfo", "track {d}/NOINI --mot-out {d}/old.txt", "seqinfo.ini"),
    ("eval-repeated-id", "eval --gt {d}/gt.txt --pred {d}/pred_dup.txt", "pred_dup.txt"),
]


# Not errors: these must succeed (exit 0, no traceback) and also leave earlier files alone.
SUCCEEDS = [
    ("det-bom", "track {d}/BOM --mot-out {d}/new.txt --quiet", None),
    ("eval-mot15-gt", "eval --gt {d}/gt15.txt --pred {d}/pred.txt --json", None),
    ("mot-folder-conf", "track {d}/SEQ --conf 0.5 --classes person --mot-out {d}/new.txt --quiet",
     "tracker: warning: --conf, --classes ignored for a detections folder"),
    ("mot-folder-embedder", "track {d}/SEQ --embedder mobilenetv2 --masks --mot-out {d}/new.txt --quiet",
     "tracker: warning: --masks, --embedder ignored for a detections folder"),
    ("mot-folder-plain", "track {d}/SEQ --mot-out {d}/new.txt --max-age 3 --n-init 1 --quiet", ""),
]

# Run as `python -m tracker` in a fresh process: native libraries print at their first use, which an
# in-process run cannot see once another test has loaded them.
SUBPROCESS = {"corrupt-video", "embedder-text", "detector-tflite"}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _clean_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("TF_CPP_MIN_LOG_LEVEL", "OPENCV_FFMPEG_LOGLEVEL"):  # the CLI must not rely on the caller's
        env.pop(name, None)
    return env


def _run(case: str, argv: str, workspace: Path, models_dir: Path | None, capfd) -> tuple[int, str, str]:
    args = argv.format(d=workspace, m=models_dir).split()
    if case in SUBPROCESS:
        proc = subprocess.run(
            [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, cwd=workspace,
            env=_clean_env(), timeout=600,
        )
        return proc.returncode, proc.stdout, proc.stderr
    capfd.readouterr()
    try:
        code = cli.main(args)
    except SystemExit as exc:  # pragma: no cover - main returns codes; kept so a regression reads clearly
        code = exc.code
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture
def models_if_needed(request):
    return request.getfixturevalue("models") if "{m}" in request.node.callspec.params["argv"] else None


@pytest.mark.parametrize("case, argv, text", ERRORS)
def test_error_is_one_line_and_harmless(case, argv, text, workspace, models_if_needed, capfd):
    before = _snapshot(workspace)
    code, _, err = _run(case, argv, workspace, models_if_needed, capfd)
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("tracker: error: "), err
    assert text.format(d=workspace) in lines[0], err
    after = _snapshot(workspace)
    assert {k: after.get(k) for k in before} == before  # every earlier file is still there, byte for byte


@pytest.mark.parametrize("case, argv, warning", SUCCEEDS)
def test_not_an_error(case, argv, warning, workspace, capfd):
    before = _snapshot(workspace)
    code, out, err = _run(case, argv, workspace, None, capfd)
    assert code == 0 and "Traceback" not in err and "error" not in err, err
    if warning is not None:
        assert err.strip() == warning or err.strip().startswith(warning), err
        assert len(err.splitlines()) == (1 if warning else 0), err
    after = _snapshot(workspace)
    assert {k: after.get(k) for k in before} == before


def test_table_is_big_enough():
    assert len(ERRORS) >= 40 and len({c for c, _, _ in ERRORS}) == len(ERRORS)


def _numeric_actions():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for action in p._actions:
            yield name, action


def test_every_numeric_option_has_a_range():
    missing = []
    used = set()
    for name, action in _numeric_actions():
        default_is_number = isinstance(action.default, (int, float)) and not isinstance(action.default, bool)
        if action.type in (int, float) or (default_is_number and action.nargs != 0):
            if getattr(action.type, "range", None) is None:
                missing.append(f"{name} {action.option_strings}")
        if getattr(action.type, "option", None):
            assert action.type.option in action.option_strings  # the range checked is the option's own
            used.add(action.type.option)
    assert not missing, f"numeric options without a range in tracker/cli/checks.py: {missing}"
    assert set(checks.RANGES) <= used, f"ranges of options no command has: {set(checks.RANGES) - used}"


def test_defaults_are_inside_their_ranges():
    for name, action in _numeric_actions():
        rng = getattr(action.type, "range", None)
        if rng is not None and isinstance(action.default, (int, float)):
            assert action.default in rng, (name, action.option_strings, action.default)


@pytest.mark.parametrize(
    "option, good, bad",
    [("--conf", ["0", "1", "0.25"], ["-0.01", "1.01", "inf", "x"]), ("--threshold", ["0.5"], ["0", "1"]),
     ("--n-init", ["1", "7"], ["0", "1.0"]), ("--seed", ["0", str(2**32 - 1)], [str(2**32), "-1"])],
)
def test_range_edges(option, good, bad):
    parse = checks.checked(option)
    for text in good:
        parse(text)
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=f"^{option} must be "):
            parse(text)


def test_default_marker_is_the_plain_value():
    assert _Default("mobilenetv2") == "mobilenetv2" and isinstance(_Default("x"), str)


def test_help_still_exits_zero(capsys):
    assert cli.main(["track", "--help"]) == 0
    assert "--max-frames" in capsys.readouterr().out


def test_quiet_run_writes_nothing_to_stderr(tmp_path):
    """``tracker track VIDEO --quiet 2>err; wc -l err`` is 0: no TensorFlow/absl/oneDNN/TFLite lines."""
    out = tmp_path / "t.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "track", str(ROOT / "sample_videos" / "sample.mp4"), "--quiet",
         "--max-frames", "5", "--json-out", str(out)],
        capture_output=True, cwd=tmp_path, env=_clean_env(), timeout=600,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b"", proc.stderr.decode()
    assert len(out.read_text().splitlines()) == 5
