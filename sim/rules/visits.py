"""Visits and spending: centre visitors choose venues by a Huff-style multinomial logit and
spend there (MODEL.md, "Residents": "Visitors choose 1..k venues by multinomial logit
(Huff-style): category preference, log attractiveness, walking distance from the arrival
point, friends present. Spend goes to commercial venues; community venues take no spend").

For resident i of taste class c arriving from sector s, venue j has utility

    V_ij = pref[c, cat_j] + indep[c] (1 - chain_j) + a ln(attract_j floorspace_j)
           - walk_b ln(walk_m[s, j]) - blight vacant_neighbour_share_j + quality_j
           + beta_friend_venue ln(1 + n_ij)

where n_ij is the number of i's ties' visits to j last week (the log keeps a venue's pull
from growing without bound with the number of friends who were there). The first five terms
depend only on the group g = (s, c), so their exponentials ``w[g, j]`` and running sums are
computed once a week; the friend term touches only the few venues i's friends visited. Units
closed by a lockdown take no visits.

Each visitor makes ``K`` draws with replacement: the venues visited (which ties and next
week's friend pulls read). Spending follows the visitor's choice probabilities: a visitor
with budget b spends ``b x spend_mult x sum_j P_ij x spend_w[cat_j]``, of which the share of
each category bought online this week (:mod:`sim.rules.drivers`) goes online and the rest to
the venues, each venue taking its expected share; what is not spent is kept. Occupiers'
trading is thus the expectation over the simulated visitors' choices (a Rao-Blackwellised
estimate): it does not carry the sampling noise of simulating fewer households than the town
has, so results do not depend on the number of simulated residents (docs/model.md). Park
visitors spend their budget at the park less the park's online share.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.categories import ATTRACT, SPEND_W, VACANT
from sim.logit import guide_tables_nb, search_guided_nb
from sim.params import Params
from sim.prefetch import prefetch_row
from sim.state import World, park_trade_kept
from sim.streams import Streams

CENTRE, PARK = 1, 2
_LOG_ATTRACT = np.log(ATTRACT)  # per category
#: Rows ahead whose friends' venues the kernel prefetches (tuned at 10^6 residents).
PREFETCH_AHEAD = 8
#: Residents from which the kernel prefetches: with fewer, last week's venues are in the
#: cache and the hints cost more than they save (docs/performance.md, issue 12: 5,000
#: residents ran faster without them, 100,000 and 10^6 with; between, not measured finely).
PREFETCH_MIN_ROWS = 20_000


@njit(cache=True)
def visits_nb(
    choice, group, budget, venues_prev, tie_id, w, spend_c, spend_o, beta_fv, u, spend_mult,
    weight, park_keep, venues, revenue, visits, out,
):  # fmt: skip
    """Numba kernel. Writes the sampled ``venues`` (R, K), adds each unit's expected revenue
    and visits to ``revenue`` and ``visits`` and fills ``out`` = [budget, spend, kept,
    revenue, park, online] (GBP, weighted). ``w`` (groups, units): the week's venue weights
    of each group (:func:`group_weights`), whose running sums along the units it builds.

    ``spend_c[j]``: share of a visit's budget spent at venue j (0 at vacant, closed and
    non-commercial units); ``spend_o[j]``: the share bought online instead; ``park_keep``: the
    share of a park visitor's budget spent at the park. Speed: the friend factor
    exp(beta ln(1 + n)) - 1 is tabulated for the possible counts n = 0..C K, friends' venues
    are counted in first-seen order by a mark per unit (no search of those seen), the venue drawn
    with guide tables (:func:`sim.logit.search_guided_nb`), and (from
    :data:`PREFETCH_MIN_ROWS` residents) the rows of last week's venues of the ties of the
    visitor ``PREFETCH_AHEAD`` rows ahead prefetched. The expected spend of
    the group part of every visitor is summed per group (``base_b``, ``base_v``) and spread
    over the units once, after the visitors.
    """
    R, K = venues.shape
    C = tie_id.shape[1]
    G, U = w.shape
    fv = np.empty(C * K, np.int64)
    cnt = np.empty(C * K, np.int64)
    fn = np.empty(C * K, np.float64)
    gain = np.empty(C * K + 1, np.float64)
    seen = np.full(U, -1, np.int64)  # the last visitor whose friends were at each unit
    slot = np.zeros(U, np.int64)  # and where in fv
    for n in range(C * K + 1):
        gain[n] = math.exp(beta_fv * math.log1p(float(n))) - 1.0
    cum = np.empty((G, U))  # running sums of the weights along the units, row totals
    tot = np.zeros(G)
    for g in range(G):
        acc = 0.0
        for j in range(U):
            acc += w[g, j]
            cum[g, j] = acc
        tot[g] = acc
    guide, width, scale = guide_tables_nb(cum, tot)
    wc = np.zeros(G)  # sum_j w[g, j] spend_c[j]
    wo = np.zeros(G)
    for j in range(U):  # units outside: the groups' sums run in parallel
        for g in range(G):
            wc[g] += w[g, j] * spend_c[j]
            wo[g] += w[g, j] * spend_o[j]
    base_b = np.zeros(G)  # sum over the group's visitors of b / total
    base_v = np.zeros(G)  # sum of 1 / total
    ahead = PREFETCH_AHEAD if R >= PREFETCH_MIN_ROWS else R  # R: no prefetching
    for i in range(R):
        ia = i + ahead
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
            out[4] += weight * b * park_keep
            out[5] += weight * b * (1.0 - park_keep)
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
                if seen[j] == i:  # counted already for this visitor
                    cnt[slot[j]] += 1
                else:
                    seen[j] = i
                    slot[j] = m
                    fv[m] = j
                    cnt[m] = 1
                    m += 1
        extra = 0.0
        for q in range(m):
            fn[q] = w[g, fv[q]] * gain[cnt[q]]
            extra += fn[q]
        total = tot[g] + extra
        if total <= 0.0:  # nothing open
            out[2] += weight * b
            continue
        # expected spending (the choice probabilities: w / total)
        sc = wc[g]
        so = wo[g]
        for q in range(m):
            p = fn[q] / total
            revenue[fv[q]] += weight * b * spend_c[fv[q]] * p
            visits[fv[q]] += weight * K * p
            sc += fn[q] * spend_c[fv[q]]
            so += fn[q] * spend_o[fv[q]]
        base_b[g] += b / total
        base_v[g] += 1.0 / total
        sc *= b / total
        so *= b / total
        out[1] += weight * (sc + so)
        out[3] += weight * sc
        out[5] += weight * so
        out[2] += weight * (b - sc - so)
        # the venues visited: K draws
        for k in range(K):
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
            venues[i, k] = j
    for g in range(G):
        if base_v[g] > 0.0:
            for j in range(U):
                revenue[j] += weight * w[g, j] * spend_c[j] * base_b[g]
                visits[j] += weight * K * w[g, j] * base_v[g]


def visits_ref(
    choice, group, budget, venues_prev, tie_id, w, spend_c, spend_o, beta_fv, u, spend_mult,
    weight, park_keep, venues, revenue, visits, out,
):  # fmt: skip
    """Plain-numpy reference of :func:`visits_nb` (same inputs and draws; equal up to the
    rounding of sums): each centre visitor's choice probabilities over every unit."""
    R, K = venues.shape
    venues[:] = -1
    cum = np.cumsum(w, axis=1)
    tot = cum[:, -1] if w.shape[1] else np.zeros(w.shape[0])
    for i in range(R):
        b = budget[i] * spend_mult
        out[0] += weight * b
        if choice[i] == PARK:
            out[1] += weight * b
            out[4] += weight * b * park_keep
            out[5] += weight * b * (1.0 - park_keep)
            continue
        if choice[i] != CENTRE:
            out[2] += weight * b
            continue
        g = group[i]
        counts: dict[int, int] = {}
        for f in tie_id[i]:
            if f >= 0:
                for j in venues_prev[f]:
                    if j >= 0:
                        counts[int(j)] = counts.get(int(j), 0) + 1
        order = list(counts)  # first-seen order, as in the kernel
        wi = np.array(w[g], dtype=np.float64)
        extras = [w[g, j] * (math.exp(beta_fv * math.log1p(counts[j])) - 1.0) for j in order]
        for j, e in zip(order, extras, strict=True):
            wi[j] += e
        total = float(tot[g]) + sum(extras)
        if total <= 0.0:
            out[2] += weight * b
            continue
        p = wi / total
        revenue += weight * b * spend_c * p
        visits += weight * K * p
        sc, so = b * float(p @ spend_c), b * float(p @ spend_o)
        out[1] += weight * (sc + so)
        out[3] += weight * sc
        out[5] += weight * so
        out[2] += weight * (b - sc - so)
        for k in range(K):
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
            venues[i, k] = j


