"""Parameter sweeps from TOML files: designs, common random numbers, resumable runs on any executor.

A sweep file (``experiments/*.toml``; see ``docs/experiments.md``) names the scenario(s),
the drivers, the town, the run size, the replicates, the outcomes to keep, the design and the
parameters to vary::

    name = "online_rent_floor"
    scenarios = ["consumer_led"]
    replicates = 5
    years = 10
    outcomes = ["vacancy_rate", "shannon"]

    [design]
    kind = "grid"                       # grid | lhs | sobol | morris

    [parameters]
    "drivers.online_scale" = [0.5, 1.0, 1.5]
    "landlords.rent_floor" = [0.5, 1.0]  # lhs/sobol/morris: { lo = 0.5, hi = 1.0 }

    [fixed]
    "run.burn_in_weeks" = 52

    [small]                             # --size small: a tiny version for tests
    replicates = 2
    residents = 50

Parameters are addressed as ``group.name`` (any parameter of :mod:`sim.params`, checked with
:func:`sim.scenarios.check_value`) or ``drivers.online_scale``, ``drivers.online_shift``,
``drivers.chain_expansion`` (the drivers' uncertainties).

Every design point (*cell*) of every scenario runs with the same replicate seeds
(:func:`sim.streams.replicate_seeds`): common random numbers. A run is identified by a hash
of everything that determines it (scenario, drivers, town, size, parameters, seed, outcomes,
package version), so re-running a sweep skips the runs already in its log, whatever order
they ran in and whichever executor ran them.

Each finished run appends one line to ``runs.jsonl`` in the output folder (one ``write`` and
an ``fsync`` per line; a line cut short by a kill is dropped on the next start), so a killed
sweep loses no finished run. When all runs are done, ``runs.csv``, ``summary.csv``, figures
and (Sobol, Morris) ``sensitivity.csv`` are written atomically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.outcomes import HEADLINE
from sim.params import spec_index
from sim.results import (
    atomic_write_bytes,
    csv_bytes,
    interval,
    json_bytes,
    staged_outputs,
    summarise,
)
from sim.runner import check_seed, default_executor, default_workers, kill_pool, prepare, run_one
from sim.scenarios import (
    Drivers,
    InputError,
    Scenario,
    check_name,
    check_value,
    load_drivers,
    read_toml,
)
from sim.streams import replicate_seeds
from sim.town import Town

#: Design kinds.
DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
#: Sweepable driver values: ``drivers.<key>`` -> (lo, hi, unit); the bounds of
#: :func:`sim.scenarios.load_drivers`.
DRIVER_PARAMS: dict[str, tuple[float, float, str]] = {
    "online_scale": (0.0, 10.0, "x the online-share path"),
    "online_shift": (-1.0, 1.0, "share added to the online-share path"),
    "chain_expansion": (0.0, 20.0, "x chain entry"),
}
#: Columns of ``runs.csv`` before the parameters and outcomes.
RUN_COLUMNS: tuple[str, ...] = ("run_id", "scenario", "cell", "replicate", "seed")
#: Columns of ``runs.csv`` after the parameters, before the outcomes.
STATUS_COLUMNS: tuple[str, ...] = ("status", "error", "seconds")
#: Default size of ``--size small`` when the file has no ``[small]`` table.
SMALL_DEFAULTS: dict[str, Any] = {
    "replicates": 2,
    "residents": 50,
    "years": 0.1,
    "town": "generated:linear:20:1",
    "samples": 4,
}
#: Test-only hooks, read inside the worker: ``TOWNCENTRE_TEST_FAIL="group.name=value"``
#: makes runs with that parameter value raise; ``TOWNCENTRE_TEST_SLEEP`` (seconds) slows
#: every run down. Neither changes any result.
FAIL_ENV = "TOWNCENTRE_TEST_FAIL"
SLEEP_ENV = "TOWNCENTRE_TEST_SLEEP"

_TOP_KEYS = (
    "name",
    "description",
    "scenarios",
    "drivers",
    "town",
    "replicates",
    "base_seed",
    "years",
    "residents",
    "outcomes",
    "design",
    "parameters",
    "fixed",
    "small",
)
_DESIGN_KEYS = ("kind", "samples", "levels", "seed")
_SMALL_KEYS = (
    "replicates",
    "residents",
    "years",
    "town",
    "samples",
    "levels",
    "scenarios",
    "drivers",
    "parameters",
    "fixed",
)


# ------------------------------------------------------------------------------ parameters


def _nearest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def parameter_keys() -> list[str]:
    """Every sweepable key: ``group.name`` of each declared parameter and ``drivers.*``."""
    keys = [f"{g}.{n}" for g, names in spec_index().items() for n in names]
    return keys + [f"drivers.{k}" for k in DRIVER_PARAMS]


def check_param(where: str, key: str, value: Any) -> Any:
    """Validate one swept value; return it cast to its type.

    Args:
        where: Prefix of the error message (file and table).
        key: ``group.name`` or ``drivers.<online_scale|online_shift|chain_expansion>``.
        value: The value.

    Returns:
        The value, cast (int, float or bool).

    Raises:
        InputError: unknown key (with the nearest valid one) or a bad value.
    """
    if not isinstance(key, str) or key.count(".") != 1:
        raise InputError(
            f"{where}: parameter '{key}' must be 'group.name'{_nearest(str(key), parameter_keys())}"
        )
    group, name = key.split(".")
    if group == "drivers":
        if name not in DRIVER_PARAMS:
            hint = _nearest(key, [f"drivers.{k}" for k in DRIVER_PARAMS])
            raise InputError(
                f"{where}: unknown key '{key}'"
                + (hint or f"; allowed: {', '.join('drivers.' + k for k in DRIVER_PARAMS)}")
            )
        lo, hi, unit = DRIVER_PARAMS[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not lo <= value <= hi
        ):
            raise InputError(f"{where}: {key} = {value!r} is outside [{lo:g}, {hi:g}] ({unit})")
        return float(value)
    if group not in spec_index():
        raise InputError(f"{where}: unknown key '{key}'{_nearest(key, parameter_keys())}")
    return check_value(where, group, name, value)


def _bounds(key: str) -> tuple[float | None, float | None, type]:
    group, name = key.split(".")
    if group == "drivers":
        lo, hi, _ = DRIVER_PARAMS[name]
        return lo, hi, float
    s = spec_index()[group][name]
    return s.lo, s.hi, s.type


def split_point(point: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Split ``{"group.name": value}`` into model overrides and driver values.

    Returns:
        ``({group: {name: value}}, {drivers field: value})``.
    """
    over: dict[str, dict[str, Any]] = {}
    drv: dict[str, float] = {}
    for key, val in point.items():
        group, name = key.split(".")
        if group == "drivers":
            drv[name] = float(val)
        else:
            over.setdefault(group, {})[name] = val
    return over, drv


