"""Mesa agents: thin views over rows of the state arrays (MODEL.md, "Architecture").

No rule lives here: the arrays in :mod:`sim.state` are the one source of truth, and these
objects only expose a row to Mesa's AgentSets, DataCollector, batch_run and SolaraViz.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.categories import CATEGORIES, OWNER_TYPES, SPONSORS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TownModel


class Occupier(mesa.Agent):
    """The occupier of one unit (a shop, service, or sponsored community use)."""

    def __init__(self, model: TownModel, unit: int) -> None:
        super().__init__(model)
        self.unit = int(unit)

    @property
    def _u(self):
        return self.model.world.units

    @property
    def category(self) -> str:
        return CATEGORIES[int(self._u.category[self.unit])]

    @property
    def is_chain(self) -> bool:
        return bool(self._u.chain[self.unit])

    @property
    def is_meanwhile(self) -> bool:
        return bool(self._u.meanwhile[self.unit])

    @property
    def sponsor(self) -> str:
        return SPONSORS[int(self._u.sponsor[self.unit])]

    @property
    def cash(self) -> float:
        return float(self._u.cash[self.unit])

    @property
    def rent(self) -> float:
        return float(self._u.rent[self.unit])

    @property
    def revenue(self) -> float:
        return float(self._u.revenue[self.unit])

    @property
    def rolling_margin(self) -> float:
        return float(self._u.margin[self.unit])

    @property
    def xy(self) -> tuple[float, float]:
        t = self.model.world.town
        return float(t.x[self.unit]), float(t.y[self.unit])


class Landlord(mesa.Agent):
    """A landlord: owner of one or more units."""

    def __init__(self, model: TownModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def units(self):
        return (self.model.world.units.landlord == self.index).nonzero()[0]

    @property
    def kind(self) -> str:
        u = self.model.world.units
        own = u.owner_type[u.landlord == self.index]
        return OWNER_TYPES[int(own[0])] if own.size else "community"

    @property
    def rent_income(self) -> float:
        inc = self.model.world.col.landlord_income
        return float(inc[self.index]) if self.index < inc.size else 0.0

    @property
    def vacant_units(self) -> int:
        u = self.model.world.units
        return int(((u.landlord == self.index) & (u.category < 0)).sum())


class Council(mesa.Agent):
    """The council: its levers are parameters, its budget a row of the collective state."""

    @property
    def balance(self) -> float:
        return float(self.model.world.col.council_balance)

    @property
    def public_realm_stock(self) -> float:
        return float(self.model.world.col.pr_stock)


class TownTeam(mesa.Agent):
    """The Town Team (present only where the scenario enables it)."""

    @property
    def fund(self) -> float:
        return float(self.model.world.col.tt_balance)

    @property
    def members(self):
        return self.model.world.col.tt_members

    @property
    def allocation(self):
        return self.model.world.col.tt_alloc

    @property
    def effectiveness(self) -> float:
        return float(self.model.world.col.tt_effectiveness)
