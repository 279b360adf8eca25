"""Interactive visualisation: a Mesa page of one town for a workshop (``towncentre viz``).

The page shows the town's units on their named streets coloured by use (vacant units grey,
chains as squares with a dark edge, independents as circles), the residents' catchment as a
density layer, live charts of vacancy, diversity, social capital and footfall, and a panel of
public money (spending and the council's balance). Every chart draws the consumer-led
baseline (the market alone: same town, seed and size) as a grey dashed line beside the chosen
scenario, on a time axis in calendar years.

The sidebar holds the Reset, Play/Pause and Step buttons and the date (:func:`RunPanel`),
and the control panel: a scenario selector (the bundled scenarios), a seed box, and sliders
and switches for the main levers and a few key free parameters. Bounds and types come from
the parameter declarations (:func:`sim.params.specs`); the page shows each with a plain
label and a unit in pounds, weeks or percent (:data:`PAGE_LABELS`). Changes apply when Reset
builds a new model from the values shown; a seed that is not a valid seed
makes Reset refuse, with the reason, and the run goes on unchanged.

The page is built from Mesa's pieces (the model, its redraw counter) and Solara's rather than
Mesa's ``SolaraViz`` frame, whose tabs, empty parameter card and thread and interval
controls mean nothing to a room of councillors, and whose Reset cannot refuse a bad seed.

Every browser session builds its own model (``solara.use_memo`` inside :func:`Page`), so two
visitors never share one. Drawing reads the units' arrays and the outcomes recorded after
each step (no per-agent reporters, no DataFrame per frame), and the catchment binning is
computed once per model, so a frame costs the same few tens of milliseconds at 100,000
residents as at 1,000.

The page is configured by environment variables set by ``towncentre viz`` (see
:func:`Settings.from_env`). Front-end assets are served locally (:mod:`sim.viz_assets`).
"""

from __future__ import annotations

import html
import math
import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import solara
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

with warnings.catch_warnings():  # Mesa 3.3's ComponentsView trips Solara's hook linter
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization.utils import force_update, update_counter

from sim import outcomes as outcome_table
from sim.categories import CATEGORIES
from sim.model import TownModel
from sim.params import ParamSpec, spec_index
from sim.scenarios import InputError, Scenario, check_value, load_scenario, scenario_names
from sim.streams import fresh_seed
from sim.town import Town, resolve_town

#: Parameters shown as controls, in display order: the main levers, then key free
#: parameters and the run size. Bounds and types come from sim.params.
CONTROL_KEYS: tuple[str, ...] = (
    "council.allocation",
    "council.rates_multiplier",
    "council.small_business_relief",
    "council.empty_rates",
    "council.planning_flex",
    "council.public_realm",
    "council.events",
    "council.facilitation",
    "council.sponsor_budget",
    "council.startup_support",
    "council.town_team_grant",
    "council.asset_transfer",
    "council.consult_residents",
    "landlords.meanwhile",
    "town_team.enabled",
    "town_team.levy",
    "town_team.weight_residents",
    "town_team.community_led_design",
    "entrants.arrival_rate",
    "entrants.chain_share",
    "landlords.chain_preference",
    "occupiers.exit_hazard",
    "residents.beta_friends",
    "residents.blight",
    "run.residents",
)

#: Marks a page unit as percent of the parameter's declared default ("100%" = as calibrated).
RELATIVE = -1.0

#: The page's plain label, unit and factor of each control: shown value = value x factor
#: (RELATIVE: 100 / the declared default). The declarations' own labels and units
#: (sim/params.py) are written for modellers ("utils per strength-weighted share"); these are
#: for a room of councillors. Switches have no unit.
PAGE_LABELS: dict[str, tuple[str, str, float]] = {
    "council.allocation": ("Council's budget for the town centre", "GBP a week", 1.0),
    "council.rates_multiplier": ("Business rates", "% of rateable value a year", 100.0),
    "council.small_business_relief": ("Small-business rate relief", "% of the rates", 100.0),
    "council.empty_rates": ("Rates on empty units", "% of the full rates", 100.0),
    "council.planning_flex": ("Change of use allowed", "% of requests", 100.0),
    "council.public_realm": ("Street and public-space improvements", "GBP a week", 1.0),
    "council.events": ("Markets and events", "GBP a week", 1.0),
    "council.facilitation": ("Help to let empty units", "GBP a week", 1.0),
    "council.sponsor_budget": ("Support for community uses", "GBP a week", 1.0),
    "council.startup_support": ("Rent help for start-ups", "GBP a week", 1.0),
    "council.town_team_grant": ("Council grant to the Town Team", "GBP a week", 1.0),
    "council.asset_transfer": ("Community groups may take over council property", "", 1.0),
    "council.consult_residents": ("The council consults residents", "", 1.0),
    "landlords.meanwhile": ("Landlords allow temporary (meanwhile) uses", "", 1.0),
    "town_team.enabled": ("A Town Team runs the centre with the council", "", 1.0),
    "town_team.levy": ("Business levy for the Town Team", "% of rateable value", 100.0),
    "town_team.weight_residents": ("Residents' share of the Town Team's vote", "%", 100.0),
    "town_team.community_led_design": ("Residents help design the streets", "", 1.0),
    "entrants.arrival_rate": ("New businesses looking for a unit", "a week", 1.0),
    "entrants.chain_share": ("Chains among them", "%", 100.0),
    "landlords.chain_preference": ("Large landlords turn down an independent", "% chance", 100.0),
    "occupiers.exit_hazard": ("Independents closing for personal reasons", "% a year", 100.0),
    "residents.beta_friends": (
        "Pull of friends who went last week",
        "% of the calibrated strength",
        RELATIVE,
    ),
    "residents.blight": (
        "Empty units next door put visitors off",
        "% of the calibrated strength",
        RELATIVE,
    ),
    "run.residents": ("Residents simulated", "people", 1.0),
}

