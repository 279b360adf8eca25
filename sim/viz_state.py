"""What the page holds: its controls, a session's settings, and the model it runs.

The control panel of the page (:mod:`sim.viz`) shows a scenario selector (the bundled
scenarios), a seed box, and sliders and switches for the main levers and a few key free
parameters (:data:`CONTROL_KEYS`). Bounds and types come from the parameter declarations
(:func:`sim.params.specs`); the page shows each with a plain label and a unit in pounds, weeks
or percent (:data:`PAGE_LABELS`). Each browser session edits its own :class:`Settings`;
Reset builds a :class:`VizModel` from them, the chosen scenario with the consumer-led baseline
stepped beside it, and refuses (with the reason) when the seed box does not hold a valid seed.

The page is configured by environment variables set by ``towncentre viz`` (see
:func:`Settings.from_env`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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

#: The scenario stepped beside the chosen one and drawn in every chart.
BASELINE = "consumer_led"


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
            return f"{self.label}: £{plain_number(shown)}{self.unit[3:]}"
        if self.unit.startswith("%"):
            return f"{self.label}: {plain_number(shown)}{self.unit}"
        return f"{self.label}: {plain_number(shown)} {self.unit}".rstrip()


def plain_number(v: Any) -> str:
    """A value in plain words: ``on``/``off``, whole or large numbers with thousands
    separators (``1,200``), others to three significant figures (``0.35``)."""
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
