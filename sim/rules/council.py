"""The council: levers and weekly budget (MODEL.md, "Council").

At the start of a week the council receives its other income for the centre
(``grant_income``) and commits spending in a fixed order, never beyond its balance: the
grant to the Town Team, public-realm investment, markets and events, facilitation; then it
opens two pools: sponsorship of community uses and start-up rent subsidies (only what is
used is spent). Public realm builds a stock that depreciates over ``public_realm_life``
weeks; its effect on the centre's pull is ``public_realm_effect (1 - exp(-stock/scale))``,
so investment acts with a lag. Events add ``event_boost`` x intensity to centre trips
(intensity = events bought / one a week, saturating at 1). Facilitation brokers
``facilitation / facilitation_cost`` proposals a week for vacant units.

At the end of the week it books rates income (occupied and empty), rent from its own units
and what the pools paid out. Its roles in the scenarios (rate collector, director, partner,
facilitator and steward) are combinations of these levers, set in the scenario files.
"""

from __future__ import annotations

import math

from sim.categories import OWNER
from sim.params import Params
from sim.state import World


def start_week(world: World, pars: Params) -> dict[str, float]:
    """Commit this week's lever spending; set pools and effects. Returns spending by lever."""
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
    return spent


def public_realm_gain(world: World, pars: Params) -> float:
    """Utility gain of centre trips from the public-realm stock."""
    cp = pars.council
    return cp.public_realm_effect * (1.0 - math.exp(-world.col.pr_stock / cp.public_realm_scale))


def end_week(world: World, pars: Params, spent: dict[str, float]) -> None:
    """Book the week's income and spending; update the balance (never below zero)."""
    cp, col, L, u = pars.council, world.col, world.ledger, world.units
    own_rent = float(u.rent_paid[u.owner_type == OWNER["council"]].sum())
    L.council_rates += L.rates_occupiers + L.rates_empty + L.rates_sponsors
    income = cp.grant_income + L.council_rates + own_rent
    sponsored = col.used_sponsor_council
    spend = sum(spent.values()) + sponsored + col.used_startup_council
    L.council_income += income
    L.council_spend += spend
    L.council_change += income - spend
    col.council_balance += income - spend


def consult_rate(pars: Params) -> float:
    """Share of residents taking part in a consultation this week (council and Town Team)."""
    rate = pars.town_team.consultation if pars.town_team.enabled else 0.0
    if pars.council.consult_residents:
        rate += 0.005  # council consultations: ~1 in 200 households a week (assumption)
    return float(min(max(rate, 0.0), 1.0))  # np.clip's value, without its ~10 us on a scalar
