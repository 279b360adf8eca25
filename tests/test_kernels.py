"""Every njit kernel equals its plain-Python reference on the same inputs and draws.

Realistic inputs come from a small model after a few weeks (ties and venues populated); the
draws come from numpy generators (tests may create them). Each kernel and its reference are
called on separate copies of every output array and the results compared exactly (integer
choices, venue and tie ids, float32 strengths) or to rtol 1e-12 (float accumulations).
Hand-built cases cover the edges: degenerate utilities, a single open unit, a full resident
evicting its weakest tie, engagement bounds, and the inverse-CDF helpers.
"""

from __future__ import annotations

import copy
import math
import platform

import numpy as np
import pytest
from numba import njit
from scipy import stats

from sim.categories import MEET
from sim.logit import (
    _guide_row_walk_nb,
    guide_tables_nb,
    logit_shares,
    pick_logit4_nb,
    pick_logit_nb,
    pick_logit_ref,
    search_cum_nb,
    search_cum_ref,
    search_guided_nb,
)
from sim.model import THIRD_PLACES
from sim.prefetch import prefetch_row
from sim.rules import engagement, ties, trips, visits

SEEDS = (0, 1, 2)


# ----------------------------------------------------------------------------- helpers
def _tie_pairs(tie_id: np.ndarray, tie_w: np.ndarray) -> dict[tuple[int, int], float]:
    out = {}
    for i, c in zip(*np.nonzero(tie_id >= 0), strict=True):
        out[(int(i), int(tie_id[i, c]))] = float(tie_w[i, c])
    return out


def assert_ties_symmetric(tie_id: np.ndarray, tie_w: np.ndarray) -> None:
    """Every (i, j) tie is held by j as (j, i) with the same strength; no duplicates or self-ties;
    empty slots have strength 0."""
    pairs = _tie_pairs(tie_id, tie_w)
    for (i, j), w in pairs.items():
        assert i != j, f"self-tie at {i}"
        assert (j, i) in pairs, f"tie {i}->{j} not held by {j}"
        assert pairs[(j, i)] == w, f"tie {i}-{j} strengths differ: {w} vs {pairs[(j, i)]}"
    for i in range(tie_id.shape[0]):
        ids = tie_id[i][tie_id[i] >= 0]
        assert ids.size == np.unique(ids).size, f"resident {i} holds a duplicate tie"
    assert np.all(tie_w[tie_id < 0] == 0.0)
    assert np.all((tie_w[tie_id >= 0] > 0.0) & (tie_w[tie_id >= 0] <= 1.0))


def trips_inputs(m, k: int):
    """Inputs of trips_nb as the model builds them, with draws from default_rng(k)."""
    pars, res = m.pars, m.world.res
    d = {key: float(v[min(m.week, m.n_weeks - 1)]) for key, v in m.driver_table.items()}
    gw, _, tot, spend_w = m.visit_weights(pars)
    cu = m.trip_utilities(pars, d, gw, tot, spend_w)
    draws = np.random.default_rng(k).random(res.n)
    return (
        trips.log_distance(res.dist_km),
        trips.log_distance(res.park_km),
        res.online_prop.copy(),
        res.went.copy(),
        res.tie_id.copy(),
        res.tie_w.copy(),
        draws,
        *cu,
        pars.residents.beta_dist,
        pars.residents.beta_friends,
    )


def visits_inputs(m, k: int):
    """Inputs of visits_nb as the model builds them (venues_prev = last week's venues)."""
    w, pars = m.world, m.pars
    res = w.res
    rp = pars.residents
    gw, cum, tot, spend_w = m.visit_weights(pars)
    group = res.sector * w.pref.shape[0] + res.taste
    R, K = res.venues.shape
    draws = np.random.default_rng(k).random((R, K))
    return (
        res.choice.copy(),
        group,
        res.budget.copy(),
        res.venues.copy(),
        res.tie_id.copy(),
        gw,
        cum,
        tot,
        spend_w,
        rp.beta_friend_venue,
        draws,
        0.97,
        w.weight,
    )


def run_visits(kernel, args, R, K, n_units):
    venues = np.full((R, K), -7, np.int32)
    revenue = np.zeros(n_units)
    nvis = np.zeros(n_units)
    out = np.zeros(6)
    kernel(*args, venues, revenue, nvis, out)
    return venues, revenue, nvis, out


def meet_rates(m) -> np.ndarray:
    u, tp = m.world.units, m.pars.ties
    cat = np.maximum(u.category, 0)
    meet = MEET[cat] * tp.meet_scale * np.where(THIRD_PLACES[cat], tp.third_place_meet, 1.0)
    return np.where(u.category >= 0, np.minimum(meet, 1.0), 0.0)


# ----------------------------------------------------------------------------- trips
@pytest.mark.parametrize("k", SEEDS)
def test_trips_nb_equals_ref_on_model_state(warm_model, k):
    args = trips_inputs(warm_model, k)
    assert (args[4] >= 0).any(), "fixture should have ties"
    R = args[0].shape[0]
    a, b = np.full(R, -1, np.int8), np.full(R, -1, np.int8)
    trips.trips_nb(*args, a)
    trips.trips_ref(*args, b)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0, 1, 2, 3}
    assert len(np.unique(a)) >= 3  # a realistic mix of choices


def test_trips_nb_equals_ref_with_strong_friend_pull(warm_model):
    args = list(trips_inputs(warm_model, 5))
    args[3] = np.random.default_rng(9).random(args[3].shape[0]) < 0.5  # went
    args[-1] = 3.0  # beta_friends
    R = args[0].shape[0]
    a, b = np.zeros(R, np.int8), np.zeros(R, np.int8)
    trips.trips_nb(*args, a)
    trips.trips_ref(*args, b)
    np.testing.assert_array_equal(a, b)


def _trip_case(R=50, seed=3):
    g = np.random.default_rng(seed)
    return (
        trips.log_distance(g.uniform(0.1, 10, R)),
        trips.log_distance(g.uniform(0.1, 10, R)),
        g.normal(0, 1, R),
        g.random(R) < 0.4,
        np.full((R, 4), -1, np.int32),
        np.zeros((R, 4), np.float32),
        g.random(R),
    )


@pytest.mark.parametrize(
    ("cu", "expected"),
    [
        ((-np.inf, -np.inf, -np.inf), trips.NONE),
        ((-np.inf, -np.inf, 1e6), trips.ONLINE),
        ((1e6, -np.inf, -np.inf), trips.CENTRE),
        ((-np.inf, 1e6, -np.inf), trips.PARK),
    ],
)
def test_trips_single_finite_alternative(cu, expected):
    """All alternatives but one have utility -inf (or are negligible): everyone picks it."""
    base = _trip_case()
    R = base[0].shape[0]
    u = base[6].copy()
    u[:3] = [0.0, 0.5, 1.0 - 1e-16]  # the extremes of the draw
    args = (*base[:6], u, *cu, 1.2, 0.8)
    a, b = np.full(R, -1, np.int8), np.full(R, -1, np.int8)
    trips.trips_nb(*args, a)
    trips.trips_ref(*args, b)
    np.testing.assert_array_equal(a, b)
    assert np.all(a == expected)


