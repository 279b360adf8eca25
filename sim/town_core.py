"""The Town: its units, their streets and neighbours, walking distances and its catchment.

MODEL.md, "Time and space": units (premises) sit on a street graph with ids, positions,
street, floorspace and adjacency (neighbouring units). :class:`Town` holds them;
:func:`assemble_town` builds one from per-unit values for the CSV loader
(:mod:`sim.town_files`), the generated layouts (:mod:`sim.town_layouts`) and ``sim.osm``.
Callers import these names from :mod:`sim.town`.

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

This module depends only on numpy, scipy and :mod:`sim.categories`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from sim.categories import OWNER

#: Walking-distance detour factor: street-network distance over straight-line distance.
#: Ratios of 1.2-1.4 are typical for walkable urban grids (route directness studies); 1.3 is
#: the middle of that range and a model parameter in all but name.
DETOUR_FACTOR: float = 1.3

#: Default adjacency thresholds (metres); see the module docstring.
MAX_GAP_M: float = 40.0
CROSS_M: float = 25.0

# ----------------------------------------------------------------------------------------------
# Catchment: the calibration reference

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
            f"warning: town {oneline(self.name)} is outside the range the model was calibrated "
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
# Messages shared by the town modules


def oneline(text: str) -> str:
    """``text`` on one line: carriage returns and newlines written as ``\\r`` and ``\\n``."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def suggest(value: str, allowed: tuple[str, ...]) -> str:
    """``"; did you mean '<closest allowed value>'?"``, or "" when nothing is close."""
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
