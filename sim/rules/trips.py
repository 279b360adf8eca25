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
* online: ``common_online + online_prop_i`` where ``common_online`` is calibrated each week
  (:func:`online_constant_nb`) so that, with the centre as attractive as at the start and no
  levers or shocks, the residents' expected online share of spend equals the driver's (the
  ONS path, DATA.md: "online as an alternative with its own utility calibrated to the ONS
  path"); a shock's online boost is added on top. docs/model.md, section 7.1, departure 16.
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


@njit(cache=True, inline="always")
def friend_pull_nb(tie_id, tie_w, went, i):
    """f_i: the strength-weighted share of resident i's ties who went to the centre last week
    (0 without ties)."""
    wsum = 0.0
    went_w = 0.0
    for c in range(tie_id.shape[1]):
        f = tie_id[i, c]
        if f >= 0:
            w = tie_w[i, c]
            wsum += w
            if went[f]:
                went_w += w
    return went_w / wsum if wsum > 0.0 else 0.0


@njit(cache=True)
def friend_pulls_nb(tie_id, tie_w, went, out):
    """Write every resident's friend pull :func:`friend_pull_nb` into ``out`` (float64, R):
    computed once a week for the trip kernel and the online calibration alike."""
    for i in range(out.shape[0]):
        out[i] = friend_pull_nb(tie_id, tie_w, went, i)


@njit(cache=True)
def trips_pull_nb(
    log_dist_km,
    log_park_km,
    online_prop,
    pull,
    u,
    common_centre,
    common_park,
    common_online,
    beta_dist,
    beta_friends,
    choice,
):
    """Numba kernel: write each resident's trip choice (0..3) into ``choice``, with the friend
    pulls ``pull`` given (:func:`friend_pulls_nb`).

    ``log_dist_km`` and ``log_park_km`` are :func:`log_distance` of the distances to the
    centre and to the park.
    """
    R = log_dist_km.shape[0]
    for i in range(R):
        v1 = common_centre - beta_dist * log_dist_km[i] + beta_friends * pull[i]
        v2 = common_park - beta_dist * log_park_km[i]
        v3 = common_online + online_prop[i]
        choice[i] = pick_logit4_nb(0.0, v1, v2, v3, u[i])


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
    """:func:`trips_pull_nb` with the friend pulls computed from the ties and last week's
    trips (``went``): write each resident's trip choice (0..3) into ``choice``."""
    pull = np.empty(log_dist_km.shape[0])
    friend_pulls_nb(tie_id, tie_w, went, pull)
    trips_pull_nb(
        log_dist_km,
        log_park_km,
        online_prop,
        pull,
        u,
        common_centre,
        common_park,
        common_online,
        beta_dist,
        beta_friends,
        choice,
    )


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
    penalty: float,
    attract_ratio: float,
    pr_gain: float,
    events: float,
    marketing: float,
) -> tuple[float, float]:
    """Parts of the centre and park utilities shared by every resident this week.

    ``attract_ratio`` is A_t / A_0 (centre attractiveness against week 0), ``events`` the event
    intensity (saturating at 1), ``penalty`` a shock's penalty on physical trips.
    """
    rp = pars.residents
    centre = (
        rp.trip_const
        + rp.beta_attract * math.log(max(attract_ratio, 1e-6))
        + pr_gain
        + pars.council.event_boost * min(events, 1.0)
        + marketing
        - penalty
    )
    park = rp.park_const - penalty
    return centre, park


def reference_utilities(pars) -> tuple[float, float]:
    """Centre and park constants of the reference week the online utility is calibrated on:
    the centre as attractive as at the start of the run (A_t = A_0), no levers, no shock."""
    rp = pars.residents
    return rp.trip_const, rp.park_const


# ---------------------------------------------------------------------------------------------
# The online utility, calibrated each week to the ONS path (DATA.md, "Destination choice":
# "Online as an alternative with its own utility calibrated to the ONS path")
# ---------------------------------------------------------------------------------------------

