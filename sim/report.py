"""Reports: the tables, files and report (Markdown and HTML) of a scenario comparison.

* the tables (:mod:`sim.report_tables`, re-exported here): :func:`compare_tables` gives each
  outcome's mean and 95% confidence interval of the mean per
  scenario and the paired differences against the baseline scenario (consumer-led);
* :func:`legacy_table` gives each headline outcome's paired difference one, three and five
  years after a scenario's programme ends; :func:`cost_effectiveness` what each pound of
  public money buys against the first scenario; :func:`lever_takers` whether the levers a
  scenario offers found any takers;
* :func:`timeseries_means` gives per-week means over seeds;
* :func:`wide_table` lays a table out for printing (outcomes as rows, scenarios as columns);
* :func:`report_markdown` writes the report's text, and :func:`write_compare` writes every
  table (CSV and Parquet), figure and the report (``report.md``, and ``report.html`` rendered
  from the same text with the figures embedded; :mod:`sim.report_html`) into a folder,
  atomically and byte for byte reproducibly.

Intervals of means are percentile-bootstrap intervals (:func:`sim.results.bootstrap_interval`):
they stay within each outcome's bounds (:mod:`sim.outcomes`). Report code lives here; outcome
names, labels, units and bounds come from :mod:`sim.outcomes`, lever labels and units from
:mod:`sim.params`. A sweep's tables and report are :mod:`sim.sweep.report`'s.
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

from sim import outcomes as outcome_table
from sim import report_html
from sim.outcomes import HEADLINE
from sim.params import ParamSpec, specs
from sim.report_tables import (  # the report's tables, re-exported
    COST_COLUMNS,
    COST_UNITS,
    LEGACY_YEARS,
    WEEKS_PER_YEAR,
    compare_tables,
    cost_effectiveness,
    legacy_table,
    lever_takers,
    timeseries_means,
)
from sim.results import (
    BAND_NAME,
    BOOTSTRAP_RESAMPLES,
    CI_NAME,
    csv_bytes,
    display_unit,
    json_bytes,
    staged_outputs,
)
from sim.runner import CompareResult

#: Draws a comparison's figures: ``f(steps, paired, folder, baseline) -> {caption: file}``
#: with file names relative to ``folder`` (e.g. :func:`sim.plotting.compare_figures`).
FigureMaker = Callable[[pd.DataFrame, pd.DataFrame, Path, str], dict[str, str]]


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


# ------------------------------------------------------------------------------ the report


def _text(value: Any) -> str:
    """Text from outside the report (a description, a name, a file) as one line of Markdown
    that cannot make a link, an image, code or a table cell: ``\\ ` [ ] |`` are escaped.
    (Raw HTML needs no escaping: :mod:`sim.report_html` renders none.)"""
    text = " ".join(str(value).split())
    for ch in "\\`[]|":
        text = text.replace(ch, "\\" + ch)
    return text


def _code(value: Any) -> str:
    """A name or path as inline code (a backtick inside becomes a quote)."""
    return "`" + " ".join(str(value).split()).replace("`", "'") + "`"


def _file(source: str) -> str:
    """Where an input came from, for the report: a bundled file is named as bundled (a user
    who installed the package has no ``scenarios/`` folder), any other path as given."""
    if source == "defaults":
        return "the parameter defaults"
    if source.startswith("scenarios/"):
        return f"{_code(Path(source).name)}, bundled with towncentre"
    return _code(source)


def _cell(m: float, lo: float, hi: float, scale: float = 1.0) -> str:
    """``mean [lo, hi]`` (values times ``scale``), ``-`` without a mean."""
    if not np.isfinite(m):
        return "-"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return fmt(m * scale)
    return f"{fmt(m * scale)} [{fmt(lo * scale)}, {fmt(hi * scale)}]"


def _outcome_label(name: str, difference: bool = False) -> str:
    """An outcome's plain label with the unit it is shown in (:mod:`sim.outcomes`)."""
    _, unit = display_unit(name, difference)
    text = outcome_table.label(name)
    return _text(f"{text} ({unit})" if unit else text)


