"""Landlords: the market rent, asking rents of vacant units, empty-property rates, letting
decisions, meanwhile uses and community asset transfer (MODEL.md, "Landlords").

* Market rent index: follows the demand for space (centre revenue per m2 of all floorspace,
  occupied or not, relative to week 0, to the power ``rent_elasticity``) with adjustment
  speed ``rent_adjust`` per week; so vacancy lowers market rents. A unit's market rent =
  base rent x floorspace x pitch (location) x index.
* At lease renewal the landlord asks the market rent (upward-only for institutional owners).
* Asking rent of a vacant unit, by owner kind:
  institutional: ``max(rent_floor x valuation anchor, market)`` (sticky: valued on
  comparables and upward-only reviews, so it will hold a unit empty rather than cut);
  local private: ``market x max(local_min_rent, (1 - local_rent_cut)^weeks vacant)``;
  council: ``council_rent x market``; community: ``community_rent x market``.
* Letting: applicants for a unit are ranked by the owner's objective. Institutional owners
  rank chains first (covenant) and refuse an independent with probability
  ``chain_preference`` until the unit has been empty ``patience_weeks``; the others rank by
  rent offered (community owners put non-commercial uses and independents first).
  Meanwhile lets (short lease, ``meanwhile_rent`` x ask) are accepted where the scenario
  allows them and the unit has been empty ``meanwhile_after_weeks``; institutional owners
  accept them only if empty-property rates make holding empty cost something, or if the
  proposal was brokered. Council and community owners always accept brokered proposals.
* Empty-property rates: owners (not council or community) pay ``empty_rates`` x rates on
  units empty for longer than the free period.
* Community asset transfer (where allowed): a council unit empty for
  ``asset_transfer_weeks`` passes to community ownership if volunteers are available.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.categories import OWNER, RETAIL_USE, SPONSOR
from sim.npsum import np_maximum_nb, pairwise_sum_nb
from sim.params import Params, per_params
from sim.state import World

INST, LOCAL, COUNCIL, COMMUNITY = (OWNER[k] for k in OWNER)


def update_market(world: World, pars: Params) -> None:
    """Move the market rent index toward the trading signal."""
    u, col, lp = world.units, world.col, pars.landlords
    revenue, floorspace = _two_sums_nb(u.revenue, u.floorspace)
    demand = revenue / max(floorspace, 1e-9)
    if col.demand_ref <= 0:
        col.demand_ref = demand if demand > 0 else 1.0
    signal = (demand / col.demand_ref) ** lp.rent_elasticity
    col.market_index += lp.rent_adjust * (signal - col.market_index)


@njit(cache=True)
def _two_sums_nb(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """numpy's sums of two float arrays (:func:`sim.npsum.pairwise_sum_nb`), in one call."""
    return pairwise_sum_nb(a), pairwise_sum_nb(b)


def _update_market_ref(world: World, pars: Params) -> None:
    """Plain-numpy reference of :func:`update_market`: the code it ran before."""
    u, col, lp = world.units, world.col, pars.landlords
    demand = float(u.revenue.sum()) / max(float(u.floorspace.sum()), 1e-9)
    if col.demand_ref <= 0:
        col.demand_ref = demand if demand > 0 else 1.0
    signal = (demand / col.demand_ref) ** lp.rent_elasticity
    col.market_index += lp.rent_adjust * (signal - col.market_index)


#: numpy's powers ``base ** k`` (k = 0, 1, ...) by base: the local owners' rent cuts.
_POWERS: dict[float, np.ndarray] = {}


def _powers(base: float, k_max: int) -> np.ndarray:
    """``base ** np.arange(n)`` with n > ``k_max``, as numpy computes ``base ** weeks`` for an
    int32 array of weeks (element by element: the same float for the same week), kept by base
    and extended when a longer vacancy needs it."""
    table = _POWERS.get(base)
    if table is None or table.size <= k_max:
        n = max(1024, 1 << int(k_max).bit_length())
        if len(_POWERS) >= 32:  # a sweep over the rent cut: keep the cache small
            _POWERS.clear()
        table = _POWERS[base] = base ** np.arange(n, dtype=np.int32)
    return table


