"""The visualisation page's model wiring, without a browser (issues 5 and 15).

Controls come from the parameter declarations and are shown with plain labels and units in
GBP, weeks or percent; the seed box's text becomes an int, and Reset refuses one that is not
a seed; picking a scenario moves the controls to it; the page's model equals ``towncentre
run`` with the same scenario and seed, and its consumer-led baseline equals the consumer-led
run with the same seed, town and size; each session builds its own model; the drawings show
what the arrays hold, against the calendar year, with street names on the map; the
offline-asset installer unpacks npm tarballs; bad ``viz`` flags are one-line errors.
"""

from __future__ import annotations

import io
import socket
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")
pytest.importorskip("mesa.visualization")

from sim import cli, viz, viz_assets, viz_charts, viz_state  # noqa: E402
from sim.model import TownModel  # noqa: E402
from sim.outcomes import BY_NAME  # noqa: E402
from sim.params import spec_index  # noqa: E402
from sim.runner import run_one  # noqa: E402
from sim.scenarios import InputError, load_scenario, scenario_names  # noqa: E402

SMALL = {"town": "linear", "residents": 300, "years": 0.5}


def _settings(scenario: str = "town_team", seed: int = 5) -> viz_state.Settings:
    return viz_state.Settings.create(scenario=scenario, seed=seed, **SMALL)


# ------------------------------------------------------------------------------ controls


def test_controls_come_from_the_declarations():
    idx = spec_index()
    ctrls = viz_state.controls()
    assert [c.key for c in ctrls] == list(viz_state.CONTROL_KEYS)
    for c in ctrls:
        s = idx[c.spec.group][c.spec.name]
        assert c.spec == s, "bounds, type and default from sim/params.py"
    kinds = {c.spec.kind for c in ctrls}
    assert "lever" in kinds and "free" in kinds
    by = {c.key: c for c in ctrls}
    assert by["council.events"].log and by["run.residents"].log
    assert not by["council.rates_multiplier"].log and by["council.asset_transfer"].is_switch


