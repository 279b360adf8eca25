"""Determinism: the same inputs give byte-identical results, however and wherever they run.

* repeated runs in one process;
* ``towncentre run`` in fresh processes with ``NUMBA_NUM_THREADS=1`` and ``=2``;
* :func:`sim.runner.compare` serially (one worker) and on a 2-process pool;
* a run checkpointed part-way, resumed in a new model (and from the command line after an
  interruption) ends byte-identical to the uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import cli
from sim.checkpoint import (
    CHECKPOINT_NAME,
    checkpoint_meta,
    load_checkpoint,
    restore_checkpoint,
    run_with_checkpoints,
    save_checkpoint,
)
from sim.model import TownModel
from sim.results import csv_bytes
from sim.runner import compare
from sim.scenarios import InputError

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--years", "0.5", "--residents", "300", "--quiet"]
KW = {
    "scenario": "co_produced",
    "drivers": "recession",
    "town": "linear",
    "residents": 300,
    "years": 0.5,
    "rng": 11,
    "overrides": {"run": {"burn_in_weeks": 8}},
}


def _steps(m: TownModel) -> bytes:
    return csv_bytes(m.results().reset_index(drop=True))


def _state_equal(a: TownModel, b: TownModel) -> None:
    for part in ("res", "units"):
        pa, pb = getattr(a.world, part), getattr(b.world, part)
        for f in dataclasses.fields(pa):
            x, y = getattr(pa, f.name), getattr(pb, f.name)
            assert x.dtype == y.dtype and np.array_equal(x, y), f"{part}.{f.name}"
    for k, v in vars(a.world.col).items():
        assert np.array_equal(v, getattr(b.world.col, k)), f"col.{k}"
    assert a.world.ledger == b.world.ledger
    assert a.outcomes == b.outcomes and a.counts == b.counts
    assert sorted(a.occupier_agents) == sorted(b.occupier_agents)
    ids = sorted(x.unique_id for x in a.agents)
    assert ids == sorted(x.unique_id for x in b.agents)


@pytest.fixture(scope="module")
def reference() -> TownModel:
    m = TownModel(**KW)
    m.run()
    return m


def test_repeated_runs_identical(reference):
    again = TownModel(**KW)
    again.run()
    assert _steps(again) == _steps(reference)
    _state_equal(again, reference)


def _cli_run(tmp: Path, threads: int) -> Path:
    out = tmp / f"threads{threads}"
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
    cmd = [
        sys.executable,
        "-c",
        "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))",
    ]
    cmd += ["run", "town_team", "--seed", "5", *TINY, "--town", "cross", "--out", str(out)]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_thread_counts_give_identical_files(tmp_path):
    a, b = _cli_run(tmp_path, 1), _cli_run(tmp_path, 2)
    for name in ("steps.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_serial_and_process_executors_identical():
    args = {
        "scenarios": ["consumer_led", "co_produced"],
        "seeds": 2,
        "base_seed": 3,
        "town": "linear",
        "residents": 200,
        "years": 0.25,
        "progress": False,
    }
    serial = compare(workers=1, **args)
    procs = compare(workers=2, **args)
    assert serial.seeds == procs.seeds
    assert csv_bytes(serial.steps) == csv_bytes(procs.steps)
    assert csv_bytes(serial.runs) == csv_bytes(procs.runs)


def test_dask_executor_identical():
    """A dask.distributed executor (local cluster, loopback only) gives the serial result."""
    distributed = pytest.importorskip("dask.distributed", reason="dask is an optional extra")
    args = {
        "scenarios": ["co_produced"],
        "seeds": 2,
        "base_seed": 4,
        "town": "linear",
        "residents": 150,
        "years": 0.1,
        "progress": False,
    }
    serial = compare(workers=1, **args)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        ex = client.get_executor()
        dk = compare(executor=ex, **args)
    assert csv_bytes(serial.steps) == csv_bytes(dk.steps)


# ------------------------------------------------------------------------------ checkpoints


@pytest.mark.parametrize("at", [0, 1, 9, 20])
def test_checkpoint_resume_is_identical(tmp_path, reference, at):
    """Save at week ``at`` (0: before any step; 9: just after the burn-in), restore, finish."""
    m = TownModel(**KW)
    for _ in range(at):
        m.step()
    path = save_checkpoint(m, tmp_path / "ck.npz")
    meta = checkpoint_meta(path)
    assert meta["week"] == at and meta["seed"] == 11
    resumed = load_checkpoint(path)  # rebuilt from the inputs stored in the file
    assert resumed.week == at
    resumed.run()
    assert _steps(resumed) == _steps(reference)
    _state_equal(resumed, reference)
    # restoring into a model built from the same inputs gives the same
    other = restore_checkpoint(TownModel(**KW), path)
    other.run()
    assert _steps(other) == _steps(reference)


def test_checkpoint_of_a_finished_run(tmp_path, reference):
    path = save_checkpoint(reference, tmp_path / "end.npz")
    m = load_checkpoint(path)
    assert m.finished and not m.running
    assert _steps(m) == _steps(reference)


def test_checkpoint_refuses_other_inputs(tmp_path):
    m = TownModel(**KW)
    m.step()
    path = save_checkpoint(m, tmp_path / "ck.npz")
    for change, word in (
        ({"rng": 12}, "seed"),
        ({"scenario": "council_led"}, "parameters"),
        ({"drivers": "baseline"}, "drivers"),
        ({"town": "cross"}, "town"),
        ({"residents": 301}, "parameters"),
    ):
        with pytest.raises(InputError, match=word) as exc:
            restore_checkpoint(TownModel(**{**KW, **change}), path)
        assert "\n" not in str(exc.value)


def test_run_with_checkpoints_saves_every_n_weeks(tmp_path, reference):
    weeks = []
    m = TownModel(**KW)
    run_with_checkpoints(m, tmp_path / "ck.npz", 7, on_save=lambda mm: weeks.append(mm.week))
    assert weeks == list(range(7, m.n_weeks, 7))
    assert checkpoint_meta(tmp_path / "ck.npz")["week"] == weeks[-1]
    assert not list(tmp_path.glob(".*")), "temporary files left behind"
    assert _steps(m) == _steps(reference)


def test_cli_interrupted_run_resumes_to_identical_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    whole = tmp_path / "whole"
    args = ["run", "co_produced", "--seed", "8", *TINY, "--town", "linear"]
    assert cli.main([*args, "--out", str(whole)]) == 0
    # interrupted after week 30 with a checkpoint every 12 weeks
    part = tmp_path / "part"
    calls = {"n": 0}
    orig = TownModel.step

    def step(self):
        calls["n"] += 1
        if calls["n"] > 30:
            raise KeyboardInterrupt
        orig(self)

    monkeypatch.setattr(TownModel, "step", step)
    rc = cli.main([*args, "--out", str(part), "--checkpoint-every", "12"])
    assert rc == 130
    assert sorted(p.name for p in part.iterdir()) == [CHECKPOINT_NAME]
    assert checkpoint_meta(part / CHECKPOINT_NAME)["week"] == 24
    monkeypatch.setattr(TownModel, "step", orig)
    capsys.readouterr()
    # resume (the seed comes from the checkpoint) and compare byte for byte
    resume = ["run", "co_produced", *TINY, "--town", "linear", "--out", str(part), "--resume"]
    assert cli.main(resume) == 0
    assert "resumed from" in capsys.readouterr().out
    for name in ("steps.csv", "summary.json"):
        assert (part / name).read_bytes() == (whole / name).read_bytes(), name
    assert json.loads((part / "summary.json").read_text())["seed"] == 8


def test_cli_resume_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "none"
    assert cli.main(["run", "consumer_led", *TINY, "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "checkpoint not found" in err[0]
    assert not out.exists()
    assert cli.main(["run", "consumer_led", *TINY, "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err
    rc = cli.main(["run", "consumer_led", *TINY, "--out", str(out), "--checkpoint-every", "0"])
    assert rc == 2 and "--checkpoint-every" in capsys.readouterr().err
    assert not out.exists()