#: Largest number of residents the weekly calibration of the online constant looks at; towns up
#: to this size use every resident, larger ones an evenly spaced subset.
ONLINE_SAMPLE = 4096


def online_sample(n_residents: int) -> np.ndarray:
    """Residents used to calibrate the online constant: every one, or ``ONLINE_SAMPLE`` evenly
    spaced rows (residents are drawn independently at initialisation, in no order, so the rows
    are a random sample of them; the error in the constant is ~0.01 utils at 10^4 residents)."""
    s = min(int(n_residents), ONLINE_SAMPLE)
    return (np.arange(s, dtype=np.int64) * int(n_residents)) // max(s, 1)


@njit(cache=True)
def online_constant_nb(
    sample,
    log_dc,
    log_dp,
    online_prop,
    went,
    tie_id,
    tie_w,
    budget,
    kappa,
    centre_ref,
    park_ref,
    beta_dist,
    beta_friends,
    target,
):
    """Numba kernel: the online constant ``c`` at which the sampled residents' expected online
    share of spend equals ``target``, with the centre at its reference utility.
    ``log_dc``, ``log_dp``: ln(d + 0.1) to centre and park (:func:`log_distance`).

    For resident i (budget b_i), with V_c, V_p the centre and park utilities of
    :func:`trips_nb` built on ``centre_ref`` and ``park_ref``, V_o = c + online_prop_i and
    P_k = exp(V_k) / (1 + sum exp), the expected spend shares are: online b P_o, park b P_p,
    centre b kappa_i P_c (kappa_i: the share of a centre visitor's budget that commercial
    venues take, from the visit weights of i's group). The online share of spend,
    sum b P_o / sum b (kappa P_c + P_p + P_o), rises strictly with c, so a Newton iteration
    kept inside a shrinking bracket (bisection when a step leaves it) finds c.
    """
    ep, eo = online_fixed_terms_nb(sample, log_dp, online_prop, park_ref, beta_dist)
    return online_constant_pre_nb(
        sample,
        log_dc,
        went,
        tie_id,
        tie_w,
        budget,
        kappa,
        ep,
        eo,
        centre_ref,
        beta_dist,
        beta_friends,
        target,
    )


@njit(cache=True)
def online_fixed_terms_nb(sample, log_dp, online_prop, park_ref, beta_dist):
    """The parts of :func:`online_constant_nb` that do not change from week to week while the
    parameters stay: ``exp`` of each sampled resident's park utility and online propensity."""
    S = sample.shape[0]
    ep = np.empty(S)
    eo = np.empty(S)
    for q in range(S):
        i = sample[q]
        vp = park_ref - beta_dist * log_dp[i]
        ep[q] = math.exp(min(vp, 50.0))
        eo[q] = math.exp(min(online_prop[i], 50.0))
    return ep, eo


@njit(cache=True)
def online_constant_pre_nb(
    sample,
    log_dc,
    went,
    tie_id,
    tie_w,
    budget,
    kappa,
    ep,
    eo,
    centre_ref,
    beta_dist,
    beta_friends,
    target,
):
    """:func:`online_constant_nb` with its fixed terms ``ep``, ``eo`` given (from
    :func:`online_fixed_terms_nb`): the same constant, bit for bit."""
    pull = np.zeros(log_dc.shape[0])
    for q in range(sample.shape[0]):
        i = sample[q]
        pull[i] = friend_pull_nb(tie_id, tie_w, went, i)
    return online_constant_pull_nb(
        sample, log_dc, pull, budget, kappa, ep, eo, centre_ref, beta_dist, beta_friends, target
    )


