"""The resident-scale numba kernels against their plain references, within rounding, and their
choice frequencies against the logit probabilities (statistical tests).

Realistic inputs come from a small model after a few weeks (ties and venues populated); the
draws come from numpy generators (tests may create them). Each kernel and its reference run
on separate copies of every output array. Integer results (choices, venues, tie ids) must
agree except where a draw falls within rounding of a boundary (never, in practice, for these
seeds); float results agree to a relative tolerance of 1e-9.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from numba import njit
from scipy import stats

from sim import resident_metrics
from sim.logit import guide_tables_nb, logit_shares, pick_logit3_nb, search_guided_nb
from sim.prefetch import prefetch_row
from sim.rules import engagement, ties, trips, visits
from sim.streams import Streams

SEEDS = (0, 1, 2)
RTOL = 1e-9


# ----------------------------------------------------------------------------- helpers
def _tie_pairs(tie_id: np.ndarray, tie_w: np.ndarray) -> dict[tuple[int, int], float]:
    out = {}
    for i, c in zip(*np.nonzero(tie_id >= 0), strict=True):
        out[(int(i), int(tie_id[i, c]))] = float(tie_w[i, c])
    return out


def assert_ties_symmetric(tie_id: np.ndarray, tie_w: np.ndarray) -> None:
    """Every (i, j) tie is held by j as (j, i) with the same strength; no duplicates or
    self-ties; empty slots have strength 0."""
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


def week_weights(m):
    """This week's venue weights of a model (``world.now``), as the step computes them."""
    visits.group_weights(m.world, m.pars)
    return m.world.now


def pulls(m) -> np.ndarray:
    res = m.world.res
    out = np.empty(res.n)
    trips.friend_pulls_nb(res.tie_id, res.tie_w, res.went, out)
    return out


def trips_args(m, k: int, utilities=(0.4, 1.1, 0.2)):
    """Centre and park utilities and the online share, then the betas."""
    res, d, rp = m.world.res, m.world.d, m.pars.residents
    u = np.random.default_rng(k).random(res.n, dtype=np.float32)
    return (d.log_dc, d.log_dp, res.online_prop, pulls(m), u, *utilities, rp.beta_dist, 2.0)


def visits_args(m, k: int, spend_mult: float = 0.97):
    w, rp = m.world, m.pars.residents
    now = week_weights(m)
    res = w.res
    draws = np.random.default_rng(k).random(res.venues.shape, dtype=np.float32)
    return (
        res.choice.copy(),
        w.d.group,
        res.budget.copy(),
        res.venues.copy(),  # last week's venues
        res.tie_id.copy(),
        now.weights,
        now.spend_w,
        now.online_w,
        rp.beta_friend_venue,
        draws,
        spend_mult,
        w.weight,
        0.8,
    )


def run_visits(kernel, args, shape, n_units):
    venues = np.full(shape, -7, np.int32)
    revenue, nvis, out = np.zeros(n_units), np.zeros(n_units), np.zeros(6)
    kernel(*args, venues, revenue, nvis, out)
    return venues, revenue, nvis, out


# ----------------------------------------------------------------------------- trips
def test_friend_pulls_are_strength_weighted_shares(warm_model):
    res = warm_model.world.res
    got = pulls(warm_model)
    valid = res.tie_id >= 0
    w = np.where(valid, res.tie_w, 0.0).astype(np.float64)
    went = np.where(valid, res.went[np.maximum(res.tie_id, 0)], False)
    total = w.sum(axis=1)
    want = np.divide((w * went).sum(axis=1), total, out=np.zeros(res.n), where=total > 0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.max() > 0  # some friends went


@pytest.mark.parametrize("k", SEEDS)
def test_trips_nb_equals_ref_on_model_state(warm_model, k):
    args = trips_args(warm_model, k)
    a = np.full(warm_model.world.res.n, -1, np.int8)
    b = a.copy()
    trips.trips_nb(*args, a)
    trips.trips_ref(*args, b)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0, 1, 2}


