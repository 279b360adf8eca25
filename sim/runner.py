"""Running the model: one run, and scenario comparisons with common random numbers.

* :func:`prepare` loads and validates every input of a run or comparison before anything
  runs; :func:`check_seed` and :func:`check_seeds` check seeds.
* :func:`run_one` builds a :class:`~sim.model.TownModel`, runs it to the horizon and returns
  its per-step table with the run's metadata (everything ``summary.json`` records).
* :func:`compare` runs every scenario with the same ``K`` replicate seeds
  (:func:`sim.streams.replicate_seeds`), so that replicate ``i`` of every scenario shares its
  random numbers and scenario differences can be paired by seed. Runs go through
  :mod:`sim.execution` (serially, a process pool, a Dask cluster or any
  :class:`concurrent.futures.Executor`); results do not depend on which executor ran them.

The comparison's tables, figures and report are :mod:`sim.report`'s. Every input is
validated before any run starts, raising :class:`~sim.scenarios.InputError` or
:class:`~sim.town.TownError` with a one-line message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.execution import open_workers
from sim.params import Params, spec_index
from sim.results import summarise
from sim.scenarios import (
    Drivers,
    InputError,
    Posterior,
    Scenario,
    check_value,
    load_drivers,
    load_posterior,
    load_scenario,
)
from sim.streams import fresh_seed, replicate_seeds, stream
from sim.town import Town, resolve_town

#: The four bundled governance scenarios, in the order of MODEL.md.
DEFAULT_SCENARIOS: tuple[str, ...] = ("consumer_led", "council_led", "town_team", "co_produced")
#: The scenario paired differences are taken against.
BASELINE: str = "consumer_led"
#: Allowed number of replicate seeds.
MAX_SEEDS: int = 10_000
#: Test-only hook, read inside the worker: ``TOWNCENTRE_TEST_SLEEP`` (seconds) slows every
#: run of a comparison or sweep down (the Ctrl-C tests use it). It changes no result.
SLEEP_ENV = "TOWNCENTRE_TEST_SLEEP"


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Inputs:
    """Validated inputs of a run or comparison.

    Attributes:
        scenarios: Loaded scenarios, in the order given.
        drivers: Loaded drivers.
        town: Loaded town.
        residents: Residents override (None: the parameter default or the scenario's).
        years: Years override (None: the parameter default or the scenario's).
        town_spec: What a worker passes as town: the Town itself if it came from a file
            (workers, on a cluster too, need no access to the file), else its layout spec.
    """

    scenarios: tuple[Scenario, ...]
    drivers: Drivers
    town: Town
    residents: int | None
    years: float | None
    town_spec: Any


def _town_spec(spec: Any, town: Town) -> Any:
    if isinstance(spec, Town) or Path(town.source).is_file():
        return town
    if spec is None:
        return None  # the bundled example town
    return str(spec)  # a layout name or generated:<layout>:<n>:<seed>, independent of cwd


def prepare(
    scenarios: Sequence[str | Path | Scenario | None],
    drivers: str | Path | Drivers | None = None,
    town: str | Path | Town | None = None,
    residents: int | None = None,
    years: float | None = None,
    where: str = "towncentre",
) -> Inputs:
    """Load and validate every input of a run or comparison (nothing is run or written).

    Args:
        scenarios: Scenario names, paths or objects (None: parameter defaults).
        drivers: Drivers name, path or object (None: the baseline).
        town: Town, CSV path or layout (None: the bundled example town).
        residents: Residents override, checked against ``run.residents`` bounds.
        years: Years override, checked against ``run.years`` bounds.
        where: Prefix of error messages for the size arguments.

    Returns:
        The validated inputs.

    Raises:
        InputError: a bad scenario or drivers file, a value out of bounds, a duplicate name.
        TownError: a missing or malformed town.
    """
    scns = tuple(load_scenario(s) for s in scenarios)
    if not scns:
        raise InputError(f"{where}: no scenarios given")
    seen: dict[str, str] = {}
    for s in scns:
        if s.name in seen:
            raise InputError(
                f"{s.source}: scenario name '{s.name}' is also the name of {seen[s.name]}; "
                "give each scenario a distinct name"
            )
        seen[s.name] = s.source
    drv = load_drivers(drivers)
    twn = town if isinstance(town, Town) else resolve_town(town)
    if residents is not None:
        residents = check_value(where, "run", "residents", residents)
    if years is not None:
        years = check_value(where, "run", "years", years)
    return Inputs(
        scenarios=scns,
        drivers=drv,
        town=twn,
        residents=residents,
        years=years,
        town_spec=_town_spec(town, twn),
    )


def check_seed(seed: Any, where: str = "--seed") -> int:
    """Validate a run seed (a whole number in [0, 2**63 - 1]).

    Raises:
        InputError: not a whole number or out of range.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"{where} = {seed!r} must be a whole number in [0, {2**63 - 1}]")
    if not 0 <= int(seed) < 2**63:
        raise InputError(f"{where} = {seed} is outside [0, {2**63 - 1}]")
    return int(seed)


def check_seeds(k: Any, where: str = "--seeds") -> int:
    """Validate a number of replicate seeds (a whole number in [1, 10000]).

    Raises:
        InputError: not a whole number or out of range.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_SEEDS:
        raise InputError(f"{where} = {k!r} is outside [1, {MAX_SEEDS}] (replicate seeds)")
    return int(k)


# ------------------------------------------------------------------------------ one run


def run_one(
    scenario: str | Path | Scenario | None,
    drivers: str | Path | Drivers | None = None,
    town: str | Path | Town | None = None,
    seed: int | None = None,
    residents: int | None = None,
    years: float | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    progress: bool | Callable[[int], Any] = False,
    checkpoint: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Build a TownModel, run it to its horizon and return its per-step table and metadata.

    Args:
        scenario: Scenario name, path or object (None: parameter defaults).
        drivers: Drivers name, path or object (None: the baseline).
        town: Town, CSV path or layout (None: the bundled example town).
        seed: Run seed (None: a fresh seed, recorded in the metadata).
        residents: Simulated residents (None: the default).
        years: Years after burn-in (None: the default).
        overrides: ``{group: {name: value}}`` applied after the scenario.
        progress: True for a tqdm bar over weeks; or a callable ``f(total_weeks)`` returning
            an object with ``update(n)`` (and optionally ``close()``).
        checkpoint: Checkpoint file (:mod:`sim.checkpoint`) written every
            ``checkpoint_every`` weeks and, with ``resume``, restored before running.
        checkpoint_every: Weeks between checkpoints (None: never).
        resume: Continue from ``checkpoint`` (same inputs; the end is byte-identical).

    Returns:
        ``(df, meta)``: the per-step table (one row per week, week 0 the initial state) and
        the run metadata (seed, scenario, drivers, town, version, sizes, all parameters).
    """
    from sim.model import TownModel  # deferred: numba and Mesa load only when a run starts

    if seed is None:
        seed = fresh_seed()
    model = TownModel(
        scenario=scenario,
        drivers=drivers,
        town=town,
        residents=residents,
        years=years,
        rng=int(seed),
        overrides=overrides,
    )
    if resume:
        from sim.checkpoint import restore_checkpoint

        restore_checkpoint(model, checkpoint)
        print(f"resumed from {checkpoint} at week {model.week} of {model.n_weeks}")
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(
            total=model.n_weeks,
            initial=model.week,
            unit="week",
            desc=model.scenario.name,
            leave=False,
        )
    elif callable(progress):
        bar = progress(model.n_weeks)
    try:
        if checkpoint is not None:
            from sim.checkpoint import run_with_checkpoints

            run_with_checkpoints(model, checkpoint, checkpoint_every, progress=bar)
        else:
            model.run(progress=bar)
    finally:
        if bar is not None and hasattr(bar, "close"):
            bar.close()
    df = model.results().reset_index(drop=True)
    return df, run_meta(model)


def town_meta(town: Town) -> dict[str, Any]:
    """A town's name, source, size and catchment for summaries and reports, with the warning
    of :meth:`~sim.town.Town.calibration_warning` (None inside the calibrated range)."""
    return {
        "name": town.name,
        "source": town.source,
        "units": int(town.n_units),
        "households": float(town.households),
        "catchment_source": town.catchment_source,
        "warning": town.calibration_warning(),
    }


def run_meta(model: Any) -> dict[str, Any]:
    """Metadata of a run for ``summary.json`` (no wall-clock times: the file is reproducible).

    Args:
        model: A TownModel (after or before running).

    Returns:
        Seed, scenario, drivers, town, package version, sizes and every parameter used.
    """
    scn, drv, twn = model.scenario, model.drivers, model.town
    rp = model.pars.run
    return {
        "seed": int(model.run_seed),
        "scenario": {
            "name": scn.name,
            "file": scn.source,
            "description": scn.description,
            "programme": {**scn.programme_dict(), "weeks": list(model.window)},
        },
        "drivers": {"name": drv.name, "file": drv.source, "description": drv.description},
        "town": town_meta(twn),
        "version": sim.__version__,
        "residents": int(rp.residents),
        "years": float(rp.years),
        "burn_in_weeks": int(rp.burn_in_weeks),
        "weeks": int(model.n_weeks),
        "start_year": float(drv.start_year),
        "parameters": model.params_used(),
    }


def run_task(
    scenario: Any,
    drivers: Any,
    town: Any,
    seed: int,
    residents: int | None,
    years: float | None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Worker entry point of :func:`compare`: one run from plain, picklable arguments.

    Args:
        scenario: Scenario (an object, a name or path).
        drivers: Drivers (an object, a name or path).
        town: A Town, a layout spec, a CSV path, or None (the example town).
        seed: Run seed.
        residents: Residents override or None.
        years: Years override or None.
        overrides: Parameters applied after the scenario (a posterior draw) or None.

    Returns:
        The per-step table of the run.
    """
    sleep_hook()
    df, _ = run_one(
        scenario, drivers, town, seed=seed, residents=residents, years=years, overrides=overrides
    )
    return df


def sleep_hook() -> None:
    """Sleep ``$TOWNCENTRE_TEST_SLEEP`` seconds if set (tests of Ctrl-C make runs slow)."""
    delay = os.environ.get(SLEEP_ENV)
    if delay:
        time.sleep(float(delay))


# ------------------------------------------------------------------------------ comparison


@dataclass
class CompareResult:
    """Outcomes of a scenario comparison.

    Attributes:
        scenarios: Scenario names, in the order given.
        descriptions: Description of each scenario.
        files: Scenario file of each scenario.
        seeds: The replicate run seeds (replicate ``i`` of every scenario used ``seeds[i]``).
        base_seed: Seed the replicate seeds derive from.
        steps: Tidy per-step table: ``scenario``, ``seed_index``, ``seed``, ``week``,
            ``year``, ``policy`` and one column per outcome.
        runs: Per-run summaries: ``scenario``, ``seed_index``, ``seed`` and each outcome's
            mean over the final 52 weeks.
        meta: Drivers, town, residents, years, burn-in and package version.
        windows: Per scenario, the weeks ``(first, end)`` in which its levers apply (its
            programme) and the run's number of weeks: ``(first, end, weeks)``.
        levers: Per scenario, the levers it sets away from their defaults: ``{key: value}``
            (a path is given as ``"path"``).
    """

    scenarios: list[str]
    descriptions: dict[str, str]
    files: dict[str, str]
    seeds: list[int]
    base_seed: int
    steps: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    windows: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    levers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        """Scenario paired differences are taken against (consumer-led, else the first)."""
        return BASELINE if BASELINE in self.scenarios else self.scenarios[0]

    @property
    def outcomes(self) -> list[str]:
        """Outcome columns, in model order."""
        return [c for c in self.runs.columns if c not in ("scenario", "seed_index", "seed")]


def compare(
    scenarios: Sequence[str | Path | Scenario | None] = DEFAULT_SCENARIOS,
    seeds: int = 10,
    base_seed: int = 0,
    drivers: str | Path | Drivers | None = None,
    town: str | Path | Town | None = None,
    residents: int | None = None,
    years: float | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
    posterior: str | Path | Posterior | bool | None = None,
) -> CompareResult:
    """Run every scenario with the same ``seeds`` replicate seeds (common random numbers).

    Args:
        scenarios: Scenario names, paths or objects.
        seeds: Number of replicate seeds K (1..10000).
        base_seed: Seed the K run seeds derive from (:func:`sim.streams.replicate_seeds`).
        drivers: Drivers name, path or object (None: the baseline).
        town: Town, CSV path or layout (None: the bundled example town).
        residents: Simulated residents (None: the default).
        years: Years after burn-in (None: the default).
        executor: Any ``concurrent.futures.Executor`` (overrides ``workers`` and ``dask``).
        workers: Worker processes, or a ``LocalCluster``'s workers (None: ``min(2, CPUs)``;
            1 runs serially in this process).
        dask: ``"local"`` for a Dask ``LocalCluster``, or a scheduler address
            ``tcp://host:port`` (see :func:`sim.execution.open_workers`).
        progress: Show a tqdm bar of runs done (with an ETA).
        posterior: Draw each replicate's free parameters from a calibration posterior (True:
            the bundled ``scenarios/posterior.csv``; or a path or Posterior): replicate i of
            every scenario runs with the same draw and the same seed, so the intervals carry
            parameter uncertainty as well as seed noise. A parameter a scenario sets keeps the
            scenario's value. None or False: the parameters' point estimates (defaults).

    Returns:
        The comparison; identical whichever executor ran it.

    Raises:
        InputError, TownError: bad inputs, or a Dask address that is malformed or cannot be
            reached (all checked before any run starts).
        KeyboardInterrupt: interrupted; the runs in flight were stopped.
    """
    k = check_seeds(seeds)
    base_seed = check_seed(base_seed, "--base-seed")
    inp = prepare(scenarios, drivers, town, residents, years, where="compare")
    run_seeds = replicate_seeds(base_seed, k)
    names = [s.name for s in inp.scenarios]
    post, draws = _posterior_draws(posterior, k, base_seed)
    keys = [(i, j) for j in range(k) for i in range(len(names))]
    calls = [
        (
            inp.scenarios[i],
            inp.drivers,
            inp.town_spec,
            run_seeds[j],
            inp.residents,
            inp.years,
            _not_set_by(inp.scenarios[i], draws[j]) if draws else None,
        )
        for i, j in keys
    ]
    out: dict[tuple[int, int], pd.DataFrame] = {}
    from tqdm import tqdm

    with open_workers(workers, dask, executor) as pool:
        bar = tqdm(total=len(calls), unit="run", desc="compare", disable=not progress)

        def done(n: int, df: pd.DataFrame) -> None:
            out[keys[n]] = df
            bar.update(1)

        try:
            pool.run(run_task, calls, done)
        finally:
            bar.close()
    result = _assemble(inp, names, run_seeds, base_seed, out)
    if post is not None:
        result.meta["posterior"] = {
            "file": post.source,
            "particles": int(len(post.weights)),
            "parameters": list(post.keys),
            "draws": draws,
        }
    result.meta["uncertainty"] = uncertainty_text(result.meta)
    return result


def _posterior_draws(
    posterior: str | Path | Posterior | bool | None, k: int, base_seed: int
) -> tuple[Posterior | None, list[dict[str, dict[str, Any]]]]:
    """The posterior of a comparison and its ``k`` draws (from the ``posterior`` stream of
    ``base_seed``), or (None, []) without one."""
    if posterior is None or posterior is False:
        return None, []
    post = (
        posterior
        if isinstance(posterior, Posterior)
        else load_posterior(None if posterior is True else posterior)
    )
    return post, post.draws(k, stream(base_seed, "posterior"))


def _not_set_by(scenario: Scenario, draw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A posterior draw without the parameters the scenario sets itself."""
    return {
        g: {n: v for n, v in t.items() if n not in scenario.overrides.get(g, {})}
        for g, t in draw.items()
    }