# ------------------------------------------------------------------------------ sweep files


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep definition.

    Attributes:
        name: Sweep name (default: file stem).
        description: What the sweep is for.
        source: The sweep file (or ``"python"``).
        size: ``"full"`` or ``"small"``.
        scenarios: Loaded scenarios.
        drivers: Loaded base drivers.
        town: Loaded town.
        town_spec: What a worker passes as town (a Town, a layout string, or None).
        residents: Residents (None: the default).
        years: Years after burn-in (None: the default).
        replicates: Replicate seeds per cell.
        base_seed: Seed the replicate seeds derive from.
        outcomes: Outcomes kept (final-year means).
        design: Design kind (one of :data:`DESIGNS`).
        samples: LHS points; Sobol base samples; Morris trajectories.
        levels: Morris grid levels.
        design_seed: Seed of the LHS, Sobol scrambling and Morris designs.
        parameters: ``{key: values}`` (grid) or ``{key: (lo, hi)}`` (other designs).
        fixed: ``{key: value}`` applied to every run.
        definition: The sweep file's contents as read (recorded in ``sweep.json``).
        base_dir: Folder relative input files were looked up in.
    """

    name: str
    description: str
    source: str
    size: str
    scenarios: tuple[Scenario, ...]
    drivers: Drivers
    town: Town
    town_spec: Any
    residents: int | None
    years: float | None
    replicates: int
    base_seed: int
    outcomes: tuple[str, ...]
    design: str
    samples: int
    levels: int
    design_seed: int
    parameters: dict[str, Any] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    definition: dict[str, Any] = field(default_factory=dict, compare=False)
    base_dir: str = ""

    @property
    def seeds(self) -> list[int]:
        """The replicate run seeds, shared by every cell (common random numbers)."""
        return replicate_seeds(self.base_seed, self.replicates)

    @property
    def keys(self) -> list[str]:
        """Swept parameter keys, in file order."""
        return list(self.parameters)


def _outcome_names() -> tuple[str, ...]:
    from sim.outcomes import NAMES, TIME_COLUMNS

    return tuple(o for o in NAMES if o not in TIME_COLUMNS)


def _int(where: str, key: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise InputError(f"{where}: {key} = {v!r} must be a whole number in [{lo}, {hi}]")
    return int(v)


def _check_keys(where: str, table: dict[str, Any], allowed: Sequence[str], prefix: str) -> None:
    for k in table:
        if k not in allowed:
            hint = _nearest(k, allowed) or f"; allowed: {', '.join(allowed)}"
            raise InputError(f"{where}: unknown key '{prefix}{k}'{hint}")


def _flatten(where: str, table: Any, what: str) -> dict[str, Any]:
    """``{"g.n": v}`` or ``{g: {n: v}}`` (nested tables) to ``{"g.n": v}``."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: [{what}] must be a table of 'group.name' keys")
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict) and not ({"lo", "hi"} & set(v)) and "." not in k:
            for n, vv in v.items():
                out[f"{k}.{n}"] = vv
        else:
            out[k] = v
    return out


