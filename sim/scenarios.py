"""The only reader of ``scenarios/``: governance scenarios and drivers (MODEL.md, "Governance
scenarios" and "Drivers").

A *scenario* file (``scenarios/*.toml``) holds ``name``, ``description`` and tables named
after the parameter groups of :mod:`sim.params` whose keys override the defaults. Unknown
tables or keys are refused with the nearest valid name; values outside their declared bounds
are refused with the bounds. A ``[programme]`` table may give ``start_year`` and
``end_year`` (calendar years, either may be left out): the scenario's levers apply inside
that window (and never during the burn-in), the market defaults outside it. A lever may be
given a path over time instead of one value, ``events = {year = [2010, 2013], value =
[2000.0, 0.0]}``: each value holds from its year until the next (the default before the
first year), inside the programme window.

A *drivers* file (``scenarios/drivers/*.toml``) holds the exogenous uncertainties: the
online-share path (ONS internet sales ratio, DATA.md), recession and pandemic shocks, and
chain expansion.

The bundled files ship as the package data ``sim.bundled`` (see :func:`sim.bundled_dir`), so
bundled names work from any folder. TOML files may start with a UTF-8 byte-order mark.

Every problem raises :class:`InputError`, whose message is one line naming the file, the
field and what is allowed. A scenario's or drivers file's ``name`` becomes part of output
paths, so it must be a plain word (:data:`NAME_PATTERN`).
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator

from sim import bundled_dir
from sim.params import GROUPS, spec_index

#: The bundled governance scenarios (``scenarios/`` in the repository).
SCENARIOS_DIR: Path = bundled_dir()
#: The bundled drivers files.
DRIVERS_DIR: Path = SCENARIOS_DIR / "drivers"
WEEKS_PER_YEAR = 52

#: What a scenario's, drivers file's or sweep's ``name`` may be: it becomes part of output
#: paths (``results/run-<name>-seed<N>``, ``results/sweeps/<name>``), so a plain word.
NAME_PATTERN: str = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_NAME_HELP = "letters, digits, '_' and '-', starting with a letter or digit, at most 64"


class InputError(ValueError):
    """A user-facing input problem; the message is one line and names file and field."""


def display_path(path: Path) -> str:
    """A bundled file as ``scenarios/...`` (machine-independent); any other path as given."""
    try:
        rel = Path(path).resolve().relative_to(SCENARIOS_DIR.resolve())
    except ValueError:
        return str(path)
    return f"scenarios/{rel.as_posix()}"


def _nearest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(options)}"


def read_toml(path: Path, kind: str = "") -> dict[str, Any]:
    """Read a TOML file, UTF-8 with or without a byte-order mark.

    Args:
        path: The file.
        kind: What the file is, for the not-found message (``"sweep"`` gives "sweep file
            not found").

    Raises:
        InputError: missing, unreadable, not UTF-8 or not valid TOML (one line).
    """
    if not path.is_file():
        raise InputError(f"{path}: {kind + ' ' if kind else ''}file not found")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None


def check_name(where: str, name: Any, field: str = "name") -> str:
    """Refuse a name that is not a plain word (:data:`NAME_PATTERN`); return it.

    Raises:
        InputError: ``name`` is not a string matching the pattern (one line naming the
            file, the field and the pattern).
    """
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise InputError(
            f"{where}: {field} = {name!r} must match {NAME_PATTERN} ({_NAME_HELP} characters)"
        )
    return name


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


def check_value(where: str, group: str, name: str, value: Any) -> Any:
    """Validate one parameter value against its declaration; return it cast to its type.

    Raises:
        InputError: unknown group or key, wrong type, or outside its bounds.
    """
    idx = spec_index()
    if group not in idx:
        raise InputError(f"{where}: unknown table [{group}]{_nearest(group, list(idx))}")
    if name not in idx[group]:
        keys = [f"{group}.{k}" for k in idx[group]]
        all_keys = [f"{g}.{k}" for g in idx for k in idx[g]]
        hint = _nearest(f"{group}.{name}", keys) if keys else ""
        if "did you mean" not in hint:
            hint = _nearest(name, list(idx[group])) if idx[group] else _nearest(name, all_keys)
        raise InputError(f"{where}: unknown key '{group}.{name}'{hint}")
    s = idx[group][name]
    if s.type is bool:
        if not isinstance(value, bool):
            raise InputError(f"{where}: {s.key} = {value!r} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"{where}: {s.key} = {value!r} must be a number in "
            f"[{_fmt(s.lo)}, {_fmt(s.hi)}] ({s.unit})"
        )  # noqa: E501
    if s.type is int:
        if float(value) != int(value):
            raise InputError(
                f"{where}: {s.key} = {value!r} must be a whole number in "
                f"[{_fmt(s.lo)}, {_fmt(s.hi)}] ({s.unit})"
            )  # noqa: E501
        value = int(value)
    else:
        value = float(value)
    if (
        not math.isfinite(value)
        or (s.lo is not None and value < s.lo)
        or (s.hi is not None and value > s.hi)
    ):  # noqa: E501
        raise InputError(
            f"{where}: {s.key} = {value!r} is outside [{_fmt(s.lo)}, {_fmt(s.hi)}] ({s.unit})"
        )  # noqa: E501
    return value


#: A lever's path: the calendar years from which each value holds, and the values.
LeverPath = tuple[tuple[float, ...], tuple[Any, ...]]
_YEAR_RANGE = (1900.0, 2200.0)


def week_of_year(year: float, start_year: float) -> int:
    """The first model week whose calendar year (``start_year`` + week / 52) is at least
    ``year`` (may be negative or beyond a run)."""
    return math.ceil(round((year - start_year) * WEEKS_PER_YEAR, 9))


@dataclass(frozen=True)
class Scenario:
    """A governance scenario: overrides of the parameter defaults, with its description.

    Attributes:
        name: Scenario name (a plain word).
        description: What the scenario is.
        overrides: ``{group: {name: value}}`` over the defaults.
        source: The scenario file (or "defaults").
        programme_start: Calendar year the levers start (None: the end of the burn-in).
        programme_end: Calendar year the levers stop (None: the end of the run).
        paths: ``{group: {name: (years, values)}}``: levers that change over time.
    """

    name: str
    description: str
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "defaults"
    programme_start: float | None = None
    programme_end: float | None = None
    paths: dict[str, dict[str, LeverPath]] = field(default_factory=dict)

    def window(self, start_year: float, burn_in: int, n_weeks: int) -> tuple[int, int]:
        """The weeks ``[first, end)`` in which the scenario's levers apply, for a run whose
        week 0 is calendar ``start_year``: from the programme's start (never before the end
        of the burn-in) to its end (or the end of the run)."""
        first = burn_in
        if self.programme_start is not None:
            first = max(first, week_of_year(self.programme_start, start_year))
        end = n_weeks
        if self.programme_end is not None:
            end = min(end, week_of_year(self.programme_end, start_year))
        return min(first, n_weeks), max(min(end, n_weeks), 0)

    def programme_dict(self) -> dict[str, Any]:
        """The programme window and the lever paths, for summaries and reports."""
        return {
            "start_year": self.programme_start,
            "end_year": self.programme_end,
            "paths": {
                f"{g}.{n}": {"year": list(y), "value": list(v)}
                for g, t in self.paths.items()
                for n, (y, v) in t.items()
            },
        }


def parse_overrides(where: str, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Validate a ``{group: {key: value}}`` mapping; return it with values cast."""
    return _parse_tables(where, data)[0]


