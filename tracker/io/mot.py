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

__all__ = ["SeqInfo", "read_rows", "read_seqinfo", "read_detections", "read_sequence", "write_rows", "is_sequence_dir"]


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


def read_seqinfo(path: str | Path) -> SeqInfo:
    """Read ``seqinfo.ini`` (``path`` is the file or the sequence folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "seqinfo.ini"
    if not p.is_file():
        raise TrackerError(f"{p}: missing seqinfo.ini (expected a MOTChallenge sequence folder)")
    cfg = configparser.ConfigParser()
    try:
        cfg.read(p)
        s = cfg["Sequence"]
        return SeqInfo(
            name=s.get("name", p.parent.name),
            frame_rate=float(s.get("frameRate", 30)),
            length=int(s["seqLength"]),
            width=int(s["imWidth"]),
            height=int(s["imHeight"]),
            im_dir=s.get("imDir", "img1"),
            im_ext=s.get("imExt", ".jpg"),
        )
    except (KeyError, ValueError, configparser.Error) as exc:
        raise TrackerError(f"{p}: malformed seqinfo.ini ({exc})") from None


def read_rows(path: str | Path, min_cols: int = 7) -> np.ndarray:
    """Parse a MOT text file into a float array, with one-line errors naming file and line."""
    rows: list[list[float]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
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
            if vals[0] < 1 or vals[0] != int(vals[0]):
                raise TrackerError(f"{path}:{lineno}: frame number must be a positive integer, got {parts[0]!r}")
            vals += [-1.0] * (10 - len(vals))
            rows.append(vals)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 10)


def read_detections(path: str | Path, min_score: float = -math.inf) -> dict[int, Detections]:
    """Read a ``det.txt`` into ``{frame (1-based): Detections}`` (frames without rows are absent)."""
    p = Path(path)
    if not p.is_file():
        raise TrackerError(f"{p}: detection file not found")
    rows = read_rows(p, min_cols=7)
    rows = rows[rows[:, 6] >= min_score]
    out: dict[int, Detections] = {}
    if len(rows) == 0:
        return out
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    frames = rows[:, 0].astype(np.int64)
    bounds = np.flatnonzero(np.diff(frames)) + 1
    for chunk in np.split(rows, bounds):
        # MOT det files carry no class; column 8 (if >= 0) is used as a class id by some tools.
        cls = np.where(chunk[:, 7] >= 0, chunk[:, 7], 0).astype(np.int64)
        out[int(chunk[0, 0])] = Detections.from_tlwh(chunk[:, 2:6], chunk[:, 6], cls)
    return out


@dataclass
class Sequence:
    info: SeqInfo
    detections: dict[int, Detections]
    path: Path

    def frames(self) -> Iterator[tuple[int, Detections]]:
        """Yield ``(frame, detections)`` for every frame 1..length, empty where none."""
        empty = Detections.empty()
        for f in range(1, self.info.length + 1):
            yield f, self.detections.get(f, empty)


def read_sequence(path: str | Path, det_file: str = "det/det.txt") -> Sequence:
    p = Path(path)
    if not p.exists():
        raise TrackerError(f"{p}: no such file or folder")
    info = read_seqinfo(p)
    det_path = p / det_file
    if not det_path.is_file():
        raise TrackerError(f"{det_path}: missing detection file (expected {det_file} inside the sequence folder)")
    dets = read_detections(det_path)
    if dets and max(dets) > info.length:
        info.length = max(dets)
    return Sequence(info, dets, p)


def write_rows(fh: IO[str], frame: int, track_ids, xyxy, scores) -> None:
    """Write MOTChallenge result rows ``frame,id,x,y,w,h,score,-1,-1,-1`` for one frame."""
    xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    lines = []
    for tid, (x1, y1, x2, y2), s in zip(track_ids, xyxy, scores):
        lines.append(f"{frame},{int(tid)},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{float(s):.4f},-1,-1,-1\n")
    fh.write("".join(lines))
