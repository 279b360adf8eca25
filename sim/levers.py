"""What policy money buys: the shared arithmetic of the levers (issue 14).

The council's and the Town Team's rules (:mod:`sim.rules.council`,
:mod:`sim.rules.town_team`) spend money; the functions here turn spending into the effect on
the one decision each lever changes, with the effect parameters declared in
:mod:`sim.params` (each with its source and range, docs/model.md "Levers"):

* events and markets, public realm and marketing change residents' *trip choice*: each is a
  footfall uplift (a share, from the evidence) that :func:`uplift_utils` turns into the
  shift of the centre's trip utility that raises the share of households visiting by that
  factor; events act only on event days (:func:`event_days`), so a week's uplift is the
  day's uplift times the event days' share of the week's trading days;
* rate reliefs beyond the market default lower an occupier's (and an entrant's) *costs*, and
  are paid for from the centre's account (:func:`extra_relief`, :func:`rates_due`);
* facilitation (brokered proposals) and start-up support (supported applicants) bring
  applicants at a cost per applicant with diminishing returns (:func:`saturating`).

Nothing here draws random numbers or changes the state except :func:`set_centre_pulls`.
"""

from __future__ import annotations

import math
from operator import attrgetter

import numpy as np

from sim.categories import CAT
from sim.params import CouncilPars, Params
from sim.state import World, weekly_rates

#: Every parameter that sets the size of a lever's effect (each a free parameter with its
#: source and range in :mod:`sim.params`; docs/model.md "Levers"). The sensitivity sweep
#: ``experiments/sobol_levers.toml`` varies each over its declared range.
EFFECT_PARAMETERS: tuple[str, ...] = (
    "council.event_uplift",
    "council.event_cost",
    "council.trading_days",
    "council.public_realm_uplift",
    "council.public_realm_scale",
    "council.public_realm_life",
    "council.facilitation_cost",
    "council.facilitation_max",
    "council.startup_cost",
    "council.startup_max",
    "landlords.relief_capture",
    "landlords.capture_weeks",
    "entrants.popup_rate",
    "entrants.popup_community_share",
    "occupiers.meanwhile_conversion",
    "town_team.effectiveness_base",
    "town_team.effectiveness_ties",
    "town_team.marketing_uplift",
    "town_team.marketing_scale",
    "town_team.recruit_cost",
)
#: The couplings from social capital to trade (friends' pull on trips and on venues): no
#: quantitative evidence (EVIDENCE.md section 10), so ``experiments/sobol_levers.toml`` sweeps
#: them from 0 beside the effect parameters (up to twice their defaults).
SOCIAL_COUPLINGS: tuple[str, ...] = ("residents.beta_friends", "residents.beta_friend_venue")
#: The market setting's rate levers (multiplier, reliefs, threshold): the reference of the
#: extra relief a scenario pays for.
DEFAULT_COUNCIL = CouncilPars()
#: The council parameters :func:`sim.state.weekly_rates` reads, and their market settings.
_RATE_LEVERS = attrgetter(
    "rates_multiplier", "small_business_relief", "sbr_threshold", "community_relief"
)
_MARKET_RATES = _RATE_LEVERS(DEFAULT_COUNCIL)
#: A commercial use with no charity or community relief: whose rates a landlord's relief
#: premium follows (:func:`commercial_extra_relief`).
_COMMERCIAL_REFERENCE = CAT["comparison"]


def uplift_utils(uplift: float, share: float) -> float:
    """Utils added to the centre's trip utility to raise the share of households visiting it
    from ``share`` to ``share x (1 + uplift)``: the change in the log-odds.

    For a small share this is ln(1 + uplift); a share near 1 cannot rise by much, and the
    target share is capped at 0.999.

    Args:
        uplift: Footfall uplift (share; negative lowers footfall).
        share: Share of households visiting the centre last week, in [0, 1].

    Returns:
        The shift in utils (0 for no uplift).
    """
    if uplift == 0.0:
        return 0.0
    p = min(max(share, 1e-9), 0.99)
    q = min(max(p * (1.0 + uplift), 1e-12), 0.999)
    return math.log(q / (1.0 - q)) - math.log(p / (1.0 - p))


