"""The unit-level rules (occupiers, entrants, landlords) equal their plain references.

Each fused kernel replaced numpy and Python code that ran over the ~300 units; the old code is
kept as the rule's ``*_ref``. Both run on separate deep copies of the same world (a small
model after a few weeks, then shaken so every branch is taken: subsidies and sponsor budgets
that run out, voluntary uses short of volunteers, leases ending now, busts, chains past review,
ties in the landlords' ranking) and must leave every unit array, every ledger flow and every
collective value the same, bit for bit, and return the same results.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from sim.categories import CAT, COMMERCIAL, N_CAT, SPONSOR
from sim.ledger import FLOWS
from sim.rules import occupiers

_NONCOM = [c for c in range(N_CAT) if not COMMERCIAL[c]]


def _same(a, b, what: str) -> None:
    """Equal bit for bit (arrays: dtype, shape and bytes; scalars: type and bits)."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), what
        assert a.dtype == b.dtype and a.shape == b.shape, what
        assert a.tobytes() == b.tobytes(), what
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), what
        for k in a:
            _same(a[k], b[k], f"{what}[{k}]")
    else:
        assert type(a) is type(b), f"{what}: {type(a)} vs {type(b)}"
        assert np.array(a).tobytes() == np.array(b).tobytes(), f"{what}: {a!r} vs {b!r}"


def assert_worlds_equal(w1, w2) -> None:
    """Every unit array, ledger flow and collective value of two worlds is the same."""
    for f in dataclasses.fields(w1.units):
        _same(getattr(w1.units, f.name), getattr(w2.units, f.name), f"units.{f.name}")
    for k in FLOWS:
        _same(getattr(w1.ledger, k), getattr(w2.ledger, k), f"ledger.{k}")
    for f in dataclasses.fields(w1.col):
        _same(getattr(w1.col, f.name), getattr(w2.col, f.name), f"col.{f.name}")


def shaken_world(m, rng: np.random.Generator):
    """A deep copy of the model's world with states that take every branch of the rules."""
    w = copy.deepcopy(m.world)
    u, col, L = w.units, w.col, w.ledger
    n = u.n
    occ = u.category >= 0
    # some occupied units become sponsored non-commercial uses (voluntary among them)
    nc = occ & (rng.random(n) < 0.25)
    u.category[nc] = rng.choice(_NONCOM, nc.sum())
    u.category[nc & (rng.random(n) < 0.4)] = CAT["voluntary"]
    u.sponsor[nc] = rng.choice([SPONSOR["council"], SPONSOR["town_team"]], nc.sum())
    u.chain[nc] = False
    com = (u.category >= 0) & COMMERCIAL[np.maximum(u.category, 0)]
    u.sponsor[com] = 0
    u.chain[com] = rng.random(n)[com] < 0.4
    u.subsidy[:] = np.where(com & (rng.random(n) < 0.3), rng.choice([0.25, 0.5], n), 0.0)
    u.cash[:] = np.where(occ, rng.normal(3e3, 8e3, n), 0.0)
    u.lease_end[:] = np.where(rng.random(n) < 0.4, m.week - rng.integers(0, 3, n), u.lease_end)
    u.opened[:] = m.week - rng.integers(0, 80, n)
    u.margin[:] = np.where(occ, rng.normal(0.0, 0.3, n), 0.0)
    u.rev_avg[:] = np.where(occ & (rng.random(n) < 0.8), rng.random(n) * 4e3, 0.0)
    u.revenue[:] = np.where(com, rng.random(n) * 5e3, 0.0)
    u.vacant_since[:] = np.where(occ, u.vacant_since, m.week - rng.integers(0, 120, n))
    col.pool_startup_council, col.pool_startup_tt = rng.choice([0.0, 300.0, 5e4], 2)
    col.pool_sponsor_council, col.pool_sponsor_tt = rng.choice([0.0, 2e3, 1e4, 1e6], 2)
    col.volunteer_supply = float(rng.choice([0.0, 45.0, 200.0, 1e4]))
    L.rent_sponsors, L.rates_sponsors, L.fixed_sponsors = (rng.random(3) * 100).tolist()
    L.exit_cash = float(rng.choice([0.0, -0.0, 12.5]))
    return w


