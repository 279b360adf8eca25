"""Calibrate the consumer-led baseline to the 2008-2014 vacancy path (issue 7).

    .venv/bin/python experiments/calibrate.py              # full calibration (< 30 min, 2 cores)
    .venv/bin/python experiments/calibrate.py --tiny       # the code path in seconds (tests)

Method (documented in docs/calibration.md):

* Model: parameter defaults (the consumer-led market), drivers ``calibration`` (ONS online
  path and the 2008-09 recession), runs start in 2006 with a 104-week burn-in, so the
  simulated years 2008.0-2015.0 face the observed ones.
* Targets (DATA.md): the residents' online share of spend tracks the ONS path (RMSE of
  yearly means 2008-2014, added to the loss); GB town-centre vacancy, Local Data Company:
  mid-2009 ~10%, end-2009 >12% (taken as 12.5%), H1 2011 14.5%, Feb 2012 14.6%, Dec 2013
  13.9%, Dec 2014 13.2% (RMSE in percentage points over these six points); 2008 uncertain,
  5-10% (a penalty only outside that range); independents opening and closing 11-14% of
  their stock a year each (2009-2014; a penalty outside the band); chains shrinking slowly,
  net -0.25% to -2% a year (a penalty outside the band).
* Free parameters and ranges: see ``FREE``. Stage 1: a scrambled Sobol design (scipy.stats.qmc)
  evaluated on ``--seeds1`` seeds each. Stage 2: the best points re-evaluated on
  ``--seeds2`` seeds. Stage 3: Nelder-Mead from the best point on ``--seeds2`` seeds (common
  random numbers: the same seeds at every point, so the objective is smooth in the
  parameters). Stage 4: the Nelder-Mead point, the three best stage-2 points and the current
  defaults are compared on ``--seeds-final`` validation seeds used nowhere else, and the best
  of them is the result (a 10-seed loss is noisy: the optimum of stage 3 partly fits its
  seeds' noise). The report's figures come from a further set of fresh seeds. Uncertainty:
  the spread of each parameter over the stage-1 points whose loss is within 25% of the best
  stage-1 loss (an approximate-Bayesian acceptance set); a narrow
  spread means the targets identify the parameter.
* Outputs: ``docs/calibration.md`` (report), ``docs/calibration_vacancy.png`` (simulated mean
  and 90% band over seeds against observed vacancy), ``experiments/calibration_result.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.execution import default_executor  # noqa: E402
from sim.runner import run_one  # noqa: E402
from sim.scenarios import check_value  # noqa: E402
from sim.streams import replicate_seeds  # noqa: E402

#: Observed vacancy (DATA.md, Local Data Company): (calendar year, share).
OBSERVED = (
    (2009.5, 0.100),
    (2009.95, 0.125),
    (2011.25, 0.145),
    (2012.1, 0.146),
    (2013.95, 0.139),
    (2014.95, 0.132),
)
VAC_2008 = (0.05, 0.10)  # 2008 level: uncertain, a range (DATA.md)
CHURN = (0.11, 0.14)  # independents' opening and closing rates, per year of stock (DATA.md)
CHAIN_NET = (-0.02, -0.0025)  # chains' net change per year (DATA.md)
FIT_YEARS = (2009.0, 2015.0)  # churn measured over these years

#: Free parameters: (group, name, low, high).
FREE = (
    ("entrants", "arrival_rate", 0.5, 4.0),
    ("occupiers", "exit_hazard", 0.0, 0.12),
    ("occupiers", "quality_sd", 0.05, 0.6),
    ("occupiers", "chain_threshold", -0.4, 0.0),
    ("residents", "blight", 0.0, 2.0),
    ("landlords", "rent_floor", 0.7, 1.2),
    ("entrants", "chain_share", 0.1, 0.5),
    ("occupiers", "chain_threshold_online", 0.0, 2.0),
)


class SerialExecutor(Executor):
    """Runs each task at submission, in this process (``--workers 1``)."""

    def submit(self, fn, /, *args, **kwargs):  # noqa: D102
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
            fut.set_exception(exc)
        return fut


def current_defaults() -> np.ndarray:
    """The free parameters' current defaults (``sim/params.py``), in ``FREE`` order."""
    from sim.params import specs

    d = {(sp.group, sp.name): sp.default for sp in specs()}
    return np.array([float(d[(g, n)]) for g, n, _, _ in FREE])


