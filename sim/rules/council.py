"""The council: levers and the town-centre account (MODEL.md, "Council").

**The account.** Business rates go where English rates go, to the council's general fund,
not to the town centre. The centre's account receives the council's weekly allocation
(``allocation``, a lever) and spends it, never beyond its balance, in this order (so when
money runs short, the last items are cut first):

1. rates relief beyond the market setting's (``extra relief``: lower multiplier, more
   small-business or community relief; the drivers' national reliefs are central
   government's), paid to the general fund for the occupiers of the week
   (:func:`sim.levers.rates_due`); if the account cannot pay it all, occupiers get the share
   it can pay;
2. the grant to the Town Team (if the Town Team is enabled);
3. public-realm investment; 4. markets and events; 5. facilitation (brokering vacant units);
6. the sponsorship pool for community uses; 7. the start-up support pool (the pools pay only
   what is used).

Unspent money does not pile up: at the end of the week, a balance above one year of
allocation (52 x ``allocation``) returns to the general fund (``council_returned``).

**Effects** (:mod:`sim.levers`; each lever changes one decision): public realm builds a stock
that depreciates over ``public_realm_life`` weeks and raises footfall by a saturating uplift
(residents' trip choice, every day); market and event days raise footfall on the days they
happen (trip choice on event days); facilitation brokers proposals for vacant units with
diminishing returns (``facilitation_cost`` per proposal, at most ``facilitation_max`` a
week), which landlords accept (:mod:`sim.rules.landlords`) and sponsors fund
(:mod:`sim.rules.entrants`).

Its roles in the scenarios (rate collector, director, partner, facilitator and steward) are
combinations of these levers, set in the scenario files.
"""

from __future__ import annotations

import numpy as np

from sim import levers
from sim.params import Params
from sim.state import World
from sim.streams import Streams

#: Weeks of allocation the town-centre account may hold; the rest returns to the general fund.
BALANCE_CAP_WEEKS = 52


def step(world: World, pars: Params, rng: Streams) -> None:
    """Commit this week's spending in order (``world.now.spent_council``, GBP by item), open
    the pools, and set the public-realm stock, the events bought, the brokered proposals and
    the lever terms of the centre's trip utility."""
    cp, col, u, now = pars.council, world.col, world.units, world.now
    avail = col.council_balance + cp.allocation
    want = 0.0  # GBP: the extra relief of the units that pay rates this week
    if not levers.market_rates(cp):
        occ = u.category >= 0  # not the units a lockdown carries
        if pars.occupiers.lockdown_support:
            occ &= ~now.lockdown[np.maximum(u.category, 0)]
        want = float(
            levers.extra_relief(u.rateable[occ], u.category[occ], cp, now.rates_relief).sum()
        )
    relief = min(want, max(avail, 0.0))
    col.relief_share = relief / want if want > 0.0 else 1.0
    avail -= relief
    spent = {}
    for name, wanted in (
        ("town_team_grant", cp.town_team_grant if pars.town_team.enabled else 0.0),
        ("public_realm", cp.public_realm),
        ("events", cp.events),
        ("facilitation", cp.facilitation),
    ):
        s = min(wanted, max(avail, 0.0))
        spent[name] = s
        avail -= s
    col.pool_sponsor_council = min(cp.sponsor_budget, max(avail, 0.0))
    avail -= col.pool_sponsor_council
    col.pool_startup_council = min(cp.startup_support, max(avail, 0.0))
    col.pr_stock = col.pr_stock * (1.0 - 1.0 / cp.public_realm_life) + spent["public_realm"]
    col.events_bought = spent["events"] / cp.event_cost
    col.brokered = levers.saturating(
        spent["facilitation"], cp.facilitation_cost, cp.facilitation_max * world.market_scale
    )
    col.marketing_spend = 0.0  # the Town Team's (sim.rules.town_team)
    levers.set_centre_pulls(world, pars)
    world.now.spent_council = spent


def close_week(world: World, pars: Params, rng: Streams) -> None:
    """Book the week: rates (with the relief paid for) to the general fund; the allocation
    into the centre's account, its spending out, and any balance above one year of
    allocation back to the general fund."""
    cp, col, L = pars.council, world.col, world.ledger
    L.council_rates += L.rates_occupiers + L.rates_empty + L.rates_sponsors + L.relief_funded
    income = cp.allocation
    spend = (
        L.relief_funded
        + sum(world.now.spent_council.values())
        + col.used_sponsor_council
        + col.used_startup_council
    )
    balance = col.council_balance + income - spend
    returned = max(balance - BALANCE_CAP_WEEKS * cp.allocation, 0.0)
    L.council_income += income
    L.council_spend += spend
    L.council_returned += returned
    L.council_change += income - spend - returned
    L.tt_grant += world.now.spent_council.get("town_team_grant", 0.0)
    col.council_balance = balance - returned