def _outcome_rows(
    table: pd.DataFrame, by: str, outcomes: Sequence[str] = HEADLINE, difference: bool = False
) -> list[str]:
    """A Markdown table of outcomes (rows: label and unit, then the CSV name) by ``by``
    (columns), cells ``mean [lo, hi]`` in the units of :func:`sim.results.display_unit`."""
    if table.empty:
        return []
    cols = [str(c) for c in pd.unique(table[by])]
    present = set(table["outcome"])
    lines = [
        "| outcome | " + " | ".join(_text(c) for c in cols) + " | column in the files |",
        "|---|" + "---:|" * len(cols) + "---|",
    ]
    for o in (o for o in outcomes if o in present):
        scale, _ = display_unit(o, difference)
        cells = []
        for c in cols:
            r = table[(table[by] == c) & (table["outcome"] == o)].iloc[0]
            cells.append(_cell(r["mean"], r["lo"], r["hi"], scale))
        label = _outcome_label(o, difference)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {_code(o)} |")
    return lines


def _year(week: int, result: CompareResult) -> str:
    return f"{result.meta.get('start_year', 0.0) + week / WEEKS_PER_YEAR:.1f}"


def _window(scenario: str, result: CompareResult) -> str:
    """The calendar years in which a scenario's levers apply."""
    first, end, _ = result.windows.get(scenario, (0, 0, 0))
    return f"{_year(first, result)}-{_year(end, result)}" if end > first else "never (defaults)"


#: Outcomes that count residents' choices and are scaled from simulated residents to the
#: catchment's households (the weight of each simulated resident, ``World.weight``).
SCALED_OUTCOMES: tuple[str, ...] = ("footfall", "visits", "spend", "revenue", "volunteer_hours")


def _scaling_lines(result: CompareResult, table: pd.DataFrame) -> list[str]:
    """How simulated residents stand for the catchment's households."""
    m = result.meta
    households = float(m["town"]["households"])
    residents = m["residents"] if isinstance(m["residents"], list) else [m["residents"]]
    lines = ["## Simulated residents and households", ""]
    weights = [households / r for r in residents if r > 0]
    if not weights:
        return lines + ["No residents were simulated, so no household is represented.", ""]
    scaled = ", ".join(outcome_table.label(o).lower() for o in SCALED_OUTCOMES)
    if len(residents) == 1:
        r, w = residents[0], weights[0]
        who = (
            f"The town's catchment has {households:,.0f} households; the model simulates "
            f"{r:,} residents, so each simulated resident stands for {households:,.0f} / {r:,} "
            f"= {w:,.3g} households."
        )
    else:
        each = "; ".join(f"{r:,} residents: {households / r:,.3g} each" for r in residents if r)
        who = (
            f"The town's catchment has {households:,.0f} households; the scenarios simulate "
            f"different numbers of residents, each standing for a share of them ({each})."
        )
    lines += [
        who + f" Counts and money that come from residents' choices ({scaled}) are the "
        "simulated residents' totals multiplied by that number, so they describe the whole "
        "catchment. Shares, rates and per-resident measures (ties per resident, engagement, "
        "the share of residents with no ties) are not scaled, nor are counts of units. "
        "Simulating fewer residents makes a run faster and its results noisier, not smaller.",
    ]
    base = table[(table["scenario"] == result.baseline) & (table["outcome"] == "footfall")]
    if len(residents) == 1 and len(base):
        f = float(base["mean"].iloc[0])
        lines += [
            "",
            f"For example, {_code(result.baseline)}'s footfall of {fmt(f)} household trips a "
            f"week in the final year is about {fmt(f / weights[0])} trips a week by the "
            f"{residents[0]:,} simulated residents, times {weights[0]:,.3g}.",
        ]
    return lines + [""]


def _value(v: Any) -> str:
    """A lever's value for the lever table."""
    if isinstance(v, str):
        return "varies over time (a path)" if v == "path" else _text(v)
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    return fmt(float(v))


