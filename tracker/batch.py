"""Track many videos on Ray: a pool of actors, each loading the models once and tracking whole videos.

::

    import tracker
    rows = tracker.batch(["recordings/", "more/*.mp4"], "out/", workers=2)
    # [{"input": ".../a.mp4", "status": "done", "frames": 900, "tracks": 12, "seconds": 31.2, "error": None}, ...]

Each input video gets exactly the files ``tracker track`` writes for it (same code path, see
:func:`_track_video`): ``OUT/<stem>.txt`` (MOTChallenge) and ``OUT/<stem>.jsonl``, plus
``OUT/<stem>.mp4`` with ``video=True`` and ``OUT/<stem>.csv`` with ``csv=True``. ``OUT/manifest.jsonl``
gets one JSON line per finished video (``input``, ``status`` done|failed, ``frames``, ``tracks``,
``seconds``, ``error``), appended and fsynced as each video ends, so a rerun skips what is done
(``resume=True``) and retries what failed. The last line for an input is its state.

Why Ray Core actors rather than Ray Data ``map_batches`` with an actor pool:

* Tracking is stateful per video (Kalman filters, appearance galleries, id counter), so the unit of
  work is one whole video in order. Ray Data splits datasets into blocks of rows and gives no
  per-video ordering or locality guarantee; frames of one video would have to be regrouped, or each
  "row" would be a whole video, at which point the Dataset only adds a planner on top of an actor pool.
* A video's outputs are files that must be written transactionally by the process that tracks it;
  Ray Data wants the outputs to flow back as blocks.
* Failure handling is per video: a corrupt file is a ``failed`` row and the rest go on; a worker
  process that dies (OOM, SIGKILL, lost node) surfaces as ``ActorDiedError`` on exactly that video's
  reference, which is retried ``max_retries`` times on a fresh actor. In ``map_batches`` one bad video
  fails the whole dataset unless every error is swallowed inside the UDF, and a dead actor retries a
  whole block.
* The manifest is written by the driver as each reference completes, in completion order, which
  ``ray.wait`` gives directly.

No throughput was measured for Ray Data: the work is the same per-video call either way, so the choice
rests on the semantics above; ``benchmarks/batch_speed.py`` measures this pool against sequential runs.

On a multi-machine cluster (``address="auto"`` or ``"ray://head:10001"``) the inputs and ``out_dir``
must be at the same paths on every node (a shared filesystem), and ``tracker`` must be installed there.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import sys
import time
import types
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .errors import TrackerError, first_line

__all__ = ["batch", "expand_inputs", "output_paths", "read_manifest", "MANIFEST", "VIDEO_EXTENSIONS"]

MANIFEST = "manifest.jsonl"
#: Files a folder or glob contributes (other files in a folder, e.g. notes or images, are skipped).
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".ts", ".mts", ".mpg", ".mpeg", ".wmv", ".flv")
_URL = "://"


# -- inputs and outputs -------------------------------------------------------------------------


def expand_inputs(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str]:
    """Video files and URLs from files, folders (their video files, not recursive), globs and ``.txt``
    lists (one path or URL a line; ``#`` comments; relative paths are relative to the list's folder).

    Local paths come back absolute (the manifest's key), URLs as written; duplicates are dropped.
    Raises :class:`TrackerError` for an input that does not exist or matches nothing.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    out: list[str] = []
    for item in inputs:
        out += _expand_one(os.fspath(item), base=None)
    seen: set[str] = set()
    return [x for x in out if not (x in seen or seen.add(x))]


def _expand_one(text: str, base: Path | None) -> list[str]:
    text = text.strip()
    if _URL in text:
        return [text]
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
        if not files:
            raise TrackerError(f"{text}: folder has no videos ({', '.join(VIDEO_EXTENSIONS[:5])}, ...)")
        return [str(p.resolve()) for p in files]
    if path.is_file():
        if path.suffix.lower() == ".txt":
            lines = [ln.strip() for ln in path.read_text().splitlines()]
            entries = [ln for ln in lines if ln and not ln.startswith("#")]
            if not entries:
                raise TrackerError(f"{text}: list has no paths or URLs")
            return [x for ln in entries for x in _expand_one(ln, path.parent)]
        return [str(path.resolve())]
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        files = [p for p in files if p.suffix.lower() in VIDEO_EXTENSIONS]
        if not files:
            raise TrackerError(f"no videos match the pattern {text!r}")
        return [str(p.resolve()) for p in files]
    raise TrackerError(f"input not found: {text}")


def stem_of(item: str) -> str:
    """The output name of an input: the file name without extension (a URL's last path segment)."""
    if _URL in item:
        tail = item.split(_URL, 1)[1].split("?", 1)[0].rstrip("/")
        name = tail.rsplit("/", 1)[-1] if "/" in tail else tail.replace(":", "_")
        return Path(name).stem or "stream"
    return Path(item).stem


def output_paths(item: str, out_dir: str | os.PathLike, *, video: bool = False, csv: bool = False,
                 events: bool = False) -> dict[str, Path]:  # fmt: skip
    """The files ``batch`` writes for ``item``, by sink key (``mot``, ``json``, ``csv``, ``video``, ``events``)."""
    d, stem = Path(out_dir), stem_of(item)
    outs = {"mot": d / f"{stem}.txt", "json": d / f"{stem}.jsonl"}
    if csv:
        outs["csv"] = d / f"{stem}.csv"
    if video:
        outs["video"] = d / f"{stem}.mp4"
    if events:
        outs["events"] = d / f"{stem}.events.jsonl"
    return outs


def _check_names(items: Sequence[str]) -> None:
    by_stem: dict[str, str] = {}
    for item in items:
        stem = stem_of(item)
        if stem == Path(MANIFEST).stem:
            raise TrackerError(f"{item}: an input named {stem!r} would overwrite the manifest; rename it")
        if stem in by_stem:
            raise TrackerError(
                f"{by_stem[stem]} and {item} would write the same outputs ({stem}.*); rename one or run them separately"
            )
        by_stem[stem] = item


# -- manifest -----------------------------------------------------------------------------------


def read_manifest(path: str | os.PathLike) -> dict[str, dict]:
    """The last row per input of a manifest (an unfinished last line, left by a crash, is ignored)."""
    rows: dict[str, dict] = {}
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return rows
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "input" in row:
            rows[row["input"]] = row
    return rows


class _Manifest:
    """``manifest.jsonl`` held under an exclusive lock for the run; each row is one ``write`` of a whole
    line followed by ``fsync``, so a crash loses at most the line being written, never an earlier one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_fd = os.open(path.parent / f".{path.name}.tracker-lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise TrackerError(f"{path} is in use by another tracker batch run; wait for it or use another --out-dir") from None
        self.rows = read_manifest(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        size = os.fstat(self._fd).st_size
        if size and _last_byte(path) != b"\n":
            self._write(b"\n")  # end a line torn by a crash so the next row starts clean

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def append(self, row: dict) -> None:
        self._write((json.dumps(row, separators=(",", ":")) + "\n").encode())
        self.rows[row["input"]] = row

    def close(self) -> None:
        os.close(self._fd)
        os.close(self._lock_fd)  # releases the lock; the lock file stays (removing it would race a waiter)


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1)


def _row(item: str, status: str, frames: int = 0, tracks: int = 0, seconds: float = 0.0, error: str | None = None) -> dict:
    return {"input": item, "status": status, "frames": frames, "tracks": tracks, "seconds": round(seconds, 3), "error": error}


# -- the per-video work (the one place that touches the CLI's output code) ----------------------


def _track_video(item: str, outputs: dict[str, Path], models: Any, options: dict, done: Any = None) -> dict:
    """Track one whole video into ``outputs`` exactly as ``tracker track`` does; returns frames, tracks, seconds.

    ``models`` is a loaded :class:`~tracker.pipeline.Pipeline` whose detector, embedder and segmenter
    are reused; a fresh tracker (ids from 1) is made per video. Outputs are reserved, written and moved
    into place by the same library calls as ``tracker track`` (``io.outputs``, ``Pipeline.run``), so the
    files are byte-identical to ``tracker track ITEM --mot-out ... --json-out ...``. ``done`` (a
    :class:`~tracker.runner.RunStats`) is updated per frame so the driver can poll progress.
    """
    from .analytics.outputs import analytics_sinks, build_analytics
    from .io.outputs import reserve_outputs, text_sinks
    from .io.sources import open_source
    from .pipeline import Pipeline
    from .render.analytics import AnalyticsOverlay
    from .render.video import annotated_sinks
    from .runner import RunStats

    done = done if done is not None else RunStats()
    # Fresh counts per video (the spec was checked by the driver before any work).
    analytics = build_analytics(options.get("lines") or (), options.get("zones") or (), options.get("analytics"))
    named = [(f"--{key}", str(path), key) for key, path in outputs.items() if path]
    reserved = reserve_outputs(named, [item])
    t0 = time.perf_counter()
    source = None
    try:
        source = open_source(item)
        pipeline = Pipeline(
            models.detector, models.embedder, masks=models.segmenter is not None, segmenter=models.segmenter,
            appearance=options.get("appearance", "full"), **_tracker_options(options),
        )  # fmt: skip
        if analytics is not None:
            analytics.class_names = list(pipeline.class_names)
        feed, counting = analytics_sinks(analytics, reserved)
        overlays = [AnalyticsOverlay(analytics)] if analytics is not None else []
        video = annotated_sinks(reserved.get("video"), False, pipeline.class_names, source, overlays=overlays)
        sinks = counting + text_sinks(reserved, pipeline.class_names, analytics=feed) + video
        for result in pipeline.run(source, sinks):
            done.frames += 1
            done.track_ids.update(int(t) for t in result.tracks.track_id)
    finally:
        if source is not None:
            source.close()
        for f in reserved.values():
            f.discard()  # reserved but never committed (an error before the first frame): old files stay
    return {"frames": done.frames, "tracks": len(done.track_ids), "seconds": time.perf_counter() - t0}


def _tracker_options(options: dict) -> dict:
    return {k: options[k] for k in ("max_age", "n_init") if options.get(k) is not None}


def _load_models(options: dict) -> Any:
    from .pipeline import Pipeline

    embedder = None if options.get("no_appearance") else options.get("embedder") or "mobilenetv2"
    return Pipeline(
        options.get("detector"), embedder, classes=options.get("classes"), conf=options.get("conf"),
        masks=bool(options.get("masks")), appearance=options.get("appearance", "full"),
    )  # fmt: skip


class Worker:
    """One Ray actor: loads the models once, then tracks whole videos one after another.

    ``max_concurrency=2`` lets :meth:`frames_done` answer the driver's progress polls while
    :meth:`run` works; only :meth:`run` touches the models.
    """

    def __init__(self, options: dict) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from .quiet import quiet_libraries

        quiet_libraries()
        self.options = options
        self.models = _load_models(options)
        self.done = None

    def frames_done(self) -> int:
        """Frames written so far of the video being tracked."""
        return self.done.frames if self.done is not None else 0

    def run(self, item: str, outputs: dict[str, str]) -> dict:
        """Track ``item``; a failure of the video (unreadable, corrupt, bad frame) is a ``failed`` row."""
        from .runner import RunStats

        self.done = RunStats()
        t0 = time.perf_counter()
        try:
            stats = _track_video(item, {k: Path(v) for k, v in outputs.items()}, self.models, self.options, self.done)
        except Exception as exc:  # noqa: BLE001 - any error of one video must not stop the others
            msg = str(exc) if isinstance(exc, TrackerError) else f"{type(exc).__name__}: {exc}"
            return _row(item, "failed", self.done.frames, len(self.done.track_ids), time.perf_counter() - t0, msg)
        return _row(item, "done", stats["frames"], stats["tracks"], stats["seconds"])


# -- the driver ---------------------------------------------------------------------------------


def batch(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    workers: int = 1,
    gpus_per_worker: float = 0.0,
    address: str | None = None,
    resume: bool = True,
    video: bool = False,
    csv: bool = False,
    max_retries: int = 1,
    progress: bool = True,
    detector: str | None = None,
    embedder: str | None = "mobilenetv2",
    classes: str | Sequence[str] | None = None,
    conf: float | None = None,
    appearance: str = "full",
    masks: bool = False,
    max_age: int | None = None,
    n_init: int | None = None,
    lines: Sequence[str] = (),
    zones: Sequence[str] = (),
    analytics: str | None = None,
    events: bool = False,
    on_row: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Track every video of ``inputs`` into ``out_dir`` on a Ray actor pool; returns one row per input.

    Args:
        inputs: files, folders, globs, ``.txt`` lists of paths/URLs (see :func:`expand_inputs`).
        out_dir: created if missing; gets ``<stem>.txt``/``.jsonl`` (+ ``.mp4``/``.csv``) and ``manifest.jsonl``.
        workers: actors, each one process with its own models (1 CPU each for scheduling).
        gpus_per_worker: GPUs each actor reserves (fractions share a GPU).
        address: None starts a local Ray (or uses one already initialised in this process);
            ``"auto"`` or ``"ray://host:10001"`` or a GCS ``host:port`` joins an existing cluster.
        resume: skip inputs whose last manifest row is ``done`` (failed ones are always retried);
            False tracks everything again.
        max_retries: times a video is retried on a fresh actor after its worker process died
            (a failing video is not retried: it would fail the same way).
        progress: a progress bar (videos and frames) and a summary table on stderr.
        embedder: None for motion-only tracking (like ``--no-appearance``).
        lines, zones, analytics: counting lines, zones and a config file as for ``tracker track``; the
            counts go into each ``<stem>.jsonl`` and, with ``events``, ``<stem>.events.jsonl``.
        on_row: called in the driver with each manifest row as it is written.

    The other arguments are those of ``tracker track``. Returns the final row of every input, in input
    order (rows skipped by ``resume`` are the manifest's earlier ones).
    """
    try:
        import ray
    except ImportError:
        raise TrackerError("tracker batch needs Ray: pip install 'tracker[cluster]'") from None

    from .analytics.outputs import build_analytics

    if build_analytics(lines, zones, analytics) is None and events:
        raise TrackerError("--events needs something to count: pass --line, --zone or --analytics")
    items = expand_inputs(inputs)
    _check_names(items)
    if int(workers) < 1:
        raise TrackerError(f"workers must be an integer >= 1 (got {workers})")
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise TrackerError(f"--out-dir is not a folder: {out}")
    out.mkdir(parents=True, exist_ok=True)
    options = {
        "detector": detector, "embedder": embedder, "no_appearance": embedder is None, "classes": classes,
        "conf": conf, "appearance": appearance, "masks": masks, "max_age": max_age, "n_init": n_init,
        "lines": list(lines), "zones": list(zones), "analytics": analytics, "events": events,
    }  # fmt: skip
    manifest = _Manifest(out / MANIFEST)
    try:
        before = dict(manifest.rows)
        todo = [i for i in items if not (resume and before.get(i, {}).get("status") == "done")]
        final = {i: before[i] for i in items if i not in todo}
        t0 = time.perf_counter()
        if todo:
            started = False
            if not ray.is_initialized():
                _init_ray(ray, address, workers)
                started = True
            try:
                _drive(ray, todo, out, options, manifest, final, workers, gpus_per_worker, video, csv, max_retries,
                       progress, on_row)  # fmt: skip
            finally:
                if started:
                    ray.shutdown()
        rows = [final[i] for i in items]
        if progress:
            _summary(rows, len(items) - len(todo), time.perf_counter() - t0)
        return rows
    finally:
        manifest.close()


def _init_ray(ray, address: str | None, workers: int) -> None:
    kwargs: dict = {"log_to_driver": True, "logging_level": "ERROR"}
    if address:
        kwargs["address"] = address
    else:
        # Locally every requested worker gets a CPU slot even past the core count (the user asked).
        kwargs.update(num_cpus=max(os.cpu_count() or 1, int(workers)), include_dashboard=False)
    try:
        ray.init(**kwargs)
    except ConnectionError as exc:
        raise TrackerError(f"cannot reach the Ray cluster at {address}: {exc}") from None


def _drive(ray, todo, out, options, manifest, final, workers, gpus, video, csv, max_retries, progress, on_row) -> None:
    from ray.exceptions import RayActorError, RayError

    remote = ray.remote(Worker).options(num_cpus=1, num_gpus=float(gpus or 0), max_concurrency=2)
    queue = deque((item, 0) for item in todo)
    idle = [remote.remote(options) for _ in range(min(int(workers), len(todo)))]
    pending: dict = {}  # ObjectRef -> (actor, item, attempt)
    bar = _Progress(len(todo)) if progress else None
    try:
        while queue or pending:
            while idle and queue:
                actor = idle.pop()
                item, attempt = queue.popleft()
                outs = {k: str(v) for k, v in output_paths(item, out, video=video, csv=csv, events=options.get("events", False)).items()}
                pending[actor.run.remote(item, outs)] = (actor, item, attempt)
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in ready:
                actor, item, attempt = pending.pop(ref)
                try:
                    row = ray.get(ref)
                    idle.append(actor)
                except RayActorError as exc:  # the process died (SIGKILL, OOM, lost node): a fresh actor
                    ray.kill(actor, no_restart=True)
                    idle.append(remote.remote(options))
                    retry = attempt < max_retries
                    why = f"worker died ({type(exc).__name__}) on attempt {attempt + 1}"
                    row = _row(item, "failed", error=why + ("; retrying" if retry else ""))
                    if retry:
                        queue.appendleft((item, attempt + 1))
                except RayError as exc:
                    idle.append(actor)
                    row = _row(item, "failed", error=f"{first_line(exc)}")
                manifest.append(row)
                final[item] = row
                if on_row is not None:
                    on_row(row)
                if bar is not None:
                    bar.finished(row, retrying=item in (q[0] for q in queue))
            if bar is not None:
                bar.poll(ray, [a for a, _, _ in pending.values()])
    finally:
        if bar is not None:
            bar.close()
        for actor in idle + [a for a, _, _ in pending.values()]:
            ray.kill(actor, no_restart=True)


class _Progress:
    """One bar over the set's videos, with the frames done (finished videos plus the running ones)."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="video", desc="batch", file=sys.stderr, dynamic_ncols=True)
        self.frames = 0
        self.failed = 0
        self.running = 0
        self.t0 = time.perf_counter()

    def finished(self, row: dict, retrying: bool) -> None:
        self.frames += row["frames"]
        self.running = 0  # its frames were in the last poll's count; the next poll recounts the others
        if not retrying:
            self.bar.update(1)
            self.failed += row["status"] == "failed"
        self._show()

    def poll(self, ray, actors: list) -> None:
        refs = [a.frames_done.remote() for a in actors]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0.2) if refs else ([], [])
        running = 0
        for ref in ready:
            try:
                running += int(ray.get(ref))
            except Exception:  # noqa: BLE001 - a dying actor's poll; its run() reports the failure
                pass
        self.running = running
        self._show()

    def _show(self) -> None:
        n = self.frames + self.running
        rate = n / max(time.perf_counter() - self.t0, 1e-9)
        self.bar.set_postfix_str(f"{n} frames, {rate:.1f} frames/s, {self.failed} failed", refresh=True)

    def close(self) -> None:
        self.bar.close()


def _summary(rows: list[dict], skipped: int, wall: float) -> None:
    from tabulate import tabulate

    done = [r for r in rows if r["status"] == "done"]
    failed = [r for r in rows if r["status"] != "done"]
    frames = sum(r["frames"] for r in rows)
    ran = len(rows) - skipped
    table = [
        ["videos", len(rows)], ["done", len(done)], ["failed", len(failed)], ["skipped (already done)", skipped],
        ["frames", frames], ["tracks", sum(r["tracks"] for r in rows)], ["wall time", f"{wall:.1f} s"],
        ["videos/s", f"{ran / max(wall, 1e-9):.2f}"],
    ]  # fmt: skip
    print(tabulate(table, tablefmt="simple"), file=sys.stderr)
    if failed:
        shown = [[Path(r["input"]).name, (r["error"] or "")[:100]] for r in failed[:20]]
        more = f"\n... and {len(failed) - 20} more (see the manifest)" if len(failed) > 20 else ""
        print(tabulate(shown, headers=["failed", "error"], tablefmt="simple") + more, file=sys.stderr)


class _CallableModule(types.ModuleType):
    """``tracker.batch(...)`` calls :func:`batch` although ``tracker.batch`` is this module: importing a
    submodule sets the package attribute to the module, so a plain function attribute cannot stay."""

    def __call__(self, *args, **kwargs):
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
