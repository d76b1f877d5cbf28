"""Sweep our tracker's settings over every dev detection set; rank settings by the MINIMUM margin.

For each setting (``TrackerConfig`` overrides on top of ``--base``), runs ``tracker.tracking.Tracker`` on
every sequence of every set in ``--sets`` (the sets of ``benchmarks/track_mot.py``: all detections in,
``frame_rate`` from ``seqinfo.ini``), scores it with the same TrackEval call as ``track_mot.py``
(MotChallenge2DBox, BENCHMARK MOT17, preprocessing on) and prints per set HOTA and the margin over the
best peer, then the minimum margin over the sets, which is what defaults are chosen by (the worst
set, not the mean). Peer figures come from the JSON that ``track_mot.py`` writes (``--peers``), or,
without one, from the table in ``../shared/README.md`` (copied below as ``README_PEERS``).

Settings::

    --grid "n_init=2,3;high_score=0.5,0.6"        # the cartesian product
    --try "nsa=true" --try "oru=true,max_age=20"  # a list, each one setting
    --base "kalman_state=xywh"                    # applied under every setting

With neither ``--grid`` nor ``--try``, the defaults alone are scored. Run::

    .venv/bin/python benchmarks/track_sweep.py --grid "nsa=false,true" [--sets ...] [--json out/sweep.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from track_mot import DEFAULT_SETS, SHARED, set_dirs, trackeval_scores  # noqa: E402

# The best peer per set in ../shared/README.md (mot17: supervision ByteTrack; the others per its table).
README_PEERS: dict[str, tuple[str, float]] = {
    "mot15-dev": ("trackers-botsort", 34.9),
    "kitti-car-dev": ("trackers-sort", 67.1),
    "kitti-ped-dev": ("trackers-botsort", 37.7),
    "mot17": ("sv-bytetrack", 59.5),
}


def parse_value(text: str):
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return t


def parse_setting(text: str) -> dict:
    """``"a=1,b=x"`` -> ``{"a": 1, "b": "x"}``."""
    out = {}
    for part in (p for p in text.split(",") if p.strip()):
        k, _, v = part.partition("=")
        out[k.strip()] = parse_value(v)
    return out


def parse_grid(text: str) -> list[dict]:
    """``"a=1,2;b=x,y"`` -> the cartesian product as a list of dicts."""
    axes = []
    for part in (p for p in text.split(";") if p.strip()):
        k, _, vs = part.partition("=")
        axes.append([(k.strip(), parse_value(v)) for v in vs.split(",")])
    return [dict(c) for c in itertools.product(*axes)]


def best_peers(path: Path | None, sets: list[str]) -> dict[str, tuple[str, float]]:
    """Per set ``(peer, HOTA)`` of the best peer: from track_mot.py's JSON where it has the set."""
    found = {}
    if path and path.is_file():
        res = json.loads(path.read_text())["results"]
        for s in sets:
            peers = {n: r["HOTA"] for n, r in res.get(s, {}).items() if n != "ours"}
            if peers:
                b = max(peers, key=peers.get)
                found[s] = (b, peers[b])
    return {s: found.get(s, README_PEERS[s]) for s in sets}


def load_set(data: Path) -> list[tuple[str, float, list]]:
    """``[(sequence, fps, [Detections per frame])]``, parsed once."""
    from tracker.io.mot import is_sequence_dir, read_sequence

    out = []
    for d in sorted(p for p in data.iterdir() if is_sequence_dir(p)):
        seq = read_sequence(d)
        out.append((d.name, float(seq.info.frame_rate), [det for _, det in seq.frames()]))
    return out


def run_set(seqs, overrides: dict, pred: Path) -> float:
    """Track every sequence into ``pred/<sequence>.txt``; returns the seconds spent in update()."""
    from tracker.io.mot import write_rows
    from tracker.tracking import Tracker, TrackerConfig

    pred.mkdir(parents=True, exist_ok=True)
    spent = 0.0
    for name, fps, frames in seqs:
        trk = Tracker(TrackerConfig(), **{"frame_rate": fps, **overrides})
        with open(pred / f"{name}.txt", "w") as fh:
            for f, det in enumerate(frames, 1):
                t0 = time.perf_counter()
                t = trk.update(det)
                spent += time.perf_counter() - t0
                write_rows(fh, f, t.track_id, t.xyxy, t.score)
    return spent


def label(setting: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in setting.items()) or "(defaults)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=DEFAULT_SETS, help=f"comma list from: {DEFAULT_SETS}")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--base", default="", help="overrides under every setting, 'k=v,k=v'")
    ap.add_argument("--grid", default="", help="'k=v1,v2;k2=v3,v4': every combination")
    ap.add_argument("--try", dest="tries", action="append", default=[], help="one setting 'k=v,k=v' (repeatable)")
    ap.add_argument("--peers", type=Path, default=ROOT / "out" / "track_mot.json",
                    help="track_mot.py's JSON (default out/track_mot.json; else shared/README's peer table)")
    ap.add_argument("--json", type=Path, help="write every row here")
    args = ap.parse_args(argv)

    from tracker.tracking import TrackerConfig

    sets = set_dirs(args.sets, args.shared)
    base = parse_setting(args.base)
    settings = (parse_grid(args.grid) if args.grid else []) + [parse_setting(t) for t in args.tries]
    settings = settings or [{}]
    for st in [base, *settings]:
        bad = [k for k in st if not hasattr(TrackerConfig, k)]
        if bad:
            ap.error(f"unknown TrackerConfig field(s): {bad}")
    peers = best_peers(args.peers, list(sets))
    src = f"{args.peers}" if args.peers and args.peers.is_file() else "shared/README.md"
    print("best peer per set (" + src + "): " + ", ".join(f"{s} {p} {h:.1f}" for s, (p, h) in peers.items()))
    data = {s: load_set(d.resolve()) for s, d in sets.items()}
    frames = sum(len(fr) for seqs in data.values() for _, _, fr in seqs)

    head = f"| {'setting':<50} | " + " | ".join(f"{s:>13}" for s in sets) + " | min margin | frames/s |"
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    rows = []
    with tempfile.TemporaryDirectory(prefix="track-sweep-") as tmp:
        for i, st in enumerate(settings):
            ov = {**base, **st}
            per, spent = {}, 0.0
            for s, seqs in data.items():
                pred = Path(tmp, str(i), s)
                spent += run_set(seqs, ov, pred)
                per[s] = trackeval_scores(sets[s].resolve(), pred)
            mg = {s: per[s]["HOTA"] - peers[s][1] for s in sets}
            worst = min(mg.values())
            rows.append({"setting": ov, "scores": per, "margins": mg, "min_margin": worst, "fps": frames / spent})
            cells = " | ".join(f"{per[s]['HOTA']:>5.1f} ({mg[s]:+5.1f})" for s in sets)
            print(f"| {label(st):<50} | {cells} | {worst:>+10.1f} | {frames / spent:>8.0f} |", flush=True)
    best = max(rows, key=lambda r: r["min_margin"])
    print(f"\nbest minimum margin {best['min_margin']:+.1f}: {label(best['setting'])}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "peers": peers, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
