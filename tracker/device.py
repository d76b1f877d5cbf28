"""Which device TensorFlow runs on, for run summaries (imports TensorFlow only if already loaded)."""

from __future__ import annotations

import sys


def describe_device() -> str:
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return "CPU"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "GPU " + ", ".join(g.name for g in gpus)
    return "CPU"
