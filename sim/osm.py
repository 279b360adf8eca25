"""A town from an OpenStreetMap extract: ``towncentre town from-osm``.

Reads an extract the user has downloaded (``.osm.pbf`` or ``.osm`` XML; no network) with
pyosmium (the ``osm`` extra), keeps the shops, amenities, offices and leisure places within a
radius of a centre, and writes a town CSV (the :func:`sim.town.load_town` format) and its
catchment file (``.toml`` beside the CSV). The tag mapping and every default are documented
in docs/towns.md; in short:

* **Units**: nodes, closed ways and multipolygons tagged ``shop``, ``amenity``, ``office``,
  ``leisure`` or ``healthcare`` whose value maps to a category (:data:`TAG_CATEGORIES`; any
  other ``shop`` value is comparison, any other ``office`` value is services); other values
  (benches, parking, ATMs, schools, ...) are ignored. Vacant: ``shop=vacant``,
  ``vacant=yes``, or ``disused:shop`` / ``disused:amenity`` without a live ``shop`` or
  ``amenity``.
* **Chains**: a ``brand`` or ``brand:wikidata`` tag, in categories chains trade in.
* **Floorspace**: the footprint (m2) of the unit's own area, else of the smallest building it
  lies in, shared equally among the units in that building; else a default by category
  (:data:`DEFAULT_FLOORSPACE_M2`). Kept within [10, 100000] m2.
* **Street**: the ``addr:street`` tag, else the nearest named highway way.
* **Position**: metres east and north of the centre, a local equirectangular projection
  (error under 0.1% within a few km of the centre).
* **Owner type**: OpenStreetMap does not record it. Council for libraries, community centres,
  town halls and market places; otherwise by the OSM id: ``id mod 20`` 0-8 institutional,
  9-16 local private, 17-19 council (45/40/15%, the generated layouts' mix). A fixed rule, not
  a random draw, so the same extract always gives the same town.
* **Catchment**: households from the ``population`` tag of the ``place`` node nearest the
  centre (within 5 km), divided by 2.36 people per household (ONS Census 2021, England and
  Wales); else derived from floorspace as for any town (:func:`sim.town.derived_households`).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.path import Path as PolygonPath
from scipy.spatial import cKDTree

from sim.categories import CAT, CATEGORIES, CHAINABLE, OWNER, VACANT
from sim.town import (
    CATCHMENT_DERIVED,
    CATCHMENT_KEYS,
    MAX_FLOORSPACE_M2,
    REFERENCE_FLOORSPACE_M2,
    REFERENCE_HOUSEHOLDS,
    Town,
    TownError,
    assemble_town,
    catchment_path,
    derived_households,
    load_town,
    save_town,
)

#: Mean Earth radius, metres (IUGG).
EARTH_RADIUS_M: float = 6_371_008.8
#: Largest radius accepted, metres: a town centre, and the projection's accuracy (< 0.1%).
MAX_RADIUS_M: float = 5_000.0
#: Smallest floorspace written, m2 (a kiosk; also guards slivers of mapped footprints).
MIN_FLOORSPACE_M2: float = 10.0
#: People per household (ONS Census 2021, England and Wales: 2.36).
PEOPLE_PER_HOUSEHOLD: float = 2.36
#: Farthest a place node may be from the centre for its ``population`` to count, metres.
PLACE_MAX_M: float = 5_000.0
#: Places whose ``population`` may give the catchment.
PLACE_KINDS: tuple[str, ...] = ("city", "town", "village", "suburb", "quarter", "hamlet")
#: Street name of units with no ``addr:street`` in an extract without named highways.
NO_STREET: str = "Unnamed street"
#: Highway ways are sampled every this many metres to find the nearest one.
_STREET_STEP_M: float = 2.0

#: Tag -> category. ``("shop", "*")`` is the fallback of a key. Keep docs/towns.md in step.
TAG_CATEGORIES: dict[tuple[str, str], str] = {
    **{
        ("shop", v): "convenience"
        for v in (
            "supermarket convenience newsagent greengrocer butcher bakery deli alcohol "
            "off_licence kiosk general frozen_food farm confectionery tobacco seafood cheese "
            "beverages dairy pastry chemist health_food"
        ).split()
    },
    **{
        ("shop", v): "services"
        for v in (
            "hairdresser beauty laundry dry_cleaning travel_agency estate_agent "
            "funeral_directors tailor copyshop pawnbroker money_lender repair massage tattoo "
            "mobile_phone_repair shoe_repair key_cutter post_office"
        ).split()
    },
    **{("shop", v): "health" for v in "optician hearing_aids medical_supply".split()},
    **{("shop", v): "leisure" for v in "bookmaker lottery".split()},
    ("shop", "charity"): "charity",
    ("shop", "*"): "comparison",
    **{
        ("amenity", v): "food_drink"
        for v in "cafe restaurant fast_food pub bar ice_cream food_court biergarten".split()
    },
    **{
        ("amenity", v): "services"
        for v in "bank post_office bureau_de_change money_transfer car_rental".split()
    },
    **{
        ("amenity", v): "leisure"
        for v in "cinema theatre nightclub casino gambling arts_centre".split()
    },
    **{("amenity", v): "health" for v in "pharmacy doctors dentist clinic veterinary".split()},
    **{
        ("amenity", v): "community"
        for v in "community_centre library social_centre townhall".split()
    },
    **{
        ("amenity", v): "learning"
        for v in "training language_school music_school driving_school dancing_school".split()
    },
    ("amenity", "marketplace"): "market",
    **{("office", v): "voluntary" for v in "charity ngo association foundation".split()},
    ("office", "*"): "services",
    **{
        ("leisure", v): "leisure"
        for v in "fitness_centre bowling_alley amusement_arcade escape_game dance".split()
    },
    ("healthcare", "*"): "health",
}

#: Keys read for units, in order of precedence (a cafe with an office tag is a cafe).
UNIT_KEYS: tuple[str, ...] = ("shop", "amenity", "office", "leisure", "healthcare")

#: Amenities publicly owned by default (owner type council).
COUNCIL_AMENITIES: tuple[str, ...] = ("library", "community_centre", "townhall", "marketplace")

#: Floorspace of a unit without a mapped footprint, m2: the bundled example town's median
#: for the category, rounded (learning and voluntary, absent there: assumptions); vacant
#: units get the example town's median of all units (~100 m2).
DEFAULT_FLOORSPACE_M2: dict[str, float] = {
    "convenience": 120.0,
    "comparison": 110.0,
    "food_drink": 115.0,
    "services": 90.0,
    "leisure": 120.0,
    "health": 115.0,
    "charity": 75.0,
    "community": 140.0,
    "startup": 30.0,
    "learning": 140.0,
    "voluntary": 90.0,
    "market": 650.0,
    "vacant": 100.0,
}

#: Keys of the objects passed from pyosmium's reader to Python (others are skipped in C++).
_READ_KEYS = (
    *UNIT_KEYS,
    "building",
    "highway",
    "place",
    "vacant",
    "disused:shop",
    "disused:amenity",
)
#: Areas whose first vertex is farther than this beyond the radius are skipped unread, m.
_AREA_REACH_M = 2_000.0


@dataclass(frozen=True)
class OsmUnit:
    """One unit found in the extract (before assembly into a Town)."""

    osm_id: int  # node, way or relation id
    kind: str  # "node", "way" or "relation"
    x: float  # metres east of the centre
    y: float  # metres north of the centre
    use: str  # a category name or "vacant"
    chain: bool
    council: bool  # a publicly owned amenity (library, market place, ...)
    street: str  # from addr:street, or "" (nearest named highway)
    area_m2: float  # own footprint, m2, or 0 for a point
    building: int  # index of its own building footprint, or -1


def parse_centre(text: str) -> tuple[float, float]:
    """``"LAT,LON"`` in degrees -> (lat, lon); TownError naming ``--centre`` if out of range."""
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (-85.0 <= lat <= 85.0 and -180.0 <= lon <= 180.0):
        raise TownError(
            f"--centre {text!r}: expected LAT,LON in degrees with latitude in [-85, 85] and "
            "longitude in [-180, 180], e.g. 52.95,-1.15"
        )
    return lat, lon


def check_radius(radius: float) -> float:
    """The radius in metres, or TownError naming ``--radius`` and its range."""
    if not 0.0 < radius <= MAX_RADIUS_M:  # False for nan
        raise TownError(f"--radius {radius:g}: must be > 0 and <= {MAX_RADIUS_M:g} (m)")
    return float(radius)


class _Projection:
    """Local equirectangular projection around a centre: (lon, lat) -> metres east, north."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.ky = EARTH_RADIUS_M * math.pi / 180.0  # metres per degree of latitude
        self.kx = self.ky * math.cos(math.radians(lat0))  # metres per degree of longitude

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self.kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * self.ky
        return x, y


