"""Packaging (issue 15): a non-editable install finds the bundled scenarios, drivers and towns.

Builds the wheel offline from a copy of the source (as a clean clone has it), installs it
into a fresh virtual environment (no dependencies: those are borrowed from this test's
environment through a ``.pth`` file, so nothing is downloaded), then runs ``towncentre``
from an empty folder. The kernels compile in that install's own numba cache (a temporary
``XDG_CACHE_HOME``), so this takes a minute or two.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPILE_NOTE = "compiling the model's kernels"


def _sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, ok: bool = True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert proc.returncode == 0, f"{args}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """A wheel built from a copy of the source, installed into a fresh venv."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nb?")
    for name in ("sim", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    pip = [sys.executable, "-m", "pip"]
    offline = ["--no-deps", "--no-index"]
    _sh([*pip, "wheel", *offline, "--no-build-isolation", "-w", "dist", "./src"], tmp)
    (wheel,) = (tmp / "dist").glob("towncentre-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    _sh([*pip, "--python", str(py), "install", *offline, str(wheel)], tmp)
    purelib = _sh([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp)
    site = Path(purelib.stdout.strip())
    (site / "towncentre-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = tmp / "elsewhere"
    empty.mkdir()
    return {"wheel": wheel, "bin": env_dir / "bin", "site": site, "cwd": empty, "tmp": tmp}


def _env(installed: dict[str, Path]) -> dict[str, str]:
    drop = ("NUMBA_CACHE_DIR", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["XDG_CACHE_HOME"] = str(installed["tmp"] / "cache")
    env["PATH"] = f"{installed['bin']}{os.pathsep}{env.get('PATH', '')}"
    return env


def _towncentre(installed, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    exe = str(installed["bin"] / "towncentre")
    return _sh([exe, *args], installed["cwd"], _env(installed), ok=ok)


def test_wheel_ships_the_bundled_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for f in sorted((ROOT / "scenarios").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            rel = f.relative_to(ROOT / "scenarios").as_posix()
            assert f"sim/bundled/{rel}" in names, rel
    assert not any(n.startswith("scenarios/") for n in names)


@pytest.mark.slow
def test_installed_command_works_from_an_empty_folder(installed):
    bundled = installed["site"] / "sim" / "bundled"
    out = _towncentre(installed, "scenarios").stdout
    assert f"Scenarios ({bundled}):" in out
    for name in ("consumer_led", "council_led", "town_team", "co_produced", "pandemic"):
        assert f"  {name}" in out
    assert "example_town" in out
    bad = _towncentre(installed, "run", "consumer_lead", ok=False)
    assert bad.returncode == 2
    assert "did you mean 'consumer_led'?" in bad.stderr
    assert "co_produced, consumer_led, council_led, town_team" in bad.stderr
    tiny = ["--seed", "1", "--residents", "200", "--years", "0.1", "--quiet"]
    first = _towncentre(installed, "run", "consumer_led", *tiny, "--out", "r1")
    assert COMPILE_NOTE in first.stderr  # the install's cache was empty
    summary = json.loads((installed["cwd"] / "r1" / "summary.json").read_text())
    assert summary["scenario"]["file"] == "scenarios/consumer_led.toml"
    assert summary["town"]["source"] == "scenarios/towns/example_town.csv"
    second = _towncentre(installed, "run", "consumer_led", *tiny, "--town", "grid", "--out", "r2")
    assert COMPILE_NOTE not in second.stderr  # compiled once, cached
    cmp = ["compare", "--seeds", "2", "--workers", "1", "--residents", "200", "--years", "0.1"]
    _towncentre(installed, *cmp, "--quiet")
    assert (installed["cwd"] / "results" / "compare" / "report.md").is_file()
    assert sorted(p.name for p in installed["cwd"].iterdir()) == ["r1", "r2", "results"]
