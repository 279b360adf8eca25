"""Property-based tests: the model's invariants hold for any input a user can legally write.

Hypothesis draws parameter sets anywhere within the bounds declared in :func:`sim.params.specs`,
every bundled scenario and driver file, generated towns from one unit to thousands (directly and
through the CSV loader) and populations from zero residents up. After every step:

* no NaN or infinity in any state array or outcome;
* shares and rates in [0, 1] (tie strengths, engagement, the share outcomes);
* units conserved (occupied + vacant = units of the town; one Mesa occupier per occupied unit);
* every stock-flow identity holds (``check_week`` of ``test_identities``);
* no negative stock where MODEL.md forbids one: the council's balance and the Town Team's fund
  are never overdrawn (both rules spend "never beyond the balance"), volunteer hours, vacancy
  and occupancy counts, rents, footfall, spend and revenue are never negative.

Example counts scale with the Hypothesis profile (``ci`` by default, ``long`` on demand, see
``tests/conftest.py`` and ``docs/reliability.md``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_identities import check_week

from sim.categories import N_CAT
from sim.model import TownModel
from sim.params import specs
from sim.scenarios import driver_names, load_drivers, scenario_names
from sim.town import LAYOUTS, generate_town, load_town, save_town

SCALE = settings.default.max_examples / 10  # 1 under the "ci" profile
SPECS = [s for s in specs() if s.group != "run"]
#: money tolerance for "never negative" (GBP): rounding of sums of up to 1e8-sized flows
TOL = 1e-6


def n_examples(ci: int) -> int:
    """``ci`` examples under the default profile, proportionally more under ``long``."""
    return max(1, int(ci * SCALE))


# ------------------------------------------------------------------------------ checks


def check_state(m: TownModel) -> None:
    """Invariants of the state arrays and stocks after a step (see the module docstring)."""
    w = m.world
    res, u, col = w.res, w.units, w.col
    for group in (res, u):
        for f in dataclasses.fields(group):
            a = getattr(group, f.name)
            if a.dtype.kind == "f":
                assert np.isfinite(a).all(), f"week {m.week}: non-finite {f.name}"
    for k, v in vars(col).items():
        if isinstance(v, np.ndarray):
            assert np.isfinite(v).all(), f"week {m.week}: non-finite col.{k}"
        else:
            assert math.isfinite(v), f"week {m.week}: col.{k} = {v}"
    for k, v in w.ledger.as_dict().items():
        assert math.isfinite(v), f"week {m.week}: ledger.{k} = {v}"
    # shares and strengths
    assert ((res.tie_w >= 0) & (res.tie_w <= 1)).all()
    assert (res.tie_w[res.tie_id < 0] == 0).all()
    assert ((res.engagement >= 0) & (res.engagement <= 1)).all()
    assert ((u.subsidy >= 0) & (u.subsidy <= 1)).all()
    # units
    assert u.n == m.town.n_units
    assert ((u.category >= -1) & (u.category < N_CAT)).all()
    occ = int((u.category >= 0).sum())
    assert len(m.occupier_agents) == occ, "one Mesa occupier per occupied unit"
    assert set(m.occupier_agents) == set(np.flatnonzero(u.category >= 0).tolist())
    # stocks that may not go negative
    assert col.council_balance >= -TOL * max(1.0, abs(w.ledger.council_income))
    assert col.tt_balance >= -TOL * max(1.0, abs(w.ledger.tt_income))
    assert col.volunteer_supply >= 0
    assert (u.rent >= 0).all() and (u.asking >= 0).all()
    o = m.outcomes
    for k in ("vacant", "occupied", "footfall", "visits", "spend", "revenue", "volunteer_hours"):
        assert o[k] >= 0, f"week {m.week}: {k} = {o[k]}"
    assert o["council_balance"] >= -TOL * max(1.0, abs(w.ledger.council_income))


def run_checked(m: TownModel) -> TownModel:
    """Step to the horizon, checking identities and state after every week."""
    check_state(m)
    while not m.finished:
        m.step()
        check_week(m)
        check_state(m)
    df = m.results()
    assert len(df) == m.n_weeks + 1
    assert np.isfinite(df.to_numpy(dtype=float)).all()
    return m


# ------------------------------------------------------------------------------ strategies


def value_of(spec) -> st.SearchStrategy:
    """Any valid value of one parameter, favouring its bounds and default."""
    if spec.type is bool:
        return st.booleans()
    lo, hi = spec.lo, spec.hi
    if spec.type is int:
        return st.one_of(st.sampled_from([lo, hi, spec.default]), st.integers(lo, hi))
    edges = st.sampled_from([float(lo), float(hi), float(spec.default)])
    return st.one_of(edges, st.floats(lo, hi, allow_nan=False, allow_infinity=False))


@st.composite
def overrides(draw, max_size: int = 30) -> dict[str, dict]:
    """A random subset of the (non-run) parameters, each at a random valid value."""
    chosen = draw(st.lists(st.sampled_from(SPECS), max_size=max_size, unique_by=lambda s: s.key))
    out: dict[str, dict] = {}
    for s in chosen:
        out.setdefault(s.group, {})[s.name] = draw(value_of(s))
    return out


towns = st.builds(
    generate_town,
    st.sampled_from(LAYOUTS),
    st.integers(1, 150),
    st.integers(0, 2**31),
)


def run_pars(weeks: int, burn_in: int) -> dict:
    return {"years": weeks / 52, "burn_in_weeks": burn_in}


# ------------------------------------------------------------------------------ properties


@settings(max_examples=n_examples(12))
@given(
    over=overrides(),
    town=towns,
    residents=st.integers(0, 150),
    weeks=st.integers(1, 14),
    burn_in=st.integers(0, 6),
    seed=st.integers(0, 2**32),
)
def test_invariants_for_any_valid_parameters(over, town, residents, weeks, burn_in, seed):
    over.setdefault("run", {}).update(run_pars(weeks, burn_in))
    m = TownModel(town=town, residents=residents, rng=seed, overrides=over)
    run_checked(m)


@settings(max_examples=n_examples(10))
@given(
    scenario=st.sampled_from(scenario_names()),
    drivers=st.sampled_from(driver_names()),
    start=st.sampled_from([None, 2007.0, 2019.9, 2020.2, 2035.0]),
    town=towns,
    residents=st.integers(0, 200),
    seed=st.integers(0, 2**32),
)
def test_invariants_for_every_scenario_and_driver(scenario, drivers, start, town, residents, seed):
    d = load_drivers(drivers)
    if start is not None:  # move the run over the drivers' shocks and the online path's ends
        d = dataclasses.replace(d, start_year=start)
    m = TownModel(
        scenario=scenario,
        drivers=d,
        town=town,
        residents=residents,
        rng=seed,
        overrides={"run": run_pars(10, 4)},
    )
    run_checked(m)


@settings(max_examples=n_examples(4))
@given(
    layout=st.sampled_from(LAYOUTS),
    n=st.one_of(st.integers(1, 5), st.integers(300, 2500)),
    tseed=st.integers(0, 1000),
    residents=st.integers(0, 300),
)
def test_generated_towns_through_the_csv_loader(tmp_path_factory, layout, n, tseed, residents):
    """Towns from one unit to thousands, written as CSV and read back by the loader."""
    t = generate_town(layout, n, seed=tseed)
    path = save_town(t, tmp_path_factory.mktemp("town") / "t.csv")
    loaded = load_town(path)
    assert loaded.n_units == n
    np.testing.assert_array_equal(loaded.initial_use, t.initial_use)
    m = TownModel(town=loaded, residents=residents, rng=tseed, overrides={"run": run_pars(3, 2)})
    run_checked(m)


@settings(max_examples=n_examples(6))
@given(
    town=towns,
    residents=st.sampled_from([0, 1, 2, 7]),
    over=overrides(max_size=10),
)
def test_tiny_populations(town, residents, over):
    """Zero, one and a handful of residents: every metric stays defined."""
    over.setdefault("run", {}).update(run_pars(6, 2))
    m = run_checked(TownModel(town=town, residents=residents, rng=1, overrides=over))
    if residents == 0:
        assert m.outcomes["footfall"] == 0.0 and m.outcomes["spend"] == 0.0


def test_thousands_of_units_and_residents():
    """One fixed large case (thousands of units) always runs, whatever Hypothesis draws."""
    t = generate_town("grid", 3000, seed=2)
    m = TownModel(
        scenario="co_produced", town=t, residents=3000, rng=3, overrides={"run": run_pars(2, 1)}
    )
    run_checked(m)
    assert m.world.units.n == 3000
