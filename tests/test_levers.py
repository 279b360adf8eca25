"""Each lever changes the decision it names, by the size its parameter says, and nothing else
(issue 14; docs/model.md "Levers").

Tiny worlds (:mod:`tests.tiny`): units of 100 m2 at an average pitch with a rateable value of
GBP 52,000 a year (market rent GBP 400/week, full rates GBP 500/week). A test runs one rule
on two worlds that differ only in the lever and compares every field of the collective state,
so that "nothing else" is checked, not assumed.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from pytest import approx

from sim import levers
from sim.categories import CAT, SPONSOR
from sim.params import Params, spec_index
from sim.rules import council, entrants, landlords, occupiers, town_team, trips, visits
from sim.state import Collective, weekly_rates
from sim.streams import Streams
from tests.tiny import (
    WEEK,
    Draws,
    FixedStream,
    application,
    set_applications,
    tiny_pars,
    tiny_world,
    unit,
)

HOUSEHOLDS = 30_000.0  # the reference town: market scale 1
RICH = 1e9  # GBP: an account that never runs short


def _pars(**groups):
    groups.setdefault("run", {})["households"] = HOUSEHOLDS
    return tiny_pars(**groups)


def _world(pars, *units, footfall=9000.0):
    """A tiny world (three plain units unless given) with last week's footfall: 9,000 of
    30,000 households, a share of 0.3."""
    w = tiny_world(*(units or (unit(), unit(), unit())), pars=pars)
    w.col.footfall = footfall
    w.col.council_balance = RICH
    return w


def _changed(a: Collective, b: Collective) -> set[str]:
    """The fields of two collective states that differ."""
    out = set()
    for f in dataclasses.fields(Collective):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if not np.array_equal(np.asarray(x), np.asarray(y)):
            out.add(f.name)
    return out


def log_odds_shift(uplift: float, share: float) -> float:
    """The utility shift that raises a share of households visiting by (1 + uplift)."""
    q = share * (1.0 + uplift)
    return math.log(q / (1 - q)) - math.log(share / (1 - share))


# ------------------------------------------------------------------------------------------
# Markets and events: trip choice on event days


def test_events_fall_on_distinct_days_with_diminishing_returns():
    assert levers.event_days(0.0, 6.0) == 0.0
    assert levers.event_days(1.0, 6.0) == approx(1.0)
    # two events on random days of six: 6 (1 - (5/6)^2) = 1.833 distinct days
    assert levers.event_days(2.0, 6.0) == approx(6 * (1 - (5 / 6) ** 2))
    # no more event days than trading days, however many events
    assert levers.event_days(1000.0, 6.0) == approx(6.0)
    gains = np.diff([levers.event_days(n, 6.0) for n in range(8)])
    assert (np.diff(gains) < 0).all()  # each extra event adds fewer days


def test_events_raise_the_centre_pull_for_their_share_of_the_week_and_nothing_else():
    cp = {"allocation": 0.0, "event_cost": 4000.0, "event_uplift": 0.10, "trading_days": 6.0}
    pars0, pars = _pars(council=cp | {"events": 0.0}), _pars(council=cp | {"events": 8000.0})
    w0, w = _world(pars0), _world(pars)
    council.step(w0, pars0, Draws())
    council.step(w, pars, Draws())
    col = w.col
    # GBP 8,000 buys two event days; on random days of six they cover 1.833 days
    assert col.events_bought == approx(2.0)
    assert col.event_days == approx(6 * (1 - (5 / 6) ** 2))
    # +10% footfall on an event day is +10% x 1.833 / 6 = +3.06% over the week, at a share
    # of 0.3 households visiting: the log-odds shift of 0.3 -> 0.3 x 1.0306
    week_uplift = 0.10 * col.event_days / 6.0
    assert col.event_pull == approx(log_odds_shift(week_uplift, 0.3))
    assert _changed(w0.col, col) == {"events_bought", "event_days", "event_pull"}
    assert w.now.spent_council["events"] == 8000.0
    # with no uplift on the day, events buy days but no pull
    pars_none = _pars(council=cp | {"events": 8000.0, "event_uplift": 0.0})
    w1 = _world(pars_none)
    council.step(w1, pars_none, Draws())
    assert w1.col.event_days > 0 and w1.col.event_pull == 0.0


def test_a_centre_pull_raises_footfall_by_about_its_uplift():
    """The shift is exact for residents alike; residents who already visit often respond
    less, so the realised uplift is somewhat smaller (docs/model.md, "Levers")."""
    n = 20_000
    pars = tiny_pars(run={"residents": n, "households": float(n)})

    def footfall(uplift: float, share: float) -> float:
        w = tiny_world(*[unit("local_private", "comparison", rent=400.0)] * 6, pars=pars)
        visits.group_weights(w, pars, Streams(1, WEEK))
        w.col.event_pull = levers.uplift_utils(uplift, share)  # share: those who went
        trips.step(w, pars, Streams(1, WEEK))  # the same draws with and without the pull
        return w.col.footfall

    base = footfall(0.0, 0.5)
    share = base / n
    assert 0.2 < share < 0.8  # a centre some residents visit and some do not
    for uplift in (0.05, 0.27):
        realised = footfall(uplift, share) / base - 1.0
        assert 0.75 * uplift < realised <= 1.0 * uplift


# ------------------------------------------------------------------------------------------
# Public realm: trip choice, every day, persistent and saturating


def test_public_realm_stock_raises_the_centre_pull_by_a_saturating_uplift_and_nothing_else():
    cp = {
        "allocation": 0.0,
        "public_realm_uplift": 0.2,
        "public_realm_scale": 1e6,
        "public_realm_life": 520.0,
    }
    pars0, pars = _pars(council=cp), _pars(council=cp | {"public_realm": 10_000.0})
    w0, w = _world(pars0), _world(pars)
    for x in (w0, w):
        x.col.pr_stock = 990_000.0  # GBP
    council.step(w0, pars0, Draws())
    council.step(w, pars, Draws())
    # the stock depreciates by 1/520 a week and grows by the week's spending
    stock = 990_000.0 * (1 - 1 / 520) + 10_000.0
    assert w.col.pr_stock == approx(stock)
    uplift = 0.2 * (1 - math.exp(-stock / 1e6))
    assert w.col.public_realm_pull == approx(log_odds_shift(uplift, 0.3))
    assert _changed(w0.col, w.col) == {"pr_stock", "public_realm_pull"}
    # diminishing returns: the uplift never exceeds public_realm_uplift
    assert levers.public_realm_uplift(1e12, pars.council) == approx(0.2)


# ------------------------------------------------------------------------------------------
# Marketing (Town Team): trip choice


def _town_team_world(pars, alloc):
    w = _world(pars)
    w.col.tt_alloc = np.array(alloc, dtype=float)
    w.col.tt_balance = 13_000.0  # GBP 1,000 to spend this week
    w.col.tt_effectiveness = 1.0
    return w


def test_marketing_raises_the_centre_pull_by_a_saturating_uplift_and_nothing_else():
    tp = {"enabled": True, "marketing_uplift": 0.05, "marketing_scale": 2000.0}
    pars0 = _pars(town_team=tp | {"marketing_uplift": 0.0})
    pars = _pars(town_team=tp)
    w0 = _town_team_world(pars0, [0, 0, 0, 1.0, 0])  # all on marketing
    w = _town_team_world(pars, [0, 0, 0, 1.0, 0])
    town_team.step(w0, pars0, Draws())
    town_team.step(w, pars, Draws())
    assert w.col.marketing_spend == approx(1000.0)
    uplift = 0.05 * (1 - math.exp(-1000.0 / 2000.0))
    assert w.col.marketing_pull == approx(log_odds_shift(uplift, 0.3))
    assert w0.col.marketing_pull == 0.0
    assert _changed(w0.col, w.col) == {"marketing_pull"}


def test_members_ties_make_the_town_team_effective_only_through_its_parameter():
    def effectiveness(ties_effect):
        pars = _pars(town_team={"resident_members": 2, "effectiveness_ties": ties_effect})
        w = _world(pars)
        w.res.tie_w[:] = 1.0  # members with every tie at full strength
        town_team.allocate(w, pars, vacancy=0.0)
        return w.col.tt_effectiveness

    assert effectiveness(0.0) == 1.0  # the default: no unvalidated coupling
    assert effectiveness(0.5) == approx(1.5)  # 1 + 0.5 x (8 ties x 1.0 / 8)


# ------------------------------------------------------------------------------------------
# Facilitation: brokered proposals (the landlord's acceptance, the sponsor's budget)


def test_facilitation_brokers_proposals_with_diminishing_returns():
    cp = {"allocation": 0.0, "facilitation_cost": 8000.0, "facilitation_max": 0.5}

    def brokered(spend):
        pars = _pars(council=cp | {"facilitation": spend})
        w = _world(pars)
        council.step(w, pars, Draws())
        return w.col.brokered

    assert brokered(0.0) == 0.0
    # the first pounds buy one proposal per GBP 8,000; at most 0.5 a week
    assert brokered(80.0) == approx(80.0 / 8000.0, rel=0.01)
    assert brokered(8000.0) == approx(0.5 * (1 - math.exp(-2.0)))
    assert brokered(1e6) == approx(0.5)


def test_brokered_proposals_are_what_landlords_accept_without_the_meanwhile_lever():
    pars = _pars(landlords={"meanwhile": False})
    w = _world(pars, unit("council", vacant_for=20), unit("council", vacant_for=20), unit())
    sponsored = {"meanwhile": True, "sponsor": "council"}
    set_applications(
        w,
        application(0, "community", 40.0, brokered=True, **sponsored),
        application(1, "community", 40.0, brokered=False, **sponsored),
    )
    landlords.let(w, pars, Draws())
    assert w.units.category.tolist() == [CAT["community"], -1, -1]
    assert w.now.counts["openings_brokered"] == 1


# ------------------------------------------------------------------------------------------
# Start-up support: an entrant's costs, for a limited time


class _Capture(FixedStream):
    """Records the Poisson means asked for (the expected applicants by source)."""

    def poisson(self, lam):
        self.lam = np.asarray(lam, dtype=float)
        return np.zeros(np.shape(lam), np.int64)


def test_startup_support_brings_applicants_with_diminishing_returns():
    cp = {"startup_cost": 2500.0, "startup_max": 0.5}
    pars = _pars(council=cp, entrants={"arrival_rate": 0.0, "popup_rate": 0.0})
    w = _world(pars, unit(vacant_for=5), unit(), unit())
    w.now.ask = np.full(3, 400.0)
    arrivals = _Capture()
    w.col.pool_startup_council, w.col.pool_startup_tt = 1500.0, 1000.0  # GBP this week
    entrants.step(w, pars, Draws(entry=arrivals))
    # GBP 2,500 of support: 0.5 (1 - exp(-2500 / (2500 x 0.5))) applicants a week
    assert arrivals.lam[1] == approx(0.5 * (1 - math.exp(-2.0)))
    assert arrivals.lam[[0, 2, 3]].tolist() == [0.0, 0.0, 0.0]


def test_a_subsidy_lowers_the_entrants_costs_by_its_share_of_the_rent():
    pars = _pars(occupiers={"fixed_scale": 0.0}, council={"startup_subsidy": 0.5})
    w = _world(pars, unit("local_private", vacant_for=5), unit(), unit())
    w.now.ask = np.full(3, 400.0)
    d = np.full(10, 0.5)
    vac = entrants._Vacant(w, pars, np.array([0]))  # what an applicant reads of unit 0
    _, rent, cost, _ = entrants._best_unit(vac, pars, d, CAT["startup"], False, 0.5)
    _, rent0, cost0, _ = entrants._best_unit(vac, pars, d, CAT["startup"], False, 0.0)
    assert rent == rent0 == 400.0
    assert cost0 - cost == approx(0.5 * 400.0)  # half the rent; rates unchanged


@pytest.mark.parametrize("opened_ago, paid", [(51, True), (52, False)])
def test_a_startup_subsidy_lasts_startup_support_weeks(opened_ago, paid):
    pars = _pars(occupiers={"fixed_scale": 0.0}, council={"startup_support_weeks": 52})
    su = {"use": "startup", "rent": 400.0, "subsidy": 0.5, "cash": 10_000.0}
    w = _world(pars, unit("local_private", **su, opened_ago=opened_ago), unit(), unit())
    w.col.pool_startup_council = 1000.0
    landlords.offer_renewals(w, pars, Draws())
    occupiers.step(w, pars, Draws())
    assert w.col.used_startup_council == (200.0 if paid else 0.0)
    assert w.units.subsidy[0] == (0.5 if paid else 0.0)
    # the occupier pays the rest of the rent and its rates (GBP 500) from its cash
    assert w.units.cash[0] == approx(10_000.0 - (200.0 if paid else 400.0) - 500.0)


# ------------------------------------------------------------------------------------------
# Rate relief: an occupier's costs, paid from the centre's account; landlords capture it


SMALL = 10_400.0  # GBP/yr rateable value: full rates 100/week, below the relief threshold


def test_extra_relief_is_paid_from_the_account_and_lowers_the_occupiers_rates():
    cp = {"small_business_relief": 1.0, "allocation": 0.0}
    pars = _pars(council=cp, occupiers={"fixed_scale": 0.0})
    shop = {"use": "services", "rent": 100.0, "cash": 5000.0, "rateable": SMALL}
    w = _world(pars, unit("local_private", **shop), unit("local_private", **shop), unit())
    w.col.council_balance = 60.0  # the account can pay 60 of the 2 x 50 extra relief
    council.step(w, pars, Draws())
    # default relief 50% leaves 50/week to pay; full relief leaves 0: 50 extra per shop
    assert levers.extra_relief(np.array([SMALL]), np.array([CAT["services"]]),
                               pars.council).tolist() == [50.0]  # fmt: skip
    assert w.col.relief_share == approx(0.6)
    landlords.offer_renewals(w, pars, Draws())
    occupiers.step(w, pars, Draws())
    L = w.ledger
    # each shop pays 50 x (1 - 0.6) = 20; the account pays 30 each to the general fund
    assert L.rates_occupiers == approx(40.0)
    assert L.relief_funded == approx(60.0)
    council.close_week(w, pars, Draws())
    assert w.col.council_balance == approx(0.0)
    assert L.council_rates == approx(100.0)  # the general fund gets the default rates
    # the third unit (rateable 52,000, above the threshold) gets no relief at all
    assert weekly_rates(np.array([52_000.0]), np.array([1]), pars.council)[0] == 500.0


def test_landlords_capture_a_relief_in_their_rents_at_the_speed_the_evidence_says():
    lp = {"relief_capture": 0.75, "capture_weeks": 52.0}
    pars = _pars(council={"small_business_relief": 1.0}, landlords=lp)
    w = _world(
        pars,
        unit("local_private", vacant_for=5, rateable=SMALL),
        unit("institutional", "services", rent=300.0, rateable=SMALL, lease_ends_in=0),
        unit("council", vacant_for=5, rateable=SMALL),
    )
    w.col.relief_share = 1.0
    landlords.step(w, pars, Draws())
    # a commercial occupier gets 50/week of extra relief; a step of 1/52 towards 0.75 x 50
    step = 0.75 * 50.0 / 52.0
    assert w.col.relief_premium.tolist() == approx([step] * 3)
    market = 400.0 * w.col.market_index
    local_ask = market * max(0.4, 0.99**5)
    assert w.now.ask[0] == approx(local_ask + step)  # a local owner adds it
    assert w.now.ask[2] == approx(0.9 * market)  # the council does not
    landlords.offer_renewals(w, pars, Draws())
    assert w.now.renewal[1] == approx(max(300.0, market) + step)
    # after 52 weeks the premium is 1 - (1 - 1/52)^52 = 63% of the way
    for _ in range(51):
        landlords.step(w, pars, Draws())
    assert w.col.relief_premium[0] == approx(0.75 * 50.0 * (1 - (1 - 1 / 52) ** 52))


# ------------------------------------------------------------------------------------------
# Meanwhile leases: a landlord's choice; pop-ups and community groups apply on their own


@pytest.mark.parametrize("lever", [False, True])
def test_popups_apply_on_their_own_and_only_landlords_who_accept_meanwhile_uses_let(lever):
    pars = _pars(
        landlords={"meanwhile": lever, "meanwhile_after_weeks": 13, "meanwhile_rent": 0.1},
        entrants={"arrival_rate": 0.0, "popup_rate": 1.0, "popup_community_share": 0.5},
        occupiers={"fixed_scale": 0.0},
    )
    w = _world(
        pars,
        unit("local_private", vacant_for=20, retail_class=False),
        unit("local_private", vacant_for=20, retail_class=False),
        unit("local_private", "services", rent=400.0),
    )
    w.now.ask = np.full(3, 400.0)
    w.col.rev_all = w.col.spend_ref = 30.0  # GBP/m2/week: a pop-up shop expects to trade
    # two pop-up applicants: format draws 0.2 (a community group) and 0.8 (a pop-up shop)
    draws = np.full((2, 9), 0.5)  # 6 draws of its own and 3 units it looks at
    draws[:, 1] = [0.2, 0.8]
    draws[0, 6:], draws[1, 6:] = 0.1, 0.6  # the first looks at unit 0, the second at unit 1
    # no applicants from the other sources; two pop-ups, with their own stream's draws
    popups = FixedStream(draws, counts=2)
    entrants.step(w, pars, Draws(entry=FixedStream(counts=[0, 0, 0, 0]), popups=popups))
    apps = w.now.apps
    assert apps["category"].tolist() == [CAT["community"], CAT["startup"]]
    assert apps["sponsor"].tolist() == [SPONSOR["own_funds"], 0]
    assert apps["meanwhile"].all() and not apps["brokered"].any()
    assert apps["rent"].tolist() == approx([40.0, 40.0])  # 0.1 x the asking rent
    assert apps["cash"][0] > 0  # the group brings its own money
    landlords.let(w, pars, Draws())
    meanwhile = w.units.meanwhile[:2].tolist()
    assert meanwhile == ([True, True] if lever else [False, False])


def test_a_community_group_pays_its_own_way_until_its_money_runs_out():
    pars = _pars(occupiers={"fixed_scale": 0.0})
    group = {"use": "community", "sponsor": "own_funds", "meanwhile": True, "rent": 40.0}
    w = _world(
        pars,
        unit("local_private", **group, cash=200.0),  # rent 40 + rates 100: enough
        unit("local_private", **group, cash=100.0),  # not enough: it closes
        unit(),
    )
    landlords.offer_renewals(w, pars, Draws())
    occupiers.step(w, pars, Draws())
    assert w.units.cash[0] == approx(60.0)
    assert w.units.category.tolist()[:2] == [CAT["community"], -1]
    L = w.ledger
    assert L.rent_sponsors == 0.0 and L.rent_occupiers == approx(40.0)
    assert L.identities()["occupiers"] == approx(0.0)


@pytest.mark.parametrize("draw, converts", [(0.19, True), (0.21, False)])
def test_a_meanwhile_occupier_that_could_afford_a_lease_takes_one_with_its_probability(
    draw, converts
):
    pars = _pars(occupiers={"fixed_scale": 0.0, "meanwhile_conversion": 0.2})
    popup = {"use": "startup", "meanwhile": True, "rent": 40.0, "cash": 20_000.0}
    # rolling revenue 4,000 x margin 0.45 = 1,800 against renewal rent 400 + rates 500
    w = _world(pars, unit("local_private", **popup, revenue=4000.0, lease_ends_in=0), unit())
    landlords.offer_renewals(w, pars, Draws())
    occupiers.step(w, pars, Draws(meanwhile_lease=draw))
    u = w.units
    if converts:
        assert u.category[0] == CAT["startup"] and not u.meanwhile[0] and u.rent[0] == 400.0
    else:
        assert u.category[0] == -1


# ------------------------------------------------------------------------------------------
# The town-centre account and the Town Team's public money


def test_the_account_never_holds_more_than_a_year_of_allocation():
    pars = _pars(council={"allocation": 1000.0})
    w = _world(pars)
    w.col.council_balance = 52_000.0  # a year's allocation already
    council.step(w, pars, Draws())
    council.close_week(w, pars, Draws())
    # nothing spent (no community uses): the week's 1,000 returns to the general fund
    assert w.col.council_balance == 52_000.0
    assert w.ledger.council_returned == approx(1000.0)
    assert w.ledger.identities()["council"] == approx(0.0)


def test_relief_comes_first_and_the_pools_last_when_money_runs_short():
    cp = {
        "allocation": 0.0,
        "small_business_relief": 1.0,
        "town_team_grant": 100.0,
        "public_realm": 100.0,
        "sponsor_budget": 100.0,
    }
    pars = _pars(council=cp, town_team={"enabled": True})
    shop = {"use": "services", "rent": 100.0, "rateable": SMALL}
    w = _world(pars, unit("local_private", **shop), unit(), unit())
    w.col.council_balance = 120.0
    council.step(w, pars, Draws())
    # relief 50 first, then the grant 70 of 100; nothing for public realm or the pool
    assert w.col.relief_share == 1.0
    assert w.now.spent_council["town_team_grant"] == approx(70.0)
    assert w.now.spent_council["public_realm"] == 0.0
    assert w.col.pool_sponsor_council == 0.0


def test_the_town_teams_public_money_is_spent_in_proportion_to_its_fund():
    pars = _pars(town_team={"enabled": True})
    w = _town_team_world(pars, [0.2, 0.2, 0.2, 0.2, 0.2])
    w.col.tt_public = 3250.0  # a quarter of the fund is the council's grant
    town_team.step(w, pars, Draws())
    w.now.spent_council = {"town_team_grant": 500.0}
    town_team.close_week(w, pars, Draws())
    L = w.ledger
    spent = L.tt_spend
    assert L.tt_public_spend == approx(spent / 4)
    assert w.col.tt_public == approx(3250.0 + 500.0 - spent / 4)
    assert L.public_spend == approx(L.council_spend - L.tt_grant + spent / 4)


def test_a_sponsorship_taken_on_under_a_programme_ends_with_it():
    pars = _pars(council={"sponsor_budget": 10_000.0})
    community = {"use": "community", "rent": 40.0}
    w = _world(pars, unit("council", **community), unit("council", **community), unit())
    w.col.programme_sponsored[:] = [True, False, False]
    w.col.pool_sponsor_council = 10_000.0
    w.now.programme = False  # the programme has ended
    landlords.offer_renewals(w, pars, Draws())
    occupiers.step(w, pars, Draws())
    # the programme's use closes; the one the council sponsored before stays
    assert w.units.category.tolist()[:2] == [-1, CAT["community"]]


# ------------------------------------------------------------------------------------------
# Every effect parameter: declared, free, sourced, ranged and swept


def test_every_effect_parameter_is_free_sourced_and_swept_over_its_declared_range():
    from sim import sweep

    idx = spec_index()
    spec = sweep.load_sweep("experiments/sobol_levers.toml")
    assert set(spec.keys) == set(levers.EFFECT_PARAMETERS) | set(levers.SOCIAL_COUPLINGS)
    for key in levers.SOCIAL_COUPLINGS:  # no evidence: swept from 0 to twice the default
        g, n = key.split(".")
        assert tuple(spec.parameters[key]) == (0.0, 2 * idx[g][n].default), key
    for key in levers.EFFECT_PARAMETERS:
        g, n = key.split(".")
        s = idx[g][n]
        assert s.kind == "free" and s.source.strip() and s.source != "assumption", key
        assert s.lo < s.hi and s.lo <= s.default <= s.hi, key
        assert tuple(spec.parameters[key]) == (s.lo, s.hi), key
    # evidence of no effect, or none at all: the range includes zero
    for key in (
        "council.event_uplift",
        "council.public_realm_uplift",
        "town_team.marketing_uplift",
        "town_team.effectiveness_ties",
        "occupiers.meanwhile_conversion",
    ):
        g, n = key.split(".")
        assert idx[g][n].lo == 0.0, key
    assert Params().town_team.effectiveness_ties == 0.0  # EVIDENCE.md s10: default 0
