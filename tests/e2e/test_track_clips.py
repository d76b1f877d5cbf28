"""``tracker track`` on real pixels with empty frames: every appearance mode, with and without masks.

Each run writes an annotated video, a MOT file and JSON lines; all three must be complete and valid,
and agree with what is in the clip (nobody in black frames, the astronaut tracked where she is).
The CLI's ``main()`` runs in-process with models shared across runs (see conftest.py).
"""

from __future__ import annotations

import json
import math

import cv2
import pytest

from tracker.cli import main

from .clips import H, OUT_OF_FRAME, W

MODES = {"full": ["--appearance", "full"], "fast": ["--appearance", "fast"], "no_appearance": ["--no-appearance"]}
# case -> (clip, extra arguments)
CASES = {
    "black": ("black", []),
    "black_middle": ("black_middle", []),
    "leave_and_return": ("leave_and_return", []),
    "classes_match_nothing": ("black_middle", ["--classes", "toaster"]),
}


def read_video(path) -> list:
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened(), f"{path} does not open"
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def read_json_lines(path, n: int, masks: bool) -> list[list[dict]]:
    """Per frame, the tracks of one JSON line; checks every field on the way."""
    lines = path.read_text().splitlines()
    assert len(lines) == n, f"{len(lines)} JSON lines for {n} frames"
    out = []
    for i, line in enumerate(lines):
        rec = json.loads(line)
        assert rec["frame"] == i and isinstance(rec["tracks"], list)
        ids = [t["id"] for t in rec["tracks"]]
        assert len(set(ids)) == len(ids) and all(isinstance(t, int) and t > 0 for t in ids)
        for t in rec["tracks"]:
            assert len(t["xyxy"]) == 4 and all(math.isfinite(v) for v in t["xyxy"]) and math.isfinite(t["score"])
            assert isinstance(t["label"], str) and isinstance(t["class_id"], int)
            assert ("mask" in t) == masks
            if masks:
                assert t["mask"]["size"] == [H, W] and isinstance(t["mask"]["counts"], str)
        out.append(rec["tracks"])
    return out


def read_mot(path, n: int) -> set[tuple[int, int]]:
    """``(frame, id)`` of every MOT row (1-based frames); checks the row format."""
    seen = set()
    for line in path.read_text().splitlines():
        f = line.split(",")
        assert len(f) == 10 and f[7:] == ["-1", "-1", "-1"], line
        frame, tid = int(f[0]), int(f[1])
        x, y, w, h, score = map(float, f[2:7])
        assert 1 <= frame <= n and tid > 0 and all(map(math.isfinite, (x, y, w, h, score))) and w > 0 and h > 0, line
        assert (frame, tid) not in seen, f"id {tid} twice in frame {frame}"
        seen.add((frame, tid))
    return seen


def detected_people(tracks: list[dict]) -> list[dict]:
    """Tracks matched to a person detection this frame (coasting tracks have score 0)."""
    return [t for t in tracks if t["score"] > 0 and t["label"] == "person"]


@pytest.mark.parametrize("masks", [False, True], ids=["boxes", "masks"])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", list(CASES))
def test_track_clip_writes_valid_outputs(case, mode, masks, clips, shared_models, tmp_path, capsys):
    clip, extra = CASES[case]
    source, n = clips[clip]
    video, mot, jsonl = tmp_path / "x.mp4", tmp_path / "x.txt", tmp_path / "x.jsonl"
    argv = ["track", str(source), *MODES[mode], *extra, "--out", str(video), "--mot-out", str(mot), "--json-out", str(jsonl)]
    rc = main(argv + (["--masks"] if masks else []))
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Traceback" not in err and "error" not in err.lower()

    frames = read_video(video)
    assert len(frames) == n and all(f.shape == (H, W, 3) for f in frames)
    per_frame = read_json_lines(jsonl, n, masks)
    assert read_mot(mot, n) == {(i + 1, t["id"]) for i, tracks in enumerate(per_frame) for t in tracks}

    if case in ("black", "classes_match_nothing"):
        assert per_frame == [[]] * n
        assert mot.read_text() == ""
        return
    if case == "black_middle":
        third = n // 3
        visible, dark = list(range(third)) + list(range(2 * third, n)), range(third, 2 * third)
    else:
        visible, dark = [0, 1, 2, 3, n - 2, n - 1], OUT_OF_FRAME
    for i in dark:  # nothing to see: at most tracks coasting on their prediction, never a detection
        assert all(t["score"] == 0 for t in per_frame[i]), (i, per_frame[i])
        if masks:
            assert all(t["mask"]["counts"] == per_frame[i][0]["mask"]["counts"] for t in per_frame[i])  # all empty
    assert all(detected_people(per_frame[i]) for i in visible[:4]), "the astronaut is tracked from the start"
    assert detected_people(per_frame[-1]), "and again once she is back"
