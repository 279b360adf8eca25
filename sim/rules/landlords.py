"""Landlords: renewal and asking rents, rent collection, community asset transfer, letting
decisions, meanwhile uses and empty-property rates (MODEL.md, "Landlords").

* A unit's market rent = base rent x floorspace x pitch (location) x the market rent index
  (:mod:`sim.rules.market`).
* At lease renewal (a lease event) the landlord offers the market rent, up or down; council
  and community owners ask their shares of it. Within a lease the rent is reviewed every
  ``review_weeks`` (UK leases: five-yearly): institutional leases upward-only
  (``max(rent, market)``), the others to the market rent both ways.
* Asking rent of a vacant unit, by owner kind: institutional:
  ``max(rent_floor x valuation anchor x (1 - void_rent_cut)^(weeks beyond patience), market)``
  (sticky: valued on comparables, it holds a unit empty rather than cut, until a long void
  makes it re-value); local private:
  ``market x max(local_min_rent, (1 - local_rent_cut)^weeks vacant)``; council:
  ``council_rent x market``; community: ``community_rent x market``.
* Letting: applicants for a unit are ranked by the owner's objective. Institutional owners
  put chains first (a chain's covenant), then the rent offered, and refuse an independent
  with probability ``chain_preference`` until the unit has been empty ``patience_weeks``;
  community owners put non-commercial uses and independents first, then rent; the others
  rank by rent. Meanwhile lets (short licence at ``meanwhile_rent`` x ask) are accepted
  where the scenario allows them and the unit has been empty ``meanwhile_after_weeks``;
  institutional owners accept them only if empty-property rates make holding empty cost
  something, or if the proposal was brokered. Council and community owners always accept
  brokered proposals.
* Empty-property rates: owners (not council or community) pay ``empty_rates`` x the full
  rates on units empty for longer than the free period.
* Rates relief reaches rents: institutional and local owners add a premium to their asking
  and renewal rents that moves towards ``relief_capture`` x the relief beyond the market
  setting's that a commercial occupier of the unit gets, with time constant
  ``capture_weeks`` (:func:`capture_relief`; EVIDENCE.md section 6: about three quarters of
  a rates change reaches rents within 2-3 years).
* Community asset transfer (where allowed): a council unit empty for
  ``asset_transfer_weeks`` passes to community ownership if volunteers are available.
* Conversion (change of use to homes or other uses, where planning allows it: the drivers'
  permitted development and Class MA dates and size limits): a private owner's unit empty for
  ``conversion_min_weeks`` whose value as a shop is low (its pitch x the market rent index
  below ``conversion_value_below``) leaves the commercial stock with probability
  ``conversion_rate`` a year, less the share of applications refused
  (``conversion_refusal``). It no longer counts as vacant: vacancy is measured on the
  remaining stock, as the Local Data Company does (EVIDENCE.md section 9: conversions remove
  vacancy through the denominator).
"""

from __future__ import annotations

import numpy as np

from sim import levers
from sim.categories import CONVERTED, OWNER, RETAIL_USE, SPONSOR, VACANT
from sim.params import Params
from sim.state import World, full_rates, market_rent
from sim.streams import Streams

INST, LOCAL, COUNCIL, COMMUNITY = (OWNER[k] for k in OWNER)
assert (INST, LOCAL, COUNCIL, COMMUNITY) == (0, 1, 2, 3)  # np.choose in _by_owner
_PUBLIC_SPONSORS = (SPONSOR["council"], SPONSOR["town_team"])


def _by_owner(owner: np.ndarray, inst, local, council, community) -> np.ndarray:
    """One value per unit, chosen by its owner kind (codes 0-3 of OWNER_TYPES)."""
    return np.choose(owner, (inst, local, council, community))


def offer_renewals(world: World, pars: Params, rng: Streams) -> None:
    """Rent offered at lease renewal (GBP/week) to every unit's occupier (``now.renewal``:
    the market rent, or the council's or community's share of it), and this week's rent
    reviews within leases (institutional upward-only, the others to market both ways)."""
    u, lp, week = world.units, pars.landlords, world.week
    market = market_rent(u, lp.base_rent, world.col.market_index)
    world.now.renewal = _by_owner(
        u.owner_type, market, market, lp.council_rent * market, lp.community_rent * market
    )
    prem = _relief_premium(world)  # the relief landlords capture (GBP/week)
    world.now.renewal += prem
    age = week - u.opened
    review = (u.category >= 0) & (age > 0) & (age % lp.review_weeks == 0) & ~u.meanwhile
    review &= (u.owner_type == INST) | (u.owner_type == LOCAL)
    if review.any():
        at_market = market + prem
        new = np.where(u.owner_type == INST, np.maximum(u.rent, at_market), at_market)
        u.rent[review] = new[review]
        u.anchor[review & (u.owner_type == INST)] = new[review & (u.owner_type == INST)]


