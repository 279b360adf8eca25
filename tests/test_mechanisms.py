"""Mechanism tests (MODEL.md, ARCHITECTURE.md "Direction of mechanisms"): all else equal,
several seeds, paired on the same seeds (common random numbers)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.model import TownModel
from sim.scenarios import load_drivers

SEEDS = (0, 1, 2, 3)


def _run(seed: int, years: float = 3.0, residents: int = 1000, **kw) -> pd.DataFrame:
    m = TownModel(rng=seed, years=years, residents=residents, **kw)
    m.run()
    return m.results()


@pytest.mark.slow
def test_higher_online_share_gives_higher_vacancy(tmp_path):
    """The ONS path doubled (online.scale = 2) against the baseline path, same seeds."""
    high_path = tmp_path / "double_online.toml"
    high_path.write_text(
        'description = "ONS path doubled"\nstart_year = 2008.0\n'
        "[online]\nyear = [2007.5, 2020.0, 2035.0]\nshare = [0.034, 0.195, 0.30]\n"
        "scale = 2.0\n"
    )
    diffs, online = [], []
    for s in SEEDS:
        base = _run(s, years=5.0, drivers="baseline").iloc[-156:]
        high = _run(s, years=5.0, drivers=high_path).iloc[-156:]
        diffs.append(high.vacancy_rate.mean() - base.vacancy_rate.mean())
        online.append(high.online_share.mean() - base.online_share.mean())
    assert min(online) > 0.0  # the driver reaches behaviour
    assert np.mean(diffs) > 0.0, diffs
    assert sum(d > 0 for d in diffs) >= 3, diffs


@pytest.mark.slow
def test_institutional_rent_floor_lengthens_vacancy_spells():
    """Completed spells (weeks from vacancy to re-letting) lengthen with the floor."""
    diffs = []
    for s in SEEDS:
        spell = []
        for floor in (0.0, 1.3):
            df = _run(s, overrides={"landlords": {"rent_floor": floor}}).iloc[53:]
            spell.append(df.relet_spell_weeks.sum() / max(df.openings.sum(), 1.0))
        diffs.append(spell[1] - spell[0])
    assert np.mean(diffs) > 0.0, diffs
    assert sum(d > 0 for d in diffs) >= 3, diffs


def test_third_place_meeting_raises_mean_ties():
    for s in SEEDS[:3]:
        low = _run(s, years=0.6, residents=800, overrides={"run": {"burn_in_weeks": 4}})
        high = _run(
            s,
            years=0.6,
            residents=800,
            overrides={"run": {"burn_in_weeks": 4}, "ties": {"third_place_meet": 3.0}},
        )
        assert high.mean_ties.iloc[-8:].mean() > low.mean_ties.iloc[-8:].mean()


def test_scenarios_identical_until_levers_differ():
    """consumer_led and co_produced share every draw until the policy week (burn-in)."""
    burn = 20
    over = {"run": {"burn_in_weeks": burn}}
    a = _run(5, years=0.5, residents=600, scenario="consumer_led", overrides=over)
    b = _run(5, years=0.5, residents=600, scenario="co_produced", overrides=over)
    pd.testing.assert_frame_equal(a.iloc[: burn + 1], b.iloc[: burn + 1])
    later = (a.iloc[burn + 1 :] - b.iloc[burn + 1 :]).abs().to_numpy().sum()
    assert later > 0.0


def test_stronger_distance_decay_shrinks_the_catchment():
    """With a stronger distance decay, fewer distant residents visit the centre."""
    near, far = [], []
    for beta in (0.5, 2.0):
        m = TownModel(
            rng=3, years=0.2, residents=3000, overrides={"residents": {"beta_dist": beta}}
        )
        for _ in range(6):
            m.step()
        res = m.world.res
        went = res.choice == 1
        near.append(went[res.dist_km < 1.0].mean())
        far.append(went[res.dist_km > 3.0].mean())
    assert far[1] / near[1] < far[0] / near[0]


@pytest.mark.slow
def test_online_reaches_comparison_shops_not_services():
    """Online takes comparison goods, not services: with the online path doubled, comparison
    units' share of occupied units falls against services' (issue 13; DATA.md)."""
    from sim.categories import CAT

    shares = {"comparison": [], "services": []}
    for s in SEEDS[:3]:
        counts = {}
        for scale in (0.5, 2.0):
            drivers = dataclasses.replace(load_drivers("baseline"), online_scale=scale)
            m = TownModel(rng=s, years=6.0, residents=1000, drivers=drivers)
            m.run()
            cat = m.world.units.category
            occ = max(int((cat >= 0).sum()), 1)
            counts[scale] = {k: (cat == CAT[k]).sum() / occ for k in shares}
        for k in shares:
            shares[k].append(counts[2.0][k] - counts[0.5][k])
    assert np.mean(shares["comparison"]) < 0.0, shares
    assert np.mean(shares["comparison"]) < np.mean(shares["services"]), shares


@pytest.mark.slow
def test_vacancy_path_does_not_depend_on_the_number_of_simulated_residents():
    """1,000 and 4,000 simulated residents for the same 30,000 households give the same
    vacancy path within seed noise (trading is the expectation over visitors' choices)."""
    means = {}
    for residents in (1000, 4000):
        paths = [
            _run(s, years=4.0, residents=residents, drivers="recession").vacancy_rate.to_numpy()
            for s in SEEDS
        ]
        means[residents] = np.array(paths)
    a, b = means[1000].mean(axis=1), means[4000].mean(axis=1)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) < max(3 * se, 0.01), (a, b)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="issue 13 done-when 3 not met with the calibrated defaults: 12-16% of the initial "
    "chains close in the first 26 weeks (target 10%); docs/calibration.md, 'What the model "
    "does not reproduce'",
)
def test_no_start_up_shock_in_the_burn_in():
    """The run starts from the model's own steady state (the spin-up): during the burn-in on
    the default drivers vacancy stays within 4 points of its start, and at most 10% of the
    chains trading at the start close in the first 26 weeks (issue 13)."""
    for s in SEEDS[:3]:
        m = TownModel(rng=s, years=0.02, residents=2000)
        u = m.world.units
        chains = np.flatnonzero(u.chain & (u.category >= 0))
        opened = u.opened.copy()
        start = m.outcomes["vacancy_rate"]
        moved, gone = 0.0, np.zeros(u.n, bool)
        for week in range(m.burn_in):
            m.step()
            moved = max(moved, abs(m.outcomes["vacancy_rate"] - start))
            if week < 26:
                gone |= (u.category < 0) | (u.opened != opened)
        assert moved <= 0.04, (s, moved)
        assert gone[chains].mean() <= 0.10, (s, gone[chains].mean())