def event_days(events: float, trading_days: float) -> float:
    """Expected days a week with at least one event when ``events`` events (market or event
    days) fall on random trading days: D (1 - (1 - 1/D)^n). Two events on the same day add
    nothing: the diminishing return of buying more events (at most D days)."""
    if events <= 0.0:
        return 0.0
    d = max(trading_days, 1.0)
    return d * (1.0 - (1.0 - 1.0 / d) ** events)


def saturating(spend: float, unit_cost: float, most: float) -> float:
    """What ``spend`` buys with diminishing returns: ``most (1 - exp(-spend / (unit_cost
    most)))``: the first pounds buy one unit per ``unit_cost``, and no spending buys more
    than ``most``."""
    if spend <= 0.0 or most <= 0.0:
        return 0.0
    return most * (1.0 - math.exp(-spend / (unit_cost * most)))


def public_realm_uplift(stock: float, cp: CouncilPars) -> float:
    """Footfall uplift of a public-realm stock (GBP): ``public_realm_uplift (1 -
    exp(-stock / public_realm_scale))``, a persistent step that saturates."""
    return cp.public_realm_uplift * (1.0 - math.exp(-max(stock, 0.0) / cp.public_realm_scale))


def set_centre_pulls(world: World, pars: Params) -> None:
    """This week's lever terms of the centre's trip utility (utils), from what the council
    and the Town Team bought: ``col.event_days``, ``col.event_pull``,
    ``col.public_realm_pull`` and ``col.marketing_pull`` (:mod:`sim.rules.trips` adds them).

    The share of households visiting is last week's footfall over the households.
    """
    col, cp, tp = world.col, pars.council, pars.town_team
    share = col.footfall / pars.run.households if pars.run.households > 0 else 0.0
    col.event_days = event_days(col.events_bought, cp.trading_days)
    day_share = col.event_days / max(cp.trading_days, 1.0)
    col.event_pull = uplift_utils(cp.event_uplift * day_share, share)
    col.public_realm_pull = uplift_utils(public_realm_uplift(col.pr_stock, cp), share)
    marketing = tp.marketing_uplift * (1.0 - math.exp(-col.marketing_spend / tp.marketing_scale))
    col.marketing_pull = uplift_utils(marketing, share)


def extra_relief(
    rateable: np.ndarray, category: np.ndarray, cp: CouncilPars, national: float = 0.0
) -> np.ndarray:
    """Rates relief beyond the market setting's (GBP/week per unit): the rates an occupier
    of ``category`` would pay under the default rate levers less what it pays under ``cp``,
    both with the drivers' national relief of the time ``national`` (never negative: a
    scenario that charges more than the default pays nothing in)."""
    if market_rates(cp):
        return np.zeros(np.shape(rateable))  # the market setting's rates: nothing extra
    default = weekly_rates(rateable, category, DEFAULT_COUNCIL, national)
    return np.maximum(default - weekly_rates(rateable, category, cp, national), 0.0)


def market_rates(cp: CouncilPars) -> bool:
    """Whether ``cp``'s rate levers are the market setting's (no extra relief to pay)."""
    return _RATE_LEVERS(cp) == _MARKET_RATES


def commercial_extra_relief(
    rateable: np.ndarray, cp: CouncilPars, national: float = 0.0
) -> np.ndarray:
    """:func:`extra_relief` of a commercial occupier (no charity or community relief) of
    each unit (GBP/week): what a landlord's rent can capture."""
    cats = np.full(np.shape(rateable), _COMMERCIAL_REFERENCE)
    return extra_relief(rateable, cats, cp, national)


def rates_due(
    rateable: np.ndarray,
    category: np.ndarray,
    cp: CouncilPars,
    relief_paid: float,
    national: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Business rates an occupier pays (GBP/week) and the relief paid for it from the
    centre's account (GBP/week), when the account pays a share ``relief_paid`` of the extra
    relief this week (:mod:`sim.rules.council`): rates = rates under ``cp`` (with the
    drivers' national relief ``national``, paid by central government) + (1 - relief_paid) x
    extra relief."""
    rates = weekly_rates(rateable, category, cp, national)
    if market_rates(cp):  # no extra relief
        return rates, np.zeros(rates.shape)
    extra = extra_relief(rateable, category, cp, national)
    return rates + (1.0 - relief_paid) * extra, relief_paid * extra
