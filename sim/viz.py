"""Interactive visualisation: a Mesa SolaraViz page of one town (``towncentre viz``).

The page shows the town's units on their streets coloured by use (vacant units grey, chains
as squares with a dark edge, independents as circles), the residents' catchment as a density
layer, and live charts of vacancy, diversity, social capital and footfall. The sidebar holds
Mesa's Step, Play/Pause and Reset buttons and the step counter, and this module's panel: a
scenario selector (the files in ``scenarios/``), a seed box, and sliders and switches for the
main levers and a few key free parameters. Those controls are generated from the parameter
declarations (:func:`sim.params.specs`): labels, units and bounds are declared once there.
Parameter changes apply when Reset builds a new model; picking a scenario moves the controls
to that scenario's values.

Every browser session builds its own model (``solara.use_memo`` inside :func:`Page`), so two
visitors never share one. Drawing reads the struct-of-arrays state and the collected
model-level outcomes directly (no per-agent reporters, no DataFrame per frame), and the
catchment binning is computed once per model, so a frame costs the same few tens of
milliseconds at 100,000 residents as at 1,000.

The page is configured by environment variables set by ``towncentre viz`` (see
:func:`Settings.from_env`). Front-end assets are served locally (:mod:`sim.viz_assets`).
"""

from __future__ import annotations

import html
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

with warnings.catch_warnings():  # Mesa 3.3's ComponentsView trips Solara's hook linter
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

from sim.categories import CATEGORIES
from sim.model import TownModel
from sim.params import ParamSpec, spec_index
from sim.scenarios import InputError, Scenario, check_value, load_scenario, scenario_names
from sim.streams import fresh_seed
from sim.town import Town, resolve_town

