"""Mesa agents: thin views over rows of the state arrays (MODEL.md, "Architecture").

No rule lives here: the arrays in :mod:`sim.state` are the one source of truth, and these
objects only expose a row to Mesa's AgentSets, DataCollector, batch_run and SolaraViz.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa

from sim.categories import CATEGORIES, OWNER_TYPES, SPONSORS, VACANT

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TownModel


class _ModelIdCounters:
    """Per-model counters of agents' ``unique_id``, holding the models weakly.

    Mesa 3.3's ``Agent._ids`` is a class-level ``defaultdict`` keyed by the model, so every
    model ever built stays in memory (mesa issue #3179, fixed upstream by PR #3180 after
    3.3.1): a worker process running thousands of sweep runs grew by ~1.7 MB a run. Our agents
    use this mapping instead (same ids: 1, 2, 3, ... per model), which lets a finished model be
    garbage-collected.
    """

    def __init__(self) -> None:
        self._counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        c = self._counters.get(model)
        if c is None:
            c = self._counters[model] = itertools.count(1)
        return c

    def __setitem__(self, model: mesa.Model, counter: itertools.count) -> None:
        self._counters[model] = counter

    def __contains__(self, model: object) -> bool:
        return model in self._counters


class _TownAgent(mesa.Agent):
    """Base of the model's Mesa agents: Mesa's Agent with weakly held id counters."""

    _ids = _ModelIdCounters()


class Occupier(_TownAgent):
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


class Landlord(_TownAgent):
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
        return int(((u.landlord == self.index) & (u.category == VACANT)).sum())


class Council(_TownAgent):
    """The council: its levers are parameters, its budget a row of the collective state."""

    @property
    def balance(self) -> float:
        return float(self.model.world.col.council_balance)

    @property
    def public_realm_stock(self) -> float:
        return float(self.model.world.col.pr_stock)


class TownTeam(_TownAgent):
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