def test_trips_probabilities_match_logit():
    """Empirical choice shares of one resident copied many times match softmax(v)."""
    R = 40000
    dist, park, prop = np.full(R, 2.0), np.full(R, 5.0), np.full(R, 0.2)
    u = np.random.default_rng(11).random(R)
    tie_id, tie_w = np.full((R, 2), -1, np.int32), np.zeros((R, 2), np.float32)
    cc, cp, co, bd = 0.5, 0.8, -0.3, 1.0
    choice = np.zeros(R, np.int8)
    ld, lp = trips.log_distance(dist), trips.log_distance(park)
    trips.trips_nb(ld, lp, prop, np.zeros(R, bool), tie_id, tie_w, u, cc, cp, co, bd, 1.0, choice)
    v = np.array([0.0, cc - bd * math.log(2.1), cp - bd * math.log(5.1), co + 0.2])
    expected = logit_shares(v) * R
    observed = np.bincount(choice, minlength=4)
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def online_constant_args(m, target: float):
    """Inputs of online_constant_nb as the model builds them."""
    pars, res = m.pars, m.world.res
    gw, _, tot, spend_w = m.visit_weights(pars)
    sample = m._online_sample
    kappa = trips.visit_spend_share(gw, tot, spend_w)[m._group[sample]]
    ref_c, ref_p = trips.reference_utilities(pars)
    rp = pars.residents
    return (
        sample,
        trips.log_distance(res.dist_km),
        trips.log_distance(res.park_km),
        res.online_prop,
        res.went,
        res.tie_id,
        res.tie_w,
        res.budget,
        kappa,
        ref_c,
        ref_p,
        rp.beta_dist,
        rp.beta_friends,
        target,
    )


@pytest.mark.parametrize("target", [0.01, 0.034, 0.2, 0.6, 0.95])
def test_online_constant_nb_equals_ref(warm_model, target):
    args = online_constant_args(warm_model, target)
    a = trips.online_constant_nb(*args)
    b = trips.online_constant_ref(*args)
    assert a == pytest.approx(b, abs=1e-7)  # utils; the shares agree to ~1e-11


def test_online_constant_gives_target_share_in_expectation():
    """Two residents, no ties: the solved constant makes the expected online share of spend
    (centre spend scaled by kappa) equal the target, by direct computation of the logit."""
    dist = np.array([1.0, 3.0])
    park = np.array([5.0, 2.0])
    prop = np.array([0.3, -0.4])
    tie_id = np.full((2, 2), -1, np.int64)
    tie_w = np.zeros((2, 2))
    budget = np.array([100.0, 250.0])
    kappa = np.array([0.8, 0.9])
    c = trips.online_constant_nb(
        np.arange(2), trips.log_distance(dist), trips.log_distance(park), prop,
        np.zeros(2, bool), tie_id, tie_w, budget, kappa,
        0.7, 1.2, 1.5, 1.0, 0.25,
    )  # fmt: skip
    num = den = 0.0
    for i in range(2):
        v = np.array(
            [0.0, 0.7 - 1.5 * math.log(dist[i] + 0.1), 1.2 - 1.5 * math.log(park[i] + 0.1),
             c + prop[i]]
        )  # fmt: skip
        p = logit_shares(v)
        num += budget[i] * p[3]
        den += budget[i] * (kappa[i] * p[1] + p[2] + p[3])
    assert num / den == pytest.approx(0.25, abs=1e-10)


def test_online_sample_is_everyone_in_small_towns_and_spread_in_large():
    assert np.array_equal(trips.online_sample(500), np.arange(500))
    s = trips.online_sample(1_000_000)
    assert s.size == trips.ONLINE_SAMPLE and s[0] == 0 and s[-1] < 1_000_000
    assert np.all(np.diff(s) > 0)


def test_log_distance_is_the_kernels_log():
    """The cached distance term equals math.log(d + 0.1), bit for bit, for every resident."""
    d = np.concatenate([np.random.default_rng(4).uniform(0.0, 30.0, 2000), [0.0, 0.05, 1e-9]])
    got = trips.log_distance(d)
    want = np.array([math.log(x + 0.1) for x in d])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)


# ----------------------------------------------------------------------------- visits
@pytest.mark.parametrize("k", SEEDS)
def test_visits_nb_equals_ref_on_model_state(warm_model, k):
    args = visits_inputs(warm_model, k)
    res = warm_model.world.res
    assert (args[3] >= 0).any() and (args[4] >= 0).any(), "fixture should have venues and ties"
    R, K = res.venues.shape
    n = warm_model.world.units.n
    va, ra, na, oa = run_visits(visits.visits_nb, args, R, K, n)
    vb, rb, nb_, ob = run_visits(visits.visits_ref, args, R, K, n)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(ra, rb, rtol=1e-12, atol=0)
    np.testing.assert_allclose(na, nb_, rtol=1e-12, atol=0)
    np.testing.assert_allclose(oa, ob, rtol=1e-12, atol=0)
    assert (va >= 0).any()
    # the kernel's own bookkeeping: budget = spend + kept, spend = revenue + park + online
    assert oa[0] == pytest.approx(oa[1] + oa[2], rel=1e-12)
    assert oa[1] == pytest.approx(oa[3] + oa[4] + oa[5], rel=1e-12)
    assert ra.sum() == pytest.approx(oa[3], rel=1e-12)


def test_visits_nb_equals_ref_all_centre_with_friend_pull(warm_model):
    """Everyone goes to the centre and friends' venues pull hard (the friend branch is hit)."""
    args = list(visits_inputs(warm_model, 4))
    R, K = warm_model.world.res.venues.shape
    args[0] = np.full(R, visits.CENTRE, np.int8)
    g = np.random.default_rng(2)
    occ = np.flatnonzero(warm_model.world.units.category >= 0)
    args[3] = occ[g.integers(0, occ.size, (R, K))].astype(np.int32)  # venues_prev
    args[9] = 3.0  # beta_friend_venue
    n = warm_model.world.units.n
    va, ra, na, oa = run_visits(visits.visits_nb, args, R, K, n)
    vb, rb, nb_, ob = run_visits(visits.visits_ref, args, R, K, n)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(ra, rb, rtol=1e-12, atol=0)
    np.testing.assert_allclose(na, nb_, rtol=1e-12, atol=0)
    np.testing.assert_allclose(oa, ob, rtol=1e-12, atol=0)
    assert np.all(va >= 0)


