"""Generated towns: the built-in layouts (a linear high street, a cross, a small grid).

:func:`generate_town` lays units out along the streets of a layout, filled from the centre
outwards, with a realistic UK mix of uses, owners and floorspace. Callers import its public
names from :mod:`sim.town`.

This module depends only on numpy, :mod:`sim.categories` and :mod:`sim.town_core`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.categories import CAT, CHAINABLE, OWNER, VACANT
from sim.town_core import CROSS_M, MAX_GAP_M, Town, TownError, assemble_town, suggest

#: Built-in generated layouts.
LAYOUTS: tuple[str, ...] = ("linear", "cross", "grid")

#: Largest generated layout (units).
MAX_GENERATED_UNITS: int = 100_000

_LAYOUT_KEY: dict[str, int] = {"linear": 1, "cross": 2, "grid": 3}  # seed-sequence salt

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
        f"layout '{layout}' is not one of {', '.join(LAYOUTS)}{suggest(layout, LAYOUTS)}"
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
