"""Occupiers' weekly accounts, exits, chain branch closures and lease ends (MODEL.md,
"Occupiers").

For every occupied unit, each week:

* commercial occupiers: gross profit = margin x revenue (the rest is cost of goods); they pay
  rent (less any start-up subsidy, paid by the support pool while it lasts), business rates
  net of reliefs, the Town Team levy and fixed costs from their cash reserve. Independents
  draw out profit above a reserve cap and exit when the reserve is exhausted (cash < 0), or
  for personal reasons (retirement, moving on) with probability ``exit_hazard`` a year.
  Chains keep a branch account (head office stands behind it, so it may go negative) and
  close a branch whose rolling profit/costs falls below a portfolio threshold that rises with
  the online share, once the branch is past its review age.
* non-commercial uses (community, learning, voluntary) take no spend; their sponsor (council
  or Town Team) pays their rent, rates and fixed costs; voluntary uses also need volunteer
  hours and have no paid staff. A use whose sponsor can no longer pay, or that lacks
  volunteers, closes.
* at the end of a lease the occupier renews at the landlord's asking rent if it expects to
  cover its costs there (upward-only for institutional landlords); meanwhile occupiers leave
  unless they could afford a standard lease.

Reliefs: small-business relief for rateable values under the threshold, charity/community
relief for charity and non-commercial uses (the larger of the two applies).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from numba import njit

from sim.categories import CAT, COMMERCIAL, FIXED_PER_M2, MARGIN, SPONSOR
from sim.ledger import Ledger
from sim.npsum import np_maximum_nb, pairwise_sum_nb
from sim.params import Params, per_params
from sim.state import World, fixed_costs, weekly_rates

_VOLUNTARY = CAT["voluntary"]
_CHARITY = CAT["charity"]
_SPONSOR_COUNCIL = SPONSOR["council"]

#: Ledger sums, new rolling margin, new rolling revenue, costs per unit (:func:`_accounts_ref`).
_Accounts = tuple[
    tuple[float, float, float, float, float, float, float], np.ndarray, np.ndarray, np.ndarray
]


def _unit_costs_ref(
    category: np.ndarray,
    rateable: np.ndarray,
    floorspace: np.ndarray,
    rent: np.ndarray,
    subsidy: np.ndarray,
    commercial: np.ndarray,
    fixed_per_m2: np.ndarray,
    rates_multiplier: float,
    sbr_threshold: float,
    small_business_relief: float,
    community_relief: float,
    levy_on: bool,
    levy_rate: float,
    fixed_scale: float,
) -> tuple[np.ndarray, ...]:
    """The per-unit inputs of the old step (part of :func:`_step_ref`): occupied, commercial and
    non-commercial masks, weekly rates, levy, fixed costs and the start-up subsidy wanted
    (``commercial`` must be :data:`sim.categories.COMMERCIAL`, which ``weekly_rates`` uses)."""
    cp = SimpleNamespace(
        rates_multiplier=rates_multiplier,
        sbr_threshold=sbr_threshold,
        small_business_relief=small_business_relief,
        community_relief=community_relief,
    )
    occ = category >= 0
    cat = np.maximum(category, 0)
    com = occ & commercial[cat]
    nonc = occ & ~commercial[cat]
    rates = np.where(occ, weekly_rates(rateable, category, cp), 0.0)
    levy = np.where(com, rateable / 52.0 * levy_rate, 0.0) if levy_on else np.zeros(category.size)
    fixed = np.where(occ, fixed_costs(category, floorspace, fixed_scale), 0.0)
    want = np.where(com, rent * subsidy, 0.0)
    return occ, com, nonc, rates, levy, fixed, want


def _accounts_ref(
    com: np.ndarray,
    chain: np.ndarray,
    revenue_in: np.ndarray,
    margin_cat: np.ndarray,
    rent: np.ndarray,
    paid_sub: np.ndarray,
    rates: np.ndarray,
    levy: np.ndarray,
    fixed: np.ndarray,
    cash: np.ndarray,
    margin: np.ndarray,
    rev_avg: np.ndarray,
    rent_paid: np.ndarray,
    m: float,
    reserve_cap_weeks: float,
) -> _Accounts:
    """The commercial accounts of the old step (part of :func:`_step_ref`): updates ``cash`` and
    ``rent_paid`` in place; returns the seven ledger sums, the new rolling margin and revenue
    and the costs per unit."""
    revenue = np.where(com, revenue_in, 0.0)
    gp = margin_cat * revenue
    rent_own = np.where(com, rent - paid_sub, 0.0)
    costs = rent_own + rates + levy + fixed
    profit = np.where(com, gp - costs, 0.0)
    cash += profit
    sums = [
        float((revenue - gp).sum()),
        float(rent_own.sum()),
        float(paid_sub.sum()),
        float(rates[com].sum()),
        float(levy.sum()),
        float(fixed[com].sum()),
    ]
    rent_paid[com] = rent[com]
    full_costs = np.where(com, rent + rates + levy + fixed, 1.0)
    ratio = np.where(com, (gp - full_costs) / np.maximum(full_costs, 1e-9), 0.0)
    first = com & (rev_avg == 0.0)
    new_margin = np.where(com, np.where(first, ratio, (1 - m) * margin + m * ratio), margin)
    new_rev = np.where(com, np.where(first, revenue, (1 - m) * rev_avg + m * revenue), 0.0)
    indep = com & ~chain
    cap = reserve_cap_weeks * costs
    draw = np.where(indep & (cash > cap), cash - cap, 0.0)
    cash -= draw
    sums.append(float(draw.sum()))
    return tuple(sums), new_margin, new_rev, costs


def _exits_ref(
    occ: np.ndarray,
    com: np.ndarray,
    nonc: np.ndarray,
    chain: np.ndarray,
    cash: np.ndarray,
    draws: np.ndarray,
    hazard_week: float,
    threshold: float,
    week: int,
    opened: np.ndarray,
    min_age_weeks: float,
    margin: np.ndarray,
    lease_end: np.ndarray,
    lost: np.ndarray,
    renewal: np.ndarray,
    rates: np.ndarray,
    levy: np.ndarray,
    fixed: np.ndarray,
    margin_cat: np.ndarray,
    rev_avg: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exits and renewals of the old step (part of :func:`_step_ref`): the units that renew,
    the units that close (sorted) and the closures counted as independent, chain and
    non-commercial."""
    indep = com & ~chain
    bust = indep & ((cash < 0.0) | (draws < hazard_week))
    age = week - opened
    chain_close = com & chain & (age >= min_age_weeks) & (margin < threshold)
    lease_over = occ & (lease_end <= week) & ~bust & ~chain_close
    lease_over[lost] = False
    renew = np.zeros(occ.size, np.bool_)
    exp_cost = renewal + rates + levy + fixed
    with np.errstate(all="ignore"):
        exp_ratio = (margin_cat * rev_avg - exp_cost) / np.maximum(exp_cost, 1e-9)
    renew |= lease_over & com & np.where(chain, exp_ratio >= threshold, exp_ratio >= 0.0)
    renew |= lease_over & nonc
    leave_lease = lease_over & ~renew
    counts = np.array(
        [
            np.count_nonzero(bust | (leave_lease & com & ~chain)),
            np.count_nonzero(chain_close | (leave_lease & com & chain)),
            len(lost) + np.count_nonzero(leave_lease & nonc),
        ],
        np.int64,
    )
    gone = np.flatnonzero(bust | chain_close | leave_lease)
    if len(lost):
        gone = np.union1d(gone, lost).astype(np.int64)
    else:
        gone = gone.astype(np.int64, copy=False)
    return renew, gone, counts


