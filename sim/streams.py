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
#: Weeks whose seeds one ``SeedSequence`` call makes for a stream (a block): making a
#: SeedSequence and a PCG64 costs ~0.1 ms, about 1 ms a week over the ten streams a week uses.
BLOCK_WEEKS = 64


def _set_state(bg: np.random.PCG64, words: np.ndarray) -> None:
    """Put 256 bits of SeedSequence output into ``bg``: 128 of state, 128 of increment (odd)."""
    bg.state = {
        "bit_generator": "PCG64",
        "state": {
            "state": (int(words[0]) << 64) | int(words[1]),
            "inc": (int(words[2]) << 64) | int(words[3]) | 1,
        },
        "has_uint32": 0,
        "uinteger": 0,
    }


class RunStreams:
    """Every named stream of one run seeded by ``seed``.

    The generator of stream ``name`` in ``week`` is PCG64 whose 128-bit state and increment
    are words ``4 k .. 4 k + 3`` (k = (week + 1) mod :data:`BLOCK_WEEKS`) of
    ``SeedSequence(seed, spawn_key=(STREAM_ID[name], phase, (week + 1) // BLOCK_WEEKS))``,
    phase 1 in the spin-up and 0 otherwise: its draws depend only on (seed, name, week,
    phase). One ``Generator`` per stream is kept and re-seeded each week, so a generator
    taken in one week must not be used in another.
    """

    __slots__ = ("_gens", "_words", "seed")

    def __init__(self, seed: int) -> None:
        if int(seed) < 0:
            raise ValueError(f"run seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)
        self._words: dict[tuple[int, int, int], np.ndarray] = {}
        self._gens: dict[str, np.random.Generator] = {}

    def words(self, name: str, week: int, spin_up: bool = False) -> np.ndarray:
        """The four 64-bit words that seed stream ``name`` in ``week``."""
        if name not in STREAM_ID:
            raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_ID)}")
        block, k = divmod(int(week) + 1, BLOCK_WEEKS)
        key = (STREAM_ID[name], int(spin_up), block)
        w = self._words.get(key)
        if w is None:
            ss = np.random.SeedSequence(self.seed, spawn_key=key)
            w = self._words[key] = ss.generate_state(4 * BLOCK_WEEKS, np.uint64).reshape(-1, 4)
            if len(self._words) > 4 * len(STREAM_ID):  # keep the blocks of the weeks in use
                self._words = {key: w}
        return w[k]

    def generator(self, name: str, week: int, spin_up: bool = False) -> np.random.Generator:
        """This run's generator of stream ``name``, seeded for ``week`` (re-seeded each call)."""
        words = self.words(name, week, spin_up)
        g = self._gens.get(name)
        if g is None:
            g = self._gens[name] = np.random.Generator(np.random.PCG64())
        _set_state(g.bit_generator, words)
        return g

    def week(self, week: int, spin_up: bool = False) -> Streams:
        """The streams of one week of this run."""
        return Streams(self.seed, week, spin_up, run=self)


def stream(
    seed: int, name: str, week: int = _INIT_WEEK, spin_up: bool = False
) -> np.random.Generator:
    """Return a new generator for stream ``name`` in ``week`` of the run seeded by ``seed``
    (the draws of :meth:`RunStreams.generator`, in a generator of its own).

    Args:
        seed: the run seed (a non-negative integer).
        name: a key of :data:`STREAM_ID`.
        week: the model week (0-based); ``-1`` for initialisation.
        spin_up: a week of the spin-up before week 0 (its own streams).
    """
    g = np.random.Generator(np.random.PCG64())
    _set_state(g.bit_generator, RunStreams(seed).words(name, week, spin_up))
    return g


class Streams:
    """The named streams of one week of a run: ``streams["trips"]`` is that week's generator
    for the trip decision (seeded on first use, then the same object for the rest of the
    week). ``run`` shares one run's generators and seed blocks across weeks (the model's
    way); without it the week's streams are made on their own, with the same draws."""

    __slots__ = ("_made", "_run", "seed", "spin_up", "week")

    def __init__(
        self, seed: int, week: int, spin_up: bool = False, run: RunStreams | None = None
    ) -> None:
        self.seed, self.week, self.spin_up = int(seed), int(week), bool(spin_up)
        self._run = run if run is not None else RunStreams(self.seed)
        self._made: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        g = self._made.get(name)
        if g is None:
            g = self._made[name] = self._run.generator(name, self.week, self.spin_up)
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