def asking_rents(world: World, pars: Params, week: int) -> np.ndarray:
    """Asking rent (GBP/week) of every unit as if it were vacant now (the asking rents of
    vacant units are stored): one kernel, :func:`_asking_rents_nb` (the same results as
    :func:`_asking_rents_ref`, bit for bit)."""
    u, lp = world.units, pars.landlords
    base = 1.0 - lp.local_rent_cut
    table = _POWERS.get(base)
    if table is None:
        table = _powers(base, 0)
    args = (
        u.owner_type,
        u.category,
        u.vacant_since,
        u.floorspace,
        u.loc,
        u.anchor,
        u.asking,
        week,
        (
            float(lp.base_rent),
            float(world.col.market_index),
            float(lp.rent_floor),
            float(lp.local_min_rent),
            float(lp.council_rent),
            float(lp.community_rent),
        ),
    )
    ask, k_max = _asking_rents_nb(*args, table)
    if k_max >= table.size:  # a vacancy longer than the table: extend it and ask again
        ask, _ = _asking_rents_nb(*args, _powers(base, k_max))
    return ask


@njit(cache=True)
def _asking_rents_nb(
    owner_type: np.ndarray,
    category: np.ndarray,
    vacant_since: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    anchor: np.ndarray,
    asking: np.ndarray,
    week: int,
    rent_pars: tuple[float, float, float, float, float, float],
    powers: np.ndarray,
) -> tuple[np.ndarray, int]:
    """:func:`asking_rents` element for element (:func:`_asking_rents_ref`).

    ``rent_pars``: base rent (GBP/m2/week), market index, rent floor, local owners' lowest
    rent share, council and community rent shares; ``powers``: (1 - local rent cut) ** weeks
    as numpy computes it (:func:`_powers`). Stores the asking rents of vacant units in
    ``asking``. Returns the asking rents and the longest vacancy of a local owner's unit (weeks);
    if that is not below ``powers.size`` nothing is done and the rents are not valid.
    """
    base_rent, index, rent_floor, local_min, council_rent, community_rent = rent_pars
    n = owner_type.shape[0]
    ask = np.empty(n)
    k_max = 0
    for j in range(n):
        if owner_type[j] == LOCAL:
            k_max = max(k_max, week - vacant_since[j])
    if k_max >= powers.shape[0]:
        return ask, k_max
    for j in range(n):
        market = base_rent * floorspace[j] * loc[j] * index
        o = owner_type[j]
        if o == INST:
            a = np_maximum_nb(rent_floor * anchor[j], market)
        elif o == LOCAL:
            weeks = max(week - vacant_since[j], 0)
            a = market * np_maximum_nb(local_min, powers[weeks])
        elif o == COUNCIL:
            a = council_rent * market
        else:
            a = community_rent * market
        ask[j] = a
        if category[j] < 0:
            asking[j] = a
    return ask, k_max


def _asking_rents_ref(world: World, pars: Params, week: int) -> np.ndarray:
    """Plain-numpy reference of :func:`asking_rents`: the code it ran before."""
    u, lp = world.units, pars.landlords
    market = lp.base_rent * u.floorspace * u.loc * world.col.market_index
    weeks = np.maximum(week - u.vacant_since, 0)
    ask = np.where(
        u.owner_type == INST,
        np.maximum(lp.rent_floor * u.anchor, market),
        np.where(
            u.owner_type == LOCAL,
            market * np.maximum(lp.local_min_rent, (1.0 - lp.local_rent_cut) ** weeks),
            np.where(u.owner_type == COUNCIL, lp.council_rent * market, lp.community_rent * market),
        ),
    )
    u.asking[:] = np.where(u.category < 0, ask, u.asking)
    return ask


def renewal_rents(world: World, pars: Params) -> np.ndarray:
    """Rent offered at lease renewal (GBP/week): market-based; upward-only for institutional
    owners (``max(current rent, market)``). The rent floor applies to re-letting only."""
    u, lp = world.units, pars.landlords
    return _renewal_rents_nb(
        u.owner_type,
        u.rent,
        u.floorspace,
        u.loc,
        lp.base_rent,
        world.col.market_index,
        lp.council_rent,
        lp.community_rent,
    )


