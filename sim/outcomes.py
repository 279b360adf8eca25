"""The one table of outcomes: name, unit, label, bounds and whether it is a headline.

Every per-step column the model writes (``steps.csv``), every table and figure of a report
and every chart of the page reads its label and unit from here (MODEL.md, "Outcomes").
Nothing here depends on any other ``sim`` module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One outcome column.

    Attributes:
        name: Column name in ``steps.csv`` and every table.
        unit: Unit of the value ("share" for 0-1 shares and rates).
        label: Plain-language label for reports, figures and the page.
        group: Vacancy, diversity, social capital, economy, public money, access, time or
            bookkeeping.
        headline: Shown in report tables and summaries by default.
        lo: Smallest possible value (None: unbounded), for intervals that respect bounds.
        hi: Largest possible value (None: unbounded).
        percent: Shown as a percentage in reports and on the page (shares and rates).
    """

    name: str
    unit: str
    label: str
    group: str
    headline: bool = False
    lo: float | None = None
    hi: float | None = None
    percent: bool = False


def _share(name: str, label: str, group: str, headline: bool = False) -> Outcome:
    return Outcome(name, "share", label, group, headline, 0.0, 1.0, True)


def _count(name: str, unit: str, label: str, group: str, headline: bool = False) -> Outcome:
    return Outcome(name, unit, label, group, headline, 0.0, None)


