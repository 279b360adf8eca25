"""The council: levers and weekly budget (MODEL.md, "Council").

At the start of a week the council receives its other income for the centre
(``grant_income``) and commits spending in a fixed order, never beyond its balance: the
grant to the Town Team, public-realm investment, markets and events, facilitation; then it
opens two pools: sponsorship of community uses and start-up rent subsidies (only what is
used is spent). Public realm builds a stock that depreciates over ``public_realm_life``
weeks; its effect on residents' trip choice (:mod:`sim.rules.trips`) grows with the stock,
so investment acts with a lag. Events bought set the week's event intensity (events / one a
week), which the trip choice reads. Facilitation brokers
``facilitation / facilitation_cost`` proposals a week for vacant units.

At the end of the week (:func:`close_week`) it books rates income (occupied and empty), rent
from its own units and what the pools paid out. Its roles in the scenarios (rate collector,
director, partner, facilitator and steward) are combinations of these levers, set in the
scenario files.
"""

from __future__ import annotations

from sim.categories import OWNER
from sim.params import Params
from sim.state import World
from sim.streams import Streams


def step(world: World, pars: Params, rng: Streams) -> None:
    """Commit this week's lever spending (``world.now.spent_council``, GBP by lever); set
    the pools, the public-realm stock and its gain, event intensity and brokerage."""
    cp, col = pars.council, world.col
    avail = col.council_balance + cp.grant_income
    spent = {}
    for name, want in (
        ("town_team_grant", cp.town_team_grant if pars.town_team.enabled else 0.0),
        ("public_realm", cp.public_realm),
        ("events", cp.events),
        ("facilitation", cp.facilitation),
    ):
        s = min(want, max(avail, 0.0))
        spent[name] = s
        avail -= s
    col.pool_sponsor_council = min(cp.sponsor_budget, max(avail, 0.0))
    avail -= col.pool_sponsor_council
    col.pool_startup_council = min(cp.startup_support, max(avail, 0.0))
    col.pr_stock = col.pr_stock * (1.0 - 1.0 / cp.public_realm_life) + spent["public_realm"]
    col.event_intensity = spent["events"] / cp.event_cost
    col.brokered = spent["facilitation"] / cp.facilitation_cost
    world.now.spent_council = spent


def close_week(world: World, pars: Params, rng: Streams) -> None:
    """Book the week's income and spending and update the balance."""
    cp, col, L, u = pars.council, world.col, world.ledger, world.units
    own_rent = float(u.rent_paid[u.owner_type == OWNER["council"]].sum())
    L.council_rates += L.rates_occupiers + L.rates_empty + L.rates_sponsors
    income = cp.grant_income + L.council_rates + own_rent
    spend = (
        sum(world.now.spent_council.values()) + col.used_sponsor_council + col.used_startup_council
    )
    L.council_income += income
    L.council_spend += spend
    L.council_change += income - spend
    col.council_balance += income - spend
