"""Write the bundled town files under scenarios/towns/ (deterministic; safe to re-run).

* ``example_town.csv``: "Ashby Market", a fictional English market town of about 300 units
  on six streets: a High Street (the prime pitch, mostly chains on institutional leases), a
  wide Market Place with the council's market hall, Church Street and Bridge Street
  (independents, local landlords), Station Road and a small covered arcade.
* ``linear.csv``, ``cross.csv``, ``grid.csv``: the built-in generated layouts
  (``sim.town.generate_town(layout)`` with default arguments) written with ``save_town``.

Usage::

    .venv/bin/python experiments/make_example_town.py [--out scenarios/towns]

The town is built from a fixed seed, so re-running reproduces the files byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source checkout

from sim.categories import CAT, CATEGORIES, CHAINABLE, OWNER_TYPES, VACANT  # noqa: E402
from sim.town import LAYOUTS, SCENARIOS_DIR, generate_town, load_town, save_town  # noqa: E402

SEED = 20240611  # fixed: the example town is data, not a model draw
TOWN_NAME = "Ashby Market"

# Use mixes by street (shares of occupied units, before the special units below). Sources:
# orders of magnitude for a GB market town (Local Data Company category mixes; DATA.md).
HIGH_MIX = {
    "comparison": 0.36,
    "food_drink": 0.17,
    "services": 0.18,
    "convenience": 0.10,
    "health": 0.07,
    "charity": 0.07,
    "leisure": 0.05,
}
SIDE_MIX = {
    "comparison": 0.28,
    "food_drink": 0.22,
    "services": 0.24,
    "convenience": 0.08,
    "health": 0.07,
    "charity": 0.06,
    "leisure": 0.05,
}
ARCADE_MIX = {"comparison": 0.45, "food_drink": 0.2, "services": 0.25, "startup": 0.1}


@dataclass(frozen=True)
class StreetPlan:
    """One street of the example town.

    Attributes:
        name: Street name.
        n: Number of units (including the special units).
        vacant: Number of vacant units.
        chains: Number of chain-occupied units.
        mix: Use shares of the ordinary occupied units.
        owners: Shares of institutional, local_private, council among ordinary units.
        floor_median: Lognormal median floorspace, m2.
        floor_sigma: Lognormal sigma.
        half_width: Centre line to frontage, metres.
        gaps: Per side (left, right), intervals along the street with no units (junctions).
    """

    name: str
    n: int
    vacant: int
    chains: int
    mix: dict[str, float]
    owners: tuple[float, float, float]
    floor_median: float
    floor_sigma: float
    half_width: float
    gaps: tuple[tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]] = ((), ())


PLANS = (
    StreetPlan(
        "High Street",
        112,
        10,
        68,
        HIGH_MIX,
        (0.70, 0.25, 0.05),
        135.0,
        0.6,
        8.0,
        # left = north side (Market Place and the arcade open off it); right = south side.
        (((255.0, 300.0), (395.0, 402.0)), ((120.0, 134.0),)),
    ),
    StreetPlan("Market Place", 46, 3, 10, SIDE_MIX, (0.30, 0.55, 0.15), 105.0, 0.6, 18.0),
    StreetPlan("Church Street", 42, 4, 3, SIDE_MIX, (0.10, 0.82, 0.08), 80.0, 0.55, 6.0),
    StreetPlan("Station Road", 40, 6, 8, SIDE_MIX, (0.25, 0.60, 0.15), 90.0, 0.6, 8.0),
    StreetPlan("Bridge Street", 38, 6, 3, SIDE_MIX, (0.10, 0.78, 0.12), 75.0, 0.55, 6.0),
    StreetPlan("Ashby Arcade", 20, 2, 0, ARCADE_MIX, (0.0, 1.0, 0.0), 35.0, 0.3, 3.0),
)

INSTITUTIONS = (
    "Northgate REIT",
    "Pennine Property Fund",
    "Castlemead Pension Fund",
    "Albion Retail Income Trust",
    "Meridian Estates plc",
    "Wessex Life Assurance",
)
LOCAL_FIRMS = ("Hollis Family Trust", "Barraclough Estates", "Ashby Properties Ltd")
SURNAMES = (
    "Allen", "Bailey", "Bennett", "Carter", "Chauhan", "Clarke", "Cooper", "Davies", "Dixon",
    "Edwards", "Ellis", "Evans", "Fletcher", "Foster", "Gill", "Graham", "Green", "Hall",
    "Harris", "Holmes", "Hughes", "Hussain", "Jackson", "James", "Kaur", "Kelly", "Khan",
    "Knight", "Lee", "Lewis", "Marsh", "Mason", "Mills", "Moore", "Morgan", "Morris", "Murphy",
    "Nash", "Owen", "Palmer", "Parker", "Patel", "Pearson", "Powell", "Price", "Reed",
    "Richards", "Riley", "Robinson", "Rogers", "Shaw", "Singh", "Smith", "Stevens", "Taylor",
    "Turner", "Walker", "Ward", "Watson", "Webb", "White", "Wilson", "Wood", "Wright", "Young",
)  # fmt: skip
COUNCIL = "Ashby District Council"
COMMUNITY = "Ashby Community Trust"
ARCADE_OWNER = "Ashby Arcade Ltd"


def counts_from_shares(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def frontage(floorspace: float) -> float:
    """Shop frontage (m) from floorspace (m2): deeper plots for bigger units, 4.5-28 m."""
    return float(np.clip(math.sqrt(0.4 * floorspace), 4.5, 28.0))


def place_sides(
    floors: list[float], gaps: tuple[tuple[tuple[float, float], ...], ...], start: float = 3.0
) -> list[tuple[int, float]]:
    """Place units frontage to frontage on two sides of a street, skipping junction gaps.

    Each unit in turn goes to the side whose frontage has reached less far, so the two sides
    end up about the same length. Returns (side, centre position along the street) per unit.
    """
    cursor = [start, start]
    out = []
    for fl in floors:
        f = frontage(fl)
        ends = []
        for side in (0, 1):
            s = cursor[side]
            for a, b in gaps[side]:
                if s < b and s + f > a:
                    s = b
            ends.append(s)
        side = 0 if ends[0] <= ends[1] else 1
        out.append((side, ends[side] + f / 2))
        cursor[side] = ends[side] + f
    return out


def build_street(plan: StreetPlan, rng: np.random.Generator) -> list[dict]:
    """Uses, formats and floorspace of one street's units, in their order along the street."""
    specials: list[dict] = []
    if plan.name == "Market Place":
        specials = [
            {"use": "market", "owner": "council", "floor": 650.0, "hall": True},  # market hall
            {"use": "community", "owner": "council", "floor": 160.0},  # community hub
        ]
    elif plan.name == "Church Street":
        specials = [
            {"use": "community", "owner": "community", "floor": 120.0},  # trust's centre
            {"use": "food_drink", "owner": "community", "floor": 210.0},  # community pub
        ]
    elif plan.name == "Station Road":
        specials = [{"use": "community", "owner": "council", "floor": 140.0}]  # library point
    n_ord = plan.n - len(specials)
    n_occ = n_ord - plan.vacant
    cats = list(plan.mix)
    uses = np.repeat(cats, counts_from_shares(n_occ, np.array([plan.mix[c] for c in cats])))
    uses = [str(u) for u in rng.permutation(uses)] + ["vacant"] * plan.vacant
    chain = np.zeros(n_ord, dtype=bool)
    chainable = [k for k, u in enumerate(uses) if u != "vacant" and CHAINABLE[CAT[u]]]
    chain[rng.permutation(chainable)[: plan.chains]] = True
    floor = rng.lognormal(math.log(plan.floor_median), plan.floor_sigma, size=n_ord)
    floor *= np.where(chain, 1.5, 1.0)  # multiples take larger units
    lo, hi = (15.0, 80.0) if plan.name == "Ashby Arcade" else (25.0, 1200.0)
    floor = np.clip(floor, lo, hi)
    units = [
        {"use": u, "chain": bool(c), "floor": float(f), "owner": None, "hall": False}
        for u, c, f in zip(uses, chain, floor, strict=True)
    ]
    if plan.name == "High Street":  # two anchors: a supermarket and a variety store
        for cat, size in (("convenience", 1500.0), ("comparison", 900.0)):
            k = next(i for i, u in enumerate(units) if u["use"] == cat and u["chain"])
            units[k]["floor"] = size
    for sp in specials:
        units.append(
            {
                "use": sp["use"],
                "chain": False,
                "floor": sp["floor"],
                "owner": sp["owner"],
                "hall": sp.get("hall", False),
            }
        )
    for u in units:
        u["floor"] = float(round(u["floor"]))

    # Order along the street: chains cluster at the prime pitch (the middle of the High Street,
    # the High Street end of a side street); everything else spreads evenly.
    target = rng.random(len(units))
    for k, u in enumerate(units):
        if u["chain"]:
            z = rng.standard_normal()
            target[k] = 0.5 + 0.18 * z if plan.name == "High Street" else abs(0.3 * z)
    return [units[k] for k in np.argsort(target, kind="stable")]