def test_controls_speak_plain_words_in_pounds_weeks_or_percent():
    ctrls = viz_state.controls()
    labelled = set(viz_state.PAGE_LABELS)
    assert labelled == set(viz_state.CONTROL_KEYS), "every control has a page label"
    for c in ctrls:
        text = c.describe(c.spec.default)
        assert c.label == viz_state.PAGE_LABELS[c.key][0] and text.startswith(c.label), text
        if c.is_switch:
            assert text == c.label and c.unit == ""
            continue
        unit = text.split(": ", 1)[1]
        assert unit.startswith(("£", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), text
        assert any(w in unit for w in ("£", "%", "a week", "people")), text
        for jargon in ("utils", "probability", "strength-weighted", "GBP", "x occupied", "agents"):
            assert jargon not in text, text
    by = {c.key: c for c in ctrls}
    assert by["council.rates_multiplier"].describe(0.5) == (
        "Business rates: 50% of rateable value a year"
    )
    assert by["council.events"].describe(2000.0) == "Markets and events: £2,000 a week"
    assert by["occupiers.exit_hazard"].describe(0.04243) == (
        "Independents closing for personal reasons: 4.24% a year"
    )
    assert by["residents.blight"].describe(by["residents.blight"].spec.default) == (
        "Empty units next door put visitors off: 100% of the calibrated strength"
    )
    assert (
        by["residents.blight"]
        .describe(2 * by["residents.blight"].spec.default)
        .endswith(": 200% of the calibrated strength")
    )
    assert by["run.residents"].describe(5000) == "Residents simulated: 5,000 people"


@pytest.mark.parametrize(
    "key", [k for k in viz_state.CONTROL_KEYS if not k.endswith(("transfer",))]
)
def test_slider_positions_stay_in_bounds_and_round_trip(key):
    c = {c.key: c for c in viz_state.controls()}[key]
    if c.is_switch:
        return
    lo, hi = c.slider_range
    assert c.from_slider(lo) == pytest.approx(c.spec.lo)
    assert c.from_slider(hi) == pytest.approx(c.spec.hi, rel=1e-2)
    assert c.from_slider(hi + 10 * c.step) <= c.spec.hi
    v = c.from_slider(lo + 0.37 * (hi - lo))
    assert isinstance(v, c.spec.type)
    assert not c.moved(c.to_slider(v), v)
    assert not c.moved(c.to_slider(v) + 0.4 * c.step, v), "a snap to the step is not a move"
    assert c.moved(c.to_slider(v) + 2 * c.step, v)


def test_seed_box_text_becomes_an_int():
    assert viz_state.parse_seed("42") == 42
    assert viz_state.parse_seed(" 1_000 ") == 1000
    assert viz_state.parse_seed(7) == 7
    for bad in ("abc", "-1", "1.5", str(2**63), ""):
        with pytest.raises(InputError, match="seed"):
            viz_state.parse_seed(bad)


def test_the_next_model_uses_the_seed_shown_or_none():
    st = _settings("consumer_led", seed=3)
    assert st.seed == 3 and st.model_kwargs()["rng"] == 3
    st.seed_text = "12"
    assert st.model_kwargs()["rng"] == 12
    st.seed_text = "twelve"
    with pytest.raises(InputError, match="twelve"):
        st.model_kwargs()
    with pytest.raises(InputError, match="twelve"):
        viz_state.VizModel(controls=st)


def test_selecting_a_scenario_moves_the_controls():
    st = _settings("consumer_led")
    assert st.values["town_team.enabled"] is False
    st.select("town_team")
    tt = load_scenario("town_team").overrides
    assert st.values["town_team.enabled"] is True
    assert st.values["council.town_team_grant"] == tt["council"]["town_team_grant"]
    assert st.values["council.allocation"] == tt["council"]["allocation"]
    assert (
        st.values["council.rates_multiplier"] == spec_index()["council"]["rates_multiplier"].default
    )
    assert st.values["run.residents"] == SMALL["residents"], "the run size survives"
    assert set(st.scenarios) == set(scenario_names())
    with pytest.raises(InputError, match="unknown scenario"):
        st.select("nope")
    with pytest.raises(InputError, match="outside"):
        st.set_value("council.rates_multiplier", 9.0)


# ------------------------------------------------------------------------------ same model


def test_page_model_equals_towncentre_run(tmp_path, monkeypatch):
    """'Done when' 2 of issue 5: the page's model and `towncentre run` with the same scenario
    and seed give the same outcomes for the same steps."""
    weeks = 8
    model = viz_state.VizModel(controls=_settings("town_team", seed=11))
    for _ in range(weeks):
        model.step()
    page = model.results().reset_index(drop=True)
    assert len(page) == weeks + 1
    # the runner (what `towncentre run` calls), compared exactly
    df, meta = run_one("town_team", town="linear", seed=11, residents=300, years=0.5)
    pd.testing.assert_frame_equal(page, df.iloc[: weeks + 1].reset_index(drop=True))
    assert meta["seed"] == model.seed_used == 11
    # the command itself: steps.csv (written with a fixed float format)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    argv = ["run", "town_team", "--seed", "11", "--town", "linear", "--residents", "300"]
    argv += ["--years", "0.5", "--out", str(out), "--quiet"]
    assert cli.main(argv) == 0
    steps = pd.read_csv(out / "steps.csv").iloc[: weeks + 1]
    for k in ("vacancy_rate", "long_term_vacancy_rate", "mean_ties", "footfall", "year"):
        np.testing.assert_allclose(steps[k], page[k], rtol=1e-6, atol=1e-9, err_msg=k)
    # what the charts draw is what the model collected
    rec = viz_charts.series(model, ["vacancy_rate", "footfall"])
    for k in ("week", "year", "vacancy_rate", "footfall"):
        np.testing.assert_array_equal(rec[k], page[k].to_numpy(dtype=float), err_msg=k)


def test_baseline_is_the_consumer_led_run_with_the_same_seed_town_and_size():
    st = _settings("town_team", seed=9)
    st.set_value("council.events", 5000.0)
    m = viz_state.VizModel(controls=st)
    assert m.baseline is not None and m.baseline is not m
    for _ in range(6):
        m.step()
    ref = TownModel(scenario="consumer_led", town="linear", residents=300, years=0.5, rng=9)
    for _ in range(6):
        ref.step()
    pd.testing.assert_frame_equal(m.baseline.results(), ref.results())
    assert m.baseline.pars == ref.pars and m.baseline.town is m.town
    base = viz_charts.series(m, ["vacancy_rate"], baseline=True)
    np.testing.assert_array_equal(base["vacancy_rate"], ref.results()["vacancy_rate"].to_numpy())
    assert m.steps == m.baseline.steps == 6, "stepped in step"


def test_the_consumer_led_run_is_its_own_baseline():
    m = viz_state.VizModel(controls=_settings("consumer_led", seed=2))
    assert m.baseline is None and m.baseline_record is m.record
    st = _settings("consumer_led", seed=2)
    st.set_value("council.events", 100.0)  # a moved lever is not the baseline any more
    assert viz_state.VizModel(controls=st).baseline is not None


def test_a_moved_slider_is_the_models_parameter():
    st = _settings("town_team", seed=3)
    st.set_value("council.rates_multiplier", 0.9)
    st.set_value("landlords.meanwhile", False)
    m = viz_state.VizModel(controls=st)
    assert m.pars.council.rates_multiplier == 0.9
    assert m.pars.landlords.meanwhile is False
    assert m.pars.town_team.enabled is True, "the rest of the scenario stays"
    ref = TownModel(
        scenario="town_team",
        rng=3,
        overrides={"council": {"rates_multiplier": 0.9}, "landlords": {"meanwhile": False}},
        **{"run__residents": 300},
        town="linear",
        years=0.5,
    )
    assert m.pars == ref.pars
    for _ in range(3):
        m.step()
        ref.step()
    pd.testing.assert_frame_equal(m.results(), ref.results())


@pytest.fixture
def page_env(monkeypatch):
    monkeypatch.setenv("TOWNCENTRE_VIZ_TOWN", "linear")
    monkeypatch.setenv("TOWNCENTRE_VIZ_RESIDENTS", "200")
    monkeypatch.setenv("TOWNCENTRE_VIZ_SEED", "4")
    monkeypatch.setenv("TOWNCENTRE_VIZ_YEARS", "0.5")


def test_each_session_builds_its_own_model(page_env, monkeypatch):
    import solara

    made: list[viz_state.VizModel] = []
    init = viz_state.VizModel.__init__

    def record(self, *a, **k):
        init(self, *a, **k)
        made.append(self)

    monkeypatch.setattr(viz_state.VizModel, "__init__", record)
    _, rc1 = solara.render(viz.Page(), handle_error=False)
    _, rc2 = solara.render(viz.Page(), handle_error=False)
    try:
        assert len(made) == 2 and made[0] is not made[1]
        assert made[0].seed_used == made[1].seed_used == 4
        made[0].step()
        assert made[0].steps == 1 and made[1].steps == 0
        assert not [x for x in vars(viz).values() if isinstance(x, TownModel)], "no shared model"
    finally:
        rc1.close()
        rc2.close()


def _render():
    """The page as the server shows it (inside Solara's app layout, which holds the sidebar)."""
    import solara

    @solara.component
    def App():
        with solara.AppLayout():
            viz.Page()

    return solara.render(App(), handle_error=False)[1]


def _texts(rc) -> str:
    """Every text, label and value string of a rendered page's widgets, one a line."""
    import ipywidgets

    out: list[str] = []
    seen: set[int] = set()

    def walk(x) -> None:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, list | tuple):
            for y in x:
                walk(y)
        elif isinstance(x, dict):
            for y in x.values():
                walk(y)
        elif isinstance(x, ipywidgets.Widget) and id(x) not in seen:
            seen.add(id(x))
            for name in x.keys:
                if name in ("children", "label", "value", "description", "v_model", "v_slots"):
                    walk(getattr(x, name))
                elif name == "unsafe_innerHTML":
                    out.append(getattr(x, name) or "")

    walk(rc.container)
    return "\n".join(out)


