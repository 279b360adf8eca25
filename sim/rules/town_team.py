"""The Town Team, a collective agent (MODEL.md, "Town Team").

Members: the ``resident_members`` most engaged residents, plus traders, landlords and
council officers, with voting weights set by the scenario. Income: the council's grant and
the business levy. Each quarter (13 weeks) it allocates its spending over five heads,
:data:`sim.state.HEADS` = markets and events, meanwhile-use brokerage (and sponsorship of the
uses it brokers), start-up support (and recruitment of missing categories), marketing,
public realm, as the weight-averaged priorities of its member groups (each group's
priorities are declared parameters, ``town_team.<group>_<head>``, all assumptions):

* traders: footfall first (events and marketing), more so (``traders_falling_footfall``)
  when their short memory of footfall is below their long memory;
* landlords: letting empty units (meanwhile, start-ups, marketing);
* council officers: a balanced mix with public realm;
* residents: under community-led design, their base priorities plus their unmet needs
  (``need_response`` x): isolation (share of residents with no ties) raises events and
  meanwhile community uses, vacancy raises meanwhile uses, missing grocery or health access
  raises start-up support and recruitment; without community-led design residents are
  consulted on footfall like traders.

It spends a 13th of its fund per week across the heads, and only its fund: its grant and the
levy. The fund's public money (the grant) is tracked apart from the levy, and a week's
spending draws on both in proportion to what the fund holds, so the public money it spends
is known (``public_spend``). Its effectiveness multiplies what its spending buys:
``effectiveness_base + effectiveness_ties x`` (members' mean total tie strength / capacity);
the link from members' ties to effectiveness is unvalidated (EVIDENCE.md section 10), so its
default is 0 and it is swept. What each head buys is the council's arithmetic
(:mod:`sim.levers`): event days, a public-realm stock, brokered proposals, recruited
applicants (with diminishing returns) and a marketing uplift of footfall that saturates
(``marketing_uplift``, ``marketing_scale``). When the Town Team is not enabled (outside a
programme) it spends nothing and holds what is left of its fund.
"""

from __future__ import annotations

import numpy as np

from sim import levers
from sim.params import Params, TownTeamPars
from sim.state import HEADS, World
from sim.streams import Streams

WEEKS_PER_QUARTER = 13  # the Town Team meets and allocates once a quarter


def priorities(tp: TownTeamPars, group: str) -> np.ndarray:
    """A member group's declared priorities over :data:`HEADS` (weights, not normalised)."""
    return np.array([getattr(tp, f"{group}_{h}") for h in HEADS])


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
    traders = priorities(tp, "traders")
    if col.footfall_fast < col.footfall_slow:
        traders[[HEADS.index("events"), HEADS.index("marketing")]] += tp.traders_falling_footfall
    traders = _normalised(traders)
    if tp.community_led_design:
        gap = max(0.0, 1.0 - min(col.access_grocery, col.access_health))
        need = np.array([col.isolated, vacancy + col.isolated, gap, 0.0, 0.0])
        residents = _normalised(priorities(tp, "residents") + tp.need_response * need)
    else:
        residents = traders
    groups = (
        residents,
        traders,
        _normalised(priorities(tp, "landlords")),
        _normalised(priorities(tp, "council")),
    )
    w = np.array([tp.weight_residents, tp.weight_traders, tp.weight_landlords, tp.weight_council])
    if w.sum() <= 0:
        w = np.ones(4)
    col.tt_alloc = sum(wi * g for wi, g in zip(w, groups, strict=True)) / w.sum()
    return col.tt_alloc


def _normalised(v: np.ndarray) -> np.ndarray:
    t = v.sum()
    return v / t if t > 0 else np.full(v.size, 1.0 / v.size)


def step(world: World, pars: Params, rng: Streams) -> None:
    """Allocate at the start of each quarter; spend this week's share by head and open the
    Town Team's pools (``world.now.spent_tt``, GBP by head)."""
    col, tp, now = world.col, pars.town_team, world.now
    if not tp.enabled:
        col.pool_sponsor_tt = col.pool_startup_tt = 0.0
        col.recruit = 0.0
        now.spent_tt = {}
        return
    if (world.week - pars.run.burn_in_weeks) % WEEKS_PER_QUARTER == 0 or col.tt_alloc.sum() == 0:
        allocate(world, pars, col.vacancy)
    budget = max(col.tt_balance, 0.0) / WEEKS_PER_QUARTER
    ev, mw, su, mk, pr = col.tt_alloc * budget
    eff = col.tt_effectiveness
    broker, recruit = tp.brokerage_share * mw, tp.recruit_share * su
    cp, most = pars.council, world.market_scale
    col.events_bought += eff * ev / cp.event_cost
    brokering = now.spent_council.get("facilitation", 0.0) + eff * broker  # GBP, both bodies
    col.brokered = levers.saturating(brokering, cp.facilitation_cost, cp.facilitation_max * most)
    col.pool_sponsor_tt = mw - broker
    col.pool_startup_tt = su - recruit
    col.recruit = levers.saturating(eff * recruit, tp.recruit_cost, cp.startup_max * most)
    col.marketing_spend = eff * mk
    col.pr_stock += eff * pr
    levers.set_centre_pulls(world, pars)
    # the pools are paid only as used; the rest is spent now
    now.spent_tt = {
        "events": ev,
        "brokerage": broker,
        "startup": recruit,
        "marketing": mk,
        "public_realm": pr,
    }


def close_week(world: World, pars: Params, rng: Streams) -> None:
    """Book the Town Team's grant, levy and spending."""
    col, L = world.col, world.ledger
    if not pars.town_team.enabled:
        return
    grant = world.now.spent_council.get("town_team_grant", 0.0)
    income = grant + L.levy_paid
    L.levy_income += L.levy_paid
    out = sum(world.now.spent_tt.values()) + col.used_sponsor_tt + col.used_startup_tt
    # the week's spending draws on the public money and the levy as the fund holds them
    public_out = out * col.tt_public / col.tt_balance if col.tt_balance > 0 else 0.0
    L.tt_income += income
    L.tt_spend += out
    L.tt_change += income - out
    L.tt_public_spend += public_out
    L.tt_public_change += grant - public_out
    col.tt_balance += income - out
    col.tt_public += grant - public_out
