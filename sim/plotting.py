"""Matplotlib figures of scenario comparisons (time series with bands, paired differences).

Every figure is drawn with the non-interactive Agg backend and saved as PNG at 120 dpi with
no ``Software`` metadata, so the same data give the same bytes.

Inputs are the tidy tables of :mod:`sim.runner`:

* ``ts``: per-step outcomes of every run, one row per (scenario, seed index, week), with
  columns ``scenario``, ``seed_index``, ``week``, ``year``, ``policy`` and the outcomes;
* ``paired``: paired differences, one row per (scenario, outcome), with columns
  ``scenario``, ``baseline``, ``outcome``, ``mean``, ``lo``, ``hi``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim import outcomes as outcome_table  # noqa: E402
from sim.outcomes import HEADLINE  # noqa: E402
from sim.results import BAND_NAME, BAND_QUANTILES, CI_NAME, display_unit  # noqa: E402

DPI = 120
_PNG_META = {"Software": None}

#: Outcomes of the 3 x 3 comparison grid.
GRID_OUTCOMES: tuple[str, ...] = (
    "vacancy_rate",
    "long_term_vacancy_rate",
    "shannon",
    "independent_share",
    "clone_town_index",
    "mean_ties",
    "isolated_share",
    "mean_engagement",
    "footfall",
)

#: Outcomes drawn as single time-series figures by :func:`compare_figures`.
TIMESERIES_FIGURES: tuple[str, ...] = ("vacancy_rate", "shannon", "mean_ties", "council_net")


def label(outcome: str, difference: bool = False) -> str:
    """Display label of an outcome column with the unit it is drawn in (shares in %, their
    differences in percentage points; :func:`sim.results.display_unit`)."""
    _, unit = display_unit(outcome, difference)
    text = outcome_table.label(outcome)
    return f"{text} ({unit})" if unit else text


def _panel_title(text: str) -> str:
    """A panel's title wrapped to lines that fit a third of a grid's width."""
    return textwrap.fill(text, 48)


def _scenarios(ts: pd.DataFrame) -> list[str]:
    return [str(s) for s in pd.unique(ts["scenario"])]


def _bands(ts: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per scenario and week: calendar year, mean, and the band of :data:`BAND_NAME` (the
    2.5th and 97.5th percentiles of the runs' values across seeds)."""
    scale, _ = display_unit(outcome)
    g = (ts[outcome] * scale).groupby([ts["scenario"], ts["week"]], sort=False)
    out = pd.DataFrame(
        {
            "year": ts.groupby(["scenario", "week"], sort=False)["year"].first(),
            "mean": g.mean(),
            "lo": g.quantile(BAND_QUANTILES[0]),
            "hi": g.quantile(BAND_QUANTILES[1]),
        }
    )
    return out.reset_index()


def _burn_in_end(ts: pd.DataFrame) -> float | None:
    """Calendar year at which the scenario levers start (end of burn-in), if any."""
    pol = ts[ts["policy"] > 0.5]
    if pol.empty:
        return None
    return float(pol["year"].min())


def _draw_series(ax: Axes, ts: pd.DataFrame, outcome: str, scenarios: Sequence[str]) -> None:
    b = _bands(ts, outcome)
    colours = plt.get_cmap("tab10")
    start = float(ts["year"].min())
    end = _burn_in_end(ts)
    if end is not None and end > start:
        ax.axvspan(start, end, color="0.9", zorder=0, lw=0)
    for k, s in enumerate(scenarios):
        d = b[b["scenario"] == s]
        c = colours(k % 10)
        ax.fill_between(d["year"], d["lo"], d["hi"], color=c, alpha=0.18, lw=0)
        ax.plot(d["year"], d["mean"], color=c, lw=1.4, label=s)
    ax.set_title(_panel_title(label(outcome)), fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3, lw=0.5)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=DPI, format="png", metadata=_PNG_META)
    plt.close(fig)
    return path