def test_visits_single_open_unit():
    """Only one unit is open: every visit goes there, with friends or without."""
    R, K, n, C = 30, 3, 5, 4
    category = np.array([-1, -1, 2, -1, -1])
    w = np.where(category >= 0, 1.0, 0.0)[None, :]
    cum = np.cumsum(w, axis=1)
    tot = cum[:, -1].copy()
    g = np.random.default_rng(0)
    choice = np.full(R, visits.CENTRE, np.int8)
    choice[:4] = [0, 2, 3, 1]
    tie_id = np.full((R, C), -1, np.int32)
    tie_id[1:, 0] = np.arange(R - 1)
    prev = np.full((R, K), -1, np.int32)
    prev[::2, 0] = 2
    u = g.random((R, K))
    u[0, 0], u[-1, -1] = 0.0, 1.0 - 1e-16
    spend_w = np.where(category >= 0, 0.8, 0.0)
    args = (
        choice,
        np.zeros(R, np.int64),
        np.full(R, 100.0),
        prev,
        tie_id,
        w,
        cum,
        tot,
        spend_w,
        0.7,
        u,
        1.0,
        2.0,
    )
    va, ra, na, oa = run_visits(visits.visits_nb, args, R, K, n)
    vb, rb, nb_, ob = run_visits(visits.visits_ref, args, R, K, n)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(ra, rb, rtol=1e-12)
    np.testing.assert_allclose(oa, ob, rtol=1e-12)
    centre = choice == visits.CENTRE
    assert np.all(va[centre] == 2) and np.all(va[~centre] == -1)
    assert na[2] == pytest.approx(2.0 * K * centre.sum())
    assert np.all(ra[category < 0] == 0.0) and np.all(na[category < 0] == 0.0)
    # budget = spend + kept; spend = revenue + park + online
    assert oa[0] == pytest.approx(oa[1] + oa[2])
    assert oa[1] == pytest.approx(oa[3] + oa[4] + oa[5])
    assert oa[3] == pytest.approx(2.0 * 100.0 * 0.8 * centre.sum())


def test_visits_no_open_unit_spends_nothing():
    R, K, n = 10, 2, 4
    w = np.zeros((1, n))
    args = (
        np.full(R, visits.CENTRE, np.int8),
        np.zeros(R, np.int64),
        np.full(R, 50.0),
        np.full((R, K), -1, np.int32),
        np.full((R, 3), -1, np.int32),
        w,
        np.cumsum(w, 1),
        np.zeros(1),
        np.zeros(n),
        0.5,
        np.random.default_rng(1).random((R, K)),
        1.0,
        1.0,
    )
    for kern in (visits.visits_nb, visits.visits_ref):
        v, r, nv, o = run_visits(kern, args, R, K, n)
        assert np.all(v == -1) and r.sum() == 0 and nv.sum() == 0
        assert o[1] == 0.0 and o[2] == pytest.approx(o[0])


def test_visits_frequencies_match_logit_probabilities(warm_model):
    """A group with no friends: venue frequencies over many draws match w[g] / tot[g]."""
    args = visits_inputs(warm_model, 0)
    gw, cum, tot = args[5], args[6], args[7]
    g = int(np.argmax(tot > 0))
    R, K = 20000, 2
    n = gw.shape[1]
    u = np.random.default_rng(123).random((R, K))
    kargs = (
        np.full(R, visits.CENTRE, np.int8),
        np.full(R, g, np.int64),
        np.full(R, 80.0),
        np.full((R, K), -1, np.int32),
        np.full((R, 4), -1, np.int32),
        gw,
        cum,
        tot,
        args[8],
        0.5,
        u,
        1.0,
        1.0,
    )
    venues, _, nvis, _ = run_visits(visits.visits_nb, kargs, R, K, n)
    assert np.all(venues >= 0)
    observed = np.bincount(venues.ravel(), minlength=n).astype(float)
    np.testing.assert_allclose(nvis, observed)
    p = gw[g] / tot[g]
    assert np.all(observed[p == 0] == 0)
    expected = p * R * K
    # pool the units with small expected counts so the chi-square approximation holds
    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    assert keep.sum() > 10
    assert stats.chisquare(obs[keep], exp[keep]).pvalue > 1e-3


# ----------------------------------------------------------------------------- ties
def _ties_args(m, k):
    res = m.world.res
    R, K = res.venues.shape
    g = np.random.default_rng(k)
    tp = m.pars.ties
    return (
        res.venues.copy(),
        m.world.units.n,
        meet_rates(m),
        g.random((R, K)),
        g.random((R, K)),
    ), (tp.decay, tp.drop_below, tp.new_strength, tp.strengthen)


@pytest.mark.parametrize("k", SEEDS)
def test_ties_nb_equals_ref_on_model_state(warm_model, k):
    res = warm_model.world.res
    head, tail = _ties_args(warm_model, k)
    assert (head[0] >= 0).any()
    ia, wa = res.tie_id.copy(), res.tie_w.copy()
    ib, wb = res.tie_id.copy(), res.tie_w.copy()
    ra = ties.ties_nb(*head, ia, wa, *tail)
    rb = ties.ties_ref(*head, ib, wb, *tail)
    assert tuple(int(x) for x in ra) == tuple(int(x) for x in rb)
    assert ra[0] > 0
    np.testing.assert_array_equal(ia, ib)
    np.testing.assert_array_equal(wa, wb)
    assert wa.dtype == np.float32 and wb.dtype == np.float32
    assert_ties_symmetric(ia, wa)


def test_ties_nb_equals_ref_crowded_small_capacity(warm_model):
    """Capacity 2 and certain meetings: evictions happen often; both versions agree."""
    res = warm_model.world.res
    R, K = res.venues.shape
    g = np.random.default_rng(8)
    occ = np.flatnonzero(warm_model.world.units.category >= 0)[:6]
    venues = occ[g.integers(0, occ.size, (R, K))].astype(np.int32)
    meet = np.ones(warm_model.world.units.n)
    u_meet, u_partner = g.random((R, K)), g.random((R, K))
    C = 2
    ia, wa = np.full((R, C), -1, np.int32), np.zeros((R, C), np.float32)
    for _ in range(4):  # several weeks, so strengths differ and the weakest gets evicted
        ib, wb = ia.copy(), wa.copy()
        ra = ties.ties_nb(
            venues, warm_model.world.units.n, meet, u_meet, u_partner, ia, wa, 0.1, 0.05, 0.2, 0.15
        )
        rb = ties.ties_ref(
            venues, warm_model.world.units.n, meet, u_meet, u_partner, ib, wb, 0.1, 0.05, 0.2, 0.15
        )
        assert tuple(ra) == tuple(rb)
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(wa, wb)
        assert_ties_symmetric(ia, wa)
        u_meet, u_partner = g.random((R, K)), g.random((R, K))
    assert (ia >= 0).mean() > 0.8  # nearly everyone is full: evictions happened


@pytest.mark.parametrize("impl", ["nb", "ref"])
def test_add_tie_full_resident_evicts_weakest(impl):
    """Resident 0 is full; a new tie with 5 evicts its weakest tie (to 3) at both ends."""
    tie_id = np.array(
        [[1, 2, 3], [0, -1, -1], [0, -1, -1], [0, -1, -1], [-1, -1, -1], [-1, -1, -1]], np.int32
    )
    tie_w = np.array(
        [[0.5, 0.3, 0.1], [0.5, 0, 0], [0.3, 0, 0], [0.1, 0, 0], [0, 0, 0], [0, 0, 0]], np.float32
    )
    add = ties.add_tie_nb if impl == "nb" else ties._add_tie_ref
    assert add(tie_id, tie_w, 0, 5, 0.2, 0.15) == 1
    assert list(tie_id[0]) == [1, 2, 5]
    assert tie_w[0, 2] == np.float32(0.2)
    assert list(tie_id[3]) == [-1, -1, -1] and tie_w[3].sum() == 0.0
    assert tie_id[5, 0] == 0 and tie_w[5, 0] == np.float32(0.2)
    assert_ties_symmetric(tie_id, tie_w)
    # a repeat meeting strengthens both ends, capped at 1
    assert add(tie_id, tie_w, 5, 0, 0.2, 0.15) == 0
    assert tie_w[0, 2] == tie_w[5, 0] == np.float32(0.35)
    add(tie_id, tie_w, 0, 1, 0.2, 0.9)
    assert tie_w[0, 0] == tie_w[1, 0] == np.float32(1.0)
    assert_ties_symmetric(tie_id, tie_w)


