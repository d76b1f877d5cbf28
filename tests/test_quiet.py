"""Start-up noise of TensorFlow/TFLite is dropped from stderr; everything else printed there is kept."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.quiet import filtered_stderr, is_noise

ROOT = Path(__file__).resolve().parents[1]

# Lines TensorFlow 2.21 / ai-edge-litert 2.3 printed on this project's CPU machine.
NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796500394.946205    5830 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders. "
    "To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "I0000 00:00:1796500394.946815    5830 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU "
    "will not be used.",
    "I0000 00:00:1796500404.716061    6123 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
    "E0000 00:00:1796500410.075197    6129 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
]
KEPT = [
    "tracker: error: --conf must be in [0, 1] (got 2)",
    "Traceback (most recent call last):",
    "E0000 00:00:1796500410.075197    6129 saved_model_loader.cc:12] cannot read variables",
    "WARNING: something else",
    "INFO: Created TensorFlow Lite delegate for GPU.",
    "",
]


@pytest.mark.parametrize("line", NOISE)
def test_noise(line):
    assert is_noise(line)


@pytest.mark.parametrize("line", KEPT)
def test_kept(line):
    assert not is_noise(line)


def test_filter_drops_noise_keeps_the_rest(capfd):
    with filtered_stderr():
        os.write(2, ("\n".join(NOISE) + "\nreal problem\n").encode())
        print("from python", file=sys.stderr)
    # capfd swaps sys.stderr too, so Python's line may arrive first; what counts is what is kept.
    assert sorted(capfd.readouterr().err.splitlines()) == ["from python", "real problem"]


def test_filter_replays_when_the_block_raises(capfd):
    with pytest.raises(RuntimeError):
        with filtered_stderr():
            os.write(2, b"why it failed\n" + NOISE[0].encode() + b"\n")
            raise RuntimeError("boom")
    assert capfd.readouterr().err == "why it failed\n"


def test_first_tensorflow_import_is_quiet():
    code = (
        "import sys, tracker.quiet as q; q.quiet_libraries(); q.quiet_libraries(); "
        "import tensorflow as tf; "
        "assert type(tf.__spec__.loader).__name__ != '_FilteredLoader'; "
        "assert not any(type(f).__name__ == '_QuietImportFinder' for f in sys.meta_path); "
        "print(float(tf.reduce_sum(tf.constant([1.0, 2.0]))), file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "OPENCV_FFMPEG_LOGLEVEL")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0 and proc.stderr == "3.0\n", proc.stderr


def test_library_run_is_quiet_and_import_stays_light():
    """``tracker.track`` outside the CLI: loading its models quiets TensorFlow; ``import tracker`` alone does not."""
    code = (
        "import itertools, sys, tracker; "
        "assert 'tensorflow' not in sys.modules; "
        "assert not any(type(f).__name__ == '_QuietImportFinder' for f in sys.meta_path); "
        # The default embedder is TFLite (no TensorFlow); the Keras one makes this run import TensorFlow.
        "from tracker.models.embedders import load_embedder; e = load_embedder('mobilenetv2', backend='keras'); "
        f"n = sum(1 for _ in itertools.islice(tracker.track({str(ROOT / 'sample_videos' / 'sample.mp4')!r}, embedder=e), 2)); "
        "assert 'tensorflow' in sys.modules; print(n, file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "OPENCV_FFMPEG_LOGLEVEL")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0 and proc.stderr == "2\n", proc.stderr