# Street geometry: start point (m), direction, relative to the Market Cross at (0, 0).
# Station Road and Bridge Street start at the ends of the High Street (set in main()).
HIGH_START = (-260.0, 0.0)
GEOMETRY = {
    "High Street": ((-260.0, 0.0), (1.0, 0.0)),
    "Market Place": ((0.0, 16.0), (0.0, 1.0)),
    "Church Street": ((-133.0, -16.0), (0.0, -1.0)),
    "Ashby Arcade": ((113.5, 14.0), (0.0, 1.0)),
}
STATION_DIR = (0.8, 0.6)
BRIDGE_DIR = (-0.9, -0.436)


def lay_out(
    plan: StreetPlan, units: list[dict], start: tuple[float, float], direction: tuple[float, float]
) -> float:
    """Give each unit x, y (m) and a position along the street; return the street's length."""
    ux, uy = direction
    norm = math.hypot(ux, uy)
    ux, uy = ux / norm, uy / norm
    frontage_units = [u for u in units if not u["hall"]]
    placed = place_sides([u["floor"] for u in frontage_units], plan.gaps)
    length = 0.0
    for u, (side, s) in zip(frontage_units, placed, strict=True):
        sign = 1.0 if side == 0 else -1.0  # left, right of the direction of travel
        u["s"], u["side"] = s, side
        u["x"] = start[0] + s * ux - sign * uy * plan.half_width
        u["y"] = start[1] + s * uy + sign * ux * plan.half_width
        length = max(length, s + frontage(u["floor"]) / 2)
    for u in units:
        if u["hall"]:  # the market hall stands in the middle of the place
            u["s"], u["side"] = length / 2, 2
            u["x"], u["y"] = start[0] + u["s"] * ux, start[1] + u["s"] * uy
    return length


