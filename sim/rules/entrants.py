"""Entrants: prospective occupiers arrive, pick a vacant unit and apply if entry pays
(MODEL.md, "Entrants").

Each week, applicants come from four sources:

1. the market: Poisson(arrival_rate x signal x spend multiplier) applicants, where the signal
   is the centre's rolling commercial revenue per m2 relative to week 0 raised to
   ``signal_elasticity``, floored at ``SIGNAL_FLOOR`` (entrepreneurs keep scouting a dead
   centre; with nothing trading they expect the reference revenue per m2); each has a
   category drawn from :data:`ENTRY_MIX` and is a chain
   with probability ``chain_share`` x chain expansion (chainable categories only);
2. start-up support: Poisson(pool / ``STARTUP_COST``) start-ups with a rent subsidy, applying
   for meanwhile or standard leases;
3. brokerage (council facilitation and the Town Team's meanwhile head): Poisson(expected
   brokered proposals) meanwhile proposals: a voluntary project where spare volunteer hours
   allow, otherwise a learning or community use, provided a sponsor has room in its budget,
   otherwise a meanwhile start-up;
4. Town Team recruitment of categories residents lack within walking range (grocery, health).

Each applicant looks at up to three vacant units (drawn uniformly) and applies to the one
with the best expected profit: expected revenue = the category's rolling revenue per m2
(the centre's, if the category is absent) x floorspace x location x optimism (lognormal);
expected costs = asking rent (less subsidy; meanwhile rent for meanwhile lets) + rates net
of reliefs + levy + fixed costs. A commercial applicant applies only if expected
profit/costs beats its hurdle. A non-retail use of a retail unit needs planning permission
(granted with probability ``planning_flex``). Landlords then decide (see landlords rule).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.special import ndtri

from sim.categories import (
    CAT,
    CHAINABLE,
    COMMERCIAL,
    FIXED_PER_M2,
    MARGIN,
    N_CAT,
    RETAIL_USE,
    SPONSOR,
)
from sim.npsum import np_maximum_nb, pairwise_sum_nb
from sim.params import Params, per_params
from sim.state import World, fixed_costs, weekly_rates

#: Market applicants' category mix (shares), weighted to the GB high-street mix (assumption).
ENTRY_MIX = np.zeros(N_CAT)
for _name, _share in (
    ("convenience", 0.12),
    ("comparison", 0.22),
    ("food_drink", 0.24),
    ("services", 0.18),
    ("leisure", 0.07),
    ("health", 0.05),
    ("charity", 0.06),
    ("startup", 0.06),
):
    ENTRY_MIX[CAT[_name]] = _share
ENTRY_MIX /= ENTRY_MIX.sum()
_ENTRY_CUM = np.cumsum(ENTRY_MIX)  # for drawing a category
STARTUP_COST = 2500.0  # GBP of weekly support pool per supported start-up applicant (assumption)
N_LOOK = 3  # vacant units an applicant considers
_CHARITY = CAT["charity"]
_VOLUNTARY = CAT["voluntary"]
_STARTUP = CAT["startup"]
_LEARNING = CAT["learning"]
_COMMUNITY = CAT["community"]
_SPONSOR_COUNCIL = SPONSOR["council"]
_SPONSOR_TT = SPONSOR["town_team"]
_CONVENIENCE = CAT["convenience"]
_HEALTH = CAT["health"]
SIGNAL_FLOOR = 0.25  # lowest market signal: applicants still arrive at a quarter of the rate

_KEYS = (
    "unit",
    "category",
    "chain",
    "meanwhile",
    "brokered",
    "sponsor",
    "subsidy",
    "rent",
    "cash",
    "quality",
)


@njit(cache=True)
def _look_nb(
    d: np.ndarray,
    vacant: np.ndarray,
    retail_class: np.ndarray,
    rateable: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    ask: np.ndarray,
    c: int,
    retail_use_c: bool,
    planning_flex: float,
    rent_mult: float,
    rates_multiplier: float,
    sbr_threshold: float,
    small_business_relief: float,
    community_relief: float,
    community: bool,
    fixed_per_m2_c: float,
    fixed_scale: float,
    levy_on: bool,
    levy_rate: float,
    commercial: bool,
    per_m2: float,
    optimism: float,
    margin_c: float,
    subsidy: float,
) -> tuple[int, int, float, float, float]:
    """One applicant's look at up to ``N_LOOK`` vacant units (:func:`_look_ref`, the code
    :func:`applicants` ran before, element for element).

    ``d``: the applicant's 8 draws. Returns (units permitted, the unit chosen, its rent, its
    expected costs, its expected profit/costs ratio; 0.0 for a non-commercial use): the unit
    with the best ratio (commercial) or the lowest costs (non-commercial), the first of equals
    in unit order; (0, -1, 0.0, 0.0, 0.0) if no unit is permitted.
    """
    nv = vacant.shape[0]
    look = np.empty(N_LOOK, np.int64)
    for t in range(N_LOOK):
        v = np.int64(d[2 + t] * nv)
        look[t] = vacant[min(v, nv - 1)]
    look.sort()
    flex = d[5] < planning_flex
    best = -1
    best_v = 0.0
    best_rent = 0.0
    best_cost = 0.0
    n_ok = 0
    for t in range(N_LOOK):
        j = look[t]
        if t > 0 and j == look[t - 1]:
            continue
        if not ((not (retail_class[j] and not retail_use_c)) or flex):
            continue
        n_ok += 1
        rent = ask[j] * rent_mult
        full = rateable[j] / 52.0 * rates_multiplier
        relief = small_business_relief if rateable[j] < sbr_threshold else 0.0
        if community:
            relief = np_maximum_nb(relief, community_relief)
        fixed = 0.0 if c == _VOLUNTARY else fixed_per_m2_c * floorspace[j] * fixed_scale
        other = full * (1.0 - relief) + fixed
        if levy_on:
            other = other + rateable[j] / 52.0 * levy_rate
        if commercial:
            exp_rev = per_m2 * floorspace[j] * loc[j] * optimism
            cost = rent * (1.0 - subsidy) + other
            v = (margin_c * exp_rev - cost) / np_maximum_nb(cost, 1e-9)
            # np.argmax: the first maximum (the first NaN, if any)
            take = best < 0 or (best_v == best_v and (v > best_v or v != v))
        else:
            cost = rent + other
            v = cost
            take = best < 0 or (best_v == best_v and (v < best_v or v != v))
        if take:
            best, best_v, best_rent, best_cost = j, v, rent, cost
    if best < 0:
        return 0, -1, 0.0, 0.0, 0.0
    return n_ok, best, best_rent, best_cost, best_v if commercial else 0.0


def _look_ref(
    d: np.ndarray,
    vacant: np.ndarray,
    retail_class: np.ndarray,
    rateable: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    ask: np.ndarray,
    c: int,
    pars: Params,
    meanwhile: bool,
    per_m2: float,
    optimism: float,
    subsidy: float,
) -> tuple[int, int, float, float, float]:
    """Plain-numpy reference of :func:`_look_nb`: the code :func:`applicants` ran before."""
    lp = pars.landlords
    look = vacant[np.minimum((d[2 : 2 + N_LOOK] * vacant.size).astype(np.int64), vacant.size - 1)]
    look = np.array(sorted(set(look.tolist())), dtype=look.dtype)  # np.unique
    permitted = ~(retail_class[look] & ~RETAIL_USE[c]) | (d[5] < pars.council.planning_flex)
    look = look[permitted]
    if look.size == 0:
        return 0, -1, 0.0, 0.0, 0.0
    cats = np.full(look.size, c)
    rent = ask[look] * (lp.meanwhile_rent if meanwhile else 1.0)
    other = weekly_rates(rateable[look], cats, pars.council) + fixed_costs(
        cats, floorspace[look], pars.occupiers.fixed_scale
    )
    if pars.town_team.enabled and COMMERCIAL[c]:
        other = other + rateable[look] / 52.0 * pars.town_team.levy
    if COMMERCIAL[c]:
        exp_rev = per_m2 * floorspace[look] * loc[look] * optimism
        cost = rent * (1.0 - subsidy) + other
        ratio = (MARGIN[c] * exp_rev - cost) / np.maximum(cost, 1e-9)
        k = int(np.argmax(ratio))
        return int(look.size), int(look[k]), float(rent[k]), float(cost[k]), float(ratio[k])
    cost = rent + other
    k = int(np.argmin(cost))
    return int(look.size), int(look[k]), float(rent[k]), float(cost[k]), 0.0


def _empty_apps() -> dict[str, list]:
    return {k: [] for k in _KEYS}


_DTYPES = {
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


@njit(cache=True)
def _vacant_nb(category: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(category < 0)``: the vacant units, in order."""
    return np.flatnonzero(category < 0)


