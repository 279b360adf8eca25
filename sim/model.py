"""TownModel: the town-centre model as a ``mesa.Model``; the only copy of the step order.

One step is one week (MODEL.md, "Time and space"). A step runs the rules in this order, each
``rule(world, pars, rng)`` with the week's parameters and named streams:

1. **drivers**: this week's online share, spend multiplier, trip penalty, online boost and
   chain expansion (:mod:`sim.rules.drivers`);
2. **council, Town Team**: lever spending commits; pools for sponsorship and start-up support
   open; public realm, events, marketing and brokerage take effect; the Town Team allocates
   its fund each quarter (:mod:`sim.rules.council`, :mod:`sim.rules.town_team`);
3. **venue weights**: this week's Huff weights of every visit group (:mod:`sim.rules.visits`);
4. **trips**: every resident chooses centre, retail park, online or nothing
   (:mod:`sim.rules.trips`);
5. **visits and spending**: centre visitors choose venues and spend (:mod:`sim.rules.visits`);
6. **ties**: decay, then co-presence meetings at venues (:mod:`sim.rules.ties`);
7. **engagement**: participation, engagement, volunteer hours (:mod:`sim.rules.engagement`);
8. **market signals**: rolling revenue per m2, the market rent index, traders' footfall
   memories (:mod:`sim.rules.market`);
9. **occupiers**: renewal offers, then weekly accounts, sponsorship, exits, branch closures,
   lease ends (:mod:`sim.rules.landlords`, :mod:`sim.rules.occupiers`);
10. **landlords**: rent collection, asking rents, community asset transfer
    (:mod:`sim.rules.landlords`);
11. **entrants and letting**: applications, landlords' choices, new occupiers, empty-property
    rates (:mod:`sim.rules.entrants`, :mod:`sim.rules.landlords`);
12. **accounts**: council and Town Team books; the stock-flow identities (:mod:`sim.ledger`);
13. **measure**: the outcomes (:mod:`sim.measure`) into Mesa's DataCollector.

Levers of the scenario apply from week ``burn_in_weeks``, or inside the scenario's
programme window (``[programme] start_year``, ``end_year``), following any lever's path
over time; outside it (and always during the burn-in) every lever is at its default (the
market setting), so all scenarios share the same burn-in (:meth:`TownModel.pars_at`).
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import outcomes as outcome_table
from sim.agents import Council, Landlord, Occupier, TownTeam
from sim.measure import COUNT_OUTCOMES, AccessCache, measure
from sim.params import Params
from sim.rules import (
    council,
    drivers,
    engagement,
    entrants,
    landlords,
    market,
    occupiers,
    ties,
    town_team,
    trips,
    visits,
)
from sim.scenarios import (
    Drivers,
    InputError,
    Scenario,
    check_value,
    load_drivers,
    load_scenario,
    week_of_year,
)
from sim.state import Week, World, init_world
from sim.streams import RunStreams, Streams, fresh_seed
from sim.town import Town, resolve_town

__all__ = ["COUNT_OUTCOMES", "OUTCOMES", "TownModel"]

#: Outcomes collected every step (model-level reporters of the DataCollector), in order.
OUTCOMES: tuple[str, ...] = outcome_table.NAMES


class OutcomeCollector(mesa.DataCollector):
    """Mesa's DataCollector over the model-level outcomes, without its per-value ``deepcopy``.

    Every outcome is a float (immutable), so storing the value itself records the same row
    as Mesa's copy; any other reporter set (agent reporters, an added model reporter) goes
    through Mesa's own ``collect``.
    """

    def collect(self, model: Any) -> None:
        if (
            self.agent_reporters
            or self.agenttype_reporters
            or self.model_reporters.keys() != self.model_vars.keys()
            or tuple(self.model_reporters) != OUTCOMES
        ):
            super().collect(model)
            return
        o, mv = model.outcomes, self.model_vars
        for k in OUTCOMES:
            mv[k].append(o[k])


def _split_overrides(kwargs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, val in kwargs.items():
        if "__" not in key:
            raise InputError(f"TownModel: unknown argument '{key}' (parameters are group__name)")
        g, n = key.split("__", 1)
        out.setdefault(g, {})[n] = check_value("TownModel", g, n, val)
    return out


def _with_catchment(pars: Params, town: Town) -> Params:
    """The parameters with the town's catchment: its households where ``run.households`` is 0
    (the default), and the catchment radius and density decay where the town file gives them."""
    over: dict[str, dict[str, Any]] = {"run": {}, "residents": {}}
    if pars.run.households <= 0:
        over["run"]["households"] = float(town.households)
    if town.catchment_km is not None:
        over["residents"]["catchment_km"] = float(town.catchment_km)
    if town.density_decay_km is not None:
        over["residents"]["density_decay_km"] = float(town.density_decay_km)
    return pars.replace(over)


def _week(w: World, pars: Params, rng: Streams, programme: bool = False) -> None:
    """One week's rules, in order (the module docstring); ``programme``: the scenario's
    levers apply this week (:meth:`TownModel.pars_at`)."""
    w.ledger.reset()
    w.now = Week(week=w.week, programme=programme)
    for rule in (
        drivers.step,  # 1 this week's drivers
        council.step,  # 2 lever spending and pools
        town_team.step,  #   the Town Team's quarter and spending
        visits.group_weights,  # 3 venue weights
        trips.step,  # 4 trip choice
        visits.step,  # 5 venue choice and spending
        ties.step,  # 6 meetings
        engagement.step,  # 7 participation, engagement, volunteering
        market.step,  # 8 market signals
        landlords.offer_renewals,  # 9 renewal rents and reviews,
        occupiers.step,  #   then accounts, exits and renewals
        landlords.step,  # 10 rent, asking rents, asset transfer, conversions
        entrants.step,  # 11 applications,
        landlords.let,  #    lettings and empty-property rates
        council.close_week,  # 12 accounts
        town_team.close_week,
    ):
        rule(w, pars, rng)


class TownModel(mesa.Model):
    """Agent-based model of a town centre under a governance scenario.

    Args:
        scenario: bundled scenario name, path to a scenario TOML, a :class:`Scenario`, or None
            (parameter defaults: the consumer-led market).
        drivers: bundled drivers name, path, :class:`Drivers`, or None (the ONS baseline).
        town: a :class:`Town`, a town CSV path, a layout name (``linear``, ``cross``,
            ``grid``), or None (the bundled example town).
        residents: simulated residents (overrides ``run.residents``).
        years: years after burn-in (overrides ``run.years``).
        rng: the run seed (int). None draws a fresh seed, recorded as ``self.run_seed``.
        overrides: ``{group: {name: value}}`` applied after the scenario.
        **params: single parameters as ``group__name=value`` (for ``mesa.batch_run``).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | None = None,
        drivers: str | Path | Drivers | None = None,
        town: Town | str | Path | None = None,
        residents: int | None = None,
        years: float | None = None,
        rng: int | None = None,
        overrides: dict[str, dict[str, Any]] | None = None,
        **params: Any,
    ) -> None:
        if rng is None:
            rng = fresh_seed()
        self.run_seed = int(rng)
        super().__init__(rng=self.run_seed)
        self.scenario = load_scenario(scenario)
        self.drivers = load_drivers(drivers)
        self.town = town if isinstance(town, Town) else resolve_town(town)
        run_over: dict[str, Any] = {}
        if residents is not None:
            run_over["residents"] = check_value("TownModel", "run", "residents", residents)
        if years is not None:
            run_over["years"] = check_value("TownModel", "run", "years", years)
        pars = Params().replace(self.scenario.overrides)
        if overrides:
            pars = pars.replace(
                {
                    g: {k: check_value("TownModel", g, k, v) for k, v in t.items()}
                    for g, t in overrides.items()
                }
            )
        extra = _split_overrides(params)
        extra.setdefault("run", {}).update(run_over)
        self.pars: Params = _with_catchment(pars.replace(extra), self.town)
        self.pars_burn_in: Params = self.pars.levers()
        rp = self.pars.run
        self.burn_in = int(rp.burn_in_weeks)
        self.n_weeks = self.burn_in + max(1, int(round(rp.years * 52)))
        #: weeks [first, end) in which the scenario's levers apply
        self.window: tuple[int, int] = self.scenario.window(
            self.drivers.start_year, self.burn_in, self.n_weeks
        )
        self._paths = [
            (g, n, [week_of_year(y, self.drivers.start_year) for y in years], values)
            for g, t in self.scenario.paths.items()
            for n, (years, values) in t.items()
        ]
        self._pars_by_step: dict[tuple[int, ...], Params] = {}
        #: the run's named random streams (sim.streams)
        self.streams = RunStreams(self.run_seed)
        self.world: World = init_world(
            self.town,
            self.pars,
            self.drivers.weekly(self.n_weeks),
            self.streams.generator("init_residents", -1),
            self.streams.generator("init_occupiers", -1),
        )
        self.last_identities: dict[str, float] = {}
        self._access = AccessCache()
        self._spin_up()
        u = self.world.units
        # Mesa agents: views over the arrays
        self.occupier_agents: dict[int, Occupier] = {}
        for j in np.flatnonzero(u.category >= 0):
            self.occupier_agents[int(j)] = Occupier(self, int(j))
        for i in range(self.world.n_landlords):
            Landlord(self, i)
        self.council_agent = Council(self)
        self.town_team_agent = TownTeam(self) if self.pars.town_team.enabled else None
        spun = self.pars.run.spin_up_weeks > 0
        rng0 = self.streams.week(-1)
        self.outcomes: dict[str, float] = measure(
            self.world, self.pars_at(0), rng0, self._access, first=not spun
        )
        self.datacollector = OutcomeCollector(
            model_reporters={k: (lambda m, k=k: m.outcomes[k]) for k in OUTCOMES}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ helpers
    @property
    def week(self) -> int:
        """Weeks run so far (the next week to run)."""
        return self.world.week

    @week.setter
    def week(self, value: int) -> None:
        self.world.week = int(value)

    @property
    def driver_table(self) -> dict[str, np.ndarray]:
        """The weekly driver values of the run (:meth:`sim.scenarios.Drivers.weekly`)."""
        return self.world.driver_table

    @property
    def counts(self) -> dict[str, Any]:
        """The rules' counts of the last week (openings, closures, meetings, ...)."""
        return self.world.now.counts

    @property
    def online_constant(self) -> float:
        """This week's calibrated online constant (utils)."""
        return self.world.col.online_constant

    def in_programme(self, week: int) -> bool:
        """Whether the scenario's levers apply in ``week`` (inside :attr:`window`)."""
        return self.window[0] <= week < self.window[1]

    def pars_at(self, week: int) -> Params:
        """Parameters in force in ``week``: the scenario's inside the programme window, with
        each lever path's value of that week (the default before its first year); default
        levers outside the window and during the burn-in."""
        if not self.in_programme(week):
            return self.pars_burn_in
        if not self._paths:
            return self.pars
        key = tuple(bisect_right(weeks, week) for _, _, weeks, _ in self._paths)
        pars = self._pars_by_step.get(key)
        if pars is None:
            over: dict[str, dict[str, Any]] = {}
            for (g, n, _, values), k in zip(self._paths, key, strict=True):
                if k > 0:
                    over.setdefault(g, {})[n] = values[k - 1]
            pars = self._pars_by_step[key] = self.pars.replace(over)
        return pars

    @property
    def finished(self) -> bool:
        return self.week >= self.n_weeks

    def params_used(self) -> dict[str, dict[str, Any]]:
        """Every parameter value of this run (for the run summary)."""
        return self.pars.to_dict()

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one week: the rules in the order of the module docstring."""
        w, pars = self.world, self.pars_at(self.week)
        rng = self.streams.week(self.week)
        _week(w, pars, rng, programme=self.in_programme(self.week))
        self.last_identities = w.ledger.identities()
        self._sync_agents(w.now.closed, w.now.opened, pars)
        w.week += 1
        self.outcomes = measure(w, pars, rng, self._access)  # 13 outcomes
        self.datacollector.collect(self)
        if self.finished:
            self.running = False

    # ------------------------------------------------------------------ internals
    def _spin_up(self) -> None:
        """Run ``run.spin_up_weeks`` weeks before week 0 and discard them, so the run starts
        from the model's own steady state for its start year, not from the town file's
        snapshot: levers at their market defaults, drivers held at the start year's values,
        the spin-up's own streams. Then the state is re-dated to week 0 and the references of
        the run (rolling revenue, rent demand, attractiveness) are set from it."""
        w, pars = self.world, self.pars_burn_in
        spin = int(self.pars.run.spin_up_weeks)
        table = w.driver_table
        if spin > 0:
            w.driver_table = {k: np.repeat(v[:1], spin) for k, v in table.items()}
            for k in range(spin):
                w.week = k
                _week(w, pars, self.streams.week(k, spin_up=True))
            w.driver_table = table
            u = w.units
            for name in ("lease_end", "opened", "vacant_since"):  # re-dated to week 0
                setattr(u, name, getattr(u, name) - spin)
            w.week = 0
            # public accounts start at the run's start (the spin-up's are discarded)
            w.col.council_balance = w.col.tt_balance = w.col.tt_public = w.col.pr_stock = 0.0
            w.ledger.reset()
        w.now = Week(week=0)
        drivers.step(w, pars, self.streams.week(0))
        market.rebase(w, pars)

    def _sync_agents(self, closed: np.ndarray, opened: np.ndarray, pars: Params) -> None:
        for j in closed:
            a = self.occupier_agents.pop(int(j), None)
            if a is not None:
                a.remove()
        for j in opened:
            self.occupier_agents[int(j)] = Occupier(self, int(j))
        if pars.town_team.enabled and self.town_team_agent is None:
            self.town_team_agent = TownTeam(self)

    # ------------------------------------------------------------------ running
    def run(self, progress: Any = None) -> None:
        """Step until the horizon; ``progress`` (e.g. a tqdm bar) is updated once per week."""
        while not self.finished:
            self.step()
            if progress is not None:
                progress.update(1)

    def results(self):
        """Per-step outcomes as a pandas DataFrame (one row per week, week 0 = initial)."""
        return self.datacollector.get_model_vars_dataframe()
