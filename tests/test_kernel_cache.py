"""Numba's cache keyed to the package source (sim/__init__.py): a stale kernel is impossible.

Numba's ``cache=True`` notices edits to the compiled function's own file only; importing
``sim`` points ``NUMBA_CACHE_DIR`` at a folder keyed by a hash of every ``.py`` file of the
package, so any edit starts a new cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim


def _copy_package(dest: Path) -> Path:
    """A copy of the package's ``.py`` files under ``dest/sim``; returns that folder."""
    pkg = dest / "sim"
    shutil.copytree(sim.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.nb?"))
    return pkg


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH")}
    env.update(extra)
    return env


# ------------------------------------------------------------------------------ the key


def test_key_changes_when_any_source_file_changes(tmp_path):
    pkg = _copy_package(tmp_path)
    files = sorted(pkg.rglob("*.py"))
    assert len(files) >= 20 and pkg / "rules" / "trips.py" in files
    start = sim.source_hash(pkg)
    assert start == sim.source_hash(pkg)  # stable
    for f in files:
        text = f.read_bytes()
        f.write_bytes(text + b"\n# edited\n")
        assert sim.source_hash(pkg) != start, f.relative_to(pkg)
        f.write_bytes(text)
        assert sim.source_hash(pkg) == start
    new = pkg / "rules" / "new_rule.py"
    new.write_text("X = 1\n")
    assert sim.source_hash(pkg) != start  # a new file
    new.rename(pkg / "rules" / "renamed_rule.py")
    with_renamed = sim.source_hash(pkg)
    assert with_renamed not in (start, sim.source_hash(pkg.parent))
    (pkg / "rules" / "renamed_rule.py").unlink()
    (pkg / "notes.txt").write_text("not source")
    assert sim.source_hash(pkg) == start  # only .py files count


def test_hashing_takes_milliseconds():
    best = min(_timed(sim.source_hash) for _ in range(5))
    assert best < 0.05, f"hashing the package took {best * 1e3:.1f} ms"


def _timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def test_cache_dir_under_user_numba_cache_dir_or_xdg(tmp_path, monkeypatch):
    key = "0123456789abcdef"
    user = tmp_path / "mine"
    assert sim.kernel_cache_dir(key, {"NUMBA_CACHE_DIR": str(user)}) == user / f"towncentre-{key}"
    # a child process inherits the keyed folder: it stays there (no nesting)
    keyed = str(user / f"towncentre-{key}")
    assert sim.kernel_cache_dir(key, {"NUMBA_CACHE_DIR": keyed}) == user / f"towncentre-{key}"
    other = str(user / "towncentre-fedcba9876543210")
    assert sim.kernel_cache_dir(key, {"NUMBA_CACHE_DIR": other}) == user / f"towncentre-{key}"
    xdg = tmp_path / "xdg"
    want = xdg / "towncentre" / "numba" / f"towncentre-{key}"
    assert sim.kernel_cache_dir(key, {"XDG_CACHE_HOME": str(xdg)}) == want
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    want = tmp_path / "home" / ".cache" / "towncentre" / "numba" / f"towncentre-{key}"
    assert sim.kernel_cache_dir(key, {}) == want


def test_this_process_uses_the_keyed_folder():
    import numba

    assert sim.KERNEL_CACHE_DIR.name == f"towncentre-{sim.source_hash()}"
    assert os.environ["NUMBA_CACHE_DIR"] == str(sim.KERNEL_CACHE_DIR)
    assert numba.config.CACHE_DIR == str(sim.KERNEL_CACHE_DIR)
    assert sim.PACKAGE_DIR not in sim.KERNEL_CACHE_DIR.parents  # never in the package


def test_old_folders_are_pruned(tmp_path):
    current = tmp_path / "towncentre-0000000000000000"
    old = tmp_path / "towncentre-1111111111111111"
    recent = tmp_path / "towncentre-2222222222222222"
    foreign = tmp_path / "someone-elses-cache"
    for d in (current, old, recent, foreign):
        (d / "sub").mkdir(parents=True)
    day_ago = time.time() - 2 * sim.PRUNE_AFTER_S
    for d in (current, old, foreign):
        os.utime(d, (day_ago, day_ago))
    assert sim.prune_kernel_caches(current) == [old]
    assert current.is_dir() and recent.is_dir() and foreign.is_dir() and not old.exists()


# ------------------------------------------------------------------------------ in a process

_CHECK = """
import sys
{first}
import sim.model
import numba
from sim import logit
print(numba.config.CACHE_DIR)
print(sim.KERNEL_CACHE_DIR)
print(logit.guide_tables_nb._cache._cache_path)
"""


@pytest.mark.parametrize("first", ["", "import numba"], ids=["sim-first", "numba-first"])
def test_cache_dir_is_set_before_numba_compiles(tmp_path, first):
    user = tmp_path / "numba-cache"
    proc = subprocess.run(
        [sys.executable, "-c", _CHECK.format(first=first)],
        env=_env(NUMBA_CACHE_DIR=str(user)),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    config_dir, folder, kernel_dir = proc.stdout.split("\n")[:3]
    assert folder == str(user / f"towncentre-{sim.source_hash()}")
    assert config_dir == folder
    assert Path(kernel_dir).parent == Path(folder)  # the kernels' cache is in it


_HELPER = """
from numba import njit


@njit(cache=True)
def helper(x):
    return x + {step}
"""

_CALLER = """
from numba import njit

from sim._probe_helper import helper


@njit(cache=True)
def caller(x):
    return 10 * helper(x)


if __name__ == "__main__":
    print(caller(1), sum(caller.stats.cache_hits.values()))
"""


def test_editing_a_helper_in_another_module_reaches_a_cached_caller(tmp_path):
    """End to end, in fresh processes: numba alone would load the caller's stale cache
    (its own file did not change); the source-keyed folder makes it compile again."""
    pkg = _copy_package(tmp_path / "src")
    (pkg / "_probe_helper.py").write_text(_HELPER.format(step=1))
    (pkg / "_probe_caller.py").write_text(_CALLER)
    env = _env(NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path / "src"))

    def caller_of_one() -> tuple[int, int]:
        proc = subprocess.run(
            [sys.executable, "-m", "sim._probe_caller"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        value, hits = proc.stdout.split()
        return int(value), int(hits)

    assert caller_of_one() == (20, 0)  # compiled
    assert caller_of_one() == (20, 1)  # loaded from the cache
    (pkg / "_probe_helper.py").write_text(_HELPER.format(step=2))
    assert caller_of_one() == (30, 0)  # the helper's edit reached the caller
    assert caller_of_one() == (30, 1)
    folders = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(folders) == 2 and all(f.startswith("towncentre-") for f in folders)


def test_kernels_compiled_reads_the_index_files(tmp_path, monkeypatch):
    monkeypatch.setattr(sim, "KERNEL_CACHE_DIR", tmp_path)
    (tmp_path / "sim_0123").mkdir()  # numba makes its folders at import
    assert not sim.kernels_compiled()
    (tmp_path / "sim_0123" / "logit.guide_tables_nb-17.py311.nbi").write_bytes(b"")
    assert sim.kernels_compiled()
