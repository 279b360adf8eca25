"""The Town Team, a collective agent (MODEL.md, "Town Team").

Members: the ``resident_members`` most engaged residents, plus traders, landlords and
council officers, with voting weights set by the scenario. Income: the council's grant and
the business levy. Each quarter (13 weeks) it allocates its spending over five heads,
``HEADS`` = markets and events, meanwhile-use brokerage (and sponsorship of the uses it
brokers), start-up support (and recruitment of missing categories), marketing, public realm,
as the weight-averaged priorities of its member groups:

* traders: footfall (events and marketing first), more so when footfall is falling;
* landlords: letting empty units (meanwhile, start-ups, marketing);
* council officers: a balanced mix with public realm;
* residents: under community-led design, their unmet needs: isolation (share of residents
  with no ties) raises events and meanwhile community uses, vacancy raises meanwhile uses,
  missing grocery or health access raises start-up support and recruitment; without
  community-led design residents are consulted on footfall like traders.

It spends a 13th of its fund per week across the heads. Its effectiveness multiplies every
effect: ``effectiveness_base + effectiveness_ties x`` (members' mean total tie strength /
capacity), so a Town Team of well-connected residents achieves more with the same money.
"""

from __future__ import annotations

import numpy as np

from sim.params import Params
from sim.state import HEADS, World

TRADERS = np.array([0.35, 0.05, 0.05, 0.35, 0.20])
LANDLORDS = np.array([0.15, 0.30, 0.20, 0.20, 0.15])
COUNCIL = np.array([0.20, 0.20, 0.20, 0.10, 0.30])
MARKETING_SCALE = 2000.0  # GBP/week of effective marketing giving 63% of its effect
MARKETING_EFFECT = 0.1  # utils at saturation (assumption)
RECRUIT_COST = 3000.0  # GBP of start-up head per recruited applicant (assumption)
assert len(HEADS) == TRADERS.size


def allocate(world: World, pars: Params, vacancy: float) -> np.ndarray:
    """Quarterly allocation: members, effectiveness and shares of the budget per head."""
    tp, col, res = pars.town_team, world.col, world.res
    k = min(int(tp.resident_members), res.n)
    if k > 0:
        # most engaged residents; ties broken by index (stable sort)
        col.tt_members = np.argsort(-res.engagement, kind="stable")[:k]
        s = res.tie_w[col.tt_members].sum(axis=1) / res.tie_w.shape[1]
        col.tt_effectiveness = tp.effectiveness_base + tp.effectiveness_ties * float(s.mean())
    else:
        col.tt_members = np.zeros(0, np.int64)
        col.tt_effectiveness = tp.effectiveness_base
    traders = TRADERS.copy()
    if col.footfall_trend < 0:
        traders[[0, 3]] += 0.1
    traders /= traders.sum()
    if tp.community_led_design:
        gap = max(0.0, 1.0 - min(col.access_grocery, col.access_health))
        residents = np.array(
            [0.1 + col.isolated, 0.1 + vacancy + col.isolated, 0.1 + gap, 0.05, 0.1]
        )
        residents /= residents.sum()
    else:
        residents = traders
    w = np.array([tp.weight_residents, tp.weight_traders, tp.weight_landlords, tp.weight_council])
    if w.sum() <= 0:
        w = np.ones(4)
    alloc = (w[0] * residents + w[1] * traders + w[2] * LANDLORDS + w[3] * COUNCIL) / w.sum()
    col.tt_alloc = alloc
    return alloc


def start_week(world: World, pars: Params) -> dict[str, float]:
    """Spend this week's share by head; open the Town Team's pools. Returns spending."""
    col = world.col
    if not pars.town_team.enabled:
        col.pool_sponsor_tt = col.pool_startup_tt = 0.0
        col.marketing = 0.0
        col.recruit = 0.0
        return {}
    budget = max(col.tt_balance, 0.0) / 13.0  # a 13th of the fund a week
    spend = col.tt_alloc * budget
    eff = col.tt_effectiveness
    ev, mw, su, mk, pr = spend
    col.event_intensity += eff * ev / pars.council.event_cost
    col.brokered += eff * 0.5 * mw / pars.council.facilitation_cost
    col.pool_sponsor_tt = 0.5 * mw
    col.pool_startup_tt = 0.5 * su
    col.recruit = eff * 0.5 * su / RECRUIT_COST
    col.marketing = MARKETING_EFFECT * (1.0 - np.exp(-eff * mk / MARKETING_SCALE))
    col.pr_stock += eff * pr
    # the pools are paid only as used; the rest is spent now
    return {
        "events": ev,
        "brokerage": 0.5 * mw,
        "startup": 0.5 * su,
        "marketing": mk,
        "public_realm": pr,
    }


def end_week(world: World, pars: Params, spent: dict[str, float], grant: float) -> None:
    """Book the Town Team's grant, levy and spending."""
    col, L = world.col, world.ledger
    if not pars.town_team.enabled:
        return
    income = grant + L.levy_paid
    L.levy_income += L.levy_paid
    out = sum(spent.values()) + col.used_sponsor_tt + col.used_startup_tt
    L.tt_income += income
    L.tt_spend += out
    L.tt_change += income - out
    col.tt_balance += income - out
