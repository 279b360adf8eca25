"""Reports: the tables, files and Markdown report of a scenario comparison.

* :func:`compare_tables` gives each outcome's mean and 95% interval per scenario and the
  paired differences against the baseline scenario (consumer-led);
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
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outcomes import HEADLINE
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


def report_markdown(
    result: CompareResult, table: pd.DataFrame, paired: pd.DataFrame, figures: dict[str, str]
) -> str:
    """The Markdown report of a comparison.

    Args:
        result: The comparison.
        table: Per-scenario intervals (:func:`compare_tables`).
        paired: Paired differences (:func:`compare_tables`).
        figures: ``{caption: relative path}`` of the figures to link.

    Returns:
        The report text.
    """
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
        "- `timeseries.csv.gz`: per-week means over seeds by scenario",
        "- `compare.json`: inputs of this comparison (scenario files, seeds, drivers, town)",
        "",
    ]
    return "\n".join(lines)


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
        report = report_markdown(result, table, paired, links)
        (tmp / "report.md").write_text(report, encoding="utf-8", newline="\n")
    return out / "report.md"