def unit_use(tags: dict[str, str]) -> str | None:
    """Category name, ``"vacant"`` or None (not a unit) of an object's tags (module rules)."""
    vacant = tags.get("vacant") == "yes" or tags.get("shop") == "vacant"
    for key in UNIT_KEYS:
        value = tags.get(key)
        if value is None:
            continue
        cat = TAG_CATEGORIES.get((key, value), TAG_CATEGORIES.get((key, "*")))
        if cat is not None:
            return "vacant" if vacant else cat
    if vacant or (
        ("disused:shop" in tags or "disused:amenity" in tags)
        and "shop" not in tags
        and "amenity" not in tags
    ):
        return "vacant"
    return None


def _ring_xy(ring: object, proj: _Projection) -> np.ndarray | None:
    pts = [(n.lon, n.lat) for n in ring if n.location.valid()]  # type: ignore[attr-defined]
    if len(pts) < 4:
        return None
    lon, lat = np.array(pts).T
    return np.column_stack(proj(lon, lat))


def _shoelace(xy: np.ndarray) -> float:
    """Signed area of a closed ring, m2."""
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


@dataclass
class _Extract:
    """What the reader keeps: units, building footprints, named streets, places."""

    units: list[OsmUnit]
    buildings: list[tuple[list[np.ndarray], list[np.ndarray], float]]  # outer, inner, m2
    street_pts: list[np.ndarray]  # (k, 2) metres, sampled along each named highway
    street_names: list[str]
    places: list[tuple[float, str, float]]  # distance m, name, population


