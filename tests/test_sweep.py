"""Sweeps: executor independence, resume after a kill, failing runs, validation, shipped files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import sweep
from sim.cli import main
from sim.scenarios import InputError
from sim.streams import replicate_seeds

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "experiments").glob("*.toml"))
TINY = {
    "residents": 30,
    "years": 0.06,
    "town": "generated:linear:12:1",
    "fixed": {"run.burn_in_weeks": 0},
    "outcomes": ["vacancy_rate", "footfall", "mean_ties"],
}
#: Columns that legitimately differ between executions (wall-clock time).
TIMING = ["seconds"]


def tiny(**kw) -> sweep.SweepSpec:
    data = {
        "name": "tiny",
        "scenarios": ["consumer_led", "co_produced"],
        "replicates": 2,
        "parameters": {"drivers.online_scale": [0.5, 1.5]},
        **TINY,
    }
    data.update(kw)
    return sweep.load_sweep(data, where="tiny.toml")


def _write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ executors


def test_serial_processes_and_dask_give_identical_rows(tmp_path):
    spec = tiny()
    a = sweep.run_sweep(spec, tmp_path / "serial", workers=1, progress=False, figures=False)
    b = sweep.run_sweep(spec, tmp_path / "procs", workers=2, progress=False, figures=False)
    c = sweep.run_sweep(
        spec, tmp_path / "dask", workers=2, dask="local", progress=False, figures=False
    )
    assert a.failed == b.failed == c.failed == 0
    assert len(a.runs) == 2 * 2 * 2
    for other in (b, c):
        pd.testing.assert_frame_equal(
            a.runs.drop(columns=TIMING), other.runs.drop(columns=TIMING), check_exact=True
        )
        pd.testing.assert_frame_equal(a.summary, other.summary, check_exact=True)
    # the CSV files agree too (apart from timings)
    ra = pd.read_csv(tmp_path / "serial" / "runs.csv").drop(columns=TIMING)
    rc = pd.read_csv(tmp_path / "dask" / "runs.csv").drop(columns=TIMING)
    pd.testing.assert_frame_equal(ra, rc)


def test_common_random_numbers_and_resume_skips_done_runs(tmp_path):
    spec = tiny()
    res = sweep.run_sweep(spec, tmp_path, workers=1, progress=False, figures=False)
    seeds = replicate_seeds(0, 2)
    # the same seeds in every cell of every scenario
    for _, g in res.runs.groupby(["scenario", "cell"]):
        assert list(g.sort_values("replicate")["seed"]) == seeds
    # the parameter really reaches the model: online share differs between cells
    again = sweep.run_sweep(spec, tmp_path, workers=1, progress=False, figures=False)
    assert again.ran == 0
    pd.testing.assert_frame_equal(res.runs, again.runs)
    # more replicates: only the new ones run (seed list for 3 extends the one for 2)
    more = sweep.run_sweep(tiny(replicates=3), tmp_path, workers=1, progress=False, figures=False)
    assert more.ran == 2 * 2 and len(more.runs) == 12


def test_swept_driver_changes_results(tmp_path):
    spec = tiny(scenarios=["consumer_led"], replicates=1, outcomes=["online_share"])
    res = sweep.run_sweep(spec, tmp_path, workers=1, progress=False, figures=False)
    lo, hi = res.runs.sort_values("drivers.online_scale")["online_share"]
    assert hi > lo


# ------------------------------------------------------------------------------ kill, resume


def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    n_vals = 20
    vals = ", ".join(str(0.5 + 0.05 * i) for i in range(n_vals))
    f = _write_toml(
        tmp_path / "kill.toml",
        f"""
