"""Architecture checks: the import-layer contracts and the single source of randomness.

The contracts (layers, rule independence, Mesa only in model/agents/viz) live in
pyproject.toml and are checked by import-linter's ``lint-imports``. Randomness: only
sim/streams.py creates generators; the one documented exception is sim/town_layouts.py's
layout generator (a generated layout stands in for a data file, so it is seeded by its own
arguments), inside ``generate_town``. ``np.random.Generator`` as a type hint is fine.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"

#: (file relative to ROOT, function) where creating a generator is allowed
ALLOWED = {("sim/streams.py", None), ("sim/town_layouts.py", "generate_town")}


def _lint_imports() -> str:
    exe = Path(sys.executable).parent / "lint-imports"
    if exe.exists():
        return str(exe)
    found = shutil.which("lint-imports")
    if found is None:  # pragma: no cover - the test extra installs it
        pytest.fail("lint-imports not found next to the Python executable or on PATH")
    return found


def test_import_contracts_hold():
    proc = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _RandomUse(ast.NodeVisitor):
    """Collects (line, what, enclosing function) for every use of a random source."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str | None]] = []
        self.func: list[str] = []
        self.np_names = {"np", "numpy"}
        self.random_aliases: set[str] = set()  # names bound to numpy.random

    def _add(self, node: ast.AST, what: str) -> None:
        self.found.append((node.lineno, what, self.func[0] if self.func else None))

    def visit_FunctionDef(self, node):  # noqa: N802
        self.func.append(node.name)
        self.generic_visit(node)
        self.func.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Import(self, node):  # noqa: N802
        for a in node.names:
            if a.name == "random" or a.name.startswith("random."):
                self._add(node, f"import {a.name}")
            elif a.name == "numpy.random":
                self._add(node, "import numpy.random")
            elif a.name == "numpy":
                self.np_names.add(a.asname or "numpy")

    def visit_ImportFrom(self, node):  # noqa: N802
        mod = node.module or ""
        if mod == "random" or mod.startswith("random."):
            self._add(node, f"from {mod} import ...")
        elif mod.startswith("numpy.random"):
            names = {a.name for a in node.names}
            if names - {"Generator"}:
                self._add(node, f"from {mod} import {', '.join(sorted(names))}")
        elif mod == "numpy" and any(a.name == "random" for a in node.names):
            self._add(node, "from numpy import random")

    def visit_Attribute(self, node):  # noqa: N802
        name = _dotted(node)
        if name:
            parts = name.split(".")
            if len(parts) == 3 and parts[0] in self.np_names and parts[1] == "random":
                if parts[2] != "Generator":
                    self._add(node, name)
                    return
        self.generic_visit(node)

    def visit_Call(self, node):  # noqa: N802
        name = _dotted(node.func)
        if name and name.split(".")[0] in self.np_names and name.endswith("random.Generator"):
            self._add(node, f"{name}(...)")
        self.generic_visit(node)


def random_uses(path: Path) -> list[tuple[int, str, str | None]]:
    v = _RandomUse()
    v.visit(ast.parse(path.read_text(), filename=str(path)))
    return v.found


def test_detector_finds_random_sources(tmp_path):
    p = tmp_path / "m.py"
    p.write_text(
        "import random\nimport numpy as np\nfrom numpy.random import default_rng\n"
        "def f(g: np.random.Generator) -> np.random.Generator:\n"
        "    a = np.random.default_rng(1)\n    np.random.seed(2)\n"
        "    return np.random.Generator(np.random.PCG64(3))\n"
    )
    whats = [w for _, w, _ in random_uses(p)]
    assert "import random" in whats
    assert "np.random.default_rng" in whats and "np.random.seed" in whats
    assert "np.random.Generator(...)" in whats and "np.random.PCG64" in whats
    assert any(w.startswith("from numpy.random") for w in whats)
    assert not any(w == "np.random.Generator" for w in whats)  # type hints are fine


def test_only_streams_and_layout_generator_create_generators():
    files = sorted(SIM.rglob("*.py"))
    assert files
    offenders = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for line, what, func in random_uses(path):
            if (rel, None) in ALLOWED or (rel, func) in ALLOWED:
                continue
            offenders.append(f"{rel}:{line} {what} (in {func or 'module level'})")
    assert not offenders, "random generators created outside sim/streams.py:\n" + "\n".join(
        offenders
    )


def test_streams_is_the_generator_factory():
    uses = random_uses(SIM / "streams.py")
    assert any("SeedSequence" in w for _, w, _ in uses)
    town = random_uses(SIM / "town_layouts.py")
    assert town, "the documented layout generator in sim/town_layouts.py was expected"
    assert {f for _, _, f in town} == {"generate_town"}
