"""Our tracker side by side with peer trackers on the same MOT17 detections: accuracy and speed.

Every tracker reads the same ``det/det.txt`` boxes (parsed once by ``tracker.io.mot``), writes
MOTChallenge results that are scored by the same TrackEval wrapper (``tracker.eval.tracking``), and is
timed the same way: only the tracker's per-frame update call is inside the clock. Inputs in each
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

    .venv/bin/python benchmarks/track_mot.py [--data ../shared/data/mot17] [--repeat 3]
        [--trackers ours,sv-bytetrack,trackers-sort,trackers-bytetrack,trackers-botsort,norfair]
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
        return self.T()

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
        npz = tmp / "inputs" / f"{d.name}.npz"
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mot17")
    ap.add_argument("--trackers", default=DEFAULT_TRACKERS, help=f"comma list from: {DEFAULT_TRACKERS}")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per tracker and sequence (best is kept)")
    ap.add_argument("--out", type=Path, help="keep <out>/<tracker>/<sequence>.txt here (default: a temp folder)")
    ap.add_argument("--no-setup", action="store_true", help="do not create missing peer environments")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker)

    sys.path.insert(0, str(ROOT))
    from tracker.eval.tracking import evaluate_mot

    names = [n.strip() for n in args.trackers.split(",") if n.strip()]
    bad = [n for n in names if n not in TRACKERS]
    if bad or args.repeat < 1:
        ap.error(f"unknown tracker(s) {bad}; choose from {DEFAULT_TRACKERS}" if bad else "--repeat must be >= 1")
    if not args.data.is_dir():
        ap.error(f"{args.data}: data folder not found (MOT17 sequence folders expected)")
    for env in sorted({TRACKERS[n][0] for n in names} - {None}):
        if not args.no_setup:
            setup_env(env)
        elif not env_python(env).exists():
            ap.error(f"{PEER_ROOT / env} missing: run without --no-setup once")

    tmp = Path(tempfile.mkdtemp(prefix="track-mot-"))
    out = args.out or tmp / "results"
    try:
        seqs = prepare_inputs(args.data.resolve(), tmp)
        workers = [Worker(n) for n in names]
        best = {(w.name, s): float("inf") for w in workers for s, _, _ in seqs}
        t_start = time.time()
        for r in range(args.repeat):
            spent = dict.fromkeys(names, 0.0)
            for k, (seq, npz, _) in enumerate(seqs):
                # Turn the order each job so no tracker always runs first (cold caches) or last.
                shift = (r * len(seqs) + k) % len(workers)
                for w in workers[shift:] + workers[:shift]:
                    save = tmp / "raw" / w.name / f"{seq}.npz" if r == 0 else None
                    if save:
                        save.parent.mkdir(parents=True, exist_ok=True)
                    res = w.run(npz, save)
                    best[w.name, seq] = min(best[w.name, seq], res["seconds"])
                    spent[w.name] += res["seconds"]
            per = ", ".join(f"{n} {t:.1f}" for n, t in spent.items())
            print(f"[timing] round {r + 1}/{args.repeat} ({time.time() - t_start:.0f} s wall); update seconds: {per}",
                  file=sys.stderr, flush=True)
        for w in workers:
            w.close()

        total_frames = sum(n for _, _, n in seqs)
        rows = []
        for w in workers:
            d = out / w.name
            d.mkdir(parents=True, exist_ok=True)
            for seq, _, _ in seqs:
                write_mot(tmp / "raw" / w.name / f"{seq}.npz", d / f"{seq}.txt")
            comb = evaluate_mot(args.data.resolve(), d)[-1]
            fps = total_frames / sum(best[w.name, s] for s, _, _ in seqs)
            rows.append((w, comb, fps))
    finally:
        if args.out is None:
            shutil.rmtree(tmp, ignore_errors=True)

    ours_fps = next((fps for w, _, fps in rows if w.name == "ours"), None)
    print(f"MOT17 ({len(seqs)} sequences, {total_frames} frames) from {args.data.resolve()}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; frames/s = tracker update calls only, best of {args.repeat} per sequence")
    print()
    head = f"| {'tracker':<36} | {'HOTA':>5} | {'MOTA':>5} | {'IDF1':>5} | {'IDSW':>5} | {'frames/s':>8} | {'speed vs ours':>13} |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for w, s, fps in rows:
        ratio = f"{fps / ours_fps:.2f}x" if ours_fps else "-"
        print(f"| {w.label:<36} | {s.HOTA:>5.1f} | {s.MOTA:>5.1f} | {s.IDF1:>5.1f} | {s.IDSW:>5d} | {fps:>8.0f} | {ratio:>13} |")
    print()
    for w, _, _ in rows:
        print(f"{w.name}: " + ", ".join(f"{k} {v}" for k, v in w.info.items()))
    if args.out:
        print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