def vacate(world: World, idx: np.ndarray, week: int, ledger: Ledger) -> None:
    """Empty the units ``idx``: the occupier leaves with its remaining cash."""
    u = world.units
    if idx.size == 0:
        return
    ledger.exit_cash += float(u.cash[idx].sum())
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


@njit(cache=True)
def _step_nb(
    category: np.ndarray,
    chain: np.ndarray,
    meanwhile: np.ndarray,
    sponsor: np.ndarray,
    cash: np.ndarray,
    rent: np.ndarray,
    subsidy: np.ndarray,
    lease_end: np.ndarray,
    opened: np.ndarray,
    vacant_since: np.ndarray,
    revenue: np.ndarray,
    margin: np.ndarray,
    rev_avg: np.ndarray,
    rent_paid: np.ndarray,
    rateable: np.ndarray,
    anchor: np.ndarray,
    quality: np.ndarray,
    floorspace: np.ndarray,
    renewal: np.ndarray,
    draws: np.ndarray,
    tables: tuple[np.ndarray, np.ndarray, np.ndarray],
    state: tuple[float, float, float, float, float, float, float, float, float],
    pars: tuple,
    week: int,
) -> tuple[np.ndarray, tuple[int, int, int], tuple, tuple[int, int, int, int]]:
    """One week of :func:`step` on the unit arrays, in place, in one pass over the units
    (:func:`_step_ref`, bit for bit).

    Every unit's costs, start-up subsidy, accounts, sponsorship, exit or renewal depend only
    on its own values and on the pools used by the units before it, so the rules of
    :func:`_step_ref` (each a pass in unit order) run unit by unit; the sums are numpy's
    sums of the same arrays (:func:`sim.npsum.pairwise_sum_nb`).

    ``tables``: COMMERCIAL, FIXED_PER_M2 and MARGIN by category; ``state``: start-up pools
    (council, Town Team), sponsor pools (council, Town Team) (GBP/week), volunteer hours
    available, the chain-closure threshold and the ledger's sponsors' rent, rates and fixed
    costs so far (GBP); ``pars`` (:func:`_step_pars`): rates multiplier, small-business
    relief threshold (GBP/yr) and relief, community relief, levy on, levy rate, fixed-cost
    scale, margin memory, reserve cap (weeks of costs), weekly exit hazard, volunteer hours a
    voluntary use needs, branch review age (weeks), chain, independent and meanwhile lease
    lengths (weeks).

    Returns the closed units (in order), the closure counts (independent, chain,
    non-commercial), the floats (cost of goods, occupiers' rent, rent subsidy, commercial
    rates, levy, commercial fixed costs, drawings, sponsors' rent, rates and fixed costs,
    start-up support used (council, Town Team), sponsor budgets used (council, Town Team),
    volunteer hours used, occupiers' cash before and after, cash of the closed units) and
    the number of payments from each of the four pools.
    """
    commercial, fixed_per_m2, margin_by_cat = tables
    pool_sc, pool_st, pool_pc, pool_pt, hours_left, threshold, rent_s, rates_s, fixed_s = state
    (
        rm,
        sbr_t,
        sbr,
        cr,
        levy_on,
        levy_rate,
        fixed_scale,
        m,
        reserve_cap_weeks,
        hazard_week,
        vhn,
        min_age_weeks,
        lease_chain,
        lease_indep,
        lease_mw,
    ) = pars
    n = category.shape[0]
    om = 1.0 - m
    scratch = np.empty((8, n))  # the arrays numpy summed (unit order)
    cogs, rent_own, paid_sub, levy_all, draw, rates_com, fixed_com, cash_gone = (
        scratch[0],
        scratch[1],
        scratch[2],
        scratch[3],
        scratch[4],
        scratch[5],
        scratch[6],
        scratch[7],
    )
    gone = np.empty(n, np.int64)
    cash_before = pairwise_sum_nb(cash)
    used_sc = used_st = used_pc = used_pt = 0.0
    n_sc = n_st = n_pc = n_pt = 0
    vol_used = 0.0
    n_indep = n_chain = n_nonc = 0
    k = 0  # commercial units
    g = 0  # closed units
    for j in range(n):
        # --- costs (weekly_rates, fixed_costs, levy) and the start-up subsidy wanted
        c = category[j]
        occ = c >= 0
        cc = commercial[c if c > 0 else 0]
        com = occ and cc
        nonc = occ and not cc
        ch = chain[j]
        if occ:
            full = rateable[j] / 52.0 * rm
            relief = sbr if rateable[j] < sbr_t else 0.0
            if c == _CHARITY or not cc:
                relief = np_maximum_nb(relief, cr)
            rates = full * (1.0 - relief)
            f = fixed_per_m2[c] * floorspace[j] * fixed_scale
            fixed = 0.0 if c == _VOLUNTARY else f
        else:
            rates = 0.0
            fixed = 0.0
        levy = rateable[j] / 52.0 * levy_rate if (levy_on and com) else 0.0
        levy_all[j] = levy
        want = rent[j] * subsidy[j] if com else 0.0
        # --- start-up subsidy, while the pools last (council first)
        paid = 0.0
        if want > 0:
            if pool_sc - used_sc >= want:
                used_sc += want
                n_sc += 1
                paid = want
            elif pool_st - used_st >= want:
                used_st += want
                n_st += 1
                paid = want
            if paid == 0:
                subsidy[j] = 0.0  # support ended: the occupier pays in full
        paid_sub[j] = paid
        # --- commercial accounts
        m_c = margin_by_cat[c if c > 0 else 0]
        rev = revenue[j] if com else 0.0
        gp = m_c * rev
        cogs[j] = rev - gp
        ro = rent[j] - paid if com else 0.0
        rent_own[j] = ro
        cst = ro + rates + levy + fixed
        profit = gp - cst if com else 0.0
        cash[j] = cash[j] + profit
        rent_paid[j] = 0.0
        if com:
            rates_com[k] = rates
            fixed_com[k] = fixed
            k += 1
            rent_paid[j] = rent[j]
            full_cost = rent[j] + rates + levy + fixed
            den = full_cost if (full_cost != full_cost or full_cost >= 1e-9) else 1e-9
            ratio = (gp - full_cost) / den
            if rev_avg[j] == 0.0:
                margin[j] = ratio
                rev_avg[j] = rev
            else:
                margin[j] = om * margin[j] + m * ratio
                rev_avg[j] = om * rev_avg[j] + m * rev
        else:
            rev_avg[j] = 0.0
        cap = reserve_cap_weeks * cst
        d = cash[j] - cap if (com and not ch and cash[j] > cap) else 0.0
        draw[j] = d
        cash[j] = cash[j] - d
        # --- non-commercial uses: sponsors pay; voluntary uses need volunteer hours
        lost = False
        if nonc:
            need = rent[j] + rates + fixed
            council = sponsor[j] == _SPONSOR_COUNCIL
            ok = (pool_pc - used_pc if council else pool_pt - used_pt) >= need
            if ok and c == _VOLUNTARY:
                ok = hours_left >= vhn
                if ok:
                    hours_left -= vhn
                    vol_used += vhn
            if ok:
                if council:
                    used_pc += need
                    n_pc += 1
                else:
                    used_pt += need
                    n_pt += 1
                rent_s += rent[j]
                rates_s += rates
                fixed_s += fixed
                rent_paid[j] = rent[j]
            else:
                lost = True
                n_nonc += 1
        # --- exits: bust, chain branch closure, lease end (renew or leave)
        indep = com and not ch
        bust = indep and (cash[j] < 0.0 or draws[j] < hazard_week)
        chain_close = com and ch and (week - opened[j] >= min_age_weeks) and margin[j] < threshold
        lease_over = occ and lease_end[j] <= week and not bust and not chain_close and not lost
        renew = False
        if lease_over and com:
            exp_cost = renewal[j] + rates + levy + fixed
            den = exp_cost if (exp_cost != exp_cost or exp_cost >= 1e-9) else 1e-9
            exp_ratio = (m_c * rev_avg[j] - exp_cost) / den
            renew = exp_ratio >= threshold if ch else exp_ratio >= 0.0
        if lease_over and nonc:
            renew = True
        leave = lease_over and not renew
        if bust or (leave and com and not ch):
            n_indep += 1
        if chain_close or (leave and com and ch):
            n_chain += 1
        if leave and nonc:
            n_nonc += 1
        if renew:
            if com:
                rent[j] = renewal[j]
                anchor[j] = renewal[j]
                meanwhile[j] = False
            if nonc:
                lease_end[j] = week + lease_mw
            else:
                lease_end[j] = week + (lease_chain if ch else lease_indep)
        elif bust or chain_close or leave or lost:
            # vacate: the occupier leaves with its remaining cash
            gone[g] = j
            cash_gone[g] = cash[j]
            g += 1
            category[j] = -1
            chain[j] = False
            meanwhile[j] = False
            sponsor[j] = 0
            cash[j] = 0.0
            rent[j] = 0.0
            subsidy[j] = 0.0
            margin[j] = 0.0
            rev_avg[j] = 0.0
            quality[j] = 0.0
            vacant_since[j] = week
    floats = (
        pairwise_sum_nb(cogs),
        pairwise_sum_nb(rent_own),
        pairwise_sum_nb(paid_sub),
        pairwise_sum_nb(rates_com[:k]),
        pairwise_sum_nb(levy_all),
        pairwise_sum_nb(fixed_com[:k]),
        pairwise_sum_nb(draw),
        rent_s,
        rates_s,
        fixed_s,
        used_sc,
        used_st,
        used_pc,
        used_pt,
        vol_used,
        cash_before,
        pairwise_sum_nb(cash),
        pairwise_sum_nb(cash_gone[:g]),
    )
    return gone[:g], (n_indep, n_chain, n_nonc), floats, (n_sc, n_st, n_pc, n_pt)