@pytest.mark.parametrize("seed", range(12))
def test_occupiers_step_equals_reference(make_model, seed):
    """occupiers.step (one kernel) leaves the world as the old numpy code did, bit for bit."""
    m = make_model(seed=1 + seed % 3, steps=8)
    rng = np.random.default_rng(100 + seed)
    w = shaken_world(m, rng)
    pars = m.pars
    if seed % 2:
        pars = dataclasses.replace(
            pars, town_team=dataclasses.replace(pars.town_team, enabled=True, levy=0.01)
        )
    n = w.units.n
    renewal = rng.random(n) * 3e3
    draws = rng.random(n)
    online = float(rng.uniform(0.05, 0.4))
    w1, w2 = copy.deepcopy(w), copy.deepcopy(w)
    got = occupiers.step(w1, pars, online, renewal.copy(), m.week, draws.copy())
    want = occupiers._step_ref(w2, pars, online, renewal.copy(), m.week, draws.copy())
    _same(got, want, "result")
    assert_worlds_equal(w1, w2)
    assert got["closures"] > 0  # the shaken states close units


def test_occupiers_step_reference_check_can_fail(make_model):
    """The comparison sees a one-ulp change in a single unit's cash."""
    m = make_model(seed=1, steps=8)
    w1, w2 = copy.deepcopy(m.world), copy.deepcopy(m.world)
    j = int(np.flatnonzero(w1.units.category >= 0)[0])
    w1.units.cash[j] = np.nextafter(w1.units.cash[j], np.inf)
    with pytest.raises(AssertionError):
        assert_worlds_equal(w1, w2)


def shaken_market(m, rng: np.random.Generator):
    """A shaken world (:func:`shaken_world`) with many vacant units and every source of
    applicants active: market, start-up support, brokerage and recruitment."""
    w = shaken_world(m, rng)
    u, col = w.units, w.col
    gone = rng.random(u.n) < 0.5
    u.category[gone] = -1
    u.rent[gone] = 0.0
    col.rev_cat = np.where(rng.random(N_CAT) < 0.7, rng.random(N_CAT) * 40, 0.0)
    col.rev_all = float(rng.choice([0.0, 15.0]))
    col.spend_ref = float(rng.choice([0.0, 20.0]))
    col.brokered = float(rng.choice([0.0, 2.0, 6.0]))
    col.recruit = float(rng.choice([0.0, 3.0]))
    col.access_grocery, col.access_health = rng.random(2).tolist()
    col.commit_council, col.commit_tt = (rng.random(2) * 2e3).tolist()
    col.volunteer_used = float(rng.random() * 50)
    return w


def market_pars(pars, rng: np.random.Generator):
    """Parameters with lower hurdles, planning flexibility and Town Team on or off."""
    return dataclasses.replace(
        pars,
        entrants=dataclasses.replace(
            pars.entrants,
            arrival_rate=float(rng.uniform(2, 12)),
            hurdle=float(rng.uniform(-0.5, 0.1)),
            chain_hurdle=float(rng.uniform(-0.5, 0.1)),
        ),
        council=dataclasses.replace(
            pars.council, planning_flex=float(rng.random()), startup_subsidy=0.5
        ),
        town_team=dataclasses.replace(pars.town_team, enabled=bool(rng.random() < 0.5)),
    )


def test_applicants_equal_reference(make_model):
    """entrants.applicants (one kernel) gives the old code's applications, bit for bit, and
    leaves the stream where the old code left it; the cases cover every kind of applicant."""
    from sim.rules import entrants
    from sim.streams import stream

    seen = []
    for seed in range(24):
        m = make_model(seed=1 + seed % 3, steps=8)
        rng = np.random.default_rng(200 + seed)
        w = shaken_market(m, rng)
        pars = market_pars(m.pars, rng)
        ask = rng.random(w.units.n) * 2e3
        g1, g2 = stream(seed, "entrants", 5), stream(seed, "entrants", 5)
        w1, w2 = copy.deepcopy(w), copy.deepcopy(w)
        got = entrants.applicants(w1, pars, ask, 1.1, 1.3, m.week, g1)
        want = entrants._applicants_ref(w2, pars, ask, 1.1, 1.3, m.week, g2)
        _same(got, want, f"applications (seed {seed})")
        assert g1.bit_generator.state == g2.bit_generator.state
        assert_worlds_equal(w1, w2)
        seen.append(want)
    cat = np.concatenate([a["category"] for a in seen])
    assert {CAT["voluntary"], CAT["startup"], CAT["convenience"], CAT["comparison"]} <= set(cat)
    assert any(a["chain"].any() for a in seen) and any(a["meanwhile"].any() for a in seen)
    assert any(a["sponsor"].any() for a in seen) and any(a["unit"].size == 0 for a in seen)


