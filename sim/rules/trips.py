"""Trips: each week every resident goes to the centre, the retail park, shops online or does
none of these (MODEL.md, "Residents": "decide whether to go to the centre (vs retail park,
online, nothing) by a logit on centre attractiveness, distance, the online-share trend times
own propensity, and the pull of friends who went last week").

Utilities (nothing = 0):

* centre: ``common_centre - beta_dist ln(d_centre + 0.1) + beta_friends f_i``, where
  ``common_centre`` holds the trip constant, ``beta_attract ln(A_t / A_0)`` (A: centre
  attractiveness, falling with vacancy), the levers' terms set by the council and the Town
  Team (:func:`sim.levers.set_centre_pulls`: events and markets on their days, the
  public-realm stock, marketing) and any pandemic penalty, and ``f_i`` is the
  strength-weighted share of i's ties who went to the centre last week;
* park: ``common_park - beta_dist ln(d_park + 0.1)``;
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

from sim.logit import logit_shares, pick_logit4_nb
from sim.params import Params
from sim.state import World, centre_attractiveness
from sim.streams import Streams

NONE, CENTRE, PARK, ONLINE = 0, 1, 2, 3


@njit(cache=True)
def friend_pulls_nb(tie_id, tie_w, went, out):
    """Write every resident's friend pull f_i into ``out``: the strength-weighted share of
    resident i's ties who went to the centre last week (0 without ties)."""
    for i in range(out.shape[0]):
        wsum = 0.0
        went_w = 0.0
        for c in range(tie_id.shape[1]):
            f = tie_id[i, c]
            if f >= 0:
                w = tie_w[i, c]
                wsum += w
                if went[f]:
                    went_w += w
        out[i] = went_w / wsum if wsum > 0.0 else 0.0


@njit(cache=True)
def trips_nb(
    log_dc, log_dp, online_prop, pull, u, centre, park, online, beta_dist, beta_friends, choice
):
    """Numba kernel: write each resident's trip choice (:data:`NONE` .. :data:`ONLINE`) into
    ``choice``, from the uniform draws ``u``; ``centre``, ``park``, ``online`` are the common
    utilities, ``log_dc``/``log_dp`` ln(km + 0.1) to the centre and the park."""
    for i in range(log_dc.shape[0]):
        v1 = centre - beta_dist * log_dc[i] + beta_friends * pull[i]
        v2 = park - beta_dist * log_dp[i]
        v3 = online + online_prop[i]
        choice[i] = pick_logit4_nb(0.0, v1, v2, v3, u[i])


def trips_ref(
    log_dc, log_dp, online_prop, pull, u, centre, park, online, beta_dist, beta_friends, choice
):
    """Plain-numpy reference of :func:`trips_nb` (same inputs and draws)."""
    v = np.stack(
        [
            np.zeros(len(log_dc)),
            centre - beta_dist * np.asarray(log_dc) + beta_friends * np.asarray(pull),
            park - beta_dist * np.asarray(log_dp),
            online + np.asarray(online_prop),
        ],
        axis=1,
    )
    cum = np.cumsum(logit_shares(v), axis=1)
    choice[:] = np.minimum((np.asarray(u, np.float64)[:, None] >= cum).sum(axis=1), 3)


@njit(cache=True)
def online_constant_nb(e_centre, e_park, e_prop, budget, kappa, target):
    """Numba kernel: the online constant ``c`` at which the sampled residents' expected online
    share of spend equals ``target``.

    For sampled resident q (budget b_q) with e_centre = exp(V_c), e_park = exp(V_p),
    e_prop = exp(online propensity), V_o = c + online propensity and
    P_k = exp(V_k) / (1 + sum exp), the expected spend shares are: online b P_o, park b P_p,
    centre b kappa_q P_c (kappa_q: the share of a centre visitor's budget that commercial
    venues take). The online share of spend, sum b P_o / sum b (kappa P_c + P_p + P_o), rises
    strictly with c, so a Newton iteration kept inside a shrinking bracket (bisection when a
    step leaves it) finds c.
    """
    S = e_centre.shape[0]
    a = np.empty(S)
    g = np.empty(S)
    for q in range(S):
        a[q] = 1.0 + e_centre[q] + e_park[q]
        g[q] = kappa[q] * e_centre[q] + e_park[q]
    lo, hi = -40.0, 40.0
    c = 0.0
    for _ in range(200):
        e = math.exp(c)
        num = den = dnum = dden = 0.0
        for q in range(S):
            o = e * e_prop[q]
            inv = 1.0 / (a[q] + o)
            po = o * inv  # P_o
            gi = g[q] * inv  # kappa P_c + P_p
            b = budget[q]
            num += b * po
            den += b * (gi + po)
            dpo = b * po * (1.0 - po)  # d(b P_o)/dc
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


