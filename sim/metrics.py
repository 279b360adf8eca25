"""Outcome measures of a town centre (MODEL.md, "Outcomes"; DATA.md, "The clone-town index").

Plain functions on numpy arrays: vacancy, diversity, social capital, economy and access.
Nothing here draws random numbers: where a measure is sampled (the clustering coefficient
of a large tie graph) the caller passes the sample of indices in. The weekly measurement of
the model's own state is :mod:`sim.measure`; the measures over residents (social capital on
the tie graph, access) are in :mod:`sim.resident_metrics`.

Degenerate inputs (empty arrays, no units, no ties, zero variance, zero total) return 0.0,
never NaN or inf; each function's docstring says which case is which.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.categories import CHAIN_TEMPLATE, N_CAT, VACANT

__all__ = [
    "category_counts",
    "clone_town_class",
    "clone_town_index",
    "csr_adjacency",
    "diversity",
    "evenness",
    "gini",
    "long_term_vacancy_rate",
    "mean_vacancy_spell",
    "morans_i",
    "morans_i_csr",
    "richness",
    "shannon",
    "simpson",
    "spend_shares",
    "vacancy_spells",
    "template_distance",
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
    if c.size and c.min() < 0:
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
    return _mix(_counts_array(counts))["shannon"]


def simpson(counts: Any) -> float:
    """Simpson (Gini-Simpson) diversity of a category mix.

    D = 1 - sum_i p_i^2 with p_i = n_i / sum(n): the probability that two units drawn with
    replacement are in different categories. MODEL.md, "Outcomes" (diversity).

    Args:
        counts: Non-negative counts per category.

    Returns:
        D in [0, 1); 0.0 for empty or all-zero counts.
    """
    return _mix(_counts_array(counts))["simpson"]


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
    return _mix(_counts_array(counts))["evenness"]


def _mix(c: np.ndarray, template: np.ndarray | None = None) -> dict[str, float]:
    """Richness, Shannon, Simpson, evenness and the distance from ``template`` (shares summing
    to 1; the chains' template by default) of the non-negative counts ``c``."""
    total = c.sum()
    if not total > 0.0:
        return dict.fromkeys(("richness", "shannon", "simpson", "evenness"), 0.0) | {
            "template_distance": 0.0
        }
    p = c / total
    q = p[p > 0]
    h = max(0.0, -float(q @ np.log(q)))
    s = q.size
    t = TEMPLATE_SHARE if template is None else template
    td = 0.5 * float(np.abs(p - t).sum()) if t.size == p.size else 0.0  # other lengths: none
    return {
        "richness": s,
        "shannon": h,
        "simpson": max(0.0, 1.0 - float(p @ p)),
        "evenness": min(1.0, max(0.0, h / math.log(s))) if s > 1 else 0.0,
        "template_distance": min(1.0, max(0.0, td)),
    }


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
    return _mix(_counts_array(counts))


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
    if tt <= 0.0:
        return 0.0
    return _mix(c, t / tt)["template_distance"]


_TEMPLATE = _counts_array(CHAIN_TEMPLATE)
_TEMPLATE_SUM = _TEMPLATE.sum()
#: The chains' template as shares summing to 1 (for :func:`template_distance`).
TEMPLATE_SHARE = _TEMPLATE / _TEMPLATE_SUM


# ---------------------------------------------------------------------------------------------
# Spatial clustering of vacancy: global Moran's I on the street graph (MODEL.md, "Outcomes")
# ---------------------------------------------------------------------------------------------

#: Variance below this fraction of sum(x^2) is rounding noise of a constant series.
REL_VAR_TOL: float = 1e-26


def _morans_i(x: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> float:
    """Moran's I of ``x`` on a CSR adjacency with binary weights (see :func:`morans_i`)."""
    n = x.size
    w_sum = float(indptr[n] - indptr[0]) if n else 0.0
    if w_sum <= 0.0:
        return 0.0
    z = x - x.mean()
    m2 = float(z @ z)
    if m2 <= 0.0 or m2 <= REL_VAR_TOL * float(x @ x):
        return 0.0
    rows = np.repeat(np.arange(n), np.diff(indptr))
    cross = float(z[rows] @ z[indices[indptr[0] : indptr[n]]])
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
    return _morans_i(x, indptr, indices)


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
    return _morans_i(x, csr[0], csr[1])


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