#: Headings of the parameter groups in the panel.
GROUP_TITLES: dict[str, str] = {
    "council": "Council",
    "landlords": "Landlords",
    "town_team": "Town Team",
    "entrants": "New businesses",
    "occupiers": "Businesses",
    "residents": "Residents",
    "run": "Size of the run",
}

#: Upper bounds above this many times a parameter's typical scale get a logarithmic slider
#: (money levers are bounded at GBP 1e6/week, most settings are a few thousand).
LOG_SPAN = 1000.0

#: Seeds accepted by the seed box (as ``towncentre run --seed``).
MAX_SEED = 2**63 - 1

#: The scenario drawn beside the chosen one in every chart, and its label.
BASELINE = "consumer_led"
BASELINE_LABEL = "consumer-led (market only)"

#: Colours of the use categories (colour-blind-friendly where possible); vacant is grey.
CATEGORY_COLOURS: dict[str, str] = {
    "convenience": "#1f77b4",
    "comparison": "#ff7f0e",
    "food_drink": "#d62728",
    "services": "#9467bd",
    "leisure": "#8c564b",
    "health": "#17becf",
    "charity": "#e377c2",
    "community": "#2ca02c",
    "startup": "#bcbd22",
    "learning": "#98df8a",
    "voluntary": "#006d2c",
    "market": "#ffbb78",
}
VACANT_COLOUR = "#bdbdbd"
_CAT_RGBA = np.array(
    [[int(CATEGORY_COLOURS[c][i : i + 2], 16) / 255 for i in (1, 3, 5)] + [1.0] for c in CATEGORIES]
)
_VACANT_RGBA = np.array([int(VACANT_COLOUR[i : i + 2], 16) / 255 for i in (1, 3, 5)] + [1.0])


@dataclass(frozen=True)
class Chart:
    """One live chart: outcomes on the left axis, on the right axis, and a fallback.

    Labels and units come from :mod:`sim.outcomes`. The baseline is drawn for the first
    outcome of ``left``.

    Attributes:
        left: Outcomes on the left axis (the first also drawn for the baseline).
        right: Outcomes on the right axis (another unit).
        fallback: Left outcomes used instead when a ``left`` outcome is not collected.
    """

    left: tuple[str, ...]
    right: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()

    def lines(self, collected: Any) -> list[tuple[str, bool]]:
        """``(outcome, on the right axis)`` of each line, given the collected outcomes."""
        left = self.left if all(k in collected for k in self.left) else self.fallback
        return [(k, False) for k in left] + [(k, True) for k in self.right]


#: The live charts by title; the last two are the public-money panel.
CHARTS: dict[str, Chart] = {
    "Vacancy": Chart(("vacancy_rate", "long_term_vacancy_rate")),
    "Diversity": Chart(("independent_share",), ("shannon",)),
    "Social capital": Chart(("mean_ties",), ("isolated_share", "mean_engagement")),
    "Footfall": Chart(("footfall",)),
    "Public spending a week": Chart(("public_spend",), fallback=("council_net", "town_team_spend")),
    "Council's balance": Chart(("council_balance", "town_team_fund")),
}
PUBLIC_MONEY: tuple[str, ...] = ("Public spending a week", "Council's balance")

#: Pause between weeks while playing, s; least time between two frames while playing, s.
PLAY_PAUSE = 0.02
FRAME_SECONDS = 0.5

_DPI = 80
_CATCHMENT_BINS = 48
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ------------------------------------------------------------------------------ controls


@dataclass(frozen=True)
class Control:
    """One control of the parameter panel, derived from a parameter declaration.

    Attributes:
        spec: The parameter's declaration (label, unit, bounds, type, kind).
        log: The slider moves on ``log10(1 + value)`` (very wide ranges).
        label: Plain label shown on the page.
        unit: Unit shown on the page ("GBP a week", "% a year", ...; "" for switches).
        factor: Shown value = parameter value x factor (100 for shares shown in percent).
    """

    spec: ParamSpec
    log: bool
    label: str = ""
    unit: str = ""
    factor: float = 1.0

    @property
    def key(self) -> str:
        """``group.name``."""
        return self.spec.key

    @property
    def is_switch(self) -> bool:
        """True for an on/off parameter."""
        return self.spec.type is bool

    @property
    def slider_range(self) -> tuple[float, float]:
        """Slider end points (on the log scale for log sliders)."""
        if self.is_switch:
            return 0.0, 1.0
        lo, hi = float(self.spec.lo), float(self.spec.hi)
        if self.log:
            return math.log10(1.0 + lo), math.log10(1.0 + hi)
        return lo, hi

    @property
    def step(self) -> float:
        """Slider step: a power of ten giving 100-1000 positions (at least 1 for integers)."""
        lo, hi = self.slider_range
        step = 10.0 ** math.floor(math.log10((hi - lo) / 100.0)) if hi > lo else 1.0
        if self.spec.type is int and not self.log:
            step = max(1.0, step)
        return step

    def moved(self, pos: float, value: Any) -> bool:
        """True if slider position ``pos`` is a real move from ``value``, not the slider
        snapping the value to its step (which would silently change a scenario's setting)."""
        return abs(float(pos) - self.to_slider(value)) > 0.5 * self.step + 1e-12

    def to_slider(self, value: float) -> float:
        """Slider position of a parameter value."""
        return math.log10(1.0 + float(value)) if self.log else float(value)

    def from_slider(self, pos: float) -> float | int:
        """Parameter value of a slider position, clipped to the bounds and typed."""
        v = 10.0 ** float(pos) - 1.0 if self.log else float(pos)
        v = min(max(v, float(self.spec.lo)), float(self.spec.hi))
        if self.log:  # keep three significant figures, as the label shows
            v = float(f"{v:.3g}")
        if self.spec.type is int:
            return int(round(v))
        return v

    def describe(self, value: Any) -> str:
        """Plain label with the value in the page's unit, e.g. ``Markets and events: GBP
        2,000 a week`` or ``Business rates: 50% of rateable value a year``."""
        if self.is_switch:
            return self.label
        shown = float(value) * self.factor
        if self.unit.startswith("GBP"):
            return f"{self.label}: £{_fmt(shown)}{self.unit[3:]}"
        if self.unit.startswith("%"):
            return f"{self.label}: {_fmt(shown)}{self.unit}"
        return f"{self.label}: {_fmt(shown)} {self.unit}".rstrip()


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 1 or abs(float(v)) >= 1000:
        return f"{float(v):,.0f}"
    return f"{float(v):.3g}"