def _resolve_rel(value: Any, base: Path) -> Any:
    """A relative path that exists next to the sweep file, else the value unchanged."""
    if isinstance(value, str) and not value.startswith("generated:"):
        p = base / value
        if not Path(value).is_absolute() and p.is_file():
            return str(p)
    return value


def load_sweep(
    path: str | Path | dict[str, Any],
    size: str = "full",
    where: str | None = None,
    base: str | Path | None = None,
) -> SweepSpec:
    """Read and validate a sweep file (or an equivalent dict).

    Args:
        path: The TOML file, or its contents as a dict.
        size: ``"full"``, or ``"small"`` to apply the file's ``[small]`` table (or
            :data:`SMALL_DEFAULTS`).
        where: Name used in error messages (default: the file).
        base: Folder relative scenario, drivers and town files are looked up in (default:
            the file's folder; the current folder for a dict).

    Returns:
        The validated sweep.

    Raises:
        InputError: any problem, in one line naming the file and field.
        TownError: a bad town.
    """
    if isinstance(path, dict):
        data, base_dir, src = dict(path), Path(base or Path.cwd()), where or "sweep"
    else:
        p = Path(path)
        data = read_toml(p, "sweep")
        base_dir, src = Path(base or p.resolve().parent), str(p)
    w = where or src
    raw = json.loads(json.dumps(data, default=str))
    if size not in ("full", "small"):
        raise InputError(f"--size {size!r} must be 'full' or 'small'")
    _check_keys(w, data, _TOP_KEYS, "")
    field = "name" if "name" in data else "name (from the file name)"
    name = check_name(w, data.get("name", Path(src).stem), field)
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise InputError(f"{w}: description must be a string")
    design = data.get("design", {})
    if not isinstance(design, dict):
        raise InputError(f"{w}: [design] must be a table")
    _check_keys(w, design, _DESIGN_KEYS, "design.")
    small = data.get("small", {})
    if not isinstance(small, dict):
        raise InputError(f"{w}: [small] must be a table")
    _check_keys(w, small, _SMALL_KEYS, "small.")
    cfg: dict[str, Any] = {
        "scenarios": data.get("scenarios", ["consumer_led"]),
        "drivers": data.get("drivers"),
        "town": data.get("town"),
        "replicates": data.get("replicates", 1),
        "residents": data.get("residents"),
        "years": data.get("years"),
        "samples": design.get("samples", 8),
        "levels": design.get("levels", 4),
        "parameters": _flatten(w, data.get("parameters", {}), "parameters"),
        "fixed": _flatten(w, data.get("fixed", {}), "fixed"),
    }
    if size == "small":
        merged = {**SMALL_DEFAULTS, **small}
        for k, v in merged.items():
            if k in ("parameters", "fixed"):
                cfg[k] = {**cfg[k], **_flatten(w, v, f"small.{k}")}
            else:
                cfg[k] = v
        cfg["fixed"].setdefault("run.burn_in_weeks", 0)
    scn = cfg["scenarios"]
    if isinstance(scn, str):
        scn = [scn]
    if not isinstance(scn, list) or not scn or not all(isinstance(s, str) for s in scn):
        raise InputError(f"{w}: scenarios must be a list of scenario names or files")
    scn = [_resolve_rel(s, base_dir) for s in scn]
    drv = _resolve_rel(cfg["drivers"], base_dir)
    twn = _resolve_rel(cfg["town"], base_dir)
    if drv is not None and not isinstance(drv, str):
        raise InputError(f"{w}: drivers must be a drivers file or bundled name (a string)")
    if twn is not None and not isinstance(twn, str):
        raise InputError(f"{w}: town must be a town CSV, bundled town or layout name")
    for k in ("residents", "years"):
        if cfg[k] is not None:
            cfg[k] = check_value(f"{w}: {k}", "run", k, cfg[k])
    inp = prepare(scn, drv, twn, cfg["residents"], cfg["years"], where=w)
    town_spec = inp.town if Path(inp.town.source).is_file() else inp.town_spec
    replicates = _int(w, "replicates", cfg["replicates"], 1, 10_000)
    base_seed = check_seed(data.get("base_seed", 0), f"{w}: base_seed")
    kind = design.get("kind", "grid")
    if kind not in DESIGNS:
        raise InputError(
            f"{w}: design.kind = {kind!r} is not one of {', '.join(DESIGNS)}"
            f"{_nearest(str(kind), DESIGNS)}"
        )
    samples = _int(w, "design.samples", cfg["samples"], 1, 1_000_000)
    levels = _int(w, "design.levels", cfg["levels"], 2, 100)
    if kind == "sobol" and samples & (samples - 1):
        raise InputError(f"{w}: design.samples = {samples} must be a power of 2 for Sobol")
    if kind == "morris" and levels % 2:
        raise InputError(f"{w}: design.levels = {levels} must be even for Morris")
    dseed = check_seed(design.get("seed", 0), f"{w}: design.seed")
    params: dict[str, Any] = {}
    for key, val in cfg["parameters"].items():
        tag = f"{w}: parameters"
        if kind == "grid":
            vals = val if isinstance(val, list) else [val]
            if not vals:
                raise InputError(f"{tag}: {key} has no values")
            params[key] = [check_param(tag, key, v) for v in vals]
        else:
            lo, hi = _range(tag, key, val)
            typ = _bounds(key)[2]
            if typ is bool:
                raise InputError(f"{tag}: {key} is a switch; vary it with a grid design")
            params[key] = (check_param(tag, key, lo), check_param(tag, key, hi))
    if kind != "grid" and not params:
        raise InputError(f"{w}: a {kind} design needs at least one parameter with a range")
    fixed = {k: check_param(f"{w}: fixed", k, v) for k, v in cfg["fixed"].items()}
    both = set(fixed) & set(params)
    if both:
        raise InputError(f"{w}: {sorted(both)[0]} is both fixed and varied")
    outcomes = data.get("outcomes", list(HEADLINE))
    if outcomes == "all":
        outcomes = list(_outcome_names())
    if not isinstance(outcomes, list) or not outcomes:
        raise InputError(f'{w}: outcomes must be a list of outcome names (or "all")')
    unknown = [o for o in outcomes if o not in HEADLINE]
    if unknown:
        known = _outcome_names()
        for o in unknown:
            if o not in known:
                raise InputError(f"{w}: unknown outcome '{o}'{_nearest(str(o), known)}")
    return SweepSpec(
        name=name,
        description=" ".join(desc.split()),
        source=src,
        size=size,
        scenarios=inp.scenarios,
        drivers=inp.drivers,
        town=inp.town,
        town_spec=town_spec,
        residents=inp.residents,
        years=inp.years,
        replicates=replicates,
        base_seed=base_seed,
        outcomes=tuple(dict.fromkeys(outcomes)),
        design=kind,
        samples=samples,
        levels=levels,
        design_seed=dseed,
        parameters=params,
        fixed=fixed,
        definition=raw,
        base_dir=str(base_dir.resolve()),
    )


