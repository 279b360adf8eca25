"""Entrants: prospective occupiers arrive, look at vacant units and apply if entry pays
(MODEL.md, "Entrants").

Each week, applicants come from five sources (the ``entry`` stream draws the numbers of the
first four, then each applicant's draws; the ``popups`` stream those of the fifth):

1. the market: Poisson(arrival_rate x market scale x signal x spend multiplier) applicants
   (the market scale is the town's households over the calibrated reference town's, so a
   town's arrivals grow with its market, not per town), where the signal
   is the centre's rolling commercial revenue per m2 relative to week 0 raised to
   ``signal_elasticity``, at least ``signal_floor`` (entrepreneurs keep scouting a dead
   centre); each has a category drawn from the entry mix (``entrants.mix_*``) and is a chain
   with probability ``chain_share`` x chain expansion (chainable categories only);
2. start-up support: Poisson(the support pools' applicants, with diminishing returns:
   :func:`sim.levers.saturating` with ``council.startup_cost`` per applicant and at most
   ``council.startup_max`` a week) start-ups with a rent subsidy, asking for a meanwhile
   licence (with probability ``startup_meanwhile_share``) or a standard lease;
3. brokerage (council facilitation and the Town Team's meanwhile head): Poisson(expected
   brokered proposals) meanwhile proposals: a voluntary project where spare volunteer hours
   allow, otherwise a learning (``learning_share``) or community use, provided a sponsor has
   room in its budget, otherwise a meanwhile start-up;
4. Town Team recruitment of the uses residents lack within walking range (grocery, health:
   access below ``town_team.recruit_access_below``);
5. pop-ups: Poisson(``popup_rate`` x market scale) applicants who ask for a meanwhile licence
   on their own: a community group paying its way from its own funds (a share
   ``popup_community_share``) or a pop-up shop (a start-up); only landlords who accept
   meanwhile uses let to them (:func:`sim.rules.landlords.let`).

Each applicant looks at ``units_considered`` vacant units (drawn uniformly) and applies to
the one with the best expected profit: expected revenue = the category's rolling revenue per
m2 (the centre's, if the category is absent) x floorspace x location x optimism (lognormal,
sd ``optimism_sd``); expected costs = asking rent (less subsidy; ``meanwhile_rent`` x ask for
a meanwhile licence) + rates net of reliefs (:func:`sim.levers.rates_due`) + levy + fixed
costs. A commercial applicant applies only if expected profit/costs beats its hurdle; a
sponsored use only if its sponsor has room for its costs; a self-funded community group
brings ``occupiers.reserve_weeks`` of its costs. A non-retail use of a retail unit needs
planning permission (granted with probability ``planning_flex``). Landlords then decide
(:func:`sim.rules.landlords.let`).
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache

import numpy as np
from scipy.special import ndtri

from sim import levers
from sim.categories import (
    CAT,
    CHAINABLE,
    COMMERCIAL,
    FIXED_PER_M2,
    MARGIN,
    RETAIL_USE,
    SPONSOR,
    VACANT,
)
from sim.params import EntrantPars, Params
from sim.state import World
from sim.streams import Streams

#: Categories market entrants can be (their weights are ``entrants.mix_<name>``).
ENTRY_CATEGORIES: tuple[str, ...] = (
    "convenience",
    "comparison",
    "food_drink",
    "services",
    "leisure",
    "health",
    "charity",
    "startup",
)
_SQRT3 = np.sqrt(3.0)  # a uniform draw on [-1, 1] x sqrt(3) has sd 1
#: Columns of an applicant's draws before the units it looks at.
_KIND, _FORMAT, _PLANNING, _QUALITY, _OPTIMISM, _RESERVE, _LOOK = range(7)
_FIELDS = {
    "unit": np.int64,
    "category": np.int64,
    "chain": np.bool_,
    "meanwhile": np.bool_,
    "brokered": np.bool_,
    "sponsor": np.int64,
    "subsidy": np.float64,
    "rent": np.float64,
    "cash": np.float64,
    "quality": np.float64,
}


@cache
def entry_mix(ep: EntrantPars) -> tuple[float, ...]:
    """Cumulative shares of :data:`ENTRY_CATEGORIES` among market entrants (computed once per
    parameter set)."""
    w = np.array([getattr(ep, f"mix_{c}") for c in ENTRY_CATEGORIES])
    return tuple((np.cumsum(w / w.sum()) if w.sum() > 0 else np.linspace(0.125, 1.0, 8)).tolist())


def step(world: World, pars: Params, rng: Streams) -> None:
    """This week's applications, into ``world.now.apps`` (equal-length arrays: unit,
    category, chain, meanwhile, brokered, sponsor, subsidy, rent GBP/week, cash GBP,
    quality utils). Needs the landlords' asking rents (``world.now.ask``)."""
    u, col, ep, cp, tp = world.units, world.col, pars.entrants, pars.council, pars.town_team
    now = world.now
    signal = (col.rev_all / col.spend_ref) ** ep.signal_elasticity if col.spend_ref > 0 else 0.0
    means = np.array(
        [
            ep.arrival_rate * world.market_scale * max(signal, ep.signal_floor) * now.spend_mult,
            levers.saturating(
                col.pool_startup_council + col.pool_startup_tt,
                cp.startup_cost,
                cp.startup_max * world.market_scale,
            ),
            col.brokered,
            col.recruit,
        ]
    )
    g = rng["entry"]
    counts = g.poisson(np.maximum(means, 0.0))
    gp = rng["popups"]  # pop-ups: a stream of their own, after every other applicant
    popups = int(gp.poisson(max(ep.popup_rate * world.market_scale, 0.0)))
    vacant = np.flatnonzero(u.category == VACANT)
    apps: dict[str, list] = {k: [] for k in _FIELDS}
    if vacant.size and counts.sum() + popups:
        week = _Vacant(world, pars, vacant)
        width = _LOOK + ep.units_considered
        draws = g.random((int(counts.sum()), width))
        if popups:
            draws = np.vstack([draws, gp.random((popups, width))])
        room = [
            max(col.pool_sponsor_council - col.commit_council, 0.0),  # GBP/week
            max(col.pool_sponsor_tt - col.commit_tt, 0.0),
        ]
        spare_hours = col.volunteer_supply - col.volunteer_used
        lack = [
            CAT[c]
            for c, access in (("convenience", col.access_grocery), ("health", col.access_health))
            if access < tp.recruit_access_below
        ]
        sources = [s for s, k in enumerate([*counts.tolist(), popups]) for _ in range(k)]
        for d, source in zip(draws, sources, strict=True):
            a = _applicant(week, pars, d, source, room, spare_hours, lack)
            if a is None:
                continue
            if a["category"] == CAT["voluntary"]:
                spare_hours -= pars.occupiers.volunteer_hours_need
            for k in _FIELDS:
                apps[k].append(a[k])
    now.apps = {k: np.asarray(apps[k], dtype=t) for k, t in _FIELDS.items()}