def _read(path: Path, proj: _Projection, radius: float) -> _Extract:
    import osmium  # the osm extra

    keep_m = radius + 200.0  # buildings and streets a little beyond the radius
    ex = _Extract([], [], [], [], [])
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas()
        .with_filter(osmium.filter.KeyFilter(*_READ_KEYS))
    )
    for o in fp:
        tags = {t.k: t.v for t in o.tags}
        kind = o.type_str()
        if kind == "n":
            if not o.location.valid():
                continue
            x, y = (float(v[0]) for v in proj([o.lon], [o.lat]))
            if tags.get("place") in PLACE_KINDS and "population" in tags:
                try:
                    pop = float(tags["population"].replace(",", "").strip())
                except ValueError:
                    pop = math.nan
                d = math.hypot(x, y)
                if math.isfinite(pop) and pop > 0 and d <= PLACE_MAX_M:
                    ex.places.append((d, tags.get("name", tags["place"]), pop))
            use = unit_use(tags)
            if use is not None and math.hypot(x, y) <= radius:
                ex.units.append(_unit(o.id, "node", x, y, 0.0, -1, use, tags))
        elif kind == "w":
            if "highway" in tags and tags.get("name", "").strip() and "building" not in tags:
                pts = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
                if len(pts) < 2:
                    continue
                xy = np.column_stack(proj(*np.array(pts).T))
                if np.hypot(xy[:, 0], xy[:, 1]).min() <= keep_m:
                    ex.street_pts.append(_sample(xy))
                    ex.street_names.append(tags["name"].strip())
        elif kind == "a":
            if _first_vertex_m(o, proj) > keep_m + _AREA_REACH_M:
                continue  # far outside: a county extract has ~10^5 buildings
            outers = [r for r in (_ring_xy(r, proj) for r in o.outer_rings()) if r is not None]
            if not outers:
                continue
            inners = [
                r
                for outer in o.outer_rings()
                for r in (_ring_xy(i, proj) for i in o.inner_rings(outer))
                if r is not None
            ]
            m2 = sum(abs(_shoelace(r)) for r in outers) - sum(abs(_shoelace(r)) for r in inners)
            allpts = np.concatenate(outers)
            if np.hypot(allpts[:, 0], allpts[:, 1]).min() > keep_m or m2 <= 0:
                continue
            building = -1
            if "building" in tags:
                ex.buildings.append((outers, inners, m2))
                building = len(ex.buildings) - 1
            use = unit_use(tags)
            if use is not None:
                big = max(outers, key=lambda r: abs(_shoelace(r)))
                cx, cy = _centroid(big)
                if math.hypot(cx, cy) <= radius:
                    kind_name = "way" if o.from_way() else "relation"
                    ex.units.append(_unit(o.orig_id(), kind_name, cx, cy, m2, building, use, tags))
    return ex