def _lever_lines(result: CompareResult) -> list[str]:
    """Each scenario's lever settings side by side: every lever a compared scenario sets away
    from its default (:attr:`~sim.runner.CompareResult.levers`), with its unit."""
    lines = ["## Lever settings", ""]
    chosen = {key for levers in result.levers.values() for key in levers}
    rows: list[ParamSpec] = [sp for sp in specs() if sp.key in chosen]
    if not rows:
        return lines + ["Every scenario keeps every lever at the market default.", ""]
    cols = result.scenarios
    lines += [
        "Every lever that any scenario sets away from the market default (the consumer-led "
        "setting, which applies to every scenario during the burn-in and outside its "
        "programme). A lever a scenario does not set keeps the default.",
        "",
        "| lever (unit) | market default | "
        + " | ".join(_text(c) for c in cols)
        + " | parameter |",
        "|---|---:|" + "---:|" * len(cols) + "---|",
        "| Levers apply (calendar years) | - | "
        + " | ".join(_window(s, result) for s in cols)
        + " | `[programme]` |",
    ]
    for sp in rows:
        unit = "" if sp.unit in ("", "switch") else f" ({sp.unit})"
        cells = [_value(result.levers.get(s, {}).get(sp.key, sp.default)) for s in cols]
        lines.append(
            f"| {_text(sp.label + unit)} | {_value(sp.default)} | "
            + " | ".join(cells)
            + f" | {_code(sp.key)} |"
        )
    return lines + [""]


def _money_lines(result: CompareResult, cost: pd.DataFrame) -> list[str]:
    """The report's section on public money: each scenario's programme and total spend."""
    lines = [
        "## Public money",
        "",
        "Public money is what the council's town-centre account spends (its allocation: rates "
        "go to the council's general fund, not to the centre) plus what the Town Team spends "
        "of its council grant; a Town Team's levy is not public money. Rates relief beyond "
        "the market setting's is paid from the account. Money the account does not spend "
        f"within a year returns to the general fund. Cells: mean [{CI_NAME}].",
        "",
        "| scenario | levers apply (years) | public spend over the run (GBP) | per year of "
        "the run (GBP/year) |",
        "|---|---|---:|---:|",
    ]
    for s in result.scenarios:
        weeks = result.windows.get(s, (0, 0, 0))[2]
        row = cost[cost["scenario"] == s].iloc[0]
        years = weeks / WEEKS_PER_YEAR if weeks else math.nan
        spend = _cell(*row[["public_spend_gbp", "public_spend_gbp_lo", "public_spend_gbp_hi"]])
        lines.append(
            f"| {_text(s)} | {_window(s, result)} | {spend} | "
            f"{fmt(row['public_spend_gbp'] / years)} |"
        )
    return lines + [""]


#: Plain labels of :data:`COST_COLUMNS`, for the report.
COST_LABELS: dict[str, str] = {
    "public_spend_gbp": "Public spend",
    "vacant_unit_years_avoided": "Vacant unit-years avoided",
    "gbp_per_vacant_unit_year_avoided": "Extra public spend per vacant unit-year avoided",
    "footfall_change": "Change in footfall",
    "gbp_per_extra_visit": "Extra public spend per extra trip",
}


