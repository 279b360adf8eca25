"""Every model parameter, declared once: default, bounds, unit, source, label and kind.

Parameters are grouped by actor in frozen dataclasses (MODEL.md, "Agents and their rules").
Each field is declared with :func:`P`, which records in its metadata

* ``lo``/``hi``: the allowed range (inclusive); scenario files outside it are refused,
* ``unit``: the unit of the value,
* ``source``: where the default comes from (DATA.md, a paper, or "assumption" / "calibrate"),
* ``label``: a short human label (used by the CLI, reports and the visualisation sliders),
* ``kind``: ``"lever"`` (a governance choice a scenario sets), ``"free"`` (a behavioural
  parameter to calibrate) or ``"run"`` (size and horizon of a run).

Governance scenarios (``scenarios/*.toml``) override defaults; the defaults themselves are
the consumer-led, market-only setting. Nothing here depends on any other ``sim`` module
except :mod:`sim.categories`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def P(
    default: float | int | bool,
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str = "",
    source: str = "assumption",
    label: str = "",
    kind: str = "free",
) -> Any:
    """Declare one parameter with its bounds and documentation (see module docstring)."""
    return field(
        default=default,
        metadata={"lo": lo, "hi": hi, "unit": unit, "source": source, "label": label, "kind": kind},
    )


# fmt: off
@dataclass(frozen=True)
class RunPars:
    """Size and horizon of a run (MODEL.md, "Time and space")."""

    years: float = P(10.0, 1 / 52, 200.0, unit="years", label="Years simulated after burn-in", kind="run")
    burn_in_weeks: int = P(52, 0, 1040, unit="weeks", label="Burn-in weeks under default (market) levers", kind="run")
    spin_up_weeks: int = P(104, 0, 1040, unit="weeks", label="Spin-up weeks before the start (run and discarded)", kind="run")
    residents: int = P(5000, 0, 5_000_000, unit="agents", label="Simulated residents", kind="run")
    households: float = P(0.0, 0.0, 1e7, unit="households (0: the town's catchment)", source="the town's catchment (town file, or derived from its floorspace: sim.town.derived_households)", label="Households represented (0: the town's own catchment)", kind="run")


@dataclass(frozen=True)
class ResidentPars:
    """Residents' trips, venue choice and spending (MODEL.md, "Residents")."""

    budget_mean: float = P(120.0, 0.0, 2000.0, unit="GBP/household/week", source="ONS Family Spending: retail goods, eating out, recreation ~GBP120/week, approx.", label="Weekly discretionary budget")
    budget_sd_log: float = P(0.45, 0.0, 2.0, unit="log GBP", label="Spread of budgets (lognormal sd)")
    trip_const: float = P(0.9687, -10.0, 10.0, unit="utils", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Centre trip constant")
    park_const: float = P(3.0, -10.0, 10.0, unit="utils", source="calibrate", label="Retail park constant")
    beta_attract: float = P(0.5, 0.0, 5.0, unit="utils per log attractiveness", source="calibrate; below the store-level Huff a ~1 (DATA.md)", label="Pull of centre attractiveness")
    beta_dist: float = P(1.0, 0.0, 5.0, unit="utils per log km", source="DATA.md Huff b 1-3", label="Distance decay to centre and park")
    park_distance_km: float = P(6.0, 0.2, 50.0, unit="km", label="Retail park distance from the centre")
    online_propensity_sd: float = P(2.0, 0.0, 10.0, unit="utils per unit online share", source="assumption: the trip choice weighs the online-share trend by each resident's own propensity", label="Spread of residents' online propensity (centre trips)")
    beta_friends: float = P(1.0, 0.0, 10.0, unit="utils per strength-weighted share", source="assumption: no quantitative link from social capital to footfall (EVIDENCE.md s10); swept from 0 (experiments/sobol_levers.toml)", label="Pull of friends who went last week")
    catchment_km: float = P(4.0, 0.2, 50.0, unit="km", label="Catchment radius")
    density_decay_km: float = P(1.5, 0.05, 50.0, unit="km", label="Population density decay length")
    n_rings: int = P(4, 1, 20, unit="zones", label="Catchment rings")
    n_sectors: int = P(6, 1, 36, unit="zones", label="Catchment sectors")
    venues_per_trip: int = P(2, 1, 6, unit="venues", label="Venues visited per centre trip")
    huff_a: float = P(1.0, 0.0, 3.0, unit="per log attractiveness", source="DATA.md Huff a ~1", label="Venue attractiveness exponent")
    walk_b: float = P(0.5, 0.0, 5.0, unit="per log metre", source="DATA.md Huff b (walking)", label="Walking-distance decay in the centre")
    pref_sd: float = P(0.3, 0.0, 5.0, unit="utils", label="Spread of category preferences")
    indep_taste_mean: float = P(0.2, -5.0, 5.0, unit="utils", label="Mean taste for independents")
    indep_taste_sd: float = P(0.5, 0.0, 5.0, unit="utils", label="Spread of taste for independents")
    n_taste_classes: int = P(8, 1, 64, unit="classes", label="Taste classes")
    beta_friend_venue: float = P(0.5, 0.0, 10.0, unit="utils per log(1 + friends' visits)", source="assumption: no quantitative link from social capital to trade (EVIDENCE.md s10); swept from 0 (experiments/sobol_levers.toml)", label="Pull of a venue where friends were")
    blight: float = P(0.5907, 0.0, 5.0, unit="utils per vacant-neighbour share", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Blight: vacancy next door lowers a venue's pull")
    walk_m: float = P(800.0, 50.0, 5000.0, unit="m", source="10-minute walk", label="Walking distance for access")
    door_m: float = P(100.0, 0.0, 2000.0, unit="m", label="Walk from the arrival point (car park, bus stop) to the first door")
    income_low_share: float = P(0.3, 0.0, 1.0, unit="share of households", label="Households in the low income band")
    income_high_share: float = P(0.25, 0.0, 1.0, unit="share of households", label="Households in the high income band")
    budget_low: float = P(0.6, 0.0, 1.0, unit="x mean budget", label="Budget of the low income band")
    budget_high: float = P(1.6, 1.0, 5.0, unit="x mean budget", label="Budget of the high income band")
    online_comparison: float = P(1.42, 0.5, 3.0, unit="x the online share of retail", source="ONS Retail Sales Index Feb 2014 (DATA.md): non-food ~13.8% vs all retail 9.7% (food ~40% of sales at 3.6%)", label="Online exposure of comparison goods")
    online_convenience: float = P(0.37, 0.0, 1.0, unit="x the online share of retail", source="ONS Feb 2014 (DATA.md): food stores 3.6% vs all retail 9.7%; ~5-6% of food online in 2019", label="Online exposure of convenience goods")
    online_charity: float = P(0.4, 0.0, 1.5, unit="x the online share of retail", source="assumption: second-hand goods, wide range", label="Online exposure of charity shops")
    online_startup: float = P(1.0, 0.0, 2.0, unit="x the online share of retail", source="assumption: pop-ups and start-ups sell mixed goods", label="Online exposure of start-ups")
    online_market: float = P(0.5, 0.0, 1.5, unit="x the online share of retail", source="assumption: market stalls sell food and goods", label="Online exposure of market stalls")
    online_park: float = P(1.0, 0.0, 2.0, unit="x the online share of retail", source="assumption: a retail park sells all retail goods", label="Online exposure of the retail park")


@dataclass(frozen=True)
class TiePars:
    """Co-presence ties and their decay (MODEL.md, "Residents")."""

    capacity: int = P(8, 1, 64, unit="ties per resident", label="Tie capacity")
    meet_scale: float = P(1.0, 0.0, 10.0, unit="x category meeting rate", label="Meeting rate (all venues)")
    third_place_meet: float = P(1.0, 0.0, 10.0, unit="x", label="Meeting rate at third places (cafes, markets, community, learning, voluntary)")
    new_strength: float = P(0.2, 0.01, 1.0, unit="strength", label="Strength of a new tie")
    strengthen: float = P(0.15, 0.0, 1.0, unit="strength", label="Strength added by a repeat meeting")
    decay: float = P(0.03, 0.0, 1.0, unit="per week", label="Tie decay")
    drop_below: float = P(0.05, 0.0, 1.0, unit="strength", label="Ties weaker than this are dropped")


@dataclass(frozen=True)
class EngagementPars:
    """Civic engagement and volunteering (MODEL.md, "Residents")."""

    init_mean: float = P(0.2, 0.0, 1.0, unit="share", source="ONS: ~19% of adults volunteer", label="Initial mean engagement")
    rise_ties: float = P(0.01, 0.0, 1.0, unit="per week per tie-strength", label="Engagement gain from ties")
    rise_participation: float = P(0.05, 0.0, 1.0, unit="per occasion", label="Engagement gain from taking part")
    decay: float = P(0.005, 0.0, 1.0, unit="per week", label="Engagement decay")
    volunteer_threshold: float = P(0.5, 0.0, 1.0, unit="engagement", label="Engagement above which residents volunteer")
    volunteer_hours: float = P(1.5, 0.0, 40.0, unit="hours/week per engaged household", label="Volunteer hours supplied")
    init_concentration: float = P(4.0, 0.1, 100.0, unit="beta concentration", label="Concentration of initial engagement around its mean")


@dataclass(frozen=True)
class OccupierPars:
    """Occupiers' weekly accounts, exits, closures and leases (MODEL.md, "Occupiers")."""

    reserve_weeks: float = P(10.0, 0.0, 520.0, unit="weeks of costs", source="calibrate", label="Independents' starting cash reserve")
    reserve_cap_weeks: float = P(26.0, 0.0, 1040.0, unit="weeks of costs", label="Reserve above which profit is drawn out")
    fixed_scale: float = P(1.0, 0.0, 10.0, unit="x category fixed costs", source="calibrate", label="Fixed-cost multiplier")
    chain_threshold: float = P(-0.1505, -1.0, 1.0, unit="rolling profit / costs", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Chains' branch-closure threshold")
    margin_memory: float = P(0.05, 0.001, 1.0, unit="per week (EWMA weight)", label="Weight of this week in the rolling margin")
    min_age_weeks: int = P(26, 0, 520, unit="weeks", label="Weeks before a chain reviews a new branch")
    lease_chain_weeks: int = P(520, 13, 2600, unit="weeks", label="Chain lease length")
    lease_indep_weeks: int = P(156, 13, 2600, unit="weeks", label="Independent lease length")
    lease_meanwhile_weeks: int = P(26, 1, 520, unit="weeks", label="Meanwhile lease length")
    exit_hazard: float = P(0.06645, 0.0, 1.0, unit="per year", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Independents' yearly chance of closing for personal reasons")
    quality_sd: float = P(0.2677, 0.0, 3.0, source="calibrated: experiments/calibrate.py (docs/calibration.md)", unit="utils", label="Spread of occupiers' quality (pull on visitors)")
    volunteer_hours_need: float = P(30.0, 0.0, 1000.0, unit="hours/week", label="Volunteer hours a voluntary use needs")
    reserve_spread: float = P(0.5, 0.0, 1.0, unit="x reserve", label="Spread of starting reserves (uniform, +/-)")
    lockdown_support: bool = P(True, unit="switch", source="furlough, grants, rates relief and the moratorium on evictions, 2020-22", label="Occupiers closed by a lockdown are carried by public support (no accounts, no exits)")
    meanwhile_conversion: float = P(0.2, 0.0, 0.5, unit="probability at licence end", source="EVIDENCE.md s4: no published conversion rate from meanwhile use to a tenancy (pop-ups failing to convert were blamed for vacancy rising in 2016): an assumption, swept", label="Meanwhile occupier that could afford a lease takes one")


@dataclass(frozen=True)
class LandlordPars:
    """Landlords' asking rents, letting and meanwhile uses (MODEL.md, "Landlords")."""

    base_rent: float = P(4.0, 0.0, 100.0, unit="GBP/m2/week", source="assumption: ~GBP210/m2/yr at an average pitch; rent ~25% of gross profit", label="Base market rent")
    rent_adjust: float = P(0.02, 0.0, 1.0, unit="per week", label="Speed the market rent follows trading")
    rent_elasticity: float = P(1.0, 0.0, 5.0, unit="elasticity", label="Market rent response to spend per unit")
    rent_floor: float = P(1.054, 0.0, 2.0, unit="x valuation anchor", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Institutional rent floor")
    chain_preference: float = P(0.8, 0.0, 1.0, unit="probability", label="Institutional refusal of an independent")
    patience_weeks: int = P(78, 0, 1040, unit="weeks", label="Institutional patience before accepting independents")
    local_rent_cut: float = P(0.01, 0.0, 0.5, unit="per week vacant", label="Local landlords' rent cut per week vacant")
    local_min_rent: float = P(0.4, 0.0, 1.0, unit="x market rent", label="Local landlords' lowest asking rent")
    council_rent: float = P(0.9, 0.0, 2.0, unit="x market rent", label="Council asking rent")
    community_rent: float = P(0.5, 0.0, 2.0, unit="x market rent", label="Community owners' asking rent")
    meanwhile: bool = P(False, unit="switch", label="Landlords accept meanwhile uses", kind="lever")
    meanwhile_after_weeks: int = P(13, 0, 520, unit="weeks", label="Vacancy before a meanwhile use is accepted", kind="lever")
    meanwhile_rent: float = P(0.1, 0.0, 1.0, unit="x asking rent", label="Meanwhile rent", kind="lever")
    init_rent_sd: float = P(0.1, 0.0, 1.0, unit="log", label="Spread of initial rents around market (leases signed at different times)")
    init_vacancy_weeks: int = P(78, 0, 1040, unit="weeks", label="Longest vacancy of an initially empty unit")
    review_weeks: int = P(260, 13, 2600, unit="weeks", source="UK leases: five-yearly rent reviews (BPF lease code)", label="Weeks between rent reviews within a lease")
    void_rent_cut: float = P(0.005, 0.0, 0.1, unit="per week beyond patience", source="assumption: no published elasticity (DATA.md); institutional owners eventually re-value long voids", label="Institutional owners' cut of their floor after long voids")
    conversion_rate: float = P(0.02, 0.0, 0.2, unit="per year of an eligible long-vacant unit", source="EVIDENCE.md section 9: 376-655 approvals a year in England against tens of thousands of long-term vacant units (~1%); widened", label="Conversions of long-vacant units out of the commercial stock")
    conversion_min_weeks: int = P(26, 0, 520, unit="weeks vacant", source="Class MA: vacant 3 months; assumption for the owner's decision", label="Vacancy before an owner considers conversion")
    conversion_value_below: float = P(1.0, 0.0, 3.0, unit="x average pitch value", source="assumption: conversion pays where the unit's value as a shop is low", label="Shop value below which conversion is considered")
    conversion_refusal: float = P(0.34, 0.0, 1.0, unit="share of applications", source="EVIDENCE.md section 9: Class MA 2023/24, 421 of 1,225 refused", label="Conversion applications refused")
    relief_capture: float = P(0.75, 0.5, 1.0, unit="share of a rates relief", source="EVIDENCE.md s6: about three quarters of a rates change reaches rents within 2-3 years (BCO/IPD, commissioned by property bodies); occupancy costs equalised after 1990 (Mehdi 2003)", label="Share of a rates relief landlords capture in rents")
    capture_weeks: float = P(52.0, 26.0, 78.0, unit="weeks (time constant)", source="EVIDENCE.md s6: the capture happens within 2-3 years", label="Speed at which rents capture a relief")


@dataclass(frozen=True)
class EntrantPars:
    """Prospective occupiers and their entry decision (MODEL.md, "Entrants")."""

    arrival_rate: float = P(3.203, 0.0, 100.0, unit="applicants/week per 30,000 households", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Prospective occupiers per week")
    signal_elasticity: float = P(1.0, 0.0, 5.0, unit="elasticity", label="Arrivals' response to spend per unit")
    chain_share: float = P(0.3398, 0.0, 1.0, unit="share", source="calibrated: experiments/calibrate.py (docs/calibration.md)", label="Share of applicants that are chains")
    hurdle: float = P(0.05, -1.0, 5.0, unit="profit / costs", label="Independents' entry hurdle")
    chain_hurdle: float = P(0.15, -1.0, 5.0, unit="profit / costs", label="Chains' entry hurdle")
    optimism_sd: float = P(0.3, 0.0, 3.0, unit="log", label="Spread of entrants' revenue expectations")
    units_considered: int = P(3, 1, 50, unit="units", label="Vacant units an applicant looks at")
    signal_floor: float = P(0.25, 0.0, 1.0, unit="x arrival rate", label="Arrivals at a dead centre (entrepreneurs keep scouting)")
    start_centre_share: float = P(0.42, 0.0, 1.0, unit="share of spend", source="DATA.md: town centres took 42% of retail spend (2010)", label="Centre's share of spend expected when nothing trades")
    startup_meanwhile_share: float = P(0.5, 0.0, 1.0, unit="share", label="Supported start-ups asking for a meanwhile licence")
    learning_share: float = P(0.5, 0.0, 1.0, unit="share", label="Brokered sponsored uses that are learning (else community)")
    mix_convenience: float = P(0.12, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: convenience")
    mix_comparison: float = P(0.22, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: comparison")
    mix_food_drink: float = P(0.24, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: food and drink")
    mix_services: float = P(0.18, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: services")
    mix_leisure: float = P(0.07, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: leisure")
    mix_health: float = P(0.05, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: health")
    mix_charity: float = P(0.06, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: charity shops")
    mix_startup: float = P(0.06, 0.0, 1.0, unit="weight", source="assumption: the GB high-street mix", label="Market entrants: start-ups and pop-ups")
    popup_rate: float = P(0.15, 0.02, 1.0, unit="applicants/week per 30,000 households", source="EVIDENCE.md s4: about 10,000 UK pop-ups (CEBR 2015, industry), ~0.08 a week per town centre [derived]; no applicant rate per town: wide range", label="Pop-ups and community groups asking for a meanwhile licence")
    popup_community_share: float = P(0.3, 0.0, 1.0, unit="share", source="assumption: no published mix of meanwhile applicants (Open Doors pilot: community uses)", label="Meanwhile applicants that are community groups (self-funded)")


@dataclass(frozen=True)
class CouncilPars:
    """The council's levers and budget (MODEL.md, "Council")."""

    rates_multiplier: float = P(0.5, 0.0, 1.5, unit="GBP per GBP rateable value", source="England small multiplier 2019/20: 0.491", label="Business-rate multiplier", kind="lever")
    small_business_relief: float = P(0.5, 0.0, 1.0, unit="share of rates", label="Small-business relief", kind="lever")
    sbr_threshold: float = P(12000.0, 0.0, 1e6, unit="GBP rateable value/yr", source="England SBRR threshold", label="Small-business relief threshold", kind="lever")
    community_relief: float = P(0.8, 0.0, 1.0, unit="share of rates", source="mandatory charity relief 80%", label="Charity and community relief", kind="lever")
    empty_rates: float = P(1.0, 0.0, 3.0, unit="x occupied rates", source="England: full rates after 3 months", label="Empty-property rates", kind="lever")
    empty_grace_weeks: int = P(13, 0, 520, unit="weeks", label="Empty-rates free period", kind="lever")
    allocation: float = P(1500.0, 0.0, 1e7, unit="GBP/week", source="assumption: the market setting funds only the sponsorship of existing community uses (council.sponsor_budget)", label="Town-centre budget: the council's weekly allocation to the centre's account", kind="lever")
    public_realm: float = P(0.0, 0.0, 1e6, unit="GBP/week", label="Public-realm investment", kind="lever")
    public_realm_uplift: float = P(0.10, 0.0, 0.30, unit="share of footfall, at saturation", source="EVIDENCE.md s5: Street Appeal (Carmona et al. 2018, light counterfactual): +10-30% on treated streets [derived judgement]; case studies +20-35% (biased up); What Works Centre 2014: little causal evidence, so the range starts at 0", label="Public realm: largest footfall uplift")
    public_realm_scale: float = P(2e6, 5e5, 1e7, unit="GBP of stock", source="assumption: no published dose-response; up to Stoke-on-Trent's GBP10m scheme (case study, EVIDENCE.md s5)", label="Public-realm stock giving 63% of its uplift")
    public_realm_life: float = P(520.0, 260.0, 1560.0, unit="weeks", source="assumption: works last 5 to 30 years", label="Public-realm depreciation time")
    events: float = P(0.0, 0.0, 1e6, unit="GBP/week", label="Markets and events", kind="lever")
    event_cost: float = P(4000.0, 1000.0, 20000.0, unit="GBP per event day", source="assumption: no published cost per market or event day; wide range", label="Cost of one market or event day")
    event_uplift: float = P(0.10, 0.0, 0.27, unit="share of the day's footfall", source="EVIDENCE.md s1: Hull BID Christmas-market Saturday +9.8% town-wide (before/after); market days +15-27% against towns without (Markets Matter 2015, cross-section, the top of the range); no counterfactual study and no lasting effect, so the range starts at 0", label="Events and markets: footfall uplift on the day")
    trading_days: float = P(6.0, 5.0, 7.0, unit="days/week", source="EVIDENCE.md s1: markets on 1 of 6 trading days [derived]", label="Trading days a week")
    planning_flex: float = P(0.3, 0.0, 1.0, unit="probability", label="Change of use permitted", kind="lever")
    facilitation: float = P(0.0, 0.0, 1e6, unit="GBP/week", label="Facilitation (brokering vacant units)", kind="lever")
    facilitation_cost: float = P(8000.0, 2000.0, 50000.0, unit="GBP per brokered proposal", source="EVIDENCE.md s4: 2009 empty-shops grants, GBP3m to 57 areas (over GBP50k each) for meanwhile and community uses, no outcome data; no published cost per brokered let: wide range", label="Cost of brokering one proposal")
    sponsor_budget: float = P(1500.0, 0.0, 1e6, unit="GBP/week", source="assumption: the existing community uses of the example town", label="Sponsorship of community uses", kind="lever")
    startup_support: float = P(0.0, 0.0, 1e6, unit="GBP/week", label="Start-up support (rent subsidy)", kind="lever")
    startup_subsidy: float = P(0.5, 0.0, 1.0, unit="share of rent", label="Start-up rent subsidy rate", kind="lever")
    startup_cost: float = P(2500.0, 500.0, 10000.0, unit="GBP/week of support per applicant a week", source="assumption: no evaluation of rent subsidies for retail start-ups (EVIDENCE.md s8); wide range", label="Support budget that brings one start-up applicant a week (first pounds)")
    asset_transfer: bool = P(False, unit="switch", label="Community asset transfer", kind="lever")
    asset_transfer_weeks: int = P(52, 0, 1040, unit="weeks vacant", label="Vacancy before a council unit may transfer", kind="lever")
    consult_residents: bool = P(False, unit="switch", label="Council consults residents", kind="lever")
    consult_rate: float = P(0.005, 0.0, 1.0, unit="share of residents per week", label="Residents the council consults each week")
    town_team_grant: float = P(0.0, 0.0, 1e6, unit="GBP/week", source="DATA.md: Portas Pilots ~GBP100k per town", label="Grant to the Town Team", kind="lever")
    startup_support_weeks: int = P(52, 1, 520, unit="weeks", source="EVIDENCE.md s8: Rotherham 2009 scheme paid 50% of year-1 rent (design; no outcome evaluation)", label="Weeks a start-up's rent subsidy lasts", kind="lever")
    facilitation_max: float = P(0.5, 0.1, 2.0, unit="proposals/week per 30,000 households", source="assumption: the supply of groups and start-ups ready for a vacant unit is limited (diminishing returns); no published figure", label="Brokered proposals a week at saturation")
    startup_max: float = P(0.5, 0.1, 2.0, unit="applicants/week per 30,000 households", source="assumption: the supply of would-be start-ups is limited (diminishing returns); no published figure", label="Supported start-up applicants a week at saturation")


@dataclass(frozen=True)
class TownTeamPars:
    """The Town Team, a collective agent (MODEL.md, "Town Team")."""

    enabled: bool = P(False, unit="switch", label="Town Team exists", kind="lever")
    levy: float = P(0.0, 0.0, 0.1, unit="share of rateable value", source="BID levies 1-2%", label="Business levy to the Town Team", kind="lever")
    weight_residents: float = P(0.1, 0.0, 1.0, unit="weight", label="Residents' voting weight", kind="lever")
    weight_traders: float = P(0.5, 0.0, 1.0, unit="weight", label="Traders' voting weight", kind="lever")
    weight_landlords: float = P(0.2, 0.0, 1.0, unit="weight", label="Landlords' voting weight", kind="lever")
    weight_council: float = P(0.2, 0.0, 1.0, unit="weight", label="Council's voting weight", kind="lever")
    community_led_design: bool = P(False, unit="switch", label="Community-led design", kind="lever")
    resident_members: int = P(12, 0, 1000, unit="members", label="Resident members", kind="lever")
    consultation: float = P(0.01, 0.0, 1.0, unit="share of residents per week", label="Residents taking part each week", kind="lever")
    effectiveness_base: float = P(1.0, 0.5, 1.0, unit="x", source="assumption: a pound spent buys at most a pound's worth; partnership overheads may waste some", label="Effectiveness of the Town Team's spending with no ties")
    effectiveness_ties: float = P(0.0, 0.0, 1.0, unit="x per member tie-strength", source="EVIDENCE.md s10: no quantitative link from social capital to outcomes; an unvalidated coupling, default 0, swept", label="Effectiveness gained from members' ties")
    marketing_uplift: float = P(0.02, 0.0, 0.08, unit="share of footfall, at saturation", source="EVIDENCE.md s2: BIDs and Main Street programmes: no significant effect on retail sales or jobs (NYC, Sutton 2014; 3 of 4 US states), labour productivity +7.6% and transient (Sweden, HFI 2021)", label="Marketing: largest footfall uplift")
    marketing_scale: float = P(2000.0, 500.0, 10000.0, unit="GBP/week", source="EVIDENCE.md s2: NYC BIDs with budgets under $263k a year had no effect (Ellen et al. 2007): small budgets buy little", label="Marketing spend giving 63% of its uplift")
    recruit_cost: float = P(3000.0, 1000.0, 20000.0, unit="GBP per applicant", source="assumption: no published cost of recruiting a missing use; wide range", label="Start-up head spent per recruited applicant (first pounds)")
    recruit_access_below: float = P(0.5, 0.0, 1.0, unit="share of residents", label="Access below which a use counts as missing")
    brokerage_share: float = P(0.5, 0.0, 1.0, unit="share of the meanwhile head", label="Meanwhile head spent on brokerage (the rest sponsors the uses)")
    recruit_share: float = P(0.5, 0.0, 1.0, unit="share of the start-up head", label="Start-up head spent on recruitment (the rest subsidises rents)")
    footfall_memory: float = P(0.1, 0.001, 1.0, unit="per week (EWMA weight)", label="Traders' short memory of footfall")
    footfall_memory_slow: float = P(0.02, 0.001, 1.0, unit="per week (EWMA weight)", label="Traders' long memory of footfall")
    traders_events: float = P(0.35, 0.0, 1.0, unit="weight", label="Traders' priority: markets and events")
    traders_meanwhile: float = P(0.05, 0.0, 1.0, unit="weight", label="Traders' priority: meanwhile uses")
    traders_startup: float = P(0.05, 0.0, 1.0, unit="weight", label="Traders' priority: start-up support")
    traders_marketing: float = P(0.35, 0.0, 1.0, unit="weight", label="Traders' priority: marketing")
    traders_public_realm: float = P(0.20, 0.0, 1.0, unit="weight", label="Traders' priority: public realm")
    traders_falling_footfall: float = P(0.1, 0.0, 1.0, unit="weight", label="Traders' extra weight on events and marketing when footfall falls")
    landlords_events: float = P(0.15, 0.0, 1.0, unit="weight", label="Landlords' priority: markets and events")
    landlords_meanwhile: float = P(0.30, 0.0, 1.0, unit="weight", label="Landlords' priority: meanwhile uses")
    landlords_startup: float = P(0.20, 0.0, 1.0, unit="weight", label="Landlords' priority: start-up support")
    landlords_marketing: float = P(0.20, 0.0, 1.0, unit="weight", label="Landlords' priority: marketing")
    landlords_public_realm: float = P(0.15, 0.0, 1.0, unit="weight", label="Landlords' priority: public realm")
    council_events: float = P(0.20, 0.0, 1.0, unit="weight", label="Council officers' priority: markets and events")
    council_meanwhile: float = P(0.20, 0.0, 1.0, unit="weight", label="Council officers' priority: meanwhile uses")
    council_startup: float = P(0.20, 0.0, 1.0, unit="weight", label="Council officers' priority: start-up support")
    council_marketing: float = P(0.10, 0.0, 1.0, unit="weight", label="Council officers' priority: marketing")
    council_public_realm: float = P(0.30, 0.0, 1.0, unit="weight", label="Council officers' priority: public realm")
    residents_events: float = P(0.10, 0.0, 1.0, unit="weight", label="Residents' base priority: markets and events")
    residents_meanwhile: float = P(0.10, 0.0, 1.0, unit="weight", label="Residents' base priority: meanwhile uses")
    residents_startup: float = P(0.10, 0.0, 1.0, unit="weight", label="Residents' base priority: start-up support")
    residents_marketing: float = P(0.05, 0.0, 1.0, unit="weight", label="Residents' base priority: marketing")
    residents_public_realm: float = P(0.10, 0.0, 1.0, unit="weight", label="Residents' base priority: public realm")
    need_response: float = P(1.0, 0.0, 10.0, unit="weight per share in need", label="Community-led design: weight of residents' unmet needs")

# fmt: on


GROUPS: dict[str, type] = {
    "run": RunPars,
    "residents": ResidentPars,
    "ties": TiePars,
    "engagement": EngagementPars,
    "occupiers": OccupierPars,
    "landlords": LandlordPars,
    "entrants": EntrantPars,
    "council": CouncilPars,
    "town_team": TownTeamPars,
}


@dataclass(frozen=True)
class Params:
    """All parameter groups of one run."""

    run: RunPars = field(default_factory=RunPars)
    residents: ResidentPars = field(default_factory=ResidentPars)
    ties: TiePars = field(default_factory=TiePars)
    engagement: EngagementPars = field(default_factory=EngagementPars)
    occupiers: OccupierPars = field(default_factory=OccupierPars)
    landlords: LandlordPars = field(default_factory=LandlordPars)
    entrants: EntrantPars = field(default_factory=EntrantPars)
    council: CouncilPars = field(default_factory=CouncilPars)
    town_team: TownTeamPars = field(default_factory=TownTeamPars)

    def replace(self, overrides: dict[str, dict[str, Any]]) -> Params:
        """Return a copy with ``{group: {name: value}}`` applied (values already validated)."""
        groups = {}
        for g, vals in overrides.items():
            if vals:
                groups[g] = dataclasses.replace(getattr(self, g), **vals)
        return dataclasses.replace(self, **groups)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain dict of every value (for run summaries)."""
        return {g: dataclasses.asdict(getattr(self, g)) for g in GROUPS}

    def levers(self) -> Params:
        """Copy of self with every lever at its default (the market setting of the burn-in)."""
        base = Params()
        out = {}
        for g in GROUPS:
            vals = {}
            for f in dataclasses.fields(GROUPS[g]):
                if f.metadata["kind"] == "lever":
                    vals[f.name] = getattr(getattr(base, g), f.name)
            out[g] = vals
        return self.replace(out)


@dataclass(frozen=True)
class ParamSpec:
    """Declaration of one parameter, as read from the dataclass metadata."""

    group: str
    name: str
    default: Any
    type: type
    lo: float | None
    hi: float | None
    unit: str
    source: str
    label: str
    kind: str

    @property
    def key(self) -> str:
        return f"{self.group}.{self.name}"


_TYPES = {"float": float, "int": int, "bool": bool}


def specs() -> list[ParamSpec]:
    """Every parameter declaration, in group order (used by scenarios, CLI and viz)."""
    out = []
    for g, cls in GROUPS.items():
        for f in dataclasses.fields(cls):
            m = f.metadata
            out.append(
                ParamSpec(
                    group=g,
                    name=f.name,
                    default=f.default,
                    type=_TYPES[f.type] if isinstance(f.type, str) else f.type,
                    lo=m["lo"],
                    hi=m["hi"],
                    unit=m["unit"],
                    source=m["source"],
                    label=m["label"],
                    kind=m["kind"],
                )
            )
    return out


def spec_index() -> dict[str, dict[str, ParamSpec]]:
    """``{group: {name: ParamSpec}}``."""
    idx: dict[str, dict[str, ParamSpec]] = {g: {} for g in GROUPS}
    for s in specs():
        idx[s.group][s.name] = s
    return idx
