"""Weekly money flows and the stock-flow identities of MODEL.md ("Stock-flow consistency").

Every pound has a source and a sink. Each week the rules add their flows to a fresh
:class:`Ledger`; :meth:`Ledger.identities` returns the residual of every identity, which
must be zero up to floating-point rounding:

* spend: residents' spend = occupiers' revenue + retail park + online
* budget: residents' budgets = spend + money kept
* rent: rent paid (by occupiers, start-up support and sponsors) = landlords' rent income
* rates: rates paid (by occupiers, sponsors and by landlords on empty units) + the extra relief
  paid for from the centre's account = council rates income (the general fund's)
* levy: levy paid by occupiers = Town Team levy income
* occupiers: revenue + transfers in = cost of goods + rent + rates + levy + fixed costs +
  drawings + change in cash
* council: change in the town-centre account = allocation - spending - money returned to the
  general fund
* town_team: change in fund = grant + levy - spending
* town_team_public: change in the fund's public money = grant - public money spent
Units are conserved separately (occupied + vacant = total), checked by the model.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

FLOWS: tuple[str, ...] = (
    "budget",  # GBP residents' discretionary budgets this week (all households)
    "spend",  # GBP spent by residents
    "kept",  # GBP of budgets not spent (no trip, or non-commercial visits)
    "revenue",  # GBP occupiers' revenue (centre spend)
    "park",  # GBP spend at the retail park
    "online",  # GBP spend online
    "rent_occupiers",  # GBP rent paid by occupiers from their own cash
    "rent_subsidy",  # GBP rent paid by start-up support on occupiers' behalf
    "rent_sponsors",  # GBP rent paid by sponsors (council, Town Team) for non-commercial uses
    "landlord_income",  # GBP rent received by landlords
    "rates_occupiers",  # GBP business rates paid by occupiers (after reliefs)
    "rates_empty",  # GBP empty-property rates paid by landlords
    "rates_sponsors",  # GBP rates paid by sponsors for non-commercial uses
    "council_rates",  # GBP rates received by the council
    "levy_paid",  # GBP levy paid by occupiers
    "levy_income",  # GBP levy received by the Town Team
    "cogs",  # GBP occupiers' cost of goods (1 - margin) x revenue, leaves the town
    "fixed",  # GBP occupiers' fixed costs (staff, utilities), leaves the accounts
    "fixed_sponsors",  # GBP fixed costs of non-commercial uses paid by sponsors
    "drawings",  # GBP profit drawn out by owners above the reserve cap
    "occ_cash_change",  # GBP change in occupiers' cash (including exits' remaining cash)
    "exit_cash",  # GBP cash left by occupiers that exited (to owners), part of drawings
    "entry_cash",  # GBP cash brought in by entrants
    "council_income",  # GBP town-centre account: the council's allocation
    "council_spend",  # GBP town-centre account: relief, levers, sponsorship, subsidies, grant
    "council_change",  # GBP change in the town-centre account's balance
    "tt_income",  # GBP Town Team: grant + levy
    "tt_spend",  # GBP Town Team spending
    "tt_change",  # GBP change in Town Team fund
    "relief_funded",  # GBP rates relief beyond the default, paid from the centre's account
    "council_returned",  # GBP from the centre's account back to the general fund (over the cap)
    "tt_grant",  # GBP granted by the council to the Town Team
    "tt_public_spend",  # GBP of the Town Team's spending that is public money
    "tt_public_change",  # GBP change in the public money held in the Town Team's fund
)


@dataclass
class Ledger:
    """One week's money flows (GBP), all households represented (scaled by resident weight)."""

    budget: float = 0.0
    spend: float = 0.0
    kept: float = 0.0
    revenue: float = 0.0
    park: float = 0.0
    online: float = 0.0
    rent_occupiers: float = 0.0
    rent_subsidy: float = 0.0
    rent_sponsors: float = 0.0
    landlord_income: float = 0.0
    rates_occupiers: float = 0.0
    rates_empty: float = 0.0
    rates_sponsors: float = 0.0
    council_rates: float = 0.0
    levy_paid: float = 0.0
    levy_income: float = 0.0
    cogs: float = 0.0
    fixed: float = 0.0
    fixed_sponsors: float = 0.0
    drawings: float = 0.0
    occ_cash_change: float = 0.0
    exit_cash: float = 0.0
    entry_cash: float = 0.0
    council_income: float = 0.0
    council_spend: float = 0.0
    council_change: float = 0.0
    tt_income: float = 0.0
    tt_spend: float = 0.0
    tt_change: float = 0.0
    relief_funded: float = 0.0
    council_returned: float = 0.0
    tt_grant: float = 0.0
    tt_public_spend: float = 0.0
    tt_public_change: float = 0.0

    def reset(self) -> None:
        """Zero every flow (start of a week)."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))
        for name in names:
            setattr(self, name, 0.0)

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def identities(self) -> dict[str, float]:
        """Residual of each identity in GBP (0 up to rounding); see the module docstring."""
        rent_paid = self.rent_occupiers + self.rent_subsidy + self.rent_sponsors
        rates_paid = self.rates_occupiers + self.rates_empty + self.rates_sponsors
        occ_in = self.revenue + self.entry_cash
        occ_out = (
            self.cogs
            + self.rent_occupiers
            + self.rates_occupiers
            + self.levy_paid
            + self.fixed
            + self.drawings
            + self.exit_cash
            + self.occ_cash_change
        )
        return {
            "spend": self.spend - (self.revenue + self.park + self.online),
            "budget": self.budget - (self.spend + self.kept),
            "rent": rent_paid - self.landlord_income,
            "rates": rates_paid + self.relief_funded - self.council_rates,
            "levy": self.levy_paid - self.levy_income,
            "occupiers": occ_in - occ_out,
            "council": self.council_change
            - (self.council_income - self.council_spend - self.council_returned),
            "town_team": self.tt_change - (self.tt_income - self.tt_spend),
            "town_team_public": self.tt_public_change - (self.tt_grant - self.tt_public_spend),
        }

    def max_residual(self) -> float:
        """Largest absolute residual relative to the week's budget (or GBP 1)."""
        scale = max(abs(self.budget), abs(self.council_income), 1.0)
        return max(abs(v) for v in self.identities().values()) / scale

    @property
    def public_spend(self) -> float:
        """Public money spent this week (GBP): the town-centre account's spending less its
        grant to the Town Team, plus the Town Team's spending of public money (the levy is
        not public money)."""
        return self.council_spend - self.tt_grant + self.tt_public_spend


#: Field names per Ledger class (``dataclasses.fields`` is slow to call every week).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
