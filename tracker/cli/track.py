"""``tracker track SOURCE``: track a video, camera, stream, image folder or MOTChallenge sequence."""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict, deque
from pathlib import Path

from ..errors import TrackerError
from .checks import checked


class _Default(str):
    """A default that is still the plain string, but shows it was not typed (see :func:`_ignored_options`)."""


def add_tracking_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``track`` and ``live``."""
    p.add_argument("--detector", default=None, help="zoo name, tfhub:<handle> or SavedModel folder (default: nanodet)")
    p.add_argument(
        "--embedder", default=_Default("mobilenetv2"),
        help="appearance embedder (zoo name, tfhub:<handle>, SavedModel)",
    )
    p.add_argument("--no-appearance", action="store_true", help="motion-only tracking (no embedder)")
    p.add_argument(
        "--appearance", choices=("full", "fast"), default=_Default("full"),
        help="fast: embed only detections whose match is ambiguous by overlap (plus every 5th frame)",
    )
    p.add_argument("--classes", default=None, help="comma-separated class names to keep, e.g. person,car")
    p.add_argument("--conf", type=checked("--conf"), default=None, help="detector score threshold")
    p.add_argument(
        "--max-age", type=checked("--max-age"), default=None,
        help="frames a lost track is kept before deletion",
    )
    p.add_argument("--n-init", type=checked("--n-init"), default=None, help="hits needed to confirm a track")
    p.add_argument("--masks", action="store_true", help="attach a person mask to each tracked person")
    p.add_argument("--out", default=None, help="annotated video (.mp4, H.264 when ffmpeg is available)")
    p.add_argument("--mot-out", default=None, help="MOTChallenge results file")
    p.add_argument("--json-out", default=None, help="JSON lines: one object per frame")
    p.add_argument("--csv-out", default=None, help="CSV: one row per track per frame")
    p.add_argument("--show", action="store_true", help="show a window (needs a display and the GUI OpenCV wheel)")
    p.add_argument("--max-frames", type=checked("--max-frames"), default=None, help="stop after this many frames")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "track",
        help="track objects in a video, camera, stream, image folder or MOT sequence",
        description="Track objects. SOURCE: video file, camera index (0), stream URL, image folder, or a "
        "MOTChallenge sequence folder (with det/det.txt its detections are tracked, no frames needed).",
    )
    p.add_argument("source", help="video file, camera index, URL, image folder or MOT sequence folder")
    p.add_argument("--live", action="store_true", help="live mode: newest frame only, stale frames dropped")
    add_tracking_options(p)
    p.set_defaults(func=run)
    return p


def _ignored_options(args) -> list[str]:
    """Options given that act on frames or on detector output, which tracking a det.txt never has."""
    given = {
        "--conf": args.conf is not None,
        "--classes": args.classes is not None,
        "--masks": args.masks,
        "--embedder": not isinstance(args.embedder, _Default),
        "--appearance": not isinstance(args.appearance, _Default),
        "--show": bool(args.show),
        "--live": bool(getattr(args, "live", False)),
    }
    return [name for name, on in given.items() if on]


def _tracker_options(args) -> dict:
    opts = {}
    if args.max_age is not None:
        opts["max_age"] = args.max_age
    if args.n_init is not None:
        opts["n_init"] = args.n_init
    return opts


# (flag, attribute, sink key) of every output `track` writes.
_OUTPUTS = (("--out", "out", "video"), ("--mot-out", "mot_out", "mot"), ("--json-out", "json_out", "json"),
            ("--csv-out", "csv_out", "csv"))  # fmt: skip


def _check_outputs(args, inputs) -> dict:
    """Check every output path, then reserve each (lock + temporary file beside it), before any model
    loads: a bad path, two outputs on one file, or a target another run is writing is a one-line
    error that costs no time and touches no existing file. Returns the reserved ``AtomicFile`` by sink key.
    """
    from ..io.atomic import check_distinct, reserve
    from ..io.sinks import check_output_path

    named = [(flag, getattr(args, attr), key) for flag, attr, key in _OUTPUTS if getattr(args, attr, None)]
    for flag, path, key in named:
        check_output_path(path, inputs=inputs, video=key == "video")
    check_distinct([(flag, path) for flag, path, _ in named])
    return reserve((key, path) for _, path, key in named)


def _open_outputs(args, outputs, class_names, fps, size):
    """Open sinks on the files :func:`_check_outputs` reserved."""
    from ..io.sinks import CsvSink, JsonLinesSink, MotSink, VideoSink

    sinks = {}
    if "mot" in outputs:
        sinks["mot"] = MotSink(outputs["mot"])
    if "json" in outputs:
        sinks["json"] = JsonLinesSink(outputs["json"], class_names)
    if "csv" in outputs:
        sinks["csv"] = CsvSink(outputs["csv"], class_names)
    if "video" in outputs and size is not None:
        sinks["video"] = VideoSink(outputs["video"], fps or 30.0, size)
    return sinks


def _close_outputs(sinks, outputs, commit: bool) -> None:
    """Finish every output: with ``commit`` (the run ended, or stopped or failed after some frames) the
    files move into place holding the frames done; without (nothing processed) they are dropped and old
    files stay. One output failing to finish does not stop the others; its error is raised after."""
    error = None
    for sink in sinks.values():
        try:
            sink.close(commit=commit)
        except TrackerError as exc:
            error = error or exc
    for f in outputs.values():
        f.discard()  # reserved but never opened (no-op for the ones the sinks finished)
    if error is not None:
        raise error


def _write(sinks, result) -> None:
    """Append one frame to the text outputs (MOT frames are 1-based, JSON/CSV use the source index)."""
    tracks = result.tracks
    if "mot" in sinks:
        sinks["mot"].write(result.frame_index + 1, tracks)
    if "json" in sinks:
        sinks["json"].write(result.frame_index, tracks)
    if "csv" in sinks:
        sinks["csv"].write(result.frame_index, tracks)


def run(args) -> int:
    from ..io.mot import is_sequence_dir

    src = args.source
    if is_sequence_dir(src) and Path(src, "det", "det.txt").is_file() and args.detector is None:
        ignored = _ignored_options(args)
        if ignored:
            from . import warn

            warn(
                f"{', '.join(ignored)} ignored for a detections folder (its det/det.txt is tracked; "
                "pass --detector to detect on its images instead)"
            )
        return _run_detection_file(args)
    return _run_video(args, live=args.live)


def _run_detection_file(args) -> int:
    from ..stops import run_stoppable

    return run_stoppable(lambda stops: _track_detection_file(args, stops))


def _track_detection_file(args, stops) -> int:
    from ..io.mot import read_sequence
    from ..pipeline import track_detections

    if args.out:
        raise TrackerError("an annotated video needs frames: pass --detector to run a detector on the sequence images")
    seq = read_sequence(args.source)  # parse everything before any output file is opened
    info = seq.info
    outputs = _check_outputs(args, [args.source, Path(args.source, "det", "det.txt")])
    sinks: dict = {}
    n = 0
    seen = set()
    t0 = time.perf_counter()
    busy = 0.0
    interrupted = completed = False
    try:
        sinks = _open_outputs(args, outputs, ["person"], info.frame_rate, None)
        try:
            for result in track_detections(seq, **_tracker_options(args)):
                busy += result.timings["track"]
                with stops.deferred():  # a frame reaches every output or none
                    _write(sinks, result)
                    n += 1
                seen.update(result.tracks.track_id.tolist())
                if args.max_frames and n >= args.max_frames:
                    break
        except KeyboardInterrupt:
            interrupted = True
        completed = not interrupted  # a stop before the first frame keeps the old files
    finally:
        with stops.deferred():
            _close_outputs(sinks, outputs, commit=completed or n > 0)
    if not args.quiet:
        wall = time.perf_counter() - t0
        print(
            f"{info.name}: {'interrupted after ' if interrupted else ''}{n} frames, {len(seen)} tracks, "
            f"tracker {n / max(busy, 1e-9):.0f} frames/s ({wall:.2f} s including file I/O)",
            file=sys.stderr,
        )
    return stops.exit_code if interrupted else 0


def _run_video(args, live: bool) -> int:
    from ..stops import run_stoppable

    return run_stoppable(lambda stops: _track_video(args, live, stops))


class _Done:
    """What reached the outputs so far (read by the clean-up even when the loop raised)."""

    def __init__(self) -> None:
        self.frames = 0
        self.ids: set[int] = set()


def _track_video(args, live: bool, stops) -> int:
    from ..io.sources import open_source
    from ..pipeline import Pipeline

    outputs = _check_outputs(args, [args.source])  # before loading models, so a typo costs no time
    sinks: dict = {}
    done = _Done()
    completed = False
    try:
        source = open_source(args.source, live=live)
        try:
            pipeline = Pipeline(
                args.detector,
                None if args.no_appearance else args.embedder,
                classes=args.classes,
                conf=args.conf,
                masks=args.masks,
                appearance=args.appearance,
                **_tracker_options(args),
            )
            names = pipeline.class_names
            sinks = _open_outputs(args, outputs, names, source.fps, (source.width, source.height))
            t_start = time.perf_counter()
            interrupted = _loop(args, source, pipeline, sinks, names, live, stops, done)
            wall = time.perf_counter() - t_start
            completed = not interrupted  # a stop before the first frame keeps the old files
        finally:
            source.close()
    finally:
        with stops.deferred():  # a stop during the clean-up waits until the files are in place
            _close_outputs(sinks, outputs, commit=completed or done.frames > 0)
    if not args.quiet:
        _summary(args, source, pipeline, sinks, done.frames, len(done.ids), wall, interrupted)
    return stops.exit_code if interrupted else 0


def _loop(args, source, pipeline, sinks, names, live, stops, done: _Done) -> bool:
    """Track and write every frame; returns True when Ctrl-C or SIGTERM stopped it."""
    from ..render.draw import draw_text, draw_tracks
    from ..render.display import Display

    display = Display("tracker", enabled=args.show) if args.show else None
    need_image = "video" in sinks or display is not None
    trails: dict[int, deque] = defaultdict(lambda: deque(maxlen=30))
    progress = None
    if not args.quiet and not live:
        from tqdm import tqdm

        progress = tqdm(total=source.length, unit="frame", desc=Path(str(args.source)).name, file=sys.stderr)
    ema = None
    last = time.perf_counter()
    written = 0
    interrupted = False
    try:
        for result in pipeline.run(source):
            now = time.perf_counter()
            dt = now - last
            last = now
            ema = 1 / dt if ema is None else 0.9 * ema + 0.1 / max(dt, 1e-6)
            quit_requested = False
            with stops.deferred():  # a frame reaches every output or none
                _write(sinks, result)
                done.ids.update(result.tracks.track_id.tolist())
                if need_image:
                    image = result.image  # drawn in place: the frame is ours once the pipeline yields it
                    for tid, (x1, y1, x2, y2) in zip(result.tracks.track_id, result.tracks.xyxy):
                        trails[int(tid)].append((int((x1 + x2) / 2), int(y2)))
                    draw_tracks(image, result.tracks, names, trails)
                    banner = f"{ema:.1f} FPS"
                    if live:
                        banner += f"  dropped {source.dropped}"
                    draw_text(image, banner)
                    if "video" in sinks:
                        # Live mode drops frames; repeat the processed ones so the file plays in real time.
                        repeat = 1
                        if live:
                            due = int(result.timestamp * sinks["video"].fps) + 1
                            repeat = max(1, due - written)
                        for _ in range(repeat):
                            sinks["video"].write(image)
                        written += repeat
                    if display is not None and not display.show(image):
                        quit_requested = True
                done.frames += 1
            if progress is not None:
                progress.update(1)
            if quit_requested or (args.max_frames and done.frames >= args.max_frames):
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if progress is not None:
            progress.close()
        if display is not None:
            display.close()
    return interrupted


def _summary(args, source, pipeline, sinks, n, n_ids, wall, interrupted) -> None:
    from ..device import describe_device

    per = ", ".join(
        f"{k} {1000 * v / max(n, 1):.1f} ms" for k, v in pipeline.totals.items() if v > 0
    )
    parts = [
        f"{'Interrupted after' if interrupted else 'Tracked'} {n} frames of {source.name} in {wall:.1f} s "
        f"({n / max(wall, 1e-9):.1f} frames/s) on {describe_device()}: {n_ids} tracks.",
        f"Per frame: {per}.",
    ]
    if source.is_live:
        parts.append(f"Dropped {source.dropped} stale frames.")
    if getattr(source, "truncated_at", None) is not None:
        parts.append(f"Input ended at frame {source.truncated_at} of {source.length} (truncated or corrupt).")
    outs = []
    if "video" in sinks:
        outs.append(f"{args.out} [{sinks['video'].codec_used}]")
    outs += [p for p in (args.mot_out, args.json_out, args.csv_out) if p]
    if outs:
        parts.append("Wrote " + ", ".join(outs) + ".")
    print(" ".join(parts), file=sys.stderr)
