"""Scenario and drivers files (sim.scenarios): loading, validation messages, driver paths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.categories import CAT
from sim.params import GROUPS, Params, spec_index
from sim.scenarios import (
    DRIVERS_DIR,
    NAME_PATTERN,
    SCENARIOS_DIR,
    Drivers,
    InputError,
    Scenario,
    check_value,
    driver_names,
    load_drivers,
    load_scenario,
    scenario_names,
)

GOVERNANCE = {"consumer_led", "council_led", "town_team", "co_produced"}


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def one_line_error(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg, msg
    return msg


# ----------------------------------------------------------------------------- bundled files
def test_bundled_scenarios_present():
    assert GOVERNANCE <= set(scenario_names())


@pytest.mark.parametrize("name", scenario_names())
def test_bundled_scenario_loads(name):
    s = load_scenario(name)
    assert isinstance(s, Scenario)
    assert s.name == name
    assert len(s.description) > 20
    assert Path(s.source).resolve() == (SCENARIOS_DIR / f"{name}.toml").resolve()
    idx = spec_index()
    for g, vals in s.overrides.items():
        assert g in GROUPS
        for k, v in vals.items():
            assert isinstance(v, idx[g][k].type)
    Params().replace(s.overrides)  # applies cleanly
    # loading by path gives the same scenario
    assert load_scenario(SCENARIOS_DIR / f"{name}.toml").overrides == s.overrides


def test_scenarios_set_only_levers():
    """Governance scenarios hold levers only (MODEL.md): no behavioural parameter differs."""
    idx = spec_index()
    for name in GOVERNANCE:
        for g, vals in load_scenario(name).overrides.items():
            for k in vals:
                assert idx[g][k].kind == "lever", f"{name}: {g}.{k} is not a lever"


def test_consumer_led_is_the_defaults():
    s = load_scenario("consumer_led")
    assert Params().replace(s.overrides) == Params()
    assert load_scenario(None).overrides == {}


def test_bundled_drivers_present():
    assert {"baseline", "recession", "pandemic"} <= set(driver_names())


@pytest.mark.parametrize("name", driver_names())
def test_bundled_drivers_load(name):
    d = load_drivers(name)
    assert isinstance(d, Drivers)
    assert d.name == name and d.description
    assert Path(d.source).resolve() == (DRIVERS_DIR / f"{name}.toml").resolve()
    t = d.weekly(10 * 52)
    for k in ("online", "spend_mult", "trip_penalty", "chain_expansion", "rates_relief"):
        assert t[k].shape == (520,) and np.isfinite(t[k]).all()
    assert ((t["online"] >= 0) & (t["online"] < 1)).all()
    assert ((t["spend_mult"] > 0) & (t["spend_mult"] <= 1)).all()


def test_default_drivers_are_baseline():
    d = load_drivers(None)
    assert d.name == "baseline"
    np.testing.assert_allclose(
        d.online_at(np.arange(2005, 2040, 0.25)), Drivers().online_at(np.arange(2005, 2040, 0.25))
    )


# ----------------------------------------------------------------------------- online path
def test_online_share_matches_ons_anchor_points():
    d = load_drivers("baseline")
    assert float(d.online_at(2007.5)) == pytest.approx(0.034, abs=1e-9)
    assert float(d.online_at(2020.0)) == pytest.approx(0.195, abs=1e-9)
    assert float(d.online_at(2035.0)) == pytest.approx(0.30, abs=1e-9)
    # flat outside the anchors
    assert float(d.online_at(2000.0)) == pytest.approx(0.034, abs=1e-9)
    assert float(d.online_at(2050.0)) == pytest.approx(0.30, abs=1e-9)


def test_online_share_monotone_2008_2019():
    d = load_drivers("baseline")
    yrs = np.linspace(2008.0, 2019.0, 12 * 52)
    s = d.online_at(yrs)
    assert np.all(np.diff(s) > 0)
    assert 0.034 < s[0] < s[-1] < 0.195
    # weekly table of a run from 2008 follows the same path
    t = d.weekly(12 * 52)
    np.testing.assert_allclose(t["online"], d.online_at(2008.0 + np.arange(12 * 52) / 52))


def test_online_scale_and_shift():
    base = load_drivers("baseline")
    hi = load_drivers("high_online") if "high_online" in driver_names() else None
    if hi is not None:
        yrs = np.array([2010.0, 2015.0, 2020.0])
        np.testing.assert_allclose(hi.online_at(yrs), base.online_at(yrs) * 1.5)
    d = Drivers(online_shift=-0.5)
    assert float(d.online_at(2010.0)) == 0.0  # clipped at 0
    assert float(Drivers(online_scale=10.0).online_at(2035.0)) == 0.99  # clipped at 0.99


# ----------------------------------------------------------------------------- shocks
def test_recession_spend_dips_and_recovers():
    d = load_drivers("recession")
    (shock,) = d.shocks
    assert shock.kind == "recession"
    t = d.weekly(5 * 52)
    s = t["spend_mult"]
    start = int(round((shock.start_year - d.start_year) * 52))
    trough = int(np.argmin(s))
    assert np.all(s[:start] == 1.0)
    assert s[trough] == pytest.approx(1.0 - shock.spend_drop, abs=2e-3)
    assert start < trough < start + shock.weeks
    assert np.all(np.diff(s[start : trough + 1]) <= 1e-12)  # falls to the trough
    assert np.all(np.diff(s[trough : start + shock.weeks + 1]) >= -1e-12)  # then recovers
    assert np.all(s[start + shock.weeks + 1 :] == 1.0)
    assert np.all(t["trip_penalty"] == 0.0)
    np.testing.assert_allclose(t["online"], d.online_at(t["year"]))  # no boost


def test_pandemic_shock_plateau():
    d = load_drivers("pandemic")
    (shock,) = d.shocks
    assert shock.kind == "pandemic"
    yrs = d.year_of(np.arange(10 * 52))
    prof = shock.profile(yrs)
    inside = prof > 0
    assert inside.sum() in (shock.weeks, shock.weeks + 1)
    assert np.all(prof[inside] == 1.0)  # a plateau
    t = d.weekly(10 * 52)
    assert t["trip_penalty"].max() == pytest.approx(shock.trip_penalty)
    boost = t["online"] - d.online_at(t["year"])  # the shock's share added to the path
    np.testing.assert_allclose(boost, np.where(inside, shock.online_boost, 0.0), atol=1e-12)
    np.testing.assert_array_equal(t["trip_penalty"] > 0, inside)
    # the online path is the baseline's (the lockdown jump comes from the shock's boost), so
    # the pre-2020 path is not bent by the pandemic's monthly points
    yrs_pre = np.linspace(2008.0, 2019.9, 50)
    np.testing.assert_allclose(d.online_at(yrs_pre), load_drivers("baseline").online_at(yrs_pre))
    assert shock.online_boost > 0


def test_history_drivers():
    """history.toml: the ONS path through 2023, the real-earnings path, three lockdowns
    closing non-essential shops, the rates reliefs, the revaluations and planning dates."""
    d = load_drivers("history")
    t = d.weekly(19 * 52)
    year = t["year"]
    at = lambda y: int(np.searchsorted(year, y))  # noqa: E731
    assert t["online"][at(2007.5)] == pytest.approx(0.034, abs=1e-3)
    assert t["online"][at(2020.5)] == pytest.approx(0.279, abs=2e-3)
    assert t["spend_mult"][at(2014.0)] == pytest.approx(0.92, abs=1e-3)
    assert t["spend_mult"][at(2008.0)] == 1.0
    comparison, convenience = 1 << CAT["comparison"], 1 << CAT["convenience"]
    assert t["closed"][at(2020.3)] & comparison and not t["closed"][at(2020.3)] & convenience
    assert t["closed"][at(2020.6)] == 0 and t["closed"][at(2021.1)] & comparison
    assert t["rates_relief"][at(2020.5)] == 1.0 and t["rates_relief"][at(2015.0)] == 0.0
    assert np.flatnonzero(t["revaluation"]).size == 3
    assert t["conversion_max_m2"][at(2013.0)] == 0.0
    assert t["conversion_max_m2"][at(2015.0)] == 150.0
    assert t["conversion_max_m2"][at(2022.0)] == 1500.0
    assert t["use_class_e"][at(2020.5)] == 0.0 and t["use_class_e"][at(2021.0)] == 1.0


def test_history_file_cites_every_number():
    """Every table of history.toml that gives numbers carries comments naming its source."""
    text = (DRIVERS_DIR / "history.toml").read_text()
    sections = re.split(r"^(?=\[)", text, flags=re.M)[1:]
    assert len(sections) >= 8
    for sec in sections:
        header = sec.splitlines()[0]
        if header != "[chains]":  # the neutral chain expansion, 1.0
            assert "#" in sec, header
    for source in ("ONS", "DATA.md", "EVIDENCE.md", "VOA"):
        assert source in text


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[spend]\nyear = [2010.0, 2009.0]\nmult = [1.0, 0.9]\n", "increase strictly"),
        ("[[lockdown]]\nstart = 2020.0\nend = 2020.5\nclosed = ['shops']\n", "closed"),
        ("[[lockdown]]\nstart = 2020.0\nend = 2019.0\n", "end"),
        ("[rates_relief]\nyear = [2020.0]\nshare = [1.5]\n", "rates_relief.share"),
        ("[planning]\nconversion_small_from = 'soon'\n", "conversion_small_from"),
        ("[planning]\nconversions = 1\n", "unknown key"),
    ],
)
def test_bad_history_tables(tmp_path, table, message):
    p = tmp_path / "d.toml"
    p.write_text("name = 'd'\nstart_year = 2006.0\n" + table)
    with pytest.raises(InputError, match=message):
        load_drivers(p)


# ----------------------------------------------------------------------------- bad input
def test_unknown_key_suggests_nearest(tmp_path):
    p = write(tmp_path, "name = 'x'\n[council]\nrates_multipler = 0.5\n")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    msg = one_line_error(exc)
    assert str(p) in msg
    assert "rates_multipler" in msg and "did you mean 'council.rates_multiplier'" in msg


def test_unknown_table_suggests_nearest(tmp_path):
    p = write(tmp_path, "[councl]\nevents = 1.0\n")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert "did you mean 'council'" in one_line_error(exc)


def test_out_of_bounds_gives_bounds(tmp_path):
    p = write(tmp_path, "[council]\nrates_multiplier = 3.0\n")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    msg = one_line_error(exc)
    assert "council.rates_multiplier" in msg and "[0, 1.5]" in msg and "outside" in msg


@pytest.mark.parametrize("value", ["1", "'yes'", "0.0"])
def test_bool_type_errors(tmp_path, value):
    p = write(tmp_path, f"[landlords]\nmeanwhile = {value}\n")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert "landlords.meanwhile" in one_line_error(exc) and "true or false" in str(exc.value)


def test_number_type_errors(tmp_path):
    p = write(tmp_path, "[council]\nevents = true\n")
    with pytest.raises(InputError, match="must be a number"):
        load_scenario(p)
    p = write(tmp_path, "[ties]\ncapacity = 2.5\n")
    with pytest.raises(InputError, match="whole number"):
        load_scenario(p)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputError, match="not found") as exc:
        load_scenario(tmp_path / "nope.toml")
    one_line_error(exc)
    with pytest.raises(InputError, match="did you mean 'co_produced'"):
        load_scenario("co_produce")
    p = write(tmp_path, "[council\nevents = 1\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(p)
    with pytest.raises(InputError, match="not found"):
        load_drivers(tmp_path / "nope.toml")


def test_bad_drivers_files(tmp_path):
    cases = {
        "[online]\nyeer = [2010.0]\n": "did you mean 'year'",
        "[online]\nyear = [2010.0, 2011.0]\nshare = [0.1]\n": "equal",
        "[online]\nyear = [2010.0, 2009.0]\nshare = [0.1, 0.2]\n": "increase",
        "[online]\nyear = [2010.0]\nshare = [1.5]\n": "[0, 1]",
        "[[shock]]\nkind = 'war'\nstart_year = 2010.0\n": "recession, pandemic",
        "[[shock]]\nkind = 'recession'\n": "start_year is required",
        "[[shock]]\nkind = 'recession'\nstart_year = 2010\nspend_drop = 2.0\n": "[0, 1]",
        "strat_year = 2008.0\n": "did you mean 'start_year'",
    }
    for text, fragment in cases.items():
        p = write(tmp_path, text, "d.toml")
        with pytest.raises(InputError) as exc:
            load_drivers(p)
        msg = one_line_error(exc)
        assert fragment in msg, (text, msg)
        assert str(p) in msg


def test_check_value_casts_and_refuses():
    assert check_value("t", "ties", "capacity", 6.0) == 6
    assert isinstance(check_value("t", "ties", "capacity", 6.0), int)
    assert check_value("t", "council", "events", 5) == 5.0
    with pytest.raises(InputError, match="outside"):
        check_value("t", "council", "events", float("nan"))


# ----------------------------------------------------------------------------- issue 15


def _with_bom(path: Path, text: str) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def test_toml_with_byte_order_mark_is_accepted(tmp_path):
    from sim.sweep import load_sweep

    scn = _with_bom(tmp_path / "bom.toml", 'name = "bom"\n[council]\nrates_multiplier = 0.4\n')
    assert load_scenario(scn).overrides == {"council": {"rates_multiplier": 0.4}}
    drv = _with_bom(tmp_path / "d.toml", "[online]\nscale = 1.2\n")
    assert load_drivers(drv).online_scale == 1.2
    swp = _with_bom(tmp_path / "w.toml", 'name = "w"\n[parameters]\n"ties.decay" = [0.01, 0.02]\n')
    assert load_sweep(swp).name == "w"
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError, match="cannot be read") as exc:
        load_scenario(bad)
    one_line_error(exc)


@pytest.mark.parametrize(
    "name", ["../../../x", "a/b", "..", ".hidden", "", "with space", "x" * 65, "caf\u00e9", 3]
)
def test_names_that_are_not_plain_words_are_refused(tmp_path, name):
    from sim.sweep import load_sweep

    value = f'"{name}"' if isinstance(name, str) else str(name)
    for loader, body in (
        (load_scenario, ""),
        (load_drivers, ""),
        (load_sweep, '\n[parameters]\n"ties.decay" = [0.01]\n'),
    ):
        p = write(tmp_path, f"name = {value}{body}\n", "f.toml")
        with pytest.raises(InputError) as exc:
            loader(p)
        msg = one_line_error(exc)
        assert str(p) in msg and "name = " in msg and NAME_PATTERN in msg, msg


def test_name_taken_from_the_file_name_is_checked_too(tmp_path):
    p = write(tmp_path, "[council]\nevents = 0.0\n", "my scenario.toml")
    with pytest.raises(InputError, match=r"name \(from the file name\) = 'my scenario'"):
        load_scenario(p)
    ok = write(tmp_path, "[council]\nevents = 0.0\n", "My-Policy_2.toml")
    assert load_scenario(ok).name == "My-Policy_2"


def test_unknown_bundled_name_lists_the_bundled_names():
    with pytest.raises(InputError) as exc:
        load_scenario("nothing_like_it")
    msg = one_line_error(exc)
    assert f"(bundled scenarios: {', '.join(scenario_names())})" in msg
    with pytest.raises(InputError) as exc:
        load_drivers("pandemc")
    msg = one_line_error(exc)
    assert "did you mean 'pandemic'?" in msg and ", ".join(driver_names()) in msg


def test_bundled_files_come_from_the_package_data():
    import importlib.resources

    import sim

    assert Path(str(importlib.resources.files("sim.bundled"))) == SCENARIOS_DIR
    assert sim.bundled_dir() == SCENARIOS_DIR and DRIVERS_DIR == SCENARIOS_DIR / "drivers"
    assert load_scenario("co_produced").source == "scenarios/co_produced.toml"
    assert load_drivers("pandemic").source == "scenarios/drivers/pandemic.toml"
