"""Tests of sim.osm and ``towncentre town from-osm`` on a hand-written OSM extract.

tests/data/small_town.osm: a made-up centre at 52.0 N, 1.0 W. Its XML comments give each
node's position in metres east and north of the centre; the expected units below follow the
tag table of docs/towns.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.categories import CATEGORIES, OWNER_TYPES, VACANT
from sim.cli import main
from sim.town import derived_households, load_town

pytest.importorskip("osmium")

from sim.osm import owner_type, town_from_osm, unit_use  # noqa: E402

EXTRACT = Path(__file__).parent / "data" / "small_town.osm"
CENTRE = "52.0,-1.0"
RADIUS = "400"

# (x, y) -> use, chain, floorspace m2, street, owner type
EXPECTED = {
    (-94, 15): ("convenience", True, 240, "High Street", "institutional"),  # Tesco in its shop
    (-77, 15): ("comparison", False, 100, "High Street", "institutional"),  # shares a building
    (-73, 15): ("comparison", True, 100, "High Street", "institutional"),  # brand:wikidata only
    (-55, 15): ("food_drink", False, 200, "High Street", "institutional"),  # cafe
    (-35, 15): ("food_drink", True, 200, "High Street", "institutional"),  # branded pub
    (-15, 15): ("vacant", False, 200, "High Street", "institutional"),  # shop=vacant
    (-95, -15): ("vacant", False, 200, "High Street", "institutional"),  # disused:shop
    (-75, -15): ("vacant", False, 200, "High Street", "institutional"),  # vacant=yes
    (-55, -15): ("services", False, 200, "High Street", "local_private"),  # office=estate_agent
    (-35, -15): ("charity", False, 200, "High Street", "local_private"),  # Oxfam: no charity chains
    (-15, -15): ("health", True, 200, "High Street", "local_private"),  # Boots pharmacy
    (74, -40): ("community", False, 240, "Church Lane", "council"),  # library: council
    (46, -40): ("voluntary", False, 240, "Church Lane", "local_private"),  # office=charity
    (100, 12): ("services", True, 90, "High Street", "local_private"),  # bank, no building
    (90, 10): ("comparison", False, 110, "Church Lane", "local_private"),  # addr:street wins
    (120, -12): ("convenience", False, 120, "High Street", "local_private"),  # bakery
    (150, 10): ("leisure", False, 120, "High Street", "council"),  # leisure=fitness_centre
    (160, -12): ("health", False, 115, "High Street", "council"),  # dentist
    (200, 12): ("services", False, 90, "High Street", "council"),  # office=company
    (15, 23): ("comparison", True, 900, "High Street", "institutional"),  # store's own way
    (-40, 55): ("market", False, 1200, "High Street", "council"),  # marketplace area
}


def run_cli(*args: str) -> int:
    return main(["town", "from-osm", *args])


def build(tmp_path: Path, extract: Path = EXTRACT, *extra: str) -> Path:
    out = tmp_path / "town" / "my_town.csv"
    assert (
        run_cli(str(extract), "--centre", CENTRE, "--radius", RADIUS, "--out", str(out), *extra)
        == 0
    )
    return out


# ---------------------------------------------------------------------------------------------
# The tag table


@pytest.mark.parametrize(
    ("tags", "use"),
    [
        ({"shop": "supermarket"}, "convenience"),
        ({"shop": "clothes"}, "comparison"),
        ({"shop": "some_new_kind"}, "comparison"),  # any other shop value
        ({"shop": "hairdresser"}, "services"),
        ({"shop": "optician"}, "health"),
        ({"shop": "bookmaker"}, "leisure"),
        ({"shop": "charity"}, "charity"),
        ({"shop": "vacant"}, "vacant"),
        ({"shop": "bakery", "vacant": "yes"}, "vacant"),
        ({"disused:shop": "clothes"}, "vacant"),
        ({"disused:amenity": "pub"}, "vacant"),
        ({"disused:shop": "clothes", "shop": "books"}, "comparison"),  # reoccupied
        ({"amenity": "restaurant"}, "food_drink"),
        ({"amenity": "bank"}, "services"),
        ({"amenity": "cinema"}, "leisure"),
        ({"amenity": "doctors"}, "health"),
        ({"amenity": "community_centre"}, "community"),
        ({"amenity": "language_school"}, "learning"),
        ({"amenity": "marketplace"}, "market"),
        ({"office": "ngo"}, "voluntary"),
        ({"office": "lawyer"}, "services"),
        ({"leisure": "fitness_centre"}, "leisure"),
        ({"healthcare": "physiotherapist"}, "health"),
        ({"amenity": "cafe", "office": "company"}, "food_drink"),  # shop/amenity first
        ({"amenity": "bench"}, None),
        ({"amenity": "parking"}, None),
        ({"amenity": "atm", "brand": "Link"}, None),
        ({"amenity": "school"}, None),
        ({"leisure": "park"}, None),
        ({"building": "retail"}, None),
        ({"tourism": "hotel"}, None),
    ],
)
def test_tag_table(tags: dict[str, str], use: str | None) -> None:
    assert unit_use(tags) == use


def test_tag_table_documented() -> None:
    """Every (key, value) -> category of the code is in that category's row of docs/towns.md."""
    from sim.osm import DEFAULT_FLOORSPACE_M2, TAG_CATEGORIES

    doc = (Path(__file__).parent.parent / "docs" / "towns.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2]
        for line in doc.splitlines()
        if line.startswith("| `") and line.split("|")[1].strip().strip("`") in CATEGORIES
    }
    assert set(rows) == set(CATEGORIES)
    for (key, value), cat in TAG_CATEGORIES.items():
        row = rows[cat]
        assert f"`{key}=*`" in row if value == "*" else f"`{value}`" in row, (key, value, cat)
        assert f"`{key}=" in row, (key, cat)
    floors = [ln for ln in doc.splitlines() if ln.startswith("| 120 | 110 |")]
    assert floors == ["| " + " | ".join(f"{v:g}" for v in DEFAULT_FLOORSPACE_M2.values()) + " |"]