@njit(cache=True)
def _draw_args_nb(draws: np.ndarray, optimism_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of each applicant's optimism factor, ``np.exp(optimism_sd * (d6 * 2.0 -
    1.0) * 1.7320508)`` (lognormal, sd-matched uniform), and of its quality, ``ndtri`` of d4
    clipped to [1e-12, 1 - 1e-12], as the numpy expressions compute them
    (:func:`_draw_args_ref`, bit for bit)."""
    n = draws.shape[0]
    x_opt = np.empty(n)
    x_qual = np.empty(n)
    for i in range(n):
        x_opt[i] = optimism_sd * (draws[i, 6] * 2.0 - 1.0) * 1.7320508
        q = draws[i, 4]
        q = q if q >= 1e-12 or q != q else 1e-12  # np.maximum (NaN kept)
        x_qual[i] = q if q <= 1 - 1e-12 or q != q else 1 - 1e-12  # np.minimum
    return x_opt, x_qual


def _draw_args_ref(draws: np.ndarray, optimism_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Plain-numpy reference of :func:`_draw_args_nb`: the expressions applicants evaluated."""
    x_opt = optimism_sd * (draws[:, 6] * 2.0 - 1.0) * 1.7320508
    return x_opt, np.minimum(np.maximum(draws[:, 4], 1e-12), 1 - 1e-12)


