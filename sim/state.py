"""Struct-of-arrays state of one run: residents, units (with their occupiers), landlords,
the council and the Town Team (MODEL.md, "Architecture that keeps it fast and readable").

Agent objects in :mod:`sim.agents` are thin views over rows of these arrays; the rules in
:mod:`sim.rules` read and write them. Nothing here draws random numbers except
:func:`init_world`, which uses the named initialisation streams it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.categories import (
    ATTRACT,
    CAT,
    CHAINABLE,
    COMMERCIAL,
    FIXED_PER_M2,
    N_CAT,
    OWNER,
    RETAIL_USE,
    VACANT,
)
from sim.ledger import Ledger
from sim.params import CouncilPars, Params
from sim.town import REFERENCE_HOUSEHOLDS, Town

N_INCOME = 3  # income bands: low, middle, high
#: Town Team budget heads, in the order of its allocation vector.
HEADS = ("events", "meanwhile", "startup", "marketing", "public_realm")
N_HEADS = len(HEADS)


@dataclass
class Residents:
    """Resident (household) arrays, one row per simulated resident."""

    zone: np.ndarray  # int32 catchment zone
    sector: np.ndarray  # int32 catchment sector (arrival side of the centre)
    x: np.ndarray  # float64 m, home position relative to the town centre
    y: np.ndarray  # float64 m
    dist_km: np.ndarray  # float64 km, home to the centre
    park_km: np.ndarray  # float64 km, home to the retail park
    income: np.ndarray  # int8 income band
    budget: np.ndarray  # float64 GBP/week discretionary budget
    online_prop: np.ndarray  # float64 utils per unit online share, own online propensity
    taste: np.ndarray  # int32 taste class
    engagement: np.ndarray  # float64 in [0, 1]
    choice: np.ndarray  # int8 this week's trip: 0 none, 1 centre, 2 park, 3 online
    went: np.ndarray  # bool, went to the centre last week
    venues: np.ndarray  # int32 (R, K) units visited this week (-1 none)
    venues_prev: np.ndarray  # int32 (R, K) units visited last week
    participated: np.ndarray  # bool, took part (consultation or non-commercial use) this week
    tie_id: np.ndarray  # int32 (R, C) partner ids, -1 empty
    tie_w: np.ndarray  # float32 (R, C) strengths in (0, 1]

    @property
    def n(self) -> int:
        return int(self.zone.shape[0])


@dataclass
class Units:
    """Unit (premises) arrays; the occupier of a unit is described by the same row."""

    category: np.ndarray  # int8 use category, VACANT (-1) if empty
    chain: np.ndarray  # bool, occupier is a chain branch
    meanwhile: np.ndarray  # bool, occupier is on a meanwhile lease
    sponsor: np.ndarray  # int8 sponsor kind (SPONSORS), 0 for commercial
    cash: np.ndarray  # float64 GBP, occupier's reserve (chains: branch account)
    rent: np.ndarray  # float64 GBP/week contracted rent (0 if vacant)
    subsidy: np.ndarray  # float64 share of rent paid by start-up support
    lease_end: np.ndarray  # int32 week the lease ends
    opened: np.ndarray  # int32 week the occupier opened
    vacant_since: np.ndarray  # int32 week the current vacancy began (valid if vacant)
    revenue: np.ndarray  # float64 GBP this week
    visits: np.ndarray  # float64 visits this week (households)
    margin: np.ndarray  # float64 rolling profit / costs (EWMA)
    rev_avg: np.ndarray  # float64 GBP/week rolling revenue (EWMA)
    rent_paid: np.ndarray  # float64 GBP this week, by any payer
    rateable: np.ndarray  # float64 GBP/yr rateable value
    anchor: np.ndarray  # float64 GBP/week valuation anchor (last contracted or initial rent)
    asking: np.ndarray  # float64 GBP/week asking rent (vacant units)
    owner_type: np.ndarray  # int8 (OWNER_TYPES)
    landlord: np.ndarray  # int32 landlord index
    retail_class: np.ndarray  # bool, planning use class is retail
    loc: np.ndarray  # float64 location factor of market rent (the pitch)
    quality: np.ndarray  # float64 utils, the occupier's own pull on visitors (unknown at entry)
    floorspace: np.ndarray  # float64 m2

    @property
    def n(self) -> int:
        return int(self.category.shape[0])

    @property
    def occupied(self) -> np.ndarray:
        return self.category != VACANT


@dataclass
class Collective:
    """Scalar state of the council, the Town Team and the market."""

    council_balance: float = 0.0  # GBP
    pr_stock: float = 0.0  # GBP public-realm stock
    tt_balance: float = 0.0  # GBP Town Team fund
    tt_alloc: np.ndarray = field(default_factory=lambda: np.zeros(N_HEADS))  # shares of budget
    tt_effectiveness: float = 0.0  # x
    tt_members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    market_index: float = 1.0  # market rent index (1 = initial)
    spend_ref: float = 0.0  # GBP/m2/week commercial revenue per m2 at the start (0: not set)
    demand_ref: float = 0.0  # GBP/week centre spend per m2 of all floorspace at week 0
    attract_ref: float = 1.0  # centre attractiveness at the start of the run
    park_keep_ref: float = 1.0  # the park's trade not bought online at the start
    rev_cat: np.ndarray = field(default_factory=lambda: np.zeros(N_CAT))  # GBP/m2/week EWMA
    rev_all: float = 0.0  # GBP/m2/week EWMA over commercial units
    volunteer_supply: float = 0.0  # hours/week
    access_grocery: float = 0.0
    access_health: float = 0.0
    isolated: float = 1.0
    vacancy: float = 0.0  # last week's vacancy rate
    footfall_trend: float = 0.0
    # this week's pools and effects (set by council and Town Team, used by other rules)
    pool_sponsor_council: float = 0.0  # GBP available to sponsor non-commercial uses
    pool_sponsor_tt: float = 0.0
    pool_startup_council: float = 0.0  # GBP available for start-up rent subsidies
    pool_startup_tt: float = 0.0
    used_sponsor_council: float = 0.0  # GBP actually used this week
    used_sponsor_tt: float = 0.0
    used_startup_council: float = 0.0
    used_startup_tt: float = 0.0
    commit_council: float = 0.0  # GBP/week last week's sponsored costs (for new proposals)
    commit_tt: float = 0.0
    events_bought: float = 0.0  # market or event days bought this week (council and Town Team)
    marketing_spend: float = 0.0  # GBP/week the Town Team spends on marketing (x effectiveness)
    brokered: float = 0.0  # expected brokered proposals this week
    recruit: float = 0.0  # expected recruited applicants this week
    volunteer_used: float = 0.0  # hours/week committed to voluntary uses
    landlord_income: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GBP per landlord
    footfall: float = 0.0  # households visiting the centre this week
    footfall_fast: float = 0.0  # households/week, traders' short memory of footfall (EWMA)
    footfall_slow: float = 0.0  # households/week, their long memory (EWMA)
    online_constant: float = 0.0  # utils, this week's calibrated online constant
    # levers (sim.levers): this week's lever terms of the centre's trip utility, the relief
    # paid from the centre's account, the Town Team's public money, landlords' relief premium
    event_days: float = 0.0  # days/week with an event or market
    event_pull: float = 0.0  # utils on centre trips from events and markets
    public_realm_pull: float = 0.0  # utils on centre trips from the public-realm stock
    marketing_pull: float = 0.0  # utils on centre trips from the Town Team's marketing
    relief_share: float = 1.0  # share of this week's extra rates relief the account pays
    tt_public: float = 0.0  # GBP of the Town Team's fund that is public money (its grant)
    relief_premium: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GBP/week per unit
    # per unit: the occupier's sponsorship was taken on under a programme (ends with it)
    programme_sponsored: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))


@dataclass
class Week:
    """What one week's rules hand to the next ones (not state: rebuilt every week).

    Drivers: ``online`` (share of retail spend online, the driver's path), ``spend_mult`` (x
    budgets), ``trip_penalty`` (utils off physical trips), ``chain_expansion`` (x chain entry),
    the categories a lockdown closes, the rates relief share, a revaluation, the planning rules
    for conversions and use class E; ``online_cat``: the share of each category's spending that
    goes online this week. Then the venue weights of the week's visit groups,
    the friend pulls, the landlords' renewal and asking rents, the applications, the lever
    spending and the rules' counts.
    """

    week: int = 0
    online: float = 0.0
    spend_mult: float = 1.0
    trip_penalty: float = 0.0
    chain_expansion: float = 1.0
    lockdown: np.ndarray = field(default_factory=lambda: np.zeros(N_CAT, np.bool_))  # closed
    rates_relief: float = 0.0  # share of occupied commercial units' rates relieved (driver)
    revaluation: bool = False  # a business-rates revaluation this week
    conversion_max_m2: float = 0.0  # largest unit planning lets convert to homes (0: none)
    use_class_e: bool = False  # change among class E uses needs no permission
    online_cat: np.ndarray = field(default_factory=lambda: np.zeros(N_CAT))  # share online
    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (groups, units)
    spend_w: np.ndarray = field(default_factory=lambda: np.zeros(0))  # spend weight per unit
    online_w: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bought online instead
    pull: np.ndarray = field(default_factory=lambda: np.zeros(0))  # friend pull per resident
    renewal: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GBP/week offered
    ask: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GBP/week asking rents
    apps: dict[str, np.ndarray] = field(default_factory=dict)  # this week's applications
    spent_council: dict[str, float] = field(default_factory=dict)  # GBP by lever
    spent_tt: dict[str, float] = field(default_factory=dict)  # GBP by head
    counts: dict[str, int] = field(default_factory=dict)  # openings, closures, ...
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # units closed
    opened: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # units let
    programme: bool = False  # the scenario's levers apply this week (sim.model.TownModel.pars_at)


@dataclass
class Derived:
    """Arrays derived once from the state (at initialisation and when a checkpoint is
    restored), never changed during a run."""

    log_dc: np.ndarray  # ln(km to the centre + 0.1) per resident
    log_dp: np.ndarray  # ln(km to the retail park + 0.1) per resident
    group: np.ndarray  # int64 visit group per resident: sector * n_taste + taste class
    log_walk: np.ndarray  # (n_sectors, n_units) ln(m from each arrival point)
    log_floorspace: np.ndarray  # ln(m2) per unit
    neigh_rows: np.ndarray  # int64, the unit of each entry of neigh_indices (CSR rows)
    degree: np.ndarray  # float64, street neighbours per unit
    floorspace_pow: np.ndarray  # floorspace ** huff_a per unit
    main_order: np.ndarray  # units along the main street (NEF-style survey)


def derive(world: World, pars: Params) -> Derived:
    """The :class:`Derived` arrays of ``world``."""
    res = world.res
    return Derived(
        log_dc=np.log(res.dist_km + 0.1),
        log_dp=np.log(res.park_km + 0.1),
        group=(res.sector.astype(np.int64) * world.pref.shape[0] + res.taste),
        log_walk=np.log(np.maximum(world.walk_from, 1.0)),
        log_floorspace=np.log(world.units.floorspace),
        neigh_rows=np.repeat(np.arange(world.units.n), np.diff(world.neigh_indptr)),
        degree=np.diff(world.neigh_indptr).astype(np.float64),
        floorspace_pow=world.units.floorspace ** float(pars.residents.huff_a),
        main_order=world.town.main_street_order(),
    )


@dataclass
class World:
    """Everything that changes during a run."""

    town: Town
    res: Residents
    units: Units
    col: Collective
    ledger: Ledger
    weight: float  # households represented by one simulated resident
    market_scale: float  # the town's households / the calibrated reference town's (30,000)
    pref: np.ndarray  # float64 (n_taste, N_CAT) category preferences
    indep_taste: np.ndarray  # float64 (n_taste,) taste for independents
    arrival: np.ndarray  # int32 (n_sectors,) unit nearest each sector's arrival point
    walk_from: np.ndarray  # float64 (n_sectors, n_units) metres from arrival point to unit
    neigh_indptr: np.ndarray  # int64 CSR adjacency
    neigh_indices: np.ndarray  # int32
    n_landlords: int
    driver_table: dict[str, np.ndarray]  # weekly driver values (sim.scenarios.Drivers.weekly)
    week: int = 0
    now: Week = field(default_factory=Week)
    derived: Derived | None = None

    @property
    def d(self) -> Derived:
        """The derived arrays (built by :func:`init_world`)."""
        assert self.derived is not None
        return self.derived


def centre_attractiveness(
    units: Units,
    floorspace_pow: np.ndarray,
    online_cat: np.ndarray | None = None,
    closed: np.ndarray | None = None,
) -> float:
    """Centre attractiveness A: the sum over open occupied units of the category's
    attractiveness per m2 x floorspace^a (Huff's A_j, DATA.md), ``floorspace_pow`` =
    floorspace ** a; with ``online_cat`` (each category's share bought online), a unit's pull
    on trips counts only the part of its trade not bought online; units of ``closed``
    categories (a lockdown) do not count."""
    keep = np.ones(ATTRACT.size) if online_cat is None else 1.0 - online_cat  # per category
    if closed is not None:
        keep = np.where(closed, 0.0, keep)
    occ = units.category >= 0
    return float(np.sum((ATTRACT * keep)[units.category[occ]] * floorspace_pow[occ]))


def park_trade_kept(pars: Params, online: float) -> float:
    """The share of the retail park's trade not bought online, at online share ``online``."""
    return max(1.0 - pars.residents.online_park * online, 1e-6)


def init_world(
    town: Town,
    pars: Params,
    driver_table: dict[str, np.ndarray],
    rng_res: np.random.Generator,
    rng_occ: np.random.Generator,
) -> World:
    """Build the initial state: residents in catchment zones, occupiers from the town file.

    Residents: positions drawn in rings and sectors around the centre with density falling
    exponentially with distance (MODEL.md "Time and space"); income band, budget (lognormal),
    online propensity (normal), taste class, initial engagement (beta with the ONS mean).
    """
    rp = pars.residents
    R = int(pars.run.residents)
    n_sec = int(rp.n_sectors)
    # --- residents
    # distance: exponential density truncated to the catchment (inverse CDF), minimum 50 m
    radius = rp.catchment_km
    lam = 1.0 / rp.density_decay_km
    u = rng_res.random(R)
    cdf_max = 1.0 - np.exp(-lam * radius)
    dist_km = np.maximum(-np.log(1.0 - u * cdf_max) / lam, 0.05)
    theta = rng_res.random(R) * 2.0 * np.pi
    sector = np.minimum((theta / (2.0 * np.pi) * n_sec).astype(np.int32), n_sec - 1)
    ring = np.minimum((dist_km / radius * rp.n_rings).astype(np.int32), rp.n_rings - 1)
    zone = (ring * n_sec + sector).astype(np.int32)
    cx, cy = town.centre
    x = cx + dist_km * 1000.0 * np.cos(theta)
    y = cy + dist_km * 1000.0 * np.sin(theta)
    # the retail park sits park_distance_km east of the centre
    px = cx + rp.park_distance_km * 1000.0
    park_km = np.hypot(x - px, y - cy) / 1000.0
    shares = np.array([rp.income_low_share, 0.0, rp.income_high_share])
    shares[1] = max(1.0 - shares[0] - shares[2], 0.0)
    income = np.searchsorted(np.cumsum(shares / shares.sum()), rng_res.random(R), side="right")
    income = np.minimum(income, N_INCOME - 1).astype(np.int8)
    budget = (
        rp.budget_mean
        * np.array([rp.budget_low, 1.0, rp.budget_high])[income]
        * np.exp(rp.budget_sd_log * rng_res.standard_normal(R) - 0.5 * rp.budget_sd_log**2)
    )
    online_prop = rp.online_propensity_sd * rng_res.standard_normal(R)
    n_taste = int(rp.n_taste_classes)
    taste = rng_res.integers(0, n_taste, R).astype(np.int32)
    pref = rp.pref_sd * rng_res.standard_normal((n_taste, N_CAT))
    indep_taste = rp.indep_taste_mean + rp.indep_taste_sd * rng_res.standard_normal(n_taste)
    m = pars.engagement.init_mean
    conc = pars.engagement.init_concentration
    if 0.0 < m < 1.0:
        engagement = rng_res.beta(m * conc, (1.0 - m) * conc, R)
    else:
        engagement = np.full(R, m)
        rng_res.random(R)  # keep the stream position independent of the branch
    K = int(rp.venues_per_trip)
    C = int(pars.ties.capacity)
    res = Residents(
        zone=zone,
        sector=sector,
        x=x,
        y=y,
        dist_km=dist_km,
        park_km=park_km,
        income=income,
        budget=budget,
        online_prop=online_prop,
        taste=taste,
        engagement=engagement,
        choice=np.zeros(R, np.int8),
        went=np.zeros(R, np.bool_),
        venues=np.full((R, K), -1, np.int32),
        venues_prev=np.full((R, K), -1, np.int32),
        participated=np.zeros(R, np.bool_),
        tie_id=np.full((R, C), -1, np.int32),
        tie_w=np.zeros((R, C), np.float32),
    )
    # --- units and their initial occupiers
    n = town.n_units
    lp, op = pars.landlords, pars.occupiers
    cat = town.initial_use.astype(np.int8).copy()
    chain = town.initial_chain.astype(np.bool_) & (cat >= 0)
    chain &= CHAINABLE[np.maximum(cat, 0)]
    # pitch: market rent follows the footfall potential of the unit's position (the walking
    # term of the venue choice, averaged over the arrival points weighted by residents)
    cx, cy = town.centre
    ux, uy = town.x - cx, town.y - cy
    ang = (np.arange(n_sec) + 0.5) / n_sec * 2.0 * np.pi
    proj = np.cos(ang)[:, None] * ux[None, :] + np.sin(ang)[:, None] * uy[None, :]
    arrival = np.argmax(proj, axis=1).astype(np.int32) if n else np.zeros(n_sec, np.int32)
    walk_from = (town.walk_distance_from(arrival) + rp.door_m) if n else np.zeros((n_sec, 0))
    share = np.bincount(sector, minlength=n_sec) / max(R, 1)
    pitch = (share[:, None] * walk_from ** (-rp.walk_b)).sum(axis=0) if n else np.zeros(0)
    loc = np.clip(pitch / pitch.mean(), 0.3, 3.0) if n and pitch.mean() > 0 else np.ones(n)
    floor = town.floorspace.astype(np.float64)
    base = lp.base_rent * floor * loc  # GBP/week market rent at index 1
    # initial contract rents spread around market (leases signed at different times)
    rent0 = base * np.exp(lp.init_rent_sd * rng_occ.standard_normal(n))
    rateable = base * 52.0  # GBP/yr: rateable value ~ annual market rent (VOA practice)
    occ = cat >= 0
    lease_len = np.where(chain, op.lease_chain_weeks, op.lease_indep_weeks)
    lease_end = (rng_occ.random(n) * lease_len).astype(np.int32) + 1  # staggered expiries
    # spells began up to init_vacancy_weeks ago
    vacant_since = -(rng_occ.random(n) * lp.init_vacancy_weeks).astype(np.int32)
    safe_cat = np.maximum(cat, 0).astype(np.int64)
    costs0 = rent0 + FIXED_PER_M2[safe_cat] * floor * op.fixed_scale
    spread = 1.0 + op.reserve_spread * (2.0 * rng_occ.random(n) - 1.0)
    cash = np.where(occ, op.reserve_weeks * costs0 * spread, 0.0)
    sponsor = np.zeros(n, np.int8)
    noncom = occ & ~COMMERCIAL[safe_cat]
    sponsor[noncom] = 1  # initial community uses are council-sponsored
    units = Units(
        category=cat,
        chain=chain,
        meanwhile=np.zeros(n, np.bool_),
        sponsor=sponsor,
        cash=cash,
        rent=np.where(occ, rent0, 0.0),
        subsidy=np.zeros(n),
        lease_end=np.where(occ, lease_end, 0).astype(np.int32),
        # initial occupiers are reviewed on this run's trading, staggered over the first
        # min_age_weeks (no synchronised wave of branch reviews)
        opened=np.where(occ, -(rng_occ.random(n) * op.min_age_weeks).astype(np.int32), 0).astype(
            np.int32
        ),
        vacant_since=np.where(occ, 0, vacant_since).astype(np.int32),
        revenue=np.zeros(n),
        visits=np.zeros(n),
        margin=np.zeros(n),
        rev_avg=np.zeros(n),
        rent_paid=np.zeros(n),
        rateable=rateable,
        anchor=np.where(occ, rent0, base).astype(np.float64),
        asking=base.copy(),
        owner_type=town.owner_type.astype(np.int8).copy(),
        landlord=town.landlord.astype(np.int32).copy(),
        retail_class=RETAIL_USE[safe_cat] | ~occ,
        loc=loc,
        floorspace=floor,
        quality=np.where(occ, op.quality_sd * rng_occ.standard_normal(n), 0.0),
    )
    # a community landlord slot exists from the start (owns nothing until an asset transfer)
    n_landlords = int(town.landlord.max()) + 2 if n else 1
    community_ll = n_landlords - 1
    units.landlord[units.owner_type == OWNER["community"]] = community_ll
    col = Collective()
    col.rev_cat = np.zeros(N_CAT)
    col.relief_premium = np.zeros(n)
    col.programme_sponsored = np.zeros(n, np.bool_)
    world = World(
        town=town,
        res=res,
        units=units,
        col=col,
        ledger=Ledger(),
        weight=(pars.run.households / R if R else 0.0),
        market_scale=pars.run.households / REFERENCE_HOUSEHOLDS,
        pref=pref,
        indep_taste=indep_taste,
        arrival=arrival,
        walk_from=walk_from,
        neigh_indptr=town.adj_indptr.astype(np.int64),
        neigh_indices=town.adj_indices.astype(np.int32),
        n_landlords=n_landlords,
        driver_table=driver_table,
    )
    world.derived = derive(world, pars)
    world.col.attract_ref = max(centre_attractiveness(units, world.d.floorspace_pow), 1e-9)
    return world


def market_rent(units: Units, base_rent: float, index: float) -> np.ndarray:
    """Market rent of every unit, GBP/week: base rent x floorspace x location x index."""
    return base_rent * units.floorspace * units.loc * index


def full_rates(rateable: np.ndarray, cp: CouncilPars) -> np.ndarray:
    """Business rates before reliefs (GBP/week): rateable value (GBP/yr) / 52 x multiplier."""
    return rateable / 52.0 * cp.rates_multiplier


def weekly_rates(
    rateable: np.ndarray, category: np.ndarray, cp: CouncilPars, commercial_relief: float = 0.0
) -> np.ndarray:
    """Business rates (GBP/week) of units occupied by ``category``, net of reliefs: the one
    rates formula of the model (occupiers pay it, entrants expect it, empty units pay
    ``empty_rates`` x :func:`full_rates`).

    Rates = :func:`full_rates` x (1 - relief); relief is the largest of small-business relief
    below the threshold, charity/community relief for charity and non-commercial uses, and
    ``commercial_relief`` (a national relief of the time, from the drivers) for commercial
    uses. ``cp`` is the council's parameter group.
    """
    category = np.asarray(category)
    full = full_rates(rateable, cp)
    cat = np.maximum(category, 0)
    relief = np.where(rateable < cp.sbr_threshold, cp.small_business_relief, 0.0)
    community = (category == CAT["charity"]) | ((category >= 0) & ~COMMERCIAL[cat])
    relief = np.where(community, np.maximum(relief, cp.community_relief), relief)
    if commercial_relief > 0:
        com = (category >= 0) & COMMERCIAL[cat]
        relief = np.where(com, np.maximum(relief, commercial_relief), relief)
    return full * (1.0 - relief)


def fixed_costs(category: np.ndarray, floorspace: np.ndarray, fixed_scale: float) -> np.ndarray:
    """Weekly fixed costs (GBP): category rate x floorspace; volunteer-run uses pay none."""
    category = np.asarray(category)
    f = FIXED_PER_M2[np.maximum(category, 0)] * floorspace * fixed_scale
    return np.where(category == CAT["voluntary"], 0.0, f)
