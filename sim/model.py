"""TownModel: the town-centre model as a ``mesa.Model``; the only copy of the step order.

One step is one week (MODEL.md, "Time and space"). A step runs, in this order:

1. **drivers**: this week's online share, spend multiplier, trip penalty, online boost and
   chain expansion (:mod:`sim.rules.drivers`);
2. **council, Town Team (start)**: quarterly Town Team allocation; lever spending commits;
   pools for sponsorship and start-up support open; public realm, events, marketing and
   brokerage take effect (:mod:`sim.rules.council`, :mod:`sim.rules.town_team`);
3. **trips**: every resident chooses centre, retail park, online or nothing
   (:mod:`sim.rules.trips`);
4. **visits and spending**: centre visitors choose venues (Huff logit) and spend
   (:mod:`sim.rules.visits`);
5. **ties**: decay, then co-presence meetings at venues (:mod:`sim.rules.ties`);
6. **engagement**: participation, engagement update, volunteer hours
   (:mod:`sim.rules.engagement`);
7. **market signals**: rolling revenue per m2 and the market rent index;
8. **occupiers**: weekly accounts, sponsorship, exits, branch closures, lease ends
   (:mod:`sim.rules.occupiers`);
9. **landlords**: rent collection, asking rents, community asset transfer
   (:mod:`sim.rules.landlords`);
10. **entrants and letting**: applications, landlords' choices, new occupiers
    (:mod:`sim.rules.entrants`, :mod:`sim.rules.landlords`);
11. **accounts**: empty-property rates, council and Town Team books; stock-flow identities;
12. **measure**: outcomes (:mod:`sim.metrics`) into Mesa's DataCollector.

Levers of the scenario apply from week ``burn_in_weeks``; before that every lever is at its
default (the market setting), so all scenarios share the same burn-in.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import metrics
from sim import outcomes as outcome_table
from sim.agents import Council, Landlord, Occupier, TownTeam
from sim.categories import (
    ATTRACT,
    CAT,
    COMMERCIAL,
    MEET,
    N_CAT,
    N_SHOP_TYPES,
    NEF_TYPES,
    SHOP_TYPE,
    SPEND_W,
)
from sim.params import Params
from sim.rules import (
    council,
    drivers,
    engagement,
    entrants,
    landlords,
    occupiers,
    ties,
    town_team,
    trips,
    visits,
)
from sim.scenarios import Drivers, InputError, Scenario, check_value, load_drivers, load_scenario
from sim.state import World, centre_attractiveness, init_world
from sim.streams import fresh_seed, stream
from sim.town import Town, resolve_town

THIRD_PLACES = np.zeros(len(MEET), np.bool_)
for _c in ("food_drink", "market", "community", "learning", "voluntary"):
    THIRD_PLACES[CAT[_c]] = True

#: Category codes of the access outcomes (a grocery, a health use), and the empty mask that
#: stands for "no cached set of units" in _measure.
_GROCERY: int = CAT["convenience"]
_HEALTH: int = CAT["health"]
_NO_MASK = np.zeros(0, np.bool_)

#: Weekly counts of the occupier and letting rules, reported as outcomes.
COUNT_OUTCOMES: tuple[str, ...] = (
    "openings",
    "openings_chain",
    "openings_independent",
    "openings_noncommercial",
    "relet_spell_weeks",
    "closures",
    "closures_chain",
    "closures_independent",
    "closures_noncommercial",
)

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
        self.pars: Params = pars.replace(extra)
        self.pars_burn_in: Params = self.pars.levers()
        rp = self.pars.run
        self.burn_in = int(rp.burn_in_weeks)
        self.n_weeks = self.burn_in + max(1, int(round(rp.years * 52)))
        self.driver_table = self.drivers.weekly(self.n_weeks)
        self.world: World = init_world(
            self.town,
            self.pars,
            stream(self.run_seed, "init_residents"),
            stream(self.run_seed, "init_occupiers"),
        )
        self.week = 0
        self.counts: dict[str, Any] = {}
        self.last_identities: dict[str, float] = {}
        self._footfall_fast = self._footfall_slow = 0.0
        self._log_walk = np.log(np.maximum(self.world.walk_from, 1.0))
        self._online_sample = trips.online_sample(self.world.res.n)
        self.online_constant = 0.0  # utils; this week's calibrated online constant
        self._log_dist: tuple[np.ndarray, ...] = ()
        res = self.world.res
        self._group = (res.sector * self.world.pref.shape[0] + res.taste).astype(np.int64)
        self._access_cache: dict[str, tuple[np.ndarray, float]] = {}
        self._neigh_cache: tuple[Any, ...] = ()
        self._online_terms: tuple[Any, ...] = ()
        self._fs_pow: tuple[Any, ...] = ()
        self._pull = np.empty(0)  # friend pulls of this week's trips, per resident
        self._sample_group_cache: tuple[Any, ...] = ()
        self._main_order = self.town.main_street_order()  # for the NEF-style survey
        u = self.world.units
        self._log_attract_base = np.log(np.maximum(u.floorspace, 1e-9))
        # Mesa agents: views over the arrays
        self.occupier_agents: dict[int, Occupier] = {}
        for j in np.flatnonzero(u.category >= 0):
            self.occupier_agents[int(j)] = Occupier(self, int(j))
        for i in range(self.world.n_landlords):
            Landlord(self, i)
        self.council_agent = Council(self)
        self.town_team_agent = TownTeam(self) if self.pars.town_team.enabled else None
        self.outcomes: dict[str, float] = {}
        self._measure(empty_week=True)
        self.datacollector = OutcomeCollector(
            model_reporters={k: (lambda m, k=k: m.outcomes[k]) for k in OUTCOMES}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ helpers
    def pars_at(self, week: int) -> Params:
        """Parameters in force in ``week`` (default levers during burn-in)."""
        return self.pars_burn_in if week < self.burn_in else self.pars

    @property
    def finished(self) -> bool:
        return self.week >= self.n_weeks

    def params_used(self) -> dict[str, dict[str, Any]]:
        """Every parameter value of this run (for the run summary)."""
        return self.pars.to_dict()

    def visit_weights(self, pars: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """This week's venue-choice weights per visit group (:func:`visits.group_weights`) and
        each unit's spend weight (0 at vacant and non-commercial units)."""
        w, u, rp = self.world, self.world.units, pars.residents
        log_attract, spend_w = visits.unit_terms_nb(u.category, ATTRACT, SPEND_W)
        np.log(log_attract, out=log_attract)  # numpy's log, in place
        log_attract += self._log_attract_base
        gw, cum, tot = visits.group_weights(
            w.pref,
            w.indep_taste,
            u.category,
            u.chain,
            log_attract,
            self._log_walk,
            self._vacant_neighbour_share(),
            rp.walk_b,
            rp.blight,
            rp.huff_a,
            u.quality,
        )
        return gw, cum, tot, spend_w

    def trip_utilities(
        self,
        pars: Params,
        d: dict[str, float],
        gw: np.ndarray,
        tot: np.ndarray,
        spend_w: np.ndarray,
        pull: np.ndarray | None = None,
    ) -> tuple[float, float, float]:
        """This week's common centre, park and online utilities of the trip choice.

        ``pull``: every resident's friend pull this week (:meth:`friend_pulls`), computed here
        if not given.

        The online constant is calibrated to the driver's online share ``d["online"]`` with the
        centre at its reference utility (:func:`trips.online_constant_nb`); a shock's online
        boost is added after (docs/model.md, departure on the online channel).
        """
        w, u, col, res, rp = (
            self.world,
            self.world.units,
            self.world.col,
            self.world.res,
            pars.residents,
        )
        attract = (
            centre_attractiveness(u, rp.huff_a, self._floorspace_pow(rp.huff_a)) / col.attract_ref
        )
        cu_c, cu_p = trips.common_utilities(
            pars,
            float(d["trip_penalty"]),
            attract,
            council.public_realm_gain(w, pars),
            col.event_intensity,
            col.marketing,
        )
        ref_c, ref_p = trips.reference_utilities(pars)
        kappa = trips.visit_spend_share(gw, tot, spend_w)[self._sample_group()]
        log_dc, log_dp = self._log_distances()
        ep, eo = self._online_fixed_terms(log_dp, ref_p, rp.beta_dist)
        if pull is None:
            pull = self.friend_pulls()
        cu_o = trips.online_constant_pull_nb(
            self._online_sample,
            log_dc,
            pull,
            res.budget,
            kappa,
            ep,
            eo,
            ref_c,
            rp.beta_dist,
            rp.beta_friends,
            min(max(float(d["online"]), 1e-4), 1.0 - 1e-4),
        ) + float(d["online_boost"])
        self.online_constant = float(cu_o)
        return cu_c, cu_p, float(cu_o)

    def friend_pulls(self) -> np.ndarray:
        """Every resident's friend pull this week (:func:`trips.friend_pulls_nb`: the
        strength-weighted share of their ties who went to the centre last week), in a buffer
        reused from week to week; the trip kernel and the online calibration both read it."""
        res = self.world.res
        if self._pull.shape != (res.n,):
            self._pull = np.empty(res.n)
        trips.friend_pulls_nb(res.tie_id, res.tie_w, res.went, self._pull)
        return self._pull

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one week (see the module docstring for the order of rules)."""
        w, week, seed = self.world, self.week, self.run_seed
        pars = self.pars_at(week)
        res, u, col, L = w.res, w.units, w.col, w.ledger
        L.reset()
        # 1 drivers
        d = drivers.this_week(self.driver_table, week)
        # 2 council and Town Team
        tt_on = pars.town_team.enabled
        if tt_on and ((week - self.burn_in) % 13 == 0 or col.tt_alloc.sum() == 0):
            town_team.allocate(w, pars, self.outcomes.get("vacancy_rate", 0.0))
        spent_c = council.start_week(w, pars)
        spent_tt = town_team.start_week(w, pars)
        # 3 trips (the venue weights of step 4 come first: the online calibration needs them)
        R = res.n
        K = res.venues.shape[1]
        rp = pars.residents
        gw, cum, tot, spend_w = self.visit_weights(pars)
        pull = self.friend_pulls()
        cu_c, cu_p, cu_o = self.trip_utilities(pars, d, gw, tot, spend_w, pull)
        draws = stream(seed, "trips", week).random(R, dtype=np.float32)
        trips.trips_pull_nb(
            *self._log_distances(),
            res.online_prop,
            pull,
            draws,
            cu_c,
            cu_p,
            cu_o,
            rp.beta_dist,
            rp.beta_friends,
            res.choice,
        )
        # 4 visits and spending
        res.venues_prev, res.venues = res.venues, res.venues_prev
        u.revenue[:] = 0.0
        u.visits[:] = 0.0
        out = np.zeros(6)
        vdraw = stream(seed, "visits", week).random((R, K), dtype=np.float32)
        visits.visits_nb(
            res.choice,
            self._group,
            res.budget,
            res.venues_prev,
            res.tie_id,
            gw,
            cum,
            tot,
            spend_w,
            rp.beta_friend_venue,
            vdraw,
            d["spend_mult"],
            w.weight,
            res.venues,
            u.revenue,
            u.visits,
            out,
        )
        L.budget, L.spend, L.kept, L.revenue, L.park, L.online = (float(x) for x in out)
        res.went[:] = res.choice == trips.CENTRE
        # 5 ties
        tp = pars.ties
        meet, nonc = ties.unit_meet_rates_nb(
            u.category, MEET, THIRD_PLACES, COMMERCIAL, tp.meet_scale, tp.third_place_meet
        )
        g = stream(seed, "ties", week)
        u_meet = g.random((R, K), dtype=np.float32)
        u_partner = g.random((R, K), dtype=np.float32)
        self.counts["meetings"], self.counts["new_ties"] = ties.ties_nb(
            res.venues,
            u.n,
            meet,
            u_meet,
            u_partner,
            res.tie_id,
            res.tie_w,
            tp.decay,
            tp.drop_below,
            tp.new_strength,
            tp.strengthen,
        )
        # 6 engagement
        ep = pars.engagement
        u_consult = stream(seed, "engagement", week).random(R, dtype=np.float32)
        engagement.participation(
            res.venues, nonc, u_consult, council.consult_rate(pars), res.participated
        )
        engagement.engagement_nb(
            res.engagement,
            res.tie_w,
            res.participated,
            ep.rise_ties,
            ep.rise_participation,
            ep.decay,
        )
        col.volunteer_supply = engagement.volunteer_supply(
            res.engagement, ep.volunteer_threshold, ep.volunteer_hours, w.weight
        )
        # 7 market signals
        if week == 0:
            self._init_signals()
        entrants.update_signals(w, pars.occupiers.margin_memory)
        landlords.update_market(w, pars)
        # 8 occupiers
        occ = occupiers.step(
            w,
            pars,
            d["online"],
            landlords.renewal_rents(w, pars),
            week,
            stream(seed, "occupiers", week).random(u.n),
        )
        # 9 landlords
        landlords.collect_rent(w)
        ask = landlords.asking_rents(w, pars, week)
        g_ll = stream(seed, "landlords", week)
        transfers = landlords.asset_transfer(w, pars, week, g_ll)
        # 10 entrants and letting
        apps = entrants.applicants(
            w,
            pars,
            ask,
            d["spend_mult"],
            d["chain_expansion"],
            week,
            stream(seed, "entrants", week),
        )
        let = landlords.let_units(w, pars, apps, ask, week, g_ll)
        # 11 accounts
        L.rates_empty += float(landlords.empty_rates(w, pars, week).sum())
        council.end_week(w, pars, spent_c)
        town_team.end_week(w, pars, spent_tt, spent_c.get("town_team_grant", 0.0))
        self.last_identities = L.identities()
        self.counts.update({k: v for k, v in occ.items() if not k.endswith("_units")})
        self.counts.update({k: v for k, v in let.items() if not k.endswith("_units")})
        self.counts["asset_transfers"] = transfers
        self._sync_agents(occ["closed_units"], let["opened_units"], pars)
        # 12 measure
        self.week += 1
        self._measure()
        self.datacollector.collect(self)
        if self.finished:
            self.running = False

    # ------------------------------------------------------------------ internals
    def _attract_per_m2(self) -> np.ndarray:
        return ATTRACT[np.maximum(self.world.units.category, 0)]

    def _log_distances(self) -> tuple[np.ndarray, np.ndarray]:
        """ln(d + 0.1) to the centre and to the park per resident, for the trip kernel.

        Distances never change in a run: computed once, and again only if the arrays are
        replaced (a restored checkpoint).
        """
        res = self.world.res
        c = self._log_dist
        if not c or c[0] is not res.dist_km or c[1] is not res.park_km:
            c = (
                res.dist_km,
                res.park_km,
                trips.log_distance(res.dist_km),
                trips.log_distance(res.park_km),
            )
            self._log_dist = c
        return c[2], c[3]

    def _floorspace_pow(self, huff_a: float) -> np.ndarray:
        """``floorspace ** huff_a`` per unit for :func:`centre_attractiveness`, computed once
        (again only for a new exponent or replaced arrays)."""
        fs, c = self.world.units.floorspace, self._fs_pow
        if not c or c[0] is not fs or c[1] != float(huff_a):
            c = self._fs_pow = (fs, float(huff_a), fs ** float(huff_a))
        return c[2]

    def _sample_group(self) -> np.ndarray:
        """The visit group of each resident of the online calibration's sample (fixed in a
        run: gathered once, again only if the arrays are replaced)."""
        g, sample, c = self._group, self._online_sample, self._sample_group_cache
        if not c or c[0] is not g or c[1] is not sample:
            c = self._sample_group_cache = (g, sample, g[sample])
        return c[2]

    def _online_fixed_terms(
        self, log_dp: np.ndarray, park_ref: float, beta_dist: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The week-invariant terms of the online calibration (:func:`trips.online_fixed_terms_nb`),
        recomputed only when an input changes (new parameters, replaced arrays)."""
        sample, prop = self._online_sample, self.world.res.online_prop
        key = (sample, log_dp, prop, float(park_ref), float(beta_dist))
        c = self._online_terms
        if (
            not c
            or c[0] is not sample
            or c[1] is not log_dp
            or c[2] is not prop
            or c[3:5] != key[3:5]
        ):
            c = self._online_terms = (
                *key,
                *trips.online_fixed_terms_nb(sample, log_dp, prop, park_ref, beta_dist),
            )
        return c[5], c[6]

    def _vacant_neighbour_share(self) -> np.ndarray:
        w = self.world
        return visits.vacant_neighbour_share_nb(w.units.category, w.neigh_indptr, w.neigh_indices)

    def _vacant_neighbour_share_ref(self) -> np.ndarray:
        """Plain-numpy reference of :func:`visits.vacant_neighbour_share_nb` on this town."""
        w = self.world
        vac = (w.units.category < 0).astype(np.float64)
        deg = np.diff(w.neigh_indptr)
        sums = (
            np.add.reduceat(np.append(vac[w.neigh_indices], 0.0), w.neigh_indptr[:-1])
            if w.neigh_indices.size
            else np.zeros(w.units.n)
        )
        sums = np.where(deg > 0, sums, 0.0)
        return np.divide(sums, deg, out=np.zeros(w.units.n), where=deg > 0)

    def _init_signals(self) -> None:
        w = self.world
        u = w.units
        com = (u.category >= 0) & COMMERCIAL[np.maximum(u.category, 0)]
        area = float(u.floorspace[com].sum())
        now = float(u.revenue[com].sum()) / area if area > 0 else 0.0
        if now <= 0:  # nothing trades at the start: the spend a trading centre would draw,
            # DATA.md: town centres took 42% of retail spend (2010)
            now = 0.42 * w.ledger.budget / max(float(u.floorspace.sum()), 1e-9)
        w.col.spend_ref = now if now > 0 else 1.0
        w.col.rev_all = now
        entrants.update_signals(w, 1.0)

    def _sync_agents(self, closed: np.ndarray, opened: np.ndarray, pars: Params) -> None:
        for j in closed:
            a = self.occupier_agents.pop(int(j), None)
            if a is not None:
                a.remove()
        for j in opened:
            self.occupier_agents[int(j)] = Occupier(self, int(j))
        if pars.town_team.enabled and self.town_team_agent is None:
            self.town_team_agent = TownTeam(self)

    def _measure(self, empty_week: bool = False) -> None:
        w, week = self.world, self.week
        u, res, col, L = w.units, w.res, w.col, w.ledger
        o = self.outcomes
        o["week"] = float(week)
        o["year"] = float(self.drivers.start_year + week / 52.0)
        o["policy"] = float(week > self.burn_in)
        n = u.n
        csr = self._neigh_csr()
        acc_g = self._access_cache.get("grocery_access")
        acc_h = self._access_cache.get("health_access")
        # unit counts, Moran's I, sums over units and residents: one kernel, the same bits
        # as the numpy expressions it replaced (metrics._week_units_ref)
        counts, uc, f = metrics._week_units_nb(
            u.category,
            u.chain,
            u.meanwhile,
            u.vacant_since,
            week,
            COMMERCIAL,
            SHOP_TYPE,
            self._main_order,
            N_CAT,
            50,
            52,
            csr[0],
            csr[1],
            u.floorspace,
            u.rent,
            u.visits,
            _GROCERY,
            _NO_MASK if acc_g is None else acc_g[0],
            _HEALTH,
            _NO_MASK if acc_h is None else acc_h[0],
            res.engagement,
            res.participated,
            res.choice,
            trips.CENTRE,
        )
        uc, f = uc.tolist(), f.tolist()  # Python ints and floats: the same values
        if uc[0] < 0:  # a code >= N_CAT: category_counts raises the error
            metrics.category_counts(u.category)
        if not f[metrics.WU_CSR_OK]:  # morans_i_csr raises the error
            metrics.morans_i_csr((u.category < 0).astype(np.float64), csr)
        # the integer counts of metrics.vacancy_rate and metrics.vacancy_spells, one pass
        n_vac = int(uc[11])
        o["vacancy_rate"] = float(n_vac) / n if n else 0.0
        o["long_term_vacancy_rate"] = float(int(uc[6])) / n if n else 0.0
        o["mean_vacancy_spell"] = float(int(uc[7])) / n_vac if n_vac else 0.0
        o["vacancy_morans_i"] = float(f[metrics.WU_MORANS])
        n_occ = int(uc[1])
        o["occupied"] = float(n_occ)
        o["vacant"] = float(n - n_occ)
        o["meanwhile_units"] = float(int(uc[2]))
        o["noncommercial_units"] = float(int(uc[3]))
        # metrics.diversity(counts), the same bits in one kernel
        richness, shannon, simpson, evenness, t_dist = metrics._diversity_counts(counts, n_occ)
        o["richness"] = richness
        o["shannon"] = shannon
        o["simpson"] = simpson
        o["evenness"] = evenness
        n_chain = int(uc[5])
        n_ind = int(uc[4]) - n_chain
        o["independent_share"] = n_ind / (n_ind + n_chain) if n_ind + n_chain else 0.0
        o["independents"], o["chains"] = float(n_ind), float(n_chain)
        # shop types present: the shop-type categories with an occupied unit
        types = int(f[metrics.WU_TYPES]) * NEF_TYPES / N_SHOP_TYPES
        o["clone_town_index"] = metrics.clone_town_index(types, n_ind, n_chain)
        # the first 50 shops along the main street (NEF survey)
        n_first, fc = int(uc[8]), int(uc[9])
        ft = int(uc[10]) * NEF_TYPES / N_SHOP_TYPES
        o["clone_town_index_survey"] = metrics.clone_town_index(ft, n_first - fc, fc)
        o["template_distance"] = t_dist
        sample = self._metric_sample(week)
        # metrics.tie_summary without its checks (the model's own arrays, a sample in range)
        mean_ties, strength, isolated, bridging, clustering = metrics._tie_summary_nb(
            res.tie_id, res.tie_w, res.zone, sample
        )
        o["mean_ties"] = mean_ties
        o["mean_tie_strength"] = strength
        o["isolated_share"] = isolated
        o["bridging_share"] = bridging
        o["clustering"] = clustering
        o["mean_engagement"] = float(f[metrics.WU_ENGAGEMENT]) / res.n if res.n else 0.0
        o["participation"] = float(f[metrics.WU_PARTICIPATED]) / res.n if res.n else 0.0
        o["volunteer_hours"] = col.volunteer_supply
        footfall = float(f[metrics.WU_CHOICE]) * w.weight
        o["footfall"] = 0.0 if empty_week else footfall
        o["visits"] = float(f[metrics.WU_VISITS])
        c, p, on = metrics.spend_shares(L.revenue, L.park, L.online)
        o["centre_share"], o["park_share"], o["online_share"] = c, p, on
        o["online_driver"] = float(
            self.driver_table["online"][min(max(week - 1, 0), self.n_weeks - 1)]
        )
        o["spend"] = L.spend
        o["revenue"] = L.revenue
        for k in COUNT_OUTCOMES:
            o[k] = float(self.counts.get(k, 0))
        area = float(f[metrics.WU_AREA])  # m2
        o["mean_rent"] = float(f[metrics.WU_RENT]) * 52.0 / area if area > 0 else 0.0  # GBP/m2/yr
        o["market_rent_index"] = col.market_index
        o["landlord_income"] = L.landlord_income
        o["rates_income"] = L.council_rates
        o["council_net"] = L.council_income - L.council_spend
        o["council_balance"] = col.council_balance
        o["town_team_fund"] = col.tt_balance
        o["town_team_spend"] = L.tt_spend
        for key, c_, acc, same in (
            ("grocery_access", _GROCERY, acc_g, f[metrics.WU_SAME_A]),
            ("health_access", _HEALTH, acc_h, f[metrics.WU_SAME_B]),
        ):
            # unchanged units with the use: the cached share (what _access would return)
            o[key] = acc[1] if same and acc is not None else self._access(key, u.category == c_)
        col.access_grocery, col.access_health = o["grocery_access"], o["health_access"]
        col.isolated = o["isolated_share"]
        if not empty_week:
            a = 0.1
            self._footfall_fast = (
                footfall if week == 1 else (1 - a) * self._footfall_fast + a * footfall
            )  # noqa: E501
            self._footfall_slow = (
                footfall if week == 1 else (1 - a / 5) * self._footfall_slow + a / 5 * footfall
            )  # noqa: E501
            col.footfall_trend = (self._footfall_fast - self._footfall_slow) / max(
                self._footfall_slow, 1e-9
            )
        o["identity_residual"] = L.max_residual() if not empty_week else 0.0
        if not all(map(math.isfinite, o.values())):  # pragma: no cover - a bug, never an input
            bad = [k for k, v in o.items() if not math.isfinite(v)]
            raise FloatingPointError(f"non-finite outcomes in week {week}: {bad}")

    def _neigh_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """The street graph as a checked CSR pair for Moran's I (the graph never changes in a
        run: prepared once, and again only if the arrays are replaced)."""
        w = self.world
        c = self._neigh_cache
        if not c or c[0] is not w.neigh_indptr or c[1] is not w.neigh_indices:
            csr = metrics.csr_adjacency((w.neigh_indptr, w.neigh_indices), w.units.n)
            c = self._neigh_cache = (w.neigh_indptr, w.neigh_indices, csr)
        return c[2]

    def _access(self, key: str, has_use: np.ndarray) -> float:
        """Access share, recomputed only when the set of units with the use changes."""
        cached = self._access_cache.get(key)
        if cached is not None and np.array_equal(cached[0], has_use):
            return cached[1]
        res, town = self.world.res, self.world.town
        val = metrics.access_share(
            res.x, res.y, np.ones(res.n), town.x, town.y, has_use, self.pars.residents.walk_m
        )
        self._access_cache[key] = (has_use.copy(), val)
        return val

    def _metric_sample(self, week: int) -> np.ndarray:
        R = self.world.res.n
        k = min(R, 300)
        if k == 0:
            return np.zeros(0, np.int64)
        # numpy's choice(R, size=k, replace=False) on this stream, computed from the stream's
        # raw 64-bit outputs (the same indices; numpy's own choice if the words run out)
        raw = stream(self.run_seed, "metrics", week).bit_generator.random_raw(k + 16)
        idx, ok = metrics._choice_words_nb(raw, R, k)
        if ok:
            return idx
        return stream(self.run_seed, "metrics", week).choice(R, size=k, replace=False)

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