@pytest.mark.parametrize("impl", ["nb", "ref"])
def test_add_tie_full_and_all_strong_forms_no_tie(impl):
    """A full resident whose weakest tie is stronger than a new one forms no tie."""
    tie_id = np.array([[1, 2], [0, -1], [0, -1], [-1, -1]], np.int32)
    tie_w = np.array([[0.5, 0.3], [0.5, 0], [0.3, 0], [0, 0]], np.float32)
    before = tie_id.copy(), tie_w.copy()
    add = ties.add_tie_nb if impl == "nb" else ties._add_tie_ref
    assert add(tie_id, tie_w, 3, 0, 0.2, 0.15) == 0
    np.testing.assert_array_equal(tie_id, before[0])
    np.testing.assert_array_equal(tie_w, before[1])


def test_ties_kernel_eviction_case_nb_equals_ref():
    """Hand-built week: resident 0 is full and meets resident 4 at a unit with certain meeting;
    the weakest of 0's ties is evicted at both ends."""
    tie_id = np.array([[1, 2, 3], [0, -1, -1], [0, -1, -1], [0, -1, -1], [-1, -1, -1]], np.int32)
    tie_w = np.array(
        [[0.9, 0.6, 0.3], [0.9, 0, 0], [0.6, 0, 0], [0.3, 0, 0], [0, 0, 0]], np.float32
    )
    venues = np.array([[0], [-1], [-1], [-1], [0]], np.int32)
    meet = np.array([0.9])
    u_meet = np.array([[0.0], [0.5], [0.5], [0.5], [0.95]])  # only resident 0 initiates
    u_partner = np.full((5, 1), 0.5)
    out = []
    for kern in (ties.ties_nb, ties.ties_ref):
        ti, tw = tie_id.copy(), tie_w.copy()
        r = kern(venues, 1, meet, u_meet, u_partner, ti, tw, 0.0, 0.05, 0.5, 0.15)
        out.append((tuple(int(x) for x in r), ti, tw))
        assert_ties_symmetric(ti, tw)
        assert r[0] == 1 and r[1] == 1
        assert 4 in ti[0] and 3 not in ti[0] and 0 in ti[4]
        assert (ti[3] == -1).all()
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][2], out[1][2])


def test_ties_decay_drops_weak_ties_symmetrically():
    tie_id = np.array([[1, 2], [0, -1], [0, -1]], np.int32)
    tie_w = np.array([[0.5, 0.06], [0.5, 0], [0.06, 0]], np.float32)
    venues = np.full((3, 1), -1, np.int32)
    for kern in (ties.ties_nb, ties.ties_ref):
        ti, tw = tie_id.copy(), tie_w.copy()
        assert tuple(
            int(x)
            for x in kern(
                venues,
                2,
                np.ones(2),
                np.zeros((3, 1)),
                np.zeros((3, 1)),
                ti,
                tw,
                0.2,
                0.05,
                0.2,
                0.1,
            )
        ) == (0, 0)
        assert list(ti[0]) == [1, -1] and list(ti[2]) == [-1, -1]
        assert tw[0, 0] == tw[1, 0] == np.float32(0.5) * np.float32(0.8)
        assert_ties_symmetric(ti, tw)


def test_ties_symmetric_after_model_run(make_model):
    m = make_model(seed=3, steps=30)
    res = m.world.res
    assert (res.tie_id >= 0).any()
    assert_ties_symmetric(res.tie_id, res.tie_w)


# ----------------------------------------------------------------------------- engagement
@pytest.mark.parametrize("k", SEEDS)
def test_engagement_nb_equals_ref_on_model_state(warm_model, k):
    res, ep = warm_model.world.res, warm_model.pars.engagement
    part = np.random.default_rng(k).random(res.n) < 0.3
    a, b = res.engagement.copy(), res.engagement.copy()
    engagement.engagement_nb(a, res.tie_w, part, ep.rise_ties, ep.rise_participation, ep.decay)
    engagement.engagement_ref(b, res.tie_w, part, ep.rise_ties, ep.rise_participation, ep.decay)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert np.all((a >= 0) & (a <= 1))


@pytest.mark.parametrize(
    ("rise_ties", "rise_part", "decay"),
    [(0.0, 0.0, 0.0), (1.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 1.0), (0.7, 0.9, 0.4)],
)
def test_engagement_stays_in_unit_interval(rise_ties, rise_part, decay):
    g = np.random.default_rng(4)
    R, C = 200, 6
    e0 = np.concatenate([[0.0, 1.0, 0.5], g.random(R - 3)])
    tie_w = (g.random((R, C)) * (g.random((R, C)) < 0.7)).astype(np.float32)
    tie_w[0] = 1.0
    part = g.random(R) < 0.5
    a, b = e0.copy(), e0.copy()
    for _ in range(20):
        engagement.engagement_nb(a, tie_w, part, rise_ties, rise_part, decay)
        engagement.engagement_ref(b, tie_w, part, rise_ties, rise_part, decay)
        assert np.all((a >= 0.0) & (a <= 1.0))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_engagement_rises_and_decays():
    tie_w = np.array([[1.0, 1.0], [0.0, 0.0]], np.float32)
    e = np.array([0.5, 0.5])
    engagement.engagement_nb(e, tie_w, np.array([True, False]), 0.1, 0.1, 0.05)
    assert e[0] == pytest.approx(0.5 + 0.1 * 0.5 + 0.1 * 0.5 - 0.05 * 0.5)
    assert e[1] == pytest.approx(0.5 - 0.05 * 0.5)


# ----------------------------------------------------------------------------- logit helpers
V_CASES = [
    np.array([0.0, 0.0, 0.0, 0.0]),  # equal weights
    np.array([1.0, -2.0, 0.5]),
    np.array([-np.inf, 3.0, -np.inf]),
    np.array([700.0, 699.0, -700.0]),  # large: needs the max shift
    np.array([2.5]),
]
U_CASES = [0.0, 1e-12, 0.25, 0.5, 0.75, 1.0 - 1e-12, float(np.nextafter(1.0, 0.0))]


@pytest.mark.parametrize("v", V_CASES, ids=range(len(V_CASES)))
@pytest.mark.parametrize("u", U_CASES)
def test_pick_logit_nb_equals_ref(v, u):
    a, b = pick_logit_nb(v, u), pick_logit_ref(v, u)
    assert a == b
    assert 0 <= a < v.shape[0]
    assert np.isfinite(v[a])


def test_pick_logit_edges():
    eq = np.zeros(4)
    assert pick_logit_nb(eq, 0.0) == 0
    assert pick_logit_nb(eq, 0.2499) == 0
    assert pick_logit_nb(eq, 0.25) == 1
    assert pick_logit_nb(eq, 0.74) == 2
    assert pick_logit_nb(eq, float(np.nextafter(1.0, 0.0))) == 3
    assert pick_logit_nb(np.array([-np.inf, -np.inf, 0.0]), 0.0) == 2