def overrides_of(x: np.ndarray) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {"run": {"burn_in_weeks": 104}}
    for (g, n, lo, hi), v in zip(FREE, x, strict=True):
        out.setdefault(g, {})[n] = check_value("calibrate", g, n, float(np.clip(v, lo, hi)))
    return out


def simulate(x: np.ndarray, seed: int, residents: int) -> dict[str, np.ndarray]:
    """One run; returns the series the loss needs."""
    df, _ = run_one(
        None,
        drivers="calibration",
        seed=seed,
        residents=residents,
        years=7.0,
        overrides=overrides_of(x),
    )
    return {
        k: df[k].to_numpy()
        for k in (
            "year",
            "vacancy_rate",
            "online_share",
            "online_driver",
            "openings_independent",
            "closures_independent",
            "independents",
            "openings_chain",
            "closures_chain",
            "chains",
        )
    }


def _band_penalty(v: float, lo: float, hi: float) -> float:
    return max(lo - v, 0.0, v - hi)


def statistics(runs: list[dict[str, np.ndarray]]) -> dict[str, float]:
    """Seed-averaged fit statistics."""
    year = runs[0]["year"]
    vac = np.mean([r["vacancy_rate"] for r in runs], axis=0)
    sim_pts = np.interp([t for t, _ in OBSERVED], year, vac)
    obs = np.array([v for _, v in OBSERVED])
    rmse = float(np.sqrt(np.mean((sim_pts - obs) ** 2)))
    v2008 = float(vac[(year >= 2008.0) & (year < 2009.0)].mean())
    win = (year >= FIT_YEARS[0]) & (year < FIT_YEARS[1])
    yrs = FIT_YEARS[1] - FIT_YEARS[0]
    stock_i = np.mean([r["independents"][win].mean() for r in runs])
    stock_c = np.mean([r["chains"][win].mean() for r in runs])
    open_i = np.mean([r["openings_independent"][win].sum() for r in runs]) / yrs / stock_i
    close_i = np.mean([r["closures_independent"][win].sum() for r in runs]) / yrs / stock_i
    net_c = (
        np.mean([(r["openings_chain"][win].sum() - r["closures_chain"][win].sum()) for r in runs])
        / yrs
        / stock_c
    )
    # the residents' online share of spend against the driver (ONS path), yearly 2008-2014
    yearly = [(year >= y) & (year < y + 1) for y in range(2008, 2015)]
    onl = np.mean([r["online_share"] for r in runs], axis=0)
    drv = runs[0]["online_driver"]
    online_rmse = float(np.sqrt(np.mean([(onl[m].mean() - drv[m].mean()) ** 2 for m in yearly])))
    return {
        "rmse": rmse,
        "online_rmse": online_rmse,
        "vac_2008": v2008,
        "open_indep": float(open_i),
        "close_indep": float(close_i),
        "chain_net": float(net_c),
    }


def loss(st: dict[str, float]) -> float:
    """Vacancy RMSE plus the online-share RMSE against the ONS driver (share units), plus band
    penalties (same units: shares of stock per year)."""
    return (
        st["rmse"]
        + st.get("online_rmse", 0.0)
        + _band_penalty(st["vac_2008"], *VAC_2008)
        + (_band_penalty(st["open_indep"], *CHURN) + _band_penalty(st["close_indep"], *CHURN))
        + 0.5 * _band_penalty(st["chain_net"], *CHAIN_NET)
    )


class Evaluator:
    """Seed-averaged loss of parameter vectors, runs spread over an executor."""

    def __init__(self, executor, residents: int) -> None:
        self.ex = executor
        self.residents = residents
        self.n_evals = 0

    def many(self, xs: list[np.ndarray], seeds: list[int]) -> list[tuple[float, dict]]:
        futs = {}
        for i, x in enumerate(xs):
            for s in seeds:
                futs[self.ex.submit(simulate, x, s, self.residents)] = i
        runs: list[list] = [[] for _ in xs]
        for f in as_completed(futs):
            runs[futs[f]].append(f.result())
        self.n_evals += len(xs)
        out = []
        for r in runs:
            st = statistics(r)
            out.append((loss(st), st))
        return out

    def runs(self, x: np.ndarray, seeds: list[int]) -> list[dict]:
        futs = [self.ex.submit(simulate, x, s, self.residents) for s in seeds]
        return [f.result() for f in futs]