def _range(where: str, key: str, val: Any) -> tuple[Any, Any]:
    if isinstance(val, dict) and set(val) == {"lo", "hi"}:
        lo, hi = val["lo"], val["hi"]
    elif isinstance(val, list) and len(val) == 2:
        lo, hi = val
    else:
        raise InputError(f"{where}: {key} needs a range {{ lo = ..., hi = ... }}")
    if isinstance(lo, int | float) and isinstance(hi, int | float) and not lo < hi:
        raise InputError(f"{where}: {key} range lo = {lo} must be below hi = {hi}")
    return lo, hi


# ------------------------------------------------------------------------------ design


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """SALib problem of a non-grid sweep (names and ranges of the swept parameters)."""
    from sim.sensitivity import problem

    return problem(spec.keys, [spec.parameters[k] for k in spec.keys])


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """The design: one row per cell, one column per swept parameter.

    Grid: the full product of the values, the first parameter varying slowest. LHS, Sobol,
    Morris: SALib's sample (integers rounded), a deterministic function of ``design.seed``.

    Returns:
        A table indexed by cell (0, 1, ...); an empty-column single row if nothing varies.
    """
    keys = spec.keys
    if spec.design == "grid":
        rows = list(itertools.product(*[spec.parameters[k] for k in keys]))
        df = pd.DataFrame(rows, columns=keys)
    else:
        from sim import sensitivity as sa

        prob = salib_problem(spec)
        if spec.design == "lhs":
            x = sa.lhs_sample(prob, spec.samples, spec.design_seed)
        elif spec.design == "sobol":
            x = sa.sobol_sample(prob, spec.samples, spec.design_seed)
        else:
            x = sa.morris_sample(prob, spec.samples, spec.levels, spec.design_seed)
        df = pd.DataFrame(x, columns=keys)
        for k in keys:
            lo, hi, typ = _bounds(k)
            if typ is int:
                df[k] = np.rint(df[k]).astype(np.int64)
    df.index.name = "cell"
    return df