@njit(cache=True)
def _applicants_nb(
    counts: tuple[int, int, int, int],
    draws: np.ndarray,
    optimism: np.ndarray,
    z_quality: np.ndarray,
    vacant: np.ndarray,
    retail_class: np.ndarray,
    rateable: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    ask: np.ndarray,
    rev_cat: np.ndarray,
    tables: tuple[np.ndarray, ...],
    state: tuple[float, float, float, float, float, float, bool, bool],
    pars: tuple,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The applicants of :func:`applicants` (:func:`_applicants_ref`, bit for bit).

    ``counts``: applicants by source (market, start-up support, brokerage, recruitment);
    ``draws``: 8 uniform draws per applicant, in that order; ``optimism``: each applicant's
    optimism factor (numpy's exp of its draw 6) and ``z_quality`` its standard-normal quality
    (``ndtri`` of its draw 4); ``tables``: :data:`_ENTRY_CUM` and the category tables
    CHAINABLE, COMMERCIAL, RETAIL_USE, FIXED_PER_M2 and MARGIN; ``state``: the centre's
    rolling revenue per m2 and the reference (GBP/m2/week), the sponsors' (council, Town
    Team) room in their budgets (GBP/week), spare volunteer hours, the chance that a
    chainable market applicant is a chain, whether residents lack grocery and health;
    ``pars`` (:func:`_applicant_pars`): volunteer hours a voluntary use needs, start-up
    subsidy, planning flexibility, meanwhile rent share, rates multiplier, small-business
    relief threshold (GBP/yr) and relief, community relief, fixed-cost scale, levy on, levy
    rate, hurdle, chain hurdle, reserve weeks and quality sd.

    Returns the applications' integers (unit, category, sponsor), flags (chain, meanwhile,
    brokered) and floats (subsidy, rent GBP/week, cash GBP, quality), one row each.
    """
    entry_cum, chainable, commercial, retail_use, fixed_per_m2, margin = tables
    rev_all, spend_ref, room0, room1, spare_hours, chain_p, lack_grocery, lack_health = state
    (
        volunteer_hours_need,
        startup_subsidy,
        flex,
        mw_rent,
        rm,
        sbr_t,
        sbr,
        cr,
        fixed_scale,
        levy_on,
        levy_rate,
        hurdle_indep,
        hurdle_chain,
        reserve_weeks,
        quality_sd,
    ) = pars
    lack = np.empty(2, np.int64)
    n_lack = 0
    if lack_grocery:
        lack[n_lack] = _CONVENIENCE
        n_lack += 1
    if lack_health:
        lack[n_lack] = _HEALTH
        n_lack += 1
    t_all = draws.shape[0]
    ints = np.empty((3, t_all), np.int64)
    flags = np.empty((3, t_all), np.bool_)
    floats = np.empty((4, t_all), np.float64)
    n_cum = entry_cum.shape[0]
    k = 0
    i = -1
    for source in range(4):
        for _ in range(counts[source]):
            i += 1
            d = draws[i]
            chain, meanwhile, brokered, sponsor, subsidy = False, False, False, 0, 0.0
            if source == 0:
                c = 0  # np.searchsorted(_ENTRY_CUM, d[0], side="right")
                while c < n_cum and entry_cum[c] <= d[0]:
                    c += 1
                c = min(c, N_CAT - 1)
                chain = chainable[c] and d[1] < chain_p
            elif source == 1:
                c = _STARTUP
                subsidy = startup_subsidy
                meanwhile = d[1] < 0.5
            elif source == 2:
                brokered = meanwhile = True
                p = 0 if room0 >= room1 else 1
                if (room0 if p == 0 else room1) > 0:
                    sponsor = _SPONSOR_COUNCIL if p == 0 else _SPONSOR_TT
                    if spare_hours >= volunteer_hours_need:
                        c = _VOLUNTARY
                        spare_hours -= volunteer_hours_need
                    else:
                        c = _LEARNING if d[1] < 0.5 else _COMMUNITY
                else:
                    c = _STARTUP
            else:
                if n_lack == 0:
                    continue
                c = lack[min(int(d[1] * n_lack), n_lack - 1)]
                subsidy = startup_subsidy
            com_c = commercial[c]
            per_m2 = 0.0
            opt = 0.0
            if com_c:
                per_m2 = rev_cat[c] if rev_cat[c] > 0 else rev_all
                if per_m2 <= 0:  # nothing trades: expect the centre's reference trading
                    per_m2 = spend_ref
                opt = optimism[i]
            n_look, j, rent_k, cost_k, ratio_k = _look_nb(
                d,
                vacant,
                retail_class,
                rateable,
                floorspace,
                loc,
                ask,
                c,
                retail_use[c],
                flex,
                mw_rent if meanwhile else 1.0,
                rm,
                sbr_t,
                sbr,
                cr,
                c == _CHARITY or not com_c,
                fixed_per_m2[c],
                fixed_scale,
                levy_on and com_c,
                levy_rate,
                com_c,
                per_m2,
                opt,
                margin[c],
                subsidy,
            )
            if n_look == 0:
                continue
            if com_c:
                if ratio_k < (hurdle_chain if chain else hurdle_indep):
                    continue
            elif sponsor == _SPONSOR_COUNCIL:
                if room0 < cost_k:
                    continue
                room0 -= cost_k
            else:
                if room1 < cost_k:
                    continue
                room1 -= cost_k
            cash = 0.0
            if com_c and not chain:
                cash = reserve_weeks * cost_k * (0.5 + d[7])
            ints[0, k] = j
            ints[1, k] = c
            ints[2, k] = sponsor
            flags[0, k] = chain
            flags[1, k] = meanwhile
            flags[2, k] = brokered
            floats[0, k] = subsidy
            floats[1, k] = rent_k
            floats[2, k] = cash
            floats[3, k] = quality_sd * z_quality[i]
            k += 1
    return ints[:, :k], flags[:, :k], floats[:, :k]


_TABLES = (_ENTRY_CUM, CHAINABLE, COMMERCIAL, RETAIL_USE, FIXED_PER_M2, MARGIN)


@per_params
def _applicant_pars(pars: Params) -> tuple:
    """The parameters of :func:`_applicants_nb`, built once per (frozen) Params object."""
    cp, op, ep = pars.council, pars.occupiers, pars.entrants
    return (
        float(op.volunteer_hours_need),
        float(cp.startup_subsidy),
        float(cp.planning_flex),
        float(pars.landlords.meanwhile_rent),
        float(cp.rates_multiplier),
        float(cp.sbr_threshold),
        float(cp.small_business_relief),
        float(cp.community_relief),
        float(op.fixed_scale),
        bool(pars.town_team.enabled),
        float(pars.town_team.levy),
        float(ep.hurdle),
        float(ep.chain_hurdle),
        float(op.reserve_weeks),
        float(op.quality_sd),
    )


def _poisson(rng: np.random.Generator, lam: float) -> int:
    """``rng.poisson(max(lam, 0.0))``; numpy draws nothing for a zero mean, so neither call."""
    lam = max(lam, 0.0)
    return 0 if lam == 0 else int(rng.poisson(lam))


def applicants(
    world: World,
    pars: Params,
    ask: np.ndarray,
    spend_mult: float,
    chain_expansion: float,
    week: int,
    rng: np.random.Generator,
) -> dict:
    """This week's applications (equal-length arrays keyed as in the landlords rule).

    The draws are made as before (the Poisson counts by source, then 8 uniforms per
    applicant, in order); the applicants are then one kernel, :func:`_applicants_nb` (the
    same results as :func:`_applicants_ref`, bit for bit).
    """
    u, col, ep = world.units, world.col, pars.entrants
    vacant = _vacant_nb(u.category)
    signal = (col.rev_all / col.spend_ref) ** ep.signal_elasticity if col.spend_ref > 0 else 0.0
    signal = max(signal, SIGNAL_FLOOR)  # entrepreneurs keep scouting even a dead centre
    counts = (
        _poisson(rng, ep.arrival_rate * signal * spend_mult),
        _poisson(rng, (col.pool_startup_council + col.pool_startup_tt) / STARTUP_COST),
        _poisson(rng, col.brokered),
        _poisson(rng, col.recruit),
    )
    if vacant.size == 0:
        return {k: np.zeros(0) for k in _KEYS}
    total = sum(counts)
    if total == 0:
        return {k: np.zeros(0, _DTYPES[k]) for k in _KEYS}
    draws = rng.random((total, 8))  # 8 draws per applicant, as one call per applicant made
    x_opt, x_qual = _draw_args_nb(draws, float(ep.optimism_sd))
    optimism = np.exp(x_opt)  # numpy's exp (numba's differs in the last bit)
    z_quality = ndtri(x_qual)
    (unit, cat, sponsor), (chain, meanwhile, brokered), (subsidy, rent, cash, quality) = (
        _applicants_nb(
            counts,
            draws,
            optimism,
            z_quality,
            vacant,
            u.retail_class,
            u.rateable,
            u.floorspace,
            u.loc,
            ask,
            col.rev_cat,
            _TABLES,
            (
                float(col.rev_all),
                float(col.spend_ref),
                max(col.pool_sponsor_council - col.commit_council, 0.0),
                max(col.pool_sponsor_tt - col.commit_tt, 0.0),
                float(col.volunteer_supply - col.volunteer_used),
                min(1.0, ep.chain_share * chain_expansion),
                bool(col.access_grocery < 0.5),
                bool(col.access_health < 0.5),
            ),
            _applicant_pars(pars),
        )
    )
    return {
        "unit": unit,
        "category": cat,
        "chain": chain,
        "meanwhile": meanwhile,
        "brokered": brokered,
        "sponsor": sponsor,
        "subsidy": subsidy,
        "rent": rent,
        "cash": cash,
        "quality": quality,
    }


def _applicants_ref(
    world: World,
    pars: Params,
    ask: np.ndarray,
    spend_mult: float,
    chain_expansion: float,
    week: int,
    rng: np.random.Generator,
) -> dict:
    """Plain-numpy reference of :func:`applicants` (:func:`_applicants_nb`): the code applicants
    ran before, with :func:`_look_ref` for the look at vacant units."""
    u, col, ep = world.units, world.col, pars.entrants
    vacant = np.flatnonzero(u.category < 0)
    apps = _empty_apps()
    signal = (col.rev_all / col.spend_ref) ** ep.signal_elasticity if col.spend_ref > 0 else 0.0
    signal = max(signal, SIGNAL_FLOOR)  # entrepreneurs keep scouting even a dead centre
    lam = np.array(
        [
            ep.arrival_rate * signal * spend_mult,
            (col.pool_startup_council + col.pool_startup_tt) / STARTUP_COST,
            col.brokered,
            col.recruit,
        ]
    )
    counts = rng.poisson(np.maximum(lam, 0.0))
    if vacant.size == 0:
        return {k: np.asarray(v) for k, v in apps.items()}
    spare_hours = col.volunteer_supply - col.volunteer_used
    room = [
        max(col.pool_sponsor_council - col.commit_council, 0.0),
        max(col.pool_sponsor_tt - col.commit_tt, 0.0),
    ]
    lack = []
    if col.access_grocery < 0.5:
        lack.append(CAT["convenience"])
    if col.access_health < 0.5:
        lack.append(CAT["health"])
    for source in range(4):
        for _ in range(int(counts[source])):
            d = rng.random(8)  # fixed number of draws per applicant
            chain, meanwhile, brokered, sponsor, subsidy = False, False, False, 0, 0.0
            if source == 0:
                c = int(min(np.searchsorted(_ENTRY_CUM, d[0], side="right"), N_CAT - 1))
                chain = bool(CHAINABLE[c]) and d[1] < min(1.0, ep.chain_share * chain_expansion)
            elif source == 1:
                c = CAT["startup"]
                subsidy = pars.council.startup_subsidy
                meanwhile = d[1] < 0.5
            elif source == 2:
                brokered = meanwhile = True
                p = 0 if room[0] >= room[1] else 1
                if room[p] > 0:
                    sponsor = SPONSOR["council"] if p == 0 else SPONSOR["town_team"]
                    if spare_hours >= pars.occupiers.volunteer_hours_need:
                        c = CAT["voluntary"]
                        spare_hours -= pars.occupiers.volunteer_hours_need
                    else:
                        c = CAT["learning"] if d[1] < 0.5 else CAT["community"]
                else:
                    c = CAT["startup"]
            else:
                if not lack:
                    continue
                c = lack[min(int(d[1] * len(lack)), len(lack) - 1)]
                subsidy = pars.council.startup_subsidy
            # look at up to N_LOOK vacant units; apply to the best of the permitted ones
            com_c = bool(COMMERCIAL[c])
            per_m2 = optimism = 0.0
            if com_c:
                per_m2 = col.rev_cat[c] if col.rev_cat[c] > 0 else col.rev_all
                if per_m2 <= 0:  # nothing trades: expect the centre's reference trading
                    per_m2 = col.spend_ref
                optimism = np.exp(ep.optimism_sd * (d[6] * 2.0 - 1.0) * 1.7320508)  # sd-matched
            n_look, j, rent_k, cost_k, ratio_k = _look_ref(
                d,
                vacant,
                u.retail_class,
                u.rateable,
                u.floorspace,
                u.loc,
                ask,
                c,
                pars,
                meanwhile,
                float(per_m2),
                float(optimism),
                subsidy,
            )
            if n_look == 0:
                continue
            if com_c:
                hurdle = ep.chain_hurdle if chain else ep.hurdle
                if ratio_k < hurdle:
                    continue
            else:
                p = 0 if sponsor == SPONSOR["council"] else 1
                if room[p] < cost_k:
                    continue
                room[p] -= cost_k
            cash = 0.0
            if com_c and not chain:
                cash = pars.occupiers.reserve_weeks * cost_k * (0.5 + d[7])
            quality = pars.occupiers.quality_sd * float(ndtri(min(max(d[4], 1e-12), 1 - 1e-12)))
            for key, val in zip(
                _KEYS,
                (j, c, chain, meanwhile, brokered, sponsor, subsidy, rent_k, cash, quality),
                strict=True,
            ):
                apps[key].append(val)
    return {k: np.asarray(v, dtype=_DTYPES[k]) for k, v in apps.items()}


def update_signals(world: World, memory: float) -> None:
    """Rolling commercial revenue per m2, overall and by category (the market signal); the
    sums and the categories' update are one kernel, :func:`_signal_update_nb`."""
    u, col = world.units, world.col
    area, rev_sum, col.rev_cat = _signal_update_nb(
        u.category, COMMERCIAL, u.floorspace, u.revenue, col.rev_cat, memory
    )
    now = rev_sum / area if area > 0 else 0.0
    col.rev_all = (1 - memory) * col.rev_all + memory * now


