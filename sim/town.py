"""Units and the street graph: CSV loader, generated layouts, adjacency, distances.

MODEL.md, "Time and space": units (premises) sit on a street graph with ids, positions,
street, floorspace and adjacency (neighbouring units). A town is either one of the built-in
generated layouts (a linear high street, a cross, a small grid) or a user's own CSV of units.

The CSV format (one row per unit; see ``scenarios/towns/README.md``)::

    # name: Ashby Market                  optional comment lines start with '#'
    id,x,y,floorspace,street,initial_use,owner_type,format,landlord
    1,-120.5,8.0,95,High Street,comparison,institutional,chain,Northgate REIT

Required columns are ``id, x, y, floorspace, street, initial_use, owner_type``; ``format``
and ``landlord`` are optional. Every loader error is a one-line :class:`TownError` naming the
file, the line (1-based, as a text editor counts; the header is line 1 when there are no
comment lines above it), the column and the allowed values.

Adjacency rule (:func:`build_adjacency`): two units are neighbours if

* they are on the same street, consecutive along it (units sorted by their projection on the
  street's principal axis) and at most ``max_gap_m`` (default 40 m) apart; on a street with
  units on both sides the sorted order zig-zags across the street, so a unit neighbours the
  facing units and, through them, its own side; or
* they are on different streets and at most ``cross_m`` (default 25 m) apart (corner units,
  frontages facing across a junction).

The graph is symmetric and has no self loops; it is stored in CSR form
(``adj_indptr``, ``adj_indices``), neighbours of unit ``i`` being
``adj_indices[adj_indptr[i]:adj_indptr[i + 1]]`` in increasing order.

This module depends only on numpy, scipy and :mod:`sim.categories` (and :func:`sim.bundled_dir`
for the bundled towns, shipped as package data).
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from sim import bundled_dir
from sim.categories import CAT, CATEGORIES, CHAINABLE, FORMATS, OWNER, OWNER_TYPES, VACANT

#: The bundled scenarios directory (governance files, drivers/, towns/), as package data.
SCENARIOS_DIR: Path = bundled_dir()
#: The bundled example town (a fictional English market town, "Ashby Market").
EXAMPLE_TOWN: Path = SCENARIOS_DIR / "towns" / "example_town.csv"

#: Built-in generated layouts.
LAYOUTS: tuple[str, ...] = ("linear", "cross", "grid")

#: Walking-distance detour factor: street-network distance over straight-line distance.
#: Ratios of 1.2-1.4 are typical for walkable urban grids (route directness studies); 1.3 is
#: the middle of that range and a model parameter in all but name.
DETOUR_FACTOR: float = 1.3

#: Default adjacency thresholds (metres); see the module docstring.
MAX_GAP_M: float = 40.0
CROSS_M: float = 25.0

#: Floorspace bounds accepted by the loader (m2): a kiosk to a large department store.
MAX_FLOORSPACE_M2: float = 100_000.0
#: Largest absolute coordinate accepted by the loader (metres). Local grids, the British
#: National Grid and UTM (northings up to 1e7 m) fit; so units are within ~2.8e7 m of each
#: other and distances never overflow.
MAX_COORD_M: float = 1e7
#: Unit ids accepted by the loader: 0 to 2**53 - 1 (exact in a float64, so ids survive any
#: table or JSON that stores them as floating point).
MAX_UNIT_ID: int = 2**53 - 1
#: Largest generated layout (units).
MAX_GENERATED_UNITS: int = 100_000

# ----------------------------------------------------------------------------------------------
# Catchment: the calibration reference and the keys a town file may set

#: The calibrated reference town is the bundled example town (Ashby Market): its unit count,
#: total floorspace (m2) and the households its catchment represents (the default of
#: ``run.households`` in sim/params.py, an assumption for a market town and its rural
#: catchment, on which the model was calibrated: docs/calibration.md).
REFERENCE_UNITS: int = 298
REFERENCE_FLOORSPACE_M2: float = 43_912.0
REFERENCE_HOUSEHOLDS: float = 30_000.0
#: Households per m2 of centre floorspace in the reference town (about 0.68).
REFERENCE_HOUSEHOLDS_PER_M2: float = REFERENCE_HOUSEHOLDS / REFERENCE_FLOORSPACE_M2

#: The calibrated range: towns outside it get :meth:`Town.calibration_warning`.
CALIBRATED_UNITS: tuple[int, int] = (30, 3_000)
#: Largest factor by which households per m2 may differ from the reference either way.
CALIBRATED_RATIO_FACTOR: float = 3.0

#: Catchment keys of a town's ``.toml`` file or CSV header comments: (low, high, unit, open
#: low bound). The bounds are those of ``run.households``, ``residents.catchment_km`` and
#: ``residents.density_decay_km`` in sim/params.py (households must be > 0 here).
CATCHMENT_KEYS: dict[str, tuple[float, float, str, bool]] = {
    "households": (0.0, 1e7, "households", True),
    "catchment_km": (0.2, 50.0, "km", False),
    "density_decay_km": (0.05, 50.0, "km", False),
}

#: ``Town.catchment_source`` values.
CATCHMENT_FILE = "file"
CATCHMENT_DERIVED = "derived from floorspace"
CATCHMENT_GIVEN = "given"


def derived_households(total_floorspace_m2: float) -> float:
    """Default catchment of a town: the reference households scaled by floorspace.

    Rule: ``households = 30,000 * total floorspace / 43,912 m2``, i.e. the bundled example town's
    households per m2 of centre floorspace (about 0.68). The example town is the calibrated
    reference; assuming a town's floorspace is in proportion to the spending its catchment
    supports keeps each unit's trade, and so vacancy, in the calibrated range whatever the size.

    Args:
        total_floorspace_m2: Total floorspace of the town's units, m2.

    Returns:
        Households, rounded to a whole number (at least 1).
    """
    return float(max(1.0, round(REFERENCE_HOUSEHOLDS_PER_M2 * float(total_floorspace_m2))))


REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "x",
    "y",
    "floorspace",
    "street",
    "initial_use",
    "owner_type",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("format", "landlord")
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_USE_VALUES: tuple[str, ...] = CATEGORIES + ("vacant",)
_FORMAT_VALUES: tuple[str, ...] = FORMATS  # plus blank
_CHAINABLE_NAMES: tuple[str, ...] = tuple(
    c for c, ok in zip(CATEGORIES, CHAINABLE, strict=True) if ok
)
_LAYOUT_KEY: dict[str, int] = {"linear": 1, "cross": 2, "grid": 3}  # seed-sequence salt
# A setting in a comment line above the CSV header: "# key = value".
_SETTING = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")

# Auto-assigned landlord portfolio sizes (units per landlord) when the file has no labels.
_INSTITUTIONAL_PORTFOLIO = 8
_LOCAL_PRIVATE_PORTFOLIO = 2


class TownError(ValueError):
    """One-line, user-facing error: message names file, line, column and allowed values."""


@dataclass(frozen=True, eq=False)
class Town:
    """A town centre: its units, their streets, initial occupiers, owners and neighbours.

    All arrays have one entry per unit (length ``n_units``) except the CSR adjacency.
    Arrays are copied on construction and made read-only: copy before modifying.

    Attributes:
        name: Display name of the town.
        unit_id: int64 ids as in the file (unique).
        x: float64 east coordinate, metres.
        y: float64 north coordinate, metres.
        floorspace: float64 net floorspace, m2 (> 0).
        street: int32 index into ``street_names``.
        street_names: Street names, in order of first appearance in the file.
        initial_use: int8 category code (``sim.categories.CAT``), ``VACANT`` (-1) if empty.
        initial_chain: bool, True if the initial occupier is a chain.
        owner_type: int8 code into ``OWNER_TYPES``.
        landlord: int32 landlord index 0..n_landlords-1, numbered by first appearance.
        adj_indptr: int64 CSR row pointer of the neighbour graph (length n_units + 1).
        adj_indices: int32 CSR neighbour indices (symmetric graph, no self loops).
        main_street: Index of the main street (the one with most units unless given).
        source: File path, or ``"generated:<layout>"``.
        landlord_names: Label of each landlord (length n_landlords).
        households: Households in the town's catchment (> 0). When not given, the default of
            :func:`derived_households` (scaled from the reference town by floorspace).
        catchment_km: Catchment radius, km, or None for the model's parameter.
        density_decay_km: Population density decay length, km, or None for the parameter.
        catchment_source: Where ``households`` came from: ``"file"`` (the town's ``.toml``
            or CSV header), ``"derived from floorspace"``, or ``"given"`` (set in code).
    """

    name: str
    unit_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    floorspace: np.ndarray
    street: np.ndarray
    street_names: tuple[str, ...]
    initial_use: np.ndarray
    initial_chain: np.ndarray
    owner_type: np.ndarray
    landlord: np.ndarray
    adj_indptr: np.ndarray
    adj_indices: np.ndarray
    main_street: int
    source: str
    landlord_names: tuple[str, ...] = ()
    households: float | None = None
    catchment_km: float | None = None
    density_decay_km: float | None = None
    catchment_source: str = ""

    def __post_init__(self) -> None:
        dtypes = {
            "unit_id": np.int64,
            "x": np.float64,
            "y": np.float64,
            "floorspace": np.float64,
            "street": np.int32,
            "initial_use": np.int8,
            "initial_chain": np.bool_,
            "owner_type": np.int8,
            "landlord": np.int32,
            "adj_indptr": np.int64,
            "adj_indices": np.int32,
        }
        for key, dt in dtypes.items():
            arr = np.array(getattr(self, key), dtype=dt, copy=True)
            arr.setflags(write=False)
            object.__setattr__(self, key, arr)
        n = self.unit_id.shape[0]
        for key in dtypes:
            if key in ("adj_indptr", "adj_indices"):
                continue
            if getattr(self, key).shape != (n,):
                raise ValueError(f"Town.{key} has shape {getattr(self, key).shape}, not ({n},)")
        if self.adj_indptr.shape != (n + 1,):
            raise ValueError(f"Town.adj_indptr has shape {self.adj_indptr.shape}, not ({n + 1},)")
        object.__setattr__(self, "street_names", tuple(self.street_names))
        if not self.landlord_names:
            n_ll = int(self.landlord.max()) + 1 if n else 0
            names = tuple(f"landlord {i + 1}" for i in range(n_ll))
            object.__setattr__(self, "landlord_names", names)
        object.__setattr__(self, "landlord_names", tuple(self.landlord_names))
        object.__setattr__(self, "main_street", int(self.main_street))
        if self.households is None:
            households = derived_households(self.floorspace.sum())
            object.__setattr__(self, "households", households)
            object.__setattr__(self, "catchment_source", CATCHMENT_DERIVED)
        else:
            object.__setattr__(self, "households", float(self.households))
            if not self.catchment_source:
                object.__setattr__(self, "catchment_source", CATCHMENT_GIVEN)
        for key in ("catchment_km", "density_decay_km"):
            if getattr(self, key) is not None:
                object.__setattr__(self, key, float(getattr(self, key)))

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.unit_id.shape[0])

    @property
    def n_landlords(self) -> int:
        """Number of landlords (landlord indices are 0..n_landlords-1)."""
        return int(self.landlord.max()) + 1 if self.n_units else 0

    @property
    def n_streets(self) -> int:
        """Number of streets."""
        return len(self.street_names)

    @property
    def centre(self) -> tuple[float, float]:
        """Mean (x, y) of the units, metres."""
        return float(self.x.mean()), float(self.y.mean())

    def neighbours(self, i: int) -> np.ndarray:
        """Indices of the units adjacent to unit index ``i`` (increasing order)."""
        return self.adj_indices[self.adj_indptr[i] : self.adj_indptr[i + 1]]

    def street_order(self, street: int) -> np.ndarray:
        """Unit indices on one street, sorted along the street's principal axis.

        Args:
            street: Street index into ``street_names``.

        Returns:
            int64 array of unit indices (ties on the axis broken by unit id).
        """
        return _street_order(self.x, self.y, self.street, self.unit_id, street)

    def main_street_order(self) -> np.ndarray:
        """Unit indices on the main street, sorted along it.

        Used by the "first 50 shops" clone-town survey (NEF 2005; DATA.md).
        """
        return self.street_order(self.main_street)

    def walk_distance_from(self, sources: np.ndarray) -> np.ndarray:
        """Walking distance from a few source units to every unit.

        Memory is ``len(sources) x n_units``: the model asks only for the distances from its
        arrival units (one per catchment sector), never for all pairs.

        Args:
            sources: Unit indices (int array-like, length k).

        Returns:
            (k, n_units) float64 metres: Euclidean distance times :data:`DETOUR_FACTOR` (1.3,
            the typical ratio of network to straight-line distance in a walkable centre).
        """
        src = np.asarray(sources, dtype=np.int64).reshape(-1)
        dx = self.x[None, :] - self.x[src, None]
        dy = self.y[None, :] - self.y[src, None]
        return np.hypot(dx, dy) * DETOUR_FACTOR

    @property
    def total_floorspace(self) -> float:
        """Total floorspace of all units, m2."""
        return float(self.floorspace.sum())

    def calibration_warning(self) -> str | None:
        """A one-line warning when the town is far outside the calibrated range, else None.

        The calibrated reference is the bundled example town (298 units, 43,912 m2, 30,000
        households). Warns when the town has fewer than 30 or more than 3,000 units, or its
        households per m2 of floorspace differ from the reference's (about 0.68) by more than
        a factor of 3 either way. Results for such a town are extrapolations.
        """
        problems = []
        lo, hi = CALIBRATED_UNITS
        if not lo <= self.n_units <= hi:
            problems.append(f"{self.n_units:,} units (calibrated range {lo:,}-{hi:,})")
        ratio = float(self.households) / max(self.total_floorspace, 1e-9)
        f = CALIBRATED_RATIO_FACTOR
        if not REFERENCE_HOUSEHOLDS_PER_M2 / f <= ratio <= REFERENCE_HOUSEHOLDS_PER_M2 * f:
            problems.append(
                f"{ratio:.3g} households per m2 of floorspace (calibrated range "
                f"{REFERENCE_HOUSEHOLDS_PER_M2 / f:.2g}-{REFERENCE_HOUSEHOLDS_PER_M2 * f:.2g})"
            )
        if not problems:
            return None
        return (
            f"warning: town {_oneline(self.name)} is outside the range the model was calibrated "
            f"on: {'; '.join(problems)}; treat its results as extrapolations"
        )


# ----------------------------------------------------------------------------------------------
# Geometry and adjacency


def _principal_axis(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Unit vector of the principal axis of points (sign fixed: dominant component > 0)."""
    if px.shape[0] < 2:
        return np.array([1.0, 0.0])
    pts = np.column_stack([px - px.mean(), py - py.mean()])
    cov = pts.T @ pts
    if not np.any(cov):
        return np.array([1.0, 0.0])
    _, vecs = np.linalg.eigh(cov)
    axis = vecs[:, -1]
    dominant = 0 if abs(axis[0]) >= abs(axis[1]) else 1
    if axis[dominant] < 0:
        axis = -axis
    return axis


