"""Reports: the tables, files and Markdown report of a scenario comparison.

* :func:`compare_tables` gives each outcome's mean and 95% interval per scenario and the
  paired differences against the baseline scenario (consumer-led);
* :func:`legacy_table` gives each headline outcome's paired difference one, three and five
  years after a scenario's programme ends; :func:`cost_effectiveness` what each pound of
  public money buys against the first scenario; :func:`lever_takers` whether the levers a
  scenario offers found any takers;
* :func:`timeseries_means` gives per-week means over seeds;
* :func:`wide_table` lays a table out for printing (outcomes as rows, scenarios as columns);
* :func:`report_markdown` writes the report's text and :func:`write_compare` writes every
  table, figure and the report into a folder, atomically and byte for byte reproducibly.

Report code lives here; outcome names, labels and units come from :mod:`sim.outcomes`.
A sweep's tables and report are :mod:`sim.sweep.report`'s.
"""

from __future__ import annotations

import gzip
import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import BY_NAME, HEADLINE
from sim.results import csv_bytes, interval, json_bytes, staged_outputs
from sim.runner import CompareResult

#: Draws a comparison's figures: ``f(steps, paired, folder, baseline) -> {caption: file}``
#: with file names relative to ``folder`` (e.g. :func:`sim.plotting.compare_figures`).
FigureMaker = Callable[[pd.DataFrame, pd.DataFrame, Path, str], dict[str, str]]


