"""The calibration script's code path, at a tiny size (issue 7)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location(
        "calibrate", ROOT / "experiments" / "calibrate.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_statistics_on_a_hand_made_series():
    cal = _load()
    year = 2006.0 + np.arange(520) / 52.0
    vac = np.interp(year, [t for t, _ in cal.OBSERVED], [v for _, v in cal.OBSERVED])
    run = {
        "year": year,
        "vacancy_rate": vac,
        "openings_independent": np.full(520, 0.5),
        "closures_independent": np.full(520, 0.5),
        "independents": np.full(520, 200.0),
        "openings_chain": np.zeros(520),
        "closures_chain": np.full(520, 0.01),
        "chains": np.full(520, 100.0),
        "online_share": np.full(520, 0.05),
        "online_driver": np.full(520, 0.05),
    }
    st = cal.statistics([run])
    assert st["rmse"] < 1e-3  # the path itself fits (up to weekly interpolation)
    assert abs(st["open_indep"] - 0.5 * 52 / 200) < 1e-9  # 13% a year
    assert abs(st["chain_net"] + 0.01 * 52 / 100) < 1e-9  # -0.52% a year
    assert abs(cal.loss(st) - st["rmse"]) < 1e-9  # every band is met: loss = RMSE


def test_calibration_runs_end_to_end_tiny(tmp_path):
    cal = _load()
    out = tmp_path / "docs"
    res = tmp_path / "res.json"
    assert cal.main(["--tiny", "--workers", "1", "--out", str(out), "--json", str(res)]) == 0
    result = json.loads(res.read_text())
    assert len(result["best_x"]) == len(cal.FREE)
    for (_, _, lo, hi), v in zip(cal.FREE, result["best_x"], strict=True):
        assert lo <= v <= hi
    assert all(math.isfinite(v) for v in result["final_statistics"].values())
    text = (out / "calibration.md").read_text()
    assert "RMSE" in text and "calibration_vacancy.png" in text
    assert (out / "calibration_vacancy.png").stat().st_size > 1000


def test_calibrated_defaults_are_the_recorded_fit():
    """Every default marked "calibrated" is a fitted parameter of the recorded calibration, at
    its fitted value (4 significant figures), and every fitted parameter is such a default."""
    from sim.params import specs

    result = json.loads((ROOT / "experiments" / "calibration_result.json").read_text())
    fitted = dict(zip(result["free"], result["best_x"], strict=True))
    marked = {f"{s.group}.{s.name}": s.default for s in specs() if "calibrated" in s.source}
    assert set(marked) == set(fitted)
    for key, value in fitted.items():
        assert marked[key] == float(f"{value:.4g}"), key
    cal = _load()
    assert [f"{g}.{n}" for g, n, _, _ in cal.FREE] == result["free"]
