"""The page's figures: the town map, the catchment and the live charts, with their legends.

The map shows the town's units on their named streets coloured by use (vacant units grey,
chains as squares with a dark edge, independents as circles); the catchment is a density
layer of the residents' homes and the share who went to the centre this week; the live charts
follow vacancy, diversity, social capital, footfall and public money (spending and the
council's balance). Every chart draws the consumer-led baseline (the market alone: same town,
seed and size) as a grey dashed line beside the chosen scenario, on a time axis in calendar
years. Labels and units come from :mod:`sim.outcomes`.

Each figure is built once per model and updated in place. Drawing reads the units' arrays and
the outcomes recorded after each step (no per-agent reporters, no DataFrame per frame), and
the catchment binning is computed once per model, so a frame costs the same few tens of
milliseconds at 100,000 residents as at 1,000.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim import outcomes as outcome_table
from sim.categories import CATEGORIES
from sim.model import TownModel
from sim.town import Town
from sim.viz_state import VizModel, plain_number

#: The label of the baseline (:data:`sim.viz_state.BASELINE`) in every chart.
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

_DPI = 80
_CATCHMENT_BINS = 48
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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


def date_of(model: TownModel) -> str:
    """The model's date as month and year, e.g. ``Mar 2012``."""
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
    m["title"].set_text(f"{model.town.name}, {date_of(model)}: {vac:.0%} of units empty")
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
    k["title"].set_text(f"Went to the centre this week ({date_of(model)})")
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
        return f"{sign}£{plain_number(abs(v))}{unit[1:]}"
    return plain_number(v)


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
    return f"{title}, {date_of(model)}: " + "; ".join(vals)


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