def timeseries_figure(ts: pd.DataFrame, outcome: str, path: str | Path) -> Path:
    """One outcome over calendar time: each scenario's mean over seeds with the band of the
    middle 95% of runs (:data:`~sim.results.BAND_NAME`: the 2.5th to 97.5th percentile).

    The burn-in (market levers for every scenario) is shaded grey.

    Args:
        ts: Per-step outcomes of every run (see the module docstring).
        outcome: Outcome column to draw.
        path: PNG file to write.

    Returns:
        The path written.
    """
    fig, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    _draw_series(ax, ts, outcome, _scenarios(ts))
    ax.set_xlabel("year", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    n = int(ts["seed_index"].nunique()) if "seed_index" in ts else 1
    fig.suptitle(
        f"{label(outcome)}: mean of {n} runs, shaded: {BAND_NAME} (grey: burn-in)", fontsize=10
    )
    return _save(fig, path)


def comparison_grid(
    ts: pd.DataFrame, outcomes: Sequence[str] = GRID_OUTCOMES, path: str | Path = "grid.png"
) -> Path:
    """A grid (three columns) of time-series panels, one per outcome, all scenarios in each
    (means over seeds, shaded: the middle 95% of runs).

    Args:
        ts: Per-step outcomes of every run (see the module docstring).
        outcomes: Outcome columns, one panel each (nine give a 3 x 3 grid).
        path: PNG file to write.

    Returns:
        The path written.
    """
    outcomes = [o for o in outcomes if o in ts.columns]
    ncol = 3
    nrow = max(1, math.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(11.0, 2.7 * nrow + 0.6), layout="constrained", squeeze=False
    )
    scen = _scenarios(ts)
    for ax, o in zip(axes.flat, outcomes, strict=False):
        _draw_series(ax, ts, o, scen)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=max(1, len(scen)),
        fontsize=8,
        frameon=False,
    )
    n = int(ts["seed_index"].nunique()) if "seed_index" in ts else 1
    fig.suptitle(f"Scenario means of {n} runs, shaded: {BAND_NAME} (grey: burn-in)", fontsize=10)
    return _save(fig, path)


def paired_figure(paired: pd.DataFrame, path: str | Path) -> Path:
    """Forest plot of paired differences against the baseline scenario, one panel per outcome:
    each scenario's mean difference with its 95% confidence interval of the mean.

    Args:
        paired: Paired differences (see the module docstring).
        path: PNG file to write.

    Returns:
        The path written.
    """
    outcomes = [str(o) for o in pd.unique(paired["outcome"])] if len(paired) else []
    ncol = 3
    nrow = max(1, math.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(11.0, 1.9 * nrow + 0.6), layout="constrained", squeeze=False
    )
    base = str(paired["baseline"].iloc[0]) if len(paired) else ""
    for ax, o in zip(axes.flat, outcomes, strict=False):
        scale, _ = display_unit(o, difference=True)
        d = paired.loc[paired["outcome"] == o, ["scenario", "mean", "lo", "hi"]]
        d[["mean", "lo", "hi"]] *= scale
        y = np.arange(len(d))[::-1]
        err = np.vstack([d["mean"] - d["lo"], d["hi"] - d["mean"]])
        ax.errorbar(d["mean"], y, xerr=err, fmt="o", ms=4, color="tab:blue", capsize=3, lw=1.2)
        ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
        ax.set_yticks(y, [str(s) for s in d["scenario"]], fontsize=7)
        ax.set_ylim(-0.7, len(d) - 0.3)
        ax.set_title(_panel_title(label(o, difference=True)), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3, lw=0.5)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"Paired difference from {base} (same seeds): mean and {CI_NAME}", fontsize=10)
    return _save(fig, path)


def compare_figures(
    ts: pd.DataFrame, paired: pd.DataFrame, folder: str | Path, baseline: str
) -> dict[str, str]:
    """The figures of a scenario comparison: headline grid, paired differences, time series.

    Args:
        ts: Per-step outcomes of every run (see the module docstring).
        paired: Paired differences (see the module docstring); may be empty.
        folder: Existing folder the PNG files are written into.
        baseline: Name of the scenario differences are taken from (for the caption).

    Returns:
        ``{caption: file name}`` in report order, file names relative to ``folder``.
    """
    folder = Path(folder)
    made: dict[str, str] = {}
    grid = [o for o in GRID_OUTCOMES if o in ts.columns]
    comparison_grid(ts, grid, folder / "outcomes.png")
    made[f"Headline outcomes over time (means; shaded: {BAND_NAME})"] = "outcomes.png"
    if len(paired):
        order = {o: i for i, o in enumerate(HEADLINE)}
        ph = paired[paired["outcome"].isin(order)].copy()
        ph["_o"] = ph["outcome"].map(order)
        ph = ph.sort_values("_o", kind="stable").drop(columns="_o")
        paired_figure(ph, folder / "paired_differences.png")
        made[f"Paired differences from {baseline} (means and {CI_NAME})"] = "paired_differences.png"
    for o in TIMESERIES_FIGURES:
        if o in ts.columns:
            timeseries_figure(ts, o, folder / f"{o}.png")
            made[f"{label(o)} over time (means; shaded: {BAND_NAME})"] = f"{o}.png"
    return made
