"""The calibration (experiments/calibrate.py, ABC-SMC) and the posterior it writes."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.scenarios import InputError, load_posterior
from sim.streams import stream

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location(
        "calibrate", ROOT / "experiments" / "calibrate.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _series(cal, year: np.ndarray) -> dict[str, np.ndarray]:
    n = year.size
    vac = np.interp(year, [t for t, _ in cal.OBSERVED], [v for _, v in cal.OBSERVED])
    return {
        "year": year,
        "vacancy_rate": np.where(year < 2009.0, 0.08, vac),
        "footfall": 1000.0 * np.exp(-0.015 * (year - year[0])),
        "centre_share": np.full(n, 0.42),
        "openings_independent": np.full(n, 0.5),
        "closures_independent": np.full(n, 0.5),
        "independents": np.full(n, 200.0),
        "openings_chain": np.zeros(n),
        "closures_chain": np.full(n, 0.01),
        "chains": np.full(n, 100.0),
    }


def test_statistics_and_distance_on_a_hand_made_series():
    cal = _load()
    year = 2006.0 + np.arange(520) / 52.0
    st = cal.statistics(_series(cal, year))
    for t, v in cal.OBSERVED:
        assert abs(st[f"vac_{t:.2f}"] - v) < 2e-3  # the path itself (13-week means)
    assert abs(st["open_indep"] - 0.5 * 52 / 200) < 1e-9  # 13% a year
    assert abs(st["chain_net"] + 0.01 * 52 / 100) < 1e-9  # -0.52% a year
    assert st["footfall_trend"] == pytest.approx(-0.015, abs=1e-9)
    assert st["vac_2008"] == pytest.approx(0.08)
    assert cal.distance(st) < 0.05  # every band met, the points within rounding
    # a path one point above everywhere: six squared units of one point
    off = dict(st) | {f"vac_{t:.2f}": v + 0.01 for t, v in cal.OBSERVED}
    assert cal.distance(off) == pytest.approx(6.0, abs=0.05)
    # outside a band: churn of 20% is (0.20 - 0.14) / 0.015 = 4 half-widths out
    assert cal.distance(st | {"open_indep": 0.20}) - cal.distance(st) == pytest.approx(16.0)


def test_identification_and_point_estimate():
    cal = _load()
    g = np.random.default_rng(3)  # test data only
    lo, hi = cal.FREE[0][2], cal.FREE[0][3]
    parts = [
        {k: (lo + 0.5 * (hi - lo) + 0.01 * g.normal()) if i == 0 else g.uniform(f[2], f[3])
         for i, (k, f) in enumerate(zip(cal.KEYS, cal.FREE, strict=True))}
        for _ in range(400)
    ]  # fmt: skip
    w = np.ones(400)
    idn = cal.identification(parts, w)
    assert idn[cal.KEYS[0]]["sd_ratio"] < 0.05  # identified
    assert 0.8 < idn[cal.KEYS[1]]["sd_ratio"] < 1.2  # as wide as the prior
    pe = cal.point_estimate(parts, w)
    assert pe[cal.KEYS[0]] == pytest.approx(lo + 0.5 * (hi - lo), abs=0.01)


def test_calibration_runs_end_to_end_tiny(tmp_path):
    cal = _load()
    out, res, post = tmp_path / "docs", tmp_path / "res.json", tmp_path / "posterior.csv"
    args = ["--tiny", "--workers", "1", "--out", str(out), "--json", str(res)]
    assert cal.main([*args, "--posterior", str(post)]) == 0
    result = json.loads(res.read_text())
    assert set(result["point_estimate"]) == set(cal.KEYS)
    for (_, _, lo, hi), k in zip(cal.FREE, cal.KEYS, strict=True):
        assert lo <= result["point_estimate"][k] <= hi
        assert math.isfinite(result["identification"][k]["sd_ratio"])
    assert result["checks"]["small"]["seeds"] == 2
    text = (out / "calibration.md").read_text()
    assert "RMSE" in text and "calibration_vacancy.png" in text and "identified" in text
    assert (out / "calibration_vacancy.png").stat().st_size > 1000
    assert (out / "calibration_posterior.png").stat().st_size > 1000
    p = load_posterior(post)  # the posterior file is one the comparison can read
    assert p.keys == tuple(cal.KEYS) and p.weights.sum() == pytest.approx(1.0)


def test_calibrated_defaults_are_the_recorded_posterior_point_estimate():
    """Every default marked "calibrated" is a fitted parameter of the recorded calibration at
    its posterior point estimate, and every fitted parameter is such a default."""
    from sim.params import specs

    result = json.loads((ROOT / "experiments" / "calibration_result.json").read_text())
    marked = {f"{s.group}.{s.name}": s.default for s in specs() if "calibrated" in s.source}
    assert set(marked) == set(result["point_estimate"])
    for key, value in result["point_estimate"].items():
        assert marked[key] == value, key
    cal = _load()
    assert list(cal.KEYS) == result["free"]


def test_bundled_posterior_reads_and_draws_reproducibly():
    p = load_posterior()
    assert len(p.keys) >= 4 and len(p.weights) >= 10
    a = p.draws(5, stream(3, "posterior"))
    b = p.draws(5, stream(3, "posterior"))
    assert a == b and len(a) == 5
    g, n = p.keys[0].split(".")
    assert all(n in d[g] for d in a)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weight,entrants.arrival_rate\n", "no particles"),
        ("w,entrants.arrival_rate\n1,2\n", "header"),
        ("weight,entrants.arrival_rte\n1,2\n", "unknown parameter"),
        ("weight,entrants.arrival_rate\n1,x\n", "row 2"),
        ("weight,entrants.arrival_rate\n1,1e9\n", "arrival_rate"),
        ("weight,entrants.arrival_rate\n0,2\n", "weight"),
    ],
)
def test_bad_posterior_files(tmp_path, text, message):
    p = tmp_path / "p.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        load_posterior(p)
