"""Market signals read by entrants, landlords and traders (MODEL.md, "Entrants": "in response
to market signals (footfall, spend per unit, rents)"; "Landlords").

After the week's spending:

* rolling commercial revenue per m2, overall (``col.rev_all``) and by category
  (``col.rev_cat``), an EWMA with weight ``occupiers.margin_memory``: what an entrant expects
  a unit to take. In the first week the references are set: ``col.spend_ref`` is that week's
  revenue per m2 (or, if nothing trades, the spend a trading centre would draw:
  ``entrants.start_centre_share`` of residents' budgets over the floorspace);
* the market rent index: follows the demand for space (centre revenue per m2 of all
  floorspace, occupied or not, relative to week 0, to the power ``rent_elasticity``) with
  adjustment speed ``rent_adjust`` a week, so vacancy lowers market rents;
* at a business-rates revaluation, every unit's rateable value is reset to 52 weeks of its
  market rent (VOA practice: rateable value is the annual rental value);
* traders' memories of footfall, short and long (EWMAs with weights
  ``town_team.footfall_memory`` and ``footfall_memory_slow``): footfall is falling when the
  short memory is below the long one.
"""

from __future__ import annotations

import numpy as np

from sim.categories import COMMERCIAL, CONVERTED, N_CAT
from sim.params import Params
from sim.state import World, centre_attractiveness, market_rent, park_trade_kept
from sim.streams import Streams


def _revenue_per_m2(world: World) -> tuple[float, np.ndarray, np.ndarray]:
    """This week's commercial revenue per m2 (GBP/m2/week), overall and by category, and
    which categories have floorspace."""
    u = world.units
    com = (u.category >= 0) & COMMERCIAL[np.maximum(u.category, 0)]
    cat = u.category[com]
    area = np.bincount(cat, weights=u.floorspace[com], minlength=N_CAT)
    rev = np.bincount(cat, weights=u.revenue[com], minlength=N_CAT)
    total_area = area.sum()
    now = rev.sum() / total_area if total_area > 0 else 0.0
    per = np.divide(rev, area, out=np.zeros(N_CAT), where=area > 0)
    return float(now), per, area > 0


def _demand(world: World) -> float:
    """Centre revenue per m2 of all floorspace in the commercial stock (GBP/m2/week)."""
    u = world.units
    stock = u.category != CONVERTED
    return float(u.revenue.sum()) / max(float(u.floorspace[stock].sum()), 1e-9)


def rebase(world: World, pars: Params) -> None:
    """Set the references of the run at its start (after any spin-up): the revenue per m2
    entrants compare with, the demand for space the rent index follows, the centre's
    attractiveness and the park's trade not bought online that trips compare with."""
    col, now = world.col, world.now
    if col.rev_all > 0:
        col.spend_ref = col.rev_all
    demand = _demand(world)
    e = pars.landlords.rent_elasticity
    if demand > 0:  # keep the rent index where it is: (demand / demand_ref)^e = index
        col.demand_ref = demand / col.market_index ** (1.0 / e) if e > 0 else demand
    col.attract_ref = max(
        centre_attractiveness(world.units, world.d.floorspace_pow, now.online_cat, now.lockdown),
        1e-9,
    )
    col.park_keep_ref = park_trade_kept(pars, now.online)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Update the entrants' signals, the market rent index and traders' footfall memories."""
    col, u, lp, tp = world.col, world.units, pars.landlords, pars.town_team
    m = pars.occupiers.margin_memory
    now, per, has = _revenue_per_m2(world)
    if col.spend_ref <= 0:  # the first week ever: the references
        if now <= 0:  # nothing trades: the spend a trading centre would draw
            now_ref = pars.entrants.start_centre_share * world.ledger.budget
            now_ref /= max(float(u.floorspace.sum()), 1e-9)
        else:
            now_ref = now
        col.spend_ref = now_ref if now_ref > 0 else 1.0
        col.rev_all = now_ref
        col.rev_cat = np.where(has, per, col.rev_cat)
        col.footfall_fast = col.footfall_slow = col.footfall
    col.rev_all = (1 - m) * col.rev_all + m * now
    col.rev_cat = np.where(has, (1 - m) * col.rev_cat + m * per, col.rev_cat)
    # market rent index
    demand = _demand(world)
    if col.demand_ref <= 0:
        col.demand_ref = demand if demand > 0 else 1.0
    signal = (demand / col.demand_ref) ** lp.rent_elasticity
    col.market_index += lp.rent_adjust * (signal - col.market_index)
    if world.now.revaluation:  # rateable values reset to the market rents of the time (VOA)
        u.rateable = 52.0 * market_rent(u, lp.base_rent, col.market_index)
    # traders' memories of footfall
    a, b = tp.footfall_memory, tp.footfall_memory_slow
    col.footfall_fast = (1 - a) * col.footfall_fast + a * col.footfall
    col.footfall_slow = (1 - b) * col.footfall_slow + b * col.footfall