def group_weights(world: World, pars: Params, rng: Streams | None = None) -> None:
    """This week's venue-choice weights per visit group g = sector * n_taste + taste class
    (the first five terms of the venue utility, which do not depend on the visitor within a
    group), into ``world.now``: ``weights[g, j]`` = exp(V_gj - the row's largest V over
    occupied units), 0 at vacant units (:func:`visits_nb` builds their running sums); and
    each unit's spend weights (0 at vacant, closed and non-commercial units): ``spend_w`` at
    the venue, ``online_w`` bought online instead."""
    u, rp, now, d = world.units, pars.residents, world.now, world.d
    cat = np.maximum(u.category, 0)
    occ = (u.category >= 0) & ~now.lockdown[cat]  # occupied and open
    vs = rp.huff_a * (_LOG_ATTRACT[cat] + d.log_floorspace) - rp.walk_b * d.log_walk
    vs += u.quality - rp.blight * _vacant_neighbour_share(world)  # (sector, unit)
    vs[:, ~occ] = -np.inf  # closed and vacant units are never chosen
    vt = world.pref[:, cat] + world.indep_taste[:, None] * ~u.chain  # (taste, unit)
    v = (vs[:, None, :] + vt[None, :, :]).reshape(vs.shape[0] * vt.shape[0], u.n)
    if occ.any():
        v -= v.max(axis=1, keepdims=True)  # <= 0
    else:
        np.minimum(v, 50.0, out=v)
    w = np.exp(v, out=v)
    now.weights = w
    spend = np.where(occ, SPEND_W[cat], 0.0)
    now.spend_w = spend * (1.0 - now.online_cat[cat])
    now.online_w = spend * now.online_cat[cat]


def _vacant_neighbour_share(world: World) -> np.ndarray:
    """Share of each unit's street neighbours that are vacant (0 with no neighbour): the
    blight term of the venue utility (MODEL.md, "Residents")."""
    d = world.d
    vacant = world.units.category[world.neigh_indices] == VACANT
    n_vac = np.bincount(d.neigh_rows, weights=vacant, minlength=d.degree.size)
    return n_vac / np.maximum(d.degree, 1.0)


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
        now.spend_w,
        now.online_w,
        pars.residents.beta_friend_venue,
        draws,
        now.spend_mult,
        world.weight,
        park_trade_kept(pars, now.online),
        res.venues,
        u.revenue,
        u.visits,
        out,
    )
    L.budget, L.spend, L.kept, L.revenue, L.park, L.online = (float(x) for x in out)
