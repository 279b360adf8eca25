"""Runner and results: executor independence, paired tables, atomic and reproducible files."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import plotting, runner
from sim.execution import default_executor
from sim.report import compare_tables, write_compare
from sim.results import interval, summarise, write_run
from sim.runner import compare, run_one
from sim.scenarios import InputError
from sim.streams import replicate_seeds

SCENARIOS = ["consumer_led", "council_led"]
TINY = {"years": 0.5, "residents": 300}


@pytest.fixture(scope="module")
def serial() -> runner.CompareResult:
    return compare(SCENARIOS, seeds=2, base_seed=3, workers=1, progress=False, **TINY)


def test_process_pool_equals_serial(serial):
    with default_executor(2) as ex:  # an executor the caller owns
        pooled = compare(SCENARIOS, seeds=2, base_seed=3, executor=ex, progress=False, **TINY)
    pd.testing.assert_frame_equal(serial.steps, pooled.steps, check_exact=True)
    pd.testing.assert_frame_equal(serial.runs, pooled.runs, check_exact=True)
    assert serial.seeds == pooled.seeds == replicate_seeds(3, 2)


def test_dask_local_cluster_writes_the_serial_files(serial, tmp_path):
    dk = compare(SCENARIOS, seeds=2, base_seed=3, workers=2, dask="local", progress=False, **TINY)
    pd.testing.assert_frame_equal(serial.steps, dk.steps, check_exact=True)
    a = write_compare(tmp_path / "serial", serial, figures=False).parent
    b = write_compare(tmp_path / "dask", dk, figures=False).parent
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir()) and "comparison.csv" in files
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_common_random_numbers_and_layout(serial):
    st = serial.steps
    assert list(st.columns[:4]) == ["scenario", "seed_index", "seed", "week"]
    assert list(pd.unique(st["scenario"])) == SCENARIOS
    # replicate i of every scenario uses the same seed
    seeds = st.groupby(["scenario", "seed_index"])["seed"].first().unstack(0)
    assert (seeds["consumer_led"] == seeds["council_led"]).all()
    # scenarios share the burn-in exactly (levers start after it)
    burn = st[st["policy"] == 0]
    a = burn[burn["scenario"] == "consumer_led"].drop(columns="scenario").reset_index(drop=True)
    b = burn[burn["scenario"] == "council_led"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert len(serial.runs) == 4


def test_one_run_matches_compare(serial):
    df, meta = run_one("council_led", seed=serial.seeds[1], **TINY)
    got = serial.steps[
        (serial.steps["scenario"] == "council_led") & (serial.steps["seed_index"] == 1)
    ]
    assert np.array_equal(got["vacancy_rate"].to_numpy(), df["vacancy_rate"].to_numpy())
    assert meta["seed"] == serial.seeds[1] and meta["scenario"]["name"] == "council_led"


def test_tables_shape(serial):
    table, paired = compare_tables(serial)
    n_out = len(serial.outcomes)
    assert "week" not in serial.outcomes and "vacancy_rate" in serial.outcomes
    assert len(table) == 2 * n_out
    assert set(table.columns) >= {"scenario", "outcome", "mean", "lo", "hi", "n"}
    assert len(paired) == n_out
    assert set(paired["scenario"]) == {"council_led"}
    assert set(paired["baseline"]) == {"consumer_led"}
    assert (paired["n"] == 2).all()
    assert (table["lo"] <= table["mean"] + 1e-12).all()
    assert (table["mean"] <= table["hi"] + 1e-12).all()
    # the paired mean is the difference of the means
    t = table.set_index(["scenario", "outcome"])["mean"]
    p = paired.set_index("outcome")["mean"]
    for o in ("vacancy_rate", "mean_ties"):
        assert p[o] == pytest.approx(t[("council_led", o)] - t[("consumer_led", o)])


def test_baseline_falls_back_to_first(serial):
    other = dataclasses.replace(serial, scenarios=["council_led", "consumer_x"])
    assert other.baseline == "council_led"
    assert serial.baseline == "consumer_led"


def test_write_compare_writes_all_and_keeps_other_files(serial, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    report = write_compare(out, serial)
    assert report == out / "report.md"
    for name in (
        "comparison.csv",
        "paired_differences.csv",
        "runs.csv",
        "timeseries.csv.gz",
        "compare.json",
        "report.md",
        "figures/outcomes.png",
        "figures/paired_differences.png",
        "figures/vacancy_rate.png",
    ):
        assert (out / name).is_file(), name
    assert (out / "notes.txt").read_text() == "mine"
    text = report.read_text()
    assert "consumer_led" in text and "figures/outcomes.png" in text and "95%" in text
    assert "| `vacancy_rate` |" in text
    ts = pd.read_csv(out / "timeseries.csv.gz")
    assert set(ts["scenario"]) == set(SCENARIOS)
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]  # no temporary sibling left
    # rewriting gives identical bytes (no timestamps)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_compare(out, serial)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after


def test_failed_write_compare_leaves_nothing(serial, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "report.md").write_text("old report")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(plotting, "paired_figure", boom)
    with pytest.raises(RuntimeError):
        write_compare(out, serial)
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]
    assert (out / "report.md").read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


def test_compare_validates_before_running(tmp_path):
    with pytest.raises(InputError, match=r"\[1, 10000\]"):
        compare(SCENARIOS, seeds=0, progress=False)
    with pytest.raises(InputError, match="run.years"):
        compare(SCENARIOS, seeds=1, years=-1, progress=False)
    with pytest.raises(InputError, match="distinct name"):
        compare(["consumer_led", "consumer_led"], seeds=1, progress=False)


# ------------------------------------------------------------------------------ results


def test_interval_matches_scipy():
    x = [1.0, 2.0, 4.0, 7.0]
    m, lo, hi = interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert m == pytest.approx(3.5)
    assert (lo, hi) == pytest.approx(ref)
    assert interval([2.5]) == (2.5, 2.5, 2.5)
    assert interval([3.0, 3.0]) == (3.0, 3.0, 3.0)
    assert all(math.isnan(v) for v in interval([]))


def test_summarise_final_year_and_short_runs():
    n = 60
    df = pd.DataFrame(
        {
            "week": np.arange(n, dtype=float),
            "year": 2008 + np.arange(n) / 52,
            "policy": (np.arange(n) > 5).astype(float),
            "a": np.arange(n, dtype=float),
        }
    )
    s = summarise(df)
    assert list(s) == ["a"]
    assert s["a"] == pytest.approx(np.arange(8, 60).mean())
    assert summarise(df.iloc[:10])["a"] == pytest.approx(4.5)


def test_write_run_is_deterministic_and_atomic(tmp_path):
    df = pd.DataFrame(
        {"week": [0.0, 1.0], "year": [2008.0, 2008.02], "policy": [0.0, 1.0], "x": [0.1, 1 / 3]}
    )
    meta = {"seed": 5, "scenario": {"name": "s", "file": "f"}, "parameters": {"g": {"k": 1}}}
    a, b = tmp_path / "a", tmp_path / "b"
    write_run(a, df, meta)
    write_run(b, df, meta)
    for name in ("steps.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert sorted(p.name for p in a.iterdir()) == ["steps.csv", "summary.json"]
    assert (a / "steps.csv").read_text().splitlines()[2] == "1,2008.02,1,0.3333333333"
    assert Path(a / "summary.json").read_text().endswith("}\n")


def test_write_compare_without_figures(serial, tmp_path):
    report = write_compare(tmp_path / "plain", serial, figures=False)
    assert not (tmp_path / "plain" / "figures").exists()
    assert "## Figures" not in report.read_text()


def test_compare_with_a_posterior_draws_parameters_per_replicate(tmp_path):
    """--posterior: replicate i of every scenario uses one draw from the posterior and the
    same seed; a parameter the scenario sets keeps the scenario's value; the meta data and
    the report say that the intervals carry parameter uncertainty."""
    post = tmp_path / "p.csv"
    post.write_text(
        "# a tiny posterior\nweight,entrants.arrival_rate,council.event_uplift\n"
        "1,0.5,0.1\n3,4.0,0.2\n"
    )
    kw = {"seeds": 4, "residents": 80, "years": 0.1, "town": "generated:linear:20:1"}
    res = compare(["consumer_led"], workers=1, progress=False, posterior=post, **kw)
    draws = res.meta["posterior"]["draws"]
    assert len(draws) == 4 and res.meta["posterior"]["particles"] == 2
    assert {d["entrants"]["arrival_rate"] for d in draws} <= {0.5, 4.0}
    assert "parameter uncertainty" in res.meta["uncertainty"]
    again = compare(["consumer_led"], workers=1, progress=False, posterior=post, **kw)
    pd.testing.assert_frame_equal(res.runs, again.runs)  # reproducible draws
    plain = compare(["consumer_led"], workers=1, progress=False, **kw)
    assert "seed noise only" in plain.meta["uncertainty"]
    assert not res.runs["openings"].equals(plain.runs["openings"])
    scn = runner.load_scenario("co_produced")
    kept = runner._not_set_by(scn, {"council": {"event_uplift": 0.2, "events": 1.0}})
    assert kept["council"] == {"event_uplift": 0.2}  # co_produced sets its own events
    write_compare(tmp_path / "out", res, figures=False)
    assert "parameter uncertainty" in (tmp_path / "out" / "report.md").read_text()