def assign_owners(plan: StreetPlan, units: list[dict], rng: np.random.Generator) -> None:
    """Owner types of a street's ordinary units: institutions take the chains and prime pitch."""
    ordinary = [u for u in units if u["owner"] is None]
    n_inst, n_local, n_council = counts_from_shares(len(ordinary), np.array(plan.owners))
    prime = np.array([plan.name == "High Street" and abs(u["x"]) < 150 for u in ordinary])
    chain = np.array([u["chain"] for u in ordinary])
    key = rng.random(len(ordinary)) - 0.5 * chain - 0.3 * prime
    order = np.argsort(key, kind="stable")
    for k in order[:n_inst]:
        ordinary[k]["owner"] = "institutional"
    rest = rng.permutation(order[n_inst:])
    for j, k in enumerate(rest):
        ordinary[k]["owner"] = "council" if j < n_council else "local_private"
    del n_local


def assign_landlords(units: list[dict], rng: np.random.Generator) -> None:
    """Landlord labels: a few funds in blocks, local firms, individuals owning 1-3 units."""
    inst = [u for u in units if u["owner"] == "institutional"]
    k = 0
    while k < len(inst):  # funds hold blocks of 2-5 neighbouring units (parades)
        size = int(rng.integers(2, 6))
        fund = INSTITUTIONS[int(rng.integers(len(INSTITUTIONS)))]
        for u in inst[k : k + size]:
            u["landlord"] = fund
        k += size
    surnames = [str(s) for s in rng.permutation(SURNAMES)]
    n_people = 0
    run_left = 0
    for u in units:
        if u["owner"] == "council":
            u["landlord"] = COUNCIL
        elif u["owner"] == "community":
            u["landlord"] = COMMUNITY
        elif u["owner"] == "local_private":
            if u["street"] == "Ashby Arcade":
                u["landlord"] = ARCADE_OWNER
            elif rng.random() < 0.25:
                u["landlord"] = LOCAL_FIRMS[int(rng.integers(len(LOCAL_FIRMS)))]
            else:
                if run_left == 0:  # a new private landlord owning 1-3 units in a row
                    name = surnames[n_people % len(surnames)]
                    if n_people >= len(surnames):
                        name += f" {n_people // len(surnames) + 1}"
                    person = f"{name} (private)"
                    n_people += 1
                    run_left = int(rng.choice([1, 2, 2, 3]))
                u["landlord"] = person
                run_left -= 1


