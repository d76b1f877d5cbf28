"""Detection mAP with pycocotools' ``COCOeval`` (bbox): the reference implementation, no AP math of our own.

Ground truth is a COCO detection JSON (a path or the loaded dict). Predictions may be:

- a COCO results list ``[{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, ...]`` (file or list);
- ``tracker detect --format json`` JSON lines, one per frame:
  ``{"frame": i, "detections": [{"xyxy": [x1, y1, x2, y2], "score": s, "class_id": c, "label": "..."}]}``.
  Frame ``i`` is the ``i``-th entry of the GT's ``images`` list, in file order, counting from
  ``frame_base`` (0 by default; pass 1 for 1-based frame numbers). A detection's category is the GT
  category whose ``name`` equals its ``label``; without a matching label, ``class_id`` ``c`` is the
  ``c``-th GT category in ascending id order (contiguous 0-based ids, as our detectors emit);
- a list of :class:`~tracker.detections.Detections`, one per GT image in the same order.

pycocotools prints progress on stdout; it is swallowed unless ``verbose=True``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import TrackerError

__all__ = ["evaluate_detections", "load_predictions", "detections_to_coco_results"]


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        raise TrackerError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackerError(f"cannot read {what} file {path}: {exc}") from None


def _load_gt(gt: str | Path | dict) -> dict:
    if isinstance(gt, dict):
        data = gt
        where = "ground truth"
    else:
        path = Path(gt)
        try:
            data = json.loads(_read_text(path, "ground-truth"))
        except json.JSONDecodeError as exc:
            raise TrackerError(f"ground truth {path} is not valid JSON: {exc}") from None
        where = str(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("images", "annotations", "categories")):
        raise TrackerError(f"{where} is not a COCO detection file (needs lists 'images', 'annotations', 'categories')")
    data = copy.deepcopy(data)
    try:
        for k, ann in enumerate(data["annotations"]):
            x, y, w, h = (float(v) for v in ann["bbox"])
            ann["bbox"] = [x, y, w, h]
            ann.setdefault("area", w * h)
            ann.setdefault("iscrowd", 0)
            ann.setdefault("id", k + 1)
            int(ann["image_id"]), int(ann["category_id"])
        for im in data["images"]:
            int(im["id"])
        for c in data["categories"]:
            int(c["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TrackerError(f"{where}: malformed COCO entry ({exc!r}); annotations need image_id, category_id, bbox [x, y, w, h]") from None
    return data


def detections_to_coco_results(
    detections: Sequence[Any], image_ids: Sequence[int], category_ids: Sequence[int]
) -> list[dict]:
    """``Detections`` per image -> COCO results; ``class_id`` ``c`` becomes ``category_ids[c]``."""
    if len(detections) != len(image_ids):
        raise TrackerError(f"{len(detections)} prediction frames for {len(image_ids)} ground-truth images")
    out = []
    for det, image_id in zip(detections, image_ids):
        for box, score, c in zip(det.xyxy, det.score, det.class_id):
            if not 0 <= int(c) < len(category_ids):
                continue
            x1, y1, x2, y2 = (float(v) for v in box)
            out.append(
                {
                    "image_id": int(image_id),
                    "category_id": int(category_ids[int(c)]),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": float(score),
                }
            )
    return out


def _from_json_lines(records: list, gt: dict, frame_base: int, where: str) -> list[dict]:
    image_ids = [int(im["id"]) for im in gt["images"]]
    cats = sorted(gt["categories"], key=lambda c: int(c["id"]))
    by_name = {str(c["name"]): int(c["id"]) for c in cats}
    by_index = [int(c["id"]) for c in cats]
    out = []
    for n, rec in enumerate(records, start=1):
        try:
            k = int(rec["frame"]) - frame_base
            dets = rec.get("detections", [])
            if not isinstance(dets, list):
                raise TypeError("'detections' is not a list")
            if not 0 <= k < len(image_ids):
                raise TrackerError(
                    f"{where}:{n}: frame {rec['frame']} has no ground-truth image "
                    f"({len(image_ids)} images, frames counted from {frame_base})"
                )
            for d in dets:
                x1, y1, x2, y2 = (float(v) for v in d["xyxy"])
                label = d.get("label")
                if label is not None and str(label) in by_name:
                    cat = by_name[str(label)]
                else:
                    c = int(d.get("class_id", 0))
                    if not 0 <= c < len(by_index):
                        continue  # a class the ground truth does not know cannot match anything
                    cat = by_index[c]
                out.append(
                    {"image_id": image_ids[k], "category_id": cat, "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(d.get("score", 1.0))}
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackerError(f"{where}:{n}: malformed detection record ({exc!r})") from None
    return out


def load_predictions(pred: Any, gt: dict, frame_base: int = 0) -> list[dict]:
    """Any accepted prediction form (see module docstring) -> a COCO results list."""
    from ..detections import Detections

    if isinstance(pred, (str, Path)):
        path = Path(pred)
        text = _read_text(path, "prediction")
        where = str(path)
        stripped = text.lstrip()
        if not stripped:
            return []
        if stripped.startswith("["):
            try:
                pred = json.loads(text)
            except json.JSONDecodeError as exc:
                raise TrackerError(f"{path} is not valid JSON: {exc}") from None
        else:
            records = []
            for n, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise TrackerError(f"{path}:{n}: not a JSON line ({exc})") from None
            if records and isinstance(records[0], dict) and "image_id" in records[0]:
                pred = records  # COCO results written one per line
            else:
                return _from_json_lines(records, gt, frame_base, where)
    else:
        where = "predictions"
    if not isinstance(pred, (list, tuple)):
        raise TrackerError(f"{where}: expected a list of COCO results or JSON lines, got {type(pred).__name__}")
    if pred and all(isinstance(p, Detections) for p in pred):
        cats = sorted(int(c["id"]) for c in gt["categories"])
        return detections_to_coco_results(pred, [int(im["id"]) for im in gt["images"]], cats)
    out = []
    for n, p in enumerate(pred, start=1):
        try:
            if "frame" in p and "image_id" not in p:
                return _from_json_lines(list(pred), gt, frame_base, where)
            out.append(
                {
                    "image_id": int(p["image_id"]),
                    "category_id": int(p["category_id"]),
                    "bbox": [float(v) for v in p["bbox"]][:4],
                    "score": float(p.get("score", 1.0)),
                }
            )
            if len(out[-1]["bbox"]) != 4:
                raise ValueError("bbox needs 4 numbers [x, y, w, h]")
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackerError(f"{where}: result #{n} is malformed ({exc!r})") from None
    return out


def evaluate_detections(
    gt: str | Path | dict,
    pred: Any,
    frame_base: int = 0,
    verbose: bool = False,
    max_detections: int = 100,
) -> dict:
    """COCO bbox evaluation of ``pred`` against ``gt``.

    Returns:
        ``{"map": AP@[.5:.95], "map50": AP@.5, "map75": AP@.75, "n_images", "n_gt", "n_pred"}``.
        Empty predictions score 0; metrics pycocotools leaves undefined (-1, e.g. no ground truth)
        are reported as 0.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_data = _load_gt(gt)
    results = load_predictions(pred, gt_data, frame_base)
    known = {int(im["id"]) for im in gt_data["images"]}
    unknown = sorted({r["image_id"] for r in results} - known)
    if unknown:
        raise TrackerError(f"predictions refer to image ids not in the ground truth, e.g. {unknown[0]}")
    summary = {"n_images": len(gt_data["images"]), "n_gt": len(gt_data["annotations"]), "n_pred": len(results)}
    if not results or not gt_data["annotations"]:
        return {"map": 0.0, "map50": 0.0, "map75": 0.0, **summary}
    sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    with sink:
        coco_gt = COCO()
        coco_gt.dataset = gt_data
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.params.maxDets = [1, 10, max(int(max_detections), 1)]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats = [max(float(s), 0.0) for s in np.asarray(ev.stats)]
    return {"map": stats[0], "map50": stats[1], "map75": stats[2], **summary}