@dataclass(frozen=True)
class Task:
    """One run of a sweep (picklable; what a worker receives).

    Attributes:
        key: Content hash identifying the run (resume skips keys already done).
        run_id: Human-readable id ``<scenario>/c<cell>/r<replicate>``.
        scenario: The scenario.
        cell: Design cell.
        replicate: Replicate index (seed index).
        seed: Run seed.
        point: Swept and fixed values ``{"group.name": value}``.
        drivers: Base drivers.
        town: Town spec for the worker.
        residents: Residents override or None.
        years: Years override or None.
        outcomes: Outcomes to keep.
    """

    key: str
    run_id: str
    scenario: Scenario
    cell: int
    replicate: int
    seed: int
    point: dict[str, Any]
    drivers: Drivers
    town: Any
    residents: int | None
    years: float | None
    outcomes: tuple[str, ...]


def _plain(v: Any) -> Any:
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        return float(v)
    return v


def _ident(obj: Any) -> Any:
    if isinstance(obj, Scenario):
        return {"name": obj.name, "overrides": obj.overrides}
    if isinstance(obj, Drivers):
        d = dataclasses.asdict(obj)
        d.pop("description", None)
        d.pop("source", None)
        return d
    if isinstance(obj, Town):
        return {"name": obj.name, "source": Path(obj.source).name, "units": int(obj.n_units)}
    return obj


def plan(spec: SweepSpec, points: pd.DataFrame | None = None) -> list[Task]:
    """Every run of the sweep, cell by cell, replicates within each cell.

    Args:
        spec: The sweep.
        points: The design (default: :func:`design_points`).

    Returns:
        The tasks, in order: scenario, cell, replicate.
    """
    if points is None:
        points = design_points(spec)
    seeds = spec.seeds
    town_id = _ident(spec.town if isinstance(spec.town_spec, Town) else spec.town_spec)
    base = {
        "drivers": _ident(spec.drivers),
        "town": town_id if spec.town_spec is not None else "example",
        "residents": spec.residents,
        "years": spec.years,
        "outcomes": list(spec.outcomes),
        "version": sim.__version__,
    }
    records = points.to_dict("records") if len(points.columns) else [{}] * max(1, len(points))
    tasks = []
    for scn in spec.scenarios:
        for cell, rec in enumerate(records):
            point = {k: _plain(v) for k, v in rec.items()}
            point.update({k: _plain(v) for k, v in spec.fixed.items()})
            for r, seed in enumerate(seeds):
                ident = {**base, "scenario": _ident(scn), "point": point, "seed": seed}
                blob = json.dumps(ident, sort_keys=True, default=str).encode()
                key = hashlib.sha256(blob).hexdigest()[:20]
                tasks.append(
                    Task(
                        key=key,
                        run_id=f"{scn.name}/c{cell}/r{r}",
                        scenario=scn,
                        cell=cell,
                        replicate=r,
                        seed=seed,
                        point=point,
                        drivers=spec.drivers,
                        town=spec.town_spec,
                        residents=spec.residents,
                        years=spec.years,
                        outcomes=spec.outcomes,
                    )
                )
    return tasks


