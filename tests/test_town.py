"""Tests of sim.town: CSV loading and validation, adjacency, generated layouts, example town."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.categories import CAT, OWNER, VACANT
from sim.town import (
    DETOUR_FACTOR,
    EXAMPLE_TOWN,
    LAYOUTS,
    SCENARIOS_DIR,
    Town,
    TownError,
    build_adjacency,
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


def test_walk_distance() -> None:
    town = generate_town("cross", 40)
    d = town.walk_distance()
    assert d.shape == (40, 40) and d.dtype == np.float64
    assert np.all(d.diagonal() == 0) and np.allclose(d, d.T)
    i, j = 3, 17
    euclid = np.hypot(town.x[i] - town.x[j], town.y[i] - town.y[j])
    assert d[i, j] == pytest.approx(DETOUR_FACTOR * euclid)
    assert town.walk_distance() is d  # cached


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
        ("9,0,inf,80,High Street,comparison,local_private,,L", 4, "y", "finite"),
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
