"""Running the model: one run, and scenario comparisons with common random numbers.

* :func:`run_one` builds a :class:`~sim.model.TownModel`, runs it to the horizon and returns
  its per-step table with the run's metadata (everything ``summary.json`` records).
* :func:`compare` runs every scenario with the same ``K`` replicate seeds
  (:func:`sim.streams.replicate_seeds`), so that replicate ``i`` of every scenario shares its
  random numbers and scenario differences can be paired by seed. Runs go through any
  :class:`concurrent.futures.Executor` (a 2-process pool by default, serial with one worker,
  or e.g. a dask client's executor); results do not depend on which executor ran them.
* :func:`compare_tables` gives each outcome's mean and 95% interval per scenario and the
  paired differences against the consumer-led scenario; :func:`write_compare` writes the
  tables, figures and a Markdown report, atomically.

Every input is validated (:func:`prepare`) before any run starts, raising
:class:`~sim.scenarios.InputError` or :class:`~sim.town.TownError` with a one-line message.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.outcomes import HEADLINE
from sim.params import Params
from sim.results import csv_bytes, interval, json_bytes, staged_outputs, summarise
from sim.scenarios import (
    Drivers,
    InputError,
    Scenario,
    check_value,
    load_drivers,
    load_scenario,
)
from sim.streams import fresh_seed, replicate_seeds
from sim.town import Town, resolve_town

#: The four bundled governance scenarios, in the order of MODEL.md.
DEFAULT_SCENARIOS: tuple[str, ...] = ("consumer_led", "council_led", "town_team", "co_produced")
#: The scenario paired differences are taken against.
BASELINE: str = "consumer_led"
#: Allowed number of replicate seeds.
MAX_SEEDS: int = 10_000
#: Draws a comparison's figures: ``f(steps, paired, folder, baseline) -> {caption: file}``
#: with file names relative to ``folder`` (e.g. :func:`sim.plotting.compare_figures`).
FigureMaker = Callable[[pd.DataFrame, pd.DataFrame, Path, str], dict[str, str]]


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Inputs:
    """Validated inputs of a run or comparison, with plain (picklable) specs for workers.

    Attributes:
        scenarios: Loaded scenarios, in the order given.
        drivers: Loaded drivers.
        town: Loaded town.
        residents: Residents override (None: the parameter default or the scenario's).
        years: Years override (None: the parameter default or the scenario's).
        scenario_specs: Per scenario, what a worker passes to ``TownModel`` (absolute path).
        drivers_spec: What a worker passes as drivers.
        town_spec: What a worker passes as town.
    """

    scenarios: tuple[Scenario, ...]
    drivers: Drivers
    town: Town
    residents: int | None
    years: float | None
    scenario_specs: tuple[Any, ...]
    drivers_spec: Any
    town_spec: Any


def _file_spec(obj: Any, source: str) -> Any:
    """An absolute path if ``source`` is a file, else the object itself (pickled)."""
    p = Path(source)
    return str(p.resolve()) if p.is_file() else obj


def _town_spec(spec: Any, town: Town) -> Any:
    if isinstance(spec, Town):
        return spec
    if spec is None:
        return None
    p = Path(town.source)
    if p.is_file():
        return str(p.resolve())
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
    specs = tuple(_file_spec(s, s.source) if s.source != "defaults" else None for s in scns)
    return Inputs(
        scenarios=scns,
        drivers=drv,
        town=twn,
        residents=residents,
        years=years,
        scenario_specs=specs,
        drivers_spec=_file_spec(drv, drv.source),
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
        "scenario": {"name": scn.name, "file": scn.source, "description": scn.description},
        "drivers": {"name": drv.name, "file": drv.source, "description": drv.description},
        "town": {"name": twn.name, "source": twn.source, "units": int(twn.n_units)},
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
) -> pd.DataFrame:
    """Worker entry point of :func:`compare`: one run from plain, picklable arguments.

    Args:
        scenario: Absolute scenario path (or a Scenario, or None for the defaults).
        drivers: Absolute drivers path (or a Drivers object).
        town: Absolute town CSV path, a layout spec, a Town, or None (the example town).
        seed: Run seed.
        residents: Residents override or None.
        years: Years override or None.

    Returns:
        The per-step table of the run.
    """
    df, _ = run_one(scenario, drivers, town, seed=seed, residents=residents, years=years)
    return df


def _init_worker() -> None:
    """Process-pool initializer: one numba thread per process; Ctrl-C is the parent's job."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """Default number of worker processes: ``min(2, cpu_count)``."""
    return max(1, min(2, os.cpu_count() or 1))


def default_executor(workers: int) -> ProcessPoolExecutor:
    """A process pool with ``spawn`` workers, each limited to one numba thread."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )


def kill_pool(ex: ProcessPoolExecutor) -> None:
    """Stop a process pool now: terminate its workers and cancel queued work (on Ctrl-C)."""
    procs = getattr(ex, "_processes", None) or {}
    for p in list(procs.values()):
        with contextlib.suppress(Exception):
            p.terminate()
    ex.shutdown(wait=False, cancel_futures=True)


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
    """

    scenarios: list[str]
    descriptions: dict[str, str]
    files: dict[str, str]
    seeds: list[int]
    base_seed: int
    steps: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

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
    progress: bool = True,
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
        executor: Any ``concurrent.futures.Executor``; None makes a process pool of
            ``workers`` spawn processes, or runs serially in this process if ``workers == 1``.
        workers: Worker processes of the default pool (None: ``min(2, cpu_count)``).
        progress: Show a tqdm bar of runs done (with an ETA).

    Returns:
        The comparison; identical whichever executor ran it.

    Raises:
        InputError, TownError: bad inputs (checked before any run starts).
    """
    k = check_seeds(seeds)
    base_seed = check_seed(base_seed, "--base-seed")
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"--workers = {workers!r} must be a whole number >= 1")
    inp = prepare(scenarios, drivers, town, residents, years, where="compare")
    run_seeds = replicate_seeds(base_seed, k)
    names = [s.name for s in inp.scenarios]
    tasks = [
        (
            (i, j),
            (inp.scenario_specs[i], inp.drivers_spec, inp.town_spec, sd, inp.residents, inp.years),
        )
        for j, sd in enumerate(run_seeds)
        for i in range(len(names))
    ]
    out: dict[tuple[int, int], pd.DataFrame] = {}
    from tqdm import tqdm

    bar = tqdm(total=len(tasks), unit="run", desc="compare", disable=not progress)
    own = None
    try:
        if executor is None and workers == 1:
            for key, args in tasks:
                out[key] = run_task(*args)
                bar.update(1)
        else:
            ex = executor
            if ex is None:
                ex = own = default_executor(min(workers, len(tasks)))
            futs: dict[Future, tuple[int, int]] = {}
            try:
                for key, args in tasks:
                    futs[ex.submit(run_task, *args)] = key
                for f in as_completed(futs):
                    out[futs[f]] = f.result()
                    bar.update(1)
            except BaseException:
                for f in futs:
                    f.cancel()
                if own is not None:
                    kill_pool(own)
                    own = None
                raise
    finally:
        bar.close()
        if own is not None:
            own.shutdown(wait=True)
    return _assemble(inp, names, run_seeds, base_seed, out)


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
    for s in inp.scenarios:
        p = Params().replace(s.overrides).run
        sizes.append(
            (
                inp.residents if inp.residents is not None else p.residents,
                inp.years if inp.years is not None else p.years,
                p.burn_in_weeks,
            )
        )
    res_set = sorted({int(r) for r, _, _ in sizes})
    yrs_set = sorted({float(y) for _, y, _ in sizes})
    burn_set = sorted({int(b) for _, _, b in sizes})
    meta = {
        "drivers": {
            "name": inp.drivers.name,
            "file": inp.drivers.source,
            "description": inp.drivers.description,
        },
        "town": {"name": inp.town.name, "source": inp.town.source, "units": int(inp.town.n_units)},
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
    )


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
        f"- Town: {m['town']['name']} ({m['town']['units']} units; `{m['town']['source']}`)",
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
        f"The intervals are 95% t-intervals of the mean over {k} replicate seeds: they "
        "measure the model's run-to-run randomness only (how precisely these seeds pin down "
        "each scenario's expected outcome), not uncertainty in the parameters, the drivers "
        "or the model's structure. More seeds narrow them; paired differences are narrower "
        "than the gap between two separate intervals because common random numbers cancel "
        "shared noise. With one seed no interval can be computed (lo = hi = mean).",
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