def _parse_tables(
    where: str, data: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, LeverPath]]]:
    """Validate ``{group: {key: value or path}}``: the scalar overrides and the lever paths."""
    out: dict[str, dict[str, Any]] = {}
    paths: dict[str, dict[str, LeverPath]] = {}
    for group, table in data.items():
        if group not in GROUPS:
            raise InputError(f"{where}: unknown table [{group}]{_nearest(group, list(GROUPS))}")
        if not isinstance(table, dict):
            raise InputError(f"{where}: [{group}] must be a table of parameters")
        out[group] = {}
        for k, v in table.items():
            if isinstance(v, dict):
                paths.setdefault(group, {})[k] = parse_path(where, group, k, v)
            else:
                out[group][k] = check_value(where, group, k, v)
    return out, paths


def parse_path(where: str, group: str, name: str, table: dict[str, Any]) -> LeverPath:
    """Validate a lever's path ``{year = [...], value = [...]}``: equal-length, non-empty
    lists, years strictly increasing in [1900, 2200], each value within the lever's bounds.

    Raises:
        InputError: not a lever, unknown keys, or a bad year or value (one line).
    """
    key = f"{group}.{name}"
    idx = spec_index()
    if name not in idx[group]:
        check_value(where, group, name, 0)  # the unknown-key error, with the nearest name
    if idx[group][name].kind != "lever":
        raise InputError(f"{where}: {key} is not a lever: only levers may be given a path")
    for k in table:
        if k not in ("year", "value"):
            raise InputError(f"{where}: unknown key '{key}.{k}' (a path has: year, value)")
    yrs, vals = table.get("year"), table.get("value")
    if not isinstance(yrs, list) or not isinstance(vals, list) or len(yrs) != len(vals) or not yrs:
        raise InputError(
            f"{where}: {key}.year and {key}.value must be lists of equal, non-zero length"
        )
    lo, hi = _YEAR_RANGE
    years = tuple(_num(where, f"{key}.year", y, lo, hi, "calendar year") for y in yrs)
    if any(b <= a for a, b in zip(years, years[1:], strict=False)):
        raise InputError(f"{where}: {key}.year must increase strictly")
    values = tuple(check_value(where, group, name, v) for v in vals)
    return years, values


