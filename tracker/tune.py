"""``tracker tune``: choose the tracker's settings for your detector on sequences with ground truth.

Every detector misses, duplicates and mislocates in its own way, so the settings that track one
detector's boxes best are not another's (the README's tables: the same tracker gains or loses 15 HOTA
between detection sets at the same settings). Given MOTChallenge sequence folders with ``det/det.txt``
(your detector's output) and ``gt/gt.txt``, this searches :class:`~tracker.tracking.tracker.TrackerConfig`
with Optuna's TPE sampler (fixed seed: the same data, budget and seed give the same trials) and scores
each candidate with TrackEval's HOTA (:func:`tracker.eval.tracking.evaluate_mot`, MOTChallenge protocol).
Several data folders are scored separately and averaged, so a large set does not drown a small one.

The first trial is always the starting configuration (the defaults, or ``start``), so the result is
never worse than it on the data tuned on. The result is a JSON file that ``tracker track --config``
reads::

    {"tracker": {"max_age": 12, "n_init": 3, ...}, "tune": {"hota": 51.2, "start_hota": 47.9, ...}}
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .errors import TrackerError, require
from .tracking.tracker import Tracker, TrackerConfig

__all__ = ["SEARCH_SPACE", "TuneResult", "find_sequences", "load_config", "save_config", "score_config", "tune"]

#: What is searched: setting -> (kind, low, high[, "log"]). Appearance settings are absent: tuning runs
#: on detection files, which carry no embeddings. Settings absent from TrackerConfig are skipped.
SEARCH_SPACE: dict[str, tuple] = {
    "max_age": ("int", 1, 90, "log"),
    "n_init": ("int", 1, 5),
    "high_score": ("float", 0.05, 0.9),
    "low_score": ("float", 0.0, 0.5),  # used as min(low_score, high_score)
    "new_track_score": ("float", 0.05, 0.95),
    "max_iou_distance": ("float", 0.3, 0.95),
    "low_iou_distance": ("float", 0.2, 0.95),
    "output_coasting": ("int", 0, 10),
    "fuse_score": ("bool",),
    "iou_for_all_lost": ("bool",),
    "confirm_on_first_frame": ("bool",),
    "output_filtered_boxes": ("bool",),
    "std_weight_position": ("float", 1 / 80, 1 / 5, "log"),
    "std_weight_velocity": ("float", 1 / 640, 1 / 40, "log"),
}


# -- config files ------------------------------------------------------------------------------------
def _fields() -> dict[str, Any]:
    return {f.name: f for f in dataclasses.fields(TrackerConfig)}


def _check_value(name: str, value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TrackerError(f"{where}: {name} must be true or false, got {value!r}")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise TrackerError(f"{where}: {name} must be an integer, got {value!r}")
        value = int(value)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TrackerError(f"{where}: {name} must be a number, got {value!r}")
        value = float(value)
    return value


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Tracker settings from a JSON file written by :func:`save_config` (or a flat ``{"max_age": 5}``).

    Returns keyword arguments for ``Tracker(**options)``. Unknown names and wrongly typed values are
    one-line :class:`TrackerError` s naming the file.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrackerError(f"{p}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackerError(f"{p}: cannot read config ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TrackerError(f"{p}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(data, dict) and "tracker" in data:
        data = data["tracker"]
    if not isinstance(data, dict):
        raise TrackerError(f'{p}: expected a JSON object of tracker settings, e.g. {{"tracker": {{"max_age": 5}}}}')
    defaults = TrackerConfig()
    fields = _fields()
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise TrackerError(f"{p}: unknown tracker setting(s) {', '.join(unknown)}")
    return {k: _check_value(k, v, getattr(defaults, k), str(p)) for k, v in data.items()}


def save_config(path: str | os.PathLike, options: dict[str, Any], meta: dict[str, Any] | None = None) -> None:
    """Write ``{"tracker": options, "tune": meta}`` atomically (a crash never leaves half a file)."""
    p = Path(path)
    body = {"tracker": options, **({"tune": meta} if meta else {})}
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, p)


# -- scoring -----------------------------------------------------------------------------------------
def find_sequences(folder: str | os.PathLike) -> list[Path]:
    """Sequence folders under ``folder`` (or ``folder`` itself) having seqinfo.ini, det/det.txt and gt/gt.txt."""
    root = Path(folder)
    if not root.is_dir():
        raise TrackerError(f"{root}: no such folder")

    def ok(d: Path) -> bool:
        return (d / "seqinfo.ini").is_file() and (d / "det" / "det.txt").is_file() and (d / "gt" / "gt.txt").is_file()

    seqs = [root] if ok(root) else sorted(d for d in root.iterdir() if d.is_dir() and ok(d))
    if not seqs:
        raise TrackerError(f"{root}: no MOTChallenge sequences with seqinfo.ini, det/det.txt and gt/gt.txt")
    return seqs


def _run_sequence(seq, options: dict[str, Any], out: Path) -> None:
    from .io.mot import write_rows

    trk = Tracker(TrackerConfig(), **options)
    with open(out, "w", encoding="utf-8") as fh:
        for f, det in seq.frames():
            t = trk.update(det)
            if len(t):
                write_rows(fh, f, t.track_id, t.xyxy, t.score)


def score_config(options: dict[str, Any], datasets: Sequence[Sequence[Any]]) -> list[float]:
    """Combined HOTA (0-100) per dataset of the tracker at ``options``.

    ``datasets``: lists of parsed sequences (:func:`tracker.io.mot.read_sequence`), each scored as one
    TrackEval run.
    """
    from .eval.tracking import evaluate_mot

    scores = []
    with tempfile.TemporaryDirectory(prefix="tracker-tune-") as tmp:
        for k, seqs in enumerate(datasets):
            gt_root, pred_root = Path(tmp, f"gt{k}"), Path(tmp, f"pred{k}")
            gt_root.mkdir()
            pred_root.mkdir()
            for seq in seqs:
                os.symlink(Path(seq.path).resolve(), gt_root / seq.path.name)
                _run_sequence(seq, options, pred_root / f"{seq.path.name}.txt")
            scores.append(evaluate_mot(gt_root, pred_root)[-1].HOTA)
    return scores


# -- search ------------------------------------------------------------------------------------------
@dataclass
class TuneResult:
    """The best settings found, their score and the starting point's."""

    options: dict[str, Any]
    hota: float
    start_hota: float
    per_set: list[float]
    start_per_set: list[float]
    trials: int
    seconds: float
    history: list[float] = field(default_factory=list)

    def meta(self, data: Sequence[str], seed: int) -> dict[str, Any]:
        return {
            "hota": round(self.hota, 3),
            "start_hota": round(self.start_hota, 3),
            "per_set": [round(v, 3) for v in self.per_set],
            "data": [str(d) for d in data],
            "trials": self.trials,
            "seconds": round(self.seconds, 1),
            "seed": seed,
            "objective": "mean over data folders of TrackEval HOTA (MOT17 protocol, COMBINED)",
        }


