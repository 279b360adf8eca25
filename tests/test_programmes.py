"""Programmes that start and stop, money that binds, and what a comparison reports about them
(issue 14, "Done when" 2-5).

* ``[programme] start_year``/``end_year`` and lever paths: the levers apply inside the
  window (with each path's value), the market defaults outside it; bad tables are one-line
  errors naming the file, the field and what is allowed;
* every bundled scenario over 10 years keeps its town-centre balance within [0, a year of
  allocation], reports its public spend, and co_produced and council_led cost the same
  within 5%;
* a programme that ends spends, afterwards, no more public money than consumer-led;
* consumer-led with meanwhile leases alone has meanwhile occupiers in every seed;
* ``towncentre compare`` writes ``cost_effectiveness.csv`` (the issue's columns) and
  ``legacy.csv``, and the report shows them with units, and the levers with no takers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.model import TownModel
from sim.params import Params
from sim.report import COST_COLUMNS, lever_takers
from sim.runner import CompareResult, compare
from sim.scenarios import InputError, load_scenario, scenario_names

THREE_YEARS = "experiments/programmes/co_produced_3_years.toml"


def write(tmp_path, body: str, name: str = "p.toml"):
    path = tmp_path / name
    path.write_text(f'name = "p"\n{body}\n', encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# Programme windows and lever paths


def test_levers_apply_inside_the_programme_window_and_follow_their_paths(tmp_path):
    path = write(
        tmp_path,
        "[programme]\nstart_year = 2010\nend_year = 2014\n"
        "[council]\nallocation = 9000.0\n"
        "events = { year = [2011, 2012.5], value = [4000.0, 2000.0] }\n",
    )
    scn = load_scenario(path)
    assert (scn.programme_start, scn.programme_end) == (2010.0, 2014.0)
    m = TownModel(scn, residents=50, years=8, rng=1)  # baseline drivers: week 0 is 2008.0
    assert m.window == (104, 312)
    default = Params().council
    for week, allocation, events in [
        (0, default.allocation, 0.0),  # burn-in
        (103, default.allocation, 0.0),  # before the programme
        (104, 9000.0, 0.0),  # the programme, before the path's first year: the default
        (156, 9000.0, 4000.0),  # 2011
        (233, 9000.0, 4000.0),  # 2012.48
        (234, 9000.0, 2000.0),  # 2012.5
        (311, 9000.0, 2000.0),
        (312, default.allocation, 0.0),  # the programme has ended
    ]:
        c = m.pars_at(week).council
        assert (c.allocation, c.events) == (allocation, events), week
    assert m.pars_at(156) is m.pars_at(157)  # one parameter set per step of the paths


@pytest.mark.parametrize(
    "body, needle",
    [
        ("[programme]\nstart_year = 2012\nend_year = 2010", "programme.end_year = 2010"),
        ("[programme]\nend = 2010", "unknown key 'programme.end'"),
        ("[programme]\nstart_year = 1700", "programme.start_year = 1700 is outside"),
        ('[programme]\nstart_year = "soon"', "must be a number"),
        ("programme = 3", "[programme] must be a table"),
        ("[council]\nevents = { year = [2010], value = [1.0, 2.0] }", "equal, non-zero length"),
        ("[council]\nevents = { year = [2012, 2010], value = [1.0, 2.0] }", "increase strictly"),
        ("[council]\nevents = { year = [2010], value = [-5.0] }", "council.events = -5.0"),
        ("[council]\nevent_uplift = { year = [2010], value = [0.1] }", "is not a lever"),
        ("[council]\nevents = { year = [2010], when = [1] }", "unknown key 'council.events.when"),
        ("[council]\nevnts = { year = [2010], value = [1.0] }", "did you mean"),
    ],
)
def test_bad_programmes_and_paths_are_one_line_errors(tmp_path, capsys, body, needle):
    path = write(tmp_path, body)
    with pytest.raises(InputError, match=None) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and needle in msg, msg
    # through the command line: exit 2, one line, no traceback, nothing written
    out = tmp_path / "out"
    assert main(["run", str(path), "--years", "0.1", "--residents", "20", "--out", str(out)]) == 2
    text = capsys.readouterr()
    assert "Traceback" not in text.err and len(text.err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------------------------------------
# Money that binds: every bundled scenario over 10 years


@pytest.mark.slow
def test_every_bundled_scenario_keeps_its_account_within_a_year_of_allocation():
    totals = {}
    for name in scenario_names():
        m = TownModel(name, rng=1)  # the example town, 5,000 residents, 10 years
        assert m.pars.run.years == 10.0
        m.run()
        df = m.results()
        allocation = m.pars.council.allocation
        assert df["council_balance"].min() >= 0.0, name
        assert df["council_balance"].max() <= 52 * allocation + 1e-6, name
        assert df["public_spend"].iloc[1:].gt(0).all(), name  # reported every week
        # weekly spending never exceeds the allocation plus what the account held
        held = df["council_balance"].shift(1).fillna(0.0)
        assert (df["public_spend"] <= held + max(allocation, 1500.0) + 1e-6).all(), name
        totals[name] = df["public_spend"].sum()
    # "the same total public money": co_produced and council_led within 5%
    co, cl = totals["co_produced"], totals["council_led"]
    assert abs(co - cl) / max(co, cl) < 0.05, totals
    # the Portas Pilot: about GBP 100k a year of public money beyond consumer-led's
    extra = (totals["town_team"] - totals["consumer_led"]) / 10.0
    assert 90_000 < extra < 110_000, totals


@pytest.mark.slow
def test_spending_stops_when_the_programme_ends_and_compare_shows_the_legacy(tmp_path):
    res = compare(
        ["consumer_led", THREE_YEARS], seeds=2, residents=1000, years=10, workers=1,
        progress=False,
    )  # fmt: skip
    st = res.steps
    first, end, weeks = res.windows["co_produced_3_years"]
    assert (first, end) == (52, 208)  # 2009 to 2012 with the baseline drivers
    for seed in range(2):
        a = st[(st["scenario"] == "consumer_led") & (st["seed_index"] == seed)]
        b = st[(st["scenario"] == "co_produced_3_years") & (st["seed_index"] == seed)]
        after = b["week"].to_numpy() > end
        spent = b["public_spend"].to_numpy()[after]
        baseline = a["public_spend"].to_numpy()[after]
        assert (spent <= baseline + 1e-9).all()
        during = (b["week"] > first) & (b["week"] <= end)
        assert b.loc[during, "public_spend"].mean() > 15_000  # it did spend while it ran
    from sim.report import write_compare

    report = write_compare(tmp_path, res, figures=False).read_text()
    assert "## Legacy: after the programme ends" in report
    assert "| outcome | year 1 after | year 3 after | year 5 after |" in report
    legacy = pd.read_csv(tmp_path / "legacy.csv")
    assert set(legacy["years_after_end"]) == {1, 3, 5}
    assert legacy["n"].eq(2).all() and legacy["mean"].notna().all()


@pytest.mark.slow
def test_meanwhile_leases_alone_bring_meanwhile_occupiers_in_every_seed(tmp_path):
    path = write(tmp_path, "[landlords]\nmeanwhile = true", "consumer_meanwhile.toml")
    for seed in range(5):
        m = TownModel(path, residents=1000, years=3, rng=seed)
        m.run()
        df = m.results()
        assert df["meanwhile_units"].max() > 0, seed
        base = TownModel("consumer_led", residents=1000, years=3, rng=seed)
        base.run()
        assert base.results()["meanwhile_units"].max() == 0  # the lever, not something else


# ------------------------------------------------------------------------------------------
# What each pound buys, and levers with no takers


def test_compare_writes_cost_effectiveness_with_the_issues_columns_and_units(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "consumer_led", "co_produced", "--seeds", "2", "--residents", "40"]
    args += ["--years", "0.3", "--town", "linear", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    cost = pd.read_csv(out / "cost_effectiveness.csv")
    want = ["scenario"] + [f"{c}{x}" for c in COST_COLUMNS for x in ("", "_lo", "_hi")]
    assert list(cost.columns) == want
    assert set(COST_COLUMNS) == {
        "public_spend_gbp",
        "vacant_unit_years_avoided",
        "gbp_per_vacant_unit_year_avoided",
        "footfall_change",
        "gbp_per_extra_visit",
    }
    assert cost["scenario"].tolist() == ["consumer_led", "co_produced"]
    assert cost.loc[0, "vacant_unit_years_avoided"] == 0.0
    # co_produced spends more public money than the market setting
    assert cost.loc[1, "public_spend_gbp"] > cost.loc[0, "public_spend_gbp"]
    report = (out / "report.md").read_text()
    assert "## What each pound buys (against consumer_led)" in report
    for unit in ("(GBP over the run)", "(unit-years)", "(GBP per unit-year)", "(GBP per trip)"):
        assert unit in report
    assert "## Public money" in report and "## Levers and their takers" in report
    assert "vacancy_rate_trading" in report


def _result(meanwhile_units: list[list[float]]) -> CompareResult:
    """A two-scenario comparison whose second scenario offers meanwhile leases."""
    rows = []
    for k, series in enumerate(meanwhile_units):
        for w, v in enumerate(series):
            for s, mw in (("consumer_led", 0.0), ("offers", v)):
                rows.append(
                    {"scenario": s, "seed_index": k, "week": w, "policy": float(w > 0),
                     "meanwhile_units": mw}
                )  # fmt: skip
    return CompareResult(
        scenarios=["consumer_led", "offers"],
        descriptions={},
        files={},
        seeds=list(range(len(meanwhile_units))),
        base_seed=0,
        steps=pd.DataFrame(rows),
        runs=pd.DataFrame(),
        levers={"consumer_led": {}, "offers": {"landlords.meanwhile": True}},
    )


def test_a_lever_with_no_takers_is_reported():
    from sim.report import _taker_lines

    none = lever_takers(_result([[0, 0, 0], [0, 0, 0]]))
    assert none[["scenario", "lever", "seeds_taken", "seeds"]].values.tolist() == [
        ["offers", "landlords.meanwhile", 0, 2]
    ]
    text = "\n".join(_taker_lines(none))
    assert "meanwhile leases offered (`landlords.meanwhile`): **no takers in any seed**" in text
    some = lever_takers(_result([[0, 0, 2], [0, 0, 0]]))
    assert some["seeds_taken"].tolist() == [1]
    assert "taken up in 1 of 2 seeds" in "\n".join(_taker_lines(some))


def test_ratio_interval_is_fiellers_and_unresolved_gains_give_none():
    from sim.report_tables import ratio_interval

    cost = np.array([100.0, 110.0, 90.0, 100.0])
    gain = np.array([10.0, 11.0, 9.0, 10.0])
    r, lo, hi = ratio_interval(cost, gain)
    assert r == pytest.approx(10.0) and lo == pytest.approx(10.0) and hi == pytest.approx(10.0)
    r, lo, hi = ratio_interval(cost, np.array([10.0, -9.0, 8.0, -8.0]))
    assert np.isnan([r, lo, hi]).all()  # the gain's interval includes 0: not resolved
    r, lo, hi = ratio_interval(cost, np.array([10.0, 12.0, 8.0, 11.0]))
    assert lo < r < hi