@njit(cache=True)
def _signal_update_nb(
    category: np.ndarray,
    commercial: np.ndarray,
    floorspace: np.ndarray,
    revenue: np.ndarray,
    rev_cat: np.ndarray,
    memory: float,
) -> tuple[float, float, np.ndarray]:
    """The commercial floorspace (m2) and revenue (GBP) of :func:`_signal_sums_nb` and the new
    rolling revenue per m2 by category (a new array; categories without floorspace keep
    theirs), as :func:`_update_signals_ref` computes them, bit for bit."""
    area, rev_sum, rev, a = _signal_sums_nb(
        category, commercial, floorspace, revenue, rev_cat.shape[0]
    )
    out = np.empty(rev_cat.shape[0])
    for c in range(rev_cat.shape[0]):
        if a[c] > 0:
            out[c] = (1 - memory) * rev_cat[c] + memory * (rev[c] / a[c])
        else:
            out[c] = rev_cat[c]
    return area, rev_sum, out


def _update_signals_ref(world: World, memory: float) -> None:
    """Plain-numpy reference of :func:`update_signals`: the code it ran before."""
    u, col = world.units, world.col
    area, rev_sum, rev, a = _signal_sums_nb(u.category, COMMERCIAL, u.floorspace, u.revenue, N_CAT)
    now = rev_sum / area if area > 0 else 0.0
    col.rev_all = (1 - memory) * col.rev_all + memory * now
    per = np.divide(rev, a, out=np.zeros(N_CAT), where=a > 0)
    col.rev_cat = np.where(a > 0, (1 - memory) * col.rev_cat + memory * per, col.rev_cat)


