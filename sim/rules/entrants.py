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
from scipy.special import ndtri

from sim.categories import CAT, CHAINABLE, COMMERCIAL, MARGIN, N_CAT, RETAIL_USE, SPONSOR
from sim.params import Params
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


def _empty_apps() -> dict[str, list]:
    return {k: [] for k in _KEYS}


def applicants(
    world: World,
    pars: Params,
    ask: np.ndarray,
    spend_mult: float,
    chain_expansion: float,
    week: int,
    rng: np.random.Generator,
) -> dict:
    """This week's applications (equal-length arrays keyed as in the landlords rule)."""
    u, col, ep, lp = world.units, world.col, pars.entrants, pars.landlords
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
            # look at up to N_LOOK vacant units
            look = vacant[
                np.minimum((d[2 : 2 + N_LOOK] * vacant.size).astype(np.int64), vacant.size - 1)
            ]
            look = np.array(sorted(set(look.tolist())), dtype=look.dtype)  # np.unique
            permitted = ~(u.retail_class[look] & ~RETAIL_USE[c]) | (
                d[5] < pars.council.planning_flex
            )  # noqa: E501
            look = look[permitted]
            if look.size == 0:
                continue
            cats = np.full(look.size, c)
            rent = ask[look] * (lp.meanwhile_rent if meanwhile else 1.0)
            other = weekly_rates(u.rateable[look], cats, pars.council) + fixed_costs(
                cats, u.floorspace[look], pars.occupiers.fixed_scale
            )
            if pars.town_team.enabled and COMMERCIAL[c]:
                other = other + u.rateable[look] / 52.0 * pars.town_team.levy
            if COMMERCIAL[c]:
                per_m2 = col.rev_cat[c] if col.rev_cat[c] > 0 else col.rev_all
                if per_m2 <= 0:  # nothing trades: expect the centre's reference trading
                    per_m2 = col.spend_ref
                optimism = np.exp(ep.optimism_sd * (d[6] * 2.0 - 1.0) * 1.7320508)  # sd-matched
                exp_rev = per_m2 * u.floorspace[look] * u.loc[look] * optimism
                cost = rent * (1.0 - subsidy) + other
                ratio = (MARGIN[c] * exp_rev - cost) / np.maximum(cost, 1e-9)
                k = int(np.argmax(ratio))
                hurdle = ep.chain_hurdle if chain else ep.hurdle
                if ratio[k] < hurdle:
                    continue
            else:
                cost = rent + other
                k = int(np.argmin(cost))
                p = 0 if sponsor == SPONSOR["council"] else 1
                if room[p] < cost[k]:
                    continue
                room[p] -= cost[k]
            j = int(look[k])
            cash = 0.0
            if COMMERCIAL[c] and not chain:
                cash = pars.occupiers.reserve_weeks * float(cost[k]) * (0.5 + d[7])
            quality = pars.occupiers.quality_sd * float(ndtri(min(max(d[4], 1e-12), 1 - 1e-12)))
            for key, val in zip(
                _KEYS,
                (j, c, chain, meanwhile, brokered, sponsor, subsidy, float(rent[k]), cash, quality),
                strict=True,
            ):
                apps[key].append(val)
    dtypes = {
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
    return {k: np.asarray(v, dtype=dtypes[k]) for k, v in apps.items()}


def update_signals(world: World, memory: float) -> None:
    """Rolling commercial revenue per m2, overall and by category (the market signal)."""
    u, col = world.units, world.col
    com = (u.category >= 0) & COMMERCIAL[np.maximum(u.category, 0)]
    area = float(u.floorspace[com].sum())
    now = float(u.revenue[com].sum()) / area if area > 0 else 0.0
    col.rev_all = (1 - memory) * col.rev_all + memory * now
    cat = u.category[com].astype(np.int64)
    rev = np.bincount(cat, weights=u.revenue[com], minlength=N_CAT)
    a = np.bincount(cat, weights=u.floorspace[com], minlength=N_CAT)
    per = np.divide(rev, a, out=np.zeros(N_CAT), where=a > 0)
    col.rev_cat = np.where(a > 0, (1 - memory) * col.rev_cat + memory * per, col.rev_cat)