name = "kill"
scenarios = ["consumer_led"]
replicates = 2
residents = 30
years = 0.06
town = "generated:linear:12:1"
outcomes = ["vacancy_rate", "footfall"]
[parameters]
"drivers.online_scale" = [{vals}]
[fixed]
"run.burn_in_weeks" = 0
""",
    )
    out = tmp_path / "out"
    log = out / "runs.jsonl"
    env = {**os.environ, sweep.SLEEP_ENV: "0.15", "NUMBA_NUM_THREADS": "1"}
    code = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, "sweep", str(f), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if log.is_file() and log.read_bytes().count(b"\n") >= 6:
                break
            assert proc.poll() is None, "sweep ended before it could be killed"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
    finally:
        proc.wait(timeout=30)
    done_before = log.read_bytes().count(b"\n")
    total = n_vals * 2
    assert 6 <= done_before < total
    assert not (out / "runs.csv").exists()
    # a torn last line (as a kill mid-write would leave) is dropped on resume
    with log.open("ab") as fh:
        fh.write(b'{"key": "torn", "sta')
    spec = sweep.load_sweep(f)
    res = sweep.run_sweep(spec, out, workers=1, progress=False, figures=False)
    assert res.ran == total - done_before
    assert res.failed == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == total and runs["run_id"].is_unique
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(rows) == total and len({r["key"] for r in rows}) == total
    # and equal to an uninterrupted serial sweep
    ref = sweep.run_sweep(spec, tmp_path / "ref", workers=1, progress=False, figures=False)
    pd.testing.assert_frame_equal(
        ref.runs.drop(columns=TIMING), res.runs.drop(columns=TIMING), check_exact=True
    )


def test_run_log_drops_partial_line(tmp_path):
    log = sweep.RunLog(tmp_path / "runs.jsonl")
    with log:
        log.append({"key": "a", "status": "ok"})
        log.append({"key": "b", "status": "ok"})
    with (tmp_path / "runs.jsonl").open("ab") as fh:
        fh.write(b'{"key": "c"')
    assert [r["key"] for r in log.read()] == ["a", "b"]
    with log:
        log.append({"key": "d", "status": "ok"})
    assert [r["key"] for r in log.read()] == ["a", "b", "d"]
    assert (tmp_path / "runs.jsonl").read_bytes().endswith(b"\n")


# ------------------------------------------------------------------------------ failures


def test_failing_run_is_recorded_and_sweep_completes(tmp_path, monkeypatch, capsys):
    f = _write_toml(
        tmp_path / "f.toml",
        """