_TABLES = (COMMERCIAL, FIXED_PER_M2, MARGIN)


@per_params
def _step_pars(pars: Params) -> tuple:
    """The parameters of :func:`_step_nb`, built once per (frozen) Params object."""
    op, tp, cp = pars.occupiers, pars.town_team, pars.council
    return (
        float(cp.rates_multiplier),
        float(cp.sbr_threshold),
        float(cp.small_business_relief),
        float(cp.community_relief),
        bool(tp.enabled),
        float(tp.levy),
        float(op.fixed_scale),
        float(op.margin_memory),
        float(op.reserve_cap_weeks),
        float(op.exit_hazard / 52.0),
        float(op.volunteer_hours_need),
        float(op.min_age_weeks),
        int(op.lease_chain_weeks),
        int(op.lease_indep_weeks),
        int(op.lease_meanwhile_weeks),
    )


def _pool(total: float, n_paid: int) -> float:
    """A pool's use as the old Python loop left it: 0.0, or numpy's float after a payment."""
    return np.float64(total) if n_paid else 0.0


def step(
    world: World, pars: Params, online: float, renewal: np.ndarray, week: int, draws: np.ndarray
) -> dict:
    """Run one week of occupier accounts and exits; returns counts of closures by kind.

    ``renewal``: the rent each landlord asks at renewal (GBP/week); ``draws``: one uniform
    draw per unit (named stream ``occupiers``) for personal exits. The work is one kernel,
    :func:`_step_nb` (the same results as :func:`_step_ref`, bit for bit).
    """
    u, col, L = world.units, world.col, world.ledger
    op = pars.occupiers
    gone, n_closed, f, n_used = _step_nb(
        u.category,
        u.chain,
        u.meanwhile,
        u.sponsor,
        u.cash,
        u.rent,
        u.subsidy,
        u.lease_end,
        u.opened,
        u.vacant_since,
        u.revenue,
        u.margin,
        u.rev_avg,
        u.rent_paid,
        u.rateable,
        u.anchor,
        u.quality,
        u.floorspace,
        renewal,
        draws,
        _TABLES,
        (
            float(col.pool_startup_council),
            float(col.pool_startup_tt),
            float(col.pool_sponsor_council),
            float(col.pool_sponsor_tt),
            float(col.volunteer_supply),
            float(op.chain_threshold + op.chain_threshold_online * online),
            float(L.rent_sponsors),
            float(L.rates_sponsors),
            float(L.fixed_sponsors),
        ),
        _step_pars(pars),
        int(week),
    )
    L.cogs += f[0]
    L.rent_occupiers += f[1]
    L.rent_subsidy += f[2]
    L.rates_occupiers += f[3]
    L.levy_paid += f[4]
    L.fixed += f[5]
    L.drawings += f[6]
    if n_used[2] or n_used[3]:  # a sponsor paid: its flows were added unit by unit
        L.rent_sponsors, L.rates_sponsors, L.fixed_sponsors = f[7], f[8], f[9]
    col.used_startup_council = _pool(f[10], n_used[0])
    col.used_startup_tt = _pool(f[11], n_used[1])
    col.used_sponsor_council = col.commit_council = _pool(f[12], n_used[2])
    col.used_sponsor_tt = col.commit_tt = _pool(f[13], n_used[3])
    col.volunteer_used = f[14]
    if gone.size:
        L.exit_cash += f[17]
    L.occ_cash_change += f[16] - f[15]
    return {
        "closures_independent": n_closed[0],
        "closures_chain": n_closed[1],
        "closures_noncommercial": n_closed[2],
        "closures": int(gone.size),
        "closed_units": gone,
    }


