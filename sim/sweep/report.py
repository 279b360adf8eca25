"""A sweep's outputs: the runs collected from the log, summary and sensitivity tables,
figures and the Markdown report.

:func:`finish` turns the logged runs into ``runs.csv``, ``summary.csv``, (Sobol, Morris)
``sensitivity.csv``, figures and ``report.md``, written atomically (a temporary sibling
folder, then ``os.replace`` file by file).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.results import csv_bytes, interval, staged_outputs
from sim.scenarios import InputError
from sim.sweep.spec import SweepSpec, Task, bounds, salib_problem

#: Columns of ``runs.csv`` before the parameters and outcomes.
RUN_COLUMNS: tuple[str, ...] = ("run_id", "scenario", "cell", "replicate", "seed")
#: Columns of ``runs.csv`` after the parameters, before the outcomes.
STATUS_COLUMNS: tuple[str, ...] = ("status", "error", "seconds")


@dataclass
class SweepResult:
    """Outcome of a sweep (:func:`sim.sweep.run_sweep`, :func:`sim.sweep.analyse_folder`).

    Attributes:
        spec: The sweep.
        out_dir: Output folder.
        runs: One row per run of the plan (latest attempt), in plan order.
        summary: Per scenario, cell and outcome: mean, lo, hi (95% over replicates), n.
        ran: Runs executed by this call (the rest were already done).
        failed: Runs whose latest attempt failed.
        sensitivity: Sobol or Morris indices (None for grid and LHS designs).
        files: Files written, relative to ``out_dir``.
    """

    spec: SweepSpec
    out_dir: Path
    runs: pd.DataFrame
    summary: pd.DataFrame
    ran: int
    failed: int
    sensitivity: pd.DataFrame | None = None
    files: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ outputs


def collect(
    tasks: Sequence[Task], logged: Sequence[dict[str, Any]], spec: SweepSpec
) -> pd.DataFrame:
    """One row per planned run (its latest logged attempt), in plan order.

    Args:
        tasks: The plan.
        logged: The rows of the run log, in the order written.
        spec: The sweep.

    Returns:
        The runs; runs not in the log (an interrupted sweep) are left out.
    """
    latest: dict[str, dict[str, Any]] = {}
    for r in logged:
        latest[r["key"]] = r
    rows = []
    for t in tasks:
        r = latest.get(t.key)
        if r is None:
            continue
        row = t.row({k: r.get(k) for k in STATUS_COLUMNS})
        row.update({o: r.get(o, math.nan) for o in spec.outcomes})
        rows.append(row)
    drawn = [] if spec.posterior is None else list(spec.posterior.keys)
    drawn = [k for k in drawn if k not in spec.keys and k not in spec.fixed]  # posterior draws
    cols = ["key", *RUN_COLUMNS, *spec.keys, *spec.fixed, *drawn, *STATUS_COLUMNS, *spec.outcomes]
    df = pd.DataFrame(rows, columns=cols)
    for o in spec.outcomes:
        df[o] = pd.to_numeric(df[o], errors="coerce").astype(np.float64)
    df["error"] = df["error"].fillna("").astype(str)
    return df


def summary_table(runs: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """Per scenario, cell and outcome: mean and 95% interval over the successful replicates.

    Returns:
        Columns ``scenario, cell, <parameters>, outcome, mean, lo, hi, n``.
    """
    rows = []
    ok = runs[runs["status"] == "ok"]
    for (scn, cell), g in ok.groupby(["scenario", "cell"], sort=False):
        vals = {k: g[k].iloc[0] for k in spec.keys}
        for o in spec.outcomes:
            m, lo, hi = interval(g[o].to_numpy())
            rows.append(
                {"scenario": scn, "cell": cell, **vals, "outcome": o, "mean": m, "lo": lo}
                | {"hi": hi, "n": len(g)}
            )
    cols = ["scenario", "cell", *spec.keys, "outcome", "mean", "lo", "hi", "n"]
    return pd.DataFrame(rows, columns=cols)


def sensitivity_tables(
    spec: SweepSpec, runs: pd.DataFrame, points: pd.DataFrame
) -> pd.DataFrame | None:
    """Sobol or Morris indices per scenario and outcome from a complete sweep.

    Outcomes are averaged over replicates per cell (common random numbers) before analysis.

    Returns:
        A tidy table (``scenario, outcome, parameter`` and the indices), or None for grid
        and LHS designs.

    Raises:
        InputError: runs are missing or failed (the analysis needs every design point).
    """
    if spec.design not in ("sobol", "morris"):
        return None
    from sim import sensitivity as sa

    prob = salib_problem(spec)
    ok = runs[runs["status"] == "ok"]
    n_cells = len(points)
    tables = []
    for scn in [s.name for s in spec.scenarios]:
        g = ok[ok["scenario"] == scn]
        means = g.groupby("cell")[list(spec.outcomes)].mean()
        if len(means) != n_cells:
            raise InputError(
                f"{spec.source}: {n_cells - len(means)} design points of {scn} have no "
                f"successful run; {spec.design} indices need every point (rerun the sweep)"
            )
        means = means.sort_index()
        for o in spec.outcomes:
            y = means[o].to_numpy()
            if spec.design == "sobol":
                t = sa.sobol_table(prob, y, seed=spec.design_seed)
            else:
                t = sa.morris_table(
                    prob, points.to_numpy(np.float64), y, spec.levels, spec.design_seed
                )
            t.insert(0, "outcome", o)
            t.insert(0, "scenario", scn)
            tables.append(t)
    return pd.concat(tables, ignore_index=True)


def finish(
    spec: SweepSpec,
    out: Path,
    tasks: list[Task],
    points: pd.DataFrame,
    logged: Sequence[dict[str, Any]],
    ran: int,
    figures: bool,
) -> SweepResult:
    """Tables (and, with every run done, sensitivity indices) from the log; write them all.

    Args:
        spec: The sweep.
        out: Output folder.
        tasks: The plan.
        points: The design.
        logged: The rows of the run log.
        ran: Runs executed by this call.
        figures: Draw figures.

    Returns:
        The result, its files written.
    """
    runs = collect(tasks, logged, spec)
    summ = summary_table(runs, spec)
    failed = int((runs["status"] != "ok").sum())
    sens = None
    if spec.design in ("sobol", "morris") and failed == 0 and len(runs) == len(tasks):
        sens = sensitivity_tables(spec, runs, points)
    res = SweepResult(spec, out, runs, summ, ran, failed, sens)
    write_outputs(res, figures=figures)
    return res


def write_outputs(res: SweepResult, figures: bool = True) -> list[str]:
    """Write ``runs.csv``, ``summary.csv``, ``sensitivity.csv``, figures and ``report.md``.

    Everything is drawn into a temporary sibling folder and moved into place file by file
    with ``os.replace``: an interrupted write leaves no half-written file.

    Returns:
        Files written, relative to the output folder.
    """
    written: list[str] = []
    with staged_outputs(res.out_dir, written) as tmp:
        (tmp / "runs.csv").write_bytes(csv_bytes(res.runs.drop(columns="key")))
        (tmp / "summary.csv").write_bytes(csv_bytes(res.summary))
        if res.sensitivity is not None:
            (tmp / "sensitivity.csv").write_bytes(csv_bytes(res.sensitivity))
        links: dict[str, str] = {}
        if figures:
            (tmp / "figures").mkdir()
            made = sweep_figures(res, tmp / "figures")
            links = {cap: f"figures/{f}" for cap, f in made.items()}
        (tmp / "report.md").write_text(report_markdown(res, links), encoding="utf-8")
    res.files = written
    return written


def report_markdown(res: SweepResult, figures: dict[str, str]) -> str:
    """A short Markdown report of a sweep: inputs, run counts, files and figures."""
    s = res.spec
    n_ok = int((res.runs["status"] == "ok").sum())
    lines = [
        f"# Sweep: {s.name}",
        "",
        s.description,
        "",
        f"- File: `{s.source}` (size {s.size}); towncentre {sim.__version__}",
        f"- Scenarios: {', '.join(x.name for x in s.scenarios)}; drivers: {s.drivers.name}; "
        f"town: {s.town.name} ({s.town.n_units} units)",
        f"- Design: {s.design}, {len(res.runs['cell'].unique()) if len(res.runs) else 0} cells "
        f"x {s.replicates} replicate seeds (the same seeds in every cell: common random "
        f"numbers, base seed {s.base_seed})",
        f"- Residents: {s.residents or 'default'}; years after burn-in: {s.years or 'default'}",
        f"- Runs: {n_ok} ok, {res.failed} failed"
        + (" (see the `error` column of `runs.csv`)" if res.failed else ""),
        "",
        "Each run is summarised by each outcome's mean over its final 52 weeks; `summary.csv` "
        "gives, per cell, the mean over replicates with a 95% t-interval (run-to-run noise "
        "only).",
        "",
    ]
    if res.sensitivity is not None:
        lines += [
            "Sensitivity indices (`sensitivity.csv`) use each cell's mean over replicates; "
            "the confidence half-widths are SALib's bootstrap intervals and do not include "
            "the model's replicate noise.",
            "",
        ]
    for cap, rel in figures.items():
        lines += [f"## {cap}", "", f"![{cap}]({rel})", ""]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ figures


def _numeric_keys(spec: SweepSpec) -> list[str]:
    return [k for k in spec.keys if bounds(k)[2] is not bool]


def sweep_figures(res: SweepResult, folder: Path) -> dict[str, str]:
    """Draw the figures of a sweep into ``folder``.

    * ``distributions.png`` (several scenarios): each outcome's run values by scenario
      (boxes; grouped by the swept value when one parameter is varied on a grid);
    * ``response.png`` (grid, one parameter): each outcome's mean and 95% interval against
      the parameter, one line per scenario;
    * ``surface_<scenario>.png`` (grid, two or more parameters): each outcome's mean over
      the first two parameters, averaged over any others;
    * ``scatter.png`` (LHS, Sobol, Morris): cell means of the first outcomes against each
      parameter;
    * ``sensitivity.png`` (Sobol, Morris): the indices as bars.

    Returns:
        ``{caption: file name}``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plotting import _save, label

    spec, runs, summ = res.spec, res.runs, res.summary
    ok = runs[runs["status"] == "ok"]
    made: dict[str, str] = {}
    if ok.empty:
        return made
    outs = list(spec.outcomes)[:9]
    keys = _numeric_keys(spec)
    scns = [s.name for s in spec.scenarios]
    cmap = plt.get_cmap("tab10")

    def grid(n: int) -> tuple[Any, np.ndarray]:
        ncol = min(3, n)
        nrow = math.ceil(n / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.4 * ncol, 3.1 * nrow), squeeze=False)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        return fig, axes

    if len(scns) > 1:
        fig, axes = grid(len(outs))
        by = keys[0] if spec.design == "grid" and len(keys) == 1 else None
        levels = sorted(ok[by].unique()) if by else [None]
        width = 0.8 / len(scns)
        for ax, o in zip(axes.flat, outs, strict=False):
            for i, s in enumerate(scns):
                d = ok[ok["scenario"] == s]
                data = [
                    d[o].to_numpy() if lv is None else d[d[by] == lv][o].to_numpy() for lv in levels
                ]
                pos = np.arange(len(levels)) + (i - (len(scns) - 1) / 2) * width
                bp = ax.boxplot(
                    data,
                    positions=pos,
                    widths=width * 0.9,
                    patch_artist=True,
                    showfliers=False,
                    medianprops={"color": "black"},
                    manage_ticks=False,
                )
                for patch in bp["boxes"]:
                    patch.set(facecolor=cmap(i % 10), alpha=0.6)
            ax.set_xticks(
                np.arange(len(levels)),
                [f"{lv:g}" if lv is not None else "" for lv in levels],
                fontsize=7,
            )
            if by:
                ax.set_xlabel(by, fontsize=8)
            ax.set_title(label(o), fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=cmap(i % 10), alpha=0.6) for i in range(len(scns))
        ]
        fig.legend(handles, scns, loc="lower center", ncol=min(4, len(scns)), fontsize=8)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        _save(fig, folder / "distributions.png")
        made["Outcome distributions by scenario (one box per scenario; all runs)"] = (
            "distributions.png"
        )

    if spec.design == "grid" and len(keys) == 1:
        k = keys[0]
        fig, axes = grid(len(outs))
        for ax, o in zip(axes.flat, outs, strict=False):
            for i, s in enumerate(scns):
                d = summ[(summ["scenario"] == s) & (summ["outcome"] == o)].sort_values(k)
                x = d[k].to_numpy(np.float64)
                ax.fill_between(x, d["lo"], d["hi"], color=cmap(i % 10), alpha=0.18, lw=0)
                ax.plot(x, d["mean"], "o-", color=cmap(i % 10), lw=1.3, ms=3, label=s)
            ax.set_xlabel(k, fontsize=8)
            ax.set_title(label(o), fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
        axes.flat[0].legend(fontsize=7)
        fig.tight_layout()
        _save(fig, folder / "response.png")
        made[f"Outcomes against {k} (mean and 95% interval over replicates)"] = "response.png"
    elif spec.design == "grid" and len(keys) >= 2:
        kx, ky = keys[0], keys[1]
        for s in scns:
            fig, axes = grid(len(outs))
            d0 = ok[ok["scenario"] == s]
            for ax, o in zip(axes.flat, outs, strict=False):
                piv = d0.pivot_table(index=ky, columns=kx, values=o, aggfunc="mean")
                im = ax.imshow(
                    piv.to_numpy(np.float64), origin="lower", aspect="auto", cmap="viridis"
                )
                ax.set_xticks(range(piv.shape[1]), [f"{v:g}" for v in piv.columns], fontsize=7)
                ax.set_yticks(range(piv.shape[0]), [f"{v:g}" for v in piv.index], fontsize=7)
                ax.set_xlabel(kx, fontsize=8)
                ax.set_ylabel(ky, fontsize=8)
                ax.set_title(label(o), fontsize=9)
                fig.colorbar(im, ax=ax, shrink=0.85).ax.tick_params(labelsize=7)
            fig.suptitle(f"{s}: mean over replicates", fontsize=10)
            fig.tight_layout()
            fname = f"surface_{s}.png"
            _save(fig, folder / fname)
            made[f"Outcome surfaces over {kx} and {ky}: {s}"] = fname
    elif spec.design != "grid" and keys:
        shown = outs[:3]
        ks = keys[:6]
        fig, axes = plt.subplots(
            len(shown), len(ks), figsize=(2.6 * len(ks), 2.3 * len(shown)), squeeze=False
        )
        for i, s in enumerate(scns):
            m = ok[ok["scenario"] == s].groupby("cell")[[*ks, *shown]].mean()
            for r, o in enumerate(shown):
                for c, k in enumerate(ks):
                    ax = axes[r, c]
                    ax.scatter(m[k], m[o], s=6, color=cmap(i % 10), alpha=0.6, label=s)
                    if r == len(shown) - 1:
                        ax.set_xlabel(k, fontsize=7)
                    if c == 0:
                        ax.set_ylabel(label(o), fontsize=7)
                    ax.tick_params(labelsize=6)
        fig.tight_layout()
        _save(fig, folder / "scatter.png")
        made["Cell means against each parameter"] = "scatter.png"

    if res.sensitivity is not None and len(res.sensitivity):
        from sim.sensitivity import sensitivity_figure

        t = res.sensitivity
        if len(scns) == 1:
            t = t.drop(columns="scenario")
        what = (
            "Sobol first-order (S1) and total (ST) indices"
            if spec.design == "sobol"
            else "Morris mu* and sigma"
        )
        sensitivity_figure(t, folder / "sensitivity.png", title=f"{spec.name}: {what}")
        made[what] = "sensitivity.png"
    return made