def _cost_lines(result: CompareResult, cost: pd.DataFrame) -> list[str]:
    ref = result.scenarios[0]
    cols = [str(s) for s in cost["scenario"]]
    lines = [
        f"## What each pound buys (against {_text(ref)})",
        "",
        f"Totals over every week of each run, paired by seed with {_code(ref)}: mean "
        f"[{CI_NAME}]. The cost per vacant unit-year avoided and per extra trip divides the "
        f"extra public spend (over {_code(ref)}'s) by the gain, with Fieller's 95% confidence "
        "interval of the ratio; '-' where the seeds resolve no gain (that interval would be "
        "unbounded). Vacancy here counts supported units (subsidised, sponsored or on "
        "meanwhile licences) as occupied: compare the two vacancy rates in the tables above.",
        "",
        "| measure (unit) | " + " | ".join(_text(c) for c in cols) + " | column in the files |",
        "|---|" + "---:|" * len(cols) + "---|",
    ]
    for c in COST_COLUMNS:
        cells = [_cell(r[c], r[f"{c}_lo"], r[f"{c}_hi"]) for _, r in cost.iterrows()]
        lines.append(
            f"| {COST_LABELS[c]} ({COST_UNITS[c]}) | " + " | ".join(cells) + f" | {_code(c)} |"
        )
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
        f"Paired difference from {_code(result.baseline)} in the first, third and fifth year "
        "after each scenario's programme ends (the levers back at the market defaults): mean "
        f"[{CI_NAME}]; '-' where that year lies beyond the run.",
        "",
    ]
    for s, d in legacy.groupby("scenario", sort=False):
        end = result.windows[s][1]
        lines += [
            f"### {_text(s)} (programme ends {_year(end, result)})",
            "",
            "| outcome | " + " | ".join(f"year {k} after" for k in LEGACY_YEARS)
            + " | column in the files |",
            "|---|" + "---:|" * len(LEGACY_YEARS) + "---|",
        ]  # fmt: skip
        for o, g in d.groupby("outcome", sort=False):
            scale, _ = display_unit(str(o), difference=True)
            cells = [
                _cell(*g.loc[g["years_after_end"] == k, ["mean", "lo", "hi"]].iloc[0], scale)
                for k in LEGACY_YEARS
            ]
            label = _outcome_label(str(o), difference=True)
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {_code(o)} |")
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
            scale, unit = display_unit(t["outcome"])
            what = (
                f"taken up in {t['seeds_taken']} of {t['seeds']} seeds "
                f"({_text(outcome_table.label(t['outcome']))}: {fmt(t['mean'] * scale)} "
                f"{_text(unit)} on average while the levers apply; {_code(t['outcome'])})"
            )
        lines.append(f"- {_code(t['scenario'])}: {t['offer']} ({_code(t['lever'])}): {what}")
    return lines + [""]


def _interval_lines(result: CompareResult) -> list[str]:
    """The report's section on what its two kinds of interval mean."""
    k = len(result.seeds)
    rough = (
        [f"**With {k} seeds these intervals are rough:** run 10 or more for a report."]
        if 1 < k < 10
        else []
    )
    return [
        "## What the intervals mean",
        "",
        "Two kinds of interval appear, each always under the same name:",
        "",
        f"- **{CI_NAME}** (the tables; `lo` and `hi` in the files; the paired-differences "
        "figure): the range in which the mean over many more seeds probably lies, given these "
        f"{k} runs. It is a percentile bootstrap: the {k} runs' values (or their paired "
        f"differences) are resampled with replacement {BOOTSTRAP_RESAMPLES:,} times with a "
        "fixed seed, and the interval runs from the 2.5th to the 97.5th percentile of the "
        "resamples' means. It never leaves the range of the runs' values, so it respects "
        "every outcome's bounds: a rate's interval stays within 0-100%, a count's at or above "
        "zero, and a difference of two rates within -100 to +100 percentage points. With one "
        "seed there is no interval (lo = hi = mean), and with few seeds it is too narrow. "
        "An interval of a paired difference that excludes 0 marks a difference the seeds "
        "resolve. The two cost ratios use Fieller's 95% confidence interval of a ratio of "
        "means instead.",
        f"- **{BAND_NAME}** (the shaded bands of the figures over time): each week, the range "
        "from the 2.5th to the 97.5th percentile of the single runs' values. It shows how much "
        "one run varies, not how certain a mean is, and does not narrow with more seeds.",
        "",
        *rough,
        *([""] if rough else []),
        f"The intervals include {_text(result.meta.get('uncertainty', 'seed noise only'))}. "
        "They do not include uncertainty in the drivers or the model's structure. More seeds "
        "narrow the confidence intervals; paired differences are narrower than the gap "
        "between two separate intervals because common random numbers (and common parameter "
        "draws) cancel shared noise.",
        "",
    ]


#: The tables a comparison writes as CSV and Parquet, by file stem; ``timeseries`` is also
#: written as gzip-compressed CSV.
TABLE_FILES: tuple[str, ...] = (
    "comparison",
    "paired_differences",
    "runs",
    "cost_effectiveness",
    "legacy",
    "timeseries",
)


