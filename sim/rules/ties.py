"""Co-presence ties: meeting at venues, strengthening, decay and dropping (MODEL.md,
"Residents": "Co-presence at a venue in the same week creates or strengthens ties with a
probability that depends on the venue kind (third places: cafes, markets, community,
learning and voluntary uses meet most). Ties decay each week and are dropped under a
threshold").

Each week, in this order:

1. every tie decays: ``w <- w (1 - decay)``; ties under ``drop_below`` are dropped;
2. for every visit (resident i, slot k) to unit j, in unit order then resident order, with
   probability ``meet[j]`` i meets one other visitor of j that week, chosen uniformly; the
   pair's tie is strengthened by ``strengthen`` (capped at 1) or, if new, created with
   strength ``new_strength``. A resident with no free slot replaces its weakest tie if that
   tie is weaker than a new one; otherwise no tie forms.

Ties are symmetric: both ends always hold the same strength. Draws ``u_meet`` and
``u_partner`` are made for every (resident, slot), used or not (named streams).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.categories import CAT, MEET
from sim.params import Params
from sim.prefetch import prefetch_row
from sim.state import World
from sim.streams import Streams

#: Third places (MODEL.md: "cafes, markets, community, learning and voluntary uses meet
#: most"): their meeting rate is scaled by ``ties.third_place_meet``.
THIRD_PLACE = np.zeros(len(MEET), np.bool_)
THIRD_PLACE[[CAT[c] for c in ("food_drink", "market", "community", "learning", "voluntary")]] = True

#: Meetings ahead whose tie rows the kernel prefetches (tuned at 10^6 residents).
PREFETCH_AHEAD = 4


@njit(cache=True, inline="always")
def _find(tie_id, i, j):
    for c in range(tie_id.shape[1]):
        if tie_id[i, c] == j:
            return c
    return -1


@njit(cache=True, inline="always")
def _free_slot(tie_id, tie_w, i, new_strength):
    """A free slot of i, or its weakest slot if weaker than a new tie, else -1."""
    weakest = -1
    wmin = 2.0
    for c in range(tie_id.shape[1]):
        if tie_id[i, c] < 0:
            return c
        if tie_w[i, c] < wmin:
            wmin = tie_w[i, c]
            weakest = c
    if wmin < new_strength:
        return weakest
    return -1


@njit(cache=True)
def add_tie_nb(tie_id, tie_w, i, j, new_strength, strengthen):
    """Create or strengthen the symmetric tie i-j. Returns 1 if a new tie was created."""
    ci = _find(tie_id, i, j)
    if ci >= 0:
        cj = _find(tie_id, j, i)
        nw = min(1.0, tie_w[i, ci] + strengthen)
        tie_w[i, ci] = nw
        if cj >= 0:
            tie_w[j, cj] = nw
        return 0
    si = _free_slot(tie_id, tie_w, i, new_strength)
    sj = _free_slot(tie_id, tie_w, j, new_strength)
    if si < 0 or sj < 0:
        return 0
    for a, s in ((i, si), (j, sj)):
        old = tie_id[a, s]
        if old >= 0:  # evict the weakest tie at both of its ends
            co = _find(tie_id, old, a)
            if co >= 0:
                tie_id[old, co] = -1
                tie_w[old, co] = 0.0
    tie_id[i, si] = j
    tie_w[i, si] = new_strength
    tie_id[j, sj] = i
    tie_w[j, sj] = new_strength
    return 1


def meet_rates(category: np.ndarray, pars: Params) -> np.ndarray:
    """Per unit, the chance that a visitor meets another visitor there this week:
    ``min(MEET[cat] x meet_scale x (third_place_meet at a third place), 1)``, 0 at a vacant
    unit (MODEL.md, "Residents": third places meet most)."""
    tp = pars.ties
    meet = np.minimum(MEET * tp.meet_scale * np.where(THIRD_PLACE, tp.third_place_meet, 1.0), 1.0)
    return np.where(category >= 0, meet[np.maximum(category, 0)], 0.0)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Decay, then this week's meetings at venues (:func:`ties_nb`); counts to
    ``world.now.counts`` (meetings, new ties)."""
    res, tp = world.res, pars.ties
    g = rng["ties"]
    u_meet = g.random(res.venues.shape, dtype=np.float32)
    u_partner = g.random(res.venues.shape, dtype=np.float32)
    world.now.counts["meetings"], world.now.counts["new_ties"] = ties_nb(
        res.venues,
        world.units.n,
        meet_rates(world.units.category, pars),
        u_meet,
        u_partner,
        res.tie_id,
        res.tie_w,
        tp.decay,
        tp.drop_below,
        tp.new_strength,
        tp.strengthen,
    )


