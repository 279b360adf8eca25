"""Visualisation frame cost at 100,000 residents (issue 5), run on purpose::

    .venv/bin/python -m pytest tests/benchmarks/test_viz_frame.py --benchmark-only -s

A frame draws the six figures of the page (map, catchment, four charts) to PNG, as Solara
does. Target: with frames drawn continuously in a second thread (what the page's "Use
Threads" mode does), a model step at 100,000 residents is at most 2 times slower than
alone, i.e. drawing does not hold the model up (frames are skipped instead).
"""

from __future__ import annotations

import io
import threading
import time

import pytest

viz = pytest.importorskip("sim.viz")

RESIDENTS = 100_000


def _frame(model) -> None:
    figs = [viz.draw_map, viz.draw_catchment]
    figs += [lambda m, t=t: viz.draw_chart(m, t) for t in viz.CHARTS]
    for f in figs:
        f(model).savefig(io.BytesIO(), format="png")


@pytest.fixture(scope="module")
def big():
    st = viz.Settings.create(seed=3, residents=RESIDENTS)
    m = viz.VizModel(controls=st)
    for _ in range(55):  # past the burn-in: the scenario's levers apply
        m.step()
    _frame(m)  # build the figures once
    return m


def test_frame_at_100k(benchmark, big):
    benchmark.pedantic(_frame, args=(big,), rounds=5, iterations=1)


def _step_times(model, n: int = 15) -> tuple[float, float, int]:
    t = time.perf_counter()
    for _ in range(n):
        model.step()
    alone = (time.perf_counter() - t) / n
    stop, frames = threading.Event(), [0]

    def painter() -> None:
        while not stop.is_set():
            _frame(model)
            frames[0] += 1

    th = threading.Thread(target=painter)
    th.start()
    try:
        t = time.perf_counter()
        for _ in range(n):
            model.step()
        shared = (time.perf_counter() - t) / n
    finally:
        stop.set()
        th.join()
    return alone, shared, frames[0]


def test_stepping_is_not_held_up_by_drawing(benchmark, big):
    alone, shared, frames = benchmark.pedantic(_step_times, args=(big,), rounds=1, iterations=1)
    print(f"\nstep alone {alone:.3f} s, while drawing {shared:.3f} s, {frames} frames")
    assert shared <= 2.0 * alone