# ---------------------------------------------------------------------------------------------
# The town built from the test extract


def test_units_from_the_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = build(tmp_path)
    printed = capsys.readouterr().out
    assert "21 units on 2 streets, 3 vacant, 6 chains" in printed
    town = load_town(out)
    assert town.n_units == len(EXPECTED)
    seen = set()
    for i in range(town.n_units):
        key = (round(float(town.x[i])), round(float(town.y[i])))
        use, chain, floor, street, owner = EXPECTED[key]
        seen.add(key)
        u = int(town.initial_use[i])
        assert ("vacant" if u == VACANT else CATEGORIES[u]) == use, key
        assert bool(town.initial_chain[i]) == chain, key
        assert town.floorspace[i] == floor, key
        assert town.street_names[town.street[i]] == street, key
        assert OWNER_TYPES[town.owner_type[i]] == owner, key
    assert seen == set(EXPECTED)
    assert town.street_names[town.main_street] == "High Street"
    assert town.adj_indptr[-1] > 0  # neighbours found


def test_csv_and_toml(tmp_path: Path) -> None:
    out = build(tmp_path)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# name: my_town\n")
    assert "OpenStreetMap contributors, ODbL" in text
    assert "local equirectangular projection" in text
    assert "households" not in text  # the catchment is in the .toml only
    toml = out.with_suffix(".toml").read_text(encoding="utf-8")
    total = sum(v[2] for v in EXPECTED.values())
    households = derived_households(total)
    assert f"households = {households:.0f}\n" in toml
    assert "derived from floorspace" in toml
    town = load_town(out)
    assert town.catchment_source == "file" and town.households == households
    assert sorted(p.name for p in out.parent.iterdir()) == ["my_town.csv", "my_town.toml"]
    # the same extract gives the same bytes, and a second run replaces the files
    first = out.read_bytes(), out.with_suffix(".toml").read_bytes()
    build(tmp_path)
    assert (out.read_bytes(), out.with_suffix(".toml").read_bytes()) == first