V4_CASES = [
    *[v for v in V_CASES if v.shape[0] == 4],
    np.array([0.0, -np.inf, -np.inf, -np.inf]),
    np.array([0.0, 1e6, -np.inf, -np.inf]),
    np.array([0.0, -3.0, 2.0, 2.0]),
    np.array([0.0, 700.0, 699.5, -700.0]),
]


@pytest.mark.parametrize("v", V4_CASES, ids=range(len(V4_CASES)))
@pytest.mark.parametrize("u", [*U_CASES, np.float32(0.3), np.float32(np.nextafter(1, 0))])
def test_pick_logit4_nb_equals_pick_logit(v, u):
    """The four-way pick (trips) is the general pick with the same arithmetic."""
    a = pick_logit4_nb(float(v[0]), float(v[1]), float(v[2]), float(v[3]), u)
    assert a == pick_logit_nb(v, u) == pick_logit_ref(v, u)


def test_pick_logit4_nb_equals_pick_logit_random():
    g = np.random.default_rng(12)
    v = g.normal(0, 3, (3000, 4))
    v[:, 0] = 0.0
    u = g.random(3000, dtype=np.float32)
    for row, x in zip(v, u, strict=True):
        assert pick_logit4_nb(*(float(t) for t in row), x) == pick_logit_nb(row, x)


def test_pick_logit_frequencies_match_softmax():
    v = np.array([0.3, -1.0, 1.2, 0.0, 0.0])
    u = np.random.default_rng(5).random(20000)
    picks = np.array([pick_logit_nb(v, x) for x in u])
    ref = np.array([pick_logit_ref(v, x) for x in u[:2000]])
    np.testing.assert_array_equal(picks[:2000], ref)
    expected = logit_shares(v) * u.size
    assert stats.chisquare(np.bincount(picks, minlength=v.size), expected).pvalue > 1e-3


CUM_CASES = [
    np.array([1.0, 2.0, 3.0, 4.0]),  # equal weights
    np.array([0.0, 0.0, 0.5, 0.5, 0.5, 2.0]),  # zero weights (vacant units) at start and middle
    np.array([0.0, 1.0, 1.0, 1.0]),  # zero weights at the end
    np.array([7.0]),
]


@pytest.mark.parametrize("cum", CUM_CASES, ids=range(len(CUM_CASES)))
def test_search_cum_nb_equals_ref(cum):
    tot = cum[-1]
    targets = [
        0.0,
        1e-15,
        *(np.unique(cum).tolist()),
        tot * (1 - 1e-15),
        tot,
        float(np.nextafter(tot, 0.0)),
        tot * 2,
        *np.linspace(0, tot, 37).tolist(),
    ]
    for t in targets:
        a, b = search_cum_nb(cum, t), search_cum_ref(cum, t)
        assert a == b, (cum, t)
        if t < tot:
            assert cum[a] > t and (a == 0 or cum[a - 1] <= t)
            assert (np.diff(np.concatenate([[0.0], cum]))[a]) > 0  # never a zero-weight slot


def _guided(cum2d, tot, g, t):
    guide, width, scale = guide_tables_nb(cum2d, tot)
    return search_guided_nb(cum2d[g], guide[g], width[g], scale[g], t)


def test_search_guided_nb_equals_binary_search():
    """The guided search (visits) finds the same index as the binary search, for targets on
    and next to every cumulative value, with zero weights anywhere (vacant units)."""
    g = np.random.default_rng(21)
    rows = [c for c in CUM_CASES]
    for n in (1, 2, 3, 17, 298):
        for zero_share in (0.0, 0.3, 0.9):
            w = g.random(n) * (g.random(n) >= zero_share)
            rows.append(np.cumsum(w))
    w = g.random(50) ** 8  # very uneven weights: many units per bucket
    rows.append(np.cumsum(w))
    for cum in rows:
        cum2d = np.vstack([cum, cum[::-1].cumsum()])  # a second row, to index g = 1 too
        tot = cum2d[:, -1].copy()
        guide, width, scale = guide_tables_nb(cum2d, tot)
        for r in range(2):
            c, t_ = cum2d[r], tot[r]
            targets = [0.0, *c.tolist(), *np.nextafter(c, -np.inf).tolist()]
            targets += (g.random(300) * t_).tolist() + [float(np.nextafter(t_, 0.0))]
            for t in targets:
                if not t < t_:
                    continue  # the kernel searches only targets below the row total
                got = search_guided_nb(c, guide[r], width[r], scale[r], t)
                assert got == search_cum_nb(c, t) == search_cum_ref(c, t), (cum, t)


