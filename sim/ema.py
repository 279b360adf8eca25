"""EMA Workbench adapter: run the town-centre model from ``ema_workbench`` (exploratory modelling).

:func:`make_model` returns an EMA ``ReplicatorModel`` around :func:`run_model`, a plain
function model that runs one replication through :func:`sim.sweep.run_point` (so a run is
exactly a sweep run: same validation, same seeds, same outcome summaries). Parameters come
from our declarations (:mod:`sim.params`):

* **levers** (policy choices the council or Town Team makes) must be parameters declared with
  ``kind="lever"``;
* **uncertainties** are behavioural parameters (``kind="free"``) or the drivers'
  ``drivers.online_scale``, ``drivers.online_shift`` and ``drivers.chain_expansion``.

Ranges default to the declared bounds; give ``{"group.name": (lo, hi)}`` to narrow them (and
wherever a declared bound is open or very wide). EMA names are the keys with ``.`` replaced
by ``__`` (``council__rates_multiplier``). Every experiment runs the same replication seeds
(``replications=[{"rng": seed}, ...]``, common random numbers) and each outcome is the mean
over replications of the run's final-year mean.

EMA Workbench is an optional dependency (``pip install towncentre[ema]``); this module
imports it only inside :func:`make_model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.outcomes import HEADLINE
from sim.params import spec_index
from sim.scenarios import InputError
from sim.streams import replicate_seeds
from sim.sweep import DRIVER_PARAMS, check_param, run_point

#: Constants :func:`run_model` understands besides the parameters and ``rng``.
CONSTANTS: tuple[str, ...] = ("scenario", "drivers", "town", "residents", "years")


def ema_name(key: str) -> str:
    """EMA name of a key: ``council.rates_multiplier`` -> ``council__rates_multiplier``."""
    return key.replace(".", "__")


def run_model(rng: int = 0, **kwargs: Any) -> dict[str, float]:
    """EMA function model: one run; returns every headline outcome (final-year means).

    Args:
        rng: Run seed (from the replication).
        **kwargs: Parameters as ``group__name=value`` and the constants ``scenario``,
            ``drivers``, ``town``, ``residents``, ``years`` and ``outcomes``.

    Returns:
        ``{outcome: value}``.
    """
    fixed = {k: kwargs.pop(k, None) for k in CONSTANTS}
    outcomes = kwargs.pop("outcomes", None) or HEADLINE
    point = {}
    for name, value in kwargs.items():
        if "__" not in name:
            raise InputError(f"run_model: unknown argument '{name}' (parameters are group__name)")
        key = name.replace("__", ".", 1)
        if isinstance(value, np.generic):
            value = value.item()
        spec_type = _type(key)
        if spec_type is int:
            value = int(round(value))
        point[key] = check_param("run_model", key, value)
    return run_point(
        fixed["scenario"],
        fixed["drivers"],
        fixed["town"],
        int(rng),
        point,
        fixed["residents"],
        fixed["years"],
        tuple(outcomes),
    )


def _type(key: str) -> type:
    group, name = key.split(".", 1)
    if group == "drivers":
        return float
    idx = spec_index()
    return idx[group][name].type if group in idx and name in idx[group] else float


def _parameters(
    keys: Sequence[str] | Mapping[str, tuple[float, float] | None], role: str
) -> list[Any]:
    from ema_workbench import BooleanParameter, IntegerParameter, RealParameter

    items = keys.items() if isinstance(keys, Mapping) else [(k, None) for k in keys]
    out = []
    for key, rng in items:
        check_param(role, key, _default(key))  # unknown keys get the nearest name
        group, name = key.split(".", 1)
        if group == "drivers":
            kind, (lo, hi, _), typ = "uncertainty", DRIVER_PARAMS[name], float
        else:
            s = spec_index()[group][name]
            kind = "lever" if s.kind == "lever" else "uncertainty" if s.kind == "free" else s.kind
            lo, hi, typ = s.lo, s.hi, s.type
        if kind != role:
            allowed = "kind='lever'" if role == "lever" else "kind='free' or drivers.*"
            art = "a" if role == "lever" else "an"
            raise InputError(f"{key} is declared as {kind}; {art} {role} must be {allowed}")
        if typ is bool:
            out.append(BooleanParameter(ema_name(key)))
            continue
        if rng is not None:
            lo, hi = rng
            check_param(role, key, lo)
            check_param(role, key, hi)
        if lo is None or hi is None or not lo < hi:
            raise InputError(f"{key}: give a finite range (lo, hi) for this {role}")
        if typ is int:
            out.append(IntegerParameter(ema_name(key), int(lo), int(hi)))
        else:
            out.append(RealParameter(ema_name(key), float(lo), float(hi)))
    return out


def _default(key: str) -> Any:
    group, name = key.split(".", 1) if "." in key else (key, "")
    if group == "drivers":
        lo, hi, _ = DRIVER_PARAMS.get(name, (0.0, 0.0, ""))
        return (lo + hi) / 2
    s = spec_index().get(group, {}).get(name)
    return s.default if s is not None else 0.0


def make_model(
    levers: Sequence[str] | Mapping[str, tuple[float, float] | None] = (),
    uncertainties: Sequence[str] | Mapping[str, tuple[float, float] | None] = (),
    outcomes: Sequence[str] = HEADLINE,
    replications: int = 2,
    base_seed: int = 0,
    scenario: Any = None,
    drivers: Any = None,
    town: Any = None,
    residents: int | None = None,
    years: float | None = None,
    fixed: Mapping[str, Any] | None = None,
    name: str = "towncentre",
) -> Any:
    """An EMA ``ReplicatorModel`` of the town-centre model.

    Args:
        levers: Lever keys (``kind="lever"``), or ``{key: (lo, hi)}``.
        uncertainties: Uncertainty keys (``kind="free"`` or ``drivers.*``), or
            ``{key: (lo, hi)}``.
        outcomes: Outcomes (each the mean over replications of the final-year mean).
        replications: Replicate seeds per experiment (the same in every experiment).
        base_seed: Seed the replicate seeds derive from.
        scenario: Base scenario (name, path or object; None: the defaults).
        drivers: Base drivers (None: the baseline).
        town: Town spec (None: the example town).
        residents: Residents override.
        years: Years override.
        fixed: ``{"group.name": value}`` held constant in every experiment.
        name: EMA model name (letters and digits only).

    Returns:
        An ``ema_workbench.ReplicatorModel`` ready for ``perform_experiments``.

    Raises:
        InputError: a bad name, key, role or range.
    """
    from ema_workbench import Constant, ReplicatorModel, ScalarOutcome

    if not name.isalnum():
        raise InputError(f"EMA model name '{name}' must contain only letters and digits")
    if not 1 <= int(replications) <= 10_000:
        raise InputError(f"replications = {replications} is outside [1, 10000]")
    model = ReplicatorModel(name, function=run_model)
    model.levers = _parameters(levers, "lever")
    model.uncertainties = _parameters(uncertainties, "uncertainty")
    consts = {
        "scenario": scenario,
        "drivers": drivers,
        "town": town,
        "residents": residents,
        "years": years,
        "outcomes": tuple(outcomes),
    }
    constants = [Constant(k, v) for k, v in consts.items() if v is not None]
    for key, value in (fixed or {}).items():
        constants.append(Constant(ema_name(key), check_param("fixed", key, value)))
    model.constants = constants
    model.outcomes = [ScalarOutcome(o, function=np.mean) for o in outcomes]
    model.replications = [{"rng": s} for s in replicate_seeds(base_seed, int(replications))]
    return model