def test_reset_uses_the_values_shown_or_refuses_them(page_env):
    """A seed that is not a seed: Reset refuses, says why, and the run goes on; a valid one:
    Reset builds the model from it."""
    import ipyvuetify as v

    rc = _render()
    try:
        step = rc.find(v.Btn, children=["Step"]).widget
        step.click()
        step.click()
        assert "Week 2," in _texts(rc)
        seed = rc.find(v.TextField, label="Seed").widget
        seed.v_model = "not a seed"
        rc.find(v.Btn, children=["Reset"]).widget.click()
        text = _texts(rc)
        assert "Reset refused: seed 'not a seed' must be a whole number" in text
        assert "Week 2," in text and "seed 4," in text, "the run goes on"
        seed.v_model = "77"
        rc.find(v.Btn, children=["Reset"]).widget.click()
        text = _texts(rc)
        assert "Reset refused" not in text and "Week 0," in text and "seed 77," in text
    finally:
        rc.close()


def test_page_has_no_scaffolding(page_env):
    """No Mesa tabs, empty parameter card, thread or interval controls; the town's title."""
    rc = _render()
    try:
        text = _texts(rc)
        assert "towncentre: Generated linear town" in text, "the town's title"
        for word in ("Page 0", "Model Parameters", "Use Threads", "Interval", "Solara"):
            assert word not in text, word
        assert "Public money" in text and viz_charts.BASELINE_LABEL in text
    finally:
        rc.close()


