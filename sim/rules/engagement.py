"""Civic engagement and volunteering (MODEL.md, "Residents": "Civic engagement rises with
ties and with chances to take part (Town Team consultation, volunteering); it falls slowly
without them. Engaged residents supply volunteer hours").

Weekly, for each resident with engagement e, total tie strength s (sum over its ties) and
tie capacity C:

    e <- e + rise_ties (s / C)(1 - e) + rise_participation p (1 - e) - decay e

with p = 1 if the resident took part this week (was consulted by the Town Team or the
council, or visited a community, learning or voluntary use), else 0. The result stays in
[0, 1]. Residents with e above ``volunteer_threshold`` supply ``volunteer_hours`` a week.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def engagement_nb(engagement, tie_w, participated, rise_ties, rise_part, decay):
    """Numba kernel: update engagement in place."""
    R, C = tie_w.shape
    for i in range(R):
        s = 0.0
        for c in range(C):
            s += tie_w[i, c]
        e = engagement[i]
        p = 1.0 if participated[i] else 0.0
        e = e + rise_ties * (s / C) * (1.0 - e) + rise_part * p * (1.0 - e) - decay * e
        engagement[i] = min(1.0, max(0.0, e))


def engagement_ref(engagement, tie_w, participated, rise_ties, rise_part, decay):
    """Plain-Python reference of :func:`engagement_nb`."""
    C = tie_w.shape[1]
    for i in range(len(engagement)):
        s = 0.0
        for c in range(C):
            s += float(tie_w[i, c])
        e = float(engagement[i])
        p = 1.0 if participated[i] else 0.0
        e = e + rise_ties * (s / C) * (1.0 - e) + rise_part * p * (1.0 - e) - decay * e
        engagement[i] = min(1.0, max(0.0, e))


@njit(cache=True)
def participation_nb(venues, noncommercial_unit, u_consult, consult_rate, out):
    """Numba kernel: ``out[i]`` = consulted (u < rate) or visited a non-commercial use."""
    R, K = venues.shape
    for i in range(R):
        took = u_consult[i] < consult_rate
        if not took:
            for k in range(K):
                j = venues[i, k]
                if j >= 0 and noncommercial_unit[j]:
                    took = True
                    break
        out[i] = took


def participation_ref(venues, noncommercial_unit, u_consult, consult_rate, out):
    """Plain-Python reference of :func:`participation_nb`."""
    for i in range(venues.shape[0]):
        visited = any(j >= 0 and noncommercial_unit[j] for j in venues[i])
        out[i] = bool(u_consult[i] < consult_rate) or visited


def participation(
    venues: np.ndarray,
    noncommercial_unit: np.ndarray,
    u_consult: np.ndarray,
    consult_rate: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Who took part this week: consulted (u < rate) or visited a non-commercial use.
    Written into ``out`` (bool, one per resident) if given, else into a new array."""
    if out is None:
        out = np.zeros(venues.shape[0], np.bool_)
    participation_nb(venues, noncommercial_unit, u_consult, consult_rate, out)
    return out


def volunteer_supply(
    engagement: np.ndarray, threshold: float, hours: float, weight: float
) -> float:
    """Volunteer hours per week supplied by engaged households."""
    return float(np.count_nonzero(engagement > threshold)) * hours * weight
