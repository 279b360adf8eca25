"""The stock-flow identities of MODEL.md hold every week, for every scenario and driver file.

MODEL.md ("Stock-flow consistency"): residents' spend = occupiers' revenue + retail park +
online; budgets = spend + kept; rent paid = landlords' rent income; rates paid = council rates
income; levy paid = Town Team levy income; occupiers', council and Town Team accounts balance;
units are conserved (occupied + vacant = all units). Each run here is one year after an
8-week burn-in on the bundled example town, checked after every step.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.model import OUTCOMES, TownModel
from sim.scenarios import driver_names, load_drivers, scenario_names

SHORT = {"run": {"burn_in_weeks": 8}}

#: outcomes that are shares and must lie in [0, 1]
SHARES = (
    "vacancy_rate", "long_term_vacancy_rate", "independent_share", "isolated_share",
    "bridging_share", "clustering", "mean_engagement", "participation", "centre_share",
    "park_share", "online_share", "online_driver", "simpson", "grocery_access", "health_access",
)  # fmt: skip

DRIVERS = driver_names()  # baseline, recession, pandemic, high_online, chain_expansion


def _drivers(name: str):
    """Bundled drivers; the pandemic file is moved to start just before its shock (2020.22),
    so that the one-year test run goes through the shock."""
    d = load_drivers(name)
    if name == "pandemic":
        d = dataclasses.replace(d, start_year=2020.0)
    return d


def check_week(m: TownModel) -> None:
    L = m.world.ledger
    tol = 1e-6 * max(1.0, abs(L.budget))
    ids = m.last_identities
    assert set(ids) >= {
        "spend",
        "budget",
        "rent",
        "rates",
        "levy",
        "occupiers",
        "council",
        "town_team",
    }
    bad = {k: v for k, v in ids.items() if not abs(v) < tol}
    assert not bad, f"week {m.week}: identities off (tolerance {tol:.3g} GBP): {bad}"
    o = m.outcomes
    assert set(OUTCOMES) <= set(o)
    nonfinite = [k for k, v in o.items() if not math.isfinite(v)]
    assert not nonfinite, f"week {m.week}: non-finite outcomes {nonfinite}"
    n = m.world.units.n
    assert o["occupied"] + o["vacant"] == n, f"week {m.week}: units not conserved"
    assert o["occupied"] == int((m.world.units.category >= 0).sum())
    for k in SHARES:
        assert -1e-12 <= o[k] <= 1 + 1e-12, f"week {m.week}: {k} = {o[k]} outside [0, 1]"
    assert o["identity_residual"] < 1e-6


def run_checked(scenario: str, drivers, seed: int = 3) -> TownModel:
    m = TownModel(
        scenario=scenario, drivers=drivers, years=1, residents=400, rng=seed, overrides=SHORT
    )
    assert m.n_weeks == 60
    while not m.finished:
        m.step()
        check_week(m)
    return m


@pytest.mark.parametrize("drivers", DRIVERS)
@pytest.mark.parametrize("scenario", scenario_names())
def test_identities_hold_every_week(scenario, drivers):
    m = run_checked(scenario, _drivers(drivers))
    res = m.world.res
    # state stays consistent after a run
    ids, w = res.tie_id, res.tie_w
    held = {
        (int(i), int(ids[i, c])): float(w[i, c]) for i, c in zip(*np.nonzero(ids >= 0), strict=True)
    }
    assert held, "no ties formed in a year"
    for (i, j), s in held.items():
        assert held.get((j, i)) == s, f"tie {i}-{j} is not symmetric"
    assert np.all(w[ids < 0] == 0.0)
    assert np.all((res.engagement >= 0.0) & (res.engagement <= 1.0))
    df = m.results()
    assert len(df) == m.n_weeks + 1
    assert np.isfinite(df.to_numpy(dtype=float)).all()


@pytest.mark.parametrize("seed", [17, 29])
def test_identities_hold_other_seeds(seed):
    run_checked("co_produced", _drivers("recession"), seed=seed)


def test_shocks_exercised_by_the_driver_runs():
    """Guard on the test itself: the recession and (moved) pandemic runs go through a shock."""
    assert {"baseline", "recession", "pandemic"} <= set(DRIVERS)
    for name in ("recession", "pandemic"):
        t = _drivers(name).weekly(60)
        assert t["spend_mult"].min() < 1.0
    assert _drivers("pandemic").weekly(60)["trip_penalty"].max() > 0.0


def test_identities_hold_on_generated_layout():
    m = TownModel(
        scenario="co_produced", town="grid", years=0.5, residents=300, rng=11, overrides=SHORT
    )
    while not m.finished:
        m.step()
        check_week(m)