def _order_along(x: np.ndarray, y: np.ndarray, unit_id: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Indices ``idx`` (one street's units) sorted along their principal axis, ties by id."""
    if idx.size == 0:
        return idx.astype(np.int64)
    axis = _principal_axis(x[idx], y[idx])
    proj = x[idx] * axis[0] + y[idx] * axis[1]
    proj = np.round(proj, 9)  # equal projections tie exactly, then sort by id
    return idx[np.lexsort((unit_id[idx], proj))].astype(np.int64)


def _street_order(
    x: np.ndarray, y: np.ndarray, street: np.ndarray, unit_id: np.ndarray, s: int
) -> np.ndarray:
    return _order_along(x, y, unit_id, np.flatnonzero(street == s))


def _street_orders(
    x: np.ndarray, y: np.ndarray, street: np.ndarray, unit_id: np.ndarray, n_streets: int
) -> list[np.ndarray]:
    """:func:`_street_order` of every street 0..n_streets-1, in one pass over the units."""
    by_street = np.argsort(street, kind="stable")  # each street's indices in increasing order
    bounds = np.searchsorted(street[by_street], np.arange(n_streets + 1))
    return [
        _order_along(x, y, unit_id, by_street[bounds[s] : bounds[s + 1]]) for s in range(n_streets)
    ]


def build_adjacency(
    x: np.ndarray,
    y: np.ndarray,
    street: np.ndarray,
    unit_id: np.ndarray | None = None,
    max_gap_m: float = MAX_GAP_M,
    cross_m: float = CROSS_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour graph of units (rule in the module docstring).

    Args:
        x: Unit x coordinates, metres.
        y: Unit y coordinates, metres.
        street: Street index of each unit.
        unit_id: Unit ids, used to break ties in the order along a street (default: index).
        max_gap_m: Largest gap between consecutive units on one street, metres.
        cross_m: Largest distance between neighbours on different streets, metres.

    Returns:
        ``(indptr, indices)``: int64 CSR row pointer and int32 neighbour indices of a
        symmetric graph without self loops, neighbours sorted within each row.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    street = np.asarray(street)
    n = x.shape[0]
    if unit_id is None:
        unit_id = np.arange(n)
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    n_streets = int(street.max()) + 1 if n else 0
    for order in _street_orders(x, y, street, np.asarray(unit_id), n_streets):
        if order.size < 2:
            continue
        a, b = order[:-1], order[1:]
        gap = np.hypot(x[a] - x[b], y[a] - y[b])
        keep = gap <= max_gap_m
        src.append(a[keep])
        dst.append(b[keep])
    if n >= 2 and cross_m > 0:
        pairs = cKDTree(np.column_stack([x, y])).query_pairs(r=cross_m, output_type="ndarray")
        if pairs.size:
            pairs = pairs[street[pairs[:, 0]] != street[pairs[:, 1]]]
            src.append(pairs[:, 0])
            dst.append(pairs[:, 1])
    if src:
        a = np.concatenate(src).astype(np.int64)
        b = np.concatenate(dst).astype(np.int64)
    else:
        a = b = np.zeros(0, dtype=np.int64)
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    keep = rows != cols
    code = np.unique(rows[keep] * max(n, 1) + cols[keep])  # sorted by row, then column
    rows, cols = code // max(n, 1), code % max(n, 1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols.astype(np.int32)


# ----------------------------------------------------------------------------------------------
# Assembly shared by the loader and the generator


def _assign_landlords(
    town_order: np.ndarray, owner_type: np.ndarray, labels: list[str]
) -> list[str]:
    """Fill blank landlord labels deterministically (see :func:`load_town`)."""
    labels = list(labels)
    blank = np.array([lab == "" for lab in labels], dtype=bool)
    if not blank.any():
        return labels
    for kind, size, stem in (
        ("council", 0, "council"),
        ("community", 0, "community"),
        ("institutional", _INSTITUTIONAL_PORTFOLIO, "institutional portfolio"),
        ("local_private", _LOCAL_PRIVATE_PORTFOLIO, "local private"),
    ):
        members = town_order[blank[town_order] & (owner_type[town_order] == OWNER[kind])]
        if not members.size:
            continue
        if size == 0:
            for i in members:
                labels[i] = stem
            continue
        n_groups = max(1, round(len(members) / size))
        width = len(str(n_groups))
        for g, chunk in enumerate(np.array_split(members, n_groups)):
            for i in chunk:
                labels[int(i)] = f"{stem} {g + 1:0{width}d}"
    return labels


def assemble_town(
    *,
    name: str,
    source: str,
    unit_id: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    floorspace: np.ndarray,
    street_labels: list[str],
    initial_use: np.ndarray,
    initial_chain: np.ndarray,
    owner_type: np.ndarray,
    landlord_labels: list[str],
    main_street: str | None,
    max_gap_m: float = MAX_GAP_M,
    cross_m: float = CROSS_M,
    where: str = "",
    catchment: dict[str, float | str] | None = None,
) -> Town:
    """Build a Town from per-unit values: streets, landlords and adjacency (module rules).

    Shared by :func:`load_town`, :func:`generate_town` and ``sim.osm``.

    Args:
        name: Display name.
        source: File path or ``"generated:<layout>"``.
        unit_id: Unit ids (unique).
        x: East coordinates, metres.
        y: North coordinates, metres.
        floorspace: Floorspace, m2.
        street_labels: Street name of each unit.
        initial_use: Category codes (``VACANT`` for empty).
        initial_chain: True for chain occupiers.
        owner_type: Owner type codes.
        landlord_labels: Landlord label of each unit ("" to assign by the fixed rule).
        main_street: Name of the main street, or None for the street with most units.
        max_gap_m: Adjacency gap along a street, metres.
        cross_m: Adjacency distance across streets, metres.
        where: File or layout named in errors.
        catchment: :class:`Town` catchment keywords (households, catchment_km,
            density_decay_km, catchment_source); households are derived when absent.

    Returns:
        The town.
    """
    street_names = tuple(dict.fromkeys(street_labels))
    street_index = {s: i for i, s in enumerate(street_names)}
    street = np.array([street_index[s] for s in street_labels], dtype=np.int32)
    if main_street is None:
        counts = np.bincount(street, minlength=len(street_names))
        main = int(np.argmax(counts))  # most units; ties go to the first street in the file
    elif main_street in street_index:
        main = street_index[main_street]
    else:
        raise TownError(
            f"{where}: main street '{main_street}' is not one of {', '.join(street_names)}"
        )
    order = np.concatenate(_street_orders(x, y, street, unit_id, len(street_names)))
    labels = _assign_landlords(order, owner_type, landlord_labels)
    landlord_names = tuple(dict.fromkeys(labels))
    ll_index = {s: i for i, s in enumerate(landlord_names)}
    landlord = np.array([ll_index[s] for s in labels], dtype=np.int32)
    indptr, indices = build_adjacency(x, y, street, unit_id, max_gap_m, cross_m)
    return Town(
        name=name,
        unit_id=unit_id,
        x=x,
        y=y,
        floorspace=floorspace,
        street=street,
        street_names=street_names,
        initial_use=initial_use,
        initial_chain=initial_chain,
        owner_type=owner_type,
        landlord=landlord,
        adj_indptr=indptr,
        adj_indices=indices,
        main_street=main,
        source=source,
        landlord_names=landlord_names,
        **(catchment or {}),
    )


# ----------------------------------------------------------------------------------------------
# CSV loading and saving


def _oneline(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _norm(value: str) -> str:
    """Normalise a categorical value: strip, lower case, spaces and hyphens to underscores."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def _suggest(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _display(path: Path) -> str:
    """A bundled town as ``scenarios/towns/...`` (machine-independent); others as given."""
    try:
        rel = Path(path).resolve().relative_to(SCENARIOS_DIR.resolve())
    except ValueError:
        return str(path)
    return f"scenarios/{rel.as_posix()}"


def load_town(
    path: str | Path,
    *,
    main_street: str | None = None,
    max_gap_m: float = MAX_GAP_M,
    cross_m: float = CROSS_M,
) -> Town:
    """Load a town from a CSV of units.

    Columns (header names are case-insensitive; order is free):

    * ``id`` (integer, unique), ``x``, ``y`` (finite numbers, metres),
      ``floorspace`` (number in (0, 100000], m2), ``street`` (non-empty name),
      ``initial_use`` (a category of ``sim.categories.CATEGORIES`` or ``vacant``),
      ``owner_type`` (one of ``OWNER_TYPES``): required.
    * ``format`` (``independent``, ``chain`` or blank; blank means independent for an
      occupied unit; ``chain`` only for a chainable category of an occupied unit): optional.
    * ``landlord`` (any label; units with the same label share a landlord): optional. Units
      without a label are assigned deterministically: all council units to one landlord, all
      community units to another, institutional units in portfolios of about 8 units and
      local private units about 2 units per landlord, both by order along the streets.

    Lines starting with ``#`` are comments (``# name: <town name>`` sets the name, which
    otherwise is the file stem); blank lines are ignored; UTF-8 with or without BOM.

    Args:
        path: CSV file.
        main_street: Name of the main street (default: the street with most units).
        max_gap_m: Adjacency gap along a street, metres.
        cross_m: Adjacency distance across streets, metres.

    Returns:
        The town.

    Raises:
        TownError: On any problem with the file; the message is one line naming the file,
            line, column and the allowed values.
    """
    path = Path(path)
    where = _oneline(str(path))
    if not path.is_file():
        raise TownError(f"{where}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TownError(f"{where}: not a UTF-8 text file ({exc.reason})") from None
    if not text.strip():
        raise TownError(f"{where}: file is empty; expected a header line {','.join(ALL_COLUMNS)}")

    name = path.stem
    comment_settings: dict[str, tuple[int, str]] = {}
    reader = csv.reader(text.splitlines(keepends=True))
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if row[0].lstrip().startswith("#"):
            comment = ",".join(row).lstrip()[1:].strip()
            if header is None and comment.lower().startswith("name:"):
                name = comment[5:].strip() or name
            setting = _SETTING.match(comment)
            if header is None and setting:
                key, value = setting.group(1).lower(), setting.group(2)
                if key in comment_settings:
                    raise TownError(
                        f"{where} line {line}, {key}: set twice (also on line "
                        f"{comment_settings[key][0]})"
                    )
                comment_settings[key] = (line, value)
            continue
        if header is None:
            header, header_line = [cell.strip().lower() for cell in row], line
        else:
            rows.append((line, row))
    if header is None:
        raise TownError(f"{where}: file is empty; expected a header line {','.join(ALL_COLUMNS)}")

    col: dict[str, int] = {}
    for j, cell in enumerate(header):
        if cell in col:
            raise TownError(f"{where} line {header_line}, column {cell}: duplicate column")
        if cell not in ALL_COLUMNS:
            shown = _oneline(cell) or "(blank)"
            raise TownError(
                f"{where} line {header_line}, column {shown} (column {j + 1}): unknown column"
                f"{_suggest(cell, ALL_COLUMNS)} (allowed: {', '.join(ALL_COLUMNS)})"
            )
        col[cell] = j
    for req in REQUIRED_COLUMNS:
        if req not in col:
            raise TownError(
                f"{where} line {header_line}, column {req}: missing required column "
                f"(required: {', '.join(REQUIRED_COLUMNS)})"
            )
    if not rows:
        raise TownError(f"{where} line {header_line}: no units after the header (need >= 1)")

    n = len(rows)
    unit_id = np.zeros(n, dtype=np.int64)
    xs = np.zeros(n)
    ys = np.zeros(n)
    fs = np.zeros(n)
    use = np.zeros(n, dtype=np.int8)
    chain = np.zeros(n, dtype=bool)
    owner = np.zeros(n, dtype=np.int8)
    streets: list[str] = []
    landlords: list[str] = []
    first_line: dict[int, int] = {}

    for k, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise TownError(
                f"{where} line {line}: {len(row)} values but the header (line {header_line}) "
                f"has {len(header)} columns"
            )

        def bad(column: str, raw: str, expected: str, line: int = line) -> TownError:
            return TownError(f"{where} line {line}, column {column}: '{_oneline(raw)}' {expected}")

        raw = row[col["id"]].strip()
        try:
            uid = int(raw)
        except ValueError:
            raise bad("id", raw, f"is not an integer in [0, {MAX_UNIT_ID}]") from None
        if not 0 <= uid <= MAX_UNIT_ID:
            raise bad("id", raw, f"is outside [0, {MAX_UNIT_ID}] (2**53 - 1)")
        if uid in first_line:
            raise TownError(
                f"{where} line {line}, column id: duplicate id {uid} "
                f"(also on line {first_line[uid]}); ids must be unique"
            )
        first_line[uid] = line
        unit_id[k] = uid

        for column, arr in (("x", xs), ("y", ys)):
            raw = row[col[column]].strip()
            try:
                val = float(raw)
            except ValueError:
                val = float("nan")
            if not abs(val) <= MAX_COORD_M:
                raise bad(
                    column, raw, f"is not a number in [-{MAX_COORD_M:g}, {MAX_COORD_M:g}] (m)"
                )
            arr[k] = val

        raw = row[col["floorspace"]].strip()
        try:
            val = float(raw)
        except ValueError:
            val = float("nan")
        if not (0.0 < val <= MAX_FLOORSPACE_M2):
            raise bad("floorspace", raw, f"is not a number > 0 and <= {MAX_FLOORSPACE_M2:g} (m2)")
        fs[k] = val

        raw = row[col["street"]].strip()
        if not raw:
            raise bad("street", raw, "is blank; expected a street name")
        streets.append(raw)

        raw = row[col["initial_use"]]
        val_s = _norm(raw)
        if val_s not in _USE_VALUES:
            raise bad(
                "initial_use",
                raw.strip(),
                f"is not one of {', '.join(_USE_VALUES)}{_suggest(val_s, _USE_VALUES)}",
            )
        use[k] = VACANT if val_s == "vacant" else CAT[val_s]

        raw = row[col["owner_type"]]
        val_s = _norm(raw)
        if val_s not in OWNER_TYPES:
            raise bad(
                "owner_type",
                raw.strip(),
                f"is not one of {', '.join(OWNER_TYPES)}{_suggest(val_s, OWNER_TYPES)}",
            )
        owner[k] = OWNER[val_s]

        if "format" in col:
            raw = row[col["format"]]
            val_s = _norm(raw)
            if val_s not in ("",) + _FORMAT_VALUES:
                raise bad(
                    "format",
                    raw.strip(),
                    f"is not one of {', '.join(_FORMAT_VALUES)} or blank"
                    f"{_suggest(val_s, _FORMAT_VALUES)}",
                )
            if val_s == "chain":
                if use[k] == VACANT:
                    raise bad("format", raw.strip(), "is not allowed on a vacant unit (use blank)")
                if not CHAINABLE[use[k]]:
                    raise bad(
                        "format",
                        raw.strip(),
                        f"is not allowed for initial_use '{CATEGORIES[use[k]]}' "
                        f"(chains trade only in {', '.join(_CHAINABLE_NAMES)})",
                    )
                chain[k] = True

        landlords.append(row[col["landlord"]].strip() if "landlord" in col else "")

    catchment = read_catchment(path, comment_settings)
    return assemble_town(
        name=name,
        source=_display(path),
        unit_id=unit_id,
        x=xs,
        y=ys,
        floorspace=fs,
        street_labels=streets,
        initial_use=use,
        initial_chain=chain,
        owner_type=owner,
        landlord_labels=landlords,
        main_street=main_street,
        max_gap_m=max_gap_m,
        cross_m=cross_m,
        where=where,
        catchment=catchment,
    )


def catchment_path(csv_path: str | Path) -> Path:
    """The optional catchment file of a town CSV: the same name with ``.toml``."""
    return Path(csv_path).with_suffix(".toml")


def read_catchment(
    csv_path: str | Path, comment_settings: dict[str, tuple[int, str]] | None = None
) -> dict[str, float | str]:
    """Read a town's catchment from its ``.toml`` file and CSV header comments.

    Keys (all optional; see :data:`CATCHMENT_KEYS` and scenarios/towns/README.md):
    ``households`` (number in (0, 1e7]), ``catchment_km`` (in [0.2, 50]) and
    ``density_decay_km`` (in [0.05, 50]). They may be written in ``my_town.toml`` beside
    ``my_town.csv`` or as comment lines above the CSV header (``# households = 12000``); a key
    set in both places is an error.

    Args:
        csv_path: The town CSV (its ``.toml`` sibling is read if it exists).
        comment_settings: ``key -> (line, value text)`` from the CSV's header comments.

    Returns:
        Keyword arguments of :class:`Town`: the keys found, and ``catchment_source``
        ``"file"`` if ``households`` was given (else households is left to the default).

    Raises:
        TownError: a one-line message naming the file, line or key, and the allowed range.
    """
    where = _oneline(str(csv_path))
    found: dict[str, tuple[str, object]] = {}  # key -> (where it was set, value)
    for key, (line, text) in (comment_settings or {}).items():
        at = f"{where} line {line}, {key}"
        if key not in CATCHMENT_KEYS:
            raise TownError(
                f"{at}: unknown setting{_suggest(key, tuple(CATCHMENT_KEYS))} "
                f"(allowed: {', '.join(CATCHMENT_KEYS)})"
            )
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        found[key] = (at, value)
    toml = catchment_path(csv_path)
    if toml.is_file():
        twhere = _oneline(str(toml))
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise TownError(f"{twhere}: not a UTF-8 text file ({exc.reason})") from None
        except tomllib.TOMLDecodeError as exc:
            raise TownError(f"{twhere}: not valid TOML ({_oneline(str(exc))})") from None
        for key, value in data.items():
            at = f"{twhere}, key {_oneline(key)}"
            if key not in CATCHMENT_KEYS:
                raise TownError(
                    f"{at}: unknown key{_suggest(key, tuple(CATCHMENT_KEYS))} "
                    f"(allowed: {', '.join(CATCHMENT_KEYS)})"
                )
            if key in found:
                raise TownError(f"{at}: also set in {found[key][0]}; set it in one place")
            found[key] = (at, value)
    out: dict[str, float | str] = {}
    for key, (at, value) in found.items():
        lo, hi, unit, open_lo = CATCHMENT_KEYS[key]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            ok = (lo < value if open_lo else lo <= value) and value <= hi  # False for nan
        if not ok:
            rng = f"> {lo:g} and <= {hi:g}" if open_lo else f"in [{lo:g}, {hi:g}]"
            raise TownError(f"{at}: {_oneline(repr(value))} is not a number {rng} ({unit})")
        out[key] = float(value)
    if "households" in out:
        out["catchment_source"] = CATCHMENT_FILE
    return out


def save_town(
    town: Town, path: str | Path, *, catchment: bool = True, comments: tuple[str, ...] = ()
) -> Path:
    """Write a town as CSV (the :func:`load_town` format, all columns).

    Numbers are written with Python's shortest round-trip ``repr``, streets and landlords in
    order of first appearance, so ``load_town(save_town(t, p))`` reproduces every array of
    ``t`` exactly (provided ``t.main_street`` is the street with most units), and its
    catchment: header comments ``# households = ...`` (and radius, decay) unless the
    households were derived from floorspace, which loading derives again.

    Args:
        town: The town to write.
        path: Destination file (parent directories are created).
        catchment: Write the catchment comments (False when a ``.toml`` will hold them).
        comments: Extra comment lines written under the name (without ``#``).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# name: {_oneline(town.name)}\n")
        for line in comments:
            fh.write(f"# {_oneline(line)}\n")
        if catchment:
            fh.write(_catchment_comments(town))
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ALL_COLUMNS)
        for i in range(town.n_units):
            u = int(town.initial_use[i])
            writer.writerow(
                [
                    int(town.unit_id[i]),
                    _num(town.x[i]),
                    _num(town.y[i]),
                    _num(town.floorspace[i]),
                    town.street_names[town.street[i]],
                    "vacant" if u == VACANT else CATEGORIES[u],
                    OWNER_TYPES[town.owner_type[i]],
                    "" if u == VACANT else FORMATS[int(town.initial_chain[i])],
                    town.landlord_names[town.landlord[i]],
                ]
            )
    return path


def _catchment_comments(town: Town) -> str:
    """Header comment lines of a town's catchment (see :func:`save_town`)."""
    if town.catchment_source == CATCHMENT_DERIVED:
        lines = [f"# catchment: {_num(town.households)} households, {CATCHMENT_DERIVED}"]
    else:
        lines = [f"# households = {_num(town.households)}"]
    for key in ("catchment_km", "density_decay_km"):
        if getattr(town, key) is not None:
            lines.append(f"# {key} = {_num(getattr(town, key))}")
    return "\n".join(lines) + "\n"


def _num(v: float) -> str:
    """Shortest exact text of a float (integers without '.0')."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


# ----------------------------------------------------------------------------------------------
# Generated layouts

_FRONTAGE_M = 6.0  # shop frontage spacing along a street, metres (typical UK unit: 5-7 m)
_HALF_WIDTH_M = 7.5  # centre line to frontage, metres (a 15 m high street between frontages)
_JUNCTION_CLEAR_M = 12.0  # no units within this distance of a junction along a street


@dataclass(frozen=True)
class _StreetSpec:
    name: str
    pull: float  # units fill slots by distance from the centre divided by this (busier street)
    start: tuple[float, float]  # as a multiple of the layout scale
    end: tuple[float, float]
    junctions: tuple[float, ...]  # positions along the street, fractions of its length


# Share of a layout's frontage slots that hold units (the rest, farthest out, stay empty).
_FILL = {"linear": 1.0, "cross": 0.8, "grid": 0.8}


def _layout_specs(layout: str) -> tuple[_StreetSpec, ...]:
    if layout == "linear":
        return (_StreetSpec("High Street", 1.0, (-1.0, 0.0), (1.0, 0.0), ()),)
    if layout == "cross":
        return (
            _StreetSpec("High Street", 1.4, (-1.0, 0.0), (1.0, 0.0), (0.5,)),
            _StreetSpec("Market Street", 1.0, (0.0, -1.0), (0.0, 1.0), (0.5,)),
        )
    if layout == "grid":
        j = (0.0, 0.5, 1.0)
        return (
            _StreetSpec("High Street", 1.3, (-1.5, 0.0), (1.5, 0.0), (1 / 6, 0.5, 5 / 6)),
            _StreetSpec("Market Street", 1.15, (0.0, -1.0), (0.0, 1.0), j),
            _StreetSpec("North Street", 1.0, (-1.0, 1.0), (1.0, 1.0), j),
            _StreetSpec("South Street", 1.0, (-1.0, -1.0), (1.0, -1.0), j),
            _StreetSpec("West Street", 1.0, (-1.0, -1.0), (-1.0, 1.0), j),
            _StreetSpec("East Street", 1.0, (1.0, -1.0), (1.0, 1.0), j),
        )
    raise TownError(
        f"layout '{layout}' is not one of {', '.join(LAYOUTS)}{_suggest(layout, LAYOUTS)}"
    )


def _slots(spec: _StreetSpec, scale: float) -> np.ndarray:
    """Frontage slots of a street: (k, 3) array of x, y, position along the street."""
    x0, y0 = spec.start[0] * scale, spec.start[1] * scale
    x1, y1 = spec.end[0] * scale, spec.end[1] * scale
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    s = np.arange(_FRONTAGE_M / 2, length, _FRONTAGE_M)
    for j in spec.junctions:
        s = s[np.abs(s - j * length) >= _JUNCTION_CLEAR_M]
    out = []
    for side in (1.0, -1.0):  # left then right of the direction of travel
        px = x0 + s * ux - side * uy * _HALF_WIDTH_M
        py = y0 + s * uy + side * ux * _HALF_WIDTH_M
        out.append(np.column_stack([px, py, s]))
    return np.concatenate(out)


def _slot_bound(specs: tuple[_StreetSpec, ...], scale: float) -> int:
    """Frontage slots of a layout before junction gaps: at least :func:`_slots`' count."""
    total = 0
    for spec in specs:
        x0, y0 = spec.start[0] * scale, spec.start[1] * scale
        x1, y1 = spec.end[0] * scale, spec.end[1] * scale
        length = math.hypot(x1 - x0, y1 - y0)  # as in _slots
        total += 2 * max(0, math.ceil((length - _FRONTAGE_M / 2) / _FRONTAGE_M))
    return total


def _allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    raw = total * shares / shares.sum()
    counts = np.floor(raw).astype(np.int64)
    rest = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


# Generated mix (UK town centres; DATA.md and Local Data Company orders of magnitude).
_GEN_VACANCY = 0.12  # share of units vacant (GB ~10-14%, 2009-2014)
_GEN_CHAIN = 0.35  # share of occupied units held by chains (independents ~65%)
_GEN_OWNERS = (0.45, 0.40, 0.15)  # institutional, local_private, council
_GEN_FLOOR_MEDIAN_M2 = 90.0  # lognormal median floorspace, m2
_GEN_FLOOR_SIGMA = 0.75  # lognormal sigma (gives a 5-95% range of about 25-310 m2)
_GEN_FLOOR_RANGE = (20.0, 2000.0)
_GEN_USE_WEIGHTS = {
    "convenience": 0.12,
    "comparison": 0.28,
    "food_drink": 0.19,
    "services": 0.19,
    "leisure": 0.06,
    "health": 0.07,
    "charity": 0.09,
}


def generate_town(
    layout: str,
    n_units: int = 200,
    seed: int = 0,
    name: str | None = None,
    *,
    max_gap_m: float = MAX_GAP_M,
    cross_m: float = CROSS_M,
) -> Town:
    """Generate a built-in layout with a realistic UK mix of uses, owners and floorspace.

    Layouts: ``"linear"`` (one high street, units on both sides), ``"cross"`` (a High Street
    crossed at its middle by a shorter Market Street) and ``"grid"`` (3 east-west by 3
    north-south streets forming a grid, the High Street running on beyond it). Units are 6 m
    of frontage apart, filled from the town centre outwards (farther along the busier
    streets), so the town is one connected cluster. The mix: 12% vacant, 35% of occupied
    units chains (favouring the main street), owners 45% institutional (favouring the main
    street), 40% local private, 15% council, one council unit in community use; floorspace
    lognormal with median 90 m2 in 20-2000 m2.

    Args:
        layout: One of :data:`LAYOUTS`.
        n_units: Number of units (>= 1).
        seed: Seed of the layout's mix.
        name: Display name (default: from the layout and seed).
        max_gap_m: Adjacency gap along a street, metres.
        cross_m: Adjacency distance across streets, metres.

    Returns:
        The town; identical arrays for identical arguments.
    """
    specs = _layout_specs(layout)
    if not isinstance(n_units, int | np.integer) or not 1 <= n_units <= MAX_GENERATED_UNITS:
        raise TownError(
            f"generated:{layout}: n_units {n_units!r} is not an integer in "
            f"[1, {MAX_GENERATED_UNITS}]"
        )
    if not isinstance(seed, int | np.integer) or not 0 <= seed <= 2**63 - 1:
        raise TownError(f"generated:{layout}: seed {seed!r} is not an integer in [0, 2**63 - 1]")
    # A layout stands in for a data file, not a model draw, so this module builds its own
    # generator from the arguments instead of taking one of the run's named streams.
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _LAYOUT_KEY[layout]])))

    n = int(n_units)
    scale = 30.0
    # Skip the scales at which even every frontage slot with no junction gaps (an upper bound
    # on the slots, growing with the scale) would be too few; then grow until enough slots.
    while _slot_bound(specs, scale) * _FILL[layout] < n:
        scale += _FRONTAGE_M / 2
    while True:
        slots = [_slots(s, scale) for s in specs]
        if sum(len(sl) for sl in slots) * _FILL[layout] >= n:
            break
        scale += _FRONTAGE_M / 2
    # Fill the n slots nearest the centre, distances shrunk on busier streets.
    sid = np.concatenate([np.full(len(sl), k) for k, sl in enumerate(slots)])
    pts = np.concatenate(slots)
    pull = np.array([s.pull for s in specs])[sid]
    dist = np.round(np.hypot(pts[:, 0], pts[:, 1]) / pull, 6)
    pick = np.lexsort((pts[:, 1], pts[:, 0], pts[:, 2], sid, dist))[:n]
    pick = pick[np.lexsort((pts[pick, 1], pts[pick, 0], pts[pick, 2], sid[pick]))]  # file order
    x = np.round(pts[pick, 0], 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    y = np.round(pts[pick, 1], 2) + 0.0
    labels = [specs[k].name for k in sid[pick]]
    main = np.array([lab == specs[0].name for lab in labels])

    floor = rng.lognormal(math.log(_GEN_FLOOR_MEDIAN_M2), _GEN_FLOOR_SIGMA, size=n)
    floor = np.round(np.clip(floor, *_GEN_FLOOR_RANGE), 0)

    # Owners: council at random; institutional next, favouring the main street; rest local.
    owner = np.full(n, OWNER["local_private"], dtype=np.int8)
    n_own = _allocate(n, np.array(_GEN_OWNERS))
    perm = rng.permutation(n)
    council = perm[: n_own[2]]
    owner[council] = OWNER["council"]
    others = perm[n_own[2] :]
    key = rng.random(others.size) - 0.35 * main[others]
    owner[others[np.argsort(key, kind="stable")[: n_own[0]]]] = OWNER["institutional"]

    # Uses: an exact vacancy count, the occupied units drawn from the weights.
    use = np.full(n, VACANT, dtype=np.int8)
    occupied = np.sort(rng.permutation(n)[: n - round(_GEN_VACANCY * n)])
    names = tuple(_GEN_USE_WEIGHTS)
    w = np.array([_GEN_USE_WEIGHTS[c] for c in names])
    drawn = rng.choice(len(names), size=occupied.size, p=w / w.sum())
    use[occupied] = np.array([CAT[c] for c in names], dtype=np.int8)[drawn]

    # Chains: an exact count among occupied chainable units, favouring the main street.
    chain = np.zeros(n, dtype=bool)
    cand = occupied[CHAINABLE[use[occupied]]]
    key = rng.random(cand.size) - 0.3 * main[cand]
    n_chain = min(cand.size, round(_GEN_CHAIN * occupied.size))
    chain[cand[np.argsort(key, kind="stable")[:n_chain]]] = True
    floor[chain] = np.round(np.clip(floor[chain] * 1.4, *_GEN_FLOOR_RANGE), 0)

    # One council-owned unit in community use, off the main street where possible.
    council_idx = np.flatnonzero(owner == OWNER["council"])
    if council_idx.size:
        off = council_idx[~main[council_idx]]
        k = int(off[0]) if off.size else int(council_idx[-1])
        use[k], chain[k] = CAT["community"], False

    return assemble_town(
        name=name or f"Generated {layout} town (seed {seed})",
        source=f"generated:{layout}",
        unit_id=np.arange(1, n + 1, dtype=np.int64),
        x=x,
        y=y,
        floorspace=floor,
        street_labels=labels,
        initial_use=use,
        initial_chain=chain,
        owner_type=owner,
        landlord_labels=[""] * n,
        main_street=specs[0].name,
        max_gap_m=max_gap_m,
        cross_m=cross_m,
        where=f"generated:{layout}",
    )


# ----------------------------------------------------------------------------------------------
# Resolving a user's town specification


def resolve_town(spec: str | Path | None) -> Town:
    """Turn a town specification into a Town.

    Args:
        spec: ``None`` for the bundled example town (``scenarios/towns/example_town.csv``);
            a layout name or ``"generated:<layout>[:<n_units>[:<seed>]]"`` for
            :func:`generate_town`; otherwise a CSV path, tried relative to the current
            directory, then to the bundled ``scenarios/towns/`` (``.csv`` may be omitted).

    Returns:
        The town.

    Raises:
        TownError: Unknown layout, bad generated arguments, file not found or a bad file.
    """
    if spec is None:
        return load_town(EXAMPLE_TOWN)
    if isinstance(spec, str):
        text = spec.strip()
        if text in LAYOUTS:
            return generate_town(text)
        if text.startswith("generated:"):
            parts = text.split(":")[1:]
            layout = parts[0]
            if layout not in LAYOUTS or len(parts) > 3:
                raise TownError(
                    f"{text}: expected generated:<layout>[:<n_units>[:<seed>]] with layout one "
                    f"of {', '.join(LAYOUTS)}{_suggest(layout, LAYOUTS)}"
                )
            try:
                nums = [int(p) for p in parts[1:]]
            except ValueError:
                raise TownError(f"{text}: n_units and seed must be integers") from None
            return generate_town(layout, *nums)
    path = Path(spec)
    towns_dir = SCENARIOS_DIR / "towns"
    candidates = [path]
    if not path.is_absolute():
        candidates.append(towns_dir / path)
    if path.suffix == "":
        candidates += [c.with_suffix(".csv") for c in list(candidates)]
    for cand in candidates:
        if cand.is_file():
            return load_town(cand)
    raise TownError(
        f"{_oneline(str(spec))}: file not found (looked in the current directory and the "
        f"bundled towns: {', '.join(town_names())}; built-in layouts: {', '.join(LAYOUTS)})"
    )


def town_names() -> list[str]:
    """Names of the bundled towns (CSV files in ``scenarios/towns/``)."""
    return sorted(p.stem for p in (SCENARIOS_DIR / "towns").glob("*.csv"))