def controls(keys: tuple[str, ...] = CONTROL_KEYS) -> list[Control]:
    """The panel's controls, built from the parameter declarations and :data:`PAGE_LABELS`.

    Args:
        keys: ``group.name`` of each parameter to show (one without a page label is shown
            with its declared label and unit).

    Raises:
        KeyError: a key that is not a declared parameter.
    """
    idx = spec_index()
    out = []
    for key in keys:
        g, n = key.split(".", 1)
        s = idx[g][n]
        log = False
        if s.type is not bool:
            scale = max(abs(float(s.default)), 1.0)
            log = float(s.lo) >= 0.0 and float(s.hi) / scale >= LOG_SPAN
        label, unit, factor = PAGE_LABELS.get(key, (s.label, s.unit, 1.0))
        if factor == RELATIVE:
            factor = 100.0 / float(s.default)
        out.append(Control(s, log, label, "" if s.type is bool else unit, factor))
    return out


def scenario_values(scenario: Scenario, ctrls: list[Control] | None = None) -> dict[str, Any]:
    """Values of the controls under a scenario: its overrides over the declared defaults."""
    ctrls = controls() if ctrls is None else ctrls
    return {
        c.key: scenario.overrides.get(c.spec.group, {}).get(c.spec.name, c.spec.default)
        for c in ctrls
    }


def parse_seed(text: Any) -> int:
    """A seed typed in the seed box (a string) as an int.

    Raises:
        InputError: not a whole number in [0, 2**63 - 1].
    """
    s = str(text).strip().replace("_", "").replace(",", "")
    try:
        seed = int(s)
    except ValueError:
        raise InputError(f"seed '{text}' must be a whole number in [0, {MAX_SEED}]") from None
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed {seed} is outside [0, {MAX_SEED}]")
    return seed


# ------------------------------------------------------------------------------ settings