def unreproduced(st: dict[str, float]) -> list[str]:
    """The calibration targets and stylised facts the fitted model misses."""
    out = []
    if not (0.09 <= st["open_indep"] <= 0.16 and 0.09 <= st["close_indep"] <= 0.16):
        out.append("independents' churn outside 9-16% a year")
    if not (CHAIN_NET[0] <= st["chain_net"] <= CHAIN_NET[1]):
        out.append(
            f"chains' slow net shrinkage: simulated {st['chain_net'] * 100:+.2f}% a year "
            "against -0.25% to -2% (DATA.md); chains "
            + (
                "close branches faster than real chains did"
                if st["chain_net"] < CHAIN_NET[0]
                else "do not shrink as real chains did"
            )
        )
    if st["rmse"] > 0.015:
        out.append("the 2009-2014 vacancy path within 1.5 points")
    if not (VAC_2008[0] <= st["vac_2008"] <= VAC_2008[1]):
        out.append(f"the 2008 level: simulated {st['vac_2008'] * 100:.1f}% against 5-10%")
    out.append(
        "footfall drifting down 1.5-2% a year (2013-2019) is not a target here; later years "
        "are left for validation"
    )
    return out


def report(path: Path, fig: Path, result: dict, runs: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    year = runs[0]["year"]
    vac = np.array([r["vacancy_rate"] for r in runs]) * 100
    figure, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(
        year,
        np.percentile(vac, 5, axis=0),
        np.percentile(vac, 95, axis=0),
        alpha=0.3,
        label=f"simulated 90% band ({len(runs)} seeds)",
    )
    ax.plot(year, vac.mean(axis=0), label="simulated mean")
    ax.plot(
        [t for t, _ in OBSERVED],
        [v * 100 for _, v in OBSERVED],
        "ko",
        label="observed (Local Data Company)",
    )
    ax.axhspan(VAC_2008[0] * 100, VAC_2008[1] * 100, xmin=0, xmax=0, alpha=0)
    ax.vlines(
        2008.5,
        VAC_2008[0] * 100,
        VAC_2008[1] * 100,
        colors="k",
        linestyles=":",
        label="2008 (uncertain range)",
    )
    ax.axvspan(year[0], 2008.0, color="0.9", label="burn-in")
    ax.set_xlim(2006, 2015)
    ax.set_ylabel("town-centre vacancy (%)")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(fig, dpi=120, metadata={"Software": None})
    plt.close(figure)

    st = result["final_statistics"]
    lines = [
        "# Calibration of the consumer-led baseline (2008-2014)",
        "",
        f"Produced by `{result['command']}` on {result['date']} in "
        f"{result['wall_minutes']:.1f} minutes ({result['evaluations']} parameter evaluations).",
        "The method is in the docstring of `experiments/calibrate.py`: a Sobol design, then "
        "the best points on more seeds, then Nelder-Mead, all with common random numbers.",
        "",
        f"![simulated against observed vacancy]({fig.name})",
        "",
        "## Set-up",
        "",
        "- Scenario: the parameter defaults (consumer-led: market only), example town, "
        f"{result.get('residents', 5000)} simulated residents for 30,000 households.",
        "- Drivers: `scenarios/drivers/calibration.toml`: runs start in 2006 (104 weeks of "
        "burn-in), the ONS online path (DATA.md), and a recession from mid-2008 whose budget "
        "squeeze deepens to 8% in 2011 and ends in mid-2013. The 2008-09 recession is in "
        "DATA.md's history; the length and depth of the squeeze on budgets (real earnings "
        "fell until 2014, ONS) is an assumption of this calibration, not a DATA.md figure.",
        "- Targets and loss: the docstring of `experiments/calibrate.py` (RMSE over the six "
        "2009-2014 points plus penalties outside the 2008 range, the independents' churn band "
        "and the chains' net-change band). Later years are left for validation.",
        "",
        "## Fit",
        "",
        "Figures at the defaults (the fitted values rounded to 4 significant figures), "
        f"re-run on {result['seeds_final']} seeds not used in the fit:",
        "",
        f"- Vacancy RMSE against the six 2009-2014 points: **{st['rmse'] * 100:.2f} "
        f"percentage points** (mean of {result['seeds_final']} seeds; target <= 1.5).",
        f"- 2008 vacancy: {st['vac_2008'] * 100:.1f}% (observed range 5-10%).",
        f"- Residents' online share of spend against the ONS path, 2008-2014: RMSE "
        f"{st.get('online_rmse', float('nan')) * 100:.2f} percentage points.",
        f"- Independents open {st['open_indep'] * 100:.1f}% and close "
        f"{st['close_indep'] * 100:.1f}% of their stock a year (observed 11-14%; target 9-16%).",
        f"- Chains' net change: {st['chain_net'] * 100:+.2f}% a year (observed -0.25% to -2%).",
        "",
        "| year | observed | simulated mean |",
        "|---:|---:|---:|",
    ]
    mean = vac.mean(axis=0)
    for t, v in OBSERVED:
        lines.append(f"| {t:.2f} | {v * 100:.1f}% | {np.interp(t, year, mean):.1f}% |")
    if "validation" in result:
        lines += [
            "",
            f"Selected: **{result['selected']}**, of these candidates compared on "
            f"{result['seeds_final']} validation seeds (vacancy RMSE in points, loss):",
            "",
            "| candidate | vacancy RMSE | loss |",
            "|---|---:|---:|",
        ]
        for c, v in result["validation"].items():
            lines.append(f"| {c} | {v['rmse'] * 100:.2f} | {v['loss']:.4f} |")
        if result["selected"] == "current defaults":
            lines += [
                "",
                "The current defaults (the result of an earlier run of this script, the "
                "Nelder-Mead point of that run) fit the validation seeds best, so they stay.",
            ]
    single = [statistics([r])["rmse"] * 100 for r in runs]
    lines += [
        "",
        f"Seed noise: one seed alone has a vacancy RMSE of {np.median(single):.2f} points "
        f"(median; 5-95% over seeds {np.percentile(single, 5):.2f}-"
        f"{np.percentile(single, 95):.2f}), so a 10-seed mean moves by a few tenths of a point "
        "with the seeds or with a change in the fourth significant figure of a parameter.",
        "",
        "## Fitted values",
        "",
        "Acceptance set: the stage-1 points whose loss is within 25% of the best "
        f"({result.get('n_accept', 'a few')} of the design points); its 5-95% range shows how "
        "well the targets identify each parameter. With so few points it is a rough guide: "
        "a fitted value outside it (from the Nelder-Mead stage) means the loss surface is "
        "flat or ridged along that parameter.",
        "",
        "| parameter | fitted | range searched | acceptance set 5-95% |",
        "|---|---:|---|---|",
    ]
    for (g, n, lo, hi), v, (a, b) in zip(
        FREE, result["best_x"], result["accept_range"], strict=True
    ):
        lines.append(f"| `{g}.{n}` | {v:.4g} | [{lo:g}, {hi:g}] | [{a:.3g}, {b:.3g}] |")
    edge = [
        f"`{g}.{n}`"
        for (g, n, lo, hi), v in zip(FREE, result["best_x"], strict=True)
        if min(v - lo, hi - v) < 0.02 * (hi - lo)
    ]
    if edge:
        lines += [
            "",
            f"At the edge of the searched range: {', '.join(edge)}; the loss would improve "
            "further out, so the range (or the model) limits the fit there.",
        ]
    lines += [
        "",
        "These values are the defaults in `sim/params.py`, marked "
        "`calibrated: experiments/calibrate.py`.",
        "",
        "## Stylised facts the model does not reproduce",
        "",
    ]
    lines += [f"- {x}" for x in result["not_reproduced"]]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Calibrate the consumer-led baseline.")
    ap.add_argument("--tiny", action="store_true", help="a seconds-long run of the code path")
    ap.add_argument("--points", type=int, default=48, help="stage-1 design points")
    ap.add_argument("--seeds1", type=int, default=3)
    ap.add_argument("--seeds2", type=int, default=10)
    ap.add_argument("--iters", type=int, default=30, help="Nelder-Mead iterations")
    ap.add_argument(
        "--seeds-final", type=int, default=20, help="fresh seeds for the reported fit (>= 10)"
    )
    ap.add_argument("--residents", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--json", default=str(ROOT / "experiments" / "calibration_result.json"))
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="re-run the final seeds at the fitted values in --json and rewrite "
        "the report and figure (a minute instead of the full calibration)",
    )
    a = ap.parse_args(argv)
    if a.report_only:
        result = json.loads(Path(a.json).read_text())
        final_seeds = replicate_seeds(99, max(a.seeds_final, 10))
        with default_executor(a.workers) if a.workers > 1 else SerialExecutor() as ex:
            runs = Evaluator(ex, result.get("residents", a.residents)).runs(
                np.array(result["best_x"]), final_seeds
            )
        result["seeds_final"] = len(final_seeds)
        result["final_statistics"] = statistics(runs)
        result["final_loss"] = loss(result["final_statistics"])
        result["not_reproduced"] = unreproduced(result["final_statistics"])
        Path(a.json).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        out = Path(a.out)
        report(out / "calibration.md", out / "calibration_vacancy.png", result, runs)
        return 0
    if a.tiny:
        a.points, a.seeds1, a.seeds2, a.iters, a.residents = 2, 1, 2, 1, 100
    t0 = time.time()
    lo = np.array([f[2] for f in FREE])
    hi = np.array([f[3] for f in FREE])
    design = qmc.Sobol(len(FREE), scramble=True, seed=20081).random(a.points)
    xs = [lo + d * (hi - lo) for d in design]
    seeds1 = replicate_seeds(2008, a.seeds1)
    seeds2 = replicate_seeds(2014, a.seeds2)
    with default_executor(a.workers) if a.workers > 1 else SerialExecutor() as ex:
        ev = Evaluator(ex, a.residents)
        stage1 = ev.many(xs, seeds1)
        l1 = np.array([s[0] for s in stage1])
        order = np.argsort(l1)
        print(f"stage 1: {a.points} points, best loss {l1[order[0]]:.4f}", flush=True)
        best_pts = [xs[i] for i in order[: max(2, a.points // 8)]]
        stage2 = ev.many(best_pts, seeds2)
        k = int(np.argmin([s[0] for s in stage2]))
        x0 = best_pts[k]
        print(f"stage 2: best loss {stage2[k][0]:.4f}", flush=True)
        scale = hi - lo

        def f(z: np.ndarray) -> float:
            x = np.clip(lo + z * scale, lo, hi)
            return ev.many([x], seeds2)[0][0]

        opt = minimize(
            f,
            (x0 - lo) / scale,
            method="Nelder-Mead",
            options={"maxiter": a.iters, "xatol": 1e-3, "fatol": 1e-4, "initial_simplex": None},
        )
        # Stage 4: selection on fresh validation seeds. The Nelder-Mead optimum is tuned to
        # the noise of its own seeds, so it competes with the best stage-2 points and the
        # current defaults on seeds used nowhere else; re-running the calibration therefore
        # never replaces the defaults by a point that fits worse out of sample.
        s2_order = np.argsort([s[0] for s in stage2])
        candidates = {"nelder-mead": np.clip(lo + opt.x * scale, lo, hi)}
        for r, i in enumerate(s2_order[:3]):
            candidates[f"stage-2 #{r + 1}"] = best_pts[i]
        candidates["current defaults"] = np.clip(current_defaults(), lo, hi)
        seeds_val = replicate_seeds(2015, max(a.seeds_final, 10) if not a.tiny else 2)
        val = dict(zip(candidates, ev.many(list(candidates.values()), seeds_val), strict=True))
        chosen = min(val, key=lambda c: val[c][0])
        best = candidates[chosen]
        print(f"selection: {chosen} (validation loss {val[chosen][0]:.4f})", flush=True)
        final_seeds = replicate_seeds(99, max(a.seeds_final, 10) if not a.tiny else 2)
        runs = ev.runs(best, final_seeds)
        st = statistics(runs)
    acc = l1 <= l1[order[0]] * 1.25
    pts = np.array(xs)[acc]
    accept = [
        (float(np.percentile(pts[:, i], 5)), float(np.percentile(pts[:, i], 95)))
        for i in range(len(FREE))
    ]
    not_reproduced = unreproduced(st)
    result = {
        "command": "python experiments/calibrate.py" + (" --tiny" if a.tiny else ""),
        "date": time.strftime("%Y-%m-%d"),
        "wall_minutes": (time.time() - t0) / 60.0,
        "evaluations": ev.n_evals,
        "seeds_final": len(final_seeds),
        "residents": a.residents,
        "free": [f"{g}.{n}" for g, n, _, _ in FREE],
        "best_x": [float(v) for v in best],
        "accept_range": accept,
        "n_accept": int(acc.sum()),
        "final_statistics": st,
        "final_loss": loss(st),
        "not_reproduced": not_reproduced,
        "selected": chosen,
        "validation": {c: {"loss": v[0], **v[1]} for c, v in val.items()},
    }
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    report(out / "calibration.md", out / "calibration_vacancy.png", result, runs)
    print(
        json.dumps({k: result[k] for k in ("best_x", "final_statistics", "wall_minutes")}, indent=1)
    )
    return 0 if math.isfinite(result["final_loss"]) else 1


if __name__ == "__main__":
    sys.exit(main())
