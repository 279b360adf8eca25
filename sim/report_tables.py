"""The tables of a scenario comparison (the numbers behind :mod:`sim.report`'s report).

* :func:`compare_tables` gives each outcome's mean and interval per scenario and the paired
  differences against the baseline scenario (consumer-led);
* :func:`legacy_table` gives each headline outcome's paired difference one, three and five
  years after a scenario's programme ends; :func:`cost_effectiveness` what each pound of
  public money buys against the first scenario; :func:`lever_takers` whether the levers a
  scenario offers found any takers;
* :func:`timeseries_means` gives per-week means over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import HEADLINE
from sim.results import bootstrap_interval, outcome_bounds
from sim.runner import CompareResult


def compare_tables(result: CompareResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals per scenario and paired differences against the baseline scenario.

    Args:
        result: A comparison.

    Returns:
        ``(table, paired)``. ``table``: one row per scenario x outcome with ``mean``, ``lo``,
        ``hi`` (the 95% confidence interval of the mean over seeds of the per-run summaries,
        :func:`~sim.results.bootstrap_interval`, within the outcome's bounds) and ``n``.
        ``paired``: one row per non-baseline scenario x outcome with ``baseline`` and the
        mean paired difference (scenario minus baseline, paired by seed index), its 95%
        confidence interval (within the bounds of a difference: [-1, 1] for a rate) and ``n``.
    """
    runs = result.runs
    rows, prow = [], []
    base = result.baseline
    b = runs[runs["scenario"] == base].set_index("seed_index")
    for s in result.scenarios:
        r = runs[runs["scenario"] == s].set_index("seed_index")
        for o in result.outcomes:
            m, lo, hi = bootstrap_interval(r[o].to_numpy(), outcome_bounds(o))
            rows.append({"scenario": s, "outcome": o, "mean": m, "lo": lo, "hi": hi, "n": len(r)})
        if s == base:
            continue
        idx = r.index.intersection(b.index).sort_values()
        for o in result.outcomes:
            diff = r.loc[idx, o].to_numpy() - b.loc[idx, o].to_numpy()
            m, lo, hi = bootstrap_interval(diff, outcome_bounds(o, difference=True))
            prow.append(
                {
                    "scenario": s,
                    "baseline": base,
                    "outcome": o,
                    "mean": m,
                    "lo": lo,
                    "hi": hi,
                    "n": len(idx),
                }
            )
    cols = ["scenario", "baseline", "outcome", "mean", "lo", "hi", "n"]
    return pd.DataFrame(rows), pd.DataFrame(prow, columns=cols)


#: Years after a programme's end at which :func:`legacy_table` compares scenarios.
LEGACY_YEARS: tuple[int, ...] = (1, 3, 5)
#: Weeks in a year of the legacy table and the cost totals.
WEEKS_PER_YEAR = 52