def uncertainty_text(meta: dict[str, Any]) -> str:
    """What a comparison's intervals include, in one sentence."""
    post = meta.get("posterior")
    if not post:
        return (
            "seed noise only: every run uses the parameters' point estimates (the calibrated "
            "defaults), so parameter uncertainty is not in the intervals"
        )
    return (
        f"seed noise and parameter uncertainty: replicate i of every scenario draws its free "
        f"parameters ({', '.join(post['parameters'])}) from the posterior `{post['file']}` "
        f"({post['particles']} particles) and uses the same seed"
    )


def _assemble(
    inp: Inputs,
    names: list[str],
    run_seeds: list[int],
    base_seed: int,
    out: dict[tuple[int, int], pd.DataFrame],
) -> CompareResult:
    steps, runs = [], []
    for i, name in enumerate(names):
        for j, sd in enumerate(run_seeds):
            df = out[(i, j)].reset_index(drop=True)
            head = pd.DataFrame({"scenario": name, "seed_index": j, "seed": sd}, index=df.index)
            d = pd.concat([head, df], axis=1)
            if "week" in d:
                d["week"] = d["week"].astype(np.int64)
            steps.append(d)
            runs.append({"scenario": name, "seed_index": j, "seed": sd, **summarise(df)})
    sizes = []
    windows: dict[str, tuple[int, int, int]] = {}
    for s in inp.scenarios:
        p = Params().replace(s.overrides).run
        sizes.append(
            (
                inp.residents if inp.residents is not None else p.residents,
                inp.years if inp.years is not None else p.years,
                p.burn_in_weeks,
            )
        )
        weeks = int(p.burn_in_weeks) + max(1, int(round(sizes[-1][1] * 52)))
        first, end = s.window(inp.drivers.start_year, int(p.burn_in_weeks), weeks)
        windows[s.name] = (first, end, weeks)
    res_set = sorted({int(r) for r, _, _ in sizes})
    yrs_set = sorted({float(y) for _, y, _ in sizes})
    burn_set = sorted({int(b) for _, _, b in sizes})
    meta = {
        "drivers": {
            "name": inp.drivers.name,
            "file": inp.drivers.source,
            "description": inp.drivers.description,
        },
        "town": town_meta(inp.town),
        "residents": res_set[0] if len(res_set) == 1 else res_set,
        "years": yrs_set[0] if len(yrs_set) == 1 else yrs_set,
        "burn_in_weeks": burn_set[0] if len(burn_set) == 1 else burn_set,
        "start_year": float(inp.drivers.start_year),
        "version": sim.__version__,
    }
    return CompareResult(
        scenarios=names,
        descriptions={s.name: s.description for s in inp.scenarios},
        files={s.name: s.source for s in inp.scenarios},
        seeds=list(run_seeds),
        base_seed=base_seed,
        steps=pd.concat(steps, ignore_index=True),
        runs=pd.DataFrame(runs),
        meta=meta,
        windows=windows,
        levers={s.name: levers_set(s) for s in inp.scenarios},
    )


def levers_set(scenario: Scenario) -> dict[str, Any]:
    """The levers a scenario sets away from their defaults, ``{"group.name": value}``; a
    lever with a path over time is ``"path"``."""
    idx = spec_index()
    out: dict[str, Any] = {}
    for g, table in scenario.overrides.items():
        for n, v in table.items():
            sp = idx[g][n]
            if sp.kind == "lever" and v != sp.default:
                out[sp.key] = v
    for g, table in scenario.paths.items():
        for n in table:
            out[f"{g}.{n}"] = "path"
    return out
