"""Our tracker side by side with peer trackers on every dev detection set: accuracy and speed.

Sets (``--sets``, all by default): ``mot15-dev``, ``kitti-car-dev``, ``kitti-ped-dev`` (real detections,
real ground truth, ``../shared/data/real``) and ``mot17`` (real ground truth, simulated detections,
``../shared/data/mot17``). Every tracker reads the same ``det/det.txt`` boxes (parsed once by
``tracker.io.mot``); peers get the detections their design expects (ByteTrack-style trackers score >= 0.1,
SORT and norfair >= 0.5, ours all of them: it has its own score tiers). Results are written as
MOTChallenge files and scored by TrackEval (MotChallenge2DBox, BENCHMARK MOT17, preprocessing on),
one table per set, then a summary: our HOTA margin over the best peer on each set, the minimum margin,
and our tracker-only speed over the fastest peer's. Everything is also written to ``--json`` (read by
``benchmarks/track_sweep.py``). Each tracker is timed the same way: only the tracker's per-frame update call is inside the clock. Inputs in each
tracker's own type (``Detections``, ``sv.Detections``, ``norfair.Detection``) are built before the
clock starts, and reading its output back to rows happens after it stops.

The peers' pins clash with each other and with the project's environment (``trackers`` wants a newer
supervision than the 0.30.9 whose ByteTrack we compare with, norfair wants numpy<2 and filterpy<2,
and ``trackers`` declares the GUI OpenCV wheel), so each peer lives in its own virtual environment
under ``.venv-peers/`` (made on first run, see ``PEER_ENVS``) and runs there as a long-lived worker
process. The main process sends one ``(sequence, repeat)`` job at a time to one worker, so only one
tracker runs at any moment; jobs are interleaved over trackers and sequences (the tracker order turns
each round), and each tracker's speed is the best of ``--repeat`` runs per sequence, which damps the
noise of a shared CPU. ``speed vs ours`` divides frames/s measured in this same run.

Run (``make bench`` does the same from a fresh clone)::

    .venv/bin/python benchmarks/track_mot.py [--sets mot15-dev,kitti-car-dev,kitti-ped-dev,mot17]
        [--repeat 3] [--trackers ours,sv-bytetrack,trackers-sort,trackers-bytetrack,trackers-botsort,norfair]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PEER_ROOT = ROOT / ".venv-peers"

# Each peer environment: pip argument lists, run in order. ``trackers`` is installed without its
# declared dependencies because they include the GUI ``opencv-python`` wheel (it needs only cv2, which
# the headless wheel provides); everything else it declares is listed here. norfair gets its own
# declared pins (numpy<2, filterpy<2).
PEER_ENVS: dict[str, list[list[str]]] = {
    "sv030": [["supervision==0.30.9", "opencv-python-headless>=4.9,<6"]],
    "trackers": [
        ["numpy>=2.0.2", "supervision>=0.26.1", "scipy>=1.13.1", "rich>=13.0.0", "requests>=2.28.0",
         "pydeprecate>=0.8.0", "opencv-python-headless>=4.9,<6"],
        ["--no-deps", "trackers==2.6.1"],
    ],
    "norfair": [["norfair==2.3.0"]],
}

# name -> (environment or None for the project's own, label used in the table)
TRACKERS: dict[str, tuple[str | None, str]] = {
    "ours": (None, "ours (tracker.tracking.Tracker)"),
    "sv-bytetrack": ("sv030", "supervision 0.30.9 ByteTrack"),
    "trackers-sort": ("trackers", "trackers 2.6.1 SORT"),
    "trackers-bytetrack": ("trackers", "trackers 2.6.1 ByteTrack"),
    "trackers-botsort": ("trackers", "trackers 2.6.1 BoT-SORT (no CMC)"),
    "norfair": ("norfair", "norfair 2.3.0 (IoU, threshold 0.7)"),
}
DEFAULT_TRACKERS = ",".join(TRACKERS)

# Lowest detection score each tracker is fed (shared/README's protocol): ByteTrack-style trackers have
# their own low-score stage, SORT-style ones treat every box alike, so they get the confident ones only.
MIN_SCORE: dict[str, float] = {
    "ours": 0.0,
    "sv-bytetrack": 0.1,
    "trackers-sort": 0.5,
    "trackers-bytetrack": 0.1,
    "trackers-botsort": 0.1,
    "norfair": 0.5,
}

SHARED = ROOT.parent / "shared" / "data"
# name -> folder of MOTChallenge sequences under ../shared/data
SETS: dict[str, str] = {
    "mot15-dev": "real/mot15-dev",
    "kitti-car-dev": "real/kitti-car-dev",
    "kitti-ped-dev": "real/kitti-ped-dev",
    "mot17": "mot17",
}
DEFAULT_SETS = ",".join(SETS)

# Norfair has no default for these (it tracks points, not boxes); the IoU distance with 0.7 is what
# its own bounding-box demos use. Everything else is left at each library's defaults.
NORFAIR_DISTANCE_THRESHOLD = 0.7


# ====================================================================================================
# Worker side: runs inside the tracker's own environment, imports only numpy + that tracker.
# ====================================================================================================
class _Adapter:
    """Builds one tracker's inputs, makes a fresh tracker, steps it and reads its output."""

    versions: dict[str, str] = {}

    def inputs(self, xyxy: list[np.ndarray], score: list[np.ndarray]) -> list:
        raise NotImplementedError

    def make(self, fps: float):
        raise NotImplementedError

    def step(self, trk, det):
        raise NotImplementedError

    def rows(self, out) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, xyxy, scores)`` of the tracks to report this frame."""
        raise NotImplementedError


class _Ours(_Adapter):
    def __init__(self):
        sys.path.insert(0, str(ROOT))
        from tracker.detections import Detections
        from tracker.tracking import Tracker

        self.D, self.T = Detections, Tracker
        self.versions = {"tracker": _version("tracker")}

    def inputs(self, xyxy, score):
        return [self.D(b, s, np.zeros(len(s), np.int64)) for b, s in zip(xyxy, score)]

    def make(self, fps):
        return self.T(frame_rate=fps)

    def step(self, trk, det):
        return trk.update(det)

    def rows(self, out):
        return out.track_id, out.xyxy, out.score


class _Supervision(_Adapter):
    """supervision.Detections in, ``tracker_id`` out (shared by sv.ByteTrack and the trackers package)."""

    def __init__(self):
        import supervision as sv

        self.sv = sv
        self.versions = {"supervision": sv.__version__ if hasattr(sv, "__version__") else _version("supervision")}

    def inputs(self, xyxy, score):
        return [
            self.sv.Detections(xyxy=b.astype(np.float32), confidence=s.astype(np.float32), class_id=np.zeros(len(s), int))
            for b, s in zip(xyxy, score)
        ]

    def rows(self, out):
        ids = out.tracker_id if out.tracker_id is not None else np.zeros(0, int)
        keep = ids >= 0  # the trackers package returns unconfirmed boxes with id -1
        conf = out.confidence if out.confidence is not None else np.ones(len(out))
        return ids[keep], out.xyxy[keep], conf[keep]


class _SvByteTrack(_Supervision):
    def make(self, fps):
        return self.sv.ByteTrack(frame_rate=int(round(fps)))

    def step(self, trk, det):
        return trk.update_with_detections(det)


class _TrackersPkg(_Supervision):
    def __init__(self, kind: str):
        super().__init__()
        import trackers

        self.kind = kind
        self.mod = trackers
        self.versions["trackers"] = _version("trackers")

    def make(self, fps):
        t = self.mod
        if self.kind == "sort":
            return t.SORTTracker(frame_rate=fps)
        if self.kind == "bytetrack":
            return t.ByteTrackTracker(frame_rate=fps)
        # No frames here (MOT detections only), so no camera-motion compensation; BoT-SORT in this
        # package has no appearance model, so this is its full association otherwise.
        return t.BoTSORTTracker(frame_rate=fps, enable_cmc=False)

    def step(self, trk, det):
        return trk.update(det)


class _Norfair(_Adapter):
    def __init__(self):
        import norfair

        self.nf = norfair
        self.versions = {"norfair": _version("norfair"), "filterpy": _version("filterpy")}

    def inputs(self, xyxy, score):
        Det = self.nf.Detection
        return [[Det(points=b.reshape(2, 2), scores=np.array([c, c])) for b, c in zip(bs, s)] for bs, s in zip(xyxy, score)]

    def make(self, fps):
        return self.nf.Tracker(distance_function="iou", distance_threshold=NORFAIR_DISTANCE_THRESHOLD)

    def step(self, trk, det):
        return trk.update(detections=det)

    def rows(self, out):
        ids = np.array([o.id for o in out], np.int64)
        pts = np.array([o.estimate for o in out], np.float64).reshape(-1, 2, 2)
        # The two corners are filtered independently and may cross; report them as a proper box.
        xyxy = np.concatenate([pts.min(1), pts.max(1)], 1)
        score = np.array([float(np.mean(o.last_detection.scores)) for o in out])
        return ids, xyxy, score


def _adapter(name: str) -> _Adapter:
    if name == "ours":
        return _Ours()
    if name == "sv-bytetrack":
        return _SvByteTrack()
    if name.startswith("trackers-"):
        return _TrackersPkg(name.split("-", 1)[1])
    if name == "norfair":
        return _Norfair()
    raise ValueError(name)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _load_inputs(npz: Path) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    z = np.load(npz)
    cuts = z["offsets"]
    xyxy = [z["xyxy"][a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    score = [z["score"][a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    return xyxy, score, float(z["fps"])


def worker(name: str) -> int:
    """Serve jobs ``{"npz", "save"}`` from stdin, one JSON line per job on the real stdout."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the library prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    import warnings

    warnings.simplefilter("ignore")
    ad = _adapter(name)
    hello = {"python": platform.python_version(), "numpy": np.__version__, **ad.versions}
    proto.write(json.dumps(hello) + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        xyxy, score, fps = _load_inputs(Path(job["npz"]))
        keep = [s >= MIN_SCORE[name] for s in score]
        xyxy, score = [b[k] for b, k in zip(xyxy, keep)], [s[k] for s, k in zip(score, keep)]
        dets = ad.inputs(xyxy, score)
        trk = ad.make(fps)
        perf = time.perf_counter
        spent = 0.0
        frames, ids, boxes, scores = [], [], [], []
        for f, det in enumerate(dets, 1):
            t0 = perf()
            out = ad.step(trk, det)
            spent += perf() - t0
            if job["save"]:
                i, b, s = ad.rows(out)
                frames.append(np.full(len(i), f, np.int64))
                ids.append(np.asarray(i, np.int64))
                boxes.append(np.asarray(b, np.float64).reshape(-1, 4))
                scores.append(np.asarray(s, np.float64))
        if job["save"]:
            np.savez(
                job["save"], frame=np.concatenate(frames), id=np.concatenate(ids),
                xyxy=np.concatenate(boxes), score=np.concatenate(scores),
            )
        proto.write(json.dumps({"seconds": spent, "frames": len(dets)}) + "\n")
    return 0


# ====================================================================================================
# Main side: sets up environments, prepares inputs, schedules jobs, scores and prints.
# ====================================================================================================
def env_python(env: str | None) -> Path:
    return Path(sys.executable) if env is None else PEER_ROOT / env / "bin" / "python"


def setup_env(env: str) -> None:
    """Create ``.venv-peers/<env>`` and install its packages, unless already done with the same spec."""
    spec = json.dumps(PEER_ENVS[env])
    target = PEER_ROOT / env
    stamp = target / ".bench-spec"
    if stamp.is_file() and stamp.read_text() == spec and env_python(env).exists():
        return
    PEER_ROOT.mkdir(exist_ok=True)
    (PEER_ROOT / ".gitignore").write_text("*\n")  # keep the environments out of git without touching .gitignore
    print(f"[setup] creating {target.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
    if target.exists():
        shutil.rmtree(target)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    pip = [str(env_python(env)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for args in PEER_ENVS[env]:
        subprocess.run(pip + args, check=True)
    stamp.write_text(spec)


class Worker:
    """One tracker's long-lived worker process."""

    def __init__(self, name: str):
        env, self.label = TRACKERS[name]
        self.name = name
        self.proc = subprocess.Popen(
            [str(env_python(env)), str(Path(__file__).resolve()), "--worker", name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, cwd=str(ROOT),
        )
        self.info = self._reply()

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.name} died (see its error above)")
        return json.loads(line)

    def run(self, npz: Path, save: Path | None) -> dict:
        self.proc.stdin.write(json.dumps({"npz": str(npz), "save": str(save) if save else None}) + "\n")
        return self._reply()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def prepare_inputs(data: Path, tmp: Path) -> list[tuple[str, Path, int]]:
    """Parse every sequence's detections once with the project's reader; save them as arrays."""
    from tracker.io.mot import is_sequence_dir, read_sequence

    seqs = []
    for d in sorted(p for p in data.iterdir() if is_sequence_dir(p)):
        seq = read_sequence(d)
        xyxy, score, offsets = [], [], [0]
        for _, det in seq.frames():
            xyxy.append(np.asarray(det.xyxy, np.float64).reshape(-1, 4))
            score.append(np.asarray(det.score, np.float64))
            offsets.append(offsets[-1] + len(det))
        npz = tmp / "inputs" / data.name / f"{d.name}.npz"
        npz.parent.mkdir(parents=True, exist_ok=True)
        np.savez(npz, xyxy=np.concatenate(xyxy), score=np.concatenate(score), offsets=np.asarray(offsets),
                 fps=seq.info.frame_rate)
        seqs.append((d.name, npz, seq.info.length))
    if not seqs:
        raise SystemExit(f"{data}: no MOTChallenge sequence folders (seqinfo.ini + det/det.txt)")
    return seqs


def write_mot(npz: Path, txt: Path) -> None:
    from tracker.io.mot import write_rows

    z = np.load(npz)
    order = np.argsort(z["frame"], kind="stable")
    fr, ids, xyxy, sc = z["frame"][order], z["id"][order], z["xyxy"][order], z["score"][order]
    with open(txt, "w") as fh:
        for f in np.unique(fr):
            m = fr == f
            write_rows(fh, int(f), ids[m], xyxy[m], sc[m])


def time_cli(jobs, sets: dict[str, Path], repeat: int, tmp: Path) -> dict[tuple[str, str], float]:
    """Best wall seconds per sequence of the whole file path, ``tracker track SEQ --mot-out F --quiet``
    called in this process (reading det.txt, tracking, writing the MOT file; interpreter start-up excluded)."""
    from tracker.cli import main as cli_main

    best: dict[tuple[str, str], float] = {}
    out = tmp / "cli.txt"
    for _ in range(repeat):
        for s, seq, _, _ in jobs:
            t0 = time.perf_counter()
            rc = cli_main(["track", str(sets[s].resolve() / seq), "--mot-out", str(out), "--quiet"])
            dt = time.perf_counter() - t0
            if rc != 0:
                raise SystemExit(f"tracker track {seq} failed ({rc})")
            best[s, seq] = min(best.get((s, seq), float("inf")), dt)
    return best


SCORE_KEYS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "FP", "FN")


def trackeval_scores(data: Path, pred: Path) -> dict[str, float]:
    """TrackEval's MotChallenge2DBox (BENCHMARK MOT17, preprocessing on) over every sequence of ``data``
    with ``pred/<sequence>.txt``: the COMBINED figures, HOTA/DetA/AssA/MOTA/IDF1 in percent.

    Called directly rather than through ``tracker.eval.tracking`` because the tables also need FP and FN.
    """
    import contextlib
    import io

    import trackeval

    from tracker.io.mot import is_sequence_dir, read_seqinfo

    seqs = {d.name: read_seqinfo(d).length for d in sorted(data.iterdir()) if is_sequence_dir(d)}
    with tempfile.TemporaryDirectory(prefix="track-eval-") as tmp:
        gt_root, tr_root = Path(tmp, "gt"), Path(tmp, "trackers", "t", "data")
        tr_root.mkdir(parents=True)
        for name in seqs:
            (gt_root / name / "gt").mkdir(parents=True)
            os.symlink((data / name / "gt" / "gt.txt").resolve(), gt_root / name / "gt" / "gt.txt")
            os.symlink((pred / f"{name}.txt").resolve(), tr_root / f"{name}.txt")
        quiet = {"PRINT_CONFIG": False}
        ev = trackeval.Evaluator({
            "USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
            "DISPLAY_LESS_PROGRESS": True, "OUTPUT_SUMMARY": False, "OUTPUT_EMPTY_CLASSES": False,
            "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None, "BREAK_ON_ERROR": True,
            "RETURN_ON_ERROR": False,
        })
        ds = trackeval.datasets.MotChallenge2DBox({
            "GT_FOLDER": str(gt_root), "TRACKERS_FOLDER": str(tr_root.parent.parent), "TRACKERS_TO_EVAL": ["t"],
            "SKIP_SPLIT_FOL": True, "SEQ_INFO": seqs, "BENCHMARK": "MOT17", "DO_PREPROC": True, "PRINT_CONFIG": False,
        })
        metrics = [trackeval.metrics.HOTA(quiet), trackeval.metrics.CLEAR(quiet), trackeval.metrics.Identity(quiet)]
        with contextlib.redirect_stdout(io.StringIO()):
            res, _ = ev.evaluate([ds], metrics)
    r = res["MotChallenge2DBox"]["t"]["COMBINED_SEQ"]["pedestrian"]
    return {
        "HOTA": 100 * float(r["HOTA"]["HOTA"].mean()),
        "DetA": 100 * float(r["HOTA"]["DetA"].mean()),
        "AssA": 100 * float(r["HOTA"]["AssA"].mean()),
        "MOTA": 100 * float(r["CLEAR"]["MOTA"]),
        "IDF1": 100 * float(r["Identity"]["IDF1"]),
        "IDSW": int(r["CLEAR"]["IDSW"]),
        "FP": int(r["CLEAR"]["CLR_FP"]),
        "FN": int(r["CLEAR"]["CLR_FN"]),
    }


def set_dirs(names: str, shared: Path) -> dict[str, Path]:
    """``--sets`` names to folders; exits with the list of known names on a typo."""
    out = {}
    for n in (x.strip() for x in names.split(",") if x.strip()):
        if n not in SETS:
            raise SystemExit(f"unknown set {n!r}; choose from {DEFAULT_SETS}")
        out[n] = shared / SETS[n]
        if not out[n].is_dir():
            raise SystemExit(f"{out[n]}: set {n} not found (see ../shared/README.md)")
    return out


def print_set_table(name: str, data: Path, n_seq: int, n_frames: int, rows: list[dict]) -> None:
    print(f"### {name} ({n_seq} sequences, {n_frames} frames; {data})")
    print()
    head = (f"| {'tracker':<36} | {'HOTA':>5} | {'MOTA':>6} | {'IDF1':>5} | {'IDSW':>5} | {'FP':>6} | {'FN':>6} "
            f"| {'frames/s':>8} |")
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    for r in sorted(rows, key=lambda r: -r["HOTA"]):
        print(f"| {r['label']:<36} | {r['HOTA']:>5.1f} | {r['MOTA']:>6.1f} | {r['IDF1']:>5.1f} | {r['IDSW']:>5d} "
              f"| {r['FP']:>6d} | {r['FN']:>6d} | {r['fps']:>8.0f} |")
    print()


def margins(results: dict[str, dict[str, dict]]) -> dict[str, tuple[float, str, float]]:
    """Per set: ``(our HOTA - best peer's, best peer, its HOTA)``."""
    out = {}
    for s, per in results.items():
        peers = {n: r["HOTA"] for n, r in per.items() if n != "ours"}
        if "ours" in per and peers:
            best = max(peers, key=peers.get)
            out[s] = (per["ours"]["HOTA"] - peers[best], best, peers[best])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=DEFAULT_SETS, help=f"comma list from: {DEFAULT_SETS}")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--data", type=Path, help="one other folder of sequences instead of --sets (e.g. make_detections.py output)")
    ap.add_argument("--trackers", default=DEFAULT_TRACKERS, help=f"comma list from: {DEFAULT_TRACKERS}")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per tracker and sequence (best is kept)")
    ap.add_argument("--out", type=Path, help="keep <out>/<set>/<tracker>/<sequence>.txt here (default: a temp folder)")
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "track_mot.json",
                    help="write every figure here (read by track_sweep.py; default out/track_mot.json)")
    ap.add_argument("--no-setup", action="store_true", help="do not create missing peer environments")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker)

    sys.path.insert(0, str(ROOT))
    names = [n.strip() for n in args.trackers.split(",") if n.strip()]
    bad = [n for n in names if n not in TRACKERS]
    if bad or args.repeat < 1:
        ap.error(f"unknown tracker(s) {bad}; choose from {DEFAULT_TRACKERS}" if bad else "--repeat must be >= 1")
    if args.data:
        if not args.data.is_dir():
            ap.error(f"{args.data}: data folder not found")
        sets = {args.data.resolve().name: args.data}
    else:
        sets = set_dirs(args.sets, args.shared)
    for env in sorted({TRACKERS[n][0] for n in names} - {None}):
        if not args.no_setup:
            setup_env(env)
        elif not env_python(env).exists():
            ap.error(f"{PEER_ROOT / env} missing: run without --no-setup once")

    tmp = Path(tempfile.mkdtemp(prefix="track-mot-"))
    out = args.out or tmp / "results"
    results: dict[str, dict[str, dict]] = {}
    seconds: dict[str, float] = dict.fromkeys(names, 0.0)
    frames_all = 0
    try:
        jobs = [(s, seq, npz, n) for s, d in sets.items() for seq, npz, n in prepare_inputs(d.resolve(), tmp)]
        frames_all = sum(n for *_, n in jobs)
        workers = [Worker(n) for n in names]
        best = {(w.name, s, seq): float("inf") for w in workers for s, seq, _, _ in jobs}
        t_start = time.time()
        for r in range(args.repeat):
            spent = dict.fromkeys(names, 0.0)
            for k, (s, seq, npz, _) in enumerate(jobs):
                # Turn the order each job so no tracker always runs first (cold caches) or last.
                shift = (r * len(jobs) + k) % len(workers)
                for w in workers[shift:] + workers[:shift]:
                    save = tmp / "raw" / s / w.name / f"{seq}.npz" if r == 0 else None
                    if save:
                        save.parent.mkdir(parents=True, exist_ok=True)
                    res = w.run(npz, save)
                    best[w.name, s, seq] = min(best[w.name, s, seq], res["seconds"])
                    spent[w.name] += res["seconds"]
            per = ", ".join(f"{n} {t:.1f}" for n, t in spent.items())
            print(f"[timing] round {r + 1}/{args.repeat} ({time.time() - t_start:.0f} s wall); update seconds: {per}",
                  file=sys.stderr, flush=True)
        for w in workers:
            w.close()
        cli_best = time_cli(jobs, sets, args.repeat, tmp) if "ours" in names else {}

        for s, d in sets.items():
            sjobs = [j for j in jobs if j[0] == s]
            n_frames = sum(n for *_, n in sjobs)
            results[s] = {}
            for w in workers:
                pred = out / s / w.name
                pred.mkdir(parents=True, exist_ok=True)
                for _, seq, _, _ in sjobs:
                    write_mot(tmp / "raw" / s / w.name / f"{seq}.npz", pred / f"{seq}.txt")
                sec = sum(best[w.name, s, seq] for _, seq, _, _ in sjobs)
                seconds[w.name] += sec
                results[s][w.name] = {"label": w.label, **trackeval_scores(d.resolve(), pred), "fps": n_frames / sec}
            print_set_table(s, d.resolve(), len(sjobs), n_frames, list(results[s].values()))
    finally:
        if args.out is None:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; frames/s = tracker update calls only, "
          f"best of {args.repeat} per sequence; {time.strftime('%Y-%m-%d')}")
    print()
    mg = margins(results)
    if mg:
        print("| set | ours HOTA | best peer | its HOTA | margin |")
        print("|---|---|---|---|---|")
        for s, (m, peer, h) in mg.items():
            print(f"| {s} | {results[s]['ours']['HOTA']:.1f} | {TRACKERS[peer][1]} | {h:.1f} | {m:+.1f} |")
        worst = min(mg, key=lambda s: mg[s][0])
        print(f"\nminimum HOTA margin over the best peer: {mg[worst][0]:+.1f} ({worst})")
    speed = {n: frames_all / t for n, t in seconds.items() if t > 0}
    peers = {n: v for n, v in speed.items() if n != "ours"}
    if "ours" in speed and peers:
        fastest = max(peers, key=peers.get)
        print(f"tracker-only speed over all sets: ours {speed['ours']:.0f} frames/s, fastest peer {TRACKERS[fastest][1]} "
              f"{peers[fastest]:.0f} frames/s: {speed['ours'] / peers[fastest]:.2f}x")
        if cli_best:
            cli = frames_all / sum(cli_best.values())
            speed["ours-cli"] = cli
            print(f"`tracker track SEQ --mot-out F` on the detection folders (parse + track + write, in-process): "
                  f"{cli:.0f} frames/s = {cli / peers[fastest]:.2f}x the fastest peer's update() alone")
    print()
    for w in workers:
        print(f"{w.name}: " + ", ".join(f"{k} {v}" for k, v in w.info.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": results, "speed": speed,
                                         "versions": {w.name: w.info for w in workers}}, indent=1))
        print(f"figures: {args.json}")
    if args.out:
        print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