@dataclass
class Settings:
    """What the next Reset builds: one per browser session, edited by the control panel.

    Attributes:
        scenarios: Selectable scenarios by display name (bundled names, or a file path).
        scenario: The selected scenario's display name.
        seed_text: The seed box's text, as shown (checked when Reset builds a model).
        values: ``{group.name: value}`` of every control.
        town: Town (loaded once; shared read-only by the session's models).
        drivers: Drivers name or path (None: the baseline).
        years: Years after burn-in (None: the default).
        ctrls: The controls.
    """

    scenarios: dict[str, str]
    scenario: str
    seed_text: str
    values: dict[str, Any]
    town: Town
    drivers: str | None = None
    years: float | None = None
    ctrls: list[Control] = field(default_factory=controls)

    @classmethod
    def create(
        cls,
        scenario: str | None = None,
        town: str | Town | None = None,
        drivers: str | None = None,
        seed: int | None = None,
        residents: int | None = None,
        years: float | None = None,
    ) -> Settings:
        """Settings for a new session.

        Args:
            scenario: Bundled scenario name or TOML path (default: consumer-led if bundled,
                else the first bundled one).
            town: Town, CSV path or layout (None: the bundled example town).
            drivers: Drivers name or path (None: the baseline).
            seed: Run seed (None: a fresh seed, shown in the seed box).
            residents: Simulated residents (None: the scenario's or the default).
            years: Years after burn-in (None: the default).
        """
        names = {n: n for n in scenario_names()}
        if scenario is None:
            scenario = BASELINE if BASELINE in names else next(iter(names))
        if scenario not in names:
            load_scenario(scenario)  # validate it now: one-line InputError if bad
            names = {scenario: scenario, **names}
        twn = town if isinstance(town, Town) else resolve_town(town)
        st = cls(
            scenarios=names,
            scenario=scenario,
            seed_text=str(fresh_seed() if seed is None else parse_seed(seed)),
            values={},
            town=twn,
            drivers=drivers,
            years=years,
        )
        st.select(scenario)
        if residents is not None:
            st.values["run.residents"] = check_value("viz", "run", "residents", residents)
        return st

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from ``TOWNCENTRE_VIZ_{SCENARIO,TOWN,DRIVERS,SEED,RESIDENTS,YEARS}``."""
        env = os.environ

        def get(name: str) -> str | None:
            v = env.get(f"TOWNCENTRE_VIZ_{name}", "").strip()
            return v or None

        seed, res, yrs = get("SEED"), get("RESIDENTS"), get("YEARS")
        return cls.create(
            scenario=get("SCENARIO"),
            town=get("TOWN"),
            drivers=get("DRIVERS"),
            seed=parse_seed(seed) if seed else None,
            residents=int(res) if res else None,
            years=float(yrs) if yrs else None,
        )

    @property
    def seed(self) -> int:
        """The seed shown in the seed box.

        Raises:
            InputError: the box does not hold a valid seed.
        """
        return parse_seed(self.seed_text)

    def scenario_obj(self) -> Scenario:
        """The selected scenario, loaded."""
        return load_scenario(self.scenarios[self.scenario])

    def select(self, name: str) -> None:
        """Select a scenario and move every control to its value under that scenario."""
        if name not in self.scenarios:
            raise InputError(f"unknown scenario '{name}'; choose one of {list(self.scenarios)}")
        residents = self.values.get("run.residents")
        self.scenario = name
        self.values = scenario_values(self.scenario_obj(), self.ctrls)
        scn_res = self.scenario_obj().overrides.get("run", {}).get("residents")
        if residents is not None and scn_res is None:
            self.values["run.residents"] = residents  # the run size is not a scenario choice

    def set_value(self, key: str, value: Any) -> Any:
        """Set one control's value (checked against its declared bounds); returns it."""
        g, n = key.split(".", 1)
        self.values[key] = check_value("viz", g, n, value)
        return self.values[key]

    def overrides(self) -> dict[str, dict[str, Any]]:
        """``{group: {name: value}}`` of every control (applied after the scenario)."""
        out: dict[str, dict[str, Any]] = {}
        for key, v in self.values.items():
            g, n = key.split(".", 1)
            out.setdefault(g, {})[n] = v
        return out

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the :class:`~sim.model.TownModel` the next Reset builds.

        Raises:
            InputError: the seed box does not hold a valid seed (Reset refuses).
        """
        return {
            "scenario": self.scenarios[self.scenario],
            "drivers": self.drivers,
            "town": self.town,
            "years": self.years,
            "rng": self.seed,
            "overrides": self.overrides(),
        }


class Record:
    """A model's outcomes, one list per outcome, appended after every step.

    The page's drawing thread reads while the stepping thread appends: :meth:`arrays` cuts
    every column to the shortest, so a frame never sees a half-written week.

    Args:
        outcomes: The model's outcomes at the start (week 0).
    """

    def __init__(self, outcomes: dict[str, float]) -> None:
        self.columns: dict[str, list[float]] = {k: [] for k in outcomes}
        self.add(outcomes)

    def add(self, outcomes: dict[str, float]) -> None:
        """Append one week's outcomes."""
        for k, col in self.columns.items():
            col.append(float(outcomes[k]))

    def arrays(self, names: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
        """``week``, ``year`` and ``names`` as float arrays of one common length."""
        cols = {k: self.columns[k] for k in ("week", "year", *names)}
        n = min(len(c) for c in cols.values())
        return {k: np.asarray(c[:n], dtype=np.float64) for k, c in cols.items()}


class VizModel(TownModel):
    """A TownModel built from a session's :class:`Settings` (what Mesa's Reset calls), with
    the consumer-led baseline stepped beside it.

    Attributes:
        scenario_name: The scenario's display name.
        seed_used: The run seed.
        record: This model's outcomes week by week.
        baseline: The consumer-led model with the same town, seed, drivers and run size
            (None when this model is that baseline).
        baseline_record: The baseline's outcomes week by week (``record`` if None).

    Args:
        controls: The session's settings (None: :meth:`Settings.from_env`).

    Raises:
        InputError: the settings hold a value that is not valid (Reset refuses it).
    """

    def __init__(self, controls: Settings | None = None) -> None:
        st = Settings.from_env() if controls is None else controls
        kwargs = st.model_kwargs()
        super().__init__(**kwargs)
        self.scenario_name = st.scenario
        self.seed_used = int(kwargs["rng"])
        self._viz: dict[str, Any] = {}
        self.record = Record(self.outcomes)
        base = TownModel(
            scenario=BASELINE,
            drivers=kwargs["drivers"],
            town=kwargs["town"],
            rng=kwargs["rng"],
            overrides={"run": self.pars.to_dict()["run"]},
        )
        self.baseline: TownModel | None = None if base.pars == self.pars else base
        self.baseline_record = self.record if self.baseline is None else Record(base.outcomes)

    def step(self) -> None:
        """One week of this model and of its baseline."""
        super().step()
        self.record.add(self.outcomes)
        if self.baseline is not None:
            self.baseline.step()
            self.baseline_record.add(self.baseline.outcomes)


# ------------------------------------------------------------------------------ drawing


def series(
    model: VizModel, names: list[str] | tuple[str, ...], baseline: bool = False
) -> dict[str, np.ndarray]:
    """Outcomes so far (``week``, ``year`` and ``names``), one value per week.

    Args:
        model: The page's model.
        names: Outcome names.
        baseline: The baseline's outcomes instead of the model's.
    """
    return (model.baseline_record if baseline else model.record).arrays(names)


def when(year: float) -> str:
    """A calendar year with its fraction as month and year, e.g. ``Mar 2012``."""
    y = int(math.floor(year))
    return f"{_MONTHS[min(int((year - y) * 12), 11)]} {y}"


def _now(model: TownModel) -> str:
    return when(float(model.outcomes["year"]))


def _cache(model: TownModel) -> dict[str, Any]:
    c = getattr(model, "_viz", None)
    if c is None:
        c = {}
        model._viz = c
    return c


def _street_segments(model: TownModel) -> np.ndarray:
    """Segments joining neighbouring units on the same street (computed once per model)."""
    c = _cache(model)
    if "segments" not in c:
        t = model.town
        segs = []
        for s in range(len(t.street_names)):
            order = t.street_order(s)
            if order.size > 1:
                pts = np.column_stack([t.x[order], t.y[order]])
                segs.append(np.stack([pts[:-1], pts[1:]], axis=1))
        c["segments"] = np.concatenate(segs) if segs else np.zeros((0, 2, 2))
    return c["segments"]


def street_labels(town: Town) -> list[tuple[str, float, float, float]]:
    """Where each street's name is written on the map: ``(name, x, y, angle)``, once per
    street, at the unit in the middle of the street, turned along it (degrees, upright)."""
    out = []
    for s, name in enumerate(town.street_names):
        order = town.street_order(s)
        if order.size == 0:
            continue
        mid = order[order.size // 2]
        dx = float(town.x[order[-1]] - town.x[order[0]])
        dy = float(town.y[order[-1]] - town.y[order[0]])
        angle = math.degrees(math.atan2(dy, dx)) if order.size > 1 else 0.0
        if angle > 90.0:
            angle -= 180.0
        elif angle <= -90.0:
            angle += 180.0
        out.append((name, float(town.x[mid]), float(town.y[mid]), angle))
    return out


_CLEAR = np.zeros(4)
_LABEL_OFFSET = 15.0  # distance of a street's name from its middle unit, points


def _rgba(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)] + [1.0])


