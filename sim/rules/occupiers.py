"""Occupiers' weekly accounts, exits, chain branch closures and lease ends (MODEL.md,
"Occupiers").

For every occupied unit, each week:

* commercial occupiers: gross profit = margin x revenue (the rest is cost of goods); they pay
  rent (less any start-up subsidy, paid by the support pool while it lasts and for at most
  ``council.startup_support_weeks`` from opening), business rates net of reliefs
  (:func:`sim.levers.rates_due`: relief beyond the market setting's is paid from the
  centre's account while it can), the Town Team levy and fixed costs from
  their cash reserve. Independents draw out profit above a reserve cap
  (``reserve_cap_weeks`` of costs) and exit when the reserve is exhausted (cash < 0), or for
  personal reasons (retirement, moving on) with probability ``exit_hazard`` a year. Chains
  keep a branch account (head office stands behind it, so it may go negative) and close a
  branch whose rolling profit/costs (an EWMA with weight ``margin_memory``) falls below the
  portfolio threshold ``chain_threshold``, once the branch is past its review age
  (``min_age_weeks``). Online competition reaches a branch through its trading only (its
  revenue loses the share of its goods bought online), never through the threshold.
* business rates carry the driver's rates relief of the time on commercial units (the
  2020-25 retail, hospitality and leisure reliefs).
* units a lockdown closes (the driver) do not trade; with ``lockdown_support`` (furlough,
  grants, rates relief and the moratorium on evictions of 2020-22) their occupiers are carried
  through: no accounts, no rent, no exits while closed.
* non-commercial uses (community, learning, voluntary) take no spend; their sponsor (council
  or Town Team) pays their rent, rates and fixed costs while its pool this week lasts (units
  in order); voluntary uses also need ``volunteer_hours_need`` volunteer hours and have no
  paid staff. A use whose sponsor can no longer pay, or that lacks volunteers, closes, and so
  does one whose sponsorship was taken on under a programme once the programme ends. A
  community group on a meanwhile licence that pays its own way (sponsor ``own_funds``) pays
  from its own cash and closes when that runs out.
* at the end of a lease the occupier renews at the landlord's renewal rent if it expects to
  cover its costs there (chains: if its expected ratio beats the closure threshold);
  meanwhile occupiers leave unless they could afford a standard lease, and even then take
  one only with probability ``meanwhile_conversion`` (no published conversion rate: an
  assumption, EVIDENCE.md section 4); sponsored uses renew on a short lease.
"""

from __future__ import annotations

import numpy as np

from sim import levers
from sim.categories import CAT, COMMERCIAL, MARGIN, SPONSOR
from sim.params import Params
from sim.state import World, fixed_costs
from sim.streams import Streams

_VOLUNTARY = CAT["voluntary"]
_SPONSOR_COUNCIL = SPONSOR["council"]
_OWN_FUNDS = SPONSOR["own_funds"]


def _pay_from_pools(
    want: np.ndarray, units: np.ndarray, pools: list[float]
) -> tuple[np.ndarray, list[float]]:
    """Pay ``want[j]`` for each unit j of ``units`` in order from the first of ``pools``
    (GBP) that still holds it; returns what each unit got (0 or its want) and each pool's
    use."""
    paid = np.zeros(want.size)
    used = [0.0] * len(pools)
    for j in units:
        for p, pool in enumerate(pools):
            if pool - used[p] >= want[j]:
                used[p] += want[j]
                paid[j] = want[j]
                break
    return paid, used


