"""Every module imports on its own in a fresh interpreter, and the arrows between folders point one way."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"


def modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # runs the CLI
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def test_every_module_imports_alone_in_a_fresh_interpreter():
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}

    def check(module: str) -> tuple[str, str]:
        proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env, timeout=120)
        return module, "" if proc.returncode == 0 else proc.stderr.strip().splitlines()[-1]

    with ThreadPoolExecutor(2) as pool:  # the test machine has 2 cores
        failed = {m: err for m, err in pool.map(check, modules()) if err}
    assert failed == {}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the tracker modules ``path`` imports (at any depth, deferred ones included)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)
    return {n for n in names if n == "tracker" or n.startswith("tracker.")}


@pytest.mark.parametrize("lower", ["models", "tracking", "io", "eval"])
def test_lower_layers_never_import_cli_or_render(lower):
    bad = {}
    for path in (PACKAGE / lower).rglob("*.py"):
        hits = {m for m in imported_modules(path) if m.startswith(("tracker.cli", "tracker.render"))}
        if hits:
            bad[str(path.relative_to(PACKAGE.parent))] = sorted(hits)
    assert bad == {}


def test_models_never_import_train():
    """train/ builds on models/, never the reverse (the old zoo <-> train cycle)."""
    bad = {}
    for path in (PACKAGE / "models").rglob("*.py"):
        hits = {m for m in imported_modules(path) if m.startswith("tracker.train")}
        if hits:
            bad[str(path.relative_to(PACKAGE.parent))] = sorted(hits)
    assert bad == {}


def test_the_import_check_sees_deferred_relative_imports(tmp_path):
    """The AST walk must catch a function-level relative import, or the tests above prove nothing."""
    path = PACKAGE / "models" / "detectors" / "hub.py"
    assert "tracker.errors" in imported_modules(path)
    assert "tracker.models.nms" in imported_modules(path)