def compare_tables(result: CompareResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals per scenario and paired differences against the baseline scenario.

    Args:
        result: A comparison.

    Returns:
        ``(table, paired)``. ``table``: one row per scenario x outcome with ``mean``, ``lo``,
        ``hi`` (95% t-interval over seeds of the per-run summaries) and ``n``. ``paired``:
        one row per non-baseline scenario x outcome with ``baseline`` and the mean paired
        difference (scenario minus baseline, paired by seed index), its 95% interval and ``n``.
    """
    runs = result.runs
    rows, prow = [], []
    base = result.baseline
    b = runs[runs["scenario"] == base].set_index("seed_index")
    for s in result.scenarios:
        r = runs[runs["scenario"] == s].set_index("seed_index")
        for o in result.outcomes:
            m, lo, hi = interval(r[o].to_numpy())
            rows.append({"scenario": s, "outcome": o, "mean": m, "lo": lo, "hi": hi, "n": len(r)})
        if s == base:
            continue
        idx = r.index.intersection(b.index).sort_values()
        for o in result.outcomes:
            diff = r.loc[idx, o].to_numpy() - b.loc[idx, o].to_numpy()
            m, lo, hi = interval(diff)
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
        ``hi``, ``n`` (``n`` 0 and NaN values when that year lies beyond the run).
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
                    m, lo, hi = interval((a.loc[idx] - c.loc[idx]).to_numpy())
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
        ``_hi`` (95% intervals over seeds).
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
            "public_spend_gbp": interval(r["spend"].to_numpy()),
            "vacant_unit_years_avoided": interval(avoided),
            "gbp_per_vacant_unit_year_avoided": ratio_interval(extra, avoided),
            "footfall_change": interval(trips),
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


def fmt(x: float) -> str:
    """Compact number format for tables (3 significant digits; thousands separated)."""
    if not np.isfinite(x):
        return "nan"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{x:.3g}"


def wide_table(
    table: pd.DataFrame, outcomes: Sequence[str] = HEADLINE, by: str = "scenario"
) -> pd.DataFrame:
    """Outcomes as rows, scenarios as columns, cells ``mean [lo, hi]`` (for printing).

    Args:
        table: ``table`` or ``paired`` from :func:`compare_tables`.
        outcomes: Outcome rows, in order (missing ones are skipped).
        by: Column whose values become columns.

    Returns:
        A table of strings indexed by outcome.
    """
    cols = [str(c) for c in pd.unique(table[by])] if len(table) else []
    data: dict[str, list[str]] = {c: [] for c in cols}
    index = [o for o in outcomes if o in set(table["outcome"])] if len(table) else []
    for o in index:
        for c in cols:
            r = table[(table[by] == c) & (table["outcome"] == o)].iloc[0]
            data[c].append(f"{fmt(r['mean'])} [{fmt(r['lo'])}, {fmt(r['hi'])}]")
    return pd.DataFrame(data, index=pd.Index(index, name="outcome"))


def _markdown(df: pd.DataFrame) -> str:
    head = "| " + " | ".join([df.index.name or ""] + list(df.columns)) + " |"
    sep = "|" + "|".join(["---"] + ["---:"] * len(df.columns)) + "|"
    lines = [head, sep]
    for idx, row in df.iterrows():
        lines.append("| " + " | ".join([f"`{idx}`"] + [str(v) for v in row]) + " |")
    return "\n".join(lines)


def _cell(m: float, lo: float, hi: float) -> str:
    if not np.isfinite(m):
        return "-"
    return f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"


def _year(week: int, result: CompareResult) -> str:
    return f"{result.meta.get('start_year', 0.0) + week / WEEKS_PER_YEAR:.1f}"


def _money_lines(result: CompareResult, cost: pd.DataFrame) -> list[str]:
    """The report's section on public money: each scenario's programme and total spend."""
    lines = [
        "## Public money",
        "",
        "Public money is what the council's town-centre account spends (its allocation: rates "
        "go to the council's general fund, not to the centre) plus what the Town Team spends "
        "of its council grant; a Town Team's levy is not public money. Rates relief beyond "
        "the market setting's is paid from the account. Money the account does not spend "
        "within a year returns to the general fund.",
        "",
        "| scenario | levers apply (years) | public spend over the run (GBP) | per year of "
        "the run (GBP/year) |",
        "|---|---|---:|---:|",
    ]
    for s in result.scenarios:
        first, end, weeks = result.windows.get(s, (0, 0, 0))
        row = cost[cost["scenario"] == s].iloc[0]
        years = weeks / WEEKS_PER_YEAR if weeks else math.nan
        when = f"{_year(first, result)}-{_year(end, result)}" if end > first else "never (defaults)"
        spend = _cell(*row[["public_spend_gbp", "public_spend_gbp_lo", "public_spend_gbp_hi"]])
        lines.append(f"| `{s}` | {when} | {spend} | {fmt(row['public_spend_gbp'] / years)} |")
    return lines + [""]


def _cost_lines(result: CompareResult, cost: pd.DataFrame) -> list[str]:
    ref = result.scenarios[0]
    head = "| scenario | " + " | ".join(f"{c} ({COST_UNITS[c]})" for c in COST_COLUMNS) + " |"
    lines = [
        f"## What each pound buys (against {ref})",
        "",
        f"Totals over every week of each run, paired by seed with `{ref}`, mean [95% "
        "interval] (`cost_effectiveness.csv`). The cost per vacant unit-year avoided and per "
        f"extra trip divides the extra public spend (over `{ref}`'s) by the gain; '-' where "
        "the seeds resolve no gain (Fieller's interval of the ratio is unbounded). Vacancy "
        "here counts supported units (subsidised, sponsored or on meanwhile licences) as "
        "occupied: compare the two vacancy rates in the tables above.",
        "",
        head,
        "|---|" + "---:|" * len(COST_COLUMNS),
    ]
    for _, row in cost.iterrows():
        cells = [_cell(row[c], row[f"{c}_lo"], row[f"{c}_hi"]) for c in COST_COLUMNS]
        lines.append(f"| `{row['scenario']}` | " + " | ".join(cells) + " |")
    return lines + [""]


def _legacy_lines(result: CompareResult, legacy: pd.DataFrame) -> list[str]:
    lines = ["## Legacy: after the programme ends", ""]
    if legacy.empty:
        return lines + [
            "No scenario's programme ends within the run (a scenario file's `[programme] "
            "end_year` sets its end), so there is no legacy to report.",
            "",
        ]
    lines += [
        f"Paired difference from {result.baseline} in the first, third and fifth year after "
        "each scenario's programme ends (the levers back at the market defaults): mean [95% "
        "interval]; '-' where that year lies beyond the run.",
        "",
    ]
    for s, d in legacy.groupby("scenario", sort=False):
        end = result.windows[s][1]
        lines += [
            f"### {s} (programme ends {_year(end, result)})",
            "",
            "| outcome | " + " | ".join(f"year {k} after" for k in LEGACY_YEARS) + " |",
            "|---|" + "---:|" * len(LEGACY_YEARS),
        ]
        for o, g in d.groupby("outcome", sort=False):
            cells = [
                _cell(*g.loc[g["years_after_end"] == k, ["mean", "lo", "hi"]].iloc[0])
                for k in LEGACY_YEARS
            ]
            lines.append(f"| `{o}` ({BY_NAME[o].unit}) | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _taker_lines(takers: pd.DataFrame) -> list[str]:
    lines = ["## Levers and their takers", ""]
    if takers.empty:
        return lines + ["No scenario offers meanwhile leases, start-up support, brokerage or "
                        "a Town Team.", ""]  # fmt: skip
    for _, t in takers.iterrows():
        if t["seeds_taken"] == 0:
            what = "**no takers in any seed**"
        else:
            what = (
                f"taken up in {t['seeds_taken']} of {t['seeds']} seeds "
                f"(`{t['outcome']}` {fmt(t['mean'])} on average while the levers apply)"
            )
        lines.append(f"- `{t['scenario']}`: {t['offer']} (`{t['lever']}`): {what}")
    return lines + [""]


def report_markdown(
    result: CompareResult,
    table: pd.DataFrame,
    paired: pd.DataFrame,
    figures: dict[str, str],
    extra: dict[str, pd.DataFrame] | None = None,
) -> str:
    """The Markdown report of a comparison.

    Args:
        result: The comparison.
        table: Per-scenario intervals (:func:`compare_tables`).
        paired: Paired differences (:func:`compare_tables`).
        figures: ``{caption: relative path}`` of the figures to link.
        extra: The cost-effectiveness, legacy and takers tables (computed if not given).

    Returns:
        The report text.
    """
    extra = extra or report_tables(result)
    m = result.meta
    k = len(result.seeds)
    lines = [
        "# Governance scenario comparison",
        "",
        f"towncentre {m.get('version', '')}: {len(result.scenarios)} scenarios x {k} seeds "
        f"(common random numbers: replicate *i* of every scenario uses the same run seed, "
        f"derived from base seed {result.base_seed}).",
        "",
        f"- Town: {m['town']['name']} ({m['town']['units']} units; `{m['town']['source']}`); "
        f"catchment {m['town']['households']:,.0f} households "
        f"({m['town']['catchment_source']})",
        *([f"- **Warning:** {m['town']['warning']}"] if m["town"].get("warning") else []),
        f"- Drivers: {m['drivers']['name']} (`{m['drivers']['file']}`)"
        + (f": {m['drivers']['description']}" if m["drivers"]["description"] else ""),
        f"- Residents simulated: {m['residents']}; years after burn-in: {m['years']}; "
        f"burn-in: {m['burn_in_weeks']} weeks under market levers for every scenario",
        f"- Run seeds: {', '.join(str(s) for s in result.seeds[:10])}" + (" ..." if k > 10 else ""),
        "",
        "## Scenarios",
        "",
    ]
    for s in result.scenarios:
        desc = " ".join(result.descriptions.get(s, "").split())
        lines.append(f"- **{s}** (`{result.files.get(s, '')}`): {desc}")
    lines += [
        "",
        "## Outcomes (mean over the final year) by scenario",
        "",
        "Each cell is the mean over seeds of each run's final-year mean, with its 95% "
        f"t-interval [lo, hi] over the {k} seeds.",
        "",
        _markdown(wide_table(table)),
        "",
        f"## Paired differences from {result.baseline}",
        "",
        f"Scenario minus {result.baseline}, run by run on the same seed, then averaged: "
        "mean [95% interval]. An interval that excludes 0 marks a difference the seeds "
        "resolve.",
        "",
    ]
    if len(paired):
        lines.append(_markdown(wide_table(paired)))
    else:
        lines.append("(only one scenario: no differences)")
    lines += [
        "",
        "Vacancy is shown two ways: `vacancy_rate` counts every occupied unit, "
        "`vacancy_rate_trading` counts units whose occupier is subsidised, sponsored or on a "
        "meanwhile licence as empty (occupancy bought or lent, not trading on its own).",
        "",
    ]
    lines += _money_lines(result, extra["cost"])
    lines += _cost_lines(result, extra["cost"])
    lines += _legacy_lines(result, extra["legacy"])
    lines += _taker_lines(extra["takers"])
    lines += [
        "",
        "## What the intervals mean",
        "",
        f"The intervals are 95% t-intervals of the mean over {k} replicates. They include "
        f"{m.get('uncertainty', 'seed noise only')}. They do not include uncertainty in the "
        "drivers or the model's structure. More replicates narrow them; paired differences "
        "are narrower than the gap between two separate intervals because common random "
        "numbers (and common parameter draws) cancel shared noise. With one replicate no "
        "interval can be computed (lo = hi = mean).",
        "",
    ]
    if figures:
        lines += ["## Figures", ""]
    for cap, rel in figures.items():
        lines += [f"### {cap}", "", f"![{cap}]({rel})", ""]
    lines += [
        "## Files",
        "",
        "- `comparison.csv`: mean, lo, hi and n per scenario and outcome",
        f"- `paired_differences.csv`: paired differences from {result.baseline}",
        "- `runs.csv`: each run's final-year means (one row per scenario and seed)",
        "- `cost_effectiveness.csv`: what each pound buys, against the first scenario",
        "- `legacy.csv`: paired differences 1, 3 and 5 years after each programme ends",
        "- `timeseries.csv.gz`: per-week means over seeds by scenario",
        "- `compare.json`: inputs of this comparison (scenario files, seeds, drivers, town)",
        "",
    ]
    return "\n".join(lines)


def report_tables(result: CompareResult) -> dict[str, pd.DataFrame]:
    """The comparison's tables beyond the outcomes: ``cost`` (:func:`cost_effectiveness`),
    ``legacy`` (:func:`legacy_table`) and ``takers`` (:func:`lever_takers`)."""
    return {
        "cost": cost_effectiveness(result),
        "legacy": legacy_table(result),
        "takers": lever_takers(result),
    }


def _gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def write_compare(
    out_dir: str | Path,
    result: CompareResult,
    draw_figures: FigureMaker | None = None,
    figures: bool = True,
) -> Path:
    """Write tables, figures and ``report.md`` of a comparison into ``out_dir``, atomically.

    Everything is first written into a temporary sibling directory, then each file is moved
    into ``out_dir`` with ``os.replace``: a failed or interrupted write leaves no half-written
    file, and files already in ``out_dir`` that are not outputs are left alone.

    Args:
        out_dir: Output directory (created if missing).
        result: The comparison.
        draw_figures: Draws the figures into a folder (default:
            :func:`sim.plotting.compare_figures`).
        figures: False writes tables and report only.

    Returns:
        Path of ``report.md``.
    """
    if figures and draw_figures is None:
        from sim.plotting import compare_figures  # deferred: matplotlib only when drawing

        draw_figures = compare_figures
    out = Path(out_dir)
    with staged_outputs(out) as tmp:
        table, paired = compare_tables(result)
        (tmp / "comparison.csv").write_bytes(csv_bytes(table))
        (tmp / "paired_differences.csv").write_bytes(csv_bytes(paired))
        (tmp / "runs.csv").write_bytes(csv_bytes(result.runs))
        extra = report_tables(result)
        (tmp / "cost_effectiveness.csv").write_bytes(csv_bytes(extra["cost"]))
        (tmp / "legacy.csv").write_bytes(csv_bytes(extra["legacy"]))
        (tmp / "timeseries.csv.gz").write_bytes(_gzip_bytes(csv_bytes(timeseries_means(result))))
        info = {
            "scenarios": [{"name": s, "file": result.files[s]} for s in result.scenarios],
            "baseline": result.baseline,
            "base_seed": result.base_seed,
            "seeds": result.seeds,
            "summary": "mean of each outcome over the final 52 weeks of each run",
            **result.meta,
        }
        (tmp / "compare.json").write_bytes(json_bytes(info))
        links: dict[str, str] = {}
        if figures and draw_figures is not None:
            (tmp / "figures").mkdir()
            made = draw_figures(result.steps, paired, tmp / "figures", result.baseline)
            links = {cap: f"figures/{rel}" for cap, rel in made.items()}
        report = report_markdown(result, table, paired, links, extra)
        (tmp / "report.md").write_text(report, encoding="utf-8", newline="\n")
    return out / "report.md"