def step(world: World, pars: Params, rng: Streams) -> None:
    """One week of occupiers' accounts and exits; counts by kind go to ``world.now.counts``
    (``closures_*``) and the closed units to ``world.now.closed``. Needs the landlords' renewal
    rents of this week (``world.now.renewal``)."""
    u, col, L, now = world.units, world.col, world.ledger, world.now
    op, tp, cp = pars.occupiers, pars.town_team, pars.council
    week = world.week
    draws = rng["occupiers"].random(u.n)
    cat = np.maximum(u.category, 0)
    # units closed by a lockdown and carried by public support keep their state unchanged
    shut = (u.category >= 0) & now.lockdown[cat] if op.lockdown_support else False
    occ = (u.category >= 0) & ~shut
    com = occ & COMMERCIAL[cat]
    nonc = occ & ~COMMERCIAL[cat]
    chain, indep = com & u.chain, com & ~u.chain
    # costs a week (GBP) of every unit as occupied; only occupied units' are used
    rates, relief = levers.rates_due(
        u.rateable, u.category, cp, col.relief_share, now.rates_relief
    )  # relief: the part of the rates the centre's account pays for (GBP/week)
    levy = u.rateable * (tp.levy / 52.0 if tp.enabled else 0.0)
    fixed = fixed_costs(u.category, u.floorspace, op.fixed_scale)
    cash_before = float(u.cash.sum())
    u.rent_paid[:] = 0.0

    # start-up rent subsidies, in unit order while the pools last (council first), for at
    # most startup_support_weeks from opening
    paid_sub, used = np.zeros(u.n), [0.0, 0.0]  # GBP this week
    if u.subsidy.any():
        u.subsidy[com & (week - u.opened >= cp.startup_support_weeks)] = 0.0
        want = u.rent * u.subsidy * com
        paid_sub, used = _pay_from_pools(
            want, np.flatnonzero(want), [col.pool_startup_council, col.pool_startup_tt]
        )
        u.subsidy[(want > 0) & (paid_sub == 0)] = 0.0  # support ended: the occupier pays in full
    col.used_startup_council, col.used_startup_tt = used

    # commercial accounts (GBP this week)
    revenue = u.revenue * com
    gross = MARGIN[cat] * revenue
    costs = (u.rent - paid_sub + rates + levy + fixed) * com  # the occupier's own costs
    u.cash += gross - costs
    u.rent_paid[com] = u.rent[com]
    full_costs = np.maximum(u.rent + rates + levy + fixed, 1e-9)
    ratio = (gross - full_costs) / full_costs  # profit / costs, before any subsidy
    m = op.margin_memory
    first = u.rev_avg == 0.0
    u.margin = np.where(com, np.where(first, ratio, (1 - m) * u.margin + m * ratio), u.margin)
    rolling = np.where(first, revenue, (1 - m) * u.rev_avg + m * revenue)
    u.rev_avg = np.where(com, rolling, u.rev_avg * shut)
    draw = np.maximum(u.cash - op.reserve_cap_weeks * costs, 0.0) * indep  # owners' drawings
    u.cash -= draw
    L.cogs += float((revenue - gross).sum())
    L.rent_occupiers += float(((u.rent - paid_sub) * com).sum())
    L.rent_subsidy += float(paid_sub.sum())
    L.rates_occupiers += float(rates @ com)
    L.relief_funded += float(relief @ com)
    L.levy_paid += float(levy @ com)
    L.fixed += float(fixed @ com)
    L.drawings += float(draw.sum())

    # non-commercial uses: sponsors pay, in unit order; voluntary uses need volunteer hours
    need = u.rent + rates + fixed
    used = [0.0, 0.0]
    hours = col.volunteer_supply
    col.volunteer_used = 0.0
    lost = np.zeros(u.n, np.bool_)
    for j in np.flatnonzero(nonc):
        if u.sponsor[j] == _OWN_FUNDS:  # a community group paying its own way
            if u.cash[j] >= need[j]:
                u.cash[j] -= need[j]
                L.rent_occupiers += float(u.rent[j])
                L.rates_occupiers += float(rates[j])
                L.fixed += float(fixed[j])
                L.relief_funded += float(relief[j])
                u.rent_paid[j] = u.rent[j]
            else:
                lost[j] = True
            continue
        if col.programme_sponsored[j] and not now.programme:  # the programme's funding stopped
            lost[j] = True
            continue
        p = 0 if u.sponsor[j] == _SPONSOR_COUNCIL else 1
        pool = (col.pool_sponsor_council, col.pool_sponsor_tt)[p]
        ok = pool - used[p] >= need[j]
        if ok and u.category[j] == _VOLUNTARY:
            ok = hours >= op.volunteer_hours_need
            if ok:
                hours -= op.volunteer_hours_need
                col.volunteer_used += op.volunteer_hours_need
        if ok:
            used[p] += need[j]
            L.rent_sponsors += float(u.rent[j])
            L.rates_sponsors += float(rates[j])
            L.relief_funded += float(relief[j])
            L.fixed_sponsors += float(fixed[j])
            u.rent_paid[j] = u.rent[j]
        else:
            lost[j] = True
    col.used_sponsor_council, col.used_sponsor_tt = used
    col.commit_council, col.commit_tt = used

    # exits: bust or personal reasons, branch closure, lease end (renew or leave)
    threshold = op.chain_threshold
    bust = indep & ((u.cash < 0.0) | (draws < op.exit_hazard / 52.0))
    close = chain & (week - u.opened >= op.min_age_weeks) & (u.margin < threshold)
    lease_over = occ & (u.lease_end <= week) & ~bust & ~close & ~lost
    leave = np.zeros(u.n, np.bool_)
    if lease_over.any():  # renew at the renewal rent, or leave
        exp_cost = np.maximum(now.renewal + rates + levy + fixed, 1e-9)
        exp_ratio = (MARGIN[cat] * u.rev_avg - exp_cost) / exp_cost
        renew = nonc | (chain & (exp_ratio >= threshold)) | (indep & (exp_ratio >= 0))
        renew &= lease_over
        licence = renew & com & u.meanwhile
        if licence.any():  # a licence converts to a lease with probability meanwhile_conversion
            convert = rng["meanwhile_lease"].random(u.n)
            renew &= ~licence | (convert < op.meanwhile_conversion)
        leave = lease_over & ~renew
        rc = renew & com
        u.rent[rc] = now.renewal[rc]
        u.anchor[rc] = now.renewal[rc]
        u.meanwhile[rc] = False
        lease = np.where(u.chain, op.lease_chain_weeks, op.lease_indep_weeks)
        lease = np.where(nonc, op.lease_meanwhile_weeks, lease)
        u.lease_end[renew] = week + lease[renew]
    gone = np.flatnonzero(bust | close | leave | lost)
    now.counts.update(
        closures_independent=int(np.count_nonzero(bust | (leave & indep))),
        closures_chain=int(np.count_nonzero(close | (leave & chain))),
        closures_noncommercial=int(np.count_nonzero(lost | (leave & nonc))),
        closures=int(gone.size),
    )
    now.closed = gone
    vacate(world, gone, week)
    L.occ_cash_change += float(u.cash.sum()) - cash_before


def vacate(world: World, idx: np.ndarray, week: int) -> None:
    """Empty the units ``idx``: the occupier leaves with its remaining cash."""
    if idx.size == 0:
        return
    u = world.units
    world.ledger.exit_cash += float(u.cash[idx].sum())
    u.category[idx] = -1
    u.chain[idx] = False
    u.meanwhile[idx] = False
    u.sponsor[idx] = 0
    u.cash[idx] = 0.0
    u.rent[idx] = 0.0
    u.subsidy[idx] = 0.0
    u.margin[idx] = 0.0
    u.rev_avg[idx] = 0.0
    u.quality[idx] = 0.0
    u.vacant_since[idx] = week
