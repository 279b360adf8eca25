"""Named random streams: the only place in ``sim`` that creates random generators.

MODEL.md ("Architecture") and ARCHITECTURE.md ("Randomness"): one seed per run, split with
numpy's ``SeedSequence`` into named streams, fresh for every week, so that

* one week's draws never depend on how many draws another week (or another rule) used,
* a scenario that changes one rule leaves every other rule's draws untouched (common random
  numbers across scenarios: replicate i of every scenario uses the same run seed), and
* results do not depend on thread count, executor or machine: draws are made here, in numpy,
  and passed into the numba kernels as arrays.

A stream is addressed by ``(run seed, stream name, week)``; ``week = -1`` is initialisation.
"""

from __future__ import annotations

import numpy as np

#: Stable ids of every named stream. Append only: renumbering changes every result.
STREAM_ID: dict[str, int] = {
    "init_residents": 0,
    "init_occupiers": 1,
    "trips": 2,
    "visits": 3,
    "ties": 4,
    "engagement": 5,
    "occupiers": 6,
    "landlords": 7,
    "entrants": 8,
    "council": 9,
    "town_team": 10,
    "metrics": 11,
    "init_ties": 12,
}

_INIT_WEEK = -1


def stream(seed: int, name: str, week: int = _INIT_WEEK) -> np.random.Generator:
    """Return the generator for stream ``name`` in ``week`` of the run seeded by ``seed``.

    Args:
        seed: the run seed (a non-negative integer).
        name: a key of :data:`STREAM_ID`.
        week: the model week (0-based); ``-1`` for initialisation.

    Returns:
        A fresh ``numpy.random.Generator`` (PCG64) whose draws depend only on the three inputs.
    """
    if name not in STREAM_ID:
        raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_ID)}")
    ss = np.random.SeedSequence(int(seed), spawn_key=(STREAM_ID[name], int(week) + 1))
    return np.random.Generator(np.random.PCG64(ss))


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """``n`` run seeds derived from ``base_seed``; replicate i of every scenario uses seed i.

    The list for ``n`` is a prefix of the list for any larger ``n``.
    """
    state = np.random.SeedSequence(int(base_seed)).generate_state(max(int(n), 1), dtype=np.uint32)
    return [int(s) for s in state[: int(n)]]


def fresh_seed() -> int:
    """A new run seed from OS entropy (recorded in the run summary so the run can be repeated)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