def legacy_table(result: CompareResult, outcomes: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """What a programme leaves behind: each outcome's paired difference from the baseline
    scenario in the first, third and fifth year after the scenario's programme ends.

    Year k after the end is the mean of rows ``end + 52 (k - 1) + 1 .. end + 52 k`` of each
    run (row w is the state after week w - 1, so row ``end`` follows the programme's last
    week), paired by seed with the baseline's same rows.

    Args:
        result: A comparison.
        outcomes: Outcomes compared.

    Returns:
        One row per scenario whose programme ends within the run, year and outcome:
        ``scenario``, ``baseline``, ``years_after_end``, ``outcome``, ``mean``, ``lo``,
        ``hi`` (95% confidence interval of the mean), ``n`` (``n`` 0 and NaN values when that
        year lies beyond the run).
    """
    cols = ["scenario", "baseline", "years_after_end", "outcome", "mean", "lo", "hi", "n"]
    st, base = result.steps, result.baseline
    b = st[st["scenario"] == base]
    rows = []
    for s in result.scenarios:
        if s == base or s not in result.windows:
            continue
        _, end, weeks = result.windows[s]
        if end >= weeks:
            continue  # the programme runs to the end: no legacy to see
        r = st[st["scenario"] == s]
        for k in LEGACY_YEARS:
            lo_w, hi_w = end + WEEKS_PER_YEAR * (k - 1) + 1, end + WEEKS_PER_YEAR * k
            inside = hi_w <= min(weeks, int(b["week"].max()))
            for o in outcomes:
                if o not in r.columns:
                    continue
                m = lo = hi = math.nan
                n = 0
                if inside:
                    sel = r[(r["week"] >= lo_w) & (r["week"] <= hi_w)]
                    bsel = b[(b["week"] >= lo_w) & (b["week"] <= hi_w)]
                    a = sel.groupby("seed_index")[o].mean()
                    c = bsel.groupby("seed_index")[o].mean()
                    idx = a.index.intersection(c.index).sort_values()
                    diff = (a.loc[idx] - c.loc[idx]).to_numpy()
                    m, lo, hi = bootstrap_interval(diff, outcome_bounds(o, difference=True))
                    n = len(idx)
                rows.append([s, base, k, o, m, lo, hi, n])
    return pd.DataFrame(rows, columns=cols)


def ratio_interval(num: np.ndarray, den: np.ndarray, level: float = 0.95) -> tuple[float, ...]:
    """Ratio of the means of paired replicates, mean(num) / mean(den), with Fieller's
    interval (exact for normal means; Fieller 1954).

    Returns:
        ``(ratio, lo, hi)``; NaN throughout if the denominator's mean is not positive or its
        interval includes zero (the interval would be unbounded: the seeds do not resolve a
        gain to divide by). With one replicate, ``lo == hi == ratio``.
    """
    from scipy import stats

    a, b = np.asarray(num, np.float64), np.asarray(den, np.float64)
    n = a.size
    if n == 0 or not b.mean() > 0:
        return math.nan, math.nan, math.nan
    ratio = float(a.mean() / b.mean())
    if n == 1:
        return ratio, ratio, ratio
    t2 = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) ** 2
    cov = np.cov(a, b, ddof=1) / n  # covariance of the means
    qa = a.mean() ** 2 - t2 * cov[0, 0]
    qb = b.mean() ** 2 - t2 * cov[1, 1]
    qab = a.mean() * b.mean() - t2 * cov[0, 1]
    if qb <= 0:
        return math.nan, math.nan, math.nan
    disc = qab**2 - qa * qb
    root = math.sqrt(max(disc, 0.0))
    return ratio, float((qab - root) / qb), float((qab + root) / qb)


#: Columns of ``cost_effectiveness.csv`` (each value with ``_lo`` and ``_hi``).
COST_COLUMNS: tuple[str, ...] = (
    "public_spend_gbp",
    "vacant_unit_years_avoided",
    "gbp_per_vacant_unit_year_avoided",
    "footfall_change",
    "gbp_per_extra_visit",
)
#: Units of :data:`COST_COLUMNS`, for the report.
COST_UNITS: dict[str, str] = {
    "public_spend_gbp": "GBP over the run",
    "vacant_unit_years_avoided": "unit-years",
    "gbp_per_vacant_unit_year_avoided": "GBP per unit-year",
    "footfall_change": "household trips over the run",
    "gbp_per_extra_visit": "GBP per trip",
}


