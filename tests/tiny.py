"""Tiny worlds for hand-computed tests of the unit-level rules (tests/test_unit_rules.py).

A tiny world is a handful of units in a row on one street, each 100 m2 at an average pitch
(location factor 1) with a rateable value of GBP 52,000 a year, owned by its own landlord, and
five residents. With the parameters of :func:`tiny_pars` (:data:`PINNED`) the arithmetic
is short:

* market rent = base rent 4 GBP/m2/week x 100 m2 x location 1 x index 1 = **GBP 400/week**;
* full business rates = 52,000 / 52 x multiplier 0.5 = **GBP 500/week** (above the GBP 12,000
  small-business threshold: no small-business relief).

A test states each unit with :func:`unit` and the draws its rules get with :class:`Draws`;
everything not stated is a plain default (no subsidy, no sponsor pool, lease not ending, the
occupier opened 100 weeks ago, nothing traded this week).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.categories import CAT, COMMERCIAL, OWNER, RETAIL_USE, SPONSOR
from sim.params import Params
from sim.state import Week, World, init_world
from sim.streams import stream
from sim.town import Town, build_adjacency

FLOOR_M2 = 100.0  # m2, every unit
RATEABLE = 52_000.0  # GBP/yr, every unit unless stated
MARKET = 400.0  # GBP/week, market rent at index 1 with the default base rent
WEEK = 200  # the week a tiny world is in (not the start of a Town Team quarter)
RESIDENTS = 5

_DRIVER_KEYS = (
    "year",
    "online",
    "spend_mult",
    "trip_penalty",
    "chain_expansion",
    "closed",
    "rates_relief",
    "revaluation",
    "conversion_max_m2",
    "use_class_e",
)


#: Parameters every tiny world runs with, pinned here (they equal today's defaults, except
#: ``chain_threshold``) so that a change of default does not silently change a hand-computed
#: expectation. A test overrides what its rule is about.
PINNED: dict[str, dict[str, Any]] = {
    "run": {"residents": RESIDENTS, "burn_in_weeks": 52},
    "landlords": {
        "base_rent": 4.0,  # GBP/m2/week
        "rent_floor": 0.8,  # x anchor
        "chain_preference": 0.8,
        "patience_weeks": 78,
        "local_rent_cut": 0.01,  # per week empty
        "local_min_rent": 0.4,  # x market
        "council_rent": 0.9,  # x market
        "community_rent": 0.5,  # x market
        "meanwhile": False,
        "meanwhile_after_weeks": 13,
        "meanwhile_rent": 0.1,  # x asking rent
    },
    "council": {
        "rates_multiplier": 0.5,
        "small_business_relief": 0.5,
        "sbr_threshold": 12_000.0,  # GBP/yr
        "community_relief": 0.8,
        "empty_rates": 1.0,  # x full rates
        "empty_grace_weeks": 13,
    },
    "occupiers": {
        "fixed_scale": 1.0,
        "reserve_weeks": 10.0,
        "reserve_cap_weeks": 26.0,
        "chain_threshold": -0.2,  # rolling profit / costs
        "margin_memory": 0.05,
        "min_age_weeks": 26,
        "lease_chain_weeks": 520,
        "lease_indep_weeks": 156,
        "lease_meanwhile_weeks": 26,
        "volunteer_hours_need": 30.0,
    },
    "entrants": {"hurdle": 0.05, "optimism_sd": 0.3, "learning_share": 0.5},
    "town_team": {"brokerage_share": 0.5, "recruit_share": 0.5},
}


def tiny_pars(**groups: dict[str, Any]) -> Params:
    """The :data:`PINNED` parameters (defaults for the rest) with ``group={name: value}``
    overrides, e.g. ``tiny_pars(landlords={"patience_weeks": 10})``."""
    over = {g: dict(vals) for g, vals in PINNED.items()}
    for g, vals in groups.items():
        over.setdefault(g, {}).update(vals)
    return Params().replace(over)


def unit(
    owner: str = "institutional",
    use: str | None = None,
    *,
    chain: bool = False,
    rent: float = 0.0,
    cash: float = 0.0,
    revenue: float = 0.0,
    rev_avg: float | None = None,
    margin: float = 0.0,
    subsidy: float = 0.0,
    sponsor: str | None = None,
    meanwhile: bool = False,
    lease_ends_in: int = 100,
    opened_ago: int = 100,
    vacant_for: int = 0,
    anchor: float | None = None,
    rateable: float = RATEABLE,
    retail_class: bool | None = None,
) -> dict[str, Any]:
    """One unit of a tiny world: its owner kind (``sim.categories.OWNER_TYPES``) and, if
    occupied, its use (``sim.categories.CATEGORIES``) and occupier; ``None`` use = vacant.

    ``rent`` (GBP/week), ``cash`` (GBP), ``revenue`` (GBP this week), ``rev_avg`` (GBP/week
    rolling revenue; default: this week's revenue), ``margin`` (rolling profit/costs),
    ``subsidy`` (share of rent), ``sponsor`` (``"council"`` or ``"town_team"``; default:
    council for non-commercial uses), ``lease_ends_in`` and ``opened_ago`` (weeks from now),
    ``vacant_for`` (weeks, vacant units), ``anchor`` (GBP/week valuation anchor; default: the
    rent, or the market rent of a vacant unit), ``rateable`` (GBP/yr), ``retail_class``
    (default: a retail use, or vacant, as at initialisation).
    """
    return dict(locals())


def tiny_world(*units: dict[str, Any], pars: Params | None = None, week: int = WEEK) -> World:
    """A world of the given :func:`unit` s in week ``week``, built by :func:`init_world` and
    then set by hand. The collective starts at its defaults (market index 1, every pool and
    balance 0) and ``world.now`` is a fresh :class:`Week` with no online share."""
    pars = pars or tiny_pars()
    n = len(units)
    cat = np.array([CAT[s["use"]] if s["use"] else -1 for s in units], np.int8)
    x = np.arange(n) * 10.0  # m, units in a row 10 m apart
    street = np.zeros(n, np.int32)
    indptr, indices = build_adjacency(x, np.zeros(n), street)
    town = Town(
        name="tiny",
        unit_id=np.arange(n) + 1,
        x=x,
        y=np.zeros(n),
        floorspace=np.full(n, FLOOR_M2),
        street=street,
        street_names=("High Street",),
        initial_use=cat,
        initial_chain=np.array([s["chain"] for s in units]),
        owner_type=np.array([OWNER[s["owner"]] for s in units]),
        landlord=np.arange(n),
        adj_indptr=indptr,
        adj_indices=indices,
        main_street=0,
        source="generated:tiny",
    )
    drivers = {k: np.array([1.0 if k in ("spend_mult", "chain_expansion") else 0.0])
               for k in _DRIVER_KEYS}  # fmt: skip
    w = init_world(town, pars, drivers, stream(0, "init_residents"), stream(0, "init_occupiers"))
    u = w.units
    occ = cat >= 0

    def given(key: str) -> np.ndarray:
        return np.array([s[key] for s in units], dtype=np.float64)

    u.category[:] = cat
    u.chain[:] = [s["chain"] for s in units]
    u.meanwhile[:] = [s["meanwhile"] for s in units]
    u.sponsor[:] = [
        SPONSOR[s["sponsor"]] if s["sponsor"]
        else SPONSOR["council"] if s["use"] and not COMMERCIAL[CAT[s["use"]]]
        else 0
        for s in units
    ]  # fmt: skip
    u.cash[:] = given("cash")
    u.rent[:] = given("rent")
    u.subsidy[:] = given("subsidy")
    u.lease_end[:] = [week + s["lease_ends_in"] for s in units]
    u.opened[:] = [week - s["opened_ago"] for s in units]
    u.vacant_since[:] = np.where(occ, 0, [week - s["vacant_for"] for s in units])
    u.revenue[:] = given("revenue")
    u.visits[:] = 0.0
    u.margin[:] = given("margin")
    u.rev_avg[:] = [s["revenue"] if s["rev_avg"] is None else s["rev_avg"] for s in units]
    u.rent_paid[:] = 0.0
    u.rateable[:] = given("rateable")
    u.anchor[:] = [
        s["anchor"] if s["anchor"] is not None else s["rent"] if s["use"] else MARKET for s in units
    ]
    u.asking[:] = 0.0
    u.retail_class[:] = [
        s["retail_class"]
        if s["retail_class"] is not None
        else s["use"] is None or bool(RETAIL_USE[CAT[s["use"]]])
        for s in units
    ]
    u.loc[:] = 1.0
    u.quality[:] = 0.0
    w.week = week
    w.now = Week(week=week)
    w.ledger.reset()
    return w


class FixedStream:
    """Stands in for one named random generator: every uniform draw comes from ``values``
    (a number, or an array broadcast to the shape asked for), and Poisson counts are
    ``counts`` (zeros if not given)."""

    def __init__(self, values: Any = 0.5, counts: Any = None) -> None:
        self.values, self.counts = np.asarray(values, np.float64), counts

    def random(self, size: Any = None) -> Any:
        if size is None:
            return float(self.values)
        return np.broadcast_to(self.values, size).copy()

    def poisson(self, lam: Any) -> np.ndarray:
        if self.counts is None:
            return np.zeros(np.shape(lam), np.int64)
        return np.asarray(self.counts, np.int64)


class Draws:
    """Stands in for a week's :class:`sim.streams.Streams`: ``Draws(letting=[0.5, 0.9])``
    gives the letting decision those uniform draws; any stream not named draws 0.5 (so no
    independent leaves for personal reasons) and no Poisson arrivals."""

    def __init__(self, **streams: Any) -> None:
        self.streams = {
            k: v if isinstance(v, FixedStream) else FixedStream(v) for k, v in streams.items()
        }

    def __getitem__(self, name: str) -> FixedStream:
        return self.streams.get(name, FixedStream())


_APP_FIELDS = {
    "unit": np.int64,
    "category": np.int64,
    "chain": np.bool_,
    "meanwhile": np.bool_,
    "brokered": np.bool_,
    "sponsor": np.int64,
    "subsidy": np.float64,
    "rent": np.float64,
    "cash": np.float64,
    "quality": np.float64,
}


def application(
    unit: int,
    use: str,
    rent: float,
    *,
    chain: bool = False,
    meanwhile: bool = False,
    brokered: bool = False,
    sponsor: str | None = None,
    subsidy: float = 0.0,
    cash: float = 0.0,
) -> dict[str, Any]:
    """One application to let ``unit`` for ``use`` at ``rent`` (GBP/week offered)."""
    return {
        "unit": unit,
        "category": CAT[use],
        "chain": chain,
        "meanwhile": meanwhile,
        "brokered": brokered,
        "sponsor": SPONSOR[sponsor] if sponsor else 0,
        "subsidy": subsidy,
        "rent": rent,
        "cash": cash,
        "quality": 0.0,
    }


def set_applications(world: World, *apps: dict[str, Any]) -> None:
    """Put this week's applications (:func:`application`) where the letting rule reads them."""
    world.now.apps = {k: np.array([a[k] for a in apps], dtype=t) for k, t in _APP_FIELDS.items()}
