"""Outcome measures of a town centre (MODEL.md, "Outcomes"; DATA.md, "The clone-town index").

Plain functions on numpy arrays: vacancy, diversity, social capital, economy and access.
Nothing here draws random numbers: where a measure is sampled (the clustering coefficient
of a large tie graph) the caller passes the sample of indices in (``TownModel`` draws it
from its "metrics" stream; :func:`_choice_words_nb` turns that stream's raw words into the
indices numpy's ``Generator.choice`` would give).

Hot loops are numba kernels named ``_name_nb``; each has a plain-Python reference
``_name_ref`` with exactly the same inputs, and the tests hold the two equal. The public
function validates and converts its inputs, then calls the kernel.

Degenerate inputs (empty arrays, no units, no ties, zero variance, zero total) return 0.0,
never NaN or inf; each function's docstring says which case is which.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from sim.categories import CHAIN_TEMPLATE, N_CAT, VACANT
from sim.npsum import pairwise_sum_nb

__all__ = [
    "access_share",
    "bridging_share",
    "category_counts",
    "clone_town_class",
    "clone_town_index",
    "clustering_coefficient",
    "csr_adjacency",
    "diversity",
    "evenness",
    "gini",
    "isolated_share",
    "long_term_vacancy_rate",
    "mean_tie_strength",
    "mean_ties",
    "mean_vacancy_spell",
    "morans_i",
    "morans_i_csr",
    "richness",
    "shannon",
    "simpson",
    "spend_shares",
    "vacancy_spells",
    "template_distance",
    "tie_summary",
    "vacancy_rate",
]

#: Clone-town class boundaries (NEF 2005; DATA.md): clone below 25, border 25-35, home above 35.
CTI_CLONE_BELOW: float = 25.0
CTI_HOME_ABOVE: float = 35.0


# ---------------------------------------------------------------------------------------------
# Diversity (MODEL.md, "Outcomes": richness, Shannon, Simpson, evenness, clone-town index,
# distance from the chains' template mix)
# ---------------------------------------------------------------------------------------------


def _counts_array(counts: Any) -> np.ndarray:
    """Return ``counts`` as a 1-D float64 array, rejecting negative entries."""
    c = np.asarray(counts, dtype=np.float64).ravel()
    if c.size and np.any(c < 0):
        raise ValueError("counts must be non-negative")
    return c


def shannon(counts: Any) -> float:
    """Shannon diversity of a category mix.

    H = -sum_i p_i ln p_i over categories with p_i = n_i / sum(n) > 0 (natural log; zero
    counts are ignored). MODEL.md, "Outcomes" (diversity).

    Args:
        counts: Non-negative counts (or weights) per category.

    Returns:
        H in nats, in [0, ln S] for S nonzero categories; 0.0 for empty or all-zero counts.
    """
    return _shannon_of(_counts_array(counts))


def _shannon_of(c: np.ndarray) -> float:
    total = c.sum()
    if total <= 0.0:
        return 0.0
    p = c[c > 0] / total
    return float(max(0.0, -np.sum(p * np.log(p))))


def simpson(counts: Any) -> float:
    """Simpson (Gini-Simpson) diversity of a category mix.

    D = 1 - sum_i p_i^2 with p_i = n_i / sum(n): the probability that two units drawn with
    replacement are in different categories. MODEL.md, "Outcomes" (diversity).

    Args:
        counts: Non-negative counts per category.

    Returns:
        D in [0, 1); 0.0 for empty or all-zero counts.
    """
    return _simpson_of(_counts_array(counts))


def _simpson_of(c: np.ndarray) -> float:
    total = c.sum()
    if total <= 0.0:
        return 0.0
    p = c / total
    return float(max(0.0, 1.0 - np.sum(p * p)))


def richness(counts: Any) -> int:
    """Richness: the number of categories with a nonzero count (MODEL.md, "Outcomes").

    Args:
        counts: Non-negative counts per category.

    Returns:
        S = #{i : n_i > 0}; 0 for empty counts.
    """
    return int(np.count_nonzero(_counts_array(counts) > 0))


def evenness(counts: Any) -> float:
    """Pielou's evenness of a category mix (MODEL.md, "Outcomes").

    J = H / ln S, with H the Shannon index (natural log) and S the richness.

    Args:
        counts: Non-negative counts per category.

    Returns:
        J in [0, 1] (clipped against rounding); 0.0 if S <= 1 (one or no category present,
        where J is undefined).
    """
    c = _counts_array(counts)
    s = int(np.count_nonzero(c > 0))
    return _evenness_of(s, _shannon_of(c) if s > 1 else 0.0)


def _evenness_of(s: int, h: float) -> float:
    """Evenness from richness ``s`` and Shannon ``h``."""
    if s <= 1:
        return 0.0
    return float(min(1.0, max(0.0, h / math.log(s))))


def diversity(counts: Any) -> dict[str, float]:
    """Richness, Shannon, Simpson, evenness and template distance of one category mix.

    The same values as :func:`richness`, :func:`shannon`, :func:`simpson`, :func:`evenness`
    and :func:`template_distance` (chains' template), computed from one validated copy of
    ``counts`` (MODEL.md, "Outcomes": diversity).

    Args:
        counts: Non-negative counts per category (length ``N_CAT`` for the template).

    Returns:
        Dict with keys richness (an int), shannon, simpson, evenness, template_distance.
    """
    c = _counts_array(counts)
    s = int(np.count_nonzero(c > 0))
    h = _shannon_of(c)
    return {
        "richness": s,
        "shannon": h,
        "simpson": _simpson_of(c),
        "evenness": _evenness_of(s, h),
        "template_distance": _template_distance_of(c, _TEMPLATE, _TEMPLATE_SUM),
    }


def clone_town_index(n_types: float, n_independent: float, n_chain: float) -> float:
    """Clone-town index of the New Economics Foundation's 2005 survey (DATA.md).

    CTI = (5 T + 50 I + 5 C) / N with N = I + C, which equals 5 + 45 I/N + 5 T/N: almost
    entirely the share of independents. T is the number of shop types present on NEF's scale
    of 25; with the model's coarser categories, the caller scales the count of shop-type
    categories present by ``NEF_TYPES / N_SHOP_TYPES`` (sim.categories). The caller also
    chooses the units surveyed (all occupied shop-type units, or the first ~50 along the main
    street as NEF did) and should say which.

    Args:
        n_types: T, shop types present (0-25).
        n_independent: I, independent shops counted.
        n_chain: C, chain shops counted.

    Returns:
        The index (5-100 for valid inputs); 0.0 when N = I + C is 0.
    """
    n = float(n_independent) + float(n_chain)
    if n <= 0.0:
        return 0.0
    return (5.0 * float(n_types) + 50.0 * float(n_independent) + 5.0 * float(n_chain)) / n


def clone_town_class(cti: float) -> str:
    """Class of a clone-town index (NEF 2005; DATA.md).

    Args:
        cti: A clone-town index from :func:`clone_town_index`.

    Returns:
        "clone" if cti < 25, "home" if cti > 35, otherwise "border" (25 <= cti <= 35).
    """
    if cti < CTI_CLONE_BELOW:
        return "clone"
    if cti > CTI_HOME_ABOVE:
        return "home"
    return "border"


def category_counts(category: Any, n_cat: int = N_CAT) -> np.ndarray:
    """Count units per category code.

    Codes below 0 (``VACANT = -1``) are ignored.

    Args:
        category: Int array of category codes per unit.
        n_cat: Number of categories (length of the result).

    Returns:
        int64 array of length ``n_cat``; entry k is the number of units with code k.

    Raises:
        ValueError: If a code is >= ``n_cat``.
    """
    cat = np.asarray(category).ravel().astype(np.int64, copy=False)
    occ = cat[cat >= 0]
    if occ.size and int(occ.max()) >= n_cat:
        raise ValueError(f"category code {int(occ.max())} >= n_cat={n_cat}")
    return np.bincount(occ, minlength=n_cat).astype(np.int64, copy=False)


def template_distance(counts: Any, template: Any = CHAIN_TEMPLATE) -> float:
    """Distance of the town's mix from the chains' template mix (MODEL.md, "Outcomes").

    Total-variation distance: d = (1/2) sum_k |p_k - t_k| with p = counts / sum(counts) and t
    the template shares (``CHAIN_TEMPLATE``, renormalised to sum 1). 0 means the town's mix is
    the template; 1 means the two mixes share no category.

    Args:
        counts: Non-negative counts per category (e.g. from :func:`category_counts`).
        template: Shares per category, same length as ``counts``.

    Returns:
        d in [0, 1]; 0.0 if there are no units (all counts zero) or the template is all zero.

    Raises:
        ValueError: If ``counts`` and ``template`` differ in length.
    """
    c = _counts_array(counts)
    t = _counts_array(template)
    return _template_distance_of(c, t, t.sum())


def _template_distance_of(c: np.ndarray, t: np.ndarray, tt: float) -> float:
    if c.shape != t.shape:
        raise ValueError(f"counts has {c.size} categories, template {t.size}")
    ct = c.sum()
    if ct <= 0.0 or tt <= 0.0:
        return 0.0
    d = 0.5 * float(np.sum(np.abs(c / ct - t / tt)))
    return min(1.0, max(0.0, d))


_TEMPLATE = _counts_array(CHAIN_TEMPLATE)
_TEMPLATE_SUM = _TEMPLATE.sum()
_TEMPLATE_SHARE = _TEMPLATE / _TEMPLATE_SUM  # t / tt of _template_distance_of, once
#: math.log(s) for richness s = 0..N_CAT (index 0 unused): the ln S of :func:`evenness`.
_LOG_RICHNESS = np.array([0.0] + [math.log(s) for s in range(1, N_CAT + 1)])
#: np.log(n / total) for n = 1..total, one row per total seen (see :func:`_log_share_row`).
_LOG_SHARE_ROWS: dict[int, np.ndarray] = {}


def _log_share_row(total: int) -> np.ndarray:
    """``np.log(n / total)`` for n = 1..total (entry n - 1), from numpy's own log.

    The shares p = c / total of :func:`shannon` are such ratios for whole-number counts, and
    numpy's elementwise log gives each element the same bits wherever it sits in an array,
    so row[c - 1] equals np.log(p) there. Rows are kept per total (a few hundred units).
    """
    row = _LOG_SHARE_ROWS.get(total)
    if row is None:
        row = np.log(np.arange(1, total + 1, dtype=np.float64) / float(total))
        if len(_LOG_SHARE_ROWS) >= 256:  # many towns in one process: keep the cache bounded
            _LOG_SHARE_ROWS.clear()
        _LOG_SHARE_ROWS[total] = row
    return row


@numba.njit(cache=True)
def _diversity_nb(
    counts: np.ndarray, log_row: np.ndarray, t_share: np.ndarray, log_s: np.ndarray
) -> tuple[float, float, float, float, float]:
    """:func:`diversity` of whole-number ``counts`` (int, length of ``t_share``) in one call,
    bit for bit (MODEL.md, "Outcomes": diversity).

    ``log_row`` is :func:`_log_share_row` of counts.sum(), ``t_share`` the template shares
    t / sum(t) and ``log_s[s]`` = math.log(s). Sums are numpy's pairwise sums
    (:func:`sim.npsum.pairwise_sum_nb`); ``max(0.0, x)`` and ``min(1.0, x)`` keep Python's
    rules (the first argument unless the second is strictly larger or smaller, so NaN maps
    to the bound). Returns (richness, shannon, simpson, evenness, template_distance).
    """
    n = counts.shape[0]
    c = np.empty(n, dtype=np.float64)
    for k in range(n):
        c[k] = float(counts[k])
    total = pairwise_sum_nb(c)
    s = 0
    for k in range(n):
        if c[k] > 0.0:
            s += 1
    if not total > 0.0:  # shannon, simpson and template distance are all 0.0
        return float(s), 0.0, 0.0, 0.0, 0.0
    tmp = np.empty(n, dtype=np.float64)
    q = 0
    for k in range(n):
        if c[k] > 0.0:
            p = c[k] / total
            tmp[q] = p * log_row[counts[k] - 1]
            q += 1
    h = -pairwise_sum_nb(tmp[:q])
    h = h if h > 0.0 else 0.0
    for k in range(n):
        p = c[k] / total
        tmp[k] = p * p
    simp = 1.0 - pairwise_sum_nb(tmp)
    simp = simp if simp > 0.0 else 0.0
    even = 0.0
    if s > 1:
        even = h / log_s[s]
        even = even if even > 0.0 else 0.0
        even = even if even < 1.0 else 1.0
    for k in range(n):
        tmp[k] = abs(c[k] / total - t_share[k])
    d = 0.5 * pairwise_sum_nb(tmp)
    d = d if d > 0.0 else 0.0
    d = d if d < 1.0 else 1.0
    return float(s), h, simp, even, d


def _diversity_ref(counts: np.ndarray) -> tuple[float, float, float, float, float]:
    """What :func:`_diversity_nb` must equal: :func:`diversity` itself, as a tuple."""
    d = diversity(counts)
    keys = ("richness", "shannon", "simpson", "evenness", "template_distance")
    return tuple(float(d[k]) for k in keys)  # type: ignore[return-value]


def _diversity_counts(counts: np.ndarray, total: int) -> tuple[float, float, float, float, float]:
    """:func:`diversity` of the model's int64 category counts (length N_CAT, non-negative,
    summing to ``total``) through :func:`_diversity_nb`: (richness, shannon, simpson,
    evenness, template_distance)."""
    return _diversity_nb(counts, _log_share_row(total), _TEMPLATE_SHARE, _LOG_RICHNESS)


# ---------------------------------------------------------------------------------------------
# Spatial clustering of vacancy: global Moran's I on the street graph (MODEL.md, "Outcomes")
# ---------------------------------------------------------------------------------------------

#: Variance below this fraction of sum(x^2) is rounding noise of a constant series.
_REL_VAR_TOL: float = 1e-26


@numba.njit(cache=True)
def _morans_i_nb(values: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> float:
    """Numba kernel of :func:`morans_i` on a CSR adjacency (binary weights)."""
    n = values.shape[0]
    if n == 0:
        return 0.0
    w_sum = float(indptr[n] - indptr[0])
    if w_sum <= 0.0:
        return 0.0
    mean = 0.0
    for i in range(n):
        mean += values[i]
    mean /= n
    m2 = 0.0
    scale = 0.0
    for i in range(n):
        z = values[i] - mean
        m2 += z * z
        scale += values[i] * values[i]
    if m2 <= 0.0 or m2 <= _REL_VAR_TOL * scale:
        return 0.0
    cross = 0.0
    for i in range(n):
        zi = values[i] - mean
        for k in range(indptr[i], indptr[i + 1]):
            cross += zi * (values[indices[k]] - mean)
    return (n / w_sum) * cross / m2


def _morans_i_ref(values: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> float:
    """Plain-Python reference of :func:`_morans_i_nb` (same inputs, same result)."""
    n = len(values)
    if n == 0:
        return 0.0
    w_sum = float(indptr[n] - indptr[0])
    if w_sum <= 0.0:
        return 0.0
    mean = sum(float(v) for v in values) / n
    z = [float(v) - mean for v in values]
    m2 = sum(zi * zi for zi in z)
    scale = sum(float(v) * float(v) for v in values)
    if m2 <= 0.0 or m2 <= _REL_VAR_TOL * scale:
        return 0.0
    cross = 0.0
    for i in range(n):
        for k in range(int(indptr[i]), int(indptr[i + 1])):
            cross += z[i] * z[int(indices[k])]
    return (n / w_sum) * cross / m2


def _to_csr(adjacency: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Convert a dense array, a scipy.sparse matrix or an ``(indptr, indices)`` pair to CSR.

    Nonzero entries of a dense or sparse matrix are links (weight 1); each entry of an
    ``(indptr, indices)`` pair is one link.
    """
    if isinstance(adjacency, tuple):
        if len(adjacency) != 2:
            raise ValueError("a CSR adjacency is a pair (indptr, indices)")
        indptr = np.ascontiguousarray(adjacency[0], dtype=np.int64)
        indices = np.ascontiguousarray(adjacency[1], dtype=np.int64)
    else:
        if hasattr(adjacency, "tocoo"):  # scipy.sparse, duck-typed: scipy is not imported here
            coo = adjacency.tocoo(copy=True)
            coo.sum_duplicates()
            keep = np.asarray(coo.data) != 0
            rows = np.asarray(coo.row, dtype=np.int64)[keep]
            cols = np.asarray(coo.col, dtype=np.int64)[keep]
            shape = tuple(adjacency.shape)
        else:
            a = np.asarray(adjacency)
            if a.ndim != 2:
                raise ValueError("a dense adjacency must be 2-D")
            rows, cols = np.nonzero(a)
            shape = a.shape
        if shape != (n, n):
            raise ValueError(f"adjacency shape {shape} does not match {n} values")
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        indices = np.ascontiguousarray(cols, dtype=np.int64)
    if indptr.shape != (n + 1,):
        raise ValueError(f"indptr has length {indptr.size}, expected {n + 1}")
    if np.any(np.diff(indptr) < 0) or indptr[0] < 0 or indptr[-1] > indices.size:
        raise ValueError("indptr must be non-decreasing and within indices")
    used = indices[indptr[0] : indptr[-1]]
    if used.size and (used.min() < 0 or used.max() >= n):
        raise ValueError("adjacency indices out of range")
    return indptr, indices


