"""Visualisation frame cost at 100,000 residents (issues 5 and 15), run on purpose::

    .venv/bin/python -m pytest tests/benchmarks/test_viz_frame.py --benchmark-only -s

A frame draws the page's figures (map, catchment, the charts and the public-money panel) to
PNG, as the page does. Target: while playing, the page's loop (:func:`sim.viz.play_weeks`:
the chosen run and its consumer-led baseline stepped, a frame drawn now and then) runs weeks
at 100,000 residents at most 1.5 times slower than stepping alone, give or take two frames,
i.e. drawing does not hold the model up (weeks between frames are not drawn instead).
"""

from __future__ import annotations

import io
import time

import pytest

viz = pytest.importorskip("sim.viz")
from sim import viz_charts, viz_state  # noqa: E402

RESIDENTS = 100_000
WEEKS = 60  # weeks timed alone and playing


def _frame(model) -> None:
    figs = [viz_charts.draw_map, viz_charts.draw_catchment]
    figs += [lambda m, t=t: viz_charts.draw_chart(m, t) for t in viz_charts.CHARTS]
    for f in figs:
        f(model).savefig(io.BytesIO(), format="png")


@pytest.fixture(scope="module")
def big():
    st = viz_state.Settings.create(scenario="town_team", seed=3, residents=RESIDENTS)
    m = viz_state.VizModel(controls=st)
    assert m.baseline is not None, "the baseline is stepped too"
    for _ in range(55):  # past the burn-in: the scenario's levers apply
        m.step()
    _frame(m)  # build the figures once
    return m


def test_frame_at_100k(benchmark, big):
    benchmark.pedantic(_frame, args=(big,), rounds=5, iterations=1)


def _week_times(model, n: int = WEEKS) -> tuple[float, float, list[float]]:
    """Seconds a week stepping alone and playing with frames; seconds of each frame."""
    t = time.perf_counter()
    for _ in range(n):
        model.step()
    alone = (time.perf_counter() - t) / n
    stop, frames = model.steps + n, []

    def draw() -> None:
        t = time.perf_counter()
        _frame(model)
        frames.append(time.perf_counter() - t)

    t = time.perf_counter()
    viz.play_weeks(model, lambda: model.steps < stop, draw)
    playing = (time.perf_counter() - t) / n - viz.PLAY_PAUSE
    return alone, playing, frames


def test_playing_is_not_held_up_by_drawing(benchmark, big):
    alone, playing, frames = benchmark.pedantic(_week_times, args=(big,), rounds=1, iterations=1)
    frame = sum(frames) / len(frames)
    print(
        f"\nweek alone {alone:.3f} s, playing with frames {playing:.3f} s, "
        f"{len(frames)} frames of {frame:.3f} s"
    )
    assert len(frames) >= 3
    assert playing <= 1.5 * alone + 2 * frame / WEEKS