class _Vacant:
    """This week's vacant units and what an applicant reads of them, computed once a week:
    their asking rents, rateable values, floorspace and pitch, and by the use ``c`` an
    applicant would put in (:meth:`costs`) the expected costs other than rent and the
    expected revenue. An applicant looks at a few units, so what it reads of each is also
    kept as plain lists (``units``, ``ask`` and ``retail_class``, and the lists of
    :meth:`costs`)."""

    def __init__(self, world: World, pars: Params, vacant: np.ndarray) -> None:
        u = world.units
        self.world, self.pars, self.n = world, pars, vacant.size
        self.units = vacant.tolist()
        self.ask = world.now.ask[vacant].tolist()  # GBP/week
        self.rateable = u.rateable[vacant]  # GBP/yr
        self.floorspace = u.floorspace[vacant]  # m2
        self.loc = u.loc[vacant]
        self.retail_class = u.retail_class[vacant].tolist()
        self.mix = entry_mix(pars.entrants)  # cumulative shares
        self._costs: dict[int, tuple[list[float], list[float]]] = {}

    def costs(self, c: int) -> tuple[list[float], list[float]]:
        """Per vacant unit, for use ``c``: the expected costs other than rent (rates net of
        reliefs, fixed costs and, for a commercial use, the Town Team levy; GBP/week) and the
        expected revenue before optimism (the use's rolling revenue per m2, or the centre's if
        the use is absent, x floorspace x pitch; GBP/week)."""
        if c not in self._costs:
            pars, now, col = self.pars, self.world.now, self.world.col
            rates = levers.rates_due(
                self.rateable, np.int64(c), pars.council, col.relief_share, now.rates_relief
            )[0]
            fixed = 0.0 if c == CAT["voluntary"] else FIXED_PER_M2[c] * pars.occupiers.fixed_scale
            other = rates + fixed * self.floorspace
            if pars.town_team.enabled and COMMERCIAL[c]:
                other += self.rateable / 52.0 * pars.town_team.levy
            per_m2 = col.rev_cat[c] if col.rev_cat[c] > 0 else col.rev_all  # GBP/m2/week
            if per_m2 <= 0:  # nothing trades: expect the centre's reference trading
                per_m2 = col.spend_ref
            self._costs[c] = other.tolist(), (per_m2 * self.floorspace * self.loc).tolist()
        return self._costs[c]