@njit(cache=True)
def _renewal_rents_nb(
    owner_type: np.ndarray,
    rent: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    base_rent: float,
    index: float,
    council_rent: float,
    community_rent: float,
) -> np.ndarray:
    """:func:`renewal_rents` element for element (:func:`_renewal_rents_ref`)."""
    n = owner_type.shape[0]
    out = np.empty(n)
    for j in range(n):
        market = base_rent * floorspace[j] * loc[j] * index
        o = owner_type[j]
        if o == INST:
            out[j] = np_maximum_nb(rent[j], market)
        elif o == LOCAL:
            out[j] = market
        elif o == COUNCIL:
            out[j] = council_rent * market
        else:
            out[j] = community_rent * market
    return out


def _renewal_rents_ref(
    owner_type: np.ndarray,
    rent: np.ndarray,
    floorspace: np.ndarray,
    loc: np.ndarray,
    base_rent: float,
    index: float,
    council_rent: float,
    community_rent: float,
) -> np.ndarray:
    """Plain-numpy reference of :func:`_renewal_rents_nb` (the code renewal_rents ran)."""
    market = base_rent * floorspace * loc * index
    return np.where(
        owner_type == INST,
        np.maximum(rent, market),
        np.where(
            owner_type == LOCAL,
            market,
            np.where(owner_type == COUNCIL, council_rent * market, community_rent * market),
        ),
    )


def empty_rates(world: World, pars: Params, week: int) -> np.ndarray:
    """Empty-property rates paid by each unit's owner this week (GBP)."""
    u, cp = world.units, pars.council
    return _empty_rates_nb(
        u.category,
        u.vacant_since,
        u.owner_type,
        u.rateable,
        week,
        cp.empty_grace_weeks,
        cp.rates_multiplier,
        cp.empty_rates,
    )


@njit(cache=True)
def _empty_rates_nb(
    category: np.ndarray,
    vacant_since: np.ndarray,
    owner_type: np.ndarray,
    rateable: np.ndarray,
    week: int,
    grace_weeks: float,
    rates_multiplier: float,
    empty_rates: float,
) -> np.ndarray:
    """:func:`empty_rates` element for element (:func:`_empty_rates_ref`)."""
    n = category.shape[0]
    out = np.zeros(n)
    for j in range(n):
        o = owner_type[j]
        if category[j] < 0 and week - vacant_since[j] >= grace_weeks and (o == INST or o == LOCAL):
            out[j] = rateable[j] / 52.0 * rates_multiplier * empty_rates
    return out


def _empty_rates_ref(
    category: np.ndarray,
    vacant_since: np.ndarray,
    owner_type: np.ndarray,
    rateable: np.ndarray,
    week: int,
    grace_weeks: float,
    rates_multiplier: float,
    empty_rates: float,
) -> np.ndarray:
    """Plain-numpy reference of :func:`_empty_rates_nb` (the code empty_rates ran)."""
    vac = category < 0
    liable = vac & (week - vacant_since >= grace_weeks)
    liable &= (owner_type == INST) | (owner_type == LOCAL)
    return np.where(liable, rateable / 52.0 * rates_multiplier * empty_rates, 0.0)


def collect_rent(world: World) -> None:
    """Landlords' rent income this week, per landlord (from units' rent paid by anyone)."""
    u = world.units
    world.col.landlord_income, total = _collect_rent_nb(u.landlord, u.rent_paid, world.n_landlords)
    world.ledger.landlord_income += total


@njit(cache=True)
def _collect_rent_nb(
    landlord: np.ndarray, rent_paid: np.ndarray, n_landlords: int
) -> tuple[np.ndarray, float]:
    """:func:`collect_rent` (:func:`_collect_rent_ref`, bit for bit): ``np.bincount`` of the
    rent paid by landlord (in unit order, from 0.0; at least ``n_landlords`` long) and numpy's
    sum of the rent paid."""
    n = landlord.shape[0]
    size = n_landlords
    for j in range(n):
        if landlord[j] < 0:
            raise ValueError("'list' argument must have no negative elements")
        size = max(size, landlord[j] + 1)
    income = np.zeros(size)
    for j in range(n):
        income[landlord[j]] += rent_paid[j]
    return income, pairwise_sum_nb(rent_paid)