def _file_lines(result: CompareResult) -> list[str]:
    base = _code(result.baseline)
    return [
        "## Files",
        "",
        "Each table is written twice, as CSV and as Parquet (same columns and rows). Shares "
        "and rates are stored as 0-1 in the files (the report shows them as percentages); "
        f"`lo` and `hi` (and the `_lo` and `_hi` columns) are the {CI_NAME}.",
        "",
        "- `comparison.csv`, `comparison.parquet`: per scenario and outcome, `mean` (the mean "
        "over seeds of each run's final-year mean), `lo`, `hi` and `n` (seeds)",
        f"- `paired_differences.csv`, `.parquet`: per scenario and outcome, the paired "
        f"difference from {base} (`mean`, `lo`, `hi`, `n`)",
        "- `runs.csv`, `.parquet`: each run's final-year means (one row per scenario and seed)",
        "- `cost_effectiveness.csv`, `.parquet`: what each pound buys, against the first scenario",
        "- `legacy.csv`, `.parquet`: paired differences 1, 3 and 5 years after each programme ends",
        "- `timeseries.csv.gz`, `timeseries.parquet`: per-week means over seeds by scenario",
        "- `compare.json`: inputs of this comparison (scenario files, seeds, drivers, town)",
        "- `report.md` and `report.html`: this report (the HTML page holds its figures; the "
        "Markdown links to `figures/`)",
        "",
    ]


