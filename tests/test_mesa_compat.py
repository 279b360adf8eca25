"""TownModel is a real Mesa model: batch_run, AgentSets, DataCollector, keyword parameters."""

from __future__ import annotations

import math

import mesa
import pandas as pd
import pytest

from sim.model import OUTCOMES, TownModel
from sim.scenarios import InputError


def test_batch_run_returns_model_outcomes():
    rows = mesa.batch_run(
        TownModel,
        parameters={"residents": 200, "years": 0.5, "scenario": ["consumer_led", "co_produced"]},
        iterations=2,
        max_steps=10,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 4  # 2 scenarios x 2 iterations, last step only
    assert {r["scenario"] for r in rows} == {"consumer_led", "co_produced"}
    for r in rows:
        for k in ("vacancy_rate", "mean_ties", "clone_town_index", *OUTCOMES):
            assert k in r, k
            assert isinstance(r[k], int | float) and math.isfinite(r[k]), (k, r[k])
        assert r["Step"] >= 10
        assert r["residents"] == 200
        assert 0.0 <= r["vacancy_rate"] <= 1.0
        assert r["mean_ties"] > 0.0  # ties form within 10 weeks


def test_agent_sets(make_model):
    m = make_model(seed=2, steps=12, scenario="consumer_led")
    names = {t.__name__: s for t, s in m.agents_by_type.items()}
    assert set(names) >= {"Occupier", "Landlord", "Council"}
    assert len(names["Council"]) == 1
    assert len(names["Landlord"]) == m.world.n_landlords
    assert len(names["Occupier"]) == m.outcomes["occupied"]
    assert len(names["Occupier"]) == int((m.world.units.category >= 0).sum())
    assert "TownTeam" not in names
    units = sorted(a.unit for a in names["Occupier"])
    assert units == sorted(int(j) for j in (m.world.units.category >= 0).nonzero()[0])
    a = next(iter(names["Occupier"]))
    assert isinstance(a.category, str) and isinstance(a.is_chain, bool)
    assert math.isfinite(a.cash) and math.isfinite(a.rent)


def test_occupier_agents_track_openings_and_closures(make_model):
    m = make_model(seed=4, years=1, overrides={"run": {"burn_in_weeks": 4}})
    churn = 0
    while not m.finished:
        m.step()
        occ = {t.__name__: s for t, s in m.agents_by_type.items()}["Occupier"]
        assert len(occ) == m.outcomes["occupied"], f"week {m.week}"
        churn += m.outcomes["openings"] + m.outcomes["closures"]
    assert churn > 0  # the agent set was updated, not just left alone


def test_town_team_agent_in_co_produced(make_model):
    m = make_model(seed=2, scenario="co_produced", overrides={"run": {"burn_in_weeks": 4}})
    for _ in range(8):
        m.step()
    names = {t.__name__: s for t, s in m.agents_by_type.items()}
    assert "TownTeam" in names and len(names["TownTeam"]) == 1
    tt = next(iter(names["TownTeam"]))
    assert tt is m.town_team_agent
    assert math.isfinite(tt.fund) and tt.effectiveness >= 0.0


def test_datacollector_records_every_step(make_model):
    m = make_model(seed=1, steps=5)
    df = m.results()
    assert list(df.columns) == list(OUTCOMES)
    assert len(df) == 6
    assert m.steps == 5 and m.week == 5


def test_keyword_parameters_are_applied():
    m = TownModel(residents=100, years=0.5, rng=1, town="linear", council__rates_multiplier=0.7)
    assert m.pars.council.rates_multiplier == 0.7
    m = TownModel(residents=100, years=0.5, rng=1, town="linear", ties__capacity=5)
    assert m.pars.ties.capacity == 5
    assert m.world.res.tie_id.shape[1] == 5


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"council__rates_multipler": 0.7}, "rates_multiplier"),  # misspelt: nearest name
        ({"council__rates_multiplier": 9.0}, "[0, 1.5]"),  # out of bounds: the bounds
        ({"counci__rates_multiplier": 0.7}, "council"),  # unknown group
        ({"rates_multiplier": 0.7}, "group__name"),  # no group
        ({"landlords__meanwhile": 1}, "true or false"),
    ],
)
def test_bad_keyword_parameters_raise_input_error(kwargs, fragment):
    with pytest.raises(InputError) as exc:
        TownModel(residents=100, years=0.5, rng=1, town="linear", **kwargs)
    assert fragment in str(exc.value)
    assert "\n" not in str(exc.value)


def test_outcome_collector_records_what_mesa_collect_records(make_model):
    """The DataCollector's fast path (no deepcopy) stores the same rows as Mesa's collect."""
    m = make_model(seed=4, steps=0)
    ref = mesa.DataCollector(model_reporters=dict(m.datacollector.model_reporters))
    ref.collect(m)
    for _ in range(6):
        m.step()
        ref.collect(m)
    got = m.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(got, ref.get_model_vars_dataframe(), check_exact=True)
    # another reporter set goes through Mesa's own collect
    m.datacollector.model_reporters["extra"] = lambda mm: 1.5
    m.datacollector.model_vars["extra"] = []
    m.step()
    assert m.datacollector.model_vars["extra"] == [1.5]
    assert len(m.datacollector.model_vars["week"]) == 8


def test_finished_model_is_garbage_collected():
    """Mesa 3.3's Agent._ids held every model for ever (mesa #3179): a sweep worker grew by
    ~1.7 MB a run. Our agents count ids per model through a weak mapping instead."""
    import gc
    import weakref

    from sim.model import TownModel

    m = TownModel(residents=300, years=0.05, rng=1)
    while not m.finished:
        m.step()
    ids = sorted(a.unique_id for a in m.agents)
    assert len(set(ids)) == len(ids) and min(ids) >= 1  # unique per model, as in Mesa
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None
