"""The weekly outcomes of the model's state (MODEL.md, "Outcomes"; the columns of
:mod:`sim.outcomes`).

:func:`measure` reads the world after a week's rules and returns every outcome of
:data:`sim.outcomes.NAMES` as a float. Measures that work on units are plain numpy; those over
residents call :mod:`sim.resident_metrics` (numba kernels). The clustering coefficient is
measured on a sample of residents drawn from the week's ``metrics`` stream.
"""

from __future__ import annotations

import math

import numpy as np

from sim import metrics, resident_metrics
from sim.categories import (
    CAT,
    COMMERCIAL,
    CONVERTED,
    N_CAT,
    N_SHOP_TYPES,
    NEF_TYPES,
    SHOP_TYPE,
    VACANT,
)
from sim.outcomes import NAMES
from sim.params import Params
from sim.state import World
from sim.streams import Streams

#: Residents sampled each week (with replacement) for the clustering coefficient.
CLUSTERING_SAMPLE = 300
#: Shops counted along the main street for the NEF-style survey (NEF 2005: "the first ~50").
SURVEY_SHOPS = 50
#: Weeks empty after which a vacancy is long-term (MODEL.md, "Outcomes": "over a year").
LONG_TERM_WEEKS = 52
#: Weekly counts of the occupier and letting rules, reported as outcomes.
COUNT_OUTCOMES: tuple[str, ...] = (
    "openings",
    "openings_chain",
    "openings_independent",
    "openings_noncommercial",
    "openings_brokered",
    "relet_spell_weeks",
    "closures",
    "closures_chain",
    "closures_independent",
    "closures_noncommercial",
    "conversions",
)
_NAMES = frozenset(NAMES)


def _morans_i(x: np.ndarray, world: World) -> float:
    """Moran's I of ``x`` on the street graph (:func:`sim.metrics.morans_i`, binary weights),
    with the graph's rows prepared once (``world.d.neigh_rows``)."""
    n, links = x.size, world.neigh_indices.size
    z = x - x.sum() / n if n else x
    m2 = float(z @ z)
    if links == 0 or m2 <= metrics.REL_VAR_TOL * float(x @ x) or m2 <= 0.0:
        return 0.0
    return n / links * float(z[world.d.neigh_rows] @ z[world.neigh_indices]) / m2