@pytest.mark.parametrize(
    ("utilities", "expected"),
    [((50.0, -1e9, 0.0), 1), ((-1e9, 50.0, 0.0), 2), ((-1e9, -1e9, 0.0), 0)],
)
def test_trips_single_dominant_alternative(warm_model, utilities, expected):
    args = trips_args(warm_model, 0, utilities)
    out = np.zeros(warm_model.world.res.n, np.int8)
    trips.trips_nb(*args, out)
    assert np.all(out == expected)


def test_trips_frequencies_match_logit():
    """One resident type, 200,000 draws: choice counts pass a chi-square test against the
    logit probabilities, with the resident's online propensity times the online share taken
    off the centre."""
    n = 200_000
    z = np.zeros(n)
    prop = np.full(n, 2.0)
    u = np.random.default_rng(5).random(n, dtype=np.float32)
    centre, park, online, beta = 0.5, -0.2, 0.25, 1.0
    out = np.empty(n, np.int8)
    trips.trips_nb(z, z, prop, z, u, centre, park, online, beta, 1.0, out)
    p = logit_shares(np.array([0.0, centre - 2.0 * 0.25, park]))
    chi = stats.chisquare(np.bincount(out, minlength=3), p * n)
    assert chi.pvalue > 1e-3


# ----------------------------------------------------------------------------- visits
@pytest.mark.parametrize("k", SEEDS)
def test_visits_nb_equals_ref_on_model_state(warm_model, k):
    args = visits_args(warm_model, k)
    res, n_units = warm_model.world.res, warm_model.world.units.n
    a = run_visits(visits.visits_nb, args, res.venues.shape, n_units)
    b = run_visits(visits.visits_ref, args, res.venues.shape, n_units)
    np.testing.assert_array_equal(a[0], b[0])
    for x, y in zip(a[1:], b[1:], strict=True):
        np.testing.assert_allclose(x, y, rtol=RTOL)
    assert np.count_nonzero(a[0] >= 0) > 0


def test_visits_nb_equals_ref_all_at_the_centre(warm_model):
    args = list(visits_args(warm_model, 9))
    args[0] = np.full_like(args[0], trips.CENTRE)
    res, n_units = warm_model.world.res, warm_model.world.units.n
    a = run_visits(visits.visits_nb, tuple(args), res.venues.shape, n_units)
    b = run_visits(visits.visits_ref, tuple(args), res.venues.shape, n_units)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[3], b[3], rtol=RTOL)


def test_visits_account_for_every_pound(warm_model):
    """budget = spend + kept; spend = revenue + park + online; revenue by unit sums to it;
    expected visits add up to K per centre visitor with an open venue."""
    args = visits_args(warm_model, 4)
    res, n_units = warm_model.world.res, warm_model.world.units.n
    _, revenue, _, out = run_visits(visits.visits_nb, args, res.venues.shape, n_units)
    budget, spend, kept, rev, park, online = out
    assert budget == pytest.approx(spend + kept, rel=1e-12)
    assert spend == pytest.approx(rev + park + online, rel=1e-12)
    assert revenue.sum() == pytest.approx(rev, rel=1e-12)
    assert online > 0  # goods bought online


