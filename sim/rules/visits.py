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

from sim.categories import ATTRACT, SPEND_W
from sim.logit import guide_tables_nb, search_guided_nb
from sim.params import Params
from sim.prefetch import prefetch_row
from sim.state import World
from sim.streams import Streams

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

    Speed (the results of :func:`visits_ref`): the friend factor exp(beta ln(1 + n)) - 1 is
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
    """Plain-Python reference of :func:`visits_nb` (same inputs and draws; equal up to the
    rounding of sums)."""
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
                j = int(min(np.searchsorted(cum[g], target, side="right"), len(cum[g]) - 1))
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


def group_weights(world: World, pars: Params, rng: Streams | None = None) -> None:
    """This week's venue-choice weights per visit group g = sector * n_taste + taste class
    (the first five terms of the venue utility, which do not depend on the visitor within a
    group), into ``world.now``: ``weights[g, j]`` = exp(V_gj - the row's largest V over
    occupied units), 0 at vacant units; their running sums ``cum`` along the units and row
    totals ``tot``; and each unit's spend weight ``spend_w`` (0 at vacant and non-commercial
    units)."""
    u, rp, now = world.units, pars.residents, world.now
    occ = u.category >= 0
    cat = np.maximum(u.category, 0)
    log_attract = np.where(occ, np.log(ATTRACT[cat]) + np.log(u.floorspace), 0.0)
    blight = _vacant_neighbour_share(world)
    vt = world.pref[:, cat] + world.indep_taste[:, None] * (~u.chain)[None, :]  # (taste, unit)
    vs = rp.huff_a * log_attract - rp.walk_b * world.d.log_walk - rp.blight * blight + u.quality
    v = (vs[:, None, :] + vt[None, :, :]).reshape(vs.shape[0] * vt.shape[0], u.n)
    if occ.any():
        v -= v[:, occ].max(axis=1, keepdims=True)
    w = np.where(occ, np.exp(np.minimum(v, 50.0)), 0.0)
    now.weights = w
    now.cum = np.cumsum(w, axis=1)
    now.tot = now.cum[:, -1].copy() if u.n else np.zeros(w.shape[0])
    now.spend_w = np.where(occ, SPEND_W[cat], 0.0)


def _vacant_neighbour_share(world: World) -> np.ndarray:
    """Share of each unit's street neighbours that are vacant (0 with no neighbour): the
    blight term of the venue utility (MODEL.md, "Residents")."""
    indptr, indices = world.neigh_indptr, world.neigh_indices
    deg = np.diff(indptr)
    vac = (world.units.category[indices] < 0).astype(np.float64)
    rows = np.repeat(np.arange(deg.size), deg)
    return np.bincount(rows, weights=vac, minlength=deg.size) / np.maximum(deg, 1)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Centre visitors choose their venues and spend (:func:`visits_nb`); the week's spend
    flows go to the ledger. Needs :func:`group_weights` of this week."""
    res, u, now, L = world.res, world.units, world.now, world.ledger
    res.venues_prev, res.venues = res.venues, res.venues_prev
    u.revenue[:] = 0.0
    u.visits[:] = 0.0
    out = np.zeros(6)
    draws = rng["visits"].random(res.venues.shape, dtype=np.float32)
    visits_nb(
        res.choice,
        world.d.group,
        res.budget,
        res.venues_prev,
        res.tie_id,
        now.weights,
        now.cum,
        now.tot,
        now.spend_w,
        pars.residents.beta_friend_venue,
        draws,
        now.spend_mult,
        world.weight,
        res.venues,
        u.revenue,
        u.visits,
        out,
    )
    L.budget, L.spend, L.kept, L.revenue, L.park, L.online = (float(x) for x in out)