def cost_effectiveness(result: CompareResult) -> pd.DataFrame:
    """What each pound buys, each scenario against the first scenario, paired by seed.

    Per run, over every week of the run: public money spent (GBP, the sum of
    ``public_spend``), vacant unit-weeks / 52 and household trips to the centre (the sum of
    ``footfall``). Then per scenario: its public spend; the vacant unit-years avoided and
    the footfall change against the first scenario; and the extra public spend (over the
    first scenario's) per vacant unit-year avoided and per extra trip (:func:`ratio_interval`:
    NaN where the seeds resolve no gain).

    Returns:
        One row per scenario: ``scenario`` and each of :data:`COST_COLUMNS` with ``_lo`` and
        ``_hi``: the 95% confidence interval of the mean over seeds (bootstrap; Fieller's for
        the two ratios).
    """
    st = result.steps
    ref = result.scenarios[0]
    tot = st[st["week"] > 0].groupby(["scenario", "seed_index"])
    totals = pd.DataFrame(
        {
            "spend": tot["public_spend"].sum(),
            "vacant_years": tot["vacant"].sum() / WEEKS_PER_YEAR,
            "trips": tot["footfall"].sum(),
        }
    )
    r0 = totals.loc[ref]
    rows = []
    for s in result.scenarios:
        r = totals.loc[s]
        idx = r.index.intersection(r0.index).sort_values()
        extra = (r.loc[idx, "spend"] - r0.loc[idx, "spend"]).to_numpy()
        avoided = (r0.loc[idx, "vacant_years"] - r.loc[idx, "vacant_years"]).to_numpy()
        trips = (r.loc[idx, "trips"] - r0.loc[idx, "trips"]).to_numpy()
        values = {
            "public_spend_gbp": bootstrap_interval(r["spend"].to_numpy(), (0.0, None)),
            "vacant_unit_years_avoided": bootstrap_interval(avoided),
            "gbp_per_vacant_unit_year_avoided": ratio_interval(extra, avoided),
            "footfall_change": bootstrap_interval(trips),
            "gbp_per_extra_visit": ratio_interval(extra, trips),
        }
        row: dict[str, Any] = {"scenario": s}
        for c in COST_COLUMNS:
            row[c], row[f"{c}_lo"], row[f"{c}_hi"] = values[c]
        rows.append(row)
    cols = ["scenario"] + [f"{c}{x}" for c in COST_COLUMNS for x in ("", "_lo", "_hi")]
    return pd.DataFrame(rows, columns=cols)


#: Levers whose takers are counted (:func:`lever_takers`): the lever, what it offers, and the
#: outcome that counts its takers.
TAKERS: tuple[tuple[str, str, str], ...] = (
    ("landlords.meanwhile", "meanwhile leases offered", "meanwhile_units"),
    ("council.startup_support", "start-up support offered", "subsidised_units"),
    ("council.facilitation", "vacant units brokered (facilitation)", "openings_brokered"),
    ("town_team.enabled", "a Town Team", "town_team_spend"),
)


def lever_takers(result: CompareResult) -> pd.DataFrame:
    """For each lever of :data:`TAKERS` a scenario sets away from its default, in how many
    seeds anyone took it up while the levers applied (the outcome above zero in some week).

    Returns:
        One row per scenario and lever: ``scenario``, ``lever``, ``offer``, ``outcome``,
        ``seeds_taken``, ``seeds``, ``mean`` (the outcome's mean over those weeks).
    """
    st = result.steps
    rows = []
    for s in result.scenarios:
        on = result.levers.get(s, {})
        r = st[(st["scenario"] == s) & (st["policy"] > 0.5)]
        seeds = int(st.loc[st["scenario"] == s, "seed_index"].nunique())
        for key, offer, outcome in TAKERS:
            if key not in on or on[key] is False or outcome not in r.columns:
                continue
            taken = r.groupby("seed_index")[outcome].max() > 0
            mean = float(r[outcome].mean()) if len(r) else 0.0
            rows.append([s, key, offer, outcome, int(taken.sum()), seeds, mean])
    cols = ["scenario", "lever", "offer", "outcome", "seeds_taken", "seeds", "mean"]
    return pd.DataFrame(rows, columns=cols)


def timeseries_means(result: CompareResult) -> pd.DataFrame:
    """Per-step means over seeds, one row per scenario and week."""
    st = result.steps
    cols = [c for c in st.columns if c not in ("scenario", "seed_index", "seed")]
    g = st.groupby(["scenario", "week"], sort=False)[[c for c in cols if c != "week"]].mean()
    return g.reset_index()