def test_visits_frequencies_match_logit_probabilities(warm_model):
    """Visitors without ties: venue counts of one visit group pass a chi-square test against
    the group's weights."""
    m = warm_model
    now = week_weights(m)
    g = int(np.argmax(now.weights.sum(axis=1)))
    n, K = 20_000, 2
    choice = np.full(n, trips.CENTRE, np.int8)
    group = np.full(n, g, np.int64)
    draws = np.random.default_rng(1).random((n, K), dtype=np.float32)
    args = (
        choice,
        group,
        np.full(n, 100.0),
        np.full((n, K), -1, np.int32),
        np.full((n, 1), -1, np.int32),
        now.weights,
        now.spend_w,
        now.online_w,
        0.5,
        draws,
        1.0,
        1.0,
        1.0,
    )
    venues, *_ = run_visits(visits.visits_nb, args, (n, K), m.world.units.n)
    counts = np.bincount(venues.ravel(), minlength=m.world.units.n)
    p = now.weights[g] / now.weights[g].sum()
    keep = p * n * K >= 5  # chi-square cells with enough expected visits
    expected = p[keep] * n * K
    observed = counts[keep]
    expected *= observed.sum() / expected.sum()
    assert counts[p == 0].sum() == 0  # never a vacant unit
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_expected_revenue_equals_the_mean_of_sampled_spending(warm_model):
    """The venues' revenue is the expectation of what the sampled visits would spend: over
    many draws of the venues, the mean sampled spend per unit converges to it."""
    m = warm_model
    args = list(visits_args(m, 0))
    res, n_units = m.world.res, m.world.units.n
    K = res.venues.shape[1]
    expected = run_visits(visits.visits_nb, tuple(args), res.venues.shape, n_units)[1]
    spend_c, budget = args[6], args[2] * args[10]
    total = np.zeros(n_units)
    n = 200
    for k in range(n):
        args[9] = np.random.default_rng(100 + k).random(res.venues.shape, dtype=np.float32)
        venues = run_visits(visits.visits_nb, tuple(args), res.venues.shape, n_units)[0]
        for kk in range(K):
            ok = venues[:, kk] >= 0
            j = venues[ok, kk]
            np.add.at(total, j, budget[ok] / K * spend_c[j] * m.world.weight)
    big = expected > np.quantile(expected, 0.5)
    rel = np.abs(total[big] / n - expected[big]) / expected[big]
    assert np.median(rel) < 0.04 and rel.max() < 0.25  # sampling error of 200 draws
    assert abs(total.sum() / n - expected.sum()) / expected.sum() < 0.01


# ----------------------------------------------------------------------------- ties
def ties_args(m, k):
    res, tp = m.world.res, m.pars.ties
    g = np.random.default_rng(k)
    shape = res.venues.shape
    return (
        res.venues.copy(),
        m.world.units.n,
        ties.meet_rates(m.world.units.category, m.pars),
        g.random(shape, dtype=np.float32),
        g.random(shape, dtype=np.float32),
        res.tie_id.copy(),
        res.tie_w.copy(),
        tp.decay,
        tp.drop_below,
        tp.new_strength,
        tp.strengthen,
    )


@pytest.mark.parametrize("k", SEEDS)
def test_ties_nb_equals_ref_on_model_state(warm_model, k):
    args = ties_args(warm_model, k)
    a, b = copy.deepcopy(args), copy.deepcopy(args)
    ra = ties.ties_nb(*a)
    rb = ties.ties_ref(*b)
    assert ra == rb and ra[0] > 0
    np.testing.assert_array_equal(a[5], b[5])
    np.testing.assert_array_equal(a[6], b[6])
    assert_ties_symmetric(a[5], a[6])


def test_ties_nb_equals_ref_crowded_small_capacity(warm_model):
    """Capacity 2 and every visitor meeting: evictions of the weakest tie everywhere."""
    args = list(ties_args(warm_model, 5))
    args[2] = np.ones_like(args[2])
    args[5] = np.full((args[0].shape[0], 2), -1, np.int32)
    args[6] = np.zeros((args[0].shape[0], 2), np.float32)
    for _ in range(3):
        a, b = copy.deepcopy(args), copy.deepcopy(args)
        assert ties.ties_nb(*a) == ties.ties_ref(*b)
        np.testing.assert_array_equal(a[5], b[5])
        np.testing.assert_array_equal(a[6], b[6])
        assert_ties_symmetric(a[5], a[6])
        args[5], args[6] = a[5], a[6]
        args[3] = np.random.default_rng(len(args)).random(args[3].shape, dtype=np.float32)


