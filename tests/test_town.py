"""Tests of sim.town: CSV loading and validation, adjacency, generated layouts, example town."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.categories import CAT, OWNER, VACANT
from sim.town import (
    CATCHMENT_DERIVED,
    CATCHMENT_KEYS,
    DETOUR_FACTOR,
    EXAMPLE_TOWN,
    LAYOUTS,
    REFERENCE_FLOORSPACE_M2,
    REFERENCE_HOUSEHOLDS,
    REFERENCE_UNITS,
    SCENARIOS_DIR,
    Town,
    TownError,
    build_adjacency,
    derived_households,
    generate_town,
    load_town,
    resolve_town,
    save_town,
)

HEADER = "id,x,y,floorspace,street,initial_use,owner_type,format,landlord"
ARRAYS = (
    "unit_id",
    "x",
    "y",
    "floorspace",
    "street",
    "initial_use",
    "initial_chain",
    "owner_type",
    "landlord",
    "adj_indptr",
    "adj_indices",
)


def write(tmp_path: Path, text: str, name: str = "town.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def edges(town: Town) -> set[tuple[int, int]]:
    """Undirected edges as pairs of unit ids."""
    out = set()
    for i in range(town.n_units):
        for j in town.neighbours(i):
            a, b = int(town.unit_id[i]), int(town.unit_id[j])
            out.add((min(a, b), max(a, b)))
    return out


def assert_same_town(a: Town, b: Town) -> None:
    for key in ARRAYS:
        va, vb = getattr(a, key), getattr(b, key)
        assert va.dtype == vb.dtype, key
        np.testing.assert_array_equal(va, vb, err_msg=key)
    assert a.street_names == b.street_names
    assert a.landlord_names == b.landlord_names
    assert a.main_street == b.main_street
    assert a.name == b.name


def assert_graph_ok(town: Town) -> None:
    n = town.n_units
    indptr, indices = town.adj_indptr, town.adj_indices
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert indptr.shape == (n + 1,) and indptr[0] == 0 and indptr[-1] == indices.size
    dense = np.zeros((n, n), dtype=bool)
    for i in range(n):
        row = indices[indptr[i] : indptr[i + 1]]
        assert np.all(np.diff(row) > 0), "neighbours sorted and unique"
        dense[i, row] = True
    assert not dense.diagonal().any(), "no self loops"
    assert (dense == dense.T).all(), "symmetric"


# ---------------------------------------------------------------------------------------------
# Round trip and types


@pytest.mark.parametrize("which", ["example", *LAYOUTS])
def test_save_load_round_trip(tmp_path: Path, which: str) -> None:
    town = load_town(EXAMPLE_TOWN) if which == "example" else generate_town(which, 120, seed=3)
    path = save_town(town, tmp_path / "sub" / "copy.csv")
    back = load_town(path)
    assert_same_town(town, back)
    again = load_town(save_town(back, tmp_path / "copy2.csv"))
    assert_same_town(back, again)
    assert path.read_text() == (tmp_path / "copy2.csv").read_text()


def test_types_and_read_only() -> None:
    town = load_town(EXAMPLE_TOWN)
    assert town.unit_id.dtype == np.int64
    assert town.x.dtype == town.y.dtype == town.floorspace.dtype == np.float64
    assert town.street.dtype == np.int32 and town.landlord.dtype == np.int32
    assert town.initial_use.dtype == np.int8 and town.owner_type.dtype == np.int8
    assert town.initial_chain.dtype == np.bool_
    assert np.unique(town.unit_id).size == town.n_units
    assert set(np.unique(town.landlord)) == set(range(town.n_landlords))
    assert len(town.landlord_names) == town.n_landlords
    assert isinstance(town.main_street, int)
    with pytest.raises(ValueError):
        town.initial_use[0] = 3
    cx, cy = town.centre
    assert cx == pytest.approx(town.x.mean()) and cy == pytest.approx(town.y.mean())


def test_walk_distance_from_sources() -> None:
    town = generate_town("cross", 40)
    d = town.walk_distance_from([3, 17])
    assert d.shape == (2, 40) and d.dtype == np.float64
    assert d[0, 3] == 0 and d[1, 17] == 0
    euclid = np.hypot(town.x[3] - town.x[17], town.y[3] - town.y[17])
    assert d[0, 17] == pytest.approx(DETOUR_FACTOR * euclid)
    assert d[1, 3] == pytest.approx(d[0, 17])
    k = 25
    assert d[0, k] == pytest.approx(
        DETOUR_FACTOR * np.hypot(town.x[3] - town.x[k], town.y[3] - town.y[k])
    )
    assert town.walk_distance_from(np.array([], dtype=np.int64)).shape == (0, 40)


# ---------------------------------------------------------------------------------------------
# Adjacency


def test_adjacency_five_unit_street(tmp_path: Path) -> None:
    # A diagonal street along (0.8, 0.6), rows written out of order. Positions along it:
    # 10 at 0 m, 20 at 6 m, 30 at 36 m, 40 at 84 m (48 m from 30: too far), 50 at 90 m.
    rows = [(10, 0, 0), (20, 4.8, 3.6), (30, 28.8, 21.6), (40, 67.2, 50.4), (50, 72.0, 54.0)]
    order = [2, 0, 4, 1, 3]
    text = (
        HEADER
        + "\n"
        + "\n".join(
            f"{rows[k][0]},{rows[k][1]},{rows[k][2]},80,Long Lane,comparison,local_private,,"
            for k in order
        )
    )
    town = load_town(write(tmp_path, text + "\n"))
    assert_graph_ok(town)
    assert edges(town) == {(10, 20), (20, 30), (40, 50)}
    ids = town.unit_id[town.main_street_order()]
    assert list(ids) == [10, 20, 30, 40, 50]


def test_adjacency_across_streets() -> None:
    # Street 0 along y = 0; street 1 runs north from x = 12. Cross neighbours within 25 m only.
    x = np.array([0.0, 6.0, 12.0, 18.0, 12.0, 12.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 20.0, 60.0])
    street = np.array([0, 0, 0, 0, 1, 1])
    indptr, indices = build_adjacency(x, y, street)
    got = {(i, int(j)) for i in range(6) for j in indices[indptr[i] : indptr[i + 1]] if i < j}
    # street 0 chain; street 1: 4-5 are 40 m apart (<= 40, kept);
    # cross: 4 is within 25 m of units 0 (23.3 m), 1 (20.9 m), 2 (20 m) and 3 (20.9 m).
    assert got == {(0, 1), (1, 2), (2, 3), (4, 5), (0, 4), (1, 4), (2, 4), (3, 4)}
    indptr, indices = build_adjacency(x, y, street, max_gap_m=39.0, cross_m=20.5)
    got = {(i, int(j)) for i in range(6) for j in indices[indptr[i] : indptr[i + 1]] if i < j}
    assert got == {(0, 1), (1, 2), (2, 3), (2, 4)}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generated_graph_symmetric(layout: str) -> None:
    town = generate_town(layout, 150, seed=1)
    assert_graph_ok(town)
    assert np.all(np.diff(town.adj_indptr) >= 1), "no isolated units"


def test_example_graph_symmetric() -> None:
    assert_graph_ok(load_town(EXAMPLE_TOWN))


# ---------------------------------------------------------------------------------------------
# Validation

GOOD = [
    "1,0,0,80,High Street,comparison,institutional,chain,Fund A",
    "2,6,0,60,High Street,vacant,local_private,,Smith",
    "3,12,0,70,High Street,charity,council,independent,Council",
]


def bad_file(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    return write(tmp_path, "\n".join([header, *lines]) + "\n", name="bad_town.csv")


@pytest.mark.parametrize(
    ("row", "line", "column", "fragment"),
    [
        ("9,abc,0,80,High Street,comparison,local_private,,L", 4, "x", "'abc' is not a number"),
        ("9,0,inf,80,High Street,comparison,local_private,,L", 4, "y", "in [-1e+07, 1e+07] (m)"),
        # numbers that overflowed further down (issue 15): refused with their allowed range
        (f"{2**70},0,0,80,High Street,comparison,local_private,,L", 4, "id", "outside [0, "),
        ("-1,0,0,80,High Street,comparison,local_private,,L", 4, "id", "outside [0, "),
        ("9,1e300,0,80,High Street,comparison,local_private,,L", 4, "x", "'1e300' is not a"),
        ("9,0,-1e300,80,High Street,comparison,local_private,,L", 4, "y", "[-1e+07, 1e+07]"),
        ("9,10000001,0,80,High Street,comparison,local_private,,L", 4, "x", "[-1e+07, 1e+07]"),
        ("9,0,0,1e308,High Street,comparison,local_private,,L", 4, "floorspace", "<= 100000"),
        ("9,0,0,1e400,High Street,comparison,local_private,,L", 4, "floorspace", "<= 100000"),
        ("9,0,0,-3,High Street,comparison,local_private,,L", 4, "floorspace", "'-3'"),
        ("9,0,0,0,High Street,comparison,local_private,,L", 4, "floorspace", "> 0"),
        ("9,0,0,200000,High Street,comparison,local_private,,L", 4, "floorspace", "100000"),
        ("9,0,0,big,High Street,comparison,local_private,,L", 4, "floorspace", "'big'"),
        ("x9,0,0,80,High Street,comparison,local_private,,L", 4, "id", "not an integer"),
        ("2,0,0,80,High Street,comparison,local_private,,L", 4, "id", "also on line 3"),
        ("9,0,0,80,,comparison,local_private,,L", 4, "street", "street name"),
        ("9,0,0,80,High Street,shoe,local_private,,L", 4, "initial_use", "convenience"),
        ("9,0,0,80,High Street,comparisn,local_private,,L", 4, "initial_use", "'comparison'"),
        ("9,0,0,80,High Street,comparison,landlord,,L", 4, "owner_type", "institutional"),
        ("9,0,0,80,High Street,comparison,local_private,multiple,L", 4, "format", "chain"),
        ("9,0,0,80,High Street,charity,local_private,chain,L", 4, "format", "charity"),
        ("9,0,0,80,High Street,vacant,local_private,chain,L", 4, "format", "vacant"),
    ],
)
def test_bad_values(tmp_path: Path, row: str, line: int, column: str, fragment: str) -> None:
    path = bad_file(tmp_path, [*GOOD[:2], row, GOOD[2]])
    with pytest.raises(TownError) as info:
        load_town(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert f"bad_town.csv line {line}, column {column}:" in msg
    assert fragment in msg


def test_bad_value_line_counts_blank_and_comment_lines(tmp_path: Path) -> None:
    text = "\n".join(
        ["# name: Test", HEADER, GOOD[0], "", GOOD[1], "9,0,0,80,High Street,shoe,council,,L"]
    )
    with pytest.raises(TownError, match=r"town\.csv line 6, column initial_use: 'shoe'"):
        load_town(write(tmp_path, text))


def test_initial_use_message_lists_allowed_values(tmp_path: Path) -> None:
    path = bad_file(tmp_path, ["1,0,0,80,High Street,shoe,council,,"])
    with pytest.raises(TownError) as info:
        load_town(path)
    msg = str(info.value)
    assert "is not one of convenience, comparison, food_drink" in msg
    assert "market, vacant" in msg


def test_missing_column(tmp_path: Path) -> None:
    header = "id,x,y,floorspace,initial_use,owner_type"
    path = bad_file(tmp_path, ["1,0,0,80,comparison,council"], header=header)
    with pytest.raises(TownError, match=r"bad_town\.csv line 1, column street: missing required"):
        load_town(path)


def test_unknown_column_suggests(tmp_path: Path) -> None:
    header = HEADER.replace("landlord", "landlords")
    path = bad_file(tmp_path, GOOD, header=header)
    with pytest.raises(TownError) as info:
        load_town(path)
    msg = str(info.value)
    assert "bad_town.csv line 1, column landlords" in msg
    assert "did you mean 'landlord'" in msg and "\n" not in msg


def test_wrong_field_count(tmp_path: Path) -> None:
    path = bad_file(tmp_path, [GOOD[0], "2,6,0,60,High Street"])
    with pytest.raises(TownError, match=r"bad_town\.csv line 3: 5 values but the header"):
        load_town(path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "file is empty"),
        ("\n\n   \n", "file is empty"),
        ("# just a comment\n", "file is empty"),
        (HEADER + "\n\n", "line 1: no units"),
    ],
)
def test_empty_files(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(TownError) as info:
        load_town(write(tmp_path, text, name="empty.csv"))
    assert "empty.csv" in str(info.value) and fragment in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(TownError, match=r"nowhere\.csv: file not found"):
        load_town(path)
    with pytest.raises(TownError, match="file not found"):
        resolve_town(str(path))


def test_bom_blank_lines_case_and_optional_columns(tmp_path: Path) -> None:
    text = (
        "ID, X ,y,Floorspace,street,initial_use,owner_type\n\n"
        "1,0,0,80,High Street,Food-Drink,Local Private\n"
        "2,6,0,60,High Street,vacant,council\n"
        "3,0,30,60,Mill Lane,COMPARISON,institutional\n"
    )
    town = load_town(write(tmp_path, text, encoding="utf-8-sig"))
    assert (tmp_path / "town.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert town.n_units == 3 and town.name == "town"
    assert list(town.initial_use) == [CAT["food_drink"], VACANT, CAT["comparison"]]
    assert list(town.owner_type) == [OWNER["local_private"], OWNER["council"], 0]
    assert not town.initial_chain.any()
    assert town.street_names == ("High Street", "Mill Lane") and town.main_street == 0


def test_main_street_option(tmp_path: Path) -> None:
    path = bad_file(tmp_path, GOOD + ["4,0,40,60,Mill Lane,vacant,council,,"])
    assert load_town(path).main_street == 0
    assert load_town(path, main_street="Mill Lane").main_street == 1
    with pytest.raises(TownError, match="main street 'Nowhere'"):
        load_town(path, main_street="Nowhere")


def test_auto_landlords(tmp_path: Path) -> None:
    header = "id,x,y,floorspace,street,initial_use,owner_type"
    lines = []
    owners = ["institutional"] * 17 + ["local_private"] * 6 + ["council"] * 3 + ["community"] * 2
    for k, owner in enumerate(owners):
        lines.append(f"{k + 1},{6 * k},0,80,High Street,services,{owner}")
    town = load_town(bad_file(tmp_path, lines, header=header))
    ll = town.landlord
    by_kind = {o: ll[town.owner_type == OWNER[o]] for o in set(owners)}
    assert np.unique(by_kind["council"]).size == 1
    assert np.unique(by_kind["community"]).size == 1
    assert np.unique(by_kind["institutional"]).size == 2  # portfolios of ~8
    assert np.unique(by_kind["local_private"]).size == 3  # ~2 units each
    assert town.n_landlords == 7
    kinds = [set(by_kind[o]) for o in by_kind]
    assert sum(len(k) for k in kinds) == len(set().union(*kinds)), "no landlord spans kinds"
    assert load_town(bad_file(tmp_path, lines, header=header)).landlord.tolist() == ll.tolist()


# ---------------------------------------------------------------------------------------------
# Generated layouts


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generated_deterministic(layout: str) -> None:
    a = generate_town(layout, 180, seed=7)
    b = generate_town(layout, 180, seed=7)
    assert_same_town(a, b)
    c = generate_town(layout, 180, seed=8)
    assert not np.array_equal(a.initial_use, c.initial_use)
    assert not np.array_equal(a.floorspace, c.floorspace)
    assert a.n_units == 180 and a.source == f"generated:{layout}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generated_mix(layout: str) -> None:
    town = generate_town(layout, 400, seed=2)
    occupied = town.initial_use != VACANT
    assert 0.10 <= (~occupied).mean() <= 0.14
    assert 0.30 <= town.initial_chain[occupied].mean() <= 0.40
    shares = np.bincount(town.owner_type, minlength=4) / town.n_units
    np.testing.assert_allclose(shares[:3], [0.45, 0.40, 0.15], atol=0.02)
    assert 60 <= np.median(town.floorspace) <= 130
    assert town.floorspace.min() >= 20 and town.floorspace.max() <= 2000
    assert (town.initial_use == CAT["community"]).sum() == 1
    for c in ("startup", "learning", "voluntary"):
        assert not (town.initial_use == CAT[c]).any()
    assert town.street_names[town.main_street] == "High Street"
    counts = np.bincount(town.street)
    assert counts[town.main_street] == counts.max()


@pytest.mark.parametrize("n", [1, 2, 5, 1000])
def test_generated_sizes(n: int) -> None:
    for layout in LAYOUTS:
        assert generate_town(layout, n).n_units == n


def test_generated_bad_args() -> None:
    with pytest.raises(TownError, match="did you mean 'grid'"):
        generate_town("gird")
    with pytest.raises(TownError, match="n_units"):
        generate_town("linear", 0)


# ---------------------------------------------------------------------------------------------
# Example town and resolution


def test_example_town_composition() -> None:
    town = load_town(EXAMPLE_TOWN)
    assert town.name == "Ashby Market"
    assert 250 <= town.n_units <= 400
    assert town.n_streets >= 5
    occupied = town.initial_use != VACANT
    assert 0.06 <= (~occupied).mean() <= 0.15
    assert 0.25 <= town.initial_chain[occupied].mean() <= 0.45
    for owner in ("institutional", "local_private", "council"):
        assert (town.owner_type == OWNER[owner]).any(), owner
    assert town.street_names[town.main_street] == "High Street"
    high = town.street == town.main_street
    assert town.initial_chain[high].sum() > town.initial_chain[~high].sum()
    market = town.initial_use == CAT["market"]
    assert market.sum() >= 1 and np.all(town.owner_type[market] == OWNER["council"])
    community = town.initial_use == CAT["community"]
    assert (community & (town.owner_type == OWNER["council"])).sum() >= 2


def test_main_street_order_covers_main_street() -> None:
    town = load_town(EXAMPLE_TOWN)
    order = town.main_street_order()
    assert sorted(order.tolist()) == np.flatnonzero(town.street == town.main_street).tolist()
    # Monotone along the street (the High Street runs east-west).
    assert np.all(np.diff(town.x[order]) >= 0)
    assert order.size >= 50


def test_resolve_town(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_town(None).name == "Ashby Market"
    assert resolve_town("linear").source == "generated:linear"
    g = resolve_town("generated:grid:60:4")
    assert_same_town(g, generate_town("grid", 60, 4))
    assert resolve_town("example_town").n_units == load_town(EXAMPLE_TOWN).n_units
    assert resolve_town("cross.csv").source.endswith("cross.csv")
    assert (SCENARIOS_DIR / "towns" / "cross.csv").is_file()
    path = save_town(generate_town("linear", 10), tmp_path / "mine.csv")
    monkeypatch.chdir(tmp_path)
    assert resolve_town("mine.csv").n_units == 10
    assert resolve_town(path).n_units == 10
    with pytest.raises(TownError, match="generated:<layout>"):
        resolve_town("generated:ring")
    with pytest.raises(TownError, match="file not found"):
        resolve_town("no_such_town.csv")


def test_bundled_layout_files_match_generator() -> None:
    for layout in LAYOUTS:
        saved = load_town(SCENARIOS_DIR / "towns" / f"{layout}.csv")
        assert_same_town(saved, generate_town(layout))


def test_generated_and_resolved_bounds() -> None:
    with pytest.raises(TownError, match=r"n_units 100001 is not an integer in \[1, 100000\]"):
        generate_town("linear", 100_001)
    with pytest.raises(TownError, match="seed -1"):
        generate_town("linear", 10, seed=-1)
    for spec in (f"generated:linear:{2**70}", "generated:grid:10:-1", f"generated:cross:5:{2**64}"):
        with pytest.raises(TownError) as info:
            resolve_town(spec)
        assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------------------------
# Catchment (issue 15): households in the town, from its file or derived from floorspace


def test_reference_is_the_example_town() -> None:
    town = load_town(EXAMPLE_TOWN)
    assert town.n_units == REFERENCE_UNITS
    assert town.total_floorspace == REFERENCE_FLOORSPACE_M2
    assert town.households == REFERENCE_HOUSEHOLDS
    assert town.catchment_source == CATCHMENT_DERIVED
    assert town.catchment_km is None and town.density_decay_km is None
    assert town.calibration_warning() is None


def test_catchment_bounds_are_the_parameters_bounds() -> None:
    import dataclasses

    from sim.params import Params

    pars = Params()
    where = {"households": pars.run, "catchment_km": pars.residents}
    where["density_decay_km"] = pars.residents
    for key, (lo, hi, _, _) in CATCHMENT_KEYS.items():
        meta = {f.name: f.metadata for f in dataclasses.fields(where[key])}[key]
        assert (meta["lo"], meta["hi"]) == (lo, hi), key
    assert pars.run.households == 0.0  # 0: the town's own catchment
    assert REFERENCE_HOUSEHOLDS == 30_000.0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_derived_catchment_scales_with_floorspace(layout: str) -> None:
    small, big = generate_town(layout, 60), generate_town(layout, 900)
    for town in (small, big):
        assert town.catchment_source == "derived from floorspace"
        ratio = town.households / town.total_floorspace
        assert ratio == pytest.approx(REFERENCE_HOUSEHOLDS / REFERENCE_FLOORSPACE_M2, rel=1e-3)
    assert 5 < big.households / small.households < 30
    assert derived_households(0.0) == 1.0


def test_catchment_from_toml_beside_the_csv(tmp_path: Path) -> None:
    path = save_town(generate_town("cross", 50), tmp_path / "my_town.csv")
    (tmp_path / "my_town.toml").write_text(
        "# my catchment\nhouseholds = 12_000\ncatchment_km = 3\ndensity_decay_km = 1.2\n",
        encoding="utf-8-sig",
    )
    town = load_town(path)
    assert town.households == 12000.0 and town.catchment_source == "file"
    assert town.catchment_km == 3.0 and town.density_decay_km == 1.2
    # radius only: households stay derived
    (tmp_path / "my_town.toml").write_text("catchment_km = 2.5\n")
    town = load_town(path)
    assert town.catchment_source == CATCHMENT_DERIVED and town.catchment_km == 2.5


def test_catchment_from_header_comments(tmp_path: Path) -> None:
    text = "# name: Twin\n# households = 4500\n#density_decay_km=0.8\n" + HEADER + "\n"
    town = load_town(write(tmp_path, text + "\n".join(GOOD) + "\n"))
    assert town.households == 4500.0 and town.catchment_source == "file"
    assert town.density_decay_km == 0.8 and town.catchment_km is None
    assert town.name == "Twin"


def test_catchment_round_trip(tmp_path: Path) -> None:
    base = generate_town("linear", 40)
    given = Town(
        **{
            k: getattr(base, k)
            for k in (*ARRAYS, "name", "street_names", "main_street", "source", "landlord_names")
        },
        households=777.0,
        catchment_km=2.0,
    )
    assert given.catchment_source == "given"
    back = load_town(save_town(given, tmp_path / "g.csv"))
    assert back.households == 777.0 and back.catchment_km == 2.0
    assert back.catchment_source == "file" and back.density_decay_km is None
    derived = load_town(save_town(base, tmp_path / "d.csv"))
    assert derived.catchment_source == CATCHMENT_DERIVED
    assert derived.households == base.households


@pytest.mark.parametrize(
    ("where", "text", "fragment"),
    [
        (
            "toml",
            "households = -5",
            "my_town.toml, key households: -5 is not a number > 0 and <= 1e+07 (households)",
        ),
        ("toml", "households = 0", "> 0 and <= 1e+07"),
        ("toml", "households = 1e8", "my_town.toml, key households: 100000000.0 is not"),
        ("toml", "households = nan", "nan is not a number"),
        ("toml", "households = inf", "inf is not a number"),
        ("toml", "households = true", "True is not a number"),
        ("toml", "households = '12000'", "'12000' is not a number"),
        ("toml", "catchment_km = 0.1", "key catchment_km: 0.1 is not a number in [0.2, 50] (km)"),
        ("toml", "density_decay_km = 1e400", "key density_decay_km: inf is not"),
        ("toml", "houshold = 3", "key houshold: unknown key; did you mean 'households'?"),
        ("toml", "[catchment]\nhouseholds = 3", "key catchment: unknown key"),
        ("toml", "households = ", "my_town.toml: not valid TOML"),
        ("csv", "# households = lots", "my_town.csv line 1, households: 'lots' is not a number"),
        ("csv", "# households = 1e400", "line 1, households: inf is not a number"),
        ("csv", "# radius = 3", "my_town.csv line 1, radius: unknown setting"),
        ("csv", "# households = 3\n# households = 4", "line 2, households: set twice"),
        ("both", "households = 3", "my_town.toml, key households: also set in"),
    ],
)
def test_bad_catchment(tmp_path: Path, where: str, text: str, fragment: str) -> None:
    head = text + "\n" if where == "csv" else ""
    if where == "both":
        head = "# households = 5\n"
    path = write(tmp_path, head + HEADER + "\n" + "\n".join(GOOD) + "\n", name="my_town.csv")
    if where in ("toml", "both"):
        (tmp_path / "my_town.toml").write_text(text + "\n")
    with pytest.raises(TownError) as info:
        load_town(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert fragment in msg


def test_calibration_warning() -> None:
    assert generate_town("grid", 300).calibration_warning() is None
    tiny = generate_town("linear", 12)
    msg = tiny.calibration_warning()
    assert msg is not None and "\n" not in msg
    assert "12 units (calibrated range 30-3,000)" in msg
    assert "households per m2" not in msg
    huge = generate_town("grid", 5000).calibration_warning()
    assert huge is not None and "5,000 units" in huge
    base = generate_town("cross", 200)
    keys = (*ARRAYS, "name", "street_names", "main_street", "source", "landlord_names")
    for factor, warned in ((3.5, True), (2.5, False), (1 / 3.5, True), (1 / 2.5, False)):
        t = Town(**{k: getattr(base, k) for k in keys}, households=base.households * factor)
        w = t.calibration_warning()
        assert (w is not None) == warned, factor
        if warned:
            assert "households per m2 of floorspace (calibrated range 0.23-2)" in w


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (f"{2**70},0,0,80,High Street,comparison,local_private,,L", "column id:"),
        ("9,1e300,0,80,High Street,comparison,local_private,,L", "column x:"),
        ("9,0,0,1e308,High Street,comparison,local_private,,L", "column floorspace:"),
    ],
)
def test_cli_refuses_overflowing_numbers(
    tmp_path: Path, row: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.cli import main

    path = bad_file(tmp_path, [*GOOD, row])
    out = tmp_path / "out"
    rc = main(
        ["run", "consumer_led", "--town", str(path), "--out", str(out), "--seed", "1", "--quiet"]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("towncentre: error: ")
    assert fragment in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_town.csv"]


def test_checkpoint_keeps_the_catchment(tmp_path: Path) -> None:
    from sim.checkpoint import load_checkpoint, save_checkpoint, town_hash
    from sim.model import TownModel

    base = generate_town("linear", 30)
    keys = (*ARRAYS, "name", "street_names", "main_street", "source", "landlord_names")
    town = Town(**{k: getattr(base, k) for k in keys}, households=4321.0, density_decay_km=0.9)
    assert town_hash(town) != town_hash(base)
    model = TownModel("consumer_led", None, town, residents=50, years=1 / 52, rng=5)
    model.step()
    back = load_checkpoint(save_checkpoint(model, tmp_path / "ck.npz")).town
    assert (back.households, back.catchment_km, back.density_decay_km) == (4321.0, None, 0.9)
    assert back.catchment_source == "given"
    assert town_hash(back) == town_hash(town)