# ------------------------------------------------------------------------------ worker


def run_point(
    scenario: Any,
    drivers: Any,
    town: Any,
    seed: int,
    point: dict[str, Any],
    residents: int | None = None,
    years: float | None = None,
    outcomes: Sequence[str] = HEADLINE,
) -> dict[str, float]:
    """One run with swept values; its kept outcomes (final-year means).

    Args:
        scenario: Scenario (name, path or object).
        drivers: Drivers (name, path or object); ``drivers.*`` values in ``point`` replace
            its fields.
        town: Town spec.
        seed: Run seed.
        point: ``{"group.name": value}`` (validated).
        residents: Residents override or None.
        years: Years override or None.
        outcomes: Outcomes to return.

    Returns:
        ``{outcome: final-year mean}``.
    """
    over, drv_over = split_point(point)
    _test_hook(point)
    drv = load_drivers(drivers)
    if drv_over:
        drv = dataclasses.replace(drv, **drv_over)
    df, _ = run_one(
        scenario, drv, town, seed=seed, residents=residents, years=years, overrides=over
    )
    summary = summarise(df)
    return {o: summary[o] for o in outcomes}


def _test_hook(point: dict[str, Any]) -> None:
    delay = os.environ.get(SLEEP_ENV)
    if delay:
        time.sleep(float(delay))
    spec = os.environ.get(FAIL_ENV)
    if spec and "=" in spec:
        key, _, val = spec.partition("=")
        if key in point and str(point[key]) == val:
            raise RuntimeError(f"test failure hook: {key} = {val}")


def sweep_task(task: Task) -> dict[str, Any]:
    """Worker entry point: run one task, never raise; return its row.

    Returns:
        ``{"key", "status": "ok" | "error", "error", "seconds", <outcomes>}``.
    """
    t0 = time.perf_counter()
    try:
        out = run_point(
            task.scenario,
            task.drivers,
            task.town,
            task.seed,
            task.point,
            task.residents,
            task.years,
            task.outcomes,
        )
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal for the sweep
        msg = " ".join(str(exc).split())
        out = {o: math.nan for o in task.outcomes}
        status, error = "error", f"{type(exc).__name__}: {msg}"[:500]
    return {
        "key": task.key,
        "status": status,
        "error": error,
        "seconds": round(time.perf_counter() - t0, 4),
        **out,
    }


def _row(task: Task, result: dict[str, Any]) -> dict[str, Any]:
    row = {
        "key": task.key,
        "run_id": task.run_id,
        "scenario": task.scenario.name,
        "cell": task.cell,
        "replicate": task.replicate,
        "seed": task.seed,
        **task.point,
    }
    row.update(result)
    return row


# ------------------------------------------------------------------------------ run log


class RunLog:
    """Append-only JSON-lines log of finished runs, safe against kills.

    Each row is one line written with a single ``os.write`` and then ``fsync``-ed. A line
    cut short by a kill (no trailing newline) is ignored by :meth:`read` and removed when
    the log is next opened for appending.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def read(self) -> list[dict[str, Any]]:
        """Every complete row, in the order written."""
        if not self.path.is_file():
            return []
        rows = []
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # cut short by a kill
                with contextlib.suppress(ValueError):
                    rows.append(json.loads(line))
        return rows

    def open(self) -> RunLog:
        """Open for appending (drops a trailing partial line first)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)  # umask applies
        size = os.fstat(fd).st_size
        if size:
            tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
            if not tail.endswith(b"\n"):
                cut = tail.rfind(b"\n")
                keep = 0 if cut < 0 and size <= (1 << 20) else size - len(tail) + cut + 1
                os.ftruncate(fd, keep)
                os.fsync(fd)
        self._fd = fd
        return self

    def append(self, row: dict[str, Any]) -> None:
        """Write one row durably."""
        assert self._fd is not None, "RunLog.open() first"
        line = json.dumps(row, allow_nan=True, default=_plain).encode() + b"\n"
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLog:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """Refuse a second sweep writing into the same folder at the same time."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fh = (folder / ".sweep.lock").open("a")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"{folder}: another sweep is writing to this folder") from None
        yield
    finally:
        fh.close()


# ------------------------------------------------------------------------------ running


@dataclass
class SweepResult:
    """Outcome of :func:`run_sweep`.

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


