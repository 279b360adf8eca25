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