@njit(cache=True)
def _signal_sums_nb(
    category: np.ndarray,
    commercial: np.ndarray,
    floorspace: np.ndarray,
    revenue: np.ndarray,
    n_cat: int,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """The sums of :func:`update_signals` (:func:`_signal_sums_ref`, bit for bit): floorspace
    and revenue of the commercial units (numpy's pairwise sums of the selected values) and
    both by category (``np.bincount``'s sums: in unit order, from 0.0)."""
    n = category.shape[0]
    m = 0
    for j in range(n):
        c = category[j]
        if c >= 0 and commercial[c]:
            m += 1
    fs = np.empty(m)
    rv = np.empty(m)
    rev = np.zeros(n_cat)
    area = np.zeros(n_cat)
    k = 0
    for j in range(n):
        c = category[j]
        if c >= 0 and commercial[c]:
            fs[k] = floorspace[j]
            rv[k] = revenue[j]
            rev[c] += revenue[j]
            area[c] += floorspace[j]
            k += 1
    return pairwise_sum_nb(fs), pairwise_sum_nb(rv), rev, area


def _signal_sums_ref(
    category: np.ndarray,
    commercial: np.ndarray,
    floorspace: np.ndarray,
    revenue: np.ndarray,
    n_cat: int,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Plain-numpy reference of :func:`_signal_sums_nb`: the code update_signals ran before."""
    com = (category >= 0) & commercial[np.maximum(category, 0)]
    cat = category[com].astype(np.int64)
    rev = np.bincount(cat, weights=revenue[com], minlength=n_cat)
    a = np.bincount(cat, weights=floorspace[com], minlength=n_cat)
    return float(floorspace[com].sum()), float(revenue[com].sum()), rev, a