def test_applicants_without_vacancy_or_applicants(make_model):
    """No vacant unit, or no applicant: the same (empty) applications and draws."""
    from sim.rules import entrants
    from sim.streams import stream

    m = make_model(seed=2, steps=4)
    for vacant in (False, True):
        w = copy.deepcopy(m.world)
        if not vacant:
            w.units.category[w.units.category < 0] = CAT["services"]
        w.col.brokered = w.col.recruit = 0.0
        w.col.pool_startup_council = w.col.pool_startup_tt = 0.0
        pars = dataclasses.replace(
            m.pars, entrants=dataclasses.replace(m.pars.entrants, arrival_rate=0.0)
        )
        ask = np.ones(w.units.n)
        g1, g2 = stream(1, "entrants", 3), stream(1, "entrants", 3)
        got = entrants.applicants(copy.deepcopy(w), pars, ask, 1.0, 1.0, 3, g1)
        want = entrants._applicants_ref(copy.deepcopy(w), pars, ask, 1.0, 1.0, 3, g2)
        _same(got, want, "applications")
        assert g1.bit_generator.state == g2.bit_generator.state


def test_let_units_equal_reference(make_model):
    """landlords.let_units (one kernel) lets the same units to the same applicants as the old
    code, bit for bit, and draws the same; the cases cover every owner and kind of let."""
    from sim.rules import entrants, landlords
    from sim.streams import stream

    opened = []
    for seed in range(30):
        m = make_model(seed=1 + seed % 3, steps=8)
        rng = np.random.default_rng(300 + seed)
        w = shaken_market(m, rng)
        u = w.units
        u.owner_type[:] = rng.integers(0, 4, u.n)
        pars = market_pars(m.pars, rng)
        pars = dataclasses.replace(
            pars,
            landlords=dataclasses.replace(
                pars.landlords,
                meanwhile=bool(seed % 2),
                patience_weeks=int(rng.integers(0, 60)),
                meanwhile_after_weeks=int(rng.integers(0, 30)),
            ),
            council=dataclasses.replace(pars.council, empty_rates=float(rng.choice([0.0, 1.0]))),
        )
        ask = rng.random(u.n) * 2e3
        apps = entrants.applicants(
            copy.deepcopy(w), pars, ask, 1.2, 1.5, m.week, stream(seed, "entrants", 5)
        )
        if seed % 5 == 0:  # equal rents: the first application of equals
            apps["rent"][:] = 700.0
        if seed % 3 == 0 and apps["unit"].size:  # a unit let since it was applied for
            w.units.category[apps["unit"][0]] = CAT["services"]
        g1, g2 = stream(seed, "landlords", 5), stream(seed, "landlords", 5)
        w1, w2 = copy.deepcopy(w), copy.deepcopy(w)
        got = landlords.let_units(w1, pars, copy.deepcopy(apps), ask, m.week, g1)
        want = landlords._let_units_ref(w2, pars, copy.deepcopy(apps), ask, m.week, g2)
        _same(got, want, f"lettings (seed {seed})")
        assert g1.bit_generator.state == g2.bit_generator.state
        assert_worlds_equal(w1, w2)
        opened.append((want, u.owner_type[want["opened_units"]]))
    owners = np.concatenate([o for _, o in opened])
    assert set(owners.tolist()) == {0, 1, 2, 3}
    for key in ("openings_chain", "openings_independent", "openings_noncommercial"):
        assert sum(r[key] for r, _ in opened) > 0, key
    assert sum(r["openings_meanwhile"] for r, _ in opened) > 0
    assert any(r["openings"] == 0 for r, _ in opened)