def step(world: World, pars: Params, rng: Streams) -> None:
    """Collect this week's rent, set the asking rents (``now.ask``, GBP/week; stored in
    ``units.asking`` for vacant units) and make at most one community asset transfer."""
    u, lp, col, week = world.units, pars.landlords, world.col, world.week
    col.landlord_income = np.bincount(u.landlord, weights=u.rent_paid, minlength=world.n_landlords)
    world.ledger.landlord_income += float(u.rent_paid.sum())
    market = market_rent(u, lp.base_rent, col.market_index)
    weeks = np.maximum(week - u.vacant_since, 0)
    void = np.maximum(weeks - lp.patience_weeks, 0)  # weeks beyond the owner's patience
    ask = _by_owner(
        u.owner_type,
        np.maximum(lp.rent_floor * u.anchor * (1.0 - lp.void_rent_cut) ** void, market),
        market * np.maximum(lp.local_min_rent, (1.0 - lp.local_rent_cut) ** weeks),
        lp.council_rent * market,
        lp.community_rent * market,
    )
    capture_relief(world, pars)
    ask += _relief_premium(world)
    u.asking[:] = np.where(u.category == VACANT, ask, u.asking)
    world.now.ask = ask
    world.now.counts["asset_transfers"] = asset_transfer(world, pars, rng)
    world.now.counts["conversions"] = convert(world, pars, rng)


def convert(world: World, pars: Params, rng: Streams) -> int:
    """Long-vacant units of low value as shops that leave the commercial stock this week,
    where planning allows (see the module docstring); returns how many."""
    u, lp, week = world.units, pars.landlords, world.week
    if world.now.conversion_max_m2 <= 0:  # planning lets no unit convert
        return 0
    eligible = (u.category == VACANT) & (u.floorspace <= world.now.conversion_max_m2)
    eligible &= week - u.vacant_since >= lp.conversion_min_weeks
    eligible &= (u.owner_type == INST) | (u.owner_type == LOCAL)
    eligible &= u.loc * world.col.market_index < lp.conversion_value_below
    if not eligible.any():
        return 0  # no decision to make: the stream is not drawn (no other stream moves)
    p = lp.conversion_rate / 52.0 * (1.0 - lp.conversion_refusal)
    out = eligible & (rng["conversion"].random(u.n) < p)
    u.category[out] = CONVERTED
    u.rent[out] = 0.0
    return int(np.count_nonzero(out))


def capture_relief(world: World, pars: Params) -> None:
    """Move each unit's relief premium (GBP/week, ``col.relief_premium``) a step of
    1 / ``capture_weeks`` towards ``relief_capture`` x the extra relief a commercial
    occupier of the unit gets this week (what the centre's account pays for)."""
    lp, col = pars.landlords, world.col
    if levers.market_rates(pars.council) and not col.relief_premium.any():
        return  # no relief beyond the market's and no premium: it stays 0
    national = world.now.rates_relief
    extra = levers.commercial_extra_relief(world.units.rateable, pars.council, national)
    extra *= col.relief_share
    col.relief_premium += (lp.relief_capture * extra - col.relief_premium) / lp.capture_weeks


def _relief_premium(world: World) -> np.ndarray | float:
    """The relief premium institutional and local owners add to their rents (GBP/week; 0.0
    where no unit has one)."""
    if not world.col.relief_premium.any():
        return 0.0
    owner = world.units.owner_type
    return np.where((owner == INST) | (owner == LOCAL), world.col.relief_premium, 0.0)


def asset_transfer(world: World, pars: Params, rng: Streams) -> int:
    """Transfer at most one long-empty council unit a week to community ownership."""
    cp, u, col = pars.council, world.units, world.col
    if not cp.asset_transfer:
        return 0
    spare = col.volunteer_supply - col.volunteer_used
    cand = np.flatnonzero(
        (u.owner_type == COUNCIL)
        & (u.category == VACANT)
        & (world.week - u.vacant_since >= cp.asset_transfer_weeks)
    )
    if cand.size == 0 or spare < pars.occupiers.volunteer_hours_need:
        return 0
    j = cand[min(int(rng["asset_transfer"].random() * cand.size), cand.size - 1)]
    u.owner_type[j] = COMMUNITY
    u.landlord[j] = world.n_landlords - 1
    u.anchor[j] = pars.landlords.community_rent * u.anchor[j]
    return 1


def _acceptable(world: World, pars: Params, j: int, a: int, accept_draw: float) -> bool:
    """Whether the owner of vacant unit ``j`` would let it to application ``a``."""
    lp, apps = pars.landlords, world.now.apps
    owner = world.units.owner_type[j]
    weeks = world.week - world.units.vacant_since[j]
    brokered, chain = apps["brokered"][a], apps["chain"][a]
    if apps["meanwhile"][a]:
        if owner == INST and not brokered and pars.council.empty_rates <= 0.0:
            return False  # holding empty costs nothing: no reason for a licence
        return (lp.meanwhile and weeks >= lp.meanwhile_after_weeks) or (
            brokered and owner in (COUNCIL, COMMUNITY)
        )
    # an institutional owner holds out for a chain's covenant until its patience runs out
    return not (
        owner == INST and not chain and weeks < lp.patience_weeks
        and accept_draw < lp.chain_preference
    )  # fmt: skip