def _first_vertex_m(area: object, proj: _Projection) -> float:
    """Distance from the centre of an area's first valid vertex, metres (inf if none)."""
    for ring in area.outer_rings():  # type: ignore[attr-defined]
        for n in ring:
            if n.location.valid():
                x, y = proj([n.lon], [n.lat])
                return float(math.hypot(x[0], y[0]))
    return math.inf


def _unit(
    osm_id: int, kind: str, x: float, y: float, m2: float, building: int, use: str, tags: dict
) -> OsmUnit:
    chain = (
        use != "vacant"
        and bool(CHAINABLE[CAT[use]])
        and bool(tags.get("brand") or tags.get("brand:wikidata"))
    )
    council = tags.get("amenity") in COUNCIL_AMENITIES and use != "vacant"
    street = tags.get("addr:street", "").strip()
    return OsmUnit(int(osm_id), kind, x, y, use, chain, council, street, m2, building)


def _centroid(xy: np.ndarray) -> tuple[float, float]:
    """Area centroid of a closed ring (vertex mean for a degenerate ring), metres."""
    x, y = xy[:, 0], xy[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    a = cross.sum() / 2.0
    if abs(a) < 1e-9:
        return float(x[:-1].mean()), float(y[:-1].mean())
    cx = ((x[:-1] + x[1:]) * cross).sum() / (6.0 * a)
    cy = ((y[:-1] + y[1:]) * cross).sum() / (6.0 * a)
    return float(cx), float(cy)


def _sample(xy: np.ndarray) -> np.ndarray:
    """Points every ~2 m along a polyline (its vertices included), metres."""
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        k = max(1, math.ceil(math.hypot(*(b - a)) / _STREET_STEP_M))
        t = np.arange(1, k + 1)[:, None] / k
        out.append(a + t * (b - a))
    return np.concatenate(out)


def _floorspace(ex: _Extract) -> np.ndarray:
    """Floorspace of each unit, m2 (module rules)."""
    n = len(ex.units)
    pts = np.array([(u.x, u.y) for u in ex.units]).reshape(n, 2)
    # the smallest building each point unit lies in
    inside = np.full(n, -1)
    inside_m2 = np.full(n, np.inf)
    is_point = np.array([u.area_m2 == 0.0 for u in ex.units], dtype=bool)
    for b, (outers, inners, m2) in enumerate(ex.buildings):
        allpts = np.concatenate(outers)
        lo, hi = allpts.min(axis=0), allpts.max(axis=0)
        cand = np.flatnonzero(is_point & np.all((pts >= lo) & (pts <= hi), axis=1))
        if cand.size == 0:
            continue
        hit = np.zeros(cand.size, dtype=bool)
        for ring in outers:
            hit |= PolygonPath(ring).contains_points(pts[cand])
        for ring in inners:
            hit &= ~PolygonPath(ring).contains_points(pts[cand])
        better = cand[hit & (m2 < inside_m2[cand])]
        inside[better] = b
        inside_m2[better] = m2
    own = np.array([u.building for u in ex.units])
    container = np.where(is_point, inside, own)
    sharing = np.bincount(container[container >= 0], minlength=len(ex.buildings))
    fs = np.empty(n)
    for i, u in enumerate(ex.units):
        if container[i] >= 0:
            fs[i] = ex.buildings[container[i]][2] / sharing[container[i]]
        elif u.area_m2 > 0:
            fs[i] = u.area_m2
        else:
            fs[i] = DEFAULT_FLOORSPACE_M2[u.use]
    return np.round(np.clip(fs, MIN_FLOORSPACE_M2, MAX_FLOORSPACE_M2), 0)


def _streets(ex: _Extract) -> list[str]:
    """Street of each unit: ``addr:street``, else the nearest named highway."""
    if ex.street_pts:
        pts = np.concatenate(ex.street_pts)
        owner = np.repeat(np.arange(len(ex.street_pts)), [len(p) for p in ex.street_pts])
        tree = cKDTree(pts)
        _, idx = tree.query(np.array([(u.x, u.y) for u in ex.units]).reshape(-1, 2))
        nearest = [ex.street_names[owner[i]] for i in np.atleast_1d(idx)]
    else:
        nearest = [NO_STREET] * len(ex.units)
    return [u.street or near for u, near in zip(ex.units, nearest, strict=True)]


def owner_type(unit: OsmUnit) -> str:
    """Owner type by the fixed rule of the module docstring (council amenities; id mod 20)."""
    if unit.council:
        return "council"
    k = unit.osm_id % 20
    return "institutional" if k < 9 else "local_private" if k < 17 else "council"


@dataclass(frozen=True)
class OsmTown:
    """The result of :func:`town_from_osm`: the town and how its catchment was estimated."""

    town: Town
    csv: Path
    toml: Path
    catchment_note: str


def town_from_osm(
    extract: str | Path,
    centre: tuple[float, float],
    radius_m: float,
    out: str | Path,
    name: str | None = None,
) -> OsmTown:
    """Build a town CSV and its catchment ``.toml`` from an OpenStreetMap extract.

    Nothing is written unless the whole town is built and loads back: the CSV and the TOML
    are written in a temporary folder beside ``out``, checked with :func:`load_town`, then
    moved into place.

    Args:
        extract: ``.osm.pbf`` or ``.osm`` file.
        centre: (latitude, longitude) of the town centre, degrees.
        radius_m: Units within this distance of the centre are kept, metres (0 < r <= 5000).
        out: The CSV to write (``.csv``); the catchment goes to the same name with ``.toml``.
        name: Town name (default: the nearest place with a population tag, else the file stem).

    Returns:
        The town as loaded back, the paths written and how the catchment was estimated.

    Raises:
        TownError: a missing or unreadable extract, a bad centre, radius or output path, or
            no units within the radius; one line each.
    """
    extract, out = Path(extract), Path(out)
    lat, lon = centre
    parse_centre(f"{lat},{lon}")
    radius = check_radius(radius_m)
    if out.suffix.lower() != ".csv":
        raise TownError(f"--out {out}: must be a .csv file (the catchment goes beside it)")
    if out.exists() and not out.is_file():
        raise TownError(f"--out {out}: exists and is not a file")
    if not extract.is_file():
        raise TownError(f"{extract}: file not found (download an extract, e.g. a .osm.pbf)")
    try:
        import osmium  # noqa: F401
    except ImportError:
        raise TownError(
            "towncentre town from-osm needs pyosmium: pip install -e '.[osm]'"
        ) from None
    try:
        ex = _read(extract, _Projection(lat, lon), radius)
    except RuntimeError as exc:  # pyosmium's errors for unreadable files
        msg = " ".join(str(exc).split())
        raise TownError(f"{extract}: not a readable OpenStreetMap file ({msg})") from None
    if not ex.units:
        raise TownError(
            f"{extract}: no shops, amenities or offices within {radius:g} m of "
            f"{lat:g},{lon:g}; check --centre (LAT,LON) and --radius"
        )
    ex.units.sort(key=lambda u: ({"node": 0, "way": 1, "relation": 2}[u.kind], u.osm_id))
    floorspace = _floorspace(ex)
    streets = _streets(ex)
    n = len(ex.units)
    use = np.array([VACANT if u.use == "vacant" else CAT[u.use] for u in ex.units], np.int8)
    if name is None:
        name = min(ex.places)[1] if ex.places else out.stem
    name = " ".join(name.split()) or out.stem
    households, note = _catchment(ex, float(floorspace.sum()))
    town = assemble_town(
        name=name,
        source=str(out),
        unit_id=np.arange(1, n + 1, dtype=np.int64),
        x=np.round([u.x for u in ex.units], 1) + 0.0,
        y=np.round([u.y for u in ex.units], 1) + 0.0,
        floorspace=floorspace,
        street_labels=streets,
        initial_use=use,
        initial_chain=np.array([u.chain for u in ex.units], dtype=bool),
        owner_type=np.array([OWNER[owner_type(u)] for u in ex.units], dtype=np.int8),
        landlord_labels=[""] * n,
        main_street=None,
        where=str(extract),
        catchment={"households": households, "catchment_source": "file"},
    )
    comments = (
        f"Built by towncentre town from-osm from {extract.name}: units within {radius:g} m of "
        f"{lat:g},{lon:g}",
        "x, y: metres east and north of that centre (local equirectangular projection)",
        "Data (c) OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright",
    )
    toml_text = (
        f"# Catchment of {name}: written by towncentre town from-osm from {extract.name}.\n"
        f"# Estimate: {note}.\n# Edit to your own estimate; keys: households, catchment_km, "
        f"density_decay_km (docs/towns.md).\nhouseholds = {households:.0f}\n"
    )
    return _write(town, out, comments, toml_text, note)


def _catchment(ex: _Extract, floorspace_m2: float) -> tuple[float, str]:
    """Households and a one-line note on how they were estimated (module rules)."""
    lo, hi, _, _ = CATCHMENT_KEYS["households"]
    if ex.places:
        _, place, pop = min(ex.places)
        households = float(round(pop / PEOPLE_PER_HOUSEHOLD))
        if lo < households <= hi:
            return households, (
                f"population {pop:,.0f} of {place} (OpenStreetMap population tag) / "
                f"{PEOPLE_PER_HOUSEHOLD} people per household (ONS Census 2021)"
            )
    households = derived_households(floorspace_m2)
    return households, (
        f"{CATCHMENT_DERIVED}: {floorspace_m2:,.0f} m2 x "
        f"{REFERENCE_HOUSEHOLDS:,.0f} households / {REFERENCE_FLOORSPACE_M2:,.0f} m2 "
        "(the example town's ratio)"
    )


def _write(town: Town, out: Path, comments: tuple[str, ...], toml_text: str, note: str) -> OsmTown:
    """Write CSV and TOML atomically (temporary folder beside ``out``), checked by loading."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".from-osm-") as tmp:
        csv_tmp = Path(tmp) / out.name
        save_town(town, csv_tmp, catchment=False, comments=comments)
        catchment_path(csv_tmp).write_text(toml_text, encoding="utf-8")
        load_town(csv_tmp)  # the file round-trips through the loader
        os.replace(catchment_path(csv_tmp), catchment_path(out))
        os.replace(csv_tmp, out)
    loaded = load_town(out)
    return OsmTown(loaded, out, catchment_path(out), note)


__all__ = [
    "DEFAULT_FLOORSPACE_M2",
    "TAG_CATEGORIES",
    "OsmTown",
    "OsmUnit",
    "check_radius",
    "owner_type",
    "parse_centre",
    "town_from_osm",
    "unit_use",
]

assert set(DEFAULT_FLOORSPACE_M2) == {*CATEGORIES, "vacant"}
assert set(TAG_CATEGORIES.values()) <= set(CATEGORIES)