# ------------------------------------------------------------------------------ drawing


@pytest.fixture(scope="module")
def stepped():
    m = viz_state.VizModel(controls=_settings("town_team", seed=2))
    for _ in range(6):
        m.step()
    return m


def test_map_colours_units_by_use_vacant_grey_chains_squares(stepped):
    fig = viz_charts.draw_map(stepped)
    u = stepped.world.units
    marks = fig.axes[0].collections[1:]  # after the streets: vacant, independent, chain
    assert len(marks) == 3
    vis = [np.asarray(m.get_facecolors())[:, 3] > 0 for m in marks]
    np.testing.assert_array_equal(vis[0], u.category < 0)
    np.testing.assert_array_equal(vis[1], (u.category >= 0) & ~u.chain)
    np.testing.assert_array_equal(vis[2], (u.category >= 0) & u.chain)
    assert np.allclose(np.asarray(marks[0].get_facecolors())[vis[0]], viz_charts._VACANT_RGBA)
    j = int(np.flatnonzero(vis[2])[0])
    assert np.allclose(marks[2].get_facecolors()[j], viz_charts._CAT_RGBA[u.category[j]])
    assert np.allclose(marks[2].get_edgecolors()[j], (0, 0, 0, 1))
    year = stepped.outcomes["year"]
    assert viz_charts.when(year) in fig.axes[0].get_title(loc="left")
    legend = viz_charts.map_legend_html()
    assert all(c.replace("_", " ") in legend for c in ("vacant", "chain", "independent"))