def _rank(owner: int, rent: float, chain: bool, noncommercial: bool) -> tuple[bool, float]:
    """The owner's ranking of an application: a preferred kind first, then the rent."""
    if owner == INST:
        return (bool(chain), rent)
    if owner == COMMUNITY:
        return (bool(noncommercial or not chain), rent)
    return (False, rent)


def let(world: World, pars: Params, rng: Streams) -> None:
    """Landlords choose among this week's applications (``now.apps``) and let units; the
    owners of units still empty pay empty-property rates. Counts of openings by kind go to
    ``world.now.counts``, the let units to ``world.now.opened``.

    ``now.apps`` holds equal-length arrays: unit, category, chain, meanwhile, brokered,
    sponsor, subsidy, rent (offered, GBP/week), cash (the entrant's starting reserve, GBP),
    quality.
    """
    u, lp, op, L, week = world.units, pars.landlords, pars.occupiers, world.ledger, world.week
    apps = world.now.apps
    n_app = apps["unit"].size
    accept_draw = rng["letting"].random(n_app) if n_app else np.zeros(0)
    counts = dict.fromkeys(
        (
            "openings",
            "openings_chain",
            "openings_independent",
            "openings_noncommercial",
            "openings_meanwhile",
            "openings_brokered",
            "relet_spell_weeks",
        ),
        0,
    )
    opened = []
    applied = apps["unit"].tolist()
    for j in sorted(set(applied)):  # the units applied for, in unit order
        if u.category[j] != VACANT:
            continue
        owner = int(u.owner_type[j])
        cand = [
            a
            for a, unit in enumerate(applied)
            if unit == j and _acceptable(world, pars, j, a, accept_draw[a])
        ]
        if not cand:
            continue
        a = max(
            cand,
            key=lambda a: _rank(owner, apps["rent"][a], apps["chain"][a], apps["sponsor"][a] > 0),
        )
        counts["relet_spell_weeks"] += int(week - u.vacant_since[j])
        c = int(apps["category"][a])
        u.category[j] = c
        u.chain[j] = apps["chain"][a]
        u.meanwhile[j] = apps["meanwhile"][a]
        u.sponsor[j] = apps["sponsor"][a]
        u.subsidy[j] = apps["subsidy"][a]
        u.rent[j] = apps["rent"][a]
        if not u.meanwhile[j]:  # a new valuation anchor (institutional: not below the floor)
            floor = u.anchor[j] * lp.rent_floor if owner == INST else 0.0
            u.anchor[j] = max(u.rent[j], floor)
        if u.meanwhile[j] or u.sponsor[j] > 0:
            u.lease_end[j] = week + op.lease_meanwhile_weeks
        else:
            u.lease_end[j] = week + (op.lease_chain_weeks if u.chain[j] else op.lease_indep_weeks)
        u.opened[j] = week
        u.margin[j] = 0.0
        u.rev_avg[j] = 0.0
        u.cash[j] = apps["cash"][a]
        u.quality[j] = apps["quality"][a]
        # a sponsorship taken on under a programme ends with it (sim.rules.occupiers)
        world.col.programme_sponsored[j] = world.now.programme and u.sponsor[j] in _PUBLIC_SPONSORS
        L.entry_cash += float(u.cash[j])
        L.occ_cash_change += float(u.cash[j])
        u.retail_class[j] = RETAIL_USE[c]  # the use class follows the permitted use
        opened.append(j)
        counts["openings"] += 1
        kind = "noncommercial" if u.sponsor[j] > 0 else "chain" if u.chain[j] else "independent"
        counts[f"openings_{kind}"] += 1
        counts["openings_meanwhile"] += int(u.meanwhile[j])
        counts["openings_brokered"] += int(apps["brokered"][a])
    world.now.counts.update(counts)
    world.now.opened = np.asarray(opened, np.int64)
    L.rates_empty += float(empty_rates(world, pars).sum())


def empty_rates(world: World, pars: Params) -> np.ndarray:
    """Empty-property rates paid by each unit's owner this week (GBP): institutional and
    local private owners of units empty longer than the free period."""
    u, cp = world.units, pars.council
    liable = (u.category == VACANT) & (world.week - u.vacant_since >= cp.empty_grace_weeks)
    liable &= (u.owner_type == INST) | (u.owner_type == LOCAL)
    return np.where(liable, full_rates(u.rateable, cp) * cp.empty_rates, 0.0)  # no relief