def _map_figure(model: TownModel) -> dict[str, Any]:
    """The map's figure and artists, built once per model and updated in place."""
    c = _cache(model)
    if "map" in c:
        return c["map"]
    fig = Figure(figsize=(6.4, 3.6), dpi=_DPI)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9))
    t, u = model.town, model.world.units
    streets = LineCollection(_street_segments(model), colors="#d9d9d9", linewidths=1.5, zorder=1)
    ax.add_collection(streets)
    size = 14.0 + 46.0 * np.sqrt(u.floorspace / max(float(u.floorspace.max()), 1.0))
    xy = np.column_stack([t.x, t.y])
    marks = {}
    for name, marker, lw in (("vacant", "o", 0.0), ("independent", "o", 0.5), ("chain", "s", 1.2)):
        marks[name] = ax.scatter(xy[:, 0], xy[:, 1], s=size, marker=marker, linewidths=lw, zorder=2)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for name, x, y, angle in street_labels(t):
        a = math.radians(angle)  # beside the street, clear of its units (on the left/top)
        ax.annotate(
            name,
            (x, y),
            xytext=(-_LABEL_OFFSET * math.sin(a), _LABEL_OFFSET * math.cos(a)),
            textcoords="offset points",
            rotation=angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=8,
            color="#222",
            path_effects=halo,
            zorder=3,
        )
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)
    title = ax.set_title("", fontsize=10, loc="left")
    c["map"] = {"fig": fig, "marks": marks, "title": title}
    return c["map"]


def draw_map(model: TownModel) -> Figure:
    """The town's units on their named streets, coloured by use: vacant grey, chains as
    squares with a dark edge, independents as circles (the legend is :func:`map_legend_html`).

    The figure is built once per model and updated in place, so a frame costs one draw.
    """
    m = _map_figure(model)
    u = model.world.units
    cat = u.category
    occ = cat >= 0
    face = np.where(occ[:, None], _CAT_RGBA[np.maximum(cat, 0)], _VACANT_RGBA)
    for name, mask, edge in (
        ("vacant", ~occ, _CLEAR),
        ("independent", occ & ~u.chain, _rgba("#ffffff")),
        ("chain", occ & u.chain, _rgba("#000000")),
    ):
        sc = m["marks"][name]
        sc.set_facecolors(np.where(mask[:, None], face, _CLEAR))
        sc.set_edgecolors(np.where(mask[:, None], edge, _CLEAR))
    vac = float(model.outcomes.get("vacancy_rate", 0.0))
    m["title"].set_text(f"{model.town.name}, {_now(model)}: {vac:.0%} of units empty")
    return m["fig"]


def map_legend_html() -> str:
    """HTML legend of the map: use categories, vacant, chain and independent markers."""

    def chip(colour: str, label: str, shape: str = "50%", edge: str = "none") -> str:
        return (
            f'<span style="display:inline-block;margin:0 10px 2px 0;white-space:nowrap">'
            f'<span style="display:inline-block;width:11px;height:11px;border-radius:{shape};'
            f'background:{colour};border:{edge};vertical-align:middle;margin-right:4px">'
            f"</span>{label.replace('_', ' ')}</span>"
        )

    items = [chip(CATEGORY_COLOURS[c], c) for c in CATEGORIES]
    items.append(chip(VACANT_COLOUR, "vacant"))
    items.append(chip("#ffffff", "chain", "0", "2px solid #000"))
    items.append(chip("#ffffff", "independent", "50%", "1px solid #777"))
    return (
        '<div class="tc-legend" style="font-size:12px;line-height:1.5">' + "".join(items) + "</div>"
    )


def _catchment_bins(model: TownModel) -> dict[str, Any]:
    """Residents' home cells on a square grid over the catchment (computed once per model)."""
    c = _cache(model)
    if "catchment" not in c:
        res = model.world.res
        r_km = float(model.pars.residents.catchment_km)
        edges = np.linspace(-r_km, r_km, _CATCHMENT_BINS + 1)
        ix = np.clip(np.searchsorted(edges, res.x / 1000.0) - 1, 0, _CATCHMENT_BINS - 1)
        iy = np.clip(np.searchsorted(edges, res.y / 1000.0) - 1, 0, _CATCHMENT_BINS - 1)
        cell = iy * _CATCHMENT_BINS + ix
        homes = np.bincount(cell, minlength=_CATCHMENT_BINS**2).astype(np.float64)
        c["catchment"] = {"cell": cell, "homes": homes, "r_km": r_km}
    return c["catchment"]