def _applicant(
    vac: _Vacant,
    pars: Params,
    d: np.ndarray,
    source: int,
    room: list[float],
    spare_hours: float,
    lack: list[int],
) -> dict | None:
    """One applicant from ``source`` (0 market, 1 start-up support, 2 brokerage, 3
    recruitment, 4 pop-ups) and its draws ``d``: its application, or None if it does not
    apply. Takes a sponsored use's costs out of its sponsor's ``room``."""
    ep, cp, world = pars.entrants, pars.council, vac.world
    chain, meanwhile, brokered, sponsor, subsidy = False, False, False, 0, 0.0
    if source == 0:
        k = bisect_right(vac.mix, d[_KIND])
        c = CAT[ENTRY_CATEGORIES[min(k, len(ENTRY_CATEGORIES) - 1)]]
        chain = bool(CHAINABLE[c]) and d[_FORMAT] < min(
            1.0, ep.chain_share * world.now.chain_expansion
        )
    elif source == 1:
        c, subsidy = CAT["startup"], cp.startup_subsidy
        meanwhile = d[_FORMAT] < ep.startup_meanwhile_share
    elif source == 2:
        brokered = meanwhile = True
        p = 0 if room[0] >= room[1] else 1
        if room[p] > 0:
            sponsor = SPONSOR["council"] if p == 0 else SPONSOR["town_team"]
            if spare_hours >= pars.occupiers.volunteer_hours_need:
                c = CAT["voluntary"]
            else:
                c = CAT["learning"] if d[_FORMAT] < ep.learning_share else CAT["community"]
        else:
            c = CAT["startup"]
    elif source == 3:
        if not lack:
            return None
        c = lack[min(int(d[_FORMAT] * len(lack)), len(lack) - 1)]
        subsidy = cp.startup_subsidy
    else:  # a pop-up shop or a self-funded community group, asking for a meanwhile licence
        meanwhile = True
        if d[_FORMAT] < ep.popup_community_share:
            c, sponsor = CAT["community"], SPONSOR["own_funds"]
        else:
            c = CAT["startup"]
    j, rent, cost, ratio = _best_unit(vac, pars, d, c, meanwhile, subsidy)
    if j < 0:
        return None
    if COMMERCIAL[c]:
        if ratio < (ep.chain_hurdle if chain else ep.hurdle):
            return None
    elif sponsor != SPONSOR["own_funds"]:
        p = 0 if sponsor == SPONSOR["council"] else 1
        if room[p] < cost:
            return None
        room[p] -= cost
    op = pars.occupiers
    cash = 0.0
    if (COMMERCIAL[c] and not chain) or sponsor == SPONSOR["own_funds"]:  # weeks of costs
        cash = op.reserve_weeks * cost * (1.0 + op.reserve_spread * (2.0 * d[_RESERVE] - 1.0))
    quality = op.quality_sd * float(ndtri(min(max(d[_QUALITY], 1e-12), 1 - 1e-12)))
    return {
        "unit": j,
        "category": c,
        "chain": chain,
        "meanwhile": meanwhile,
        "brokered": brokered,
        "sponsor": sponsor,
        "subsidy": subsidy,
        "rent": rent,
        "cash": cash,
        "quality": quality,
    }


def _best_unit(
    vac: _Vacant, pars: Params, d: np.ndarray, c: int, meanwhile: bool, subsidy: float
) -> tuple[int, float, float, float]:
    """The applicant's look at vacant units: (unit, its rent and expected costs, GBP/week,
    expected profit/costs), the best ratio (commercial) or the lowest costs (non-commercial),
    the first of equals in unit order; unit -1 if no unit it looked at is permitted. (Plain
    Python over the few units looked at: numpy calls on arrays of three cost more.)"""
    ep, lp, now = pars.entrants, pars.landlords, vac.world.now
    n = vac.n
    look = sorted({min(int(x * n), n - 1) for x in list(d[_LOOK : _LOOK + ep.units_considered])})
    # a non-retail use of a retail unit needs permission, unless use class E (from 2020: shops,
    # cafes, services, clinics, gyms) lets a commercial use change without it
    free = d[_PLANNING] < pars.council.planning_flex or (now.use_class_e and COMMERCIAL[c])
    if not free and not RETAIL_USE[c]:
        look = [k for k in look if not vac.retail_class[k]]
    if not look:
        return -1, 0.0, 0.0, 0.0
    rent = [vac.ask[k] * lp.meanwhile_rent if meanwhile else vac.ask[k] for k in look]
    other, revenue = vac.costs(c)
    if not COMMERCIAL[c]:
        cost = [r + other[k] for r, k in zip(rent, look, strict=True)]
        i = cost.index(min(cost))
        return vac.units[look[i]], rent[i], cost[i], 0.0
    optimism = np.exp(ep.optimism_sd * (2.0 * d[_OPTIMISM] - 1.0) * _SQRT3)  # sd-matched
    margin = float(MARGIN[c])
    cost = [r * (1.0 - subsidy) + other[k] for r, k in zip(rent, look, strict=True)]
    ratio = [
        float(margin * (revenue[k] * optimism) - x) / max(x, 1e-9)  # revenue GBP/week expected
        for k, x in zip(look, cost, strict=True)
    ]
    i = ratio.index(max(ratio))
    return vac.units[look[i]], rent[i], cost[i], ratio[i]