@pytest.mark.parametrize("seed", range(8))
def test_market_rules_equal_reference(make_model, seed):
    """landlords.update_market, asking_rents (with vacancies longer than the cached table of
    powers), collect_rent and entrants.update_signals equal their old code, bit for bit."""
    from sim.rules import entrants, landlords

    m = make_model(seed=1 + seed % 3, steps=8)
    rng = np.random.default_rng(400 + seed)
    w = shaken_market(m, rng)
    u = w.units
    u.owner_type[:] = rng.integers(0, 4, u.n)
    u.rent_paid[:] = np.where(rng.random(u.n) < 0.7, rng.random(u.n) * 900, 0.0)
    u.anchor[:] = rng.random(u.n) * 1500
    week = m.week + int(rng.choice([0, 3000]))  # vacancies beyond the powers cached so far
    w.col.demand_ref = float(rng.choice([0.0, 12.0]))
    lp = dataclasses.replace(m.pars.landlords, local_rent_cut=float(rng.uniform(0.001, 0.1)))
    pars = dataclasses.replace(m.pars, landlords=lp)
    w1, w2 = copy.deepcopy(w), copy.deepcopy(w)
    landlords.update_market(w1, pars)
    landlords._update_market_ref(w2, pars)
    assert_worlds_equal(w1, w2)
    _same(
        landlords.asking_rents(w1, pars, week), landlords._asking_rents_ref(w2, pars, week), "ask"
    )
    assert_worlds_equal(w1, w2)
    landlords.collect_rent(w1)
    landlords._collect_rent_ref(w2)
    assert_worlds_equal(w1, w2)
    for memory in (1.0, pars.occupiers.margin_memory):
        entrants.update_signals(w1, memory)
        entrants._update_signals_ref(w2, memory)
        assert_worlds_equal(w1, w2)


def test_powers_are_numpys_power_of_the_weeks():
    """The cached powers equal numpy's ``base ** weeks`` on int32 weeks for every week, in
    arrays of any length and order (numpy's SIMD power differs from libm's in the last bit)."""
    from sim.rules.landlords import _powers

    rng = np.random.default_rng(5)
    for base in (0.97, 1.0 - 0.0123, float(rng.uniform(0.8, 1.0))):
        table = _powers(base, 2500)
        assert table.size > 2500
        for n in (1, 2, 7, 8, 9, 300, 2501):
            weeks = rng.integers(0, 2501, n).astype(np.int32)
            assert (base**weeks).tobytes() == table[weeks].tobytes()
    assert _powers(0.9, 5000).size > 5000 and _powers(0.9, 10) is _powers(0.9, 4000)


def test_collect_rent_bincount_length_and_negative_landlord(make_model):
    """Landlord ids beyond n_landlords lengthen the income array as np.bincount does; a
    negative id is refused as np.bincount refuses it."""
    from sim.rules import landlords

    m = make_model(seed=1, steps=2)
    w = copy.deepcopy(m.world)
    w.units.landlord[3] = w.n_landlords + 4
    w.units.rent_paid[3] = 17.5
    w1, w2 = copy.deepcopy(w), copy.deepcopy(w)
    landlords.collect_rent(w1)
    landlords._collect_rent_ref(w2)
    assert w1.col.landlord_income.size == w.n_landlords + 5
    assert_worlds_equal(w1, w2)
    w.units.landlord[3] = -1
    with pytest.raises(ValueError):
        landlords.collect_rent(copy.deepcopy(w))
    with pytest.raises(ValueError):
        landlords._collect_rent_ref(copy.deepcopy(w))


def test_draw_args_kernel_equals_reference():
    """entrants._draw_args_nb: the arguments of exp and ndtri, bit for bit those of numpy's
    expressions, at the clipping edges and for NaN too."""
    from sim.rules.entrants import _draw_args_nb, _draw_args_ref

    rng = np.random.default_rng(17)
    edges4 = (0.0, 1e-13, 1e-12, 1 - 1e-13, 1 - 1e-12, np.nan, 0.5)
    edges6 = (0.0, 0.5, np.nan, 1 - 1e-16)
    for n in (1, 2, 9, 200):
        for e4, e6 in zip(edges4, edges6 * 2, strict=False):
            draws = rng.random((n, 8))
            draws[0, 4], draws[-1, 6] = e4, e6
            for sd in (0.0, 0.35, float(rng.uniform(0, 2))):
                got, want = _draw_args_nb(draws, sd), _draw_args_ref(draws, sd)
                for g_, w_ in zip(got, want, strict=True):
                    assert g_.tobytes() == w_.tobytes()