# fmt: off
TABLE: tuple[Outcome, ...] = (
    # time
    Outcome("week", "weeks", "Week of the run", "time"),
    Outcome("year", "year", "Calendar year", "time"),
    Outcome("policy", "0/1", "Levers in force (the scenario's programme, after the burn-in)", "time", lo=0.0, hi=1.0),
    # vacancy
    _share("vacancy_rate", "Vacancy rate (share of the commercial stock empty)", "vacancy", True),
    _share("vacancy_rate_trading", "Vacancy counting supported units as empty (share of the stock not trading on its own)", "vacancy", True),
    _share("long_term_vacancy_rate", "Long-term vacancy rate (empty over a year)", "vacancy", True),
    _count("mean_vacancy_spell", "weeks", "Mean length of current vacancies", "vacancy"),
    Outcome("vacancy_morans_i", "index", "Clustering of vacant units (Moran's I)", "vacancy", lo=-1.0, hi=1.0),
    _count("occupied", "units", "Occupied units", "vacancy"),
    _count("vacant", "units", "Vacant units", "vacancy"),
    _count("stock", "units", "Units in the commercial stock", "vacancy"),
    _count("converted", "units", "Units converted out of the commercial stock (homes, other uses)", "vacancy"),
    _count("meanwhile_units", "units", "Units on meanwhile licences", "vacancy"),
    _count("noncommercial_units", "units", "Community, learning and voluntary units", "vacancy"),
    _count("trading_occupied", "units", "Occupied units trading without a subsidy, sponsor or meanwhile licence", "vacancy"),
    _count("supported_occupied", "units", "Occupied units with a subsidy, sponsor or meanwhile licence", "vacancy"),
    _count("subsidised_units", "units", "Units whose rent a start-up subsidy pays in part", "vacancy"),
    # diversity
    _count("richness", "categories", "Use categories present", "diversity"),
    _count("shannon", "index", "Diversity of uses (Shannon index)", "diversity", True),
    _share("simpson", "Diversity of uses (Simpson index)", "diversity"),
    _share("evenness", "Evenness of uses", "diversity"),
    _share("independent_share", "Independents' share of shops", "diversity", True),
    _count("independents", "units", "Independent shops", "diversity"),
    _count("chains", "units", "Chain shops", "diversity"),
    Outcome("clone_town_index", "index (below 25 clone, above 35 home town)", "Clone-town index (all shops)", "diversity", True, 0.0, 100.0),
    Outcome("clone_town_index_survey", "index (below 25 clone, above 35 home town)", "Clone-town index (first 50 shops of the main street)", "diversity", False, 0.0, 100.0),
    _share("template_distance", "Distance of the mix from the chains' template", "diversity"),
    # social capital
    _count("mean_ties", "ties per resident", "Social ties per resident", "social capital", True),
    _share("mean_tie_strength", "Mean strength of ties", "social capital"),
    _share("isolated_share", "Residents with no ties", "social capital", True),
    _share("bridging_share", "Ties across neighbourhoods", "social capital"),
    _share("clustering", "Clustering of the tie network", "social capital"),
    _share("mean_engagement", "Civic engagement (0-1)", "social capital", True),
    _share("participation", "Residents taking part this week", "social capital"),
    _count("volunteer_hours", "hours/week", "Volunteer hours", "social capital"),
    # economy
    _count("footfall", "household trips/week", "Footfall (household trips to the centre a week)", "economy", True),
    _count("event_days", "days/week", "Days with a market or event", "economy"),
    _count("visits", "venue visits/week", "Venue visits a week", "economy"),
    _share("centre_share", "Town centre's share of residents' spend", "economy", True),
    _share("park_share", "Retail park's share of residents' spend", "economy"),
    _share("online_share", "Online share of residents' spend", "economy"),
    _share("online_driver", "Online share of retail (driver path)", "economy"),
    _count("spend", "GBP/week", "Residents' spend", "economy"),
    _count("revenue", "GBP/week", "Occupiers' revenue in the centre", "economy"),
    _count("openings", "units/week", "Openings", "economy"),
    _count("openings_chain", "units/week", "Chain openings", "economy"),
    _count("openings_independent", "units/week", "Independent openings", "economy"),
    _count("openings_noncommercial", "units/week", "Community, learning and voluntary openings", "economy"),
    _count("openings_brokered", "units/week", "Lettings to brokered proposals", "economy"),
    _count("relet_spell_weeks", "weeks", "Weeks empty of the units re-let this week", "economy"),
    _count("closures", "units/week", "Closures", "economy"),
    _count("closures_chain", "units/week", "Chain branch closures", "economy"),
    _count("closures_independent", "units/week", "Independent closures", "economy"),
    _count("closures_noncommercial", "units/week", "Community, learning and voluntary closures", "economy"),
    _count("conversions", "units/week", "Units leaving the commercial stock", "economy"),
    _count("mean_rent", "GBP/m2/year", "Mean rent of occupied units", "economy"),
    _count("market_rent_index", "index (1 = start)", "Market rent index", "economy"),
    _count("landlord_income", "GBP/week", "Landlords' rent income", "economy"),
    # public money
    _count("rates_income", "GBP/week", "Business rates collected (the council's general fund)", "public money"),
    _count("public_spend", "GBP/week", "Public money spent (council's town-centre account and the Town Team's public money)", "public money", True),
    _count("relief_cost", "GBP/week", "Rates relief beyond the market setting's, paid from the centre's account", "public money"),
    Outcome("council_net", "GBP/week", "Council's town-centre account: allocation less spending", "public money"),
    Outcome("council_balance", "GBP", "Council's town-centre balance", "public money"),
    _count("council_returned", "GBP/week", "Unspent town-centre money returned to the general fund", "public money"),
    _count("town_team_fund", "GBP", "Town Team fund", "public money"),
    _count("town_team_spend", "GBP/week", "Town Team spending", "public money"),
    # access
    _share("grocery_access", "Residents within a walk of a grocery", "access"),
    _share("health_access", "Residents within a walk of a health use", "access"),
    # bookkeeping
    _count("identity_residual", "share of the week's budget", "Largest stock-flow identity residual", "bookkeeping"),
)
# fmt: on

#: Outcome by name.
BY_NAME: dict[str, Outcome] = {o.name: o for o in TABLE}
#: Every column of the per-step table, in order.
NAMES: tuple[str, ...] = tuple(o.name for o in TABLE)
#: Headline outcomes shown in tables, reports and figures, in display order.
HEADLINE: tuple[str, ...] = tuple(o.name for o in TABLE if o.headline)
#: Columns that are time stamps, not outcomes.
TIME_COLUMNS: tuple[str, ...] = tuple(o.name for o in TABLE if o.group == "time")


def label(name: str, unit: bool = False) -> str:
    """Display label of an outcome column (with its unit in brackets if ``unit``); an
    unknown name is shown with its underscores as spaces."""
    o = BY_NAME.get(name)
    if o is None:
        return name.replace("_", " ")
    if not unit:
        return o.label
    u = "%" if o.percent else o.unit
    return f"{o.label} ({u})"
