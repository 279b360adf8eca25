"""Trips: each week every resident goes to the centre, the retail park, shops online or does
none of these (MODEL.md, "Residents": "decide whether to go to the centre (vs retail park,
online, nothing) by a logit on centre attractiveness, distance, the online-share trend times
own propensity, and the pull of friends who went last week").

Utilities (nothing = 0):

* centre: ``common_centre - beta_dist ln(d_centre) + beta_friends f_i``, where ``common_centre``
  holds the trip constant, ``beta_attract ln(A_t / A_0)`` (A: centre attractiveness, falling
  with vacancy), public realm, events, marketing and any pandemic penalty, and ``f_i`` is the
  strength-weighted share of i's ties who went to the centre last week;
* park: ``common_park - beta_dist ln(d_park)``;
* online: ``common_online + online_prop_i`` where ``common_online`` holds the constant and
  ``online_beta logit(online share_t)`` (the ONS path, DATA.md).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.logit import pick_logit4_nb, pick_logit_ref

NONE, CENTRE, PARK, ONLINE = 0, 1, 2, 3


@njit(cache=True)
def _log_distance_nb(dist_km, out):
    for i in range(dist_km.shape[0]):
        out[i] = math.log(dist_km[i] + 0.1)


def log_distance(dist_km: np.ndarray) -> np.ndarray:
    """ln(d + 0.1) per resident, the distance term of the centre and park utilities.

    Computed in numba with the same ``math.log`` the trip kernel used, so the cached values
    are bit for bit what the kernel would compute; distances never change during a run, so
    the model computes this once (MODEL.md, "Residents": trips depend on distance).
    """
    d = np.ascontiguousarray(dist_km, dtype=np.float64)
    out = np.empty_like(d)
    _log_distance_nb(d, out)
    return out


@njit(cache=True)
def trips_nb(
    log_dist_km,
    log_park_km,
    online_prop,
    went,
    tie_id,
    tie_w,
    u,
    common_centre,
    common_park,
    common_online,
    beta_dist,
    beta_friends,
    choice,
):
    """Numba kernel: write each resident's trip choice (0..3) into ``choice``.

    ``log_dist_km`` and ``log_park_km`` are :func:`log_distance` of the distances to the
    centre and to the park.
    """
    R = log_dist_km.shape[0]
    C = tie_id.shape[1]
    for i in range(R):
        wsum = 0.0
        went_w = 0.0
        for c in range(C):
            f = tie_id[i, c]
            if f >= 0:
                w = tie_w[i, c]
                wsum += w
                if went[f]:
                    went_w += w
        pull = went_w / wsum if wsum > 0.0 else 0.0
        v1 = common_centre - beta_dist * log_dist_km[i] + beta_friends * pull
        v2 = common_park - beta_dist * log_park_km[i]
        v3 = common_online + online_prop[i]
        choice[i] = pick_logit4_nb(0.0, v1, v2, v3, u[i])


def trips_ref(
    log_dist_km,
    log_park_km,
    online_prop,
    went,
    tie_id,
    tie_w,
    u,
    common_centre,
    common_park,
    common_online,
    beta_dist,
    beta_friends,
    choice,
):
    """Plain-Python reference of :func:`trips_nb` (same inputs and draws)."""
    for i in range(len(log_dist_km)):
        ws = [(int(f), float(w)) for f, w in zip(tie_id[i], tie_w[i], strict=True) if f >= 0]
        wsum = sum(w for _, w in ws)
        pull = sum(w for f, w in ws if went[f]) / wsum if wsum > 0 else 0.0
        v = np.array(
            [
                0.0,
                common_centre - beta_dist * log_dist_km[i] + beta_friends * pull,
                common_park - beta_dist * log_park_km[i],
                common_online + online_prop[i],
            ]
        )
        choice[i] = pick_logit_ref(v, u[i])


def common_utilities(
    pars,
    online: float,
    penalty: float,
    boost: float,
    attract_ratio: float,
    pr_gain: float,
    events: float,
    marketing: float,
) -> tuple[float, float, float]:
    """Parts of the centre, park and online utilities shared by every resident this week.

    ``attract_ratio`` is A_t / A_0 (centre attractiveness against week 0), ``events`` the event
    intensity (saturating at 1), ``online`` the driver's online share of retail spend.
    """
    rp = pars.residents
    s = min(max(online, 1e-4), 1 - 1e-4)
    centre = (
        rp.trip_const
        + rp.beta_attract * math.log(max(attract_ratio, 1e-6))
        + pr_gain
        + pars.council.event_boost * min(events, 1.0)
        + marketing
        - penalty
    )
    park = rp.park_const - penalty
    online_u = rp.online_const + rp.online_beta * math.log(s / (1 - s)) + boost
    return centre, park, online_u