scenarios = ["consumer_led"]
replicates = 2
residents = 30
years = 0.06
town = "generated:linear:12:1"
outcomes = ["vacancy_rate"]
[parameters]
"drivers.online_scale" = [0.5, 1.5, 2.0]
[fixed]
"run.burn_in_weeks" = 0
""",
    )
    out = tmp_path / "out"
    monkeypatch.setenv(sweep.FAIL_ENV, "drivers.online_scale=1.5")
    rc = main(["sweep", str(f), "--out", str(out), "--workers", "2", "--quiet", "--no-figures"])
    err = capsys.readouterr().err
    assert rc == 1 and "2 runs failed" in err
    runs = pd.read_csv(out / "runs.csv", keep_default_na=False)
    assert len(runs) == 6
    bad = runs[runs["status"] == "error"]
    assert set(bad["drivers.online_scale"]) == {1.5} and len(bad) == 2
    assert bad["error"].str.contains("RuntimeError: test failure hook").all()
    assert (runs[runs["status"] == "ok"]["vacancy_rate"] != "").all()
    # rerun without the fault: only the failed runs run again, each run appears once
    monkeypatch.delenv(sweep.FAIL_ENV)
    assert main(["sweep", str(f), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and (runs["status"] == "ok").all() and runs["run_id"].is_unique
    assert "ok (2 run now)" in capsys.readouterr().out


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[parameters]\n"landlords.rent_flor" = [0.5]', "did you mean 'landlords.rent_floor'"),
        ('[parameters]\n"drivers.online_scal" = [1.0]', "did you mean 'drivers.online_scale'"),
        ('[parameters]\n"landlords.rent_floor" = [9.0]', "outside [0, 2]"),
        ('[parameters]\n"drivers.online_scale" = [-1.0]', "outside [0, 10]"),
        ('[design]\nkind = "sobal"', "did you mean 'sobol'"),
        (
            '[design]\nkind = "sobol"\nsamples = 6\n[parameters]\n"ties.decay" = [0.0, 0.1]',
            "power of 2",
        ),
        ('[design]\nkind = "lhs"\n[parameters]\n"ties.decay" = [0.1]', "needs a range"),
        ("replicats = 3", "did you mean 'replicates'"),
        ('outcomes = ["vacancy_rat"]', "did you mean 'vacancy_rate'"),
        ('scenarios = ["consumer_lead"]', "did you mean 'consumer_led'"),
        ("[parameters", "not valid TOML"),
    ],
)
def test_bad_sweep_files_give_one_line_errors(tmp_path, capsys, body, needle):
    f = _write_toml(tmp_path / "bad.toml", body + "\n")
    rc = main(["sweep", str(f), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("towncentre: error: ") and err.count("\n") == 1
    assert needle in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_unknown_size_and_missing_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert "sweep file not found" in capsys.readouterr().err
    with pytest.raises(InputError, match="--size"):
        sweep.load_sweep(SHIPPED[0], size="huge")


# ------------------------------------------------------------------------------ shipped files


def test_shipped_sweep_files_exist():
    names = {p.stem for p in SHIPPED}
    assert {"governance_online", "online_rent_floor", "sobol_main"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_sweep_runs_small(tmp_path, path):
    full = sweep.load_sweep(path)
    spec = sweep.load_sweep(path, size="small")
    assert spec.outcomes == full.outcomes and spec.keys == full.keys
    res = sweep.run_sweep(spec, tmp_path, workers=1, progress=False)
    assert res.failed == 0 and len(res.runs) == len(sweep.plan(spec))
    for f in ("runs.csv", "summary.csv", "design.csv", "sweep.json", "report.md"):
        assert (tmp_path / f).is_file()
    figs = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert figs, "no figures drawn"
    if len(spec.scenarios) > 1:
        assert "distributions.png" in figs
    if spec.design == "grid" and len(spec.keys) == 1:
        assert "response.png" in figs
    if spec.design == "grid" and len(spec.keys) == 2:
        assert f"surface_{spec.scenarios[0].name}.png" in figs
    if spec.design in ("sobol", "morris"):
        assert "sensitivity.png" in figs and (tmp_path / "sensitivity.csv").is_file()
    report = (tmp_path / "report.md").read_text()
    for fig in figs:
        assert f"figures/{fig}" in report


def test_cli_small_and_readme_lists_full_commands(tmp_path, capsys):
    rc = main(
        [
            "sweep",
            "experiments/online_rent_floor.toml",
            "--size",
            "small",
            "--out",
            str(tmp_path),
            "--workers",
            "1",
            "--quiet",
            "--no-figures",
        ]
    )
    assert rc == 0
    assert "8 of 8 runs ok" in capsys.readouterr().out
    readme = (ROOT / "README.md").read_text()
    for p in SHIPPED:
        assert f"towncentre sweep experiments/{p.name}" in readme


def test_sweep_with_a_posterior_draws_per_replicate(tmp_path):
    """``posterior = "p.csv"``: replicate r of every cell runs with the same parameter draw,
    recorded in runs.csv; a parameter the design sets is the design's."""
    (tmp_path / "p.csv").write_text(
        "weight,entrants.arrival_rate,occupiers.exit_hazard\n1,0.5,0.01\n1,3.0,0.09\n"
    )
    spec = sweep.load_sweep(
        {
            **TINY,
            "name": "post",
            "scenarios": ["consumer_led"],
            "replicates": 3,
            "parameters": {"occupiers.exit_hazard": [0.02, 0.05]},
            "posterior": "p.csv",
        },
        base=tmp_path,
    )
    tasks = sweep.plan(spec)
    by_rep = {}
    for t in tasks:
        assert t.point["occupiers.exit_hazard"] in (0.02, 0.05)  # the design's, not the draw
        by_rep.setdefault(t.replicate, set()).add(t.point["entrants.arrival_rate"])
    assert all(len(v) == 1 for v in by_rep.values())  # the same draw in every cell
    res = sweep.run_sweep(spec, tmp_path / "out", workers=1, progress=False, figures=False)
    assert "entrants.arrival_rate" in res.runs.columns and res.failed == 0
    with pytest.raises(InputError, match="posterior"):
        sweep.load_sweep({**TINY, "name": "x", "posterior": 3})