def default_out(spec: SweepSpec) -> Path:
    """``results/sweeps/<name>`` (``-small`` appended for ``--size small``)."""
    return Path("results") / "sweeps" / (spec.name + ("-small" if spec.size == "small" else ""))


def _manifest(spec: SweepSpec, n_runs: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "file": spec.source,
        "size": spec.size,
        "version": sim.__version__,
        "scenarios": [{"name": s.name, "file": s.source} for s in spec.scenarios],
        "drivers": {"name": spec.drivers.name, "file": spec.drivers.source},
        "town": {"name": spec.town.name, "source": spec.town.source},
        "residents": spec.residents,
        "years": spec.years,
        "replicates": spec.replicates,
        "base_seed": spec.base_seed,
        "seeds": spec.seeds,
        "outcomes": list(spec.outcomes),
        "design": {
            "kind": spec.design,
            "samples": spec.samples,
            "levels": spec.levels,
            "seed": spec.design_seed,
        },
        "parameters": {k: list(v) for k, v in spec.parameters.items()},
        "fixed": spec.fixed,
        "runs": n_runs,
        "summary": "each outcome's mean over the final 52 weeks of each run",
        # a JSON string: keeps the parameter order (sweep.json itself has sorted keys)
        "definition": json.dumps(spec.definition),
        "base_dir": spec.base_dir,
    }


def _executor(
    executor: Executor | None, workers: int, dask: str | None
) -> tuple[Executor | None, Callable[[], None]]:
    """The executor to use and how to clean it up (None: serial in this process)."""
    if executor is not None:
        return executor, lambda: None
    if dask:
        from distributed import Client, LocalCluster

        if dask == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                env={"NUMBA_NUM_THREADS": "1"},
            )
            client = Client(cluster)

            def close() -> None:
                client.close()
                cluster.close()

            return client.get_executor(), close
        try:
            client = Client(dask, timeout="10s")
        except OSError as exc:
            raise InputError(
                f"--dask {dask}: cannot connect: {' '.join(str(exc).split())}"
            ) from None
        return client.get_executor(), client.close
    if workers == 1:
        return None, lambda: None
    pool = default_executor(workers)
    return pool, lambda: pool.shutdown(wait=True)


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
    figures: bool = True,
) -> SweepResult:
    """Run every run of a sweep not yet in its log, then write its tables and figures.

    Args:
        spec: The sweep (:func:`load_sweep`).
        out_dir: Output folder (default :func:`default_out`). Runs already logged there are
            skipped; runs that failed before are retried.
        executor: Any ``concurrent.futures.Executor`` (overrides ``workers`` and ``dask``).
        workers: Worker processes (default ``min(2, CPUs)``; 1 runs serially in this
            process); with ``dask="local"``, the LocalCluster's workers.
        dask: ``"local"`` for a LocalCluster, or a scheduler address ``tcp://host:port``.
        progress: Show a progress bar (runs done, failures, ETA).
        figures: Draw figures.

    Returns:
        The result (also written to ``out_dir``).

    Raises:
        InputError: bad arguments or another sweep writing into ``out_dir``.
        KeyboardInterrupt: interrupted; every finished run is in the log.
    """
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"--workers = {workers!r} must be a whole number >= 1")
    out = Path(out_dir) if out_dir is not None else default_out(spec)
    out.mkdir(parents=True, exist_ok=True)
    points = design_points(spec)
    tasks = plan(spec, points)
    with _lock(out):
        manifest = json_bytes(_manifest(spec, len(tasks)))
        if not (out / "sweep.json").is_file() or (out / "sweep.json").read_bytes() != manifest:
            atomic_write_bytes(out / "sweep.json", manifest)
        design = points.reset_index()
        atomic_write_bytes(out / "design.csv", csv_bytes(design))
        log = RunLog(out / "runs.jsonl")
        done = {r["key"] for r in log.read() if r.get("status") == "ok"}
        todo = [t for t in tasks if t.key not in done]
        ran = _execute(todo, log, executor, workers, dask, progress, len(tasks), spec.name)
        return _finish(spec, out, tasks, points, log, ran, figures)