def test_guide_tables_equal_the_walk():
    """The branch-free guide tables (histogram of bucket counts) equal the bucket-by-bucket
    walk on rows with zeros, ties, very uneven weights, a zero total and a NaN (walked)."""
    g = np.random.default_rng(3)
    for trial in range(600):
        n, G = int(g.integers(1, 400)), int(g.integers(1, 4))
        w = g.random((G, n)) * (g.random((G, n)) >= g.random())
        if trial % 7 == 0:
            w = g.random((G, n)) ** 12
        if trial % 11 == 0:
            w = np.round(w * 4) / 4  # equal running sums and totals on bucket edges
        if trial % 13 == 0:
            w[:, : n // 2] = 0.0
        if trial % 17 == 0:
            w[0] = 0.0  # a group with no open venue
        if trial % 19 == 0 and n > 2:
            w[-1, n // 2] = np.nan
        cum = np.cumsum(w, axis=1)
        tot = cum[:, -1].copy()
        guide, width, scale = guide_tables_nb(cum, tot)
        for r in range(G):
            walk = np.zeros(max(n, 1), np.int32)
            _guide_row_walk_nb(cum[r], tot[r] / max(n, 1), walk)
            assert np.array_equal(guide[r], walk), (trial, r)
            assert width[r] == tot[r] / max(n, 1) or np.isnan(tot[r])


def test_search_guided_nb_nan_and_negative_targets():
    cum = np.array([[0.0, 1.0, 1.0, 2.5, 4.0]])
    tot = cum[:, -1].copy()
    for t in (float("nan"), -1.0, -0.0):
        assert _guided(cum, tot, 0, t) == search_cum_nb(cum[0], t)


def test_search_cum_equal_weights_and_random_targets():
    cum = np.arange(1.0, 11.0)
    assert search_cum_nb(cum, 0.0) == 0
    assert search_cum_nb(cum, 0.999) == 0
    assert search_cum_nb(cum, 1.0) == 1
    assert search_cum_nb(cum, 9.999) == 9
    g = np.random.default_rng(6)
    w = g.random(300) * (g.random(300) < 0.7)
    cum = np.cumsum(w)
    for t in g.random(2000) * cum[-1]:
        assert search_cum_nb(cum, t) == search_cum_ref(cum, t)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_participation_nb_equals_ref_on_model_state(warm_model, k):
    """participation_nb equals its reference: consulted or visited a non-commercial use."""
    res, u = warm_model.world.res, warm_model.world.units
    rng = np.random.default_rng(40 + k)
    noncom = rng.random(u.n) < 0.2  # some units non-commercial
    u_consult = rng.random(res.n).astype(np.float32)
    a = np.zeros(res.n, np.bool_)
    b = np.zeros(res.n, np.bool_)
    engagement.participation_nb(res.venues, noncom, u_consult, 0.1, a)
    engagement.participation_ref(res.venues, noncom, u_consult, 0.1, b)
    np.testing.assert_array_equal(a, b)
    # hand check for one visitor of a non-commercial unit
    visited = (res.venues >= 0).any(axis=1)
    if visited.any():
        i = int(np.flatnonzero(visited)[0])
        j = int(res.venues[i][res.venues[i] >= 0][0])
        noncom2 = np.zeros(u.n, np.bool_)
        noncom2[j] = True
        out = np.zeros(res.n, np.bool_)
        engagement.participation_nb(res.venues, noncom2, np.ones(res.n, np.float32), 0.5, out)
        assert out[i]


def test_unit_meet_rates_nb_equals_ref(warm_model):
    """The meeting chances and non-commercial flags of the units, in one pass, equal the numpy
    expressions, with vacant units, third places, a scale pushing chances past 1, and NaN."""
    from sim.categories import COMMERCIAL, N_CAT

    rng = np.random.default_rng(17)  # test data only
    cats = [warm_model.world.units.category, np.full(5, -1, np.int64)]
    cats += [rng.integers(-1, N_CAT, 300).astype(np.int64) for _ in range(4)]
    for cat in cats:
        for scale, third in ((1.0, 2.0), (40.0, 3.0), (0.0, 1.0), (np.nan, 2.0)):
            got = ties.unit_meet_rates_nb(cat, MEET, THIRD_PLACES, COMMERCIAL, scale, third)
            want = ties.unit_meet_rates_ref(cat, MEET, THIRD_PLACES, COMMERCIAL, scale, third)
            for g_, w_ in zip(got, want, strict=True):
                np.testing.assert_array_equal(g_, w_, strict=True)
    assert (got[0][cat >= 0] != got[0][cat >= 0]).all()  # NaN chances stay NaN


def test_kernels_accept_float32_draws(warm_model):
    """The model passes float32 draws; numba and reference agree on them too."""
    res = warm_model.world.res
    ld, lp = trips.log_distance(res.dist_km), trips.log_distance(res.park_km)
    args = (ld, lp, res.online_prop, res.went, res.tie_id, res.tie_w)
    u = np.random.default_rng(9).random(res.n, dtype=np.float32)
    a = np.zeros(res.n, np.int8)
    b = np.zeros(res.n, np.int8)
    trips.trips_nb(*args, u, 0.5, 0.2, -0.5, 1.0, 1.0, a)
    trips.trips_ref(*args, u, 0.5, 0.2, -0.5, 1.0, 1.0, b)
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- prefetch hint
@njit
def _sum_rows_with_prefetch(idx, a2, a1):
    s = 0.0
    for t in range(idx.shape[0]):
        if t + 2 < idx.shape[0]:
            prefetch_row(a2, idx[t + 2])
            prefetch_row(a1, idx[t + 2])
        s += a2[idx[t], 0] + a1[idx[t]]
    return s


def test_prefetch_row_is_only_a_hint():
    """prefetch_row compiles for 1-D and 2-D (also strided) arrays and changes nothing."""
    g = np.random.default_rng(3)
    a2 = g.random((1000, 4))
    a1 = g.random(1000).astype(np.float32)
    idx = g.integers(0, 1000, 5000).astype(np.int32)
    want = sum(float(a2[i, 0]) + float(a1[i]) for i in idx)
    assert _sum_rows_with_prefetch(idx, a2, a1) == pytest.approx(want, rel=1e-12)
    assert _sum_rows_with_prefetch(idx // 2, a2[::2], a1[::2]) == pytest.approx(
        sum(float(a2[::2][i, 0]) + float(a1[::2][i]) for i in idx // 2), rel=1e-12
    )
    if platform.machine() in ("x86_64", "AMD64"):
        asm = _sum_rows_with_prefetch.inspect_asm(_sum_rows_with_prefetch.signatures[0])
        assert "prefetch" in asm


def _gw_args(m):
    w, u, rp = m.world, m.world.units, m.pars.residents
    log_attract = (
        np.log(np.maximum(np.where(u.category >= 0, 1.0, 0.0) * m._attract_per_m2(), 1e-12))
        + m._log_attract_base
    )
    return [
        w.pref,
        w.indep_taste,
        u.category.copy(),
        u.chain,
        log_attract,
        m._log_walk,
        m._vacant_neighbour_share(),
        rp.walk_b,
        rp.blight,
        rp.huff_a,
        u.quality.copy(),
    ]


def _assert_gw_equal(args):
    got = visits.group_weights(*args)
    want = visits.group_weights_ref(*args)
    for g, r in zip(got, want, strict=True):
        assert g.shape == r.shape and g.dtype == r.dtype
        np.testing.assert_array_equal(g, r, strict=True)


def test_unit_terms_nb_equals_the_numpy_expressions(warm_model):
    """The one-pass unit terms of the venue weights equal the numpy expressions they replace,
    bit for bit, at vacant and occupied units of every category."""
    from sim.categories import ATTRACT, N_CAT, SPEND_W

    rng = np.random.default_rng(12)  # test data only
    cats = [warm_model.world.units.category]
    cats += [rng.integers(-1, N_CAT, 400).astype(np.int64) for _ in range(5)]
    cats += [np.full(7, -1, np.int64), np.arange(N_CAT, dtype=np.int64)]
    for cat in cats:
        pre, spend = visits.unit_terms_nb(cat, ATTRACT, SPEND_W)
        want_pre = np.maximum(np.where(cat >= 0, 1.0, 0.0) * ATTRACT[np.maximum(cat, 0)], 1e-12)
        want_spend = np.where(cat >= 0, SPEND_W[np.maximum(cat, 0)], 0.0)
        np.testing.assert_array_equal(pre, want_pre, strict=True)
        np.testing.assert_array_equal(spend, want_spend, strict=True)
        assert np.all(spend[cat < 0] == 0.0) and np.all(pre[cat < 0] == 1e-12)


def test_centre_attractiveness_with_cached_powers_equals_plain(warm_model):
    """Centre attractiveness from the cached floorspace powers (a numba sum) equals numpy's
    sum over the occupied units, for several exponents and occupancies, none occupied too."""
    from sim.state import centre_attractiveness

    u = warm_model.world.units
    rng = np.random.default_rng(13)  # test data only
    for huff_a in (1.0, 0.7, 1.3, 0.5, 2.0):
        for share_vacant in (0.0, 0.3, 0.9, 1.0):
            v = copy.copy(u)
            v.category = np.where(rng.random(u.n) < share_vacant, -1, u.category)
            pw = u.floorspace**huff_a
            got = centre_attractiveness(v, huff_a, pw)
            want = centre_attractiveness(v, huff_a)
            assert got == want and type(got) is float, (huff_a, share_vacant)
            if share_vacant == 1.0:
                assert got == 0.0


def test_group_weights_equals_ref_for_any_shape():
    """Rows done four at a time (running maxima and sums side by side) give numpy's arrays
    for any number of taste classes and sectors, with NaN, capped and all-vacant rows."""
    g = np.random.default_rng(31)  # test data only
    for trial in range(40):
        n_t, n_s, n_u = int(g.integers(1, 10)), int(g.integers(1, 4)), int(g.integers(1, 60))
        cat = np.where(g.random(n_u) < g.random(), -1, g.integers(0, 5, n_u)).astype(np.int64)
        if trial % 9 == 0:
            cat[:] = -1
        quality = g.normal(0, 3, n_u)
        if trial % 5 == 0:
            quality[g.integers(n_u)] = 80.0  # far above the cap
        if trial % 7 == 0:
            quality[g.integers(n_u)] = np.nan
        args = [
            g.normal(0, 1, (n_t, 5)),
            g.normal(0, 1, n_t),
            cat,
            g.random(n_u) < 0.4,
            g.normal(0, 1, n_u),
            g.normal(0, 1, (n_s, n_u)),
            g.random(n_u),
            1.3,
            0.8,
            1.0,
            quality,
        ]
        _assert_gw_equal(args)


def test_group_weights_equals_ref_on_model_state(warm_model):
    """The numba shift and running sums give exactly numpy's arrays (bit for bit)."""
    args = _gw_args(warm_model)
    _assert_gw_equal(args)
    rng = np.random.default_rng(8)  # test data only
    for _ in range(5):  # other occupancies and utilities, one unit far above the cap
        a = list(args)
        a[2] = np.where(rng.random(a[2].size) < 0.4, -1, a[2]).astype(a[2].dtype)
        a[10] = rng.normal(0, 3, a[10].size)
        a[10][rng.integers(a[10].size)] = 80.0
        _assert_gw_equal(a)
    a = list(args)
    a[2] = np.full_like(a[2], -1)  # nothing open: no shift, all weights 0
    _assert_gw_equal(a)
    a = list(args)
    a[10] = a[10].copy()
    a[10][3] = np.nan  # a NaN utility: NaN rows as numpy gives them
    a[2] = a[2].copy()
    a[2][3] = max(int(a[2][3]), 0)
    _assert_gw_equal(a)


def test_group_weights_no_units():
    args = [
        np.zeros((3, 4)),
        np.zeros(3),
        np.zeros(0, np.int8),
        np.zeros(0, np.bool_),
        np.zeros(0),
        np.zeros((2, 0)),
        np.zeros(0),
        1.0,
        1.0,
        1.0,
        np.zeros(0),
    ]
    _assert_gw_equal(args)
    w, cum, tot = visits.group_weights(*args)
    assert w.shape == (6, 0) and tot.shape == (6,) and not tot.any()


@pytest.mark.parametrize("target", [0.01, 0.2, 0.95])
def test_online_constant_pre_nb_equals_online_constant_nb(warm_model, target):
    """The calibration with its week-invariant terms precomputed gives the same constant."""
    args = online_constant_args(warm_model, target)
    (sample, log_dc, log_dp, prop, went, tie_id, tie_w, budget, kappa, cref, pref, bd, bf, t) = args
    ep, eo = trips.online_fixed_terms_nb(sample, log_dp, prop, pref, bd)
    a = trips.online_constant_pre_nb(
        sample, log_dc, went, tie_id, tie_w, budget, kappa, ep, eo, cref, bd, bf, t
    )
    assert a == trips.online_constant_nb(*args)


def test_friend_pulls_feed_the_trip_kernel_and_the_calibration(warm_model):
    """The week's friend pulls, computed once (friend_pulls_nb), equal the reference pull of
    every resident, and the kernels that read them give what the kernels computing the pulls
    themselves give: the same choices and the same online constant, bit for bit."""
    m = warm_model
    res = m.world.res
    pull = np.empty(res.n)
    trips.friend_pulls_nb(res.tie_id, res.tie_w, res.went, pull)
    for i in range(res.n):
        row = zip(res.tie_id[i], res.tie_w[i], strict=True)
        ws = [(int(f), float(w)) for f, w in row if f >= 0]
        wsum = sum(w for _, w in ws)
        want = sum(w for f, w in ws if res.went[f]) / wsum if wsum > 0 else 0.0
        assert pull[i] == pytest.approx(want, rel=1e-12, abs=0.0)
    assert 0.0 < pull.max() <= 1.0 and pull.min() >= 0.0
    args = trips_inputs(m, 2)
    a, b = np.zeros(res.n, np.int8), np.zeros(res.n, np.int8)
    trips.trips_nb(*args, a)
    trips.trips_pull_nb(*args[:3], pull, *args[6:], b)
    np.testing.assert_array_equal(a, b)
    for target in (0.02, 0.3):
        oa = online_constant_args(m, target)
        sample, log_dc, log_dp, prop = oa[:4]
        budget, kappa, cref, pref, bd, bf, t = oa[7:]
        ep, eo = trips.online_fixed_terms_nb(sample, log_dp, prop, pref, bd)
        got = trips.online_constant_pull_nb(
            sample, log_dc, pull, budget, kappa, ep, eo, cref, bd, bf, t
        )
        assert got == trips.online_constant_nb(*oa)
    d = {key: float(v[min(m.week, m.n_weeks - 1)]) for key, v in m.driver_table.items()}
    gw, _, tot, spend_w = m.visit_weights(m.pars)
    assert m.trip_utilities(m.pars, d, gw, tot, spend_w) == m.trip_utilities(
        m.pars, d, gw, tot, spend_w, pull.copy()
    )


def test_model_online_terms_cached_and_refreshed(make_model):
    m = make_model(seed=3, steps=2)
    log_dp = m._log_distances()[1]
    ep, eo = m._online_fixed_terms(log_dp, 0.5, 0.7)
    assert m._online_fixed_terms(log_dp, 0.5, 0.7)[0] is ep  # cached
    ep2, _ = m._online_fixed_terms(log_dp, 0.6, 0.7)  # a new parameter: recomputed
    assert ep2 is not ep
    want = trips.online_fixed_terms_nb(m._online_sample, log_dp, m.world.res.online_prop, 0.6, 0.7)
    np.testing.assert_array_equal(ep2, want[0])


def test_vacant_neighbour_share_nb_equals_ref(warm_model, make_model):
    for m in (warm_model, make_model(seed=5, steps=3, town="grid")):
        np.testing.assert_array_equal(
            m._vacant_neighbour_share(), m._vacant_neighbour_share_ref(), strict=True
        )
        cat = m.world.units.category
        saved = cat.copy()
        try:
            rng = np.random.default_rng(2)  # test data only
            for p in (0.0, 0.3, 1.0):
                cat[:] = np.where(rng.random(cat.size) < p, -1, np.maximum(saved, 0))
                np.testing.assert_array_equal(
                    m._vacant_neighbour_share(), m._vacant_neighbour_share_ref(), strict=True
                )
        finally:
            cat[:] = saved


# ----------------------------------------------------------------------------- numpy's sum
def test_pairwise_sum_is_numpys_sum_bit_for_bit():
    """npsum.pairwise_sum_nb gives np.sum's float64 bits (pairwise order, identity 0.0)."""
    from sim.npsum import pairwise_sum_nb, pairwise_sum_ref

    rng = np.random.default_rng(5)
    lengths = [*range(0, 400), 511, 512, 513, 1000, 1024, 1031, 4096, 4099, 10_007]
    for n in lengths:
        for _ in range(4):
            a = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)
            got = np.float64(pairwise_sum_nb(a))
            assert got.tobytes() == np.float64(pairwise_sum_ref(a)).tobytes(), n
            assert got.tobytes() == np.sum(a).tobytes(), n
    for a in (
        np.array([-0.0]),
        np.full(3, -0.0),
        np.full(9, -0.0),
        np.full(200, -0.0),
        np.array([np.inf, 1.0, -2.0]),
        np.array([np.inf] * 9 + [-np.inf]),
        np.array([1.0, np.nan] * 20),
        np.zeros(0),
    ):
        assert np.float64(pairwise_sum_nb(a)).tobytes() == np.sum(a).tobytes() or (
            np.isnan(pairwise_sum_nb(a)) and np.isnan(np.sum(a))
        )


def test_entrant_look_kernel_equals_reference():
    """entrants._look_nb: the unit an applicant picks, its rent, costs and ratio, bit for bit
    those of the numpy code applicants ran before (_look_ref)."""
    import dataclasses

    from sim.categories import CAT, COMMERCIAL, FIXED_PER_M2, MARGIN, N_CAT, RETAIL_USE
    from sim.params import Params
    from sim.rules.entrants import _look_nb, _look_ref

    rng = np.random.default_rng(13)
    base = Params()
    for trial in range(600):
        n = int(rng.integers(1, 60))
        pars = dataclasses.replace(
            base,
            council=dataclasses.replace(
                base.council,
                planning_flex=float(rng.random()),
                sbr_threshold=float(rng.uniform(0, 4e4)),
            ),
            town_team=dataclasses.replace(base.town_team, enabled=bool(trial % 2)),
        )
        vacant = np.sort(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
        retail_class = rng.random(n) < 0.6
        rateable = rng.random(n) * 4e4
        floorspace = rng.random(n) * 600
        loc = rng.uniform(0.5, 1.5, n)
        ask = rng.random(n) * 2e3
        if trial % 7 == 0:  # equal costs: the first of equals
            rateable[:], floorspace[:], loc[:], ask[:] = 1e4, 100.0, 1.0, 500.0
        c = int(rng.integers(0, N_CAT))
        if trial % 5 == 0:
            c = CAT["voluntary"]
        meanwhile = bool(rng.random() < 0.5)
        subsidy = float(rng.choice([0.0, 0.5]))
        d = rng.random(8)
        per_m2, optimism = float(rng.random() * 50), float(np.exp(rng.standard_normal()))
        com_c = bool(COMMERCIAL[c])
        cp = pars.council
        got = _look_nb(
            d, vacant, retail_class, rateable, floorspace, loc, ask, c, bool(RETAIL_USE[c]),
            cp.planning_flex, pars.landlords.meanwhile_rent if meanwhile else 1.0,
            cp.rates_multiplier, cp.sbr_threshold, cp.small_business_relief,
            cp.community_relief, c == CAT["charity"] or not com_c, float(FIXED_PER_M2[c]),
            pars.occupiers.fixed_scale, bool(pars.town_team.enabled and com_c),
            pars.town_team.levy, com_c, per_m2, optimism, float(MARGIN[c]), subsidy,
        )  # fmt: skip
        want = _look_ref(
            d, vacant, retail_class, rateable, floorspace, loc, ask, c, pars, meanwhile,
            per_m2, optimism, subsidy,
        )  # fmt: skip
        assert got[:2] == want[:2]
        assert np.array(got[2:]).tobytes() == np.array(want[2:]).tobytes()


def test_signal_sums_kernel_equals_reference():
    """entrants._signal_sums_nb: the commercial floorspace and revenue sums and their
    bincounts by category, bit for bit those of the numpy code (_signal_sums_ref)."""
    from sim.categories import COMMERCIAL, N_CAT
    from sim.rules.entrants import _signal_sums_nb, _signal_sums_ref

    rng = np.random.default_rng(14)
    for n in (0, 1, 8, 9, 130, 298, 1000):
        for _ in range(10):
            args = (
                rng.integers(-1, N_CAT, n).astype(np.int16),
                COMMERCIAL,
                rng.random(n) * 600,
                rng.random(n) * 3e4 * (rng.random(n) < 0.9),
                N_CAT,
            )
            got, want = _signal_sums_nb(*args), _signal_sums_ref(*args)
            assert np.array(got[:2]).tobytes() == np.array(want[:2]).tobytes()
            assert got[2].tobytes() == want[2].tobytes() and got[3].tobytes() == want[3].tobytes()


def test_renewal_rents_kernel_equals_reference():
    """landlords._renewal_rents_nb: the renewal rents of the numpy code, bit for bit."""
    from sim.rules.landlords import _renewal_rents_nb, _renewal_rents_ref

    rng = np.random.default_rng(15)
    for n in (0, 1, 298, 700):
        for _ in range(10):
            args = (
                rng.integers(0, 4, n).astype(np.int8),
                rng.random(n) * 2e3 * (rng.random(n) < 0.9),
                rng.random(n) * 600,
                rng.uniform(0.5, 1.5, n),
                float(rng.uniform(5, 30)),
                float(rng.uniform(0.5, 1.5)),
                float(rng.random()),
                float(rng.random()),
            )
            assert _renewal_rents_nb(*args).tobytes() == _renewal_rents_ref(*args).tobytes()


def test_empty_rates_kernel_equals_reference():
    """landlords._empty_rates_nb: the empty-property rates of the numpy code, bit for bit."""
    from sim.rules.landlords import _empty_rates_nb, _empty_rates_ref

    rng = np.random.default_rng(16)
    for n in (0, 1, 298, 700):
        for _ in range(10):
            args = (
                rng.integers(-1, 10, n).astype(np.int16),
                rng.integers(-80, 300, n).astype(np.int32),
                rng.integers(0, 4, n).astype(np.int8),
                rng.random(n) * 4e4,
                int(rng.integers(0, 300)),
                int(rng.integers(0, 30)),
                float(rng.uniform(0, 1.5)),
                float(rng.uniform(0, 3)),
            )
            assert _empty_rates_nb(*args).tobytes() == _empty_rates_ref(*args).tobytes()


def test_np_maximum_and_minimum_nb_equal_numpy():
    """The scalar maximum and minimum of the kernels give numpy's value, NaN included."""
    from sim.npsum import np_maximum_nb, np_minimum_nb

    vals = [-2.0, -0.0, 0.0, 1.0, 1.0 + 1e-16, 3.5, np.inf, -np.inf, np.nan]
    for a in vals:
        for b in vals:
            for got, want in (
                (np_maximum_nb(a, b), np.maximum(a, b)),
                (np_minimum_nb(a, b), np.minimum(a, b)),
            ):
                assert (got == want) or (np.isnan(got) and np.isnan(want)), (a, b, got, want)


def test_per_params_builds_once_per_params_object():
    """A per_params function runs once per Params object and again for a new one."""
    from sim.params import Params, per_params

    calls = []

    @per_params
    def build(pars):
        calls.append(pars)
        return (pars.occupiers.exit_hazard,)

    p1, p2 = Params(), Params()
    assert build(p1) == build(p1) == (p1.occupiers.exit_hazard,)
    assert len(calls) == 1
    build(p2)
    build(p1)
    assert calls == [p1, p2, p1]