def online_constant_ref(e_centre, e_park, e_prop, budget, kappa, target):
    """Plain reference of :func:`online_constant_nb`: scipy's root finder on the same share."""
    from scipy.optimize import brentq

    def share(c: float) -> float:
        o = math.exp(c) * e_prop
        d = 1.0 + e_centre + e_park + o
        return float((budget * o / d).sum() / (budget * (kappa * e_centre + e_park + o) / d).sum())

    return brentq(lambda c: share(c) - target, -40.0, 40.0, xtol=1e-12)


def visit_spend_share(w: np.ndarray, tot: np.ndarray, spend_w: np.ndarray) -> np.ndarray:
    """Per visit group g, the expected share of a visit's budget that commercial venues take:
    sum_j w[g, j] spend_w[j] / sum_j w[g, j] (1 where no venue is open)."""
    s = w @ spend_w
    return np.where(tot > 0, s / np.where(tot > 0, tot, 1.0), 1.0)


def online_constant(world: World, pars: Params) -> float:
    """The online constant calibrated to this week's driver share (utils), with the centre
    and park at their reference utilities (the trip and park constants: the centre as
    attractive as at the start, no levers, no shock), friends' pulls as they are."""
    rp, d, res, now = pars.residents, world.d, world.res, world.now
    q = d.online_sample
    kappa = visit_spend_share(now.weights, now.tot, now.spend_w)[d.group[q]]
    vc = rp.trip_const - rp.beta_dist * d.log_dc[q] + rp.beta_friends * now.pull[q]
    vp = rp.park_const - rp.beta_dist * d.log_dp[q]
    cap = 50.0  # utils: exp() stays finite
    return float(
        online_constant_nb(
            np.exp(np.minimum(vc, cap)),
            np.exp(np.minimum(vp, cap)),
            np.exp(np.minimum(res.online_prop[q], cap)),
            res.budget[q],
            kappa,
            min(max(now.online, 1e-4), 1.0 - 1e-4),
        )
    )


def step(world: World, pars: Params, rng: Streams) -> None:
    """Every resident's trip this week (``res.choice``); ``res.went`` and the footfall follow.

    Needs this week's venue weights (:func:`sim.rules.visits.prepare`) for the online
    calibration's share of a visit that commercial venues take.
    """
    rp, res, col, now, d = (
        pars.residents,
        world.res,
        world.col,
        world.now,
        world.d,
    )
    if now.pull.shape != (res.n,):
        now.pull = np.empty(res.n)
    friend_pulls_nb(res.tie_id, res.tie_w, res.went, now.pull)
    attract = centre_attractiveness(world.units, d.floorspace_pow) / col.attract_ref
    centre = (
        rp.trip_const
        + rp.beta_attract * math.log(max(attract, 1e-6))
        + col.event_pull  # levers (sim.levers.set_centre_pulls)
        + col.public_realm_pull
        + col.marketing_pull
        - now.trip_penalty
    )
    park = rp.park_const - now.trip_penalty
    col.online_constant = online_constant(world, pars) + now.online_boost
    u = rng["trips"].random(res.n, dtype=np.float32)
    trips_nb(
        d.log_dc,
        d.log_dp,
        res.online_prop,
        now.pull,
        u,
        centre,
        park,
        col.online_constant,
        rp.beta_dist,
        rp.beta_friends,
        res.choice,
    )
    np.equal(res.choice, CENTRE, out=res.went)
    col.footfall = float(np.count_nonzero(res.went)) * world.weight
