"""Tests of sim.metrics and sim.resident_metrics: hand-computed cases, degenerate inputs,
kernel == reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import metrics as m
from sim import resident_metrics as rm
from sim.categories import CHAIN_TEMPLATE, N_CAT, VACANT

SIZES = (0, 1, 2, 5, 37, 200)


def path_adjacency(n: int) -> np.ndarray:
    """Dense adjacency of a street of n units in a row: 0-1-2-...-(n-1)."""
    a = np.zeros((n, n), dtype=np.int8)
    for i in range(n - 1):
        a[i, i + 1] = a[i + 1, i] = 1
    return a


def random_ties(rng: np.random.Generator, r: int, c: int, fill: float = 0.6) -> np.ndarray:
    """Random (not necessarily symmetric) tie_id array with -1 gaps and some repeats."""
    if r == 0:
        return np.full((0, c), -1, dtype=np.int32)
    t = rng.integers(0, r, size=(r, c)).astype(np.int32)
    t[rng.random((r, c)) > fill] = -1
    return t


def symmetric_ties(edges: list[tuple[int, int, float]], r: int, c: int):
    """tie_id, tie_w arrays holding each undirected edge from both ends."""
    tie_id = np.full((r, c), -1, dtype=np.int32)
    tie_w = np.zeros((r, c), dtype=np.float32)
    fill = [0] * r
    for i, j, w in edges:
        for a, b in ((i, j), (j, i)):
            tie_id[a, fill[a]] = b
            tie_w[a, fill[a]] = w
            fill[a] += 1
    return tie_id, tie_w


# --------------------------------------------------------------------------- diversity


def test_shannon_hand():
    # p = (1/2, 1/2): H = -2 * (1/2) ln(1/2) = ln 2
    assert m.shannon([1, 1]) == pytest.approx(math.log(2))
    # zeros are ignored: same as [1, 1]
    assert m.shannon([0, 3, 0, 3]) == pytest.approx(math.log(2))
    # p = (1/4, 3/4): H = -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.5623351446
    assert m.shannon([1, 3]) == pytest.approx(0.5623351446188083)
    assert m.shannon([5]) == 0.0


def test_simpson_hand():
    # p = (1/2, 1/2): 1 - (1/4 + 1/4) = 0.5
    assert m.simpson([2, 2]) == pytest.approx(0.5)
    # p = (1/4, 3/4): 1 - (1/16 + 9/16) = 6/16 = 0.375
    assert m.simpson([1, 3]) == pytest.approx(0.375)
    assert m.simpson([7]) == 0.0


def test_richness_evenness_hand():
    assert m.richness([0, 2, 0, 1]) == 2
    # equal counts over 3 categories: H = ln 3, J = ln 3 / ln 3 = 1
    assert m.evenness([4, 4, 4, 0]) == pytest.approx(1.0)
    # [1, 3]: J = 0.5623351446 / ln 2 = 0.8112781245
    assert m.evenness([1, 3]) == pytest.approx(0.5623351446188083 / math.log(2))
    assert m.evenness([9, 0]) == 0.0  # S = 1


@pytest.mark.parametrize("counts", [[], [0, 0, 0], np.zeros(N_CAT)])
def test_diversity_degenerate(counts):
    for f in (m.shannon, m.simpson, m.evenness):
        v = f(counts)
        assert v == 0.0 and math.isfinite(v)
    assert m.richness(counts) == 0


def test_negative_counts_rejected():
    with pytest.raises(ValueError):
        m.shannon([1, -1])


def test_clone_town_index_hand():
    # T=10, I=20, C=30, N=50: (5*10 + 50*20 + 5*30)/50 = (50 + 1000 + 150)/50 = 24.0
    cti = m.clone_town_index(10, 20, 30)
    assert cti == pytest.approx(24.0)
    assert m.clone_town_class(cti) == "clone"
    # all independents, 25 types, N=50: (125 + 2500 + 0)/50 = 52.5 -> home
    assert m.clone_town_index(25, 50, 0) == pytest.approx(52.5)
    assert m.clone_town_class(52.5) == "home"
    assert m.clone_town_index(3, 0, 0) == 0.0  # N == 0


@pytest.mark.parametrize(
    ("cti", "cls"),
    [(0.0, "clone"), (24.99, "clone"), (25.0, "border"), (30.0, "border"), (35.0, "border")]
    + [(35.01, "home"), (100.0, "home")],
)
def test_clone_town_class_bounds(cti, cls):
    assert m.clone_town_class(cti) == cls


@given(
    t=st.integers(0, 25),
    i=st.integers(0, 200),
    c=st.integers(0, 200),
)
@settings(max_examples=50, deadline=None)
def test_clone_town_identity(t, i, c):
    # CTI = 5 + 45 I/N + 5 T/N  (DATA.md), since 5 C = 5 (N - I)
    n = i + c
    if n == 0:
        assert m.clone_town_index(t, i, c) == 0.0
    else:
        assert m.clone_town_index(t, i, c) == pytest.approx(5 + 45 * i / n + 5 * t / n)


def test_category_counts():
    cat = np.array([0, 0, VACANT, 3, 11, VACANT, 3, 3])
    counts = m.category_counts(cat)
    assert counts.dtype == np.int64 and counts.shape == (N_CAT,)
    expected = np.zeros(N_CAT, dtype=np.int64)
    expected[[0, 3, 11]] = [2, 3, 1]
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_array_equal(m.category_counts(np.array([], dtype=int)), np.zeros(N_CAT))
    np.testing.assert_array_equal(m.category_counts([VACANT, VACANT], n_cat=3), [0, 0, 0])
    with pytest.raises(ValueError):
        m.category_counts([N_CAT])


def test_template_distance_hand():
    # the template itself (scaled): distance 0
    assert m.template_distance(CHAIN_TEMPLATE * 100) == pytest.approx(0.0, abs=1e-12)
    # all units in categories the template lacks (charity, 6): no overlap, distance 1
    c = np.zeros(N_CAT)
    c[6] = 5
    assert m.template_distance(c) == pytest.approx(1.0)
    # template (0.5, 0.5, 0), counts (1, 0, 1): 0.5 * (|0.5-0.5| + |0-0.5| + |0.5-0|) = 0.5
    assert m.template_distance([1, 0, 1], template=[0.5, 0.5, 0.0]) == pytest.approx(0.5)
    assert m.template_distance(np.zeros(N_CAT)) == 0.0
    with pytest.raises(ValueError):
        m.template_distance([1, 2])


count_lists = st.lists(st.integers(0, 1000), min_size=1, max_size=N_CAT)


@given(count_lists)
@settings(max_examples=50, deadline=None)
def test_diversity_properties(counts):
    s = m.richness(counts)
    h = m.shannon(counts)
    d = m.simpson(counts)
    assert 0.0 <= d < 1.0
    assert 0.0 <= h <= (math.log(s) if s else 0.0) + 1e-12
    assert 0.0 <= m.evenness(counts) <= 1.0


@given(st.lists(st.integers(0, 1000), min_size=N_CAT, max_size=N_CAT))
@settings(max_examples=50, deadline=None)
def test_template_distance_in_unit_interval(counts):
    assert 0.0 <= m.template_distance(counts) <= 1.0


# --------------------------------------------------------------------------- Moran's I


def test_morans_i_street_clustered_hand():
    # Street 0-1-2-3-4 (4 edges, both ways: W = 8), x = [1, 1, 0, 0, 0].
    # mean = 0.4; z = [0.6, 0.6, -0.4, -0.4, -0.4]
    # sum z^2 = 2 * 0.36 + 3 * 0.16 = 0.72 + 0.48 = 1.2
    # sum_ij w_ij z_i z_j = 2 * (0.6*0.6 + 0.6*-0.4 + -0.4*-0.4 + -0.4*-0.4)
    #                     = 2 * (0.36 - 0.24 + 0.16 + 0.16) = 2 * 0.44 = 0.88
    # I = (5 / 8) * 0.88 / 1.2 = 4.4 / 9.6 = 11/24 = 0.458333...
    x = np.array([1, 1, 0, 0, 0], dtype=float)
    assert m.morans_i(x, path_adjacency(5)) == pytest.approx(11 / 24)


def test_morans_i_street_alternating_hand():
    # x = [1, 0, 1, 0, 1]: mean = 0.6; z = [0.4, -0.6, 0.4, -0.6, 0.4]
    # sum z^2 = 3 * 0.16 + 2 * 0.36 = 1.2
    # each edge: 0.4 * -0.6 = -0.24; 4 edges both ways: 8 * -0.24 = -1.92
    # I = (5 / 8) * -1.92 / 1.2 = -9.6 / 9.6 = -1.0
    x = np.array([1, 0, 1, 0, 1], dtype=float)
    i = m.morans_i(x, path_adjacency(5))
    assert i == pytest.approx(-1.0)
    assert i < 0


def test_morans_i_adjacency_forms_agree():
    a = path_adjacency(5)
    x = np.array([1, 1, 0, 0, 0], dtype=float)
    csr = sp.csr_matrix(a)
    tup = (csr.indptr, csr.indices)
    expected = 11 / 24
    assert m.morans_i(x, csr) == pytest.approx(expected)
    assert m.morans_i(x, sp.coo_matrix(a)) == pytest.approx(expected)
    assert m.morans_i(x, tup) == pytest.approx(expected)
    # explicit stored zeros in a sparse matrix are not links
    rows, cols = np.nonzero(a)
    rows, cols = np.append(rows, 0), np.append(cols, 4)
    data = np.append(np.ones(len(rows) - 1), 0.0)  # (0, 4) stored with value 0
    s = sp.csr_matrix((data, (rows, cols)), shape=(5, 5))
    assert s.nnz == 9
    assert m.morans_i(x, s) == pytest.approx(expected)


def test_morans_i_degenerate():
    a = path_adjacency(5)
    assert m.morans_i(np.ones(5), a) == 0.0  # zero variance
    assert m.morans_i(np.full(10, 0.1), path_adjacency(10)) == 0.0  # constant up to rounding
    assert m.morans_i(np.array([1.0, 0, 1, 0, 0]), np.zeros((5, 5))) == 0.0  # no links
    assert m.morans_i(np.array([]), np.zeros((0, 0))) == 0.0  # empty
    assert m.morans_i(np.array([]), (np.array([0]), np.array([], dtype=int))) == 0.0
    with pytest.raises(ValueError):
        m.morans_i(np.ones(3), path_adjacency(4))
    with pytest.raises(ValueError):
        m.morans_i(np.ones(2), (np.array([0, 1, 2]), np.array([1, 5])))


def _dense_moran(x: np.ndarray, a: np.ndarray) -> float:
    w = (a != 0).astype(float)
    z = x - x.mean()
    return len(x) / w.sum() * (z @ w @ z) / (z @ z)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_morans_i_equals_the_dense_formula(n, seed):
    rng = np.random.default_rng(seed)
    a = (rng.random((n, n)) < 0.2).astype(np.int8)
    a = np.maximum(a, a.T)
    np.fill_diagonal(a, 0)
    x = rng.random(n)
    csr = sp.csr_matrix(a)
    indptr = csr.indptr.astype(np.int64)
    indices = csr.indices.astype(np.int64)
    got = m.morans_i_csr(x, (indptr, indices))
    assert m.morans_i(x, a) == got
    if n > 1 and a.sum() > 0:
        assert got == pytest.approx(_dense_moran(x, a), rel=1e-10, abs=1e-12)
    else:
        assert got == 0.0
    assert math.isfinite(got)


# --------------------------------------------------------------------------- social capital

# Hand graph: triangle 0-1-2, pendant 3 attached to 2, isolate 4. C = 4 slots.
# Strengths: 0-1 0.5, 0-2 1.0, 1-2 0.25, 2-3 0.25. Groups (zones): [0, 0, 1, 1, 1].
HAND_EDGES = [(0, 1, 0.5), (0, 2, 1.0), (1, 2, 0.25), (2, 3, 0.25)]
HAND_GROUP = np.array([0, 0, 1, 1, 1])


def hand_ties():
    return symmetric_ties(HAND_EDGES, r=5, c=4)


def test_tie_measures_hand():
    tie_id, tie_w = hand_ties()
    # degrees [2, 2, 3, 1, 0]: 8 filled slots / 5 residents = 1.6
    assert rm.mean_ties(tie_id) == pytest.approx(1.6)
    # each edge counted from both ends: 2 * (0.5 + 1.0 + 0.25 + 0.25) / 8 = 4 / 8 = 0.5
    assert rm.mean_tie_strength(tie_id, tie_w) == pytest.approx(0.5)
    # resident 4 alone: 1 / 5
    assert rm.isolated_share(tie_id) == pytest.approx(0.2)
    # groups [0,0,1,1,1]: edges 0-2 and 1-2 cross (2 of 4 edges): 4 of 8 slots = 0.5
    assert rm.bridging_share(tie_id, HAND_GROUP) == pytest.approx(0.5)
    # local clustering: c0 = 1 (neighbours 1,2 linked: 1/1), c1 = 1 (0,2 linked),
    # c2: neighbours {0,1,3}, pairs 3, linked (0,1) only: 1/3; c3 = 0 (k=1); c4 = 0 (k=0)
    # mean over all 5: (1 + 1 + 1/3 + 0 + 0) / 5 = (7/3) / 5 = 7/15
    all5 = np.arange(5)
    assert rm.clustering_coefficient(tie_id, all5) == pytest.approx(7 / 15)
    assert rm.clustering_coefficient(tie_id, np.array([2])) == pytest.approx(1 / 3)
    assert rm.clustering_coefficient(tie_id, np.array([0, 3])) == pytest.approx(0.5)
    summary = rm.tie_summary(tie_id, tie_w, HAND_GROUP, all5)
    assert summary == pytest.approx(
        {
            "mean_ties": 1.6,
            "mean_tie_strength": 0.5,
            "isolated_share": 0.2,
            "bridging_share": 0.5,
            "clustering": 7 / 15,
        }
    )


def dense_average_clustering(edges: list[tuple[int, int, float]], r: int) -> float:
    """Independent check: c_i = (A^3)_ii / (k_i (k_i - 1)), 0 if k_i < 2, averaged over all
    nodes (networkx ``average_clustering`` with zeros included)."""
    a = np.zeros((r, r))
    for i, j, _ in edges:
        a[i, j] = a[j, i] = 1.0
    k = a.sum(axis=1)
    tri = np.diag(a @ a @ a)
    c = np.where(k >= 2, tri / np.maximum(k * (k - 1), 1.0), 0.0)
    return float(c.mean()) if r else 0.0


def test_clustering_matches_matrix_formula():
    tie_id, _ = hand_ties()
    expected = dense_average_clustering(HAND_EDGES, 5)
    assert expected == pytest.approx(7 / 15)
    assert rm.clustering_coefficient(tie_id, np.arange(5)) == pytest.approx(expected)


def test_tie_measures_degenerate():
    empty = np.full((0, 8), -1, dtype=np.int32)
    w0 = np.zeros((0, 8), dtype=np.float32)
    none = np.full((4, 8), -1, dtype=np.int32)
    w4 = np.zeros((4, 8), dtype=np.float32)
    g4 = np.zeros(4, dtype=np.int64)
    for t, w, g in ((empty, w0, np.zeros(0, dtype=int)), (none, w4, g4)):
        assert rm.mean_ties(t) == 0.0
        assert rm.mean_tie_strength(t, w) == 0.0
        assert rm.bridging_share(t, g) == 0.0
        assert rm.clustering_coefficient(t, np.arange(t.shape[0])) == 0.0
        assert rm.clustering_coefficient(t, np.array([], dtype=int)) == 0.0
        s = rm.tie_summary(t, w, g, np.arange(t.shape[0]))
        assert all(math.isfinite(v) for v in s.values())
    assert rm.isolated_share(empty) == 0.0
    assert rm.isolated_share(none) == 1.0
    with pytest.raises(ValueError):
        rm.clustering_coefficient(none, np.array([4]))


def test_tie_measures_asymmetric_and_bad_ids_do_not_crash():
    # 0 -> 1 only (asymmetric), 1 -> 7 (out of range, ignored), 2 -> 2 (self-tie, a tie slot
    # but no neighbour for clustering)
    tie_id = np.array([[1, -1], [7, -1], [2, -1]], dtype=np.int32)
    tie_w = np.array([[0.5, 0], [0.9, 0], [0.1, 0]], dtype=np.float32)
    assert rm.mean_ties(tie_id) == pytest.approx(2 / 3)
    assert rm.isolated_share(tie_id) == pytest.approx(1 / 3)
    assert rm.mean_tie_strength(tie_id, tie_w) == pytest.approx((0.5 + 0.1) / 2)
    assert rm.clustering_coefficient(tie_id, np.arange(3)) == 0.0


@pytest.mark.parametrize("r", SIZES)
@pytest.mark.parametrize("c", [0, 1, 3, 8])
def test_tie_kernels_equal_ref(r, c):
    rng = np.random.default_rng(100 * r + c)
    tie_id = random_ties(rng, r, c)
    tie_w = rng.random((r, c)).astype(np.float32)
    group = rng.integers(0, 3, size=r)
    sample = rng.integers(0, r, size=min(r, 50)) if r else np.zeros(0, dtype=np.int64)
    sample = sample.astype(np.int64)
    nb = rm._clustering_nb(tie_id, sample)
    ref = rm.tie_summary_ref(tie_id, tie_w, group, sample)[4]
    assert nb == pytest.approx(ref, abs=1e-12)
    s_nb = rm._tie_summary_nb(tie_id, tie_w, group, sample)
    s_ref = rm.tie_summary_ref(tie_id, tie_w, group, sample)
    assert s_nb == pytest.approx(s_ref, rel=1e-9, abs=1e-12)
    # the one-pass summary agrees with the separate public functions
    s = rm.tie_summary(tie_id, tie_w, group, sample)
    assert s["mean_ties"] == pytest.approx(rm.mean_ties(tie_id))
    assert s["mean_tie_strength"] == pytest.approx(rm.mean_tie_strength(tie_id, tie_w), rel=1e-6)
    assert s["isolated_share"] == pytest.approx(rm.isolated_share(tie_id))
    assert s["bridging_share"] == pytest.approx(rm.bridging_share(tie_id, group))
    assert s["clustering"] == pytest.approx(rm.clustering_coefficient(tie_id, sample))


def test_tie_kernels_symmetric_random_graph():
    # a symmetric random graph with up to 8 ties each, checked against the matrix formula
    rng = np.random.default_rng(7)
    r, c = 60, 8
    edges, deg = [], np.zeros(r, dtype=int)
    for _ in range(400):
        i, j = rng.integers(0, r, size=2)
        if i != j and deg[i] < c and deg[j] < c and (i, j) not in {(a, b) for a, b, _ in edges}:
            if (j, i) not in {(a, b) for a, b, _ in edges}:
                edges.append((int(i), int(j), float(rng.random())))
                deg[i] += 1
                deg[j] += 1
    tie_id, tie_w = symmetric_ties(edges, r, c)
    sample = np.arange(r)
    assert rm.clustering_coefficient(tie_id, sample) == pytest.approx(
        rm.tie_summary_ref(tie_id, tie_w, np.zeros(r, np.int64), sample)[4]
    )
    expected = dense_average_clustering(edges, r)
    assert expected > 0.0  # the graph has triangles, so the check is not vacuous
    assert rm.clustering_coefficient(tie_id, sample) == pytest.approx(expected)


# --------------------------------------------------------------------------- vacancy


def test_vacancy_hand():
    # 6 units; vacant: units 1 (since week 0), 3 (since 60), 5 (since 100); week 110
    # spells: 110, 50, 10 -> long-term (>= 52): 1 of 6 units; mean spell (110+50+10)/3 = 56.67
    cat = np.array([0, VACANT, 2, VACANT, 4, VACANT])
    since = np.array([0, 0, 0, 60, 0, 100])
    assert m.vacancy_rate(cat) == pytest.approx(3 / 6)
    assert m.long_term_vacancy_rate(cat, since, 110) == pytest.approx(1 / 6)
    assert m.long_term_vacancy_rate(cat, since, 110, threshold_weeks=50) == pytest.approx(2 / 6)
    assert m.mean_vacancy_spell(cat, since, 110) == pytest.approx(170 / 3)


def test_vacancy_degenerate():
    empty = np.array([], dtype=int)
    assert m.vacancy_rate(empty) == 0.0
    assert m.long_term_vacancy_rate(empty, empty, 10) == 0.0
    assert m.mean_vacancy_spell(empty, empty, 10) == 0.0
    full = np.array([0, 1, 2])
    assert m.vacancy_rate(full) == 0.0
    assert m.mean_vacancy_spell(full, np.zeros(3, dtype=int), 10) == 0.0
    with pytest.raises(ValueError):
        m.mean_vacancy_spell(full, np.zeros(2, dtype=int), 10)


# --------------------------------------------------------------------------- economy


def test_spend_shares():
    # 60 + 30 + 10 = 100
    assert m.spend_shares(60.0, 30.0, 10.0) == pytest.approx((0.6, 0.3, 0.1))
    assert m.spend_shares(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0)


def test_gini_hand():
    # one holder of everything among 3: (n-1)/n = 2/3
    # formula: 2 * (1*0 + 2*0 + 3*1) / (3 * 1) - 4/3 = 2 - 4/3 = 2/3
    assert m.gini([0, 0, 1]) == pytest.approx(2 / 3)
    assert m.gini([5, 5, 5, 5]) == pytest.approx(0.0, abs=1e-12)
    # [1, 3]: 2 * (1*1 + 2*3) / (2 * 4) - 3/2 = 14/8 - 12/8 = 0.25
    assert m.gini([3, 1]) == pytest.approx(0.25)
    assert m.gini([]) == 0.0
    assert m.gini([0, 0]) == 0.0
    with pytest.raises(ValueError):
        m.gini([1, -1])


@given(st.lists(st.floats(0, 1e6, allow_nan=False), max_size=40))
@settings(max_examples=50, deadline=None)
def test_gini_in_unit_interval(values):
    g = m.gini(values)
    assert 0.0 <= g < 1.0


# --------------------------------------------------------------------------- access


def test_access_share_hand():
    # units at (0,0) [grocery] and (1000,0) [no use]; walk 500 m
    # resident A (300, 400): distance 500 to (0,0) -> within (<= 500), weight 1
    # resident B (900, 0): 900 from (0,0), 100 from the non-grocery unit -> no access, weight 2
    # resident C (0, -100): 100 -> within, weight 1
    # share = (1 + 1) / (1 + 2 + 1) = 0.5
    rx, ry, rw = np.array([300.0, 900.0, 0.0]), np.array([400.0, 0.0, -100.0]), [1, 2, 1]
    ux, uy = np.array([0.0, 1000.0]), np.array([0.0, 0.0])
    assert rm.access_share(rx, ry, rw, ux, uy, [True, False], 500.0) == pytest.approx(0.5)
    # both units with the use: B now within 100 m -> 4/4
    assert rm.access_share(rx, ry, rw, ux, uy, [True, True], 500.0) == pytest.approx(1.0)
    # no unit with the use: nobody has access
    assert rm.access_share(rx, ry, rw, ux, uy, [False, False], 500.0) == 0.0
    # degenerate: no residents, zero weight, negative walk
    e = np.array([])
    assert rm.access_share(e, e, e, ux, uy, [True, True], 500.0) == 0.0
    assert rm.access_share(rx, ry, [0, 0, 0], ux, uy, [True, True], 500.0) == 0.0
    assert rm.access_share(rx, ry, rw, ux, uy, [True, True], -1.0) == 0.0


@pytest.mark.parametrize("n_res", SIZES)
@pytest.mark.parametrize("n_unit", [0, 1, 7, 150])
def test_access_share_nb_equals_ref(n_res, n_unit):
    rng = np.random.default_rng(1000 * n_res + n_unit)
    rx, ry = rng.random(n_res) * 3000, rng.random(n_res) * 3000
    rw = rng.integers(0, 5, size=n_res).astype(float)
    ux, uy = rng.random(n_unit) * 3000, rng.random(n_unit) * 3000
    # some units share an x coordinate, and some residents sit exactly on a unit
    if n_unit > 2:
        ux[1] = ux[2]
    if n_res > 1 and n_unit > 0:
        rx[0], ry[0] = ux[0], uy[0]
    has = rng.random(n_unit) < 0.3
    for walk in (0.0, 150.0, 400.0, 5000.0):
        nb = rm._access_share_nb(rx, ry, rw, ux, uy, has, walk)
        ref = rm.access_share_ref(rx, ry, rw, ux, uy, has, walk)
        assert nb == pytest.approx(ref, rel=1e-12, abs=1e-15)
        assert 0.0 <= nb <= 1.0


def test_access_share_nb_equals_ref_clustered_units():
    """Units in a small centre, residents over a wide catchment: most are skipped by the
    bounding-box test, which must not change the result (residents on the box edges too)."""
    rng = np.random.default_rng(77)
    ux, uy = 5000 + rng.random(40) * 300, 5000 + rng.random(40) * 200
    has = rng.random(40) < 0.5
    has[:2] = True
    rx, ry = rng.random(3000) * 10000, rng.random(3000) * 10000
    walk = 400.0
    hx, hy = ux[has], uy[has]
    # on the walk exactly beyond the extreme units with the use, just inside and just outside
    edge = [
        (hx.max() + walk, hy[np.argmax(hx)]),
        (hx.min() - walk, hy[np.argmin(hx)]),
        (hx[np.argmax(hy)], hy.max() + walk),
        (hx[np.argmin(hy)], hy.min() - walk),
        (hx.max() + walk * (1 + 1e-12), hy[np.argmax(hx)]),
        (hx[np.argmin(hy)], np.nextafter(hy.min() - walk, -np.inf)),
    ]
    rx[: len(edge)] = [e[0] for e in edge]
    ry[: len(edge)] = [e[1] for e in edge]
    rw = rng.integers(0, 4, size=rx.size).astype(float)
    for w in (0.0, 50.0, walk, 3000.0):
        nb = rm._access_share_nb(rx, ry, rw, ux, uy, has, w)
        ref = rm.access_share_ref(rx, ry, rw, ux, uy, has, w)
        assert nb == ref
    ones = np.ones(rx.size)
    for r in range(len(edge)):
        one = rm._access_share_nb(rx[r : r + 1], ry[r : r + 1], ones[:1], ux, uy, has, walk)
        assert one == rm.access_share_ref(rx[r : r + 1], ry[r : r + 1], ones[:1], ux, uy, has, walk)


def test_access_share_boundary_exact():
    # resident exactly walk_m away along x (3-4-5 triangle scaled): counted as within
    assert rm.access_share([0.0], [0.0], [1.0], [30.0], [40.0], [True], 50.0) == 1.0
    assert rm.access_share([0.0], [0.0], [1.0], [30.0], [40.0], [True], 49.999) == 0.0


def test_diversity_equals_the_single_measures():
    """m.diversity gives exactly the values of the single-measure functions."""
    rng = np.random.default_rng(3)  # test data only
    cases = [np.zeros(N_CAT), np.eye(N_CAT)[2] * 5, np.ones(N_CAT)]
    cases += [rng.integers(0, 9, N_CAT) * (rng.random(N_CAT) < p) for p in (0.2, 0.5, 1.0)]
    cases += [rng.random(N_CAT) * 40 for _ in range(10)]
    for c in cases:
        d = m.diversity(c)
        assert d["richness"] == m.richness(c)
        assert d["shannon"] == m.shannon(c)
        assert d["simpson"] == m.simpson(c)
        assert d["evenness"] == m.evenness(c)
        assert d["template_distance"] == m.template_distance(c)
    with pytest.raises(ValueError):
        m.diversity(-np.ones(N_CAT))


def test_morans_i_csr_equals_morans_i():
    rng = np.random.default_rng(4)  # test data only
    n = 40
    a = rng.random((n, n)) < 0.1
    a = a | a.T
    np.fill_diagonal(a, False)
    csr = m.csr_adjacency(a, n)
    for _ in range(10):
        x = (rng.random(n) < 0.3).astype(float)
        assert m.morans_i_csr(x, csr) == m.morans_i(x, a)
        assert m.morans_i_csr(x, csr) == m.morans_i(x, csr)
    with pytest.raises(ValueError):
        m.morans_i_csr(np.zeros(n + 1), csr)
    with pytest.raises(ValueError):
        m.csr_adjacency((np.array([0, 2]), np.array([0, 5])), 1)


def test_vacancy_spells_equals_the_two_measures():
    rng = np.random.default_rng(5)  # test data only
    for n in (0, 1, 7, 60):
        for _ in range(5):
            cat = np.where(rng.random(n) < 0.4, VACANT, rng.integers(0, N_CAT, n))
            since = rng.integers(-30, 80, n)
            for week in (0, 40, 100):
                got = m.vacancy_spells(cat, since, week)
                assert got == (
                    m.long_term_vacancy_rate(cat, since, week),
                    m.mean_vacancy_spell(cat, since, week),
                )


def test_clustering_counts_each_link_once():
    # a triangle stored both ways plus a duplicate slot, and a pendant: c_0 = 1, c_1 = 1/3
    tie_id = np.array([[1, 2, 1], [0, 2, 3], [0, 1, -1], [1, -1, -1]], dtype=np.int32)
    got = rm._clustering_nb(tie_id, np.array([0, 1], np.int64))
    assert got == (1.0 + 1.0 / 3.0) / 2
    # 0's neighbours 1 and 2 linked one way only (2 -> 1): still linked
    tie_id = np.array([[1, 2], [0, -1], [0, 1]], dtype=np.int32)
    assert rm._clustering_nb(tie_id, np.array([0], np.int64)) == 1.0
