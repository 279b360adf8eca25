"""Visits and spending: centre visitors choose venues by a Huff-style multinomial logit and
spend there (MODEL.md, "Residents": "Visitors choose 1..k venues by multinomial logit
(Huff-style): category preference, log attractiveness, walking distance from the arrival
point, friends present. Spend goes to commercial venues; community venues take no spend").

For resident i of taste class c arriving from sector s, venue j has utility

    V_ij = pref[c, cat_j] + indep[c] (1 - chain_j) + a ln(attract_j floorspace_j)
           - walk_b ln(walk_m[s, j]) - blight vacant_neighbour_share_j + quality_j
           + beta_friend_venue ln(1 + n_ij)

where n_ij is the number of i's ties' visits to j last week (the log keeps a venue's pull
from growing without bound with the number of friends who were there). The first five terms depend
only on the group g = (s, c), so their exponentials ``w[g, j]`` and running sums are computed
once a week; the friend term touches only the few venues i's friends visited, so each draw
is exact and costs O(ties + log units). Each visitor makes ``K`` draws with replacement.
Spend per visit is ``budget_i x spend_mult / K x spend_w[cat_j]`` (0 at non-commercial uses);
what is not spent is kept.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.logit import guide_tables_nb, search_cum_ref, search_guided_nb
from sim.npsum import np_maximum_nb
from sim.prefetch import prefetch_row

CENTRE, PARK, ONLINE = 1, 2, 3
#: Rows ahead whose friends' venues the kernel prefetches (tuned at 10^6 residents).
PREFETCH_AHEAD = 8


@njit(cache=True)
def visits_nb(
    choice,
    group,
    budget,
    venues_prev,
    tie_id,
    w,
    cum,
    tot,
    spend_w,
    beta_fv,
    u,
    spend_mult,
    weight,
    venues,
    revenue,
    visits,
    out,
):
    """Numba kernel. Writes ``venues`` (R, K), adds to ``revenue`` and ``visits`` (per unit) and
    fills ``out`` = [budget, spend, kept, revenue, park, online] (GBP, weighted).

    Speed (same results as :func:`visits_ref`): the friend factor exp(beta ln(1 + n)) - 1 is
    tabulated for the possible counts n = 0..C K, the venue is found with guide tables
    (:func:`sim.logit.search_guided_nb`) rather than a binary search, and the rows of last
    week's venues of the ties of the visitor ``PREFETCH_AHEAD`` rows ahead are prefetched.
    """
    R, K = venues.shape
    C = tie_id.shape[1]
    fv = np.empty(C * K, np.int64)
    cnt = np.empty(C * K, np.int64)
    fn = np.empty(C * K, np.float64)
    gain = np.empty(C * K + 1, np.float64)
    for n in range(C * K + 1):
        gain[n] = math.exp(beta_fv * math.log1p(float(n))) - 1.0
    guide, width, scale = guide_tables_nb(cum, tot)
    for i in range(R):
        ia = i + PREFETCH_AHEAD
        if ia < R and choice[ia] == CENTRE:
            for c in range(C):
                f = tie_id[ia, c]
                if f >= 0:
                    prefetch_row(venues_prev, f)
        for k in range(K):
            venues[i, k] = -1
        b = budget[i] * spend_mult
        out[0] += weight * b
        ch = choice[i]
        if ch == PARK:
            out[1] += weight * b
            out[4] += weight * b
            continue
        if ch == ONLINE:
            out[1] += weight * b
            out[5] += weight * b
            continue
        if ch != CENTRE:
            out[2] += weight * b
            continue
        g = group[i]
        # friends' venues last week, with counts
        m = 0
        for c in range(C):
            f = tie_id[i, c]
            if f < 0:
                continue
            for kk in range(K):
                j = venues_prev[f, kk]
                if j < 0:
                    continue
                found = False
                for q in range(m):
                    if fv[q] == j:
                        cnt[q] += 1
                        found = True
                        break
                if not found:
                    fv[m] = j
                    cnt[m] = 1
                    m += 1
        extra = 0.0
        for q in range(m):
            fn[q] = w[g, fv[q]] * gain[cnt[q]]
            extra += fn[q]
        total = tot[g] + extra
        spent = 0.0
        for k in range(K):
            if total <= 0.0:
                break
            target = u[i, k] * total
            if target < tot[g]:
                j = search_guided_nb(cum[g], guide[g], width[g], scale[g], target)
            else:
                target -= tot[g]
                j = fv[m - 1] if m > 0 else -1
                acc = 0.0
                for q in range(m):
                    acc += fn[q]
                    if target < acc:
                        j = fv[q]
                        break
            if j < 0:
                continue
            venues[i, k] = j
            visits[j] += weight
            s = b / K * spend_w[j]
            revenue[j] += weight * s
            spent += s
        out[1] += weight * spent
        out[3] += weight * spent
        out[2] += weight * (b - spent)


def visits_ref(
    choice,
    group,
    budget,
    venues_prev,
    tie_id,
    w,
    cum,
    tot,
    spend_w,
    beta_fv,
    u,
    spend_mult,
    weight,
    venues,
    revenue,
    visits,
    out,
):
    """Plain-Python reference of :func:`visits_nb` (same inputs and draws)."""
    R, K = venues.shape
    venues[:] = -1
    for i in range(R):
        b = budget[i] * spend_mult
        out[0] += weight * b
        ch = choice[i]
        if ch in (PARK, ONLINE):
            out[1] += weight * b
            out[4 if ch == PARK else 5] += weight * b
            continue
        if ch != CENTRE:
            out[2] += weight * b
            continue
        g = group[i]
        counts: dict[int, float] = {}
        for f in tie_id[i]:
            if f < 0:
                continue
            for j in venues_prev[f]:
                if j >= 0:
                    counts[int(j)] = counts.get(int(j), 0.0) + 1.0
        order = list(counts)  # insertion order = first-seen order, as in the kernel
        extras = [w[g, j] * (math.exp(beta_fv * math.log1p(counts[j])) - 1.0) for j in order]
        extra = 0.0
        for e in extras:
            extra += e
        total = tot[g] + extra
        spent = 0.0
        for k in range(K):
            if total <= 0.0:
                break
            target = float(u[i, k]) * total
            if target < tot[g]:
                j = search_cum_ref(cum[g], target)
            else:
                target -= tot[g]
                j = order[-1] if order else -1
                acc = 0.0
                for q, e in enumerate(extras):
                    acc += e
                    if target < acc:
                        j = order[q]
                        break
            if j < 0:
                continue
            venues[i, k] = j
            visits[j] += weight
            s = b / K * spend_w[j]
            revenue[j] += weight * s
            spent += s
        out[1] += weight * spent
        out[3] += weight * spent
        out[2] += weight * (b - spent)


@njit(cache=True)
def unit_terms_nb(category, attract, spend_table):
    """Per unit, for :func:`group_weights` and the spending of :func:`visits_nb`, in one pass:
    ``max((1 if occupied else 0) * attract[cat], 1e-12)`` (whose log is the attractiveness
    term, MODEL.md "Residents": "log attractiveness") and the spend weight ``spend_table[cat]``
    (0 at a vacant unit). The same floats as the numpy expressions
    ``np.maximum(np.where(cat >= 0, 1.0, 0.0) * attract[np.maximum(cat, 0)], 1e-12)`` and
    ``np.where(cat >= 0, spend_table[np.maximum(cat, 0)], 0.0)``."""
    n = category.shape[0]
    pre = np.empty(n)
    spend = np.empty(n)
    for j in range(n):
        c = category[j]
        occ = c >= 0
        a = (1.0 if occ else 0.0) * attract[c if occ else 0]
        pre[j] = np_maximum_nb(a, 1e-12)
        spend[j] = spend_table[c] if occ else 0.0
    return pre, spend


@njit(cache=True)
def vacant_neighbour_share_nb(category, indptr, indices):
    """Share of each unit's street neighbours that are vacant (0 with no neighbour): the
    blight term of the venue utility (MODEL.md, "Residents"). Counts of vacant neighbours
    are whole numbers, so the sums are exact in any order."""
    n = category.shape[0]
    out = np.zeros(n)
    for j in range(n):
        deg = indptr[j + 1] - indptr[j]
        if deg > 0:
            s = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                if category[indices[k]] < 0:
                    s += 1.0
            out[j] = s / deg
    return out


def group_weights(
    pref,
    indep_taste,
    category,
    chain,
    log_attract,
    log_walk,
    blight_share,
    walk_b,
    blight,
    huff_a,
    quality,
):
    """Weekly cached choice weights per group g = sector * n_taste + taste class.

    Returns ``(w, cum, tot)``: ``w[g, j]`` = exp(V_gj - shift) for occupied units, 0 for vacant
    ones; ``cum`` its running sum along units; ``tot`` the row totals. The same arrays as
    :func:`group_weights_ref`, with the shift and the running sums in numba kernels (the
    exponentials stay numpy's).
    """
    occ = category >= 0
    arrays = (pref, indep_taste, log_attract, log_walk, blight_share, quality)
    if not all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays) or not (
        pref.ndim == 2
        and log_walk.ndim == 2
        and category.shape == chain.shape == log_attract.shape == blight_share.shape
        and category.shape == quality.shape == (log_walk.shape[1],)
        and chain.dtype == np.bool_
        and indep_taste.shape == (pref.shape[0],)
    ):
        return group_weights_ref(
            pref,
            indep_taste,
            category,
            chain,
            log_attract,
            log_walk,
            blight_share,
            walk_b,
            blight,
            huff_a,
            quality,
        )
    cat = np.maximum(category, 0).astype(np.int64)
    vt = _taste_part_nb(pref, indep_taste, cat, chain)
    vs = _sector_part_nb(
        log_attract, log_walk, blight_share, quality, float(walk_b), float(blight), float(huff_a)
    )
    e = _shifted_utilities_nb(vs, vt, occ)
    np.exp(e, out=e)  # numpy's exponential (numba's differs in the last bit), in place
    return _weights_cum_nb(e, occ)


@njit(cache=True)
def _taste_part_nb(pref, indep_taste, cat, chain):
    """``pref[:, cat] + indep_taste[:, None] * (~chain)[None, :]``, element by element as
    numpy computes it (the bool taken as 1.0 or 0.0)."""
    n_t = pref.shape[0]
    n_u = cat.shape[0]
    out = np.empty((n_t, n_u))
    for t in range(n_t):
        for j in range(n_u):
            out[t, j] = pref[t, cat[j]] + indep_taste[t] * (0.0 if chain[j] else 1.0)
    return out


@njit(cache=True)
def _sector_part_nb(log_attract, log_walk, blight_share, quality, walk_b, blight, huff_a):
    """``huff_a * log_attract - walk_b * log_walk - blight * blight_share + quality`` per
    (sector, unit), in numpy's order of operations."""
    n_s, n_u = log_walk.shape
    out = np.empty((n_s, n_u))
    for s in range(n_s):
        for j in range(n_u):
            out[s, j] = (
                huff_a * log_attract[j] - walk_b * log_walk[s, j] - blight * blight_share[j]
            ) + quality[j]
    return out


def _utility_parts(
    pref,
    indep_taste,
    category,
    chain,
    log_attract,
    log_walk,
    blight_share,
    walk_b,
    blight,
    huff_a,
    quality,
):
    """The (taste, unit) and (sector, unit) parts of the group utilities."""
    cat = np.maximum(category, 0)
    vt = pref[:, cat] + indep_taste[:, None] * (~chain)[None, :]
    vs = (
        huff_a * log_attract[None, :]
        - walk_b * log_walk
        - blight * blight_share[None, :]
        + quality[None, :]
    )
    return vt, vs


@njit(cache=True)
def _shifted_utilities_nb(vs, vt, occ):
    """Numba kernel of :func:`group_weights`: ``v[s * T + t, j] = vs[s, j] + vt[t, j]``, less
    the row's largest value over occupied units (no shift if none is occupied), capped at 50
    (as numpy's max, subtraction and ``minimum`` do it, NaN included)."""
    n_s, n_u = vs.shape
    n_t = vt.shape[0]
    out = np.empty((n_s * n_t, n_u))
    any_occ = False
    for j in range(n_u):
        if occ[j]:
            any_occ = True
            break
    for s in range(n_s):
        for t in range(n_t):
            r = s * n_t + t
            m = 0.0
            first = True
            for j in range(n_u):
                x = vs[s, j] + vt[t, j]
                out[r, j] = x
                if occ[j]:
                    if first:
                        m = x
                        first = False
                    elif m == m and (x > m or x != x):  # a NaN stays the max
                        m = x
            for j in range(n_u):
                y = out[r, j] - m if any_occ else out[r, j]
                out[r, j] = 50.0 if y > 50.0 else y
    return out


@njit(cache=True)
def _weights_cum_nb(e, occ):
    """Numba kernel of :func:`group_weights`: the weights (``e`` at occupied units, 0 at vacant
    ones, written over ``e``, which is returned as ``w``), their running sums along each row
    (in order, as ``np.cumsum``: the first sum is the first weight itself) and the totals."""
    n_r, n_u = e.shape
    w = e
    cum = np.empty((n_r, n_u))
    tot = np.zeros(n_r)
    for r in range(n_r):
        acc = 0.0
        for j in range(n_u):
            x = e[r, j] if occ[j] else 0.0
            w[r, j] = x
            acc = x if j == 0 else acc + x
            cum[r, j] = acc
        if n_u:
            tot[r] = acc
    return w, cum, tot


def group_weights_ref(
    pref,
    indep_taste,
    category,
    chain,
    log_attract,
    log_walk,
    blight_share,
    walk_b,
    blight,
    huff_a,
    quality,
):
    """Plain-numpy reference of :func:`group_weights` (same inputs, same arrays)."""
    n_sec = log_walk.shape[0]
    n_taste = pref.shape[0]
    occ = category >= 0
    vt, vs = _utility_parts(
        pref,
        indep_taste,
        category,
        chain,
        log_attract,
        log_walk,
        blight_share,
        walk_b,
        blight,
        huff_a,
        quality,
    )
    v = vs[:, None, :] + vt[None, :, :]  # (sector, taste, unit)
    v = v.reshape(n_sec * n_taste, -1)
    if v.shape[1]:
        v = v - v[:, occ].max(axis=1, keepdims=True) if occ.any() else v
    w = np.where(occ[None, :], np.exp(np.minimum(v, 50.0)), 0.0)
    cum = np.cumsum(w, axis=1)
    tot = cum[:, -1].copy() if w.shape[1] else np.zeros(w.shape[0])
    return w, cum, tot
