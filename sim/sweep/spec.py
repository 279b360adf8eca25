"""Sweep files: reading and checking them, their designs, and the plan of runs.

:func:`load_sweep` reads and validates a sweep file (the format is in :mod:`sim.sweep` and
``docs/experiments.md``) into a :class:`SweepSpec`; :func:`design_points` makes its design
(grid, or SALib's LHS, Sobol or Morris sample); :func:`plan` lists every run as a
:class:`Task`, identified by a hash of everything that determines it, so a rerun skips the
runs already logged whatever order or executor ran them.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.outcomes import HEADLINE
from sim.params import spec_index
from sim.runner import check_seed, prepare
from sim.scenarios import (
    Drivers,
    InputError,
    Posterior,
    Scenario,
    check_name,
    check_value,
    load_posterior,
    read_toml,
)
from sim.streams import replicate_seeds, stream
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
#: Default size of ``--size small`` when the file has no ``[small]`` table.
SMALL_DEFAULTS: dict[str, Any] = {
    "replicates": 2,
    "residents": 50,
    "years": 0.1,
    "town": "generated:linear:20:1",
    "samples": 4,
}

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
    "posterior",
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


def bounds(key: str) -> tuple[float | None, float | None, type]:
    """Lower bound, upper bound and type of a sweepable key (``group.name``)."""
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
        town_spec: What a worker passes as town (the Town if from a file, else its layout).
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
        posterior: With ``posterior = true`` (the bundled posterior) or a path, replicate r of
            every cell draws the free parameters the design and ``fixed`` do not set from it
            (the same draw in every cell: common parameter draws as well as common seeds).
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
    posterior: Posterior | None = None
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
            typ = bounds(key)[2]
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
        town_spec=inp.town_spec,
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
        posterior=_posterior(w, data.get("posterior", False), base_dir),
        definition=raw,
        base_dir=str(base_dir.resolve()),
    )


def _posterior(where: str, value: Any, base_dir: Path) -> Posterior | None:
    """The sweep's posterior: ``true`` (bundled), ``false`` (none) or a path."""
    if value is False:
        return None
    if value is True:
        return load_posterior()
    if isinstance(value, str) and value:
        p = Path(value)
        return load_posterior(p if p.is_absolute() else base_dir / p)
    raise InputError(f"{where}: posterior = {value!r} must be true, false or a file path")


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
            lo, hi, typ = bounds(k)
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

    def row(self, result: dict[str, Any]) -> dict[str, Any]:
        """The task's identity, point and ``result`` as one row (of the log, of runs.csv)."""
        return {
            "key": self.key,
            "run_id": self.run_id,
            "scenario": self.scenario.name,
            "cell": self.cell,
            "replicate": self.replicate,
            "seed": self.seed,
            **self.point,
            **result,
        }


def plain_value(v: Any) -> Any:
    """A numpy scalar as the Python bool, int or float (for JSON and hashing)."""
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
    draws = (
        spec.posterior.draws(len(seeds), stream(spec.base_seed, "posterior"))
        if spec.posterior is not None
        else []
    )
    tasks = []
    for scn in spec.scenarios:
        for cell, rec in enumerate(records):
            point = {k: plain_value(v) for k, v in rec.items()}
            point.update({k: plain_value(v) for k, v in spec.fixed.items()})
            for r, seed in enumerate(seeds):
                if draws:  # the replicate's parameter draw, where design and scenario are silent
                    point = {
                        **{
                            f"{g}.{n}": v
                            for g, t in draws[r].items()
                            for n, v in t.items()
                            if n not in scn.overrides.get(g, {})
                        },
                        **{k: plain_value(v) for k, v in rec.items()},
                        **{k: plain_value(v) for k, v in spec.fixed.items()},
                    }
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
