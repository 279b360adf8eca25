"""Outcome measures over residents (MODEL.md, "Outcomes"): social capital on the tie graph
and access to everyday uses.

Their cost grows with residents, so each is a numba kernel ``_name_nb`` with a plain-Python
reference ``name_ref`` taking the same inputs, which the tests hold equal within rounding.
The public function validates and converts its inputs, then calls the kernel. Nothing here
draws random numbers: the clustering coefficient's sample of residents is passed in.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "access_share",
    "bridging_share",
    "clustering_coefficient",
    "isolated_share",
    "mean_tie_strength",
    "mean_ties",
    "tie_summary",
]


# ---------------------------------------------------------------------------------------------
# Social capital on tie arrays (MODEL.md, "Outcomes"): tie_id (R, C) int with -1 for an empty
# slot, tie_w (R, C) strengths in (0, 1]. A tie is a slot whose id is in [0, R); other ids are
# ignored. Ties are stored both ways, so slot-based means count each tie from both ends.
# ---------------------------------------------------------------------------------------------


def _tie_array(tie_id: Any) -> np.ndarray:
    t = np.asarray(tie_id)
    if t.ndim != 2:
        raise ValueError("tie_id must be a 2-D (residents, slots) array")
    if t.dtype.kind not in "iu":
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
    float sum runs over the sample in order.
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


def tie_summary_ref(
    tie_id: np.ndarray, tie_w: np.ndarray, group: np.ndarray, sample: np.ndarray
) -> tuple[float, float, float, float, float]:
    """Plain-Python reference of :func:`_tie_summary_nb` (same inputs; equal up to rounding)."""
    r, c = tie_id.shape

    def neighbours(i: int) -> set[int]:
        return {int(j) for j in tie_id[i] if 0 <= j < r and j != i}

    clus = 0.0
    for i in sample:
        nb = sorted(neighbours(int(i)))
        k = len(nb)
        if k >= 2:
            links = sum(
                nb[b] in neighbours(nb[a]) or nb[a] in neighbours(nb[b])
                for a in range(k)
                for b in range(a + 1, k)
            )
            clus += links / (k * (k - 1) / 2.0)
    clus = clus / len(sample) if len(sample) else 0.0
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
# Access (MODEL.md, "Outcomes": share of residents within a walk of a grocery / a health use)
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _access_share_nb(
    res_x: np.ndarray, res_y: np.ndarray, res_weight: np.ndarray, unit_x: np.ndarray,
    unit_y: np.ndarray, has_use: np.ndarray, walk_m: float,
) -> float:  # fmt: skip
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


def access_share_ref(
    res_x: np.ndarray, res_y: np.ndarray, res_weight: np.ndarray, unit_x: np.ndarray,
    unit_y: np.ndarray, has_use: np.ndarray, walk_m: float,
) -> float:  # fmt: skip
    """Plain-numpy reference of :func:`_access_share_nb`: brute force over every pair of a
    resident and a unit with the use (memory grows with their product: for tests)."""
    if len(res_x) == 0 or not walk_m >= 0.0:
        return 0.0
    weight = np.asarray(res_weight, dtype=np.float64)
    total = float(weight.sum())
    ux, uy = np.asarray(unit_x)[has_use], np.asarray(unit_y)[has_use]
    if not total > 0.0 or ux.size == 0:
        return 0.0
    d2 = (np.asarray(res_x)[:, None] - ux) ** 2 + (np.asarray(res_y)[:, None] - uy) ** 2
    return float(weight[(d2 <= walk_m * walk_m).any(axis=1)].sum()) / total


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
