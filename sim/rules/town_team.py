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

It spends a 13th of its fund per week across the heads. Its effectiveness multiplies every
effect: ``effectiveness_base + effectiveness_ties x`` (members' mean total tie strength /
capacity), so a Town Team of well-connected residents achieves more with the same money.
"""

from __future__ import annotations

import numpy as np

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
        col.marketing = 0.0
        col.recruit = 0.0
        now.spent_tt = {}
        return
    if (world.week - pars.run.burn_in_weeks) % WEEKS_PER_QUARTER == 0 or col.tt_alloc.sum() == 0:
        allocate(world, pars, col.vacancy)
    budget = max(col.tt_balance, 0.0) / WEEKS_PER_QUARTER
    ev, mw, su, mk, pr = col.tt_alloc * budget
    eff = col.tt_effectiveness
    broker, recruit = tp.brokerage_share * mw, tp.recruit_share * su
    col.event_intensity += eff * ev / pars.council.event_cost
    col.brokered += eff * broker / pars.council.facilitation_cost
    col.pool_sponsor_tt = mw - broker
    col.pool_startup_tt = su - recruit
    col.recruit = eff * recruit / tp.recruit_cost
    col.marketing = tp.marketing_effect * (1.0 - np.exp(-eff * mk / tp.marketing_scale))
    col.pr_stock += eff * pr
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
    income = world.now.spent_council.get("town_team_grant", 0.0) + L.levy_paid
    L.levy_income += L.levy_paid
    out = sum(world.now.spent_tt.values()) + col.used_sponsor_tt + col.used_startup_tt
    L.tt_income += income
    L.tt_spend += out
    L.tt_change += income - out
    col.tt_balance += income - out
