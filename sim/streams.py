"""Named random streams: the only place in ``sim`` that creates random generators.

MODEL.md ("Architecture") and ARCHITECTURE.md ("Randomness"): one seed per run, split with
numpy's ``SeedSequence`` into named streams, one per decision, fresh for every week, so that

* one week's draws never depend on how many draws another week (or another decision) used,
* a scenario that changes one rule leaves every other rule's draws untouched (common random
  numbers across scenarios: replicate i of every scenario uses the same run seed), and
* results do not depend on thread count, executor or machine: draws are made here, in numpy,
  and passed into the numba kernels as arrays.

A stream is addressed by ``(run seed, stream name, week)``; ``week = -1`` is initialisation.
A rule receives the week's :class:`Streams` and takes the generator of each decision it makes
by name (``rng["letting"]``), only when it has a draw to make: since every decision has its
own stream, a stream left undrawn moves no other.
"""

from __future__ import annotations

import numpy as np

#: Stable ids of every named stream, one per decision. Append only: renumbering changes every
#: result. Retired names keep their ids (never reused).
STREAM_ID: dict[str, int] = {
    "init_residents": 0,  # residents' homes, incomes, budgets, tastes, engagement
    "init_occupiers": 1,  # initial rents, leases, reserves, quality
    "trips": 2,  # each resident's trip choice (centre, park, online, none)
    "visits": 3,  # each visitor's venue draws
    "ties": 4,  # meetings at venues: whether and with whom
    "engagement": 5,  # consultation: who is asked to take part
    "occupiers": 6,  # independents' personal exits (retirement, moving on)
    # 7: "landlords" (retired: letting and asset transfer now have a stream each)
    # 8: "entrants" (retired: arrivals and applicants now have a stream each)
    "council": 9,  # reserved for the council's own draws
    "town_team": 10,  # reserved for the Town Team's own draws
    "metrics": 11,  # the residents sampled for the clustering coefficient
    "init_ties": 12,  # reserved for initial ties
    "letting": 13,  # landlords' acceptance of applicants
    "asset_transfer": 14,  # which long-empty council unit passes to the community
    # 15, 16: "arrivals", "applicants" (retired: one stream for the entry decision)
    "conversion": 17,  # which eligible long-vacant units leave the commercial stock
    "entry": 18,  # who arrives (numbers by source), then each applicant's draws
    "posterior": 19,  # the parameter sets a comparison draws from a posterior
    "meanwhile_lease": 20,  # whether a meanwhile occupier that could afford a lease takes one
    "popups": 21,  # how many pop-ups and community groups ask for a meanwhile licence, theirs
    "bootstrap": 22,  # a comparison report's resamples of the runs (never inside a run)
}

_INIT_WEEK = -1


def stream(
    seed: int, name: str, week: int = _INIT_WEEK, spin_up: bool = False
) -> np.random.Generator:
    """Return the generator for stream ``name`` in ``week`` of the run seeded by ``seed``.

    Args:
        seed: the run seed (a non-negative integer).
        name: a key of :data:`STREAM_ID`.
        week: the model week (0-based); ``-1`` for initialisation.
        spin_up: a week of the spin-up before week 0 (its own streams).

    Returns:
        A fresh ``numpy.random.Generator`` (PCG64) seeded with
        ``SeedSequence(seed, spawn_key=(STREAM_ID[name], week + 1))`` (spin-up weeks:
        ``spawn_key=(STREAM_ID[name], 0, week + 1)``): its draws depend only on the inputs.
    """
    if name not in STREAM_ID:
        raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_ID)}")
    key = (STREAM_ID[name], 0, int(week) + 1) if spin_up else (STREAM_ID[name], int(week) + 1)
    ss = np.random.SeedSequence(int(seed), spawn_key=key)
    return np.random.Generator(np.random.PCG64(ss))


class Streams:
    """The named streams of one week of one run: ``streams["trips"]`` is that week's generator
    for the trip decision (made on first use, then the same object for the rest of the week)."""

    __slots__ = ("_made", "seed", "spin_up", "week")

    def __init__(self, seed: int, week: int, spin_up: bool = False) -> None:
        self.seed, self.week, self.spin_up = int(seed), int(week), bool(spin_up)
        self._made: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        g = self._made.get(name)
        if g is None:
            g = self._made[name] = stream(self.seed, name, self.week, self.spin_up)
        return g


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """``n`` run seeds derived from ``base_seed``; replicate i of every scenario uses seed i.

    The list for ``n`` is a prefix of the list for any larger ``n``.
    """
    state = np.random.SeedSequence(int(base_seed)).generate_state(max(int(n), 1), dtype=np.uint32)
    return [int(s) for s in state[: int(n)]]


def fresh_seed() -> int:
    """A new run seed from OS entropy (recorded in the run summary so the run can be repeated)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