def build_example(rng: np.random.Generator) -> list[dict]:
    """All units of Ashby Market, in file order (by street, then along the street)."""
    units: list[dict] = []
    ends: dict[str, float] = {}
    for block, plan in enumerate(PLANS, start=1):
        street = build_street(plan, rng)
        if plan.name == "Station Road":
            start, direction = (HIGH_START[0] + ends["High Street"] + 12.0, 0.0), STATION_DIR
        elif plan.name == "Bridge Street":
            start, direction = (HIGH_START[0] - 12.0, 0.0), BRIDGE_DIR
        else:
            start, direction = GEOMETRY[plan.name]
        ends[plan.name] = lay_out(plan, street, start, direction)
        assign_owners(plan, street, rng)
        street.sort(key=lambda u: (u["s"], u["side"]))
        for j, u in enumerate(street, start=1):
            u["id"] = 1000 * block + j  # 1001.. High Street, 2001.. Market Place, ...
            u["street"] = plan.name
        units += street
    assign_landlords(units, rng)
    return units


def write_example(units: list[dict], path: Path) -> None:
    """Write the example town CSV (the sim.town format)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# name: {TOWN_NAME}\n")
        fh.write(
            "# A fictional English market town; written by experiments/make_example_town.py"
            f" (seed {SEED}). Coordinates in metres from the Market Cross, floorspace in m2.\n"
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["id", "x", "y", "floorspace", "street", "initial_use", "owner_type", "format",
             "landlord"]
        )  # fmt: skip
        for u in units:
            fmt = "" if u["use"] == "vacant" else ("chain" if u["chain"] else "independent")
            w.writerow(
                [
                    u["id"],
                    f"{u['x'] + 0.0:.1f}",
                    f"{u['y'] + 0.0:.1f}",
                    f"{u['floor']:g}",
                    u["street"],
                    u["use"],
                    u["owner"],
                    fmt,
                    u["landlord"],
                ]
            )


def summary(path: Path) -> str:
    """A few lines describing a town file (loaded through sim.town)."""
    t = load_town(path)
    occ = t.initial_use != VACANT
    deg = np.diff(t.adj_indptr)
    lines = [
        f"{path}: {t.name!r}, {t.n_units} units, {t.n_streets} streets, "
        f"{t.n_landlords} landlords, main street {t.street_names[t.main_street]!r}",
        f"  vacancy {100 * (~occ).mean():.1f}%, chains {100 * t.initial_chain[occ].mean():.1f}% "
        f"of occupied, median floorspace {np.median(t.floorspace):.0f} m2, "
        f"neighbours per unit {deg.mean():.2f} (min {deg.min()}, max {deg.max()})",
        "  owners: "
        + ", ".join(f"{o} {int((t.owner_type == k).sum())}" for k, o in enumerate(OWNER_TYPES)),
        "  uses: "
        + ", ".join(
            f"{c} {int((t.initial_use == k).sum())}"
            for k, c in enumerate(CATEGORIES)
            if (t.initial_use == k).any()
        )
        + f", vacant {int((~occ).sum())}",
    ]
    for s, name in enumerate(t.street_names):
        on = t.street == s
        lines.append(
            f"    {name:<14} {int(on.sum()):>4} units, {int((on & ~occ).sum()):>3} vacant, "
            f"{int((on & t.initial_chain).sum()):>3} chains"
        )
    return "\n".join(lines)


def main() -> None:
    """Build and write the towns, check they load, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SCENARIOS_DIR / "towns")
    args = parser.parse_args()
    # The example town is data: its own generator from a fixed seed, not a run stream.
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED)))
    example = args.out / "example_town.csv"
    write_example(build_example(rng), example)
    print(f"wrote {summary(example)}")
    for layout in LAYOUTS:
        path = save_town(generate_town(layout), args.out / f"{layout}.csv")
        print(f"wrote {summary(path)}")


if __name__ == "__main__":
    main()
