"""Detection datasets on disk: COCO JSON and YOLO txt readers, and a generator of synthetic shapes.

Every reader returns a :class:`DetectionDataset`: a list of :class:`Example` (image path, xyxy pixel
boxes, contiguous class ids ``0..K-1``) plus the class names and, for writing COCO files back, the COCO
category id of each class. Layouts:

- COCO: one JSON with ``images`` (``id``, ``file_name``, optional ``width``/``height``), ``annotations``
  (``image_id``, ``category_id``, ``bbox`` = ``[x, y, w, h]`` pixels, optional ``iscrowd``) and
  ``categories`` (``id``, ``name``). ``file_name`` is relative to ``image_root`` (default: the JSON's folder,
  then its ``images/`` subfolder).
- YOLO: ``ROOT/images/<name>.<ext>`` and ``ROOT/labels/<name>.txt`` with lines ``cls cx cy w h``
  normalised to [0, 1]; class names from ``ROOT/classes.txt`` (one per line) if present.

:func:`make_shapes_dataset` writes either layout with circles, squares and triangles on textured,
noisy backgrounds, which is enough to show that the sliding-grid detector learns.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import TrackerError
from .shapes import SHAPE_CLASSES, render_scene

__all__ = [
    "Example",
    "DetectionDataset",
    "read_coco",
    "read_yolo",
    "load_dataset",
    "make_shapes_dataset",
    "SHAPE_CLASSES",
]

_IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


@dataclass
class Example:
    """One annotated image: ``xyxy`` ``(N, 4)`` pixel boxes and ``class_ids`` ``(N,)`` in ``0..K-1``."""

    image_path: Path
    xyxy: np.ndarray
    class_ids: np.ndarray
    image_id: int = 0
    width: int = 0
    height: int = 0

    def __post_init__(self) -> None:
        self.image_path = Path(self.image_path)
        self.xyxy = np.asarray(self.xyxy, np.float64).reshape(-1, 4)
        self.class_ids = np.asarray(self.class_ids, np.int64).reshape(-1)

    def load(self) -> np.ndarray:
        """The image as a BGR uint8 array."""
        import cv2

        img = cv2.imread(str(self.image_path), cv2.IMREAD_COLOR)
        if img is None:
            raise TrackerError(f"cannot read image {self.image_path}")
        return img


@dataclass
class DetectionDataset:
    """Examples plus ``classes`` (names) and ``category_ids`` (the COCO id of each class)."""

    examples: list[Example]
    classes: list[str]
    category_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.category_ids:
            self.category_ids = list(range(1, len(self.classes) + 1))

    def __len__(self) -> int:
        return len(self.examples)

    def subset(self, indices: Sequence[int]) -> "DetectionDataset":
        return DetectionDataset([self.examples[i] for i in indices], list(self.classes), list(self.category_ids))

    def split(self, val_fraction: float = 0.2, seed: int = 0) -> tuple["DetectionDataset", "DetectionDataset"]:
        """A seeded random ``(train, val)`` split; ``val`` keeps at least one example."""
        n = len(self.examples)
        if n < 2:
            raise TrackerError(f"need at least 2 images to split off a validation set, have {n}")
        order = np.random.default_rng(seed).permutation(n)
        n_val = min(n - 1, max(1, int(round(n * val_fraction))))
        return self.subset(sorted(order[n_val:])), self.subset(sorted(order[:n_val]))

    def to_coco(self) -> dict:
        """The dataset as a COCO ground-truth dict (images in this dataset's order)."""
        images, anns = [], []
        for ex in self.examples:
            images.append(
                {"id": int(ex.image_id), "file_name": str(ex.image_path), "width": ex.width, "height": ex.height}
            )
            for box, c in zip(ex.xyxy, ex.class_ids):
                w, h = float(box[2] - box[0]), float(box[3] - box[1])
                anns.append(
                    {
                        "id": len(anns) + 1,
                        "image_id": int(ex.image_id),
                        "category_id": int(self.category_ids[c]),
                        "bbox": [float(box[0]), float(box[1]), w, h],
                        "area": w * h,
                        "iscrowd": 0,
                    }
                )
        cats = [{"id": int(i), "name": n} for i, n in zip(self.category_ids, self.classes)]
        return {"images": images, "annotations": anns, "categories": cats}


# -- readers -----------------------------------------------------------------------------------------


def _load_json(path: Path):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise TrackerError(f"annotation file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrackerError(f"cannot read COCO JSON {path}: {exc}") from None


def read_coco(path: str | Path, image_root: str | Path | None = None) -> DetectionDataset:
    """Read a COCO detection JSON; crowd annotations and zero-size boxes are skipped."""
    path = Path(path)
    data = _load_json(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("images", "annotations", "categories")):
        raise TrackerError(f"{path} is not a COCO detection file (needs lists 'images', 'annotations', 'categories')")
    try:
        cats = sorted((int(c["id"]), str(c["name"])) for c in data["categories"])
        images = [(int(im["id"]), str(im["file_name"]), int(im.get("width", 0)), int(im.get("height", 0))) for im in data["images"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise TrackerError(f"{path}: malformed image or category entry ({exc!r})") from None
    cat_index = {cid: i for i, (cid, _) in enumerate(cats)}
    boxes: dict[int, list] = {im[0]: [] for im in images}
    for k, ann in enumerate(data["annotations"]):
        try:
            x, y, w, h = (float(v) for v in ann["bbox"])
            image_id, cat = int(ann["image_id"]), int(ann["category_id"])
            crowd = bool(ann.get("iscrowd", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackerError(f"{path}: annotation #{k} is malformed ({exc!r}); bbox must be [x, y, w, h]") from None
        if image_id not in boxes:
            raise TrackerError(f"{path}: annotation #{k} refers to unknown image_id {image_id}")
        if cat not in cat_index:
            raise TrackerError(f"{path}: annotation #{k} refers to unknown category_id {cat}")
        if crowd or w <= 0 or h <= 0:
            continue
        boxes[image_id].append((x, y, x + w, y + h, cat_index[cat]))
    root = Path(image_root) if image_root is not None else path.parent
    examples = []
    for image_id, name, width, height in images:
        img_path = root / name
        if image_root is None and not img_path.exists() and (root / "images" / name).exists():
            img_path = root / "images" / name
        b = np.array(boxes[image_id], np.float64).reshape(-1, 5)
        examples.append(Example(img_path, b[:, :4], b[:, 4].astype(np.int64), image_id, width, height))
    return DetectionDataset(examples, [n for _, n in cats], [c for c, _ in cats])


def _image_size(path: Path) -> tuple[int, int]:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise TrackerError(f"cannot read image {path}")
    return img.shape[1], img.shape[0]


def read_yolo(root: str | Path) -> DetectionDataset:
    """Read a YOLO-txt dataset folder (``images/``, ``labels/``, optional ``classes.txt``)."""
    root = Path(root)
    img_dir, lbl_dir = root / "images", root / "labels"
    if not img_dir.is_dir() or not lbl_dir.is_dir():
        raise TrackerError(f"{root} is not a YOLO dataset (needs images/ and labels/ folders)")
    names = None
    if (root / "classes.txt").is_file():
        names = [ln.strip() for ln in (root / "classes.txt").read_text().splitlines() if ln.strip()]
    examples, max_cls = [], -1
    paths = sorted(p for p in img_dir.iterdir() if p.suffix.lower() in _IMAGE_EXTS)
    for image_id, img_path in enumerate(paths, start=1):
        rows = []
        lbl = lbl_dir / f"{img_path.stem}.txt"
        if lbl.is_file():
            for ln_no, line in enumerate(lbl.read_text().splitlines(), start=1):
                if not line.strip():
                    continue
                parts = line.split()
                try:
                    if len(parts) != 5:
                        raise ValueError(f"{len(parts)} fields")
                    c = int(parts[0])
                    cx, cy, w, h = (float(v) for v in parts[1:])
                    if c < 0 or not all(math.isfinite(v) for v in (cx, cy, w, h)) or w < 0 or h < 0:
                        raise ValueError("negative or non-finite value")
                except ValueError as exc:
                    raise TrackerError(f"{lbl}:{ln_no}: expected 'cls cx cy w h' (normalised), got {line.strip()!r} ({exc})") from None
                rows.append((c, cx, cy, w, h))
        width, height = _image_size(img_path)
        r = np.array(rows, np.float64).reshape(-1, 5)
        cx, cy, w, h = r[:, 1] * width, r[:, 2] * height, r[:, 3] * width, r[:, 4] * height
        xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        cls = r[:, 0].astype(np.int64)
        max_cls = max(max_cls, int(cls.max()) if len(cls) else -1)
        examples.append(Example(img_path, xyxy, cls, image_id, width, height))
    if not examples:
        raise TrackerError(f"no images in {img_dir}")
    if names is None:
        names = [str(i) for i in range(max_cls + 1)]
    elif max_cls >= len(names):
        raise TrackerError(f"{root}: labels use class {max_cls} but classes.txt names only {len(names)}")
    return DetectionDataset(examples, names)


def load_dataset(path: str | Path, fmt: str = "auto") -> DetectionDataset:
    """Read ``path`` as ``fmt`` (``"coco"``, ``"yolo"`` or ``"auto"``). For COCO, ``path`` is the JSON
    file or a folder holding one ``annotations.json``; for YOLO, the dataset root."""
    p = Path(path)
    if not p.exists():
        raise TrackerError(f"dataset not found: {p}")
    if fmt == "auto":
        fmt = "yolo" if p.is_dir() and (p / "labels").is_dir() else "coco"
    if fmt == "coco":
        if p.is_dir():
            if not (p / "annotations.json").is_file():
                raise TrackerError(f"{p}: no annotations.json (pass the COCO JSON file itself)")
            p = p / "annotations.json"
        return read_coco(p)
    if fmt == "yolo":
        return read_yolo(p)
    raise TrackerError(f"unknown dataset format {fmt!r} (coco, yolo or auto)")


# -- synthetic shapes ----------------------------------------------------------------------------------


def make_shapes_dataset(
    out_dir: str | Path,
    n_images: int,
    seed: int = 0,
    size: tuple[int, int] = (256, 256),
    fmt: str = "coco",
    max_objects: int = 4,
    size_range: tuple[float, float] = (0.1, 0.35),
) -> Path:
    """Write ``n_images`` of circles/squares/triangles (classes 0/1/2) with boxes, seeded.

    Args:
        out_dir: created if needed; gets ``images/`` and either ``annotations.json`` (COCO, category ids
            1..3) or ``labels/`` + ``classes.txt`` (YOLO).
        size: ``(height, width)`` of every image.
        max_objects: 1..max_objects shapes per image, barely overlapping.
        size_range: object size as a fraction of the shorter image side.

    Returns:
        The path to read back with :func:`load_dataset` (the JSON for COCO, the folder for YOLO).
    """
    import cv2

    if fmt not in ("coco", "yolo"):
        raise TrackerError(f"unknown dataset format {fmt!r} (coco or yolo)")
    if n_images < 1:
        raise TrackerError(f"n_images must be >= 1, got {n_images}")
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    if fmt == "yolo":
        (out / "labels").mkdir(exist_ok=True)
    h, w = int(size[0]), int(size[1])
    rng = np.random.default_rng(seed)
    examples = []
    for i in range(n_images):
        img, boxes, cls, _ = render_scene(rng, h, w, max_objects, size_range)
        name = f"{i:06d}.png"
        cv2.imwrite(str(out / "images" / name), img)
        examples.append(Example(Path("images") / name, boxes, cls, i + 1, w, h))
        if fmt == "yolo":
            lines = []
            for b, c in zip(boxes, cls):
                cx, cy = (b[0] + b[2]) / 2 / w, (b[1] + b[3]) / 2 / h
                lines.append(f"{c} {cx:.6f} {cy:.6f} {(b[2] - b[0]) / w:.6f} {(b[3] - b[1]) / h:.6f}")
            (out / "labels" / f"{i:06d}.txt").write_text("".join(ln + "\n" for ln in lines))
    if fmt == "yolo":
        (out / "classes.txt").write_text("".join(c + "\n" for c in SHAPE_CLASSES))
        return out
    coco = DetectionDataset(examples, list(SHAPE_CLASSES)).to_coco()
    (out / "annotations.json").write_text(json.dumps(coco))
    return out / "annotations.json"