def test_add_tie_full_resident_evicts_weakest():
    tie_id = np.array([[1, 2], [0, -1], [0, -1], [-1, -1]], np.int32)
    tie_w = np.array([[0.5, 0.1], [0.5, 0], [0.1, 0], [0, 0]], np.float32)
    assert ties.add_tie_nb(tie_id, tie_w, 0, 3, 0.2, 0.15) == 1
    assert sorted(tie_id[0].tolist()) == [1, 3]
    assert tie_id[2].tolist() == [-1, -1]  # 2 lost its tie to 0 at both ends
    assert_ties_symmetric(tie_id, tie_w)


def test_add_tie_full_and_all_strong_forms_no_tie():
    tie_id = np.array([[1, 2], [0, -1], [0, -1], [-1, -1]], np.int32)
    tie_w = np.array([[0.5, 0.5], [0.5, 0], [0.5, 0], [0, 0]], np.float32)
    before = tie_id.copy()
    assert ties.add_tie_nb(tie_id, tie_w, 0, 3, 0.2, 0.15) == 0
    np.testing.assert_array_equal(tie_id, before)


def test_ties_decay_drops_weak_ties_symmetrically():
    tie_id = np.array([[1], [0]], np.int32)
    tie_w = np.array([[0.06], [0.06]], np.float32)
    venues = np.full((2, 1), -1, np.int32)
    u = np.ones((2, 1), np.float32)
    ties.ties_nb(venues, 1, np.zeros(1), u, u, tie_id, tie_w, 0.5, 0.05, 0.2, 0.15)
    assert tie_id.tolist() == [[-1], [-1]] and tie_w.tolist() == [[0.0], [0.0]]


def test_ties_symmetric_after_model_run(make_model):
    m = make_model(seed=3, steps=20)
    assert_ties_symmetric(m.world.res.tie_id, m.world.res.tie_w)


# ----------------------------------------------------------------------------- engagement
@pytest.mark.parametrize("k", SEEDS)
def test_engagement_nb_equals_ref_on_model_state(warm_model, k):
    m = warm_model
    res, u, ep = m.world.res, m.world.units, m.pars.engagement
    noncom = (u.category >= 0) & (u.category >= 7)  # community and later codes (test only)
    draws = np.random.default_rng(k).random(res.n, dtype=np.float32)
    outs = []
    for kernel in (engagement.engagement_nb, engagement.engagement_ref):
        part, eng = np.zeros(res.n, np.bool_), res.engagement.copy()
        kernel(
            res.venues, noncom, draws, 0.3, res.tie_w, ep.rise_ties, ep.rise_participation,
            ep.decay, part, eng,
        )  # fmt: skip
        outs.append((part, eng))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=RTOL)
    assert 0 < outs[0][0].mean() < 1


@pytest.mark.parametrize(("rise_ties", "rise_part", "decay"), [(1, 1, 0), (0, 0, 1), (1, 1, 1)])
def test_engagement_stays_in_unit_interval(rise_ties, rise_part, decay):
    n = 50
    venues = np.full((n, 2), -1, np.int32)
    tie_w = np.ones((n, 4), np.float32)
    eng = np.linspace(0, 1, n)
    part = np.zeros(n, np.bool_)
    u = np.zeros(n, np.float32)
    engagement.engagement_nb(
        venues, np.zeros(1, np.bool_), u, 1.0, tie_w, rise_ties, rise_part, decay, part, eng
    )
    assert np.all((eng >= 0) & (eng <= 1)) and part.all()


def test_engagement_rises_with_participation_and_decays_without():
    venues = np.array([[0, -1], [1, -1]], np.int32)
    noncom = np.array([True, False])
    tie_w = np.zeros((2, 4), np.float32)
    eng = np.array([0.5, 0.5])
    part = np.zeros(2, np.bool_)
    u = np.ones(2, np.float32)  # nobody consulted
    engagement.engagement_nb(venues, noncom, u, 0.0, tie_w, 0.0, 0.1, 0.02, part, eng)
    assert part.tolist() == [True, False]
    # 0.5 + 0.1 * 0.5 - 0.02 * 0.5 = 0.54; 0.5 - 0.01 = 0.49
    np.testing.assert_allclose(eng, [0.54, 0.49])


