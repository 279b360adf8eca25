"""Civic engagement and volunteering (MODEL.md, "Residents": "Civic engagement rises with
ties and with chances to take part (Town Team consultation, volunteering); it falls slowly
without them. Engaged residents supply volunteer hours").

Weekly, each resident takes part (p = 1) if consulted this week (with probability the
Town Team's ``consultation`` rate plus the council's ``consult_rate`` where it consults
residents) or if they visited a community, learning or voluntary use; else p = 0. Then,
with engagement e, total tie strength s (sum over its ties) and tie capacity C:

    e <- e + rise_ties (s / C)(1 - e) + rise_participation p (1 - e) - decay e

kept in [0, 1]. Residents with e above ``volunteer_threshold`` supply ``volunteer_hours`` a
week (each simulated resident stands for ``world.weight`` households).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.categories import COMMERCIAL
from sim.params import Params
from sim.state import World
from sim.streams import Streams


@njit(cache=True)
def engagement_nb(
    venues, noncommercial, u_consult, consult_rate, tie_w, rise_ties, rise_part, decay,
    participated, engagement,
):  # fmt: skip
    """Numba kernel: who took part this week (``participated``) and the engagement update
    (``engagement``), in place."""
    R, K = venues.shape
    C = tie_w.shape[1]
    for i in range(R):
        took = u_consult[i] < consult_rate
        if not took:
            for k in range(K):
                j = venues[i, k]
                if j >= 0 and noncommercial[j]:
                    took = True
                    break
        participated[i] = took
        s = 0.0
        for c in range(C):
            s += tie_w[i, c]
        e = engagement[i]
        p = 1.0 if took else 0.0
        e = e + rise_ties * (s / C) * (1.0 - e) + rise_part * p * (1.0 - e) - decay * e
        engagement[i] = min(1.0, max(0.0, e))


def engagement_ref(
    venues, noncommercial, u_consult, consult_rate, tie_w, rise_ties, rise_part, decay,
    participated, engagement,
):  # fmt: skip
    """Plain-numpy reference of :func:`engagement_nb` (same inputs and draws)."""
    hit = np.where(venues >= 0, noncommercial[np.maximum(venues, 0)], False).any(axis=1)
    participated[:] = (u_consult < consult_rate) | hit
    s = tie_w.sum(axis=1, dtype=np.float64) / tie_w.shape[1]
    e, p = engagement, participated.astype(np.float64)
    engagement[:] = np.clip(e + rise_ties * s * (1 - e) + rise_part * p * (1 - e) - decay * e, 0, 1)


def consult_rate(pars: Params) -> float:
    """Share of residents consulted this week (Town Team and council), at most 1."""
    rate = pars.town_team.consultation if pars.town_team.enabled else 0.0
    if pars.council.consult_residents:
        rate += pars.council.consult_rate
    return min(rate, 1.0)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Participation and engagement of every resident; the week's volunteer hours."""
    res, u, ep = world.res, world.units, pars.engagement
    noncommercial = (u.category >= 0) & ~COMMERCIAL[np.maximum(u.category, 0)]
    u_consult = rng["engagement"].random(res.n, dtype=np.float32)
    engagement_nb(
        res.venues,
        noncommercial,
        u_consult,
        consult_rate(pars),
        res.tie_w,
        ep.rise_ties,
        ep.rise_participation,
        ep.decay,
        res.participated,
        res.engagement,
    )
    engaged = np.count_nonzero(res.engagement > ep.volunteer_threshold)
    world.col.volunteer_supply = float(engaged) * ep.volunteer_hours * world.weight
