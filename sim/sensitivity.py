"""Global sensitivity analysis with SALib: designs (Sobol, Morris, Latin hypercube) and indices.

* Designs: :func:`sobol_sample` (Saltelli's extension of the Sobol' sequence),
  :func:`morris_sample` (elementary-effect trajectories) and :func:`lhs_sample` (Latin
  hypercube). Every design is a deterministic function of its ``seed`` (SALib builds its own
  generator from the integer; nothing here draws random numbers itself).
* Indices: :func:`sobol_table` (first-order ``S1`` and total ``ST`` with their confidence
  half-widths) and :func:`morris_table` (``mu_star``, ``sigma`` and ``mu_star_conf``).
* :func:`sensitivity_figure` draws the indices as horizontal bars, one panel per outcome.

A *problem* is SALib's dict: ``{"num_vars": D, "names": [...], "bounds": [[lo, hi], ...]}``.
Outcomes are given per design point, in design order (replicates already averaged).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Columns of the Sobol table.
SOBOL_COLUMNS: tuple[str, ...] = ("parameter", "S1", "S1_conf", "ST", "ST_conf")
#: Columns of the Morris table.
MORRIS_COLUMNS: tuple[str, ...] = ("parameter", "mu", "mu_star", "mu_star_conf", "sigma")


def problem(names: Sequence[str], bounds: Sequence[Sequence[float]]) -> dict[str, Any]:
    """SALib's problem dict.

    Args:
        names: Parameter names (e.g. ``"residents.trip_const"``).
        bounds: ``[lo, hi]`` per parameter.

    Returns:
        ``{"num_vars", "names", "bounds"}``.
    """
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[float(lo), float(hi)] for lo, hi in bounds],
    }


def sobol_sample(prob: dict[str, Any], n: int, seed: int = 0) -> np.ndarray:
    """Saltelli design for first-order and total indices: ``n * (D + 2)`` points.

    Args:
        prob: SALib problem.
        n: Base samples (a power of 2).
        seed: Scrambling seed.

    Returns:
        Array of shape ``(n * (D + 2), D)``.
    """
    from SALib.sample import sobol

    return sobol.sample(prob, int(n), calc_second_order=False, scramble=True, seed=int(seed))


def morris_sample(prob: dict[str, Any], n: int, levels: int = 4, seed: int = 0) -> np.ndarray:
    """Morris design: ``n`` trajectories of ``D + 1`` points on a ``levels`` grid.

    Args:
        prob: SALib problem.
        n: Trajectories.
        levels: Grid levels per parameter (even).
        seed: Design seed.

    Returns:
        Array of shape ``(n * (D + 1), D)``.
    """
    from SALib.sample import morris

    return morris.sample(prob, int(n), num_levels=int(levels), seed=int(seed))


def lhs_sample(prob: dict[str, Any], n: int, seed: int = 0) -> np.ndarray:
    """Latin hypercube design of ``n`` points.

    Args:
        prob: SALib problem.
        n: Points.
        seed: Design seed.

    Returns:
        Array of shape ``(n, D)``.
    """
    from SALib.sample import latin

    return latin.sample(prob, int(n), seed=int(seed))


def sobol_table(prob: dict[str, Any], y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% confidence half-widths (bootstrap).

    Args:
        prob: SALib problem of the design.
        y: Outcome per design point, in :func:`sobol_sample` order.
        seed: Bootstrap seed.

    Returns:
        One row per parameter: ``parameter, S1, S1_conf, ST, ST_conf`` (NaN where the outcome
        does not vary).
    """
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)) or float(np.var(y)) == 0.0:
        nan = [math.nan] * prob["num_vars"]
        res: dict[str, Any] = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = sobol.analyze(prob, y, calc_second_order=False, conf_level=0.95, seed=int(seed))
    return pd.DataFrame(
        {
            "parameter": prob["names"],
            "S1": np.asarray(res["S1"], dtype=np.float64),
            "S1_conf": np.asarray(res["S1_conf"], dtype=np.float64),
            "ST": np.asarray(res["ST"], dtype=np.float64),
            "ST_conf": np.asarray(res["ST_conf"], dtype=np.float64),
        },
        columns=list(SOBOL_COLUMNS),
    )


def morris_table(
    prob: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int = 4, seed: int = 0
) -> pd.DataFrame:
    """Morris elementary-effect statistics.

    Args:
        prob: SALib problem of the design.
        x: The design (:func:`morris_sample`).
        y: Outcome per design point.
        levels: Grid levels used by the design.
        seed: Bootstrap seed for ``mu_star_conf``.

    Returns:
        One row per parameter: ``parameter, mu, mu_star, mu_star_conf, sigma``.
    """
    from SALib.analyze import morris

    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        nan = [math.nan] * prob["num_vars"]
        res: dict[str, Any] = {"mu": nan, "mu_star": nan, "mu_star_conf": nan, "sigma": nan}
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = morris.analyze(
                prob,
                np.asarray(x, dtype=np.float64),
                y,
                conf_level=0.95,
                num_levels=int(levels),
                seed=int(seed),
            )
    return pd.DataFrame(
        {
            "parameter": prob["names"],
            "mu": np.asarray(res["mu"], dtype=np.float64),
            "mu_star": np.asarray(res["mu_star"], dtype=np.float64),
            "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=np.float64),
            "sigma": np.asarray(res["sigma"], dtype=np.float64),
        },
        columns=list(MORRIS_COLUMNS),
    )


def sensitivity_figure(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Horizontal bars of the indices, one panel per outcome (and scenario).

    Sobol tables (``S1``, ``ST``) show both indices side by side with their confidence
    half-widths as error bars; Morris tables show ``mu_star`` (with ``mu_star_conf``) and
    ``sigma``.

    Args:
        table: Tidy indices with ``outcome``, ``parameter`` and either the Sobol or the
            Morris columns (optionally ``scenario``).
        path: PNG file to write.
        title: Figure title.

    Returns:
        ``path``.
    """
    import matplotlib.pyplot as plt

    from sim.plotting import _save, label  # deferred: matplotlib only when drawing

    sobol = "ST" in table.columns
    keys = ["scenario", "outcome"] if "scenario" in table.columns else ["outcome"]
    groups = list(table.groupby(keys, sort=False))
    n = max(1, len(groups))
    ncol = min(3, n)
    nrow = math.ceil(n / ncol)
    n_par = table["parameter"].nunique() if len(table) else 1
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(4.6 * ncol, 0.9 + 0.42 * n_par * nrow + 0.6 * nrow), squeeze=False
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    a, b = ("S1", "ST") if sobol else ("mu_star", "sigma")
    for ax, (key, g) in zip(axes.flat, groups, strict=False):
        key = key if isinstance(key, tuple) else (key,)
        pos = np.arange(len(g))
        ea = g[f"{a}_conf"].to_numpy() if f"{a}_conf" in g else None
        eb = g[f"{b}_conf"].to_numpy() if f"{b}_conf" in g else None
        ax.barh(pos - 0.2, g[a].to_numpy(), 0.4, xerr=ea, label=a, color="#4C72B0")
        ax.barh(pos + 0.2, g[b].to_numpy(), 0.4, xerr=eb, label=b, color="#DD8452")
        ax.set_yticks(pos, [str(p) for p in g["parameter"]], fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0.0, color="0.3", lw=0.6)
        name = label(str(key[-1]))
        ax.set_title(name if len(key) == 1 else f"{key[0]}: {name}", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