def _step_ref(
    world: World, pars: Params, online: float, renewal: np.ndarray, week: int, draws: np.ndarray
) -> dict:
    """Plain-numpy reference of :func:`step` (:func:`_step_nb`): the code step ran before,
    with the references of its former kernels."""
    u, col, L = world.units, world.col, world.ledger
    op, tp = pars.occupiers, pars.town_team
    cat = np.maximum(u.category, 0)
    cp = pars.council
    occ, com, nonc, rates, levy, fixed, want = _unit_costs_ref(
        u.category,
        u.rateable,
        u.floorspace,
        u.rent,
        u.subsidy,
        COMMERCIAL,
        FIXED_PER_M2,
        cp.rates_multiplier,
        cp.sbr_threshold,
        cp.small_business_relief,
        cp.community_relief,
        tp.enabled,
        tp.levy,
        op.fixed_scale,
    )
    cash_before = float(u.cash.sum())
    u.rent_paid[:] = 0.0

    # --- start-up subsidies, paid in unit order while the pools last (council first)
    paid_sub = np.zeros(u.n)
    pools = [col.pool_startup_council, col.pool_startup_tt]
    used = [0.0, 0.0]
    for j in np.flatnonzero(want > 0):
        for p in range(2):
            if pools[p] - used[p] >= want[j]:
                used[p] += want[j]
                paid_sub[j] = want[j]
                break
    col.used_startup_council, col.used_startup_tt = used
    u.subsidy[(want > 0) & (paid_sub == 0)] = 0.0  # support ended: the occupier pays in full

    # --- commercial accounts
    sums = _accounts_ref(
        com,
        u.chain,
        u.revenue,
        MARGIN[cat],
        u.rent,
        paid_sub,
        rates,
        levy,
        fixed,
        u.cash,
        u.margin,
        u.rev_avg,
        u.rent_paid,
        op.margin_memory,
        op.reserve_cap_weeks,
    )
    u.margin, u.rev_avg = sums[1], sums[2]
    cogs, rent_own, sub, rates_com, levy_sum, fixed_com, drawings = sums[0]
    L.cogs += cogs
    L.rent_occupiers += rent_own
    L.rent_subsidy += sub
    L.rates_occupiers += rates_com
    L.levy_paid += levy_sum
    L.fixed += fixed_com
    L.drawings += drawings

    # --- non-commercial uses: sponsors pay; voluntary uses need volunteer hours
    need = np.where(nonc, u.rent + rates + fixed, 0.0)
    pools = [col.pool_sponsor_council, col.pool_sponsor_tt]
    used = [0.0, 0.0]
    hours_left = col.volunteer_supply
    col.volunteer_used = 0.0
    lost_sponsor = []
    for j in np.flatnonzero(nonc):
        p = 0 if u.sponsor[j] == SPONSOR["council"] else 1
        ok = pools[p] - used[p] >= need[j]
        if ok and u.category[j] == _VOLUNTARY:
            ok = hours_left >= op.volunteer_hours_need
            if ok:
                hours_left -= op.volunteer_hours_need
                col.volunteer_used += op.volunteer_hours_need
        if ok:
            used[p] += need[j]
            L.rent_sponsors += float(u.rent[j])
            L.rates_sponsors += float(rates[j])
            L.fixed_sponsors += float(fixed[j])
            u.rent_paid[j] = u.rent[j]
        else:
            lost_sponsor.append(j)
    col.used_sponsor_council, col.used_sponsor_tt = used
    col.commit_council, col.commit_tt = used

    # --- exits
    threshold = op.chain_threshold + op.chain_threshold_online * online
    renew, gone, n_closed = _exits_ref(
        occ,
        com,
        nonc,
        u.chain,
        u.cash,
        draws,
        op.exit_hazard / 52.0,
        threshold,
        week,
        u.opened,
        op.min_age_weeks,
        u.margin,
        u.lease_end,
        np.asarray(lost_sponsor, dtype=np.int64),
        renewal,
        rates,
        levy,
        fixed,
        MARGIN[cat],
        u.rev_avg,
    )
    new_rent = renewal
    for j in np.flatnonzero(renew):
        if com[j]:
            u.rent[j] = new_rent[j]
            u.anchor[j] = new_rent[j]
            u.meanwhile[j] = False
        length = op.lease_chain_weeks if u.chain[j] else op.lease_indep_weeks
        u.lease_end[j] = week + (op.lease_meanwhile_weeks if nonc[j] else length)
    out = {
        "closures_independent": int(n_closed[0]),
        "closures_chain": int(n_closed[1]),
        "closures_noncommercial": int(n_closed[2]),
    }
    vacate(world, gone, week, L)
    L.occ_cash_change += float(u.cash.sum()) - cash_before
    out["closures"] = int(gone.size)
    out["closed_units"] = gone
    return out