def test_map_names_each_street_once_beside_its_middle():
    from sim.town import resolve_town

    m = viz_state.VizModel(controls=viz_state.Settings.create(seed=1, residents=200, years=0.1))
    t = m.town
    assert len(t.street_names) > 3
    written = [x.get_text() for x in viz_charts.draw_map(m).axes[0].texts]
    assert sorted(written) == sorted(t.street_names), "every street, once"
    for name, x, y, angle in viz_charts.street_labels(t):
        order = t.street_order(t.street_names.index(name))
        mid = order[order.size // 2]
        assert (x, y) == (t.x[mid], t.y[mid])
        assert -90.0 < angle <= 90.0, "upright"
    grid = viz_charts.street_labels(resolve_town("grid"))
    assert {n for n, *_ in grid} == set(resolve_town("grid").street_names)


def test_when_shows_month_and_year():
    assert viz_charts.when(2008.0) == "Jan 2008"
    assert viz_charts.when(2012 + 2.5 / 12) == "Mar 2012"
    assert viz_charts.when(2019.999) == "Dec 2019"


def test_catchment_density_counts_every_household(stepped):
    density, share = viz_charts.catchment_grids(stepped)
    r = stepped.pars.residents.catchment_km
    cell = (2 * r / density.shape[0]) ** 2
    assert density.sum() * cell == pytest.approx(stepped.world.res.n * stepped.world.weight)
    went = stepped.world.res.went.mean()
    homes = viz_charts._catchment_bins(stepped)["homes"].reshape(share.shape)
    assert np.nansum(share * homes) / homes.sum() == pytest.approx(went)
    viz_charts.draw_catchment(stepped)


def test_charts_follow_the_outcomes_against_the_year_with_the_baseline(stepped):
    res, base = stepped.results(), stepped.baseline.results()
    for title in viz_charts.CHARTS:
        lines = viz_charts.chart_lines(stepped, title)
        fig = viz_charts.draw_chart(stepped, title)
        drawn = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_linestyle() == "-"]
        assert len(drawn) == len(lines)
        for ln, (k, _) in zip(drawn, lines, strict=True):
            np.testing.assert_allclose(ln.get_ydata(), res[k].to_numpy())
            np.testing.assert_allclose(ln.get_xdata(), res["year"].to_numpy())
            assert ln.get_label() == BY_NAME[k].label
        dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) == 1 and dashed[0].get_label() == viz_charts.BASELINE_LABEL
        assert dashed[0].get_color() == viz_charts.BASELINE_COLOUR and dashed[0].get_visible()
        np.testing.assert_allclose(dashed[0].get_ydata(), base[lines[0][0]].to_numpy())
        assert fig.axes[0].get_xlim()[0] == pytest.approx(res["year"].iloc[0])
        cap = viz_charts.chart_caption(stepped, title)
        assert cap.startswith(f"{title}, {viz_charts.when(res['year'].iloc[-1])}: ")
        assert viz_charts.BASELINE_LABEL in cap and BY_NAME[lines[0][0]].label in cap
        assert "tc-baseline" in viz_charts.chart_caption_html(stepped, title)
    fig = viz_charts.draw_chart(stepped, "Vacancy")
    assert viz_charts.draw_chart(stepped, "Vacancy") is fig, "reused"
    png = io.BytesIO()
    viz_charts.draw_chart(stepped, "Footfall").savefig(png, format="png")
    assert png.getvalue()[:4] == b"\x89PNG"


def test_public_money_panel_uses_public_spend_when_collected(stepped):
    chart = viz_charts.CHARTS["Public spending a week"]
    spend = [k for k, _ in chart.lines(stepped.outcomes)]
    if "public_spend" in stepped.outcomes:
        assert spend == ["public_spend"]
    else:
        assert spend == ["council_net", "town_team_spend"]
    assert [k for k, _ in chart.lines({"public_spend": 1.0})] == ["public_spend"]
    assert [k for k, _ in viz_charts.CHARTS["Council's balance"].lines(stepped.outcomes)] == [
        "council_balance",
        "town_team_fund",
    ]
    cap = viz_charts.chart_caption(stepped, "Council's balance")
    assert "£" in cap and "GBP" not in cap
    assert set(viz_charts.PUBLIC_MONEY) <= set(viz_charts.CHARTS)