class AccessCache:
    """Access shares by use, recomputed only when the set of units with the use changes
    (a cache of a deterministic function of the state: dropping it changes no result)."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[bytes, float]] = {}  # the units with the use, the share

    def share(self, world: World, pars: Params, code: int) -> float:
        """Share of residents within ``residents.walk_m`` of a unit of category ``code``."""
        has = world.units.category == code
        key = has.tobytes()
        seen = self._seen.get(code)
        if seen is not None and seen[0] == key:
            return seen[1]
        res, town = world.res, world.town
        val = resident_metrics.access_share(
            res.x, res.y, np.ones(res.n), town.x, town.y, has, pars.residents.walk_m
        )
        self._seen[code] = (key, val)
        return val


def measure(
    world: World, pars: Params, rng: Streams, access: AccessCache, first: bool = False
) -> dict[str, float]:
    """Every outcome of this week (``first``: the initial state, before any week ran)."""
    w, week = world, world.week
    u, res, col, L = w.units, w.res, w.col, w.ledger
    o: dict[str, float] = {}
    o["week"] = float(week)
    o["year"] = float(w.driver_table["year"][0]) + week / 52.0
    o["policy"] = 0.0 if first else float(w.now.programme)
    # vacancy
    n_conv = int(np.count_nonzero(u.category == CONVERTED))
    n = u.n - n_conv  # the commercial stock: vacancy is measured on it (as the LDC does)
    vac = u.category == VACANT
    spell = np.maximum(week - u.vacant_since[vac], 0)
    n_vac = int(vac.sum())
    o["vacancy_rate"] = n_vac / n if n else 0.0
    o["long_term_vacancy_rate"] = (
        float(np.count_nonzero(spell >= LONG_TERM_WEEKS)) / n if n else 0.0
    )
    o["mean_vacancy_spell"] = float(spell.sum()) / n_vac if n_vac else 0.0
    o["vacancy_morans_i"] = _morans_i(vac.astype(np.float64), w)
    occ = u.category >= 0
    cat = u.category[occ]
    o["occupied"] = float(n - n_vac)
    o["vacant"] = float(n_vac)
    o["stock"] = float(n)
    o["converted"] = float(n_conv)
    o["meanwhile_units"] = float(np.count_nonzero(u.meanwhile & occ))
    o["noncommercial_units"] = float(np.count_nonzero(~COMMERCIAL[cat]))
    # trading without a subsidy, a sponsor or a meanwhile licence; the rest are supported
    cat0 = np.maximum(u.category, 0)
    trading = occ & COMMERCIAL[cat0] & ~u.meanwhile & (u.subsidy <= 0.0)
    trading &= u.sponsor == 0
    o["trading_occupied"] = float(np.count_nonzero(trading))
    o["supported_occupied"] = o["occupied"] - o["trading_occupied"]
    o["vacancy_rate_trading"] = 1.0 - o["trading_occupied"] / n if n else 0.0
    o["subsidised_units"] = float(np.count_nonzero(occ & (u.subsidy > 0.0)))
    # diversity
    counts = np.bincount(cat, minlength=N_CAT)
    o.update(metrics.diversity(counts))
    o["richness"] = float(o["richness"])
    shop = occ & SHOP_TYPE[cat0]
    n_chain = int(np.count_nonzero(shop & u.chain))
    n_ind = int(np.count_nonzero(shop)) - n_chain
    o["independent_share"] = n_ind / (n_ind + n_chain) if n_ind + n_chain else 0.0
    o["independents"], o["chains"] = float(n_ind), float(n_chain)
    types = np.count_nonzero(counts[SHOP_TYPE]) * NEF_TYPES / N_SHOP_TYPES
    o["clone_town_index"] = metrics.clone_town_index(types, n_ind, n_chain)
    main = w.d.main_order
    first50 = main[shop[main]][:SURVEY_SHOPS]  # the first shops along the main street (NEF)
    fc = int(np.count_nonzero(u.chain[first50]))
    ft = np.count_nonzero(np.bincount(u.category[first50])) * NEF_TYPES / N_SHOP_TYPES
    o["clone_town_index_survey"] = metrics.clone_town_index(ft, first50.size - fc, fc)
    # social capital
    k = min(res.n, CLUSTERING_SAMPLE)
    sample = rng["metrics"].integers(0, max(res.n, 1), size=k)  # with replacement
    ties = resident_metrics.tie_summary(res.tie_id, res.tie_w, res.zone, sample)
    o.update(ties)
    o["mean_engagement"] = float(res.engagement.sum()) / res.n if res.n else 0.0
    o["participation"] = float(np.count_nonzero(res.participated)) / res.n if res.n else 0.0
    o["volunteer_hours"] = col.volunteer_supply
    # economy
    o["footfall"] = 0.0 if first else col.footfall  # this week's centre trips (sim.rules.trips)
    o["visits"] = float(u.visits.sum())
    o["centre_share"], o["park_share"], o["online_share"] = metrics.spend_shares(
        L.revenue, L.park, L.online
    )
    o["online_driver"] = float(w.driver_table["online"][0]) if first else w.now.online
    o["spend"] = L.spend
    o["revenue"] = L.revenue
    for key in COUNT_OUTCOMES:
        o[key] = float(w.now.counts.get(key, 0))
    area = float(u.floorspace[occ].sum())  # m2
    o["mean_rent"] = float(u.rent[occ].sum()) * 52.0 / area if area > 0 else 0.0  # GBP/m2/yr
    o["market_rent_index"] = col.market_index
    o["landlord_income"] = L.landlord_income
    o["rates_income"] = L.council_rates
    o["council_net"] = L.council_income - L.council_spend
    o["public_spend"] = L.public_spend
    o["relief_cost"] = L.relief_funded
    o["council_returned"] = L.council_returned
    o["event_days"] = col.event_days
    o["council_balance"] = col.council_balance
    o["town_team_fund"] = col.tt_balance
    o["town_team_spend"] = L.tt_spend
    # access
    o["grocery_access"] = access.share(w, pars, CAT["convenience"])
    o["health_access"] = access.share(w, pars, CAT["health"])
    o["identity_residual"] = 0.0 if first else L.max_residual()
    if not all(map(math.isfinite, o.values())):  # pragma: no cover - a bug, never an input
        bad = [key for key, v in o.items() if not math.isfinite(v)]
        raise FloatingPointError(f"non-finite outcomes in week {week}: {bad}")
    assert o.keys() == _NAMES, "measure() gives every outcome of sim.outcomes.TABLE"
    # what next week's rules read of this week's outcomes
    col.vacancy = o["vacancy_rate"]
    col.isolated = o["isolated_share"]
    col.access_grocery, col.access_health = o["grocery_access"], o["health_access"]
    return {k: o[k] for k in NAMES}
