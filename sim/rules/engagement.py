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


def participation(
    venues: np.ndarray, noncommercial_unit: np.ndarray, u_consult: np.ndarray, consult_rate: float
) -> np.ndarray:
    """Who took part this week: consulted (u < rate) or visited a non-commercial use."""
    visited = np.zeros(venues.shape[0], np.bool_)
    if noncommercial_unit.size:
        v = venues >= 0
        nc = np.zeros(venues.shape, np.bool_)
        nc[v] = noncommercial_unit[venues[v]]
        visited = nc.any(axis=1)
    return visited | (u_consult < consult_rate)


def volunteer_supply(
    engagement: np.ndarray, threshold: float, hours: float, weight: float
) -> float:
    """Volunteer hours per week supplied by engaged households."""
    return float(np.count_nonzero(engagement > threshold)) * hours * weight
