"""SALib designs and indices: known answers on a test function, end to end on tiny sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import sensitivity as sa
from sim import sweep
from sim.cli import main

TINY = {
    "scenarios": ["consumer_led"],
    "replicates": 1,
    "residents": 200,
    "years": 0.06,
    "town": "generated:linear:12:1",
    "fixed": {"run.burn_in_weeks": 0},
    "outcomes": ["footfall", "online_share"],
    "parameters": {
        "residents.trip_const": {"lo": 0.0, "hi": 2.0},
        "drivers.online_scale": {"lo": 0.5, "hi": 2.0},
        "occupiers.min_age_weeks": {"lo": 10, "hi": 40},
    },
}


def test_sobol_indices_of_a_linear_function():
    prob = sa.problem(["a", "b", "c"], [[0, 1], [0, 1], [0, 1]])
    x = sa.sobol_sample(prob, 1024, seed=1)
    assert x.shape == (1024 * 5, 3)
    y = 4.0 * x[:, 0] + 1.0 * x[:, 1]  # variances 16/12 and 1/12: S = 16/17, 1/17, 0
    t = sa.sobol_table(prob, y, seed=1).set_index("parameter")
    assert t.loc["a", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert t.loc["b", "ST"] == pytest.approx(1 / 17, abs=0.02)
    assert abs(t.loc["c", "ST"]) < 0.01
    assert (t["S1_conf"] >= 0).all()


def test_morris_ranks_parameters():
    prob = sa.problem(["a", "b", "c"], [[0, 1], [0, 1], [0, 1]])
    x = sa.morris_sample(prob, 20, levels=4, seed=2)
    y = 5.0 * x[:, 0] + x[:, 1] ** 2
    t = sa.morris_table(prob, x, y, levels=4, seed=2).set_index("parameter")
    assert t.loc["a", "mu_star"] == pytest.approx(5.0)
    assert t.loc["a", "mu_star"] > t.loc["b", "mu_star"] > t.loc["c", "mu_star"] == 0.0
    assert t.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-12)


def test_designs_are_deterministic_and_in_bounds():
    spec = sweep.load_sweep({**TINY, "design": {"kind": "lhs", "samples": 7, "seed": 3}})
    a, b = sweep.design_points(spec), sweep.design_points(spec)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 7
    assert a["occupiers.min_age_weeks"].dtype.kind == "i"
    assert a["drivers.online_scale"].between(0.5, 2.0).all()
    other = sweep.design_points(
        sweep.load_sweep({**TINY, "design": {"kind": "lhs", "samples": 7, "seed": 4}})
    )
    assert not np.allclose(a.to_numpy(float), other.to_numpy(float))


@pytest.mark.parametrize("kind", ["sobol", "morris"])
def test_salib_end_to_end_on_a_tiny_sweep(tmp_path, capsys, kind):
    spec = sweep.load_sweep({**TINY, "name": kind, "design": {"kind": kind, "samples": 4}})
    res = sweep.run_sweep(spec, tmp_path, workers=1, progress=False)
    n_points = 4 * (3 + 2) if kind == "sobol" else 4 * (3 + 1)
    assert len(res.runs) == n_points and res.failed == 0
    t = res.sensitivity
    assert t is not None and len(t) == 2 * 3
    col = "ST" if kind == "sobol" else "mu_star"
    online = t[(t["outcome"] == "online_share")].set_index("parameter")[col]
    # online share responds to the online driver far more than to a chain's review age
    # (which moves it only through the centre's mix of uses)
    assert online["drivers.online_scale"] > 0
    assert online["occupiers.min_age_weeks"] < 0.2 * online["drivers.online_scale"]
    assert (tmp_path / "sensitivity.csv").is_file()
    assert (tmp_path / "figures" / "sensitivity.png").is_file()
    # the CLI recomputes the table from the folder
    (tmp_path / "sensitivity.csv").unlink()
    assert main(["sensitivity", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "drivers.online_scale" in out and (tmp_path / "sensitivity.csv").is_file()


def test_sensitivity_of_a_grid_is_refused(tmp_path, capsys):
    spec = sweep.load_sweep(
        {**TINY, "parameters": {"drivers.online_scale": [1.0]}, "outcomes": ["footfall"]}
    )
    sweep.run_sweep(spec, tmp_path, workers=1, progress=False, figures=False)
    assert main(["sensitivity", str(tmp_path)]) == 2
    assert "need a sobol or morris design" in capsys.readouterr().err