def catchment_grids(model: TownModel) -> tuple[np.ndarray, np.ndarray]:
    """Households per km2 and the share who went to the centre this week, per grid cell."""
    b = _catchment_bins(model)
    n = _CATCHMENT_BINS
    cell_km2 = (2 * b["r_km"] / n) ** 2
    homes = b["homes"]
    went = np.bincount(b["cell"], weights=model.world.res.went.astype(np.float64), minlength=n * n)
    density = homes * model.world.weight / cell_km2
    share = np.divide(went, homes, out=np.full(n * n, np.nan), where=homes > 0)
    return density.reshape(n, n), share.reshape(n, n)


def draw_catchment(model: TownModel) -> Figure:
    """Residents' catchment: household density, and the share who visited the centre this
    week (built once per model; each frame updates the second layer only)."""
    c = _cache(model)
    density, share = catchment_grids(model)
    if "catch" not in c:
        r = _catchment_bins(model)["r_km"]
        ext = (-r, r, -r, r)
        fig = Figure(figsize=(6.4, 3.2), dpi=_DPI)
        axs = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.06, right=0.93, bottom=0.12, top=0.88, wspace=0.35)
        im0 = axs[0].imshow(
            np.log10(1.0 + density),
            origin="lower",
            extent=ext,
            cmap="Blues",
            interpolation="nearest",
        )
        axs[0].set_title("Households per km² (log10)", fontsize=9)
        fig.colorbar(im0, ax=axs[0], shrink=0.8)
        im1 = axs[1].imshow(
            share,
            origin="lower",
            extent=ext,
            cmap="viridis",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        title = axs[1].set_title("", fontsize=9)
        cb = fig.colorbar(im1, ax=axs[1], shrink=0.8)
        cb.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        rp = model.pars.residents
        ring = np.linspace(0, 2 * np.pi, 90)
        for ax in axs:
            for k in range(1, int(rp.n_rings) + 1):
                rr = r * k / int(rp.n_rings)
                ax.plot(rr * np.cos(ring), rr * np.sin(ring), color="white", lw=0.5, alpha=0.7)
            ax.plot([0], [0], marker="*", color="#d62728", ms=8)
            ax.set_xlabel("km from the centre", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.yaxis.set_major_locator(MaxNLocator(4))
        c["catch"] = {"fig": fig, "im": im1, "title": title}
    k = c["catch"]
    k["im"].set_data(share)
    k["title"].set_text(f"Went to the centre this week ({_now(model)})")
    return k["fig"]


_LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c")
BASELINE_COLOUR = "#7f7f7f"


def _money(v: float, _pos: Any = None) -> str:
    """Pounds for an axis: ``£300``, ``£12k``, ``-£1.2M``."""
    sign, a = ("-" if v < 0 else ""), abs(v)
    if a >= 1e6:
        return f"{sign}£{a / 1e6:.3g}M"
    if a >= 1e3:
        return f"{sign}£{a / 1e3:.3g}k"
    return f"{sign}£{a:.0f}"


def _unit(name: str) -> str:
    """An outcome's unit in plain words (from the outcome table)."""
    o = outcome_table.BY_NAME.get(name)
    if o is None:
        return ""
    if o.percent:
        return "%"
    u = o.unit.replace("GBP", "£").replace("/week", " a week").replace("/year", " a year")
    return u.split(" (")[0]


def _value(name: str, v: float) -> str:
    """An outcome's value in plain words: ``10.4%``, ``£1,200 a week``, ``£35,000``, ``2.3``."""
    unit = _unit(name)
    if unit == "%":
        return f"{v:.1%}"
    if unit.startswith("£"):
        sign = "-" if v < 0 else ""
        return f"{sign}£{_fmt(abs(v))}{unit[1:]}"
    return _fmt(v)


def _axis_format(ax: Any, name: str) -> None:
    unit = _unit(name)
    if unit == "%":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif unit.startswith("£"):
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        if unit != "£":
            ax.set_ylabel(unit, fontsize=8)
    elif unit:
        ax.set_ylabel(unit, fontsize=8)


def chart_lines(model: TownModel, title: str) -> list[tuple[str, bool]]:
    """``(outcome, on the right axis)`` of each line of a chart of :data:`CHARTS`."""
    return CHARTS[title].lines(model.outcomes)


def draw_chart(model: VizModel, title: str) -> Figure:
    """One live chart of :data:`CHARTS` against the calendar year, with the consumer-led
    baseline of its first outcome as a grey dashed line and the start of the levers marked
    (the legend is :func:`chart_caption_html`).

    The figure is built once per model and chart; each frame updates the lines' data.
    """
    lines = chart_lines(model, title)
    c = _cache(model)
    key = f"chart:{title}"
    if key not in c:
        fig = Figure(figsize=(6.4, 2.6), dpi=_DPI)
        ax = fig.add_axes((0.13, 0.14, 0.74, 0.8))
        right = ax.twinx() if any(r for _, r in lines) else None
        base = ax.plot([], [], color=BASELINE_COLOUR, ls="--", lw=1.5, label=BASELINE_LABEL)[0]
        base.set_visible(model.baseline is not None)
        arts = []
        for (k, on_right), col in zip(lines, _LINE_COLOURS, strict=False):
            a = right if on_right else ax
            arts.append(a.plot([], [], color=col, lw=1.6, label=outcome_table.label(k))[0])
        year0 = model.record.columns["year"][0]
        start = year0 + int(model.pars.run.burn_in_weeks) / 52.0  # the levers' first week
        levers = ax.axvline(start, color="#888", ls=":", lw=0.9, visible=False)
        label = ax.text(start, 0.98, " levers on", transform=ax.get_xaxis_transform(), va="top")
        label.set_fontsize(7)
        label.set_color("#666")
        label.set_visible(False)
        _axis_format(ax, lines[0][0])
        if right is not None:
            _axis_format(right, next(k for k, r in lines if r))
        for a in (ax, right):
            if a is not None:
                a.tick_params(labelsize=7)
                a.yaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
        c[key] = {
            "fig": fig,
            "axes": (ax, right),
            "lines": arts,
            "base": base,
            "levers": (levers, label, start),
        }
    ch = c[key]
    names = [k for k, _ in lines]
    data = series(model, names)
    yr = data["year"]
    for k, ln in zip(names, ch["lines"], strict=True):
        ln.set_data(yr, data[k])
    if model.baseline is not None:
        b = series(model, names[:1], baseline=True)
        ch["base"].set_data(b["year"], b[names[0]])
    levers, label, start = ch["levers"]
    on = yr.size > 0 and yr[-1] >= start
    levers.set_visible(on)
    label.set_visible(on)
    for a in ch["axes"]:
        if a is not None:
            a.relim(visible_only=True)
            a.autoscale_view()
    y0 = float(yr[0]) if yr.size else 0.0
    ch["axes"][0].set_xlim(y0, max(float(yr[-1]) if yr.size else y0, y0 + 1.0))
    return ch["fig"]


def chart_caption(model: VizModel, title: str) -> str:
    """Text under a chart: the date, the latest value of each line and of the baseline."""
    lines = chart_lines(model, title)
    vals = [f"{outcome_table.label(k)} {_value(k, float(model.outcomes[k]))}" for k, _ in lines]
    first = lines[0][0]
    if model.baseline is None:
        vals.append(f"{BASELINE_LABEL}: this run")
    else:
        vals.append(f"{BASELINE_LABEL} {_value(first, float(model.baseline.outcomes[first]))}")
    return f"{title}, {_now(model)}: " + "; ".join(vals)


def chart_caption_html(model: VizModel, title: str) -> str:
    """:func:`chart_caption` as HTML, each value marked with its line's colour and style (the
    legend; the baseline's mark is grey and dashed)."""
    head, _, rest = chart_caption(model, title).partition(": ")
    parts = rest.split("; ")
    marks = [
        f'<span style="color:{col};font-weight:bold">&#9473;</span>'
        for col in _LINE_COLOURS[: len(parts) - 1]
    ]
    marks.append(f'<span class="tc-baseline" style="color:{BASELINE_COLOUR}">&#9476;</span>')
    items = [f"{m}&nbsp;{html.escape(p)}" for m, p in zip(marks, parts, strict=True)]
    return f"<div style='font-size:13px'>{html.escape(head)}: " + " &nbsp; ".join(items) + "</div>"


# ------------------------------------------------------------------------------ components


def _slug(title: str) -> str:
    return "".join(ch for ch in title.lower().replace(" ", "-") if ch.isalnum() or ch == "-")


@solara.component
def MapView(model: TownModel) -> None:
    """The town map with its legend (re-drawn after every rendered step)."""
    tick = update_counter.get()
    fig = draw_map(model)
    with solara.Column(classes=["tc-map"], gap="0px"):
        solara.FigureMatplotlib(fig, dependencies=[id(model), model.steps, tick], format="png")
        solara.HTML(tag="div", unsafe_innerHTML=map_legend_html())


@solara.component
def CatchmentView(model: TownModel) -> None:
    """The catchment density layer."""
    tick = update_counter.get()
    fig = draw_catchment(model)
    with solara.Column(classes=["tc-catchment"]):
        solara.FigureMatplotlib(fig, dependencies=[id(model), model.steps, tick], format="png")


@solara.component
def ChartView(model: VizModel, title: str) -> None:
    """One chart of :data:`CHARTS` with its caption."""
    tick = update_counter.get()
    fig = draw_chart(model, title)
    slug = _slug(title)
    with solara.Column(classes=[f"tc-chart-{slug}"], gap="0px"):
        solara.Text(title, style={"font-weight": "bold", "font-size": "15px"})
        solara.FigureMatplotlib(fig, dependencies=[id(model), model.steps, tick], format="png")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=chart_caption_html(model, title),
            classes=[f"tc-caption-{slug}"],
        )


def play_weeks(model: TownModel, going: Callable[[], bool], draw: Callable[[], None]) -> None:
    """Step a model while ``going()`` and the run is not over, drawing between weeks.

    A frame is drawn after the first week, then at most every :data:`FRAME_SECONDS` and
    never sooner than twice the last frame's drawing time, so drawing takes at most a third
    of the time however large the town; the weeks in between are not drawn. The caller draws
    the last week run.

    Args:
        model: The model (the page's, with its baseline).
        going: False to stop (Pause).
        draw: Draws the page.
    """
    due = time.monotonic()
    while going() and model.running:
        model.step()
        if time.monotonic() >= due:
            start = time.monotonic()
            draw()
            cost = time.monotonic() - start
            due = time.monotonic() + max(FRAME_SECONDS, 2.0 * cost)
        time.sleep(PLAY_PAUSE)


@solara.component
def Progress(model: VizModel) -> None:
    """The week and date of the run (re-drawn after every rendered step)."""
    update_counter.get()
    week = int(model.outcomes["week"])
    solara.Text(f"Week {week}, {_now(model)}", classes=["tc-week"], style={"font-size": "16px"})


@solara.component
def RunPanel(settings: Settings, model: solara.Reactive[VizModel]) -> None:
    """Reset, Play/Pause and Step, the week and date, and why a Reset was refused.

    Play steps the model in a thread (:func:`play_weeks`), drawing the page between weeks
    now and then. Reset builds ``VizModel(controls=settings)`` from the values shown and,
    if they are not valid, refuses: the run goes on unchanged and the reason is shown.

    Mesa's ``ModelController`` asks for a frame after every week; a render pass of this page
    (eight figures) takes longer than a week, and Solara then renders again and again in the
    thread of the last click without ever sending the result, so the page froze until the run
    ended. Here a new frame is asked for only once the last one has been shown.
    """
    update_counter.get()  # re-render after every drawn week (the run may have finished)
    playing = solara.use_reactive(False)
    refused = solara.use_reactive("")

    shown = solara.use_memo(threading.Event, [])  # set when a frame has reached the page
    solara.use_effect(shown.set)  # effects run once a render is committed and sent

    def draw() -> None:  # a new frame only once the last one is shown: a render pass of the
        if shown.is_set():  # page takes longer than a week, and renders asked for faster
            shown.clear()  # than they finish would never be sent
            force_update()

    def play() -> None:  # the stepping thread, while playing
        play_weeks(model.value, lambda: playing.value, draw)
        playing.value = False
        force_update()  # the last week run

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def reset() -> None:
        try:
            new = VizModel(controls=settings)
        except InputError as exc:
            refused.value = f"Reset refused: {exc}. The run goes on with its old settings."
            return
        playing.value = False
        refused.value = ""
        model.value = new
        force_update()

    def step() -> None:
        model.value.step()
        force_update()

    m = model.value
    with solara.Card("Run", classes=["tc-run"]):
        Progress(m)
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=reset)
            solara.Button(
                "❚❚" if playing.value else "▶",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not m.running,
            )
            solara.Button(
                "Step", color="primary", on_click=step, disabled=playing.value or not m.running
            )
        if refused.value:
            solara.Error(refused.value, classes=["tc-refused"])


