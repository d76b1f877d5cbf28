"""MOTChallenge text formats: ``seqinfo.ini``, ``det/det.txt``, ``gt/gt.txt`` and result files.

All rows are ``frame,id,x,y,w,h,score,...`` with 1-based frames and top-left/size boxes; this module
converts to and from :class:`~tracker.detections.Detections` (xyxy pixels) at the file edge.
"""

from __future__ import annotations

import configparser
import math
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import numpy as np

from ..detections import Detections
from ..errors import TrackerError

__all__ = [
    "SeqInfo",
    "MotTable",
    "read_table",
    "read_rows",
    "read_seqinfo",
    "read_detections",
    "read_sequence",
    "write_rows",
    "is_sequence_dir",
]


@dataclass
class SeqInfo:
    name: str
    frame_rate: float
    length: int
    width: int
    height: int
    im_dir: str = "img1"
    im_ext: str = ".jpg"


def is_sequence_dir(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "seqinfo.ini").is_file()


def has_detection_file(path: str | Path) -> bool:
    """A sequence folder with ``det/det.txt``: ``tracker track`` tracks those detections (no frames needed)."""
    return is_sequence_dir(path) and Path(path, "det", "det.txt").is_file()


def read_seqinfo(path: str | Path) -> SeqInfo:
    """Read ``seqinfo.ini`` (``path`` is the file or the sequence folder).

    ``seqLength``, ``imWidth`` and ``imHeight`` must be positive integers and ``frameRate`` a positive number:
    the length bounds every later loop over the sequence, so a bad value is an error here, not hours later.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "seqinfo.ini"
    if not p.is_file():
        raise TrackerError(f"{p.parent}: seqinfo.ini is missing (a MOTChallenge sequence folder needs it)")
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        # utf-8-sig: files saved by Windows editors start with a BOM.
        with open(p, encoding="utf-8-sig") as fh:
            cfg.read_file(fh)
        s = cfg["Sequence"]
        info = SeqInfo(
            name=s.get("name", p.parent.name),
            frame_rate=float(s.get("frameRate", 30)),
            length=int(s["seqLength"]),
            width=int(s["imWidth"]),
            height=int(s["imHeight"]),
            im_dir=s.get("imDir", "img1"),
            im_ext=s.get("imExt", ".jpg"),
        )
    except (KeyError, ValueError, configparser.Error) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise TrackerError(f"{p}: malformed seqinfo.ini ({reason})") from None
    if info.length < 1 or info.width < 1 or info.height < 1:
        raise TrackerError(f"{p}: seqLength, imWidth and imHeight must be positive integers")
    if not (math.isfinite(info.frame_rate) and info.frame_rate > 0):
        raise TrackerError(f"{p}: frameRate must be a positive number, got {info.frame_rate}")
    return info


@dataclass
class MotTable:
    """Rows of a MOT text file with where they came from.

    Attributes:
        rows: ``(N, 10)`` float64, missing trailing columns filled with -1.
        lines: ``(N,)`` 1-based line number of each row in the file (for one-line errors).
        columns: the most columns any row had (10 in MOT15 ground truth, 9 in MOT16/17/20, ...).
    """

    rows: np.ndarray
    lines: np.ndarray
    columns: int


def read_table(path: str | Path, min_cols: int = 7, max_frame: int | None = None) -> MotTable:
    """Parse a MOT text file, with one-line :class:`TrackerError` naming file and line for every bad row.

    Accepted: comma- or whitespace-separated values, a UTF-8 BOM, blank lines. Refused: fewer than
    ``min_cols`` columns, non-numeric or non-finite values in the first 7 columns, negative box sizes,
    boxes whose far corner overflows, frames that are not positive integers, and (when ``max_frame`` is
    given, e.g. ``seqinfo.ini``'s ``seqLength``) frames past it.
    """
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            text = fh.read()
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read ({exc.strerror or exc})") from None
    fast = _read_table_fast(text, min_cols, max_frame)
    if fast is not None:
        return fast
    return _read_table_lines(path, text, min_cols, max_frame)


def _read_table_fast(text: str, min_cols: int, max_frame: int | None) -> MotTable | None:
    """The common case in one numpy conversion: every non-blank line comma-separated with the same
    number of columns and every row valid. Anything else returns None and the line-by-line parser
    runs, which names the first bad line (this path never decides an error)."""
    lines = text.split("\n")
    keep = [i for i, line in enumerate(lines) if line.strip()]
    if not keep:
        return MotTable(np.zeros((0, 10)), np.zeros(0, np.int64), 0)
    body = [lines[i] for i in keep] if len(keep) != len(lines) else lines
    commas = {line.count(",") for line in body}
    if len(commas) != 1:
        return None
    cols = commas.pop() + 1
    if cols < min_cols:
        return None
    try:
        vals = np.array(",".join(body).split(","), dtype=np.float64).reshape(len(body), cols)
    except ValueError:
        return None
    v = vals[:, :10]
    if not np.isfinite(v[:, :7]).all():
        return None
    f = v[:, 0]
    ok = (v[:, 4] >= 0) & (v[:, 5] >= 0) & np.isfinite(v[:, 2] + v[:, 4]) & np.isfinite(v[:, 3] + v[:, 5])
    ok &= (f >= 1) & (f == np.floor(f))
    if max_frame is not None:
        ok &= f <= max_frame
    if not ok.all():
        return None
    if cols < 10:
        v = np.concatenate([v, np.full((len(v), 10 - cols), -1.0)], 1)
    return MotTable(np.ascontiguousarray(v), np.asarray(keep, np.int64) + 1, cols)


def _read_table_lines(path, text: str, min_cols: int, max_frame: int | None) -> MotTable:
    rows: list[list[float]] = []
    lines: list[int] = []
    columns = 0
    # Line by line, for the exact one-line error naming the first bad line.
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        parts = line.replace(" ", "").split(",") if "," in line else line.split()
        if len(parts) < min_cols:
            raise TrackerError(f"{path}:{lineno}: expected at least {min_cols} comma-separated columns, got {len(parts)}")
        try:
            vals = [float(v) for v in parts[:10]]
        except ValueError:
            raise TrackerError(f"{path}:{lineno}: non-numeric value in {line[:60]!r}") from None
        if not all(math.isfinite(v) for v in vals[:7]):
            raise TrackerError(f"{path}:{lineno}: NaN or infinite value in {line[:60]!r}")
        if vals[4] < 0 or vals[5] < 0:
            raise TrackerError(f"{path}:{lineno}: negative box size in {line[:60]!r}")
        if not (math.isfinite(vals[2] + vals[4]) and math.isfinite(vals[3] + vals[5])):
            raise TrackerError(f"{path}:{lineno}: box too large in {line[:60]!r}")
        if vals[0] < 1 or vals[0] != int(vals[0]):
            raise TrackerError(f"{path}:{lineno}: frame number must be a positive integer, got {parts[0]!r}")
        if max_frame is not None and vals[0] > max_frame:
            raise TrackerError(
                f"{path}:{lineno}: frame {int(vals[0])} is past the sequence length {max_frame} (seqLength in seqinfo.ini)"
            )
        columns = max(columns, len(parts))
        vals += [-1.0] * (10 - len(vals))
        rows.append(vals)
        lines.append(lineno)
    return MotTable(np.asarray(rows, dtype=np.float64).reshape(-1, 10), np.asarray(lines, dtype=np.int64), columns)


def read_rows(path: str | Path, min_cols: int = 7, max_frame: int | None = None) -> np.ndarray:
    """Parse a MOT text file into an ``(N, 10)`` float array (see :func:`read_table` for what is refused)."""
    return read_table(path, min_cols, max_frame).rows


def read_detections(
    path: str | Path, min_score: float = -math.inf, max_frame: int | None = None
) -> dict[int, Detections]:
    """Read a ``det.txt`` into ``{frame (1-based): Detections}`` (frames without rows are absent).

    Column 8 is used as a class id where it is a non-negative integer (some tools write one there);
    anything else (MOTChallenge's -1, a world coordinate) is class 0.
    """
    p = Path(path)
    if not p.is_file():
        raise TrackerError(f"{p}: detection file not found")
    rows = read_rows(p, min_cols=7, max_frame=max_frame)
    rows = rows[rows[:, 6] >= min_score]
    out: dict[int, Detections] = {}
    if len(rows) == 0:
        return out
    if (np.diff(rows[:, 0]) < 0).any():
        rows = rows[np.argsort(rows[:, 0], kind="stable")]
    frames = rows[:, 0].astype(np.int64)
    c = rows[:, 7]
    is_class = (c >= 0) & (c < 2**31) & (c == np.floor(c))  # NaN compares False: class 0
    cls = np.where(is_class, c, 0).astype(np.int64)
    xyxy = rows[:, 2:6].copy()
    xyxy[:, 2:] += xyxy[:, :2]
    score = np.ascontiguousarray(rows[:, 6])
    # Converted once for the whole file; each frame is a slice of those arrays.
    starts = np.r_[0, np.flatnonzero(np.diff(frames)) + 1]
    ends = np.r_[starts[1:], len(rows)]
    for a, b, f in zip(starts.tolist(), ends.tolist(), frames[starts].tolist()):
        out[f] = Detections(xyxy[a:b], score[a:b], cls[a:b])
    return out


#: Class names of a MOTChallenge ``det.txt``: its rows are pedestrians, class id 0 here (the one place
#: that says so; JSON/CSV outputs of a detection file label them with it).
MOT_CLASSES = ("person",)


@dataclass
class Sequence:
    info: SeqInfo
    detections: dict[int, Detections]
    path: Path
    classes: tuple[str, ...] = MOT_CLASSES

    def frames(self) -> Iterator[tuple[int, Detections]]:
        """Yield ``(frame, detections)`` for every frame 1..length, empty where none."""
        empty = Detections.empty()
        for f in range(1, self.info.length + 1):
            yield f, self.detections.get(f, empty)


def read_sequence(path: str | Path, det_file: str = "det/det.txt") -> Sequence:
    """Read a sequence folder: ``seqinfo.ini`` and its detections.

    The sequence is ``seqLength`` frames long, as ``seqinfo.ini`` says. A detection on a later frame is a
    one-line error naming the file and line rather than a skipped row: the two files disagree, so one
    of them is wrong (often a ``det.txt`` from another sequence), and stretching the length to the largest
    frame instead turned a typo like frame ``1e9`` into a 30-hour run.
    """
    p = Path(path)
    if not p.exists():
        raise TrackerError(f"{p}: no such file or folder")
    info = read_seqinfo(p)
    det_path = p / det_file
    if not det_path.is_file():
        raise TrackerError(f"{det_path}: missing detection file (expected {det_file} inside the sequence folder)")
    dets = read_detections(det_path, max_frame=info.length)
    return Sequence(info, dets, p)


def write_rows(fh: IO[str], frame: int, track_ids, xyxy, scores) -> None:
    """Write MOTChallenge result rows ``frame,id,x,y,w,h,score,-1,-1,-1`` for one frame."""
    xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    n = len(xyxy)
    if n == 0:
        return
    # One %-format over the frame's flattened values: about 3x faster than an f-string per row.
    cols = np.empty((n, 6))
    cols[:, 0] = np.asarray(track_ids, np.int64)
    cols[:, 1:3] = xyxy[:, :2]
    cols[:, 3:5] = xyxy[:, 2:] - xyxy[:, :2]
    cols[:, 5] = np.asarray(scores, np.float64)
    fh.write((f"{int(frame)},%d,%.2f,%.2f,%.2f,%.2f,%.4f,-1,-1,-1\n" * n) % tuple(cols.ravel().tolist()))
