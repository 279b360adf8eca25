"""Interactive visualisation: a Mesa page of one town for a workshop (``towncentre viz``).

The page shows the town map, the residents' catchment, live charts of vacancy, diversity,
social capital and footfall, and a panel of public money, each chart with the consumer-led
baseline beside the chosen scenario (the figures: :mod:`sim.viz_charts`).

The sidebar holds the Reset, Play/Pause and Step buttons and the date (:func:`RunPanel`),
and the control panel (:func:`ControlPanel`): a scenario selector, a seed box, and sliders
and switches for the main levers and a few key free parameters (the controls, a session's
settings and the model Reset builds: :mod:`sim.viz_state`). Changes apply when Reset builds a
new model from the values shown; a seed that is not a valid seed makes Reset refuse, with the
reason, and the run goes on unchanged.

The page is built from Mesa's pieces (the model, its redraw counter) and Solara's rather than
Mesa's ``SolaraViz`` frame, whose tabs, empty parameter card and thread and interval
controls mean nothing to a room of councillors, and whose Reset cannot refuse a bad seed.

Every browser session builds its own model (``solara.use_memo`` inside :func:`Page`), so two
visitors never share one. The page is configured by environment variables set by
``towncentre viz`` (see :func:`sim.viz_state.Settings.from_env`). Front-end assets are served
locally (:mod:`sim.viz_assets`).
"""

from __future__ import annotations

import html
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import solara

with warnings.catch_warnings():  # Mesa 3.3's ComponentsView trips Solara's hook linter
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization.utils import force_update, update_counter

from sim.model import TownModel
from sim.scenarios import InputError
from sim.viz_charts import (
    CHARTS,
    PUBLIC_MONEY,
    chart_caption_html,
    date_of,
    draw_catchment,
    draw_chart,
    draw_map,
    map_legend_html,
)
from sim.viz_state import GROUP_TITLES, Control, Settings, VizModel, parse_seed

#: Pause between weeks while playing, s; least time between two frames while playing, s.
PLAY_PAUSE = 0.02
FRAME_SECONDS = 0.5


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
    solara.Text(f"Week {week}, {date_of(model)}", classes=["tc-week"], style={"font-size": "16px"})


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
    "FRAME_SECONDS",
    "PLAY_PAUSE",
    "CatchmentView",
    "ChartView",
    "ControlPanel",
    "MapView",
    "Page",
    "Progress",
    "RunPanel",
    "play_weeks",
]
