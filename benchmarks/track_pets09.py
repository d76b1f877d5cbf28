"""End to end on real footage with real ground truth: the whole pipeline on ``pets09-dev`` vs peer trackers
fed our own detector's detections.

``../shared/data/real/pets09-dev``: ``PETS09-S2L1-first400.mp4`` (768x576, 7 fps, 400 frames) and its
ground truth (video frame i = GT frame i+1). Rows of the table:

- ours, the full default pipeline: ``tracker track VIDEO --classes person --mot-out F`` (a real CLI
  process, timed as a whole: frames/s includes start-up, decoding, detection and embedding);
- ours with ``--no-appearance``;
- the peers (trackers SORT / ByteTrack / BoT-SORT, supervision ByteTrack, norfair; each in its own venv
  under ``.venv-peers`` as a worker of ``benchmarks/track_mot.py``) fed the person detections our
  detector produces on the same video at ``conf 0.1`` (the detector called in-process, the same as
  ``tracker detect VIDEO --conf 0.1 --classes person``), ByteTrack-style ones score >= 0.1, SORT and
  norfair >= 0.5 (shared/README's protocol). Their frames/s is update() only.

Everything is scored with TrackEval (MotChallenge2DBox, BENCHMARK MOT17, preprocessing on), then the
margins: ours vs the best peer, ours vs ours ``--no-appearance``. Detections are cached in
``/tmp/pets09-cache`` (``--cache``), so reruns only pay for the tracking.

``--sweep`` instead replays the cached detections (our default conf 0.3) through the tracker in-process
with cached embeddings, over the appearance settings that decide the result (embedder crop and layer,
gallery vs EMA, cosine gates, IoU-only vs cascade); it is how the appearance defaults were chosen. The
first sweep row is the default and must equal the CLI row (checked and printed).

Run::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/track_pets09.py [--detector nanodet|centernet] [--sweep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import track_mot  # noqa: E402  (the peer workers, TrackEval scoring and MOT writer are reused from there)

# ``../shared`` beside the checkout (a git worktree may sit one level deeper, so the nearest one upwards).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared")
DATA = SHARED / "data" / "real" / "pets09-dev"
VIDEO_NAME = "PETS09-S2L1-first400.mp4"
SEQ_NAME = "PETS09-S2L1-first400"
PEERS = ["trackers-bytetrack", "trackers-sort", "trackers-botsort", "sv-bytetrack", "norfair"]
DET_CONF = 0.1  # what the peers are fed from (their own thresholds apply on top)
OUR_CONF = 0.3  # the pipeline's default detector threshold (NanoDetDetector / CenterNet conf)


# ----------------------------------------------------------------------------------------------------
def frames(video: Path):
    """Decoded BGR frames, the way the pipeline reads them."""
    from tracker.io.sources import open_source

    with open_source(str(video)) as src:
        for f in src:
            yield f.index, f.image


def cached_detections(video: Path, detector: str, cache: Path) -> Path:
    """Person detections at ``conf 0.1`` of every frame as arrays (``xyxy``, ``score``, ``offsets``)."""
    npz = cache / f"{detector}-det{DET_CONF}.npz"
    if npz.is_file():
        return npz
    from tracker.models.detectors import load_detector

    det = load_detector(detector, conf=DET_CONF, classes=["person"])
    xyxy, score, offsets = [], [], [0]
    t0 = time.perf_counter()
    for _, img in frames(video):
        d = det(img)
        xyxy.append(np.asarray(d.xyxy, np.float64).reshape(-1, 4))
        score.append(np.asarray(d.score, np.float64))
        offsets.append(offsets[-1] + len(d))
    print(f"[det] {detector}: {len(offsets) - 1} frames in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(npz, xyxy=np.concatenate(xyxy), score=np.concatenate(score), offsets=np.asarray(offsets), fps=7.0)
    write_det_txt(npz, npz.with_suffix(".det.txt"))
    return npz


def write_det_txt(npz: Path, txt: Path) -> None:
    """The same detections as a MOTChallenge det.txt (``frame,-1,x,y,w,h,score,-1,-1,-1``, frames from 1)."""
    xyxy, score, _ = track_mot._load_inputs(npz)
    with open(txt, "w") as fh:
        for f, (b, s) in enumerate(zip(xyxy, score), 1):
            for (x1, y1, x2, y2), c in zip(b, s):
                fh.write(f"{f},-1,{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{c:.4f},-1,-1,-1\n")


def score_file(pred_txt: Path, data: Path) -> dict:
    """TrackEval (MOT17 protocol) of one results file for the pets09 sequence, with FP and FN."""
    with tempfile.TemporaryDirectory(prefix="pets09-") as tmp:
        os.symlink(pred_txt.resolve(), Path(tmp, f"{SEQ_NAME}.txt"))
        return track_mot.trackeval_scores(data, Path(tmp))


def run_cli(video: Path, out: Path, extra: list[str]) -> float:
    """``tracker track VIDEO --classes person --mot-out out`` as a user runs it; returns wall seconds."""
    cmd = [sys.executable, "-m", "tracker", "track", str(video), "--classes", "person", "--mot-out", str(out),
           "--quiet", *extra]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=str(ROOT))
    return time.perf_counter() - t0


def run_peers(npz: Path, out: Path, names: list[str]) -> dict[str, dict]:
    res = {}
    for name in names:
        w = track_mot.Worker(name)
        raw = out / f"{name}.npz"
        r = w.run(npz, raw)
        w.close()
        txt = out / f"{name}.txt"
        track_mot.write_mot(raw, txt)
        res[name] = {"label": f"{w.label} on our detections", "txt": txt, "fps": r["frames"] / r["seconds"]}
    return res


# ----------------------------------------------------------------------------------------------------
# Sweep: the tracker in-process on cached detections and embeddings.
def cached_embeddings(video: Path, npz: Path, cache: Path, crop: tuple[int, int], layer: str) -> np.ndarray:
    """Embeddings of every detection (conf >= OUR_CONF) for one embedder setting, in detection order."""
    out = cache / f"{npz.stem}-emb{OUR_CONF}-{crop[0]}x{crop[1]}-{layer}.npy"
    if out.is_file():
        return np.load(out)
    from tracker.models.embedders import load_embedder

    emb = load_embedder("mobilenetv2", crop_size=crop, layer=layer)
    xyxy, score, _ = track_mot._load_inputs(npz)
    rows = []
    t0 = time.perf_counter()
    for (_, img), b, s in zip(frames(video), xyxy, score):
        rows.append(emb(img, b[s >= OUR_CONF]))
    print(f"[emb] {crop} {layer}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    arr = np.concatenate(rows).astype(np.float32)
    np.save(out, arr)
    return arr


def replay(npz: Path, emb: np.ndarray | None, pred_txt: Path, **opts) -> None:
    """Our tracker over the cached detections, as the pipeline feeds it (conf >= 0.3, class 0)."""
    from tracker.detections import Detections
    from tracker.io.mot import write_rows
    from tracker.tracking import Tracker

    xyxy, score, _ = track_mot._load_inputs(npz)
    trk = Tracker(**opts)
    k = 0
    with open(pred_txt, "w") as fh:
        for f, (b, s) in enumerate(zip(xyxy, score), 1):
            keep = s >= OUR_CONF
            b, s = b[keep], s[keep]
            e = None
            if emb is not None:
                e, k = emb[k : k + len(s)], k + len(s)
            t = trk.update(Detections(b, s, np.zeros(len(s), np.int64), embedding=e))
            write_rows(fh, f, t.track_id, t.xyxy, t.score)


# name -> (crop, layer or None for motion only, tracker options)
def sweep_grid() -> list[tuple[str, tuple[int, int] | None, str | None, dict]]:
    d = ((64, 32), "f17_out")
    g = [("default (64x32 f17, gallery 100, cos 0.2, plain IoU gate 0.7)", *d, {})]
    g.append(("no appearance", None, None, {}))
    # The rule the IoU stages used with embeddings before: score-fused IoU gated at max_iou_distance.
    fused = {"appearance_iou_distance": None}
    g.append(("fused IoU rule (appearance_iou_distance None)", *d, fused))
    g.append(("plain IoU gate 0.8 (appearance_iou_distance 0.8)", *d, {"appearance_iou_distance": 0.8}))
    g.append(("plain IoU gate 0.65", *d, {"appearance_iou_distance": 0.65}))
    g.append(("plain IoU gate 0.6", *d, {"appearance_iou_distance": 0.6}))
    g.append(("motion only, plain IoU gate 0.7 (fuse_score off)", None, None,
              {"fuse_score": False, "max_iou_distance": 0.7}))
    for crop in ((128, 64), (96, 48), (64, 32)):
        for layer in ("f13_out", "f16_out", "f17_out"):
            if (crop, layer) != d:
                g.append((f"{crop[0]}x{crop[1]} {layer}", crop, layer, {}))
    for ema in (0.9, 0.95):
        g.append((f"EMA {ema}", *d, {"appearance_ema": ema}))
    for c in (0.15, 0.25, 0.3):
        g.append((f"max_cosine_distance {c}", *d, {"max_cosine_distance": c}))
    g.append(("reid_cosine_distance 0.25", *d, {"reid_cosine_distance": 0.25}))
    g.append(("gallery_budget 30", *d, {"gallery_budget": 30}))
    g.append(("new_track_score 0.6", *d, {"new_track_score": 0.6}))
    g.append(("frame_rate 7 (the video's; the pipeline passes 30)", *d, {"frame_rate": 7.0}))
    g.append(("frame_rate 7, motion only", None, None, {"frame_rate": 7.0}))
    g.append(("fused IoU rule, 128x64 f17", (128, 64), "f17_out", fused))
    g.append(("fused IoU rule, EMA 0.95", *d, {**fused, "appearance_ema": 0.95}))
    g.append(("fused IoU rule, max_cosine_distance 0.4", *d, {**fused, "max_cosine_distance": 0.4}))
    return g


def parse_extra(items: list[str]) -> dict:
    out = {}
    for it in items:
        k, v = it.split("=", 1)
        out[k] = json.loads(v) if v not in ("None",) else None
    return out


def sweep(video: Path, npz: Path, cache: Path, data: Path, grid, work: Path) -> list[dict]:
    rows = []
    for name, crop, layer, opts in grid:
        emb = cached_embeddings(video, npz, cache, crop, layer) if crop else None
        txt = work / f"sweep-{len(rows)}.txt"
        replay(npz, emb, txt, **opts)
        r = {"label": name, **score_file(txt, data)}
        rows.append(r)
        print(f"  {name:<50} HOTA {r['HOTA']:.2f} AssA {r['AssA']:.2f} IDF1 {r['IDF1']:.1f} IDSW {r['IDSW']}",
              file=sys.stderr, flush=True)
    return rows


# ----------------------------------------------------------------------------------------------------
def print_table(rows: list[dict]) -> None:
    print("| row | HOTA | AssA | MOTA | IDF1 | IDSW | FP | FN | frames/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        fps = f"{r['fps']:.1f}" if r.get("fps") else "-"
        print(f"| {r['label']} | {r['HOTA']:.1f} | {r['AssA']:.1f} | {r['MOTA']:.1f} | {r['IDF1']:.1f} | {r['IDSW']} "
              f"| {r['FP']} | {r['FN']} | {fps} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the pets09-dev folder (default ../shared/data/real/pets09-dev)")
    ap.add_argument("--detector", default="nanodet", help="zoo detector for every row (default nanodet)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "pets09-cache")
    ap.add_argument("--peers", default=",".join(PEERS), help=f"comma list from: {','.join(PEERS)} (empty: none)")
    ap.add_argument("--sweep", action="store_true", help="the appearance sweep on cached detections instead")
    ap.add_argument("--only", nargs="*", default=None, help="sweep: only rows whose label contains one of these")
    ap.add_argument("--set", nargs="*", default=[], metavar="'KEY=VALUE ...'",
                    help="sweep: one extra row per argument with these tracker options (JSON values); crop=[h,w], "
                    "layer=\"f16_out\" pick the embedder, motion_only=true drops it")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)

    video, data = args.data / VIDEO_NAME, args.data.resolve()
    if not video.is_file():
        raise SystemExit(f"{video}: not found (see ../shared/README.md)")
    npz = cached_detections(video, args.detector, args.cache)
    work = Path(tempfile.mkdtemp(prefix="pets09-run-"))
    det_args = [] if args.detector == "nanodet" else ["--detector", args.detector]

    if args.sweep:
        grid = sweep_grid()
        if args.only is not None:
            grid = [g for g in grid if any(o in g[0] for o in args.only)]
        for row in args.set:
            opts = parse_extra(row.split())
            crop = tuple(opts.pop("crop", (64, 32)))
            layer = opts.pop("layer", "f17_out")
            grid.append((row, None if opts.pop("motion_only", False) else crop, layer, opts))
        rows = sweep(video, npz, args.cache, data, grid, work)
        print(f"### pets09-dev appearance sweep ({args.detector}, tracker replayed on cached detections, "
              f"{time.strftime('%Y-%m-%d')})\n")
        print_table(rows)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
        return 0

    rows = []
    for label, extra in (("ours, full default pipeline", []), ("ours, --no-appearance", ["--no-appearance"])):
        txt = work / f"ours{len(rows)}.txt"
        sec = run_cli(video, txt, det_args + extra)
        rows.append({"key": "ours" if not extra else "ours-noapp", "label": f"{label} ({args.detector})",
                     **score_file(txt, data), "fps": 400 / sec})
        print(f"[ours] {rows[-1]['label']}: HOTA {rows[-1]['HOTA']:.2f}, {sec:.1f} s", file=sys.stderr, flush=True)
    names = [n for n in args.peers.split(",") if n]
    for name, p in run_peers(npz, work, names).items():
        rows.append({"key": name, "label": p["label"], **score_file(p["txt"], data), "fps": p["fps"]})
    print(f"### pets09-dev end to end ({args.detector}; {time.strftime('%Y-%m-%d')}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; ours frames/s = whole CLI process, peers = update() only)\n")
    print_table(sorted(rows, key=lambda r: -r["HOTA"]))
    ours = next(r for r in rows if r["key"] == "ours")
    noapp = next(r for r in rows if r["key"] == "ours-noapp")
    peers = [r for r in rows if r["key"] not in ("ours", "ours-noapp")]
    print()
    if peers:
        best = max(peers, key=lambda r: r["HOTA"])
        print(f"ours vs best peer ({best['label']}): {ours['HOTA'] - best['HOTA']:+.1f} HOTA (Must-show: >= +2)")
    print(f"ours vs ours --no-appearance: {ours['HOTA'] - noapp['HOTA']:+.1f} HOTA (Must-show: >= +1)")
    print(f"detections: {npz.with_suffix('.det.txt')}")
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "txt"} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