@njit(cache=True)
def ties_nb(
    venues, n_units, meet, u_meet, u_partner, tie_id, tie_w, decay, drop_below, new_strength,
    strengthen,
):  # fmt: skip
    """Numba kernel: decay, then co-presence meetings. Returns (meetings, new ties).

    The results of :func:`ties_ref`; for speed the visitors are sorted by unit together
    with their draws, and the meeting pairs are listed before the ties are updated (a pair
    depends only on the draws and the visitor lists), so their tie rows can be prefetched.
    """
    R, K = venues.shape
    C = tie_id.shape[1]
    keep = np.float32(1.0 - decay)
    for i in range(R):
        for c in range(C):
            if tie_id[i, c] >= 0:
                tie_w[i, c] = tie_w[i, c] * keep
                if tie_w[i, c] < drop_below:
                    tie_id[i, c] = -1
                    tie_w[i, c] = 0.0
    # visitors per unit (counting sort keeps resident order within a unit), with their draws,
    # so the meeting loop below reads memory in order
    start = np.zeros(n_units + 1, np.int64)
    for i in range(R):
        for k in range(K):
            j = venues[i, k]
            if j >= 0:
                start[j + 1] += 1
    for j in range(n_units):
        start[j + 1] += start[j]
    fill = start[:-1].copy()
    n_visits = start[n_units]
    who = np.empty(n_visits, np.int32)
    um = np.empty(n_visits, np.float32)
    up = np.empty(n_visits, np.float32)
    for i in range(R):
        for k in range(K):
            j = venues[i, k]
            if j >= 0:
                p = fill[j]
                who[p] = i
                um[p] = u_meet[i, k]
                up[p] = u_partner[i, k]
                fill[j] = p + 1
    # who meets whom does not depend on the ties: list the pairs first, in meeting order
    pair_a = np.empty(n_visits, np.int32)
    pair_b = np.empty(n_visits, np.int32)
    meetings = 0
    for j in range(n_units):
        n = start[j + 1] - start[j]
        if n < 2 or meet[j] <= 0.0:
            continue
        for p in range(start[j], start[j + 1]):
            if um[p] >= meet[j]:
                continue
            q = int(up[p] * (n - 1))
            if q >= n - 1:
                q = n - 2
            if q >= p - start[j]:
                q += 1
            i = who[p]
            partner = who[start[j] + q]
            if partner == i:
                continue
            pair_a[meetings] = i
            pair_b[meetings] = partner
            meetings += 1
    # then meet in that order, prefetching the tie rows of the pair PREFETCH_AHEAD ahead
    created = 0
    for t in range(meetings):
        ta = t + PREFETCH_AHEAD
        if ta < meetings:
            prefetch_row(tie_id, pair_a[ta])
            prefetch_row(tie_w, pair_a[ta])
            prefetch_row(tie_id, pair_b[ta])
            prefetch_row(tie_w, pair_b[ta])
        created += add_tie_nb(tie_id, tie_w, pair_a[t], pair_b[t], new_strength, strengthen)
    return meetings, created


def ties_ref(
    venues, n_units, meet, u_meet, u_partner, tie_id, tie_w, decay, drop_below, new_strength,
    strengthen,
):  # fmt: skip
    """Plain-Python reference of :func:`ties_nb` (same inputs and draws)."""

    def add_tie(tie_id, tie_w, i, j, new_strength, strengthen):
        ids_i = list(tie_id[i])
        if j in ids_i:
            ci = ids_i.index(j)
            nw = min(1.0, float(tie_w[i, ci]) + strengthen)
            tie_w[i, ci] = nw
            ids_j = list(tie_id[j])
            if i in ids_j:
                tie_w[j, ids_j.index(i)] = nw
            return 0

        def free(a):
            ids = list(tie_id[a])
            if -1 in ids:
                return ids.index(-1)
            c = int(np.argmin(tie_w[a]))
            return c if tie_w[a, c] < new_strength else -1

        si, sj = free(i), free(j)
        if si < 0 or sj < 0:
            return 0
        for a, s in ((i, si), (j, sj)):
            old = int(tie_id[a, s])
            if old >= 0:
                ids_o = list(tie_id[old])
                if a in ids_o:
                    co = ids_o.index(a)
                    tie_id[old, co] = -1
                    tie_w[old, co] = 0.0
        tie_id[i, si], tie_w[i, si] = j, new_strength
        tie_id[j, sj], tie_w[j, sj] = i, new_strength
        return 1

    tie_w *= np.float32(1.0 - decay)
    drop = (tie_id >= 0) & (tie_w < drop_below)
    tie_id[drop] = -1
    tie_w[drop] = 0.0
    tie_w[tie_id < 0] = 0.0
    lists: list[list[tuple[int, int]]] = [[] for _ in range(n_units)]
    for i in range(venues.shape[0]):
        for k in range(venues.shape[1]):
            if venues[i, k] >= 0:
                lists[venues[i, k]].append((i, k))
    meetings = created = 0
    for j in range(n_units):
        n = len(lists[j])
        if n < 2 or meet[j] <= 0.0:
            continue
        for p, (i, k) in enumerate(lists[j]):
            if u_meet[i, k] >= meet[j]:
                continue
            q = min(int(float(u_partner[i, k]) * (n - 1)), n - 2)
            if q >= p:
                q += 1
            partner = lists[j][q][0]
            if partner == i:
                continue
            meetings += 1
            created += add_tie(tie_id, tie_w, i, partner, new_strength, strengthen)
    return meetings, created