def _space() -> dict[str, tuple]:
    fields = _fields()
    return {k: v for k, v in SEARCH_SPACE.items() if k in fields}


def _suggest(trial, space: dict[str, tuple]) -> dict[str, Any]:
    p: dict[str, Any] = {}
    for name, spec in space.items():
        kind, log = spec[0], spec[-1] == "log"
        if kind == "bool":
            p[name] = trial.suggest_categorical(name, [False, True])
        elif kind == "int":
            p[name] = trial.suggest_int(name, spec[1], spec[2], log=log)
        else:
            p[name] = trial.suggest_float(name, spec[1], spec[2], log=log)
    return _effective(p)


def _effective(p: dict[str, Any]) -> dict[str, Any]:
    if "low_score" in p and "high_score" in p:
        p["low_score"] = min(p["low_score"], p["high_score"])
    return p


def _clip_to_space(options: dict[str, Any], space: dict[str, tuple]) -> dict[str, Any]:
    out = {}
    for name, spec in space.items():
        v = options[name]
        out[name] = v if spec[0] == "bool" else type(v)(min(max(v, spec[1]), spec[2]))
    return out


def tune(
    data: Sequence[str | os.PathLike],
    *,
    trials: int | None = 50,
    timeout: float | None = None,
    seed: int = 0,
    start: dict[str, Any] | None = None,
    callback: Callable[[int, float, "TuneResult"], None] | None = None,
) -> TuneResult:
    """Search tracker settings on ``data`` (folders of MOTChallenge sequences with det/ and gt/).

    Args:
        data: one or more folders; each is scored as a whole (TrackEval's combined HOTA) and the
            objective is the mean over folders.
        trials, timeout: budget (number of trials and/or seconds); the search stops at the first reached.
        seed: the TPE sampler's seed.
        start: settings to start from (default: ``TrackerConfig()``'s); tried first.
        callback: called after every trial with (trial number, its HOTA, best result so far).
    """
    optuna = require("optuna", "pip install optuna")
    from .io.mot import read_sequence

    if trials is None and timeout is None:
        raise TrackerError("give a budget: a number of trials, a timeout, or both")
    datasets = [[read_sequence(s) for s in find_sequences(d)] for d in data]
    space = _space()
    base = {**dataclasses.asdict(TrackerConfig()), **(start or {})}
    first = _clip_to_space(base, space)
    fixed = {k: v for k, v in base.items() if k not in space}  # carried over unsearched

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial(first)
    t0 = time.perf_counter()
    state: dict[str, Any] = {"best": None, "start": None, "history": []}

    def objective(trial) -> float:
        options = {**fixed, **_suggest(trial, space)}
        per_set = score_config(options, datasets)
        value = float(sum(per_set) / len(per_set))
        state["history"].append(value)
        if state["start"] is None:
            state["start"] = (value, per_set)
        if state["best"] is None or value > state["best"][0]:
            state["best"] = (value, per_set, options)
        if callback is not None:
            callback(trial.number, value, _result(state, time.perf_counter() - t0))
        return value

    study.optimize(objective, n_trials=trials, timeout=timeout, catch=())
    if state["best"] is None:
        raise TrackerError("no trial finished within the budget")
    return _result(state, time.perf_counter() - t0)


def _result(state: dict[str, Any], seconds: float) -> TuneResult:
    value, per_set, options = state["best"]
    start_value, start_per_set = state["start"]
    return TuneResult(
        options=dict(options),
        hota=value,
        start_hota=start_value,
        per_set=list(per_set),
        start_per_set=list(start_per_set),
        trials=len(state["history"]),
        seconds=seconds,
        history=list(state["history"]),
    )