@njit(cache=True)
def online_constant_pull_nb(
    sample,
    log_dc,
    pull,
    budget,
    kappa,
    ep,
    eo,
    centre_ref,
    beta_dist,
    beta_friends,
    target,
):
    """:func:`online_constant_pre_nb` with every resident's friend pull ``pull`` given (from
    :func:`friend_pulls_nb`, as the trip kernel uses them): the same constant, bit for bit."""
    S = sample.shape[0]
    ec = np.empty(S)
    bb = np.empty(S)
    for q in range(S):
        i = sample[q]
        vc = centre_ref - beta_dist * log_dc[i] + beta_friends * pull[i]
        ec[q] = math.exp(min(vc, 50.0))
        bb[q] = budget[i]
    # safeguarded Newton on f(c) = num - target den, which rises strictly with c. With
    # inv = 1 / (1 + e_c + e_p + o): P_o = o inv, kappa P_c + P_p = g inv (g = kappa e_c + e_p),
    # dP_o/dc = P_o (1 - P_o), d(kappa P_c + P_p)/dc = -P_o g inv.
    a = np.empty(S)
    g = np.empty(S)
    for q in range(S):
        a[q] = 1.0 + ec[q] + ep[q]
        g[q] = kappa[q] * ec[q] + ep[q]  # kappa is given per sampled resident
    lo, hi = -40.0, 40.0
    c = 0.0
    for _ in range(200):
        e = math.exp(c)
        num = 0.0
        den = 0.0
        dnum = 0.0
        dden = 0.0
        for q in range(S):
            o = e * eo[q]
            inv = 1.0 / (a[q] + o)
            po = o * inv
            gi = g[q] * inv
            b = bb[q]
            num += b * po
            den += b * (gi + po)
            dpo = b * po * (1.0 - po)
            dnum += dpo
            dden += dpo - b * po * gi
        f = num - target * den
        if f < 0.0:
            lo = c
        else:
            hi = c
        fp = dnum - target * dden
        nc = c - f / fp if fp > 0.0 else 0.5 * (lo + hi)
        if not (lo < nc < hi):
            nc = 0.5 * (lo + hi)
        if abs(nc - c) < 1e-12 or hi - lo < 1e-12:
            return nc
        c = nc
    return c


def online_constant_ref(
    sample,
    log_dc,
    log_dp,
    online_prop,
    went,
    tie_id,
    tie_w,
    budget,
    kappa,
    centre_ref,
    park_ref,
    beta_dist,
    beta_friends,
    target,
):
    """Plain reference of :func:`online_constant_nb`: scipy's root finder on the same share."""
    from scipy.optimize import brentq

    i = np.asarray(sample)
    t = np.asarray(tie_id)[i]
    tw = np.asarray(tie_w)[i]
    valid = t >= 0
    wsum = np.where(valid, tw, 0.0).sum(axis=1)
    went_w = np.where(valid & np.asarray(went)[np.maximum(t, 0)], tw, 0.0).sum(axis=1)
    pull = np.where(wsum > 0, went_w / np.where(wsum > 0, wsum, 1.0), 0.0)
    vc = centre_ref - beta_dist * np.asarray(log_dc)[i] + beta_friends * pull
    vp = park_ref - beta_dist * np.asarray(log_dp)[i]
    b = np.asarray(budget, dtype=float)[i]
    k = np.asarray(kappa, dtype=float)

    def share(c: float) -> float:
        vo = c + np.asarray(online_prop)[i]
        m = np.maximum.reduce([np.zeros_like(vc), vc, vp, vo])
        ez, ec, ep, eo = np.exp(-m), np.exp(vc - m), np.exp(vp - m), np.exp(vo - m)
        d = ez + ec + ep + eo
        return float((b * eo / d).sum() / (b * (k * ec + ep + eo) / d).sum())

    return brentq(lambda c: share(c) - target, -40.0, 40.0, xtol=1e-12)


def visit_spend_share(w: np.ndarray, tot: np.ndarray, spend_w: np.ndarray) -> np.ndarray:
    """Per visit group g, the expected share of a visit's budget that commercial venues take:
    sum_j w[g, j] spend_w[j] / sum_j w[g, j] (1 where no venue is open)."""
    t = np.asarray(tot, dtype=float)
    s = np.asarray(w) @ np.asarray(spend_w, dtype=float)
    return np.where(t > 0, s / np.where(t > 0, t, 1.0), 1.0)