def report_markdown(
    result: CompareResult,
    table: pd.DataFrame,
    paired: pd.DataFrame,
    figures: dict[str, str],
    extra: dict[str, pd.DataFrame] | None = None,
) -> str:
    """The report of a comparison, as Markdown (``report.md``; ``report.html`` renders it).

    Text that comes from the inputs (scenario and drivers descriptions, names, files) is
    escaped so that it cannot add a link, an image or a table cell.

    Args:
        result: The comparison.
        table: Per-scenario intervals (:func:`compare_tables`).
        paired: Paired differences (:func:`compare_tables`).
        figures: ``{caption: address}`` of the figures to show: a path relative to the
            report, or a ``data:`` URI that holds the image.
        extra: The cost-effectiveness, legacy and takers tables (computed if not given).

    Returns:
        The report text.
    """
    extra = extra or report_tables(result)
    m = result.meta
    k = len(result.seeds)
    town, drivers = m["town"], m["drivers"]
    desc = f": {_text(drivers['description'])}" if drivers["description"] else ""
    lines = [
        "# Governance scenario comparison",
        "",
        f"towncentre {_text(m.get('version', ''))}: {len(result.scenarios)} scenarios x {k} "
        "seeds (common random numbers: replicate *i* of every scenario uses the same run "
        f"seed, derived from base seed {result.base_seed}).",
        "",
        f"- Town: {_text(town['name'])} ({town['units']:,} units; {_file(town['source'])}); "
        f"catchment {town['households']:,.0f} households ({_text(town['catchment_source'])})",
        *([f"- **Warning:** {_text(town['warning'])}"] if town.get("warning") else []),
        f"- Drivers: {_text(drivers['name'])} ({_file(drivers['file'])}){desc}",
        f"- Residents simulated: {_text(m['residents'])}; years after burn-in: "
        f"{_text(m['years'])}; burn-in: {_text(m['burn_in_weeks'])} weeks under market levers "
        "for every scenario",
        f"- Run seeds: {', '.join(str(s) for s in result.seeds[:10])}" + (" ..." if k > 10 else ""),
        "",
    ]
    lines += _scaling_lines(result, table)
    lines += ["## Scenarios", ""]
    for s in result.scenarios:
        text = _text(result.descriptions.get(s, ""))
        lines.append(f"- **{_text(s)}** ({_file(result.files.get(s, 'defaults'))}): {text}")
    lines += [""]
    lines += _lever_lines(result)
    diff_rows = _outcome_rows(paired, "scenario", difference=True)
    lines += [
        "## Outcomes (mean over the final year) by scenario",
        "",
        f"Each cell is the mean over the {k} seeds of each run's final-year mean, with its "
        f"{CI_NAME} [lo, hi]. Shares and rates are shown as percentages.",
        "",
        *_outcome_rows(table, "scenario"),
        "",
        f"## Paired differences from {_text(result.baseline)}",
        "",
        f"Scenario minus {_code(result.baseline)}, run by run on the same seed, then "
        f"averaged: mean [{CI_NAME}]; differences of shares and rates in percentage points. "
        "An interval that excludes 0 marks a difference the seeds resolve.",
        "",
        *(diff_rows or ["(only one scenario: no differences)"]),
        "",
        f"Vacancy is shown two ways: {_outcome_label('vacancy_rate')} (`vacancy_rate`) counts "
        f"every occupied unit; {_outcome_label('vacancy_rate_trading')} "
        "(`vacancy_rate_trading`) counts units whose occupier is subsidised, sponsored or on "
        "a meanwhile licence as empty (occupancy bought or lent, not trading on its own).",
        "",
    ]
    lines += _money_lines(result, extra["cost"])
    lines += _cost_lines(result, extra["cost"])
    lines += _legacy_lines(result, extra["legacy"])
    lines += _taker_lines(extra["takers"])
    lines += _interval_lines(result)
    if figures:
        lines += ["## Figures", ""]
    for cap, address in figures.items():
        lines += [f"### {_text(cap)}", "", f"![{_text(cap)}]({address})", ""]
    lines += _file_lines(result)
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


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (pyarrow, no index). The file holds no time stamp, so the
    same table gives the same bytes with the same pandas and pyarrow versions (which the
    file records)."""
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", index=False)
    return buf.getvalue()


def write_compare(
    out_dir: str | Path,
    result: CompareResult,
    draw_figures: FigureMaker | None = None,
    figures: bool = True,
) -> Path:
    """Write the tables, figures and report of a comparison into ``out_dir``, atomically.

    Writes each table of :data:`TABLE_FILES` as CSV (``timeseries`` gzip-compressed) and
    Parquet, ``compare.json``, the figures in ``figures/``, ``report.md`` (linking them) and
    ``report.html`` (the same text, self-contained: figures embedded, styles inline, no
    request to anywhere). Everything is first written into a temporary sibling directory,
    then each file is moved into ``out_dir`` with ``os.replace``: a failed or interrupted
    write leaves no half-written file, and files already in ``out_dir`` that are not outputs
    are left alone. The same comparison gives the same bytes.

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
        extra = report_tables(result)
        ts = timeseries_means(result)
        tables = {
            "comparison": table,
            "paired_differences": paired,
            "runs": result.runs,
            "cost_effectiveness": extra["cost"],
            "legacy": extra["legacy"],
            "timeseries": ts,
        }
        for stem, df in tables.items():
            csv = csv_bytes(df)
            if stem == "timeseries":
                (tmp / f"{stem}.csv.gz").write_bytes(_gzip_bytes(csv))
            else:
                (tmp / f"{stem}.csv").write_bytes(csv)
            (tmp / f"{stem}.parquet").write_bytes(parquet_bytes(df))
        info = {
            "scenarios": [{"name": s, "file": result.files[s]} for s in result.scenarios],
            "baseline": result.baseline,
            "base_seed": result.base_seed,
            "seeds": result.seeds,
            "summary": "mean of each outcome over the final 52 weeks of each run",
            "intervals": f"lo, hi: the {CI_NAME} (percentile bootstrap over seeds, "
            f"{BOOTSTRAP_RESAMPLES} resamples, fixed seed; Fieller's interval for the cost "
            "ratios)",
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
        embedded = {cap: report_html.png_data_uri(tmp / rel) for cap, rel in links.items()}
        page = report_html.render(
            report_markdown(result, table, paired, embedded, extra),
            title=f"Governance scenario comparison: {', '.join(result.scenarios)}",
        )
        (tmp / "report.html").write_text(page, encoding="utf-8", newline="\n")
    return out / "report.md"
