"""Trips: each week every resident goes to the centre, goes to the retail park, or does
neither (MODEL.md, "Residents": "decide whether to go to the centre (vs retail park, online,
nothing) by a logit on centre attractiveness, distance, the online-share trend times own
propensity, and the pull of friends who went last week").

Online is not a trip here: it takes each category's share of spending bought online
(:mod:`sim.rules.drivers`) out of what visitors spend at the centre's and the park's
venues (:mod:`sim.rules.visits`), so it reaches shops through their trading, comparison goods
most, food slowly, services, food and drink, leisure and health not at all (docs/model.md,
departure on the online channel). It lowers the reason to make a trip in the same way: a
venue's pull on trips counts the part of its trade not bought online.

Utilities (neither = 0):

* centre: ``common_centre - beta_dist ln(d_centre + 0.1) + beta_friends f_i - p_i S_t``,
  where ``common_centre`` holds the trip constant, ``beta_attract ln(A_t / A_0)`` (A: the
  centre's attractiveness, falling with vacancy and with the share of its trade bought
  online), the levers' terms set by the council and the Town Team
  (:func:`sim.levers.set_centre_pulls`: events and markets on their days, the public-realm
  stock, marketing) and any pandemic penalty; ``f_i`` is the
  strength-weighted share of i's ties who went to the centre last week; ``p_i`` is the
  resident's own online propensity (mean 0, sd ``online_propensity_sd``) and ``S_t`` the
  online share of retail (the driver);
* park: ``common_park - beta_dist ln(d_park + 0.1)``, with ``common_park`` = the park
  constant + ``beta_attract ln(K_t / K_0)`` (K = 1 - ``online_park`` x S_t, the park's trade
  not bought online) less any pandemic penalty.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.logit import logit_shares, pick_logit3_nb
from sim.params import Params
from sim.state import World, centre_attractiveness, park_trade_kept
from sim.streams import Streams

NONE, CENTRE, PARK = 0, 1, 2


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
    """Numba kernel: write each resident's trip choice (:data:`NONE`, :data:`CENTRE`,
    :data:`PARK`) into ``choice``, from the uniform draws ``u``; ``centre`` and ``park`` are
    the common utilities, ``online`` the online share of retail, ``log_dc``/``log_dp``
    ln(km + 0.1) to the centre and the park."""
    for i in range(log_dc.shape[0]):
        v1 = centre - beta_dist * log_dc[i] + beta_friends * pull[i] - online_prop[i] * online
        v2 = park - beta_dist * log_dp[i]
        choice[i] = pick_logit3_nb(0.0, v1, v2, u[i])


def trips_ref(
    log_dc, log_dp, online_prop, pull, u, centre, park, online, beta_dist, beta_friends, choice
):
    """Plain-numpy reference of :func:`trips_nb` (same inputs and draws)."""
    v1 = centre - beta_dist * np.asarray(log_dc) + beta_friends * np.asarray(pull)
    v1 = v1 - np.asarray(online_prop) * online
    v = np.stack([np.zeros(len(log_dc)), v1, park - beta_dist * np.asarray(log_dp)], axis=1)
    cum = np.cumsum(logit_shares(v), axis=1)
    choice[:] = np.minimum((np.asarray(u, np.float64)[:, None] >= cum).sum(axis=1), 2)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Every resident's trip this week (``res.choice``); ``res.went`` and the footfall follow."""
    rp, res, col, now = pars.residents, world.res, world.col, world.now
    d = world.d
    if now.pull.shape != (res.n,):
        now.pull = np.empty(res.n)
    friend_pulls_nb(res.tie_id, res.tie_w, res.went, now.pull)
    attract = centre_attractiveness(world.units, d.floorspace_pow, now.online_cat, now.lockdown)
    centre = (
        rp.trip_const
        + rp.beta_attract * math.log(max(attract / col.attract_ref, 1e-6))
        + col.event_pull  # levers (sim.levers.set_centre_pulls)
        + col.public_realm_pull
        + col.marketing_pull
        - now.trip_penalty
    )
    park = (
        rp.park_const
        + rp.beta_attract * math.log(park_trade_kept(pars, now.online) / col.park_keep_ref)
        - now.trip_penalty
    )
    u = rng["trips"].random(res.n, dtype=np.float32)
    trips_nb(
        d.log_dc,
        d.log_dp,
        res.online_prop,
        now.pull,
        u,
        centre,
        park,
        now.online,
        rp.beta_dist,
        rp.beta_friends,
        res.choice,
    )
    np.equal(res.choice, CENTRE, out=res.went)
    col.footfall = float(np.count_nonzero(res.went)) * world.weight