#: Parameters shown as controls, in display order: the main levers, then key free
#: parameters and the run size. Labels, units, bounds and types come from sim.params.
CONTROL_KEYS: tuple[str, ...] = (
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

#: Upper bounds above this many times a parameter's typical scale get a logarithmic slider
#: (money levers are bounded at GBP 1e6/week, most settings are a few thousand).
LOG_SPAN = 1000.0

#: Seeds accepted by the seed box (as ``towncentre run --seed``).
MAX_SEED = 2**63 - 1

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

#: The live charts: (title, [(outcome, label, right axis)], caption format).
CHARTS: dict[str, list[tuple[str, str, bool]]] = {
    "Vacancy": [
        ("vacancy_rate", "vacancy rate", False),
        ("long_term_vacancy_rate", "long-term (> 1 year)", False),
    ],
    "Diversity": [
        ("shannon", "Shannon index", False),
        ("independent_share", "independent share", False),
        ("clone_town_index", "clone-town index (right axis)", True),
    ],
    "Social capital": [
        ("mean_ties", "mean ties", False),
        ("isolated_share", "isolated share (right axis)", True),
        ("mean_engagement", "engagement (right axis)", True),
    ],
    "Footfall": [("footfall", "household trips / week", False)],
}

_DPI = 80
_CATCHMENT_BINS = 48


# ------------------------------------------------------------------------------ controls


@dataclass(frozen=True)
class Control:
    """One control of the parameter panel, derived from a parameter declaration.

    Attributes:
        spec: The parameter's declaration (label, unit, bounds, type, kind).
        log: The slider moves on ``log10(1 + value)`` (very wide ranges).
    """

    spec: ParamSpec
    log: bool

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
        """Label with the current value and unit, e.g. ``Markets and events: 2,000 GBP/week``."""
        if self.is_switch:
            return self.spec.label
        unit = f" {self.spec.unit}" if self.spec.unit else ""
        return f"{self.spec.label}: {_fmt(value)}{unit}"


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 1 or abs(float(v)) >= 1000:
        return f"{float(v):,.0f}"
    return f"{float(v):.3g}"


def controls(keys: tuple[str, ...] = CONTROL_KEYS) -> list[Control]:
    """The panel's controls, built from the parameter declarations.

    Args:
        keys: ``group.name`` of each parameter to show.

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
        out.append(Control(s, log))
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
        seed: The run seed.
        values: ``{group.name: value}`` of every control.
        town: Town (loaded once; shared read-only by the session's models).
        drivers: Drivers name or path (None: the baseline).
        years: Years after burn-in (None: the default).
        ctrls: The controls.
    """

    scenarios: dict[str, str]
    scenario: str
    seed: int
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
            scenario: Bundled scenario name or TOML path (default: the first bundled one,
                consumer-led if present).
            town: Town, CSV path or layout (None: the bundled example town).
            drivers: Drivers name or path (None: the baseline).
            seed: Run seed (None: a fresh seed, shown in the seed box).
            residents: Simulated residents (None: the scenario's or the default).
            years: Years after burn-in (None: the default).
        """
        names = {n: n for n in scenario_names()}
        if scenario is None:
            scenario = "consumer_led" if "consumer_led" in names else next(iter(names))
        if scenario not in names:
            load_scenario(scenario)  # validate it now: one-line InputError if bad
            names = {scenario: scenario, **names}
        twn = town if isinstance(town, Town) else resolve_town(town)
        st = cls(
            scenarios=names,
            scenario=scenario,
            seed=fresh_seed() if seed is None else int(seed),
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
        """Keyword arguments of the :class:`~sim.model.TownModel` the next Reset builds."""
        return {
            "scenario": self.scenarios[self.scenario],
            "drivers": self.drivers,
            "town": self.town,
            "years": self.years,
            "rng": int(self.seed),
            "overrides": self.overrides(),
        }


class VizModel(TownModel):
    """A TownModel built from a session's :class:`Settings` (what Mesa's Reset calls).

    Args:
        controls: The session's settings (None: :meth:`Settings.from_env`).
    """

    def __init__(self, controls: Settings | None = None) -> None:
        st = Settings.from_env() if controls is None else controls
        super().__init__(**st.model_kwargs())
        self._viz: dict[str, Any] = {}


# ------------------------------------------------------------------------------ drawing


def series(model: TownModel, names: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
    """Collected outcomes (one value per week so far) straight from the DataCollector."""
    mv = model.datacollector.model_vars
    return {k: np.asarray(mv[k], dtype=np.float64) for k in ("week", *names)}


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


def _series_now(model: TownModel, names: list[str]) -> dict[str, np.ndarray]:
    """:func:`series`, cut to a common length (a step may be appending in another thread)."""
    data = series(model, names)
    n = min(v.size for v in data.values())
    return {k: v[:n] for k, v in data.items()}


_CLEAR = np.zeros(4)


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
    """The town's units on their streets, coloured by use: vacant grey, chains as squares
    with a dark edge, independents as circles (the legend is :func:`map_legend_html`).

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
    m["title"].set_text(f"{model.town.name}: week {model.week}, {vac:.0%} vacant")
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
        fig.colorbar(im1, ax=axs[1], shrink=0.8)
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
    k["title"].set_text(f"Went to the centre, week {model.week}")
    return k["fig"]


_LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c")


def draw_chart(model: TownModel, title: str) -> Figure:
    """One live chart of :data:`CHARTS` (burn-in end dashed; legend in :func:`chart_caption`).

    The figure is built once per model and chart; each frame updates the lines' data.
    """
    lines = CHARTS[title]
    c = _cache(model)
    key = f"chart:{title}"
    if key not in c:
        fig = Figure(figsize=(6.4, 2.6), dpi=_DPI)
        ax = fig.add_axes((0.1, 0.18, 0.8, 0.76))
        right = ax.twinx() if any(r for _, _, r in lines) else None
        arts = []
        for (_k, label, on_right), col in zip(lines, _LINE_COLOURS, strict=False):
            (ln,) = (right if on_right else ax).plot([], [], color=col, lw=1.5, label=label)
            arts.append(ln)
        burn = ax.axvline(model.burn_in, color="#888", ls="--", lw=0.8, visible=False)
        ax.set_xlabel("week", fontsize=8)
        for a in (ax, right):
            if a is not None:
                a.tick_params(labelsize=7)
                a.yaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        c[key] = {"fig": fig, "axes": (ax, right), "lines": arts, "burn": burn}
    ch = c[key]
    data = _series_now(model, [k for k, _, _ in lines])
    wk = data["week"]
    for (k, _, _), ln in zip(lines, ch["lines"], strict=True):
        ln.set_data(wk, data[k])
    ch["burn"].set_visible(bool(model.burn_in) and wk.size > 0 and wk[-1] >= model.burn_in)
    for a in ch["axes"]:
        if a is not None:
            a.relim(visible_only=True)
            a.autoscale_view()
    ch["axes"][0].set_xlim(0, max(float(wk[-1]) if wk.size else 1.0, 1.0))
    return ch["fig"]


def chart_caption(model: TownModel, title: str) -> str:
    """Text under a chart: the week and the latest value of each line."""
    vals = []
    for k, label, _ in CHARTS[title]:
        v = float(model.outcomes.get(k, 0.0))
        shown = f"{v:.1%}" if k.endswith(("_rate", "_share")) or k == "mean_engagement" else _fmt(v)
        vals.append(f"{label} {shown}")
    return f"{title}, week {model.week}: " + "; ".join(vals)


def chart_caption_html(model: TownModel, title: str) -> str:
    """:func:`chart_caption` as HTML, each value marked with its line's colour (the legend)."""
    head, _, rest = chart_caption(model, title).partition(": ")
    parts = [
        f'<span style="color:{col};font-weight:bold">&#9473;</span>&nbsp;{html.escape(p)}'
        for p, col in zip(rest.split("; "), _LINE_COLOURS, strict=False)
    ]
    return f"<div style='font-size:13px'>{html.escape(head)}: " + " &nbsp; ".join(parts) + "</div>"


# ------------------------------------------------------------------------------ components


@solara.component
def MapView(model: TownModel) -> None:
    """The town map with its legend (re-drawn after every rendered step)."""
    tick = update_counter.get()
    fig = draw_map(model)
    with solara.Column(classes=["tc-map"], gap="0px"):
        solara.FigureMatplotlib(fig, dependencies=[id(model), model.week, tick], format="png")
        solara.HTML(tag="div", unsafe_innerHTML=map_legend_html())


@solara.component
def CatchmentView(model: TownModel) -> None:
    """The catchment density layer."""
    tick = update_counter.get()
    fig = draw_catchment(model)
    with solara.Column(classes=["tc-catchment"]):
        solara.FigureMatplotlib(fig, dependencies=[id(model), model.week, tick], format="png")


def _chart_component(title: str) -> Any:
    slug = title.lower().replace(" ", "-")

    @solara.component
    def Chart(model: TownModel) -> None:
        tick = update_counter.get()
        fig = draw_chart(model, title)
        with solara.Column(classes=[f"tc-chart-{slug}"], gap="0px"):
            solara.FigureMatplotlib(fig, dependencies=[id(model), model.week, tick], format="png")
            solara.HTML(
                tag="div",
                unsafe_innerHTML=chart_caption_html(model, title),
                classes=[f"tc-caption-{slug}"],
            )

    Chart.__name__ = f"{title.replace(' ', '')}Chart"
    return Chart


CHART_COMPONENTS = [_chart_component(t) for t in CHARTS]


@solara.component
def ControlPanel(settings: Settings, model: TownModel) -> None:
    """Scenario selector, seed box and parameter controls (applied on Reset)."""
    rev, set_rev = solara.use_state(0)
    seed_text, set_seed_text = solara.use_state(str(settings.seed))
    seed_error, set_seed_error = solara.use_state("")
    _ = rev

    def on_scenario(name: str) -> None:
        settings.select(name)
        set_rev(lambda r: r + 1)

    def on_seed(text: str) -> None:
        set_seed_text(text)
        try:
            settings.seed = parse_seed(text)
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
            value=seed_text,
            on_value=on_seed,
            continuous_update=True,
            error=seed_error or False,
        )
        solara.Text(
            f"Running: {model.scenario.name}, seed {model.run_seed}, "
            f"{model.world.res.n:,} residents. Changes apply on Reset.",
            classes=["tc-running"],
        )
        with solara.Details(f"Levers and parameters ({len(settings.ctrls)})", expand=False):
            group = None
            for c in settings.ctrls:
                if c.spec.group != group:
                    group = c.spec.group
                    solara.Text(group.replace("_", " ").title(), style={"font-weight": "bold"})
                v = settings.values[c.key]
                if c.is_switch:
                    solara.Switch(label=c.describe(v), value=bool(v), on_value=setter(c))
                else:
                    lo, hi = c.slider_range
                    solara.Text(c.describe(v), classes=["tc-slider-label"])
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
    """The page: one model per browser session, Mesa's controls, this module's panel."""
    settings = solara.use_memo(Settings.from_env, [])
    first = solara.use_memo(lambda: VizModel(controls=settings), [])
    model = solara.use_reactive(first)
    solara.Title("towncentre")
    with solara.Sidebar():
        ControlPanel(settings, model.value)
    SolaraViz(
        model,
        components=[
            (MapView, 0),
            (CatchmentView, 0),
            *[(c, 0) for c in CHART_COMPONENTS],
        ],
        model_params={"controls": settings},
        name=f"towncentre: {settings.town.name}",
        play_interval=50,
        render_interval=1,
        use_threads=True,  # frames are drawn beside the stepping thread, never in its way
    )


__all__ = [
    "CHARTS",
    "CONTROL_KEYS",
    "Control",
    "Page",
    "Settings",
    "VizModel",
    "catchment_grids",
    "chart_caption",
    "chart_caption_html",
    "controls",
    "draw_catchment",
    "draw_chart",
    "draw_map",
    "map_legend_html",
    "parse_seed",
    "scenario_values",
    "series",
]