@solara.component
def ControlPanel(settings: Settings, model: VizModel) -> None:
    """Scenario selector, seed box and parameter controls (applied on Reset)."""
    rev, set_rev = solara.use_state(0)
    seed_error, set_seed_error = solara.use_state("")
    _ = rev

    def on_scenario(name: str) -> None:
        settings.select(name)
        set_rev(lambda r: r + 1)

    def on_seed(text: str) -> None:
        settings.seed_text = text
        try:
            parse_seed(text)
            set_seed_error("")
        except InputError as exc:
            set_seed_error(str(exc))

    def setter(c: Control):
        def on_value(v: Any) -> None:
            if c.is_switch:
                settings.set_value(c.key, bool(v))
            elif c.moved(v, settings.values[c.key]):
                settings.set_value(c.key, c.from_slider(v))
            else:
                return
            set_rev(lambda r: r + 1)

        return on_value

    with solara.Card("Scenario and levers"):
        solara.Select(
            label="Scenario",
            value=settings.scenario,
            values=list(settings.scenarios),
            on_value=on_scenario,
        )
        solara.InputText(
            "Seed",
            value=settings.seed_text,
            on_value=on_seed,
            continuous_update=True,
            error=seed_error or False,
        )
        solara.Text(
            f"Running: {model.scenario_name}, seed {model.seed_used}, "
            f"{int(model.pars.run.residents):,} residents. Changes apply on Reset.",
            classes=["tc-running"],
        )
        with solara.Details(f"Levers and parameters ({len(settings.ctrls)})", expand=False):
            group = None
            for c in settings.ctrls:
                if c.spec.group != group:
                    group = c.spec.group
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=html.escape(GROUP_TITLES.get(group, group)),
                        style="font-weight:bold;margin-top:10px",
                    )
                v = settings.values[c.key]
                if c.is_switch:
                    solara.Switch(label=c.describe(v), value=bool(v), on_value=setter(c))
                else:
                    lo, hi = c.slider_range
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=html.escape(c.describe(v)),
                        classes=["tc-slider-label"],
                    )
                    solara.SliderFloat(
                        "",
                        value=c.to_slider(v),
                        min=lo,
                        max=hi,
                        step=c.step,
                        on_value=setter(c),
                        thumb_label=False,
                    )