# ----------------------------------------------------------------------------- choice maths
def test_pick_logit3_frequencies_match_softmax():
    v = np.array([0.0, 0.7, -0.4])
    u = np.random.default_rng(2).random(100_000)
    picks = np.array([pick_logit3_nb(*v, x) for x in u])
    chi = stats.chisquare(np.bincount(picks, minlength=3), logit_shares(v) * u.size)
    assert chi.pvalue > 1e-3


def test_pick_logit3_edges():
    assert pick_logit3_nb(0.0, 0.0, 0.0, 0.0) == 0
    assert pick_logit3_nb(0.0, 0.0, 0.0, 0.3333) == 0
    assert pick_logit3_nb(0.0, 0.0, 0.0, 0.3334) == 1
    assert pick_logit3_nb(0.0, 0.0, 0.0, float(np.nextafter(1.0, 0.0))) == 2
    assert pick_logit3_nb(-np.inf, 0.0, -np.inf, 0.0) == 1


def test_search_guided_equals_searchsorted():
    g = np.random.default_rng(4)
    for n in (1, 2, 7, 300):
        w = g.random((3, n)) * (g.random((3, n)) > 0.3)
        cum = np.cumsum(w, axis=1)
        tot = cum[:, -1].copy()
        guide, width, scale = guide_tables_nb(cum, tot)
        for r in range(3):
            for t in np.concatenate([g.random(200) * tot[r], cum[r], [0.0, -1.0]]):
                want = min(int(np.searchsorted(cum[r], t, side="right")), n - 1)
                got = search_guided_nb(cum[r], guide[r], width[r], scale[r], t)
                assert got == want, (n, r, t)


@njit
def _sum_rows_with_prefetch(idx, a2, a1):
    s = 0.0
    for k in range(idx.shape[0]):
        prefetch_row(a2, idx[k])
        prefetch_row(a1, idx[k])
        s += a2[idx[k], 0] + a1[idx[k]]
    return s


def test_prefetch_row_is_only_a_hint():
    a2 = np.arange(20.0).reshape(10, 2)
    a1 = np.arange(10.0)
    idx = np.array([3, 9, 0, 9])
    assert _sum_rows_with_prefetch(idx, a2, a1) == sum(a2[i, 0] + a1[i] for i in idx)


# ----------------------------------------------------------------------------- measures
def test_tie_summary_equals_ref(warm_model):
    res = warm_model.world.res
    sample = np.random.default_rng(0).choice(res.n, 100, replace=False)
    got = resident_metrics.tie_summary(res.tie_id, res.tie_w, res.zone, sample)
    want = resident_metrics.tie_summary_ref(res.tie_id, res.tie_w, res.zone, sample)
    np.testing.assert_allclose(list(got.values()), want, rtol=1e-6)
    assert got["mean_ties"] > 0


def test_access_share_equals_ref(warm_model):
    res, town = warm_model.world.res, warm_model.world.town
    has = warm_model.world.units.category == 0
    args = (res.x, res.y, np.ones(res.n), town.x, town.y, has, 800.0)
    assert resident_metrics.access_share(*args) == pytest.approx(
        resident_metrics.access_share_ref(*args), rel=1e-12
    )


def test_kernels_run_on_a_model_week(make_model):
    """The model's own week uses these kernels: a step moves residents, ties and engagement."""
    m = make_model(seed=11, steps=2)
    before = m.world.res.engagement.copy()
    m.step()
    assert not np.array_equal(before, m.world.res.engagement)
    assert isinstance(Streams(1, 0)["trips"], np.random.Generator)