def _execute(
    todo: list[Task],
    log: RunLog,
    executor: Executor | None,
    workers: int,
    dask: str | None,
    progress: bool,
    total: int,
    name: str,
) -> int:
    from tqdm import tqdm

    if not todo:
        return 0
    bar = tqdm(total=total, initial=total - len(todo), unit="run", desc=name, disable=not progress)
    failures = 0
    ran = 0

    def record(task: Task, res: dict[str, Any]) -> None:
        nonlocal failures, ran
        log.append(_row(task, res))
        ran += 1
        if res["status"] != "ok":
            failures += 1
            bar.set_postfix(failed=failures, refresh=False)
        bar.update(1)

    ex, close = _executor(executor, min(workers, len(todo)), dask)
    log.open()
    try:
        if ex is None:
            for t in todo:
                record(t, sweep_task(t))
        else:
            window = max(4, 4 * workers)
            pending: dict[Future, Task] = {}
            it = iter(todo)
            try:
                for t in itertools.islice(it, window):
                    pending[ex.submit(sweep_task, t)] = t
                while pending:
                    fin, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for f in fin:
                        t = pending.pop(f)
                        try:
                            res = f.result()
                        except Exception as exc:  # worker lost, unpicklable result, ...
                            res = {
                                "key": t.key,
                                "status": "error",
                                "error": f"{type(exc).__name__}: {exc}"[:500],
                                "seconds": math.nan,
                                **{o: math.nan for o in t.outcomes},
                            }
                        record(t, res)
                        nxt = next(it, None)
                        if nxt is not None:
                            pending[ex.submit(sweep_task, nxt)] = nxt
            except BaseException:
                for f in pending:
                    f.cancel()
                if executor is None and dask is None:
                    kill_pool(ex)  # type: ignore[arg-type]
                    close = lambda: None  # noqa: E731
                raise
    finally:
        log.close()
        bar.close()
        close()
    return ran


# ------------------------------------------------------------------------------ outputs


def collect(tasks: Sequence[Task], log: RunLog, spec: SweepSpec) -> pd.DataFrame:
    """One row per planned run (its latest logged attempt), in plan order.

    Runs not in the log (an interrupted sweep) are left out.
    """
    latest: dict[str, dict[str, Any]] = {}
    for r in log.read():
        latest[r["key"]] = r
    rows = []
    for t in tasks:
        r = latest.get(t.key)
        if r is None:
            continue
        row = _row(t, {k: r.get(k) for k in ("status", "error", "seconds")})
        row.update({o: r.get(o, math.nan) for o in spec.outcomes})
        rows.append(row)
    cols = ["key", *RUN_COLUMNS, *spec.keys, *spec.fixed, *STATUS_COLUMNS, *spec.outcomes]
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


def _finish(
    spec: SweepSpec,
    out: Path,
    tasks: list[Task],
    points: pd.DataFrame,
    log: RunLog,
    ran: int,
    figures: bool,
) -> SweepResult:
    runs = collect(tasks, log, spec)
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
    return [k for k in spec.keys if _bounds(k)[2] is not bool]


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


# ------------------------------------------------------------------------------ re-analysis


def analyse_folder(
    folder: str | Path, size: str | None = None, figures: bool = True
) -> SweepResult:
    """Recompute tables, sensitivity indices and figures of a sweep folder from its log.

    Args:
        folder: Output folder of a sweep (holds ``sweep.json`` and ``runs.jsonl``).
        size: Size to re-read the sweep file at (default: the one recorded).
        figures: Draw figures.

    Returns:
        The result (tables rewritten in ``folder``).

    Raises:
        InputError: not a sweep folder, or the sweep file is gone.
    """
    out = Path(folder)
    man = out / "sweep.json"
    if not man.is_file():
        raise InputError(f"{out}: not a sweep folder (no sweep.json)")
    try:
        info = json.loads(man.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{man}: not valid JSON: {exc}") from None
    try:
        spec = load_sweep(
            json.loads(info["definition"]),
            size=size or info.get("size", "full"),
            where=info["file"],
            base=info.get("base_dir") or None,
        )
    except KeyError as exc:
        raise InputError(f"{man}: missing field {exc}") from None
    points = design_points(spec)
    tasks = plan(spec, points)
    with _lock(out):
        return _finish(spec, out, tasks, points, RunLog(out / "runs.jsonl"), 0, figures)