def test_pbf_gives_the_same_town(tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "small_town.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(EXTRACT)):
        writer.add(obj)
    writer.close()
    out_xml = build(tmp_path)
    xml_text = out_xml.read_text(encoding="utf-8")
    out_pbf = tmp_path / "p" / "my_town.csv"
    assert run_cli(str(pbf), "--centre", CENTRE, "--radius", RADIUS, "--out", str(out_pbf)) == 0
    pbf_text = out_pbf.read_text(encoding="utf-8")
    assert pbf_text == xml_text.replace("from small_town.osm:", "from small_town.osm.pbf:")


def test_catchment_from_a_population_tag(tmp_path: Path) -> None:
    text = EXTRACT.read_text(encoding="utf-8")
    place = (
        '  <node id="2001" lat="52.0009" lon="-1.0005" version="1">\n'
        '    <tag k="place" v="town"/>\n    <tag k="name" v="Ashby Parva"/>\n'
        '    <tag k="population" v="9,000"/>\n  </node>\n  <way id="201"'
    )
    extract = tmp_path / "with_place.osm"
    extract.write_text(text.replace('  <way id="201"', place, 1), encoding="utf-8")
    out = build(tmp_path, extract)
    town = load_town(out)
    assert town.households == round(9000 / 2.36)
    assert town.name == "Ashby Parva"
    assert "population 9,000 of Ashby Parva" in out.with_suffix(".toml").read_text()
    named = build(tmp_path, extract, "--name", "My  Town")
    assert load_town(named).name == "My Town"


def test_owner_rule_is_fixed() -> None:
    from sim.osm import OsmUnit

    def unit(osm_id: int, council: bool = False) -> OsmUnit:
        return OsmUnit(osm_id, "node", 0.0, 0.0, "comparison", False, council, "", 0.0, -1)

    kinds = [owner_type(unit(i)) for i in range(20)]
    assert kinds == ["institutional"] * 9 + ["local_private"] * 8 + ["council"] * 3
    assert owner_type(unit(40)) == "institutional" and owner_type(unit(3, True)) == "council"


def test_run_accepts_the_town(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = build(tmp_path)
    capsys.readouterr()
    res = tmp_path / "run"
    args = ["run", "consumer_led", "--town", str(out), "--years", "0.1", "--residents", "200"]
    assert main([*args, "--seed", "3", "--quiet", "--out", str(res)]) == 0
    assert "town my_town" in capsys.readouterr().out
    assert (res / "summary.json").is_file()


# ---------------------------------------------------------------------------------------------
# Bad input: one line, exit 2, nothing written


def _bad(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    before = sorted(p.name for p in tmp_path.iterdir())
    rc = main(["town", "from-osm", *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("towncentre: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    return err


@pytest.mark.parametrize(
    ("centre", "radius", "fragment"),
    [
        ("91,0", RADIUS, "latitude in [-85, 85]"),
        ("52,-181", RADIUS, "longitude in [-180, 180]"),
        ("52", RADIUS, "expected LAT,LON"),
        ("north,west", RADIUS, "expected LAT,LON"),
        ("nan,0", RADIUS, "expected LAT,LON"),
        (CENTRE, "0", "--radius 0: must be > 0 and <= 5000 (m)"),
        (CENTRE, "-5", "must be > 0"),
        (CENTRE, "nan", "must be > 0"),
        (CENTRE, "1e300", "<= 5000"),
        (CENTRE, "ten", "invalid float value"),
        ("53.0,-1.0", RADIUS, "no shops, amenities or offices within 400 m of 53,-1"),
    ],
)
def test_bad_centre_and_radius(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], centre: str, radius: str, fragment: str
) -> None:
    out = tmp_path / "t" / "x.csv"
    err = _bad(
        tmp_path, capsys, [str(EXTRACT), "--centre", centre, "--radius", radius, "--out", str(out)]
    )
    assert fragment in err


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.osm.pbf", None, "missing.osm.pbf: file not found"),
        ("notes.osm", b"hello, not XML\n", "not a readable OpenStreetMap file (XML parsing error"),
        ("empty.osm", b"", "not a readable OpenStreetMap file"),
        ("junk.osm.pbf", b"\x00\x01junk" * 50, "not a readable OpenStreetMap file (PBF error"),
        ("data.csv", b"id,x\n1,2\n", "not a readable OpenStreetMap file"),
    ],
)
def test_bad_extract(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    fragment: str,
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    if content is not None:
        (src / name).write_bytes(content)
    out = tmp_path / "t" / "x.csv"
    err = _bad(
        tmp_path,
        capsys,
        [str(src / name), "--centre", CENTRE, "--radius", RADIUS, "--out", str(out)],
    )
    assert fragment in err
    assert sorted(p.name for p in src.iterdir()) == ([name] if content is not None else [])


def test_bad_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(EXTRACT), "--centre", CENTRE, "--radius", RADIUS, "--out"]
    assert "must be a .csv file" in _bad(tmp_path, capsys, [*base, str(tmp_path / "x.txt")])
    (tmp_path / "d.csv").mkdir()
    assert "exists and is not a file" in _bad(tmp_path, capsys, [*base, str(tmp_path / "d.csv")])


def test_missing_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["town", "from-osm", str(EXTRACT), "--radius", "400", "--out", "x.csv"]) == 2
    assert "--centre" in capsys.readouterr().err
    assert main(["town"]) == 2


def test_api_checks_before_reading(tmp_path: Path) -> None:
    from sim.town import TownError

    with pytest.raises(TownError, match="--radius"):
        town_from_osm(EXTRACT, (52.0, -1.0), 0, tmp_path / "a.csv")
    with pytest.raises(TownError, match="--centre"):
        town_from_osm(EXTRACT, (95.0, -1.0), 100, tmp_path / "a.csv")
    assert not any(tmp_path.iterdir())
    res = town_from_osm(EXTRACT, (52.0, -1.0), 100, tmp_path / "a.csv")
    assert res.town.n_units < len(EXPECTED)
    assert np.all(np.hypot(res.town.x, res.town.y) <= 100.5)