def _collect_rent_ref(world: World) -> None:
    """Plain-numpy reference of :func:`collect_rent`: the code it ran before."""
    u = world.units
    world.col.landlord_income = np.bincount(
        u.landlord, weights=u.rent_paid, minlength=world.n_landlords
    )
    world.ledger.landlord_income += float(u.rent_paid.sum())


def asset_transfer(world: World, pars: Params, week: int, rng: np.random.Generator) -> int:
    """Transfer at most one long-empty council unit a week to community ownership."""
    cp, u, col = pars.council, world.units, world.col
    draw = rng.random()  # drawn every week: stream position independent of the branch
    if not cp.asset_transfer:
        return 0
    spare = col.volunteer_supply - col.volunteer_used
    cand = np.flatnonzero(
        (u.owner_type == COUNCIL)
        & (u.category < 0)
        & (week - u.vacant_since >= cp.asset_transfer_weeks)
    )
    if cand.size == 0 or spare < pars.occupiers.volunteer_hours_need:
        return 0
    j = cand[min(int(draw * cand.size), cand.size - 1)]
    u.owner_type[j] = COMMUNITY
    u.landlord[j] = world.n_landlords - 1
    u.anchor[j] = pars.landlords.community_rent * u.anchor[j]
    return 1


@njit(cache=True)
def _let_units_nb(
    app_unit: np.ndarray,
    app_category: np.ndarray,
    app_chain: np.ndarray,
    app_meanwhile: np.ndarray,
    app_brokered: np.ndarray,
    app_sponsor: np.ndarray,
    app_subsidy: np.ndarray,
    app_rent: np.ndarray,
    app_cash: np.ndarray,
    app_quality: np.ndarray,
    accept_draw: np.ndarray,
    category: np.ndarray,
    chain: np.ndarray,
    meanwhile: np.ndarray,
    sponsor: np.ndarray,
    subsidy: np.ndarray,
    rent: np.ndarray,
    anchor: np.ndarray,
    lease_end: np.ndarray,
    opened: np.ndarray,
    margin: np.ndarray,
    rev_avg: np.ndarray,
    cash: np.ndarray,
    quality: np.ndarray,
    retail_class: np.ndarray,
    owner_type: np.ndarray,
    vacant_since: np.ndarray,
    retail_use: np.ndarray,
    week: int,
    choice_pars: tuple[bool, float, float, float, float, float, int, int, int],
    cash_flows: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The lettings of :func:`let_units` on the unit arrays, in place (:func:`_let_units_ref`,
    bit for bit): the applied-for units in unit order, each one's applications in order.

    ``choice_pars`` (:func:`_let_pars`): meanwhile lets allowed, weeks before a meanwhile
    let, empty-property rates, patience weeks, chain preference, rent floor, meanwhile, chain
    and independent lease lengths (weeks); ``cash_flows``: the ledger's entry cash and change in
    occupiers' cash so far (GBP, added to unit by unit as before).

    Returns the let units, the counts (openings, chain, independent, non-commercial,
    meanwhile, relet spell weeks) and the two ledger flows.
    """
    (
        lp_meanwhile,
        mw_after,
        empty_rates,
        patience,
        chain_pref,
        rent_floor,
        lease_mw,
        lease_chain,
        lease_indep,
    ) = choice_pars
    entry_cash, occ_cash_change = cash_flows
    n_app = app_unit.shape[0]
    order = np.argsort(app_unit, kind="mergesort")  # by unit, then application
    let = np.empty(n_app, np.int64)
    counts = np.zeros(6, np.int64)
    n_let = 0
    q = 0
    while q < n_app:
        j = app_unit[order[q]]
        end = q
        while end < n_app and app_unit[order[end]] == j:
            end += 1
        first = q
        q = end
        if category[j] >= 0:
            continue
        owner = owner_type[j]
        weeks = week - vacant_since[j]
        best = -1
        best_score = -np.inf
        for r in range(first, end):
            a = order[r]
            mw = app_meanwhile[a]
            brokered = app_brokered[a]
            ch = app_chain[a]
            noncom = app_sponsor[a] > 0
            if mw:
                allowed = (lp_meanwhile and weeks >= mw_after) or (
                    brokered and (owner == COUNCIL or owner == COMMUNITY)
                )
                if owner == INST and not brokered and empty_rates <= 0.0:
                    allowed = False
                if not allowed:
                    continue
            if owner == INST and not ch and not mw:
                if weeks < patience and accept_draw[a] < chain_pref:
                    continue
            score = app_rent[a]
            if owner == INST:
                score += 1e9 if ch else 0.0
            elif owner == COMMUNITY:
                score += 1e9 if (noncom or not ch) else 0.0
            if score > best_score:
                best, best_score = a, score
        if best < 0:
            continue
        a = best
        counts[5] += weeks
        c = app_category[a]
        category[j] = c
        chain[j] = app_chain[a]
        meanwhile[j] = app_meanwhile[a]
        sponsor[j] = app_sponsor[a]
        subsidy[j] = app_subsidy[a]
        rent[j] = app_rent[a]
        if not meanwhile[j]:
            if owner != INST:
                anchor[j] = rent[j]
            else:
                floor = anchor[j] * rent_floor
                anchor[j] = rent[j] if rent[j] > floor else floor  # Python's max
        if meanwhile[j] or sponsor[j] > 0:
            lease_end[j] = week + lease_mw
        else:
            lease_end[j] = week + (lease_chain if chain[j] else lease_indep)
        opened[j] = week
        margin[j] = 0.0
        rev_avg[j] = 0.0
        cash[j] = app_cash[a]
        quality[j] = app_quality[a]
        entry_cash += cash[j]
        occ_cash_change += cash[j]
        retail_class[j] = retail_use[c]  # the use class follows the permitted use
        let[n_let] = j
        n_let += 1
        counts[0] += 1
        if sponsor[j] > 0:
            counts[3] += 1
        elif chain[j]:
            counts[1] += 1
        else:
            counts[2] += 1
        counts[4] += meanwhile[j]
    return let[:n_let], counts, entry_cash, occ_cash_change


@per_params
def _let_pars(pars: Params) -> tuple:
    """The parameters of :func:`_let_units_nb`, built once per (frozen) Params object."""
    lp, op = pars.landlords, pars.occupiers
    return (
        bool(lp.meanwhile),
        float(lp.meanwhile_after_weeks),
        float(pars.council.empty_rates),
        float(lp.patience_weeks),
        float(lp.chain_preference),
        float(lp.rent_floor),
        int(op.lease_meanwhile_weeks),
        int(op.lease_chain_weeks),
        int(op.lease_indep_weeks),
    )


def let_units(
    world: World,
    pars: Params,
    apps: dict[str, np.ndarray],
    ask: np.ndarray,
    week: int,
    rng: np.random.Generator,
) -> dict:
    """Landlords choose among this week's applications and let units.

    ``apps`` holds equal-length arrays: unit, category, chain, meanwhile, brokered, sponsor,
    subsidy, rent (offered, GBP/week), cash (the entrant's starting reserve, GBP), quality.
    Returns counts of openings by kind and the indices of let units. The choices are one
    kernel, :func:`_let_units_nb` (the same results as :func:`_let_units_ref`, bit for bit).
    """
    u = world.units
    n_app = apps["unit"].size
    accept_draw = rng.random(max(n_app, 1))
    if n_app == 0:
        return {
            "openings": 0,
            "openings_chain": 0,
            "openings_independent": 0,
            "openings_noncommercial": 0,
            "openings_meanwhile": 0,
            "relet_spell_weeks": 0,
            "opened_units": np.zeros(0, np.int64),
        }
    L = world.ledger
    let, n, entry_cash, occ_cash_change = _let_units_nb(
        apps["unit"],
        apps["category"],
        apps["chain"],
        apps["meanwhile"],
        apps["brokered"],
        apps["sponsor"],
        apps["subsidy"],
        apps["rent"],
        apps["cash"],
        apps["quality"],
        accept_draw,
        u.category,
        u.chain,
        u.meanwhile,
        u.sponsor,
        u.subsidy,
        u.rent,
        u.anchor,
        u.lease_end,
        u.opened,
        u.margin,
        u.rev_avg,
        u.cash,
        u.quality,
        u.retail_class,
        u.owner_type,
        u.vacant_since,
        RETAIL_USE,
        int(week),
        _let_pars(pars),
        (float(L.entry_cash), float(L.occ_cash_change)),
    )
    if let.size:  # the flows were added unit by unit, as numpy floats
        L.entry_cash, L.occ_cash_change = np.float64(entry_cash), np.float64(occ_cash_change)
    return {
        "openings": int(n[0]),
        "openings_chain": int(n[1]),
        "openings_independent": int(n[2]),
        "openings_noncommercial": int(n[3]),
        "openings_meanwhile": int(n[4]),
        "relet_spell_weeks": int(n[5]),
        "opened_units": let,
    }


def _let_units_ref(
    world: World,
    pars: Params,
    apps: dict[str, np.ndarray],
    ask: np.ndarray,
    week: int,
    rng: np.random.Generator,
) -> dict:
    """Plain-numpy reference of :func:`let_units` (:func:`_let_units_nb`): the code it ran
    before."""
    u, lp, cp, op = world.units, pars.landlords, pars.council, pars.occupiers
    n_app = apps["unit"].size
    accept_draw = rng.random(max(n_app, 1))
    opened = []
    counts = {
        "openings": 0,
        "openings_chain": 0,
        "openings_independent": 0,
        "openings_noncommercial": 0,
        "openings_meanwhile": 0,
        "relet_spell_weeks": 0,
    }
    if n_app == 0:
        counts["opened_units"] = np.zeros(0, np.int64)
        return counts
    order = np.lexsort((np.arange(n_app), apps["unit"]))
    units_applied = np.unique(apps["unit"])
    for j in units_applied:
        if u.category[j] >= 0:
            continue
        cand = order[apps["unit"][order] == j]
        owner = u.owner_type[j]
        weeks = week - u.vacant_since[j]
        best, best_score = -1, -np.inf
        for a in cand:
            mw, brokered, chain = apps["meanwhile"][a], apps["brokered"][a], apps["chain"][a]
            noncom = apps["sponsor"][a] > 0
            if mw:
                allowed = (lp.meanwhile and weeks >= lp.meanwhile_after_weeks) or (
                    brokered and owner in (COUNCIL, COMMUNITY)
                )
                if owner == INST and not brokered and cp.empty_rates <= 0.0:
                    allowed = False
                if not allowed:
                    continue
            if owner == INST and not chain and not mw:
                if weeks < lp.patience_weeks and accept_draw[a] < lp.chain_preference:
                    continue
            score = apps["rent"][a]
            if owner == INST:
                score += 1e9 * chain
            elif owner == COMMUNITY:
                score += 1e9 * (noncom or not chain)
            if score > best_score:
                best, best_score = a, score
        if best < 0:
            continue
        a = best
        counts["relet_spell_weeks"] += int(weeks)
        c = int(apps["category"][a])
        u.category[j] = c
        u.chain[j] = bool(apps["chain"][a])
        u.meanwhile[j] = bool(apps["meanwhile"][a])
        u.sponsor[j] = int(apps["sponsor"][a])
        u.subsidy[j] = float(apps["subsidy"][a])
        u.rent[j] = float(apps["rent"][a])
        if not u.meanwhile[j]:
            u.anchor[j] = (
                u.rent[j] if owner != INST else max(u.anchor[j] * lp.rent_floor, u.rent[j])
            )
        length = (
            op.lease_meanwhile_weeks
            if (u.meanwhile[j] or u.sponsor[j] > 0)
            else op.lease_chain_weeks
            if u.chain[j]
            else op.lease_indep_weeks
        )
        u.lease_end[j] = week + int(length)
        u.opened[j] = week
        u.margin[j] = 0.0
        u.rev_avg[j] = 0.0
        u.cash[j] = float(apps["cash"][a])
        u.quality[j] = float(apps["quality"][a])
        world.ledger.entry_cash += u.cash[j]
        world.ledger.occ_cash_change += u.cash[j]
        u.retail_class[j] = bool(RETAIL_USE[c])  # the use class follows the permitted use
        opened.append(j)
        counts["openings"] += 1
        if u.sponsor[j] > 0:
            counts["openings_noncommercial"] += 1
        elif u.chain[j]:
            counts["openings_chain"] += 1
        else:
            counts["openings_independent"] += 1
        counts["openings_meanwhile"] += int(u.meanwhile[j])
    counts["opened_units"] = np.asarray(opened, dtype=np.int64)
    return counts


SPONSOR_COUNCIL = SPONSOR["council"]
SPONSOR_TT = SPONSOR["town_team"]