def test_play_draws_now_and_then_and_stops_on_pause_or_at_the_end(monkeypatch):
    """The play loop on a fake clock (no timing of this machine): a week costs 3 ms, a frame
    10 ms, so after the first week a frame is due every 2 x 10 ms of weeks."""
    clock = SimpleNamespace(t=0.0)
    monkeypatch.setattr(
        viz,
        "time",
        SimpleNamespace(
            monotonic=lambda: clock.t, sleep=lambda s: setattr(clock, "t", clock.t + s)
        ),
    )
    monkeypatch.setattr(viz, "PLAY_PAUSE", 0.0)
    monkeypatch.setattr(viz, "FRAME_SECONDS", 0.0)
    m = viz_state.VizModel(controls=_settings("town_team", seed=4))
    step = m.step

    def timed_step() -> None:
        step()
        clock.t += 0.003

    monkeypatch.setattr(m, "step", timed_step)
    frames: list[int] = []

    def slow_draw() -> None:
        frames.append(m.steps)
        clock.t += 0.01

    viz.play_weeks(m, lambda: m.steps < 40, slow_draw)
    assert m.steps == 40 and m.baseline.steps == 40, "paused after week 40"
    assert frames[0] == 1, "the first week is drawn"
    gaps = np.diff(frames)
    assert len(frames) >= 3 and (gaps >= 6).all() and (gaps <= 8).all(), frames
    viz.play_weeks(m, lambda: True, lambda: None)
    assert not m.running and m.steps > 40, "plays to the end of the run"
    assert m.steps == m.baseline.steps


def test_series_never_shows_ragged_lengths(stepped, monkeypatch):
    cols = stepped.record.columns
    monkeypatch.setitem(cols, "footfall", [*cols["footfall"], 1.0])  # a step mid-record
    fig = viz_charts.draw_chart(stepped, "Footfall")
    ln = fig.axes[0].get_lines()[1]
    assert len(ln.get_xdata()) == len(ln.get_ydata()) == 7


# ------------------------------------------------------------------------------ assets, CLI


def _fake_npm(tmp_path: Path) -> Path:
    """An 'npm' whose 'pack NAME@VER --pack-destination D' writes a tarball with the probe."""
    probes = {f"{n}@{v}": p for n, v, p in viz_assets.PACKAGES}
    script = tmp_path / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import io, sys, tarfile\n"
        f"probes = {probes!r}\n"
        "spec, dest = sys.argv[2], sys.argv[4]\n"
        "name = spec.replace('@', '').replace('/', '-') + '.tgz'\n"
        "with tarfile.open(dest + '/' + name, 'w:gz') as t:\n"
        "    for path in (probes[spec], '../evil.js'):\n"
        "        data = b'x'; i = tarfile.TarInfo('package/' + path); i.size = 1\n"
        "        t.addfile(i, io.BytesIO(data))\n"
        "print(name)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_asset_installer_unpacks_npm_tarballs(tmp_path):
    root = tmp_path / "cdn"
    assert len(viz_assets.missing(root)) == len(viz_assets.PACKAGES)
    done = viz_assets.install(root, npm=str(_fake_npm(tmp_path)), quiet=True)
    assert len(done) == len(viz_assets.PACKAGES)
    assert viz_assets.missing(root) == []
    assert (root / "requirejs@2.3.6" / "require.js").read_bytes() == b"x"
    assert not list(tmp_path.rglob("evil.js")), "paths outside the package are dropped"
    assert viz_assets.install(root, npm="/nonexistent/npm") == [], "nothing to do"


def test_asset_installer_without_npm_says_what_to_do(tmp_path):
    with pytest.raises(viz_assets.AssetError, match="npm"):
        viz_assets.install(tmp_path / "cdn", npm=str(tmp_path / "no-npm"), quiet=True)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["viz", "--port", "0"], "--port"),
        (["viz", "--scenario", "nope"], "nope"),
        (["viz", "--residents", "-5"], "residents"),
        (["viz", "--seed", "-1"], "--seed"),
        (["viz", "--town", "missing.csv"], "missing.csv"),
    ],
)
def test_viz_bad_flags_are_one_line_errors(argv, needle, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("towncentre: error:") and needle in err and err.count("\n") == 1


def test_viz_refuses_a_busy_port(capsys, monkeypatch):
    monkeypatch.setattr(viz_assets, "missing", lambda root=None: [])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert cli.main(["viz", "--port", str(port), "--town", "linear"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("towncentre: error:") and str(port) in err