def parse_programme(where: str, table: Any) -> tuple[float | None, float | None]:
    """Validate a ``[programme]`` table: ``start_year`` and ``end_year`` (calendar years in
    [1900, 2200], either may be left out; the end after the start).

    Raises:
        InputError: not a table, unknown keys or bad years (one line).
    """
    if not isinstance(table, dict):
        raise InputError(f"{where}: [programme] must be a table (start_year, end_year)")
    _check_keys(where, table, ("start_year", "end_year"), "programme.")
    lo, hi = _YEAR_RANGE
    start = end = None
    if "start_year" in table:
        start = _num(where, "programme.start_year", table["start_year"], lo, hi, "calendar year")
    if "end_year" in table:
        end = _num(where, "programme.end_year", table["end_year"], lo, hi, "calendar year")
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"{where}: programme.end_year = {end:g} must be after programme.start_year = {start:g}"
        )
    return start, end


def scenario_names() -> list[str]:
    """Names of the bundled governance scenarios (files in ``scenarios/``)."""
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))


def resolve_path(spec: str | Path, folder: Path, kind: str) -> Path:
    """A bundled name (``consumer_led``) or a path; raises InputError if neither exists.

    The error names the closest bundled name, if one is close, and lists them all.
    """
    p = Path(spec)
    if p.is_file():
        return p
    if p.suffix != ".toml" and (folder / f"{p.name}.toml").is_file():
        return folder / f"{p.name}.toml"
    if (folder / p.name).is_file() and p.parent == Path("."):
        return folder / p.name
    known = sorted(q.stem for q in folder.glob("*.toml"))
    close = difflib.get_close_matches(p.stem, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise InputError(
        f"{spec}: {kind} file not found{hint} (bundled {kind}s: {', '.join(known) or 'none'})"
    )


def load_scenario(spec: str | Path | Scenario | None) -> Scenario:
    """Load a scenario by bundled name or path; ``None`` is the defaults (consumer-led market)."""
    if spec is None:
        return Scenario("defaults", "Parameter defaults (market only).")
    if isinstance(spec, Scenario):
        return spec
    path = resolve_path(spec, SCENARIOS_DIR, "scenario")
    data = read_toml(path)
    field = "name" if "name" in data else "name (from the file name)"
    name = check_name(str(path), data.pop("name", path.stem), field)
    desc = data.pop("description", "")
    if not isinstance(desc, str):
        raise InputError(f"{path}: description must be a string")
    start, end = parse_programme(str(path), data.pop("programme", {}))
    overrides, paths = _parse_tables(str(path), data)
    return Scenario(name, desc.strip(), overrides, display_path(path), start, end, paths)


# ----------------------------------------------------------------------------- drivers

SHOCK_KINDS = ("recession", "pandemic")
_SHOCK_FIELDS = {
    # name: (default, lo, hi, unit)
    "kind": (None, None, None, "recession | pandemic"),
    "start_year": (None, 1900.0, 2200.0, "calendar year"),
    "weeks": (52, 1, 1040, "weeks"),
    "spend_drop": (0.0, 0.0, 1.0, "share of budgets lost at the trough"),
    "trip_penalty": (0.0, 0.0, 20.0, "utils off centre and park trips"),
    "online_boost": (0.0, 0.0, 1.0, "share added to the online path"),
}
_DRIVER_KEYS = (
    "description",
    "start_year",
    "online",
    "chains",
    "shock",
    "name",
    "spend",
    "lockdown",
    "rates_relief",
    "rates",
    "planning",
)
_PLANNING_FIELDS = {
    # name: (default, lo, hi, unit)
    "conversion_small_from": (math.inf, 1900.0, 2200.0, "calendar year"),
    "conversion_small_max_m2": (150.0, 0.0, 1e5, "m2"),
    "conversion_any_from": (math.inf, 1900.0, 2200.0, "calendar year"),
    "conversion_any_max_m2": (1500.0, 0.0, 1e5, "m2"),
    "use_class_e_from": (math.inf, 1900.0, 2200.0, "calendar year"),
}
_ONLINE_KEYS = ("year", "share", "scale", "shift")


@dataclass(frozen=True)
class Lockdown:
    """A period when the named use categories may not open (their units take no visits)."""

    start: float  # calendar year
    end: float  # calendar year
    closed: tuple[str, ...]


@dataclass(frozen=True)
class Shock:
    """A recession (spend falls and recovers) or a pandemic (trips penalised, online boosted)."""

    kind: str
    start_year: float
    weeks: int
    spend_drop: float = 0.0
    trip_penalty: float = 0.0
    online_boost: float = 0.0

    def profile(self, year: np.ndarray) -> np.ndarray:
        """Intensity in [0, 1] by calendar year: a tent for recessions, a plateau for pandemics."""
        t = (year - self.start_year) * WEEKS_PER_YEAR / self.weeks  # 0..1 over the shock
        inside = (t >= 0.0) & (t < 1.0)
        if self.kind == "recession":
            return np.where(inside, 1.0 - np.abs(2.0 * t - 1.0), 0.0)
        return inside.astype(np.float64)


#: ONS internet sales ratio (DATA.md): 2007 3.4% and Jan 2020 19.5% (pre-pandemic; the Nov 2019
#: ~22% is a Christmas peak, left out of the annual path),
#: rising towards 30% by the mid-2030s (MODEL.md "about 5% rising towards 30%").
ONS_YEARS = (2007.5, 2020.0, 2035.0)
ONS_SHARE = (0.034, 0.195, 0.30)


@dataclass(frozen=True)
class Drivers:
    """Exogenous drivers of a run (uncertainties, never levers)."""

    name: str = "baseline"
    description: str = "ONS online-share path, no shocks."
    start_year: float = 2008.0
    online_year: tuple[float, ...] = ONS_YEARS
    online_share: tuple[float, ...] = ONS_SHARE
    online_scale: float = 1.0
    online_shift: float = 0.0
    chain_expansion: float = 1.0
    shocks: tuple[Shock, ...] = ()
    spend_year: tuple[float, ...] = ()  # calendar years of the spend path (empty: flat at 1)
    spend_mult: tuple[float, ...] = ()  # x budgets at those years, linear between, flat outside
    lockdowns: tuple[Lockdown, ...] = ()
    relief_year: tuple[float, ...] = ()  # years from which each rates relief share applies
    relief_share: tuple[float, ...] = ()  # share of occupied commercial units' rates relieved
    revaluations: tuple[float, ...] = ()  # years of business-rates revaluations
    planning: tuple[tuple[str, float], ...] = ()  # (_PLANNING_FIELDS key, value) given
    source: str = "defaults"

    def planning_value(self, key: str) -> float:
        """A planning driver's value (its default if the file does not give it)."""
        return dict(self.planning).get(key, _PLANNING_FIELDS[key][0])

    def year_of(self, weeks: np.ndarray) -> np.ndarray:
        """Calendar year at the start of each model week."""
        return self.start_year + np.asarray(weeks, dtype=np.float64) / WEEKS_PER_YEAR

    def online_at(self, year: np.ndarray | float) -> np.ndarray:
        """Online share of retail spend by year.

        A monotone cubic (PCHIP) of logit(share) through the points, flat outside them, then
        scaled and shifted, clipped to [0, 0.99]."""
        xs = np.asarray(self.online_year, dtype=np.float64)
        ys = np.asarray(self.online_share, dtype=np.float64)
        yr = np.clip(np.asarray(year, dtype=np.float64), xs[0], xs[-1])
        lo = np.log(np.clip(ys, 1e-4, 1 - 1e-4) / (1 - np.clip(ys, 1e-4, 1 - 1e-4)))
        if len(xs) > 1:  # monotone cubic in logit space: smooth, S-shaped growth
            base = 1.0 / (1.0 + np.exp(-PchipInterpolator(xs, lo)(yr)))
        else:
            base = np.full_like(yr, ys[0])
        return np.clip(base * self.online_scale + self.online_shift, 0.0, 0.99)

    def weekly(self, n_weeks: int) -> dict[str, np.ndarray]:
        """Driver values for weeks 0..n_weeks-1: calendar year, online share of retail spend,
        spend multiplier, trip penalty, chain expansion, the categories closed by a lockdown
        (a bit mask: bit c for category code c), the rates relief share, revaluation weeks
        (1.0), the largest floorspace a vacant unit may convert from (m2, 0: none) and whether
        use class E applies (1.0)."""
        from sim.categories import CAT

        yr = self.year_of(np.arange(n_weeks))
        spend = np.ones(n_weeks)
        if self.spend_year:
            spend = np.interp(yr, self.spend_year, self.spend_mult)
        penalty = np.zeros(n_weeks)
        boost = np.zeros(n_weeks)
        for s in self.shocks:
            prof = s.profile(yr)
            spend = spend * (1.0 - s.spend_drop * prof)
            penalty += s.trip_penalty * prof
            boost += s.online_boost * prof
        closed = np.zeros(n_weeks, np.int64)
        for lock in self.lockdowns:
            mask = sum(1 << CAT[c] for c in lock.closed)
            closed |= np.where((yr >= lock.start) & (yr < lock.end), mask, 0)
        relief = np.zeros(n_weeks)
        if self.relief_year:
            k = np.searchsorted(np.asarray(self.relief_year), yr, side="right") - 1
            relief = np.where(k >= 0, np.asarray(self.relief_share)[np.maximum(k, 0)], 0.0)
        reval = np.zeros(n_weeks)
        for r in self.revaluations:
            hit = np.flatnonzero(yr >= r)
            if hit.size and hit[0] > 0:
                reval[hit[0]] = 1.0
        pv = self.planning_value
        convert = np.where(yr >= pv("conversion_small_from"), pv("conversion_small_max_m2"), 0.0)
        convert = np.where(
            yr >= pv("conversion_any_from"),
            np.maximum(convert, pv("conversion_any_max_m2")),
            convert,
        )
        return {
            "year": yr,
            "online": np.clip(self.online_at(yr) + boost, 0.0, 0.99),
            "spend_mult": spend,
            "trip_penalty": penalty,
            "chain_expansion": np.full(n_weeks, self.chain_expansion),
            "closed": closed,
            "rates_relief": relief,
            "revaluation": reval,
            "conversion_max_m2": convert,
            "use_class_e": (yr >= pv("use_class_e_from")).astype(np.float64),
        }


def _num(where: str, key: str, v: Any, lo: float | None, hi: float | None, unit: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(
            f"{where}: {key} = {v!r} must be a number in [{_fmt(lo)}, {_fmt(hi)}] ({unit})"
        )  # noqa: E501
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise InputError(f"{where}: {key} = {v!r} is outside [{_fmt(lo)}, {_fmt(hi)}] ({unit})")
    return float(v)


def _check_keys(where: str, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for k in table:
        if k not in allowed:
            raise InputError(f"{where}: unknown key '{prefix}{k}'{_nearest(k, list(allowed))}")


def load_drivers(spec: str | Path | Drivers | None) -> Drivers:
    """Load a drivers file by bundled name (``baseline``) or path; ``None`` is the baseline."""
    if isinstance(spec, Drivers):
        return spec
    path = resolve_path(spec or "baseline", DRIVERS_DIR, "drivers")
    where = str(path)
    data = read_toml(path)
    _check_keys(where, data, _DRIVER_KEYS, "")
    field = "name" if "name" in data else "name (from the file name)"
    name = check_name(where, data.get("name", path.stem), field)
    kw: dict[str, Any] = {"name": name, "source": display_path(path)}
    kw["description"] = str(data.get("description", "")).strip()
    if "start_year" in data:
        kw["start_year"] = _num(where, "start_year", data["start_year"], 1900, 2200, "year")
    online = data.get("online", {})
    if not isinstance(online, dict):
        raise InputError(f"{where}: [online] must be a table")
    _check_keys(where, online, _ONLINE_KEYS, "online.")
    if "year" in online or "share" in online:
        yrs, shr = online.get("year"), online.get("share")
        if (
            not isinstance(yrs, list)
            or not isinstance(shr, list)
            or len(yrs) != len(shr)
            or not yrs
        ):  # noqa: E501
            raise InputError(
                f"{where}: online.year and online.share must be lists of equal, non-zero length"
            )  # noqa: E501
        yrs = [_num(where, "online.year", y, 1900, 2200, "year") for y in yrs]
        shr = [_num(where, "online.share", s, 0.0, 1.0, "share of retail spend") for s in shr]
        if any(b <= a for a, b in zip(yrs, yrs[1:], strict=False)):
            raise InputError(f"{where}: online.year must increase strictly")
        kw["online_year"], kw["online_share"] = tuple(yrs), tuple(shr)
    if "scale" in online:
        kw["online_scale"] = _num(where, "online.scale", online["scale"], 0.0, 10.0, "x")
    if "shift" in online:
        kw["online_shift"] = _num(where, "online.shift", online["shift"], -1.0, 1.0, "share")
    chains = data.get("chains", {})
    if not isinstance(chains, dict):
        raise InputError(f"{where}: [chains] must be a table")
    _check_keys(where, chains, ("expansion",), "chains.")
    if "expansion" in chains:
        kw["chain_expansion"] = _num(
            where, "chains.expansion", chains["expansion"], 0.0, 20.0, "x chain entry"
        )  # noqa: E501
    shocks = data.get("shock", [])
    if not isinstance(shocks, list):
        raise InputError(f"{where}: [[shock]] must be an array of tables")
    out = []
    for i, sh in enumerate(shocks):
        tag = f"shock[{i}]."
        if not isinstance(sh, dict):
            raise InputError(f"{where}: [[shock]] entry {i} must be a table")
        _check_keys(where, sh, tuple(_SHOCK_FIELDS), tag)
        kind = sh.get("kind")
        if kind not in SHOCK_KINDS:
            raise InputError(
                f"{where}: {tag}kind = {kind!r} is not one of {', '.join(SHOCK_KINDS)}"
            )  # noqa: E501
        if "start_year" not in sh:
            raise InputError(f"{where}: {tag}start_year is required (calendar year)")
        vals: dict[str, Any] = {"kind": kind}
        for k, (default, lo, hi, unit) in _SHOCK_FIELDS.items():
            if k == "kind":
                continue
            vals[k] = _num(where, tag + k, sh.get(k, default), lo, hi, unit)
        vals["weeks"] = int(vals["weeks"])
        out.append(Shock(**vals))
    kw["shocks"] = tuple(out)
    kw.update(_history_drivers(where, data))
    return Drivers(**kw)


def _points(where: str, table: Any, name: str, ykey: str, vkey: str, lo: float, hi: float,
            unit: str) -> tuple[tuple[float, ...], tuple[float, ...]]:  # fmt: skip
    """A ``[name]`` table of increasing years and values of equal, non-zero length."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: [{name}] must be a table")
    _check_keys(where, table, (ykey, vkey), f"{name}.")
    yrs, vals = table.get(ykey), table.get(vkey)
    if not isinstance(yrs, list) or not isinstance(vals, list) or len(yrs) != len(vals) or not yrs:
        raise InputError(
            f"{where}: {name}.{ykey} and {name}.{vkey} must be lists of equal, non-zero length"
        )
    yrs = [_num(where, f"{name}.{ykey}", y, 1900, 2200, "year") for y in yrs]
    vals = [_num(where, f"{name}.{vkey}", v, lo, hi, unit) for v in vals]
    if any(b <= a for a, b in zip(yrs, yrs[1:], strict=False)):
        raise InputError(f"{where}: {name}.{ykey} must increase strictly")
    return tuple(yrs), tuple(vals)


def _history_drivers(where: str, data: dict[str, Any]) -> dict[str, Any]:
    """The optional history tables of a drivers file: the spend path, lockdowns, rates reliefs,
    revaluations and planning dates (``scenarios/drivers/history.toml``)."""
    from sim.categories import CATEGORIES

    kw: dict[str, Any] = {}
    if "spend" in data:
        kw["spend_year"], kw["spend_mult"] = _points(
            where, data["spend"], "spend", "year", "mult", 0.0, 2.0, "x budgets"
        )
    if "rates_relief" in data:
        kw["relief_year"], kw["relief_share"] = _points(
            where, data["rates_relief"], "rates_relief", "year", "share", 0.0, 1.0, "share"
        )
    locks = data.get("lockdown", [])
    if not isinstance(locks, list):
        raise InputError(f"{where}: [[lockdown]] must be an array of tables")
    out = []
    for i, lk in enumerate(locks):
        tag = f"lockdown[{i}]."
        if not isinstance(lk, dict):
            raise InputError(f"{where}: [[lockdown]] entry {i} must be a table")
        _check_keys(where, lk, ("start", "end", "closed"), tag)
        if "start" not in lk or "end" not in lk:
            raise InputError(f"{where}: {tag}start and {tag}end are required (calendar years)")
        start = _num(where, tag + "start", lk["start"], 1900, 2200, "year")
        end = _num(where, tag + "end", lk["end"], start, 2200, "year, after start")
        closed = lk.get("closed", [])
        if not isinstance(closed, list) or any(c not in CATEGORIES for c in closed):
            bad = [c for c in closed if c not in CATEGORIES] if isinstance(closed, list) else closed
            raise InputError(
                f"{where}: {tag}closed = {bad!r}: use categories of {', '.join(CATEGORIES)}"
            )
        out.append(Lockdown(start, end, tuple(closed)))
    kw["lockdowns"] = tuple(out)
    rates = data.get("rates", {})
    if not isinstance(rates, dict):
        raise InputError(f"{where}: [rates] must be a table")
    _check_keys(where, rates, ("revaluations",), "rates.")
    revals = rates.get("revaluations", [])
    if not isinstance(revals, list):
        raise InputError(f"{where}: rates.revaluations must be a list of calendar years")
    kw["revaluations"] = tuple(
        _num(where, "rates.revaluations", y, 1900, 2200, "year") for y in revals
    )
    planning = data.get("planning", {})
    if not isinstance(planning, dict):
        raise InputError(f"{where}: [planning] must be a table")
    _check_keys(where, planning, tuple(_PLANNING_FIELDS), "planning.")
    kw["planning"] = tuple(
        (k, _num(where, f"planning.{k}", v, *_PLANNING_FIELDS[k][1:])) for k, v in planning.items()
    )
    return kw


def driver_names() -> list[str]:
    """Names of the bundled driver files."""
    return sorted(p.stem for p in DRIVERS_DIR.glob("*.toml"))


# ----------------------------------------------------------------------------- posterior

#: The bundled posterior of the calibration (experiments/calibrate.py).
POSTERIOR_FILE = "posterior.csv"


@dataclass(frozen=True)
class Posterior:
    """Parameter sets of a calibration's posterior and their weights (ABC particles).

    Attributes:
        keys: Parameters as ``group.name``.
        values: One row per particle, one column per key.
        weights: Normalised particle weights.
        source: The file it was read from.
    """

    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    source: str

    def draws(self, n: int, rng: np.random.Generator) -> list[dict[str, dict[str, Any]]]:
        """``n`` parameter sets drawn by weight (systematic resampling from one uniform of
        ``rng``), as run overrides ``{group: {name: value}}``."""
        u = (rng.random() + np.arange(n)) / max(n, 1)
        rows = np.minimum(np.searchsorted(np.cumsum(self.weights), u), len(self.weights) - 1)
        out = []
        for r in rows:
            o: dict[str, dict[str, Any]] = {}
            for key, v in zip(self.keys, self.values[r], strict=True):
                g, name = key.split(".", 1)
                o.setdefault(g, {})[name] = check_value(self.source, g, name, float(v))
            out.append(o)
        return out


def load_posterior(spec: str | Path | None = None) -> Posterior:
    """Read a posterior file (the bundled ``scenarios/posterior.csv`` for None): comment lines
    (#), a header ``weight,group.name,...``, one row per particle. Every parameter is checked
    against its declared bounds; bad input raises one-line InputError naming file and field."""
    path = SCENARIOS_DIR / POSTERIOR_FILE if spec is None else Path(spec)
    where = display_path(path) if spec is None else str(path)
    if not path.is_file():
        raise InputError(f"{where}: posterior file not found (run experiments/calibrate.py)")
    lines = [
        ln.strip()
        for ln in path.read_text(encoding="utf-8-sig").splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if len(lines) < 2:
        raise InputError(f"{where}: no particles (a header and at least one row expected)")
    head = [h.strip() for h in lines[0].split(",")]
    if head[0] != "weight" or len(head) < 2:
        raise InputError(f"{where}: header must be 'weight,group.name,...', got {lines[0]!r}")
    idx = spec_index()
    for key in head[1:]:
        g, _, n = key.partition(".")
        if g not in idx or n not in idx[g]:
            raise InputError(f"{where}: unknown parameter '{key}' in the header")
    rows = []
    for i, ln in enumerate(lines[1:], start=2):
        cells = ln.split(",")
        try:
            vals = [float(c) for c in cells]
        except ValueError:
            raise InputError(f"{where}: row {i}: every value must be a number") from None
        if len(vals) != len(head) or not all(math.isfinite(v) for v in vals) or vals[0] < 0:
            raise InputError(f"{where}: row {i}: {len(head)} finite numbers expected, weight >= 0")
        rows.append(vals)
    arr = np.array(rows)
    w = arr[:, 0]
    if not w.sum() > 0:
        raise InputError(f"{where}: weight: the weights must not all be 0")
    for j, key in enumerate(head[1:], start=1):
        g, _, n = key.partition(".")
        for v in arr[:, j]:
            check_value(where, g, n, float(v))
    return Posterior(tuple(head[1:]), arr[:, 1:], w / w.sum(), where)