def morans_i(values: Any, adjacency: Any) -> float:
    """Global Moran's I of a variable on a graph with binary weights (MODEL.md, "Outcomes").

    I = (n / W) * sum_ij w_ij z_i z_j / sum_i z_i^2, with z = x - mean(x), w_ij = 1 for a
    link i -> j and 0 otherwise, and W = sum_ij w_ij (an undirected street graph stored both
    ways counts each edge twice, as usual). Used for spatial clustering of vacancy (x = 1 for
    a vacant unit) on the street graph: I > 0 clustered, I < 0 dispersed, E[I] = -1/(n-1)
    under randomness. Self-links, if given, count as links.

    Args:
        values: Float array of length n.
        adjacency: A dense (n, n) array (nonzero = link), a scipy.sparse matrix (nonzero
            stored entries = links), or a CSR pair ``(indptr, indices)`` of int arrays (each
            entry one link; give no duplicates).

    Returns:
        Moran's I; 0.0 if n == 0, there are no links (W == 0), or the values have zero
        variance (constant, up to rounding).
    """
    x = np.ascontiguousarray(values, dtype=np.float64).ravel()
    indptr, indices = _to_csr(adjacency, x.size)
    return float(_morans_i_nb(x, indptr, indices))


def csr_adjacency(adjacency: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An adjacency as :func:`morans_i` accepts it, checked and converted once to the CSR
    pair ``(indptr, indices)`` (int64) that :func:`morans_i_csr` takes.

    Raises:
        ValueError: As :func:`morans_i` does for a malformed adjacency.
    """
    return _to_csr(adjacency, int(n))


def morans_i_csr(values: np.ndarray, csr: tuple[np.ndarray, np.ndarray]) -> float:
    """:func:`morans_i` on an adjacency already prepared by :func:`csr_adjacency` (the same
    value, without re-checking a graph that does not change)."""
    x = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if csr[0].shape != (x.size + 1,):
        raise ValueError(f"indptr has length {csr[0].size}, expected {x.size + 1}")
    return float(_morans_i_nb(x, csr[0], csr[1]))


# ---------------------------------------------------------------------------------------------
# Social capital on tie arrays (MODEL.md, "Outcomes"): tie_id (R, C) int with -1 for an empty
# slot, tie_w (R, C) strengths in (0, 1]. A tie is a slot whose id is in [0, R); other ids are
# ignored. Ties are stored both ways, so slot-based means count each tie from both ends.
# ---------------------------------------------------------------------------------------------


def _tie_array(tie_id: Any) -> np.ndarray:
    t = np.asarray(tie_id)
    if t.ndim != 2:
        raise ValueError("tie_id must be a 2-D (residents, slots) array")
    if not np.issubdtype(t.dtype, np.integer):
        raise ValueError("tie_id must be an integer array")
    return np.ascontiguousarray(t)


def _valid_ties(t: np.ndarray) -> np.ndarray:
    return (t >= 0) & (t < t.shape[0])


def mean_ties(tie_id: Any) -> float:
    """Mean number of ties per resident (mean degree; MODEL.md, "Outcomes").

    mean_ties = (number of filled slots) / R. With symmetric storage this is the mean degree
    of the undirected tie graph.

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.

    Returns:
        Mean ties per resident; 0.0 if R == 0.
    """
    t = _tie_array(tie_id)
    if t.shape[0] == 0:
        return 0.0
    return float(np.count_nonzero(_valid_ties(t))) / t.shape[0]


def mean_tie_strength(tie_id: Any, tie_w: Any) -> float:
    """Mean strength over existing ties (MODEL.md, "Outcomes").

    mean = sum of tie_w over filled slots / number of filled slots (each symmetric tie
    counted from both ends, with equal strength, so the mean is that of the undirected ties).

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.
        tie_w: (R, C) float array of strengths in (0, 1].

    Returns:
        The mean strength; 0.0 if there are no ties.
    """
    t = _tie_array(tie_id)
    w = np.asarray(tie_w)
    if w.shape != t.shape:
        raise ValueError(f"tie_w shape {w.shape} != tie_id shape {t.shape}")
    valid = _valid_ties(t)
    n = np.count_nonzero(valid)
    if n == 0:
        return 0.0
    return float(np.sum(w[valid], dtype=np.float64)) / n


def isolated_share(tie_id: Any) -> float:
    """Share of residents with no tie (MODEL.md, "Outcomes": share isolated).

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.

    Returns:
        #{i : row i has no tie} / R; 0.0 if R == 0.
    """
    t = _tie_array(tie_id)
    if t.shape[0] == 0:
        return 0.0
    has_tie = _valid_ties(t).any(axis=1)
    return float(np.count_nonzero(~has_tie)) / t.shape[0]


def bridging_share(tie_id: Any, group: Any) -> float:
    """Share of bridging ties (MODEL.md, "Outcomes": ties across zones or income bands).

    share = #{filled slots (i, j) : group[i] != group[j]} / #{filled slots}.

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.
        group: Int array of length R (zone, income band, ...).

    Returns:
        The bridging share in [0, 1]; 0.0 if there are no ties.
    """
    t = _tie_array(tie_id)
    g = _group_array(group, t.shape[0])
    valid = _valid_ties(t)
    n = np.count_nonzero(valid)
    if n == 0:
        return 0.0
    rows = np.broadcast_to(np.arange(t.shape[0])[:, None], t.shape)[valid]
    return float(np.count_nonzero(g[rows] != g[t[valid]])) / n


def _group_array(group: Any, r: int) -> np.ndarray:
    # an integer array is used as it is: a weekly cast of 10^6 zones to int64 is an 8 MB copy
    # and a wider array for the kernel to look up at random; anything else becomes int64
    g = np.asarray(group)
    if g.dtype.kind in "iu":
        g = np.ascontiguousarray(g).ravel()
    else:
        g = np.ascontiguousarray(g, dtype=np.int64).ravel()
    if g.size != r:
        raise ValueError(f"group has length {g.size}, expected {r}")
    return g


def _sample_array(sample: Any, r: int) -> np.ndarray:
    s = np.ascontiguousarray(sample, dtype=np.int64).ravel()
    if s.size and (s.min() < 0 or s.max() >= r):
        raise ValueError("sample indices out of range")
    return s


@numba.njit(cache=True)
def _clustering_nb(tie_id: np.ndarray, sample: np.ndarray) -> float:
    """Numba kernel of :func:`clustering_coefficient`: O(len(sample) * C^3).

    A neighbour pair (a, b) is linked if b is in row a or a in row b; both rows are compared
    in full, without an early exit, so the compiler vectorises the test and a fresh sample
    each week costs few mispredicted branches. The link count is a whole number and the
    float sum runs over the sample in order, as in :func:`_clustering_ref`.
    """
    r, c = tie_id.shape
    m = sample.shape[0]
    if m == 0:
        return 0.0
    nbr = np.empty(c, dtype=np.int64)
    total = 0.0
    for q in range(m):
        i = sample[q]
        k = 0
        for s in range(c):
            j = tie_id[i, s]
            if j < 0 or j >= r or j == i:
                continue
            dup = False
            for t in range(k):
                if nbr[t] == j:
                    dup = True
                    break
            if not dup:
                nbr[k] = j
                k += 1
        if k < 2:
            continue
        links = 0
        for a in range(k):
            ra = nbr[a]
            for b in range(a + 1, k):
                rb = nbr[b]
                linked = False
                for s in range(c):
                    linked |= (tie_id[ra, s] == rb) | (tie_id[rb, s] == ra)
                links += linked
        total += links / (k * (k - 1) / 2.0)
    return total / m


def _clustering_ref(tie_id: np.ndarray, sample: np.ndarray) -> float:
    """Plain-Python reference of :func:`_clustering_nb` (same inputs, same result)."""
    r = tie_id.shape[0]

    def neighbours(i: int) -> set[int]:
        return {int(j) for j in tie_id[i] if 0 <= j < r and j != i}

    if len(sample) == 0:
        return 0.0
    total = 0.0
    for i in sample:
        nb = sorted(neighbours(int(i)))
        k = len(nb)
        if k < 2:
            continue
        links = 0
        for a in range(k):
            for b in range(a + 1, k):
                if nb[b] in neighbours(nb[a]) or nb[a] in neighbours(nb[b]):
                    links += 1
        total += links / (k * (k - 1) / 2.0)
    return total / len(sample)


def clustering_coefficient(tie_id: Any, sample: Any) -> float:
    """Mean local clustering coefficient over a sample of residents (MODEL.md, "Outcomes").

    For resident i with k distinct neighbours (self-ties and out-of-range ids ignored), the
    local coefficient is c_i = L_i / (k (k - 1) / 2), where L_i is the number of neighbour
    pairs that are linked (undirected: j in row l or l in row j). The result is mean_i c_i
    over the sampled residents, with c_i = 0 for degree < 2: networkx's ``average_clustering``
    convention with zeros included. Neighbours are read from the tie rows, so the cost is
    O(len(sample) * C^3) whatever R is; the caller draws the sample (no randomness here).

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.
        sample: Int array of resident indices in [0, R) (repeats allowed, each counted).

    Returns:
        The mean local clustering coefficient in [0, 1]; 0.0 for an empty sample.
    """
    t = _tie_array(tie_id)
    s = _sample_array(sample, t.shape[0])
    return float(_clustering_nb(t, s))


@numba.njit(cache=True)
def _tie_summary_nb(
    tie_id: np.ndarray, tie_w: np.ndarray, group: np.ndarray, sample: np.ndarray
) -> tuple[float, float, float, float, float]:
    """Numba kernel of :func:`tie_summary`: one pass over the rows, then the sample.

    Returns (mean_ties, mean_tie_strength, isolated_share, bridging_share, clustering).
    """
    r, c = tie_id.shape
    n_ties = 0
    n_bridge = 0
    n_isolated = 0
    w_sum = 0.0
    for i in range(r):
        deg = 0
        for s in range(c):
            j = tie_id[i, s]
            if j < 0 or j >= r:
                continue
            deg += 1
            w_sum += float(tie_w[i, s])
            if group[i] != group[j]:
                n_bridge += 1
        n_ties += deg
        if deg == 0:
            n_isolated += 1
    clus = _clustering_nb(tie_id, sample)
    if r == 0:
        return 0.0, 0.0, 0.0, 0.0, clus
    if n_ties == 0:
        return 0.0, 0.0, n_isolated / r, 0.0, clus
    return n_ties / r, w_sum / n_ties, n_isolated / r, n_bridge / n_ties, clus


def _tie_summary_ref(
    tie_id: np.ndarray, tie_w: np.ndarray, group: np.ndarray, sample: np.ndarray
) -> tuple[float, float, float, float, float]:
    """Plain-Python reference of :func:`_tie_summary_nb` (same inputs, same result)."""
    r, c = tie_id.shape
    n_ties = n_bridge = n_isolated = 0
    w_sum = 0.0
    for i in range(r):
        deg = 0
        for s in range(c):
            j = int(tie_id[i, s])
            if 0 <= j < r:
                deg += 1
                w_sum += float(tie_w[i, s])
                n_bridge += int(group[i] != group[j])
        n_ties += deg
        n_isolated += int(deg == 0)
    clus = _clustering_ref(tie_id, sample)
    if r == 0:
        return 0.0, 0.0, 0.0, 0.0, clus
    if n_ties == 0:
        return 0.0, 0.0, n_isolated / r, 0.0, clus
    return n_ties / r, w_sum / n_ties, n_isolated / r, n_bridge / n_ties, clus


def tie_summary(tie_id: Any, tie_w: Any, group: Any, sample: Any) -> dict[str, float]:
    """All social-capital measures of the tie graph in one numba pass (MODEL.md, "Outcomes").

    Same definitions and degenerate cases as :func:`mean_ties`, :func:`mean_tie_strength`,
    :func:`isolated_share`, :func:`bridging_share` and :func:`clustering_coefficient`.

    Args:
        tie_id: (R, C) int array of tie partners, -1 for an empty slot.
        tie_w: (R, C) float array of strengths in (0, 1].
        group: Int array of length R for bridging ties (zone or income band).
        sample: Int array of resident indices in [0, R) for the clustering coefficient.

    Returns:
        Dict with keys mean_ties, mean_tie_strength, isolated_share, bridging_share,
        clustering.
    """
    t = _tie_array(tie_id)
    w = np.ascontiguousarray(tie_w)
    if w.shape != t.shape:
        raise ValueError(f"tie_w shape {w.shape} != tie_id shape {t.shape}")
    g = _group_array(group, t.shape[0])
    s = _sample_array(sample, t.shape[0])
    out = _tie_summary_nb(t, w, g, s)
    keys = ("mean_ties", "mean_tie_strength", "isolated_share", "bridging_share", "clustering")
    return {k: float(v) for k, v in zip(keys, out, strict=True)}


# ---------------------------------------------------------------------------------------------
# Vacancy (MODEL.md, "Outcomes": rate, long-term rate, mean spell length)
# ---------------------------------------------------------------------------------------------


def vacancy_rate(category: Any) -> float:
    """Vacancy rate: share of units whose category code is ``VACANT`` (-1).

    Args:
        category: Int array of category codes per unit.

    Returns:
        #{vacant} / #{units}; 0.0 if there are no units.
    """
    cat = np.asarray(category).ravel()
    if cat.size == 0:
        return 0.0
    return float(np.count_nonzero(cat == VACANT)) / cat.size


def _spells(category: Any, vacant_since: Any, week: int) -> tuple[np.ndarray, int]:
    cat = np.asarray(category).ravel()
    since = np.asarray(vacant_since, dtype=np.int64).ravel()
    if since.shape != cat.shape:
        raise ValueError(f"vacant_since has length {since.size}, expected {cat.size}")
    vac = cat == VACANT
    # Spell length in weeks so far; a start after `week` (bad input) counts as 0, not negative.
    return np.maximum(int(week) - since[vac], 0), cat.size


def long_term_vacancy_rate(
    category: Any, vacant_since: Any, week: int, threshold_weeks: int = 52
) -> float:
    """Long-term vacancy rate: share of ALL units vacant for at least ``threshold_weeks``.

    A unit is long-term vacant if its code is ``VACANT`` and week - vacant_since >=
    threshold_weeks (52 weeks: "over a year", MODEL.md, "Outcomes"). The denominator is all
    units, so this is a part of :func:`vacancy_rate`.

    Args:
        category: Int array of category codes per unit.
        vacant_since: Int array per unit, the week the current vacancy spell began (read
            only for vacant units).
        week: The current week.
        threshold_weeks: Minimum spell length counted as long-term.

    Returns:
        #{long-term vacant} / #{units}; 0.0 if there are no units.
    """
    spell, n = _spells(category, vacant_since, week)
    if n == 0:
        return 0.0
    return float(np.count_nonzero(spell >= threshold_weeks)) / n


def vacancy_spells(
    category: Any, vacant_since: Any, week: int, threshold_weeks: int = 52
) -> tuple[float, float]:
    """:func:`long_term_vacancy_rate` and :func:`mean_vacancy_spell` from one pass over the
    spells (the same two values; MODEL.md, "Outcomes").

    Returns:
        (long-term vacancy rate, mean vacancy spell in weeks).
    """
    spell, n = _spells(category, vacant_since, week)
    rate = float(np.count_nonzero(spell >= threshold_weeks)) / n if n else 0.0
    return rate, float(spell.mean()) if spell.size else 0.0


def mean_vacancy_spell(category: Any, vacant_since: Any, week: int) -> float:
    """Mean length so far, in weeks, of the current vacancy spells (MODEL.md, "Outcomes").

    mean over vacant units of (week - vacant_since): a unit emptied this week has spell 0.
    These are incomplete (right-censored) spells.

    Args:
        category: Int array of category codes per unit.
        vacant_since: Int array per unit, the week the current vacancy spell began.
        week: The current week.

    Returns:
        Mean spell in weeks; 0.0 if no unit is vacant.
    """
    spell, _ = _spells(category, vacant_since, week)
    if spell.size == 0:
        return 0.0
    return float(spell.mean())


# ---------------------------------------------------------------------------------------------
# Economy and inequality (MODEL.md, "Outcomes")
# ---------------------------------------------------------------------------------------------


def spend_shares(centre: float, park: float, online: float) -> tuple[float, float, float]:
    """Shares of resident spend captured by the centre, the retail park and online.

    share_k = spend_k / (centre + park + online) (MODEL.md, "Outcomes": economy).

    Args:
        centre: Spend in the town centre (GBP).
        park: Spend at the out-of-town park (GBP).
        online: Spend online (GBP).

    Returns:
        (centre, park, online) shares summing to 1; (0.0, 0.0, 0.0) if the total is <= 0.
    """
    c, p, o = float(centre), float(park), float(online)
    total = c + p + o
    if not total > 0.0 or not math.isfinite(total):
        return 0.0, 0.0, 0.0
    return c / total, p / total, o / total


def gini(values: Any) -> float:
    """Gini coefficient of non-negative values (rent or revenue inequality).

    With x sorted ascending (i = 1..n): G = 2 sum_i i x_i / (n sum_i x_i) - (n + 1) / n.
    0 is equality; (n - 1) / n is one holder of everything.

    Args:
        values: Non-negative values.

    Returns:
        G in [0, 1); 0.0 for empty or all-zero values.

    Raises:
        ValueError: If any value is negative.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    if n == 0:
        return 0.0
    if x[0] < 0:
        raise ValueError("gini needs non-negative values")
    total = x.sum()
    if total <= 0.0:
        return 0.0
    i = np.arange(1, n + 1, dtype=np.float64)
    g = 2.0 * float(np.sum(i * x)) / (n * total) - (n + 1.0) / n
    return min(1.0, max(0.0, g))


# ---------------------------------------------------------------------------------------------
# Access (MODEL.md, "Outcomes": share of residents within a walk of a grocery / a health use)
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _access_share_nb(
    res_x: np.ndarray,
    res_y: np.ndarray,
    res_weight: np.ndarray,
    unit_x: np.ndarray,
    unit_y: np.ndarray,
    has_use: np.ndarray,
    walk_m: float,
) -> float:
    """Numba kernel of :func:`access_share`.

    Prefilters the units with the use once, sorts them by x, skips residents outside their
    bounding box widened by the walk, and for each other resident scans only units within a
    slightly padded x-window, stopping at the first one within the walk.
    """
    n_res = res_x.shape[0]
    if n_res == 0 or not walk_m >= 0.0:
        return 0.0
    m = 0
    for u in range(unit_x.shape[0]):
        if has_use[u]:
            m += 1
    ux = np.empty(m, dtype=np.float64)
    uy = np.empty(m, dtype=np.float64)
    k = 0
    for u in range(unit_x.shape[0]):
        if has_use[u]:
            ux[k] = unit_x[u]
            uy[k] = unit_y[u]
            k += 1
    order = np.argsort(ux)
    ux = ux[order]
    uy = uy[order]
    w2 = walk_m * walk_m
    pad = walk_m * (1.0 + 1e-9) + 1e-9  # wider than the walk: the exact test below decides
    # the units' bounding box, widened by pad: a resident outside it is farther than the walk
    # from every unit (|dx| or |dy| > pad), so it is skipped without a search
    x_lo = x_hi = y_lo = y_hi = 0.0
    if m > 0:
        x_lo = ux[0] - pad
        x_hi = ux[m - 1] + pad
        y_lo = uy.min() - pad
        y_hi = uy.max() + pad
    total = 0.0
    covered = 0.0
    for r in range(n_res):
        w = res_weight[r]
        total += w
        if m == 0:
            continue
        x = res_x[r]
        y = res_y[r]
        if x < x_lo or x > x_hi or y < y_lo or y > y_hi:
            continue
        lo = np.searchsorted(ux, x - pad)
        for q in range(lo, m):
            if ux[q] > x + pad:
                break
            dx = ux[q] - x
            dy = uy[q] - y
            if dx * dx + dy * dy <= w2:
                covered += w
                break
    if not total > 0.0:
        return 0.0
    return covered / total


def _access_share_ref(
    res_x: np.ndarray,
    res_y: np.ndarray,
    res_weight: np.ndarray,
    unit_x: np.ndarray,
    unit_y: np.ndarray,
    has_use: np.ndarray,
    walk_m: float,
) -> float:
    """Plain-Python reference of :func:`_access_share_nb`: brute force over all units."""
    if len(res_x) == 0 or not walk_m >= 0.0:
        return 0.0
    units = [(float(unit_x[u]), float(unit_y[u])) for u in range(len(unit_x)) if has_use[u]]
    w2 = walk_m * walk_m
    total = 0.0
    covered = 0.0
    for r in range(len(res_x)):
        w = float(res_weight[r])
        total += w
        x, y = float(res_x[r]), float(res_y[r])
        for ux, uy in units:
            dx = ux - x
            dy = uy - y
            if dx * dx + dy * dy <= w2:
                covered += w
                break
    if not total > 0.0:
        return 0.0
    return covered / total


def access_share(
    res_x: Any,
    res_y: Any,
    res_weight: Any,
    unit_x: Any,
    unit_y: Any,
    has_use: Any,
    walk_m: float,
) -> float:
    """Weighted share of residents within a walk of a unit with a given use.

    share = sum_r w_r [min_u dist(r, u) <= walk_m] / sum_r w_r over units u with
    ``has_use[u]``, Euclidean distance in metres (MODEL.md, "Outcomes": access to a grocery
    and to a health use). Cost O(R log U + R k) for k units in a walk's x-band.

    Args:
        res_x: Resident (or zone centroid) x coordinates, metres, length R.
        res_y: Resident y coordinates, metres, length R.
        res_weight: Non-negative weights per resident (1 each, or people per zone).
        unit_x: Unit x coordinates, metres, length U.
        unit_y: Unit y coordinates, metres, length U.
        has_use: Bool array of length U, True where the unit has the use.
        walk_m: Walking radius in metres.

    Returns:
        The share in [0, 1]; 0.0 if there are no residents, the total weight is 0, or
        walk_m < 0. No unit with the use gives 0.0 too (nobody has access).
    """
    rx = np.ascontiguousarray(res_x, dtype=np.float64).ravel()
    ry = np.ascontiguousarray(res_y, dtype=np.float64).ravel()
    rw = np.ascontiguousarray(res_weight, dtype=np.float64).ravel()
    ux = np.ascontiguousarray(unit_x, dtype=np.float64).ravel()
    uy = np.ascontiguousarray(unit_y, dtype=np.float64).ravel()
    hu = np.ascontiguousarray(has_use, dtype=np.bool_).ravel()
    if not (rx.size == ry.size == rw.size):
        raise ValueError("res_x, res_y and res_weight must have the same length")
    if not (ux.size == uy.size == hu.size):
        raise ValueError("unit_x, unit_y and has_use must have the same length")
    if rw.size and rw.min() < 0:
        raise ValueError("res_weight must be non-negative")
    return float(_access_share_nb(rx, ry, rw, ux, uy, hu, float(walk_m)))


# ---------------------------------------------------------------------------------------------
# Unit counts of the weekly outcomes in one pass (whole numbers: exact in any order)
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _unit_counts_nb(
    category: np.ndarray,
    chain: np.ndarray,
    meanwhile: np.ndarray,
    vacant_since: np.ndarray,
    week: int,
    commercial: np.ndarray,
    shop_type: np.ndarray,
    main_order: np.ndarray,
    n_cat: int,
    n_first: int,
    threshold_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The unit counts of ``TownModel._measure`` in one pass (whole numbers, so exact).

    Returns ``(counts, out)``: units per category code (codes >= n_cat not counted; ``out[0]``
    is then -1) and ``out`` = (ok, occupied, meanwhile, non-commercial, shops, chain shops,
    long-term vacant, sum of vacancy spells, first shops along the main street, chains among
    them, categories present among them, vacant units).
    """
    counts = np.zeros(n_cat, np.int64)
    out = np.zeros(12, np.int64)
    out[0] = 1
    for j in range(category.shape[0]):
        c = category[j]
        if c < 0:
            if c == -1:
                out[11] += 1
                s = week - vacant_since[j]
                if s < 0:
                    s = 0
                out[7] += s
                if s >= threshold_weeks:
                    out[6] += 1
            continue
        if c >= n_cat:
            out[0] = -1
            continue
        counts[c] += 1
        out[1] += 1
        if meanwhile[j]:
            out[2] += 1
        if not commercial[c]:
            out[3] += 1
        if shop_type[c]:
            out[4] += 1
            if chain[j]:
                out[5] += 1
    seen = np.zeros(n_cat, np.bool_)
    for q in range(main_order.shape[0]):
        if out[8] >= n_first:
            break
        j = main_order[q]
        c = category[j]
        if c < 0 or c >= n_cat or not shop_type[c]:
            continue
        out[8] += 1
        if chain[j]:
            out[9] += 1
        if not seen[c]:
            seen[c] = True
            out[10] += 1
    return counts, out


def _unit_counts_ref(
    category: np.ndarray,
    chain: np.ndarray,
    meanwhile: np.ndarray,
    vacant_since: np.ndarray,
    week: int,
    commercial: np.ndarray,
    shop_type: np.ndarray,
    main_order: np.ndarray,
    n_cat: int,
    n_first: int,
    threshold_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain-numpy reference of :func:`_unit_counts_nb` (the expressions ``TownModel._measure``
    used before the kernel)."""
    occ = category >= 0
    cat = np.maximum(category, 0)
    ok = not (occ.any() and int(category[occ].max()) >= n_cat)
    if not ok:
        return np.zeros(n_cat, np.int64), np.array([-1] + [0] * 11, np.int64)
    counts = category_counts(category, n_cat)
    spell, _ = _spells(category, vacant_since, week)
    shop = occ & shop_type[cat]
    first = main_order[shop[main_order]][:n_first]
    out = [
        1,
        np.count_nonzero(occ),
        np.count_nonzero(occ & meanwhile),
        np.count_nonzero(occ & ~commercial[cat]),
        np.count_nonzero(shop),
        np.count_nonzero(shop & chain),
        np.count_nonzero(spell >= threshold_weeks),
        int(spell.sum()),
        first.size,
        np.count_nonzero(chain[first]),
        np.count_nonzero(np.bincount(category[first], minlength=n_cat)),
        spell.size,
    ]
    return counts, np.array(out, np.int64)


#: Layout of the float vector of :func:`_week_units_nb`.
WU_MORANS, WU_AREA, WU_RENT, WU_VISITS, WU_SAME_A, WU_SAME_B = 0, 1, 2, 3, 4, 5
WU_ENGAGEMENT, WU_PARTICIPATED, WU_CHOICE, WU_CSR_OK, WU_TYPES, WU_LEN = 6, 7, 8, 9, 10, 11


@numba.njit(cache=True)
def _same_mask_nb(category: np.ndarray, code: int, prev: np.ndarray) -> bool:
    """``np.array_equal(prev, category == code)`` (prev a bool array)."""
    if prev.shape[0] != category.shape[0]:
        return False
    for j in range(category.shape[0]):
        if prev[j] != (category[j] == code):
            return False
    return True


@numba.njit(cache=True)
def _compress_sum_nb(values: np.ndarray, category: np.ndarray) -> float:
    """``float(values[category >= 0].sum())``, numpy's pairwise sum bit for bit."""
    n = category.shape[0]
    tmp = np.empty(n, dtype=np.float64)
    q = 0
    for j in range(n):
        if category[j] >= 0:
            tmp[q] = values[j]
            q += 1
    return pairwise_sum_nb(tmp[:q])


@numba.njit(cache=True)
def _week_units_nb(
    category: np.ndarray,
    chain: np.ndarray,
    meanwhile: np.ndarray,
    vacant_since: np.ndarray,
    week: int,
    commercial: np.ndarray,
    shop_type: np.ndarray,
    main_order: np.ndarray,
    n_cat: int,
    n_first: int,
    threshold_weeks: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    floorspace: np.ndarray,
    rent: np.ndarray,
    visits: np.ndarray,
    code_a: int,
    prev_a: np.ndarray,
    code_b: int,
    prev_b: np.ndarray,
    engagement: np.ndarray,
    participated: np.ndarray,
    choice: np.ndarray,
    choice_code: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weekly per-unit (and whole-resident) sums of ``TownModel._measure`` in one call,
    bit for bit (MODEL.md, "Outcomes").

    Returns ``(counts, out, f)``: ``counts`` and ``out`` of :func:`_unit_counts_nb`, and
    ``f`` (length ``WU_LEN``) with Moran's I of vacancy (x = 1.0 for a code < 0) on the CSR
    street graph ``(indptr, indices)``; the occupied floorspace (m2) and weekly rent (GBP)
    and all units' visits, each numpy's pairwise float sum; 1.0 where the units with code
    ``code_a`` (``code_b``) are exactly ``prev_a`` (``prev_b``); the pairwise sum of
    ``engagement``; the count of ``participated``; the count of ``choice == choice_code``;
    1.0 if ``indptr`` fits the units (else Moran's I is left 0.0 for the caller to raise
    :func:`morans_i_csr`'s error); and the number of shop-type categories with a unit.
    """
    counts, out = _unit_counts_nb(
        category,
        chain,
        meanwhile,
        vacant_since,
        week,
        commercial,
        shop_type,
        main_order,
        n_cat,
        n_first,
        threshold_weeks,
    )
    n = category.shape[0]
    f = np.zeros(WU_LEN, dtype=np.float64)
    if indptr.shape[0] == n + 1:
        f[WU_CSR_OK] = 1.0
        x = np.empty(n, dtype=np.float64)
        for j in range(n):
            x[j] = 1.0 if category[j] < 0 else 0.0
        f[WU_MORANS] = _morans_i_nb(x, indptr, indices)
    f[WU_AREA] = _compress_sum_nb(floorspace, category)
    f[WU_RENT] = _compress_sum_nb(rent, category)
    f[WU_VISITS] = pairwise_sum_nb(visits)
    f[WU_SAME_A] = 1.0 if _same_mask_nb(category, code_a, prev_a) else 0.0
    f[WU_SAME_B] = 1.0 if _same_mask_nb(category, code_b, prev_b) else 0.0
    f[WU_ENGAGEMENT] = pairwise_sum_nb(engagement)
    k = 0
    for i in range(participated.shape[0]):
        if participated[i]:
            k += 1
    f[WU_PARTICIPATED] = k
    k = 0
    for i in range(choice.shape[0]):
        if choice[i] == choice_code:
            k += 1
    f[WU_CHOICE] = k
    k = 0
    for c in range(n_cat):
        if shop_type[c] and counts[c] > 0:
            k += 1
    f[WU_TYPES] = k
    return counts, out, f


def _week_units_ref(*args: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain-numpy reference of :func:`_week_units_nb` (the expressions ``TownModel._measure``
    used before the kernel; same arguments)."""
    (category, chain, meanwhile, vacant_since, week, commercial, shop_type, main_order) = args[:8]
    (n_cat, n_first, threshold_weeks, indptr, indices, floorspace, rent, visits) = args[8:16]
    (code_a, prev_a, code_b, prev_b, engagement, participated, choice, choice_code) = args[16:]
    counts, out = _unit_counts_ref(
        category,
        chain,
        meanwhile,
        vacant_since,
        week,
        commercial,
        shop_type,
        main_order,
        n_cat,
        n_first,
        threshold_weeks,
    )
    occ = category >= 0
    f = np.zeros(WU_LEN)
    if indptr.shape[0] == category.size + 1:
        f[WU_CSR_OK] = 1.0
        f[WU_MORANS] = morans_i_csr((~occ).astype(np.float64), (indptr, indices))
    f[WU_AREA] = float(floorspace[occ].sum())
    f[WU_RENT] = float(rent[occ].sum())
    f[WU_VISITS] = float(visits.sum())
    f[WU_SAME_A] = float(np.array_equal(prev_a, category == code_a))
    f[WU_SAME_B] = float(np.array_equal(prev_b, category == code_b))
    f[WU_ENGAGEMENT] = float(engagement.sum())
    f[WU_PARTICIPATED] = float(np.count_nonzero(participated))
    f[WU_CHOICE] = float((choice == choice_code).sum())
    f[WU_TYPES] = float(np.count_nonzero(counts[shop_type]))
    return counts, out, f


# ---------------------------------------------------------------------------------------------
# The clustering sample: numpy's Generator.choice(pop, size, replace=False) from raw words
# ---------------------------------------------------------------------------------------------

_U32 = np.uint64(0xFFFFFFFF)
_U1 = np.uint64(1)
_SHIFT32 = np.uint64(32)


@numba.njit(cache=True)
def _word32_nb(raw: np.ndarray, pos: np.ndarray) -> np.uint64:
    """The next 32-bit output of a fresh PCG64 whose 64-bit outputs are ``raw``: the low
    half of each, then the high half (numpy's ``pcg64_next32``). ``pos[0]`` counts the words
    used; past the end it returns 0 and leaves ``pos[0] > 2 * raw.size``."""
    p = pos[0]
    pos[0] = p + 1
    if p >= 2 * raw.shape[0]:
        pos[0] = 2 * raw.shape[0] + 1
        return np.uint64(0)
    w = raw[p >> 1]
    return (w >> _SHIFT32) if (p & 1) else (w & _U32)


@numba.njit(cache=True)
def _bounded_nb(raw: np.ndarray, pos: np.ndarray, rng: int) -> int:
    """numpy's ``random_bounded_uint64(bitgen, 0, rng, 0, 0)`` for rng < 2^32: 0 without a
    draw for rng = 0, else Lemire's multiply-and-reject on 32-bit words."""
    if rng == 0:
        return 0
    r = np.uint64(rng)
    if r == _U32:
        return np.int64(_word32_nb(raw, pos))
    excl = r + _U1
    m = _word32_nb(raw, pos) * excl
    left = m & _U32
    if left < excl:
        threshold = (_U32 - r) % excl
        while left < threshold and pos[0] <= 2 * raw.shape[0]:
            m = _word32_nb(raw, pos) * excl
            left = m & _U32
    return np.int64(m >> _SHIFT32)


@numba.njit(cache=True)
def _choice_words_nb(raw: np.ndarray, pop: int, size: int) -> tuple[np.ndarray, bool]:
    """``Generator.choice(pop, size=size, replace=False)`` (numpy 2.x, shuffle=True) of a
    fresh PCG64 generator whose first 64-bit outputs are ``raw`` (uint64), the same indices.

    numpy's algorithm: for pop > 10000 and size > pop // 50 a tail Fisher-Yates shuffle of
    arange(pop), else Floyd's algorithm (a draw in [0, j] for j = pop - size .. pop - 1,
    replaced by j if already taken) followed by a Fisher-Yates shuffle of the result; every
    draw is ``random_bounded_uint64`` (see :func:`_bounded_nb`). Returns ``(idx, ok)``;
    ``ok`` is False if ``raw`` ran out (rejections are rare: pass ``size`` + a few words)
    or pop >= 2^32, and the caller then asks numpy itself.
    """
    idx = np.empty(size, dtype=np.int64)
    if size > pop or size < 0 or pop >= 0xFFFFFFFF:
        return idx, False
    pos = np.zeros(1, dtype=np.int64)
    if pop > 10000 and size > pop // 50:
        perm = np.arange(pop)
        first = max(pop - size, 1)
        for i in range(pop - 1, first - 1, -1):
            j = _bounded_nb(raw, pos, i)
            t = perm[j]
            perm[j] = perm[i]
            perm[i] = t
        idx[:] = perm[pop - size :]
    else:
        mask = np.int64(1.2 * size)  # numpy's <uint64_t>(1.2 * size): truncation
        for sh in (1, 2, 4, 8, 16, 32):
            mask |= mask >> sh
        taken = np.full(mask + 1, -1, dtype=np.int64)  # open addressing, linear probing
        for j in range(pop - size, pop):
            val = _bounded_nb(raw, pos, j)
            loc = val & mask
            while taken[loc] != -1 and taken[loc] != val:
                loc = (loc + 1) & mask
            if taken[loc] == -1:
                taken[loc] = val
            else:
                val = j  # j itself is never taken yet: all earlier entries are < j
                loc = j & mask
                while taken[loc] != -1:
                    loc = (loc + 1) & mask
                taken[loc] = j
            idx[j - pop + size] = val
        for i in range(size - 1, 0, -1):
            j = _bounded_nb(raw, pos, i)
            t = idx[j]
            idx[j] = idx[i]
            idx[i] = t
    return idx, pos[0] <= 2 * raw.shape[0]


def _choice_words_ref(gen: np.random.Generator, pop: int, size: int) -> np.ndarray:
    """What :func:`_choice_words_nb` must equal: numpy's own choice on the same generator."""
    return gen.choice(pop, size=size, replace=False)