@solara.component
def Page() -> None:
    """The page: one model per browser session, Mesa's run controls, this module's panel,
    the map and catchment, the outcome charts and the public-money panel."""
    settings = solara.use_memo(Settings.from_env, [])
    first = solara.use_memo(lambda: VizModel(controls=settings), [])
    model = solara.use_reactive(first)
    title = f"towncentre: {settings.town.name}"
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
    with solara.Sidebar():
        RunPanel(settings, model)
        ControlPanel(settings, model.value)
    m = model.value
    with solara.Column(classes=["tc-main"]):
        with solara.ColumnsResponsive(12, large=[7, 5]):
            MapView(m)
            CatchmentView(m)
        with solara.ColumnsResponsive(12, large=6):
            for t in CHARTS:
                if t not in PUBLIC_MONEY:
                    ChartView(m, t)
        with solara.Card("Public money", classes=["tc-public-money"]):
            with solara.ColumnsResponsive(12, large=6):
                for t in PUBLIC_MONEY:
                    ChartView(m, t)


__all__ = [
    "BASELINE",
    "BASELINE_LABEL",
    "CHARTS",
    "CONTROL_KEYS",
    "PAGE_LABELS",
    "PUBLIC_MONEY",
    "Chart",
    "Control",
    "Page",
    "Record",
    "Settings",
    "VizModel",
    "catchment_grids",
    "chart_caption",
    "chart_caption_html",
    "chart_lines",
    "controls",
    "draw_catchment",
    "draw_chart",
    "draw_map",
    "map_legend_html",
    "parse_seed",
    "play_weeks",
    "scenario_values",
    "series",
    "street_labels",
    "when",
]
