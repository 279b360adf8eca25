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

import sys

import numba
import numpy as np
from numpy.random.bit_generator import ISeedSequence

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
    seed, key = int(seed), (STREAM_ID[name], int(week) + 1)
    if _LITTLE_ENDIAN and 0 <= seed < _WORD and 0 <= key[1] < _WORD:
        # the same generator, seeded without SeedSequence's Python overhead (~25 us a stream)
        return np.random.Generator(np.random.PCG64(_PCG64Seed(seed, key)))
    return _stream_ref(seed, name, week)


def _stream_ref(seed: int, name: str, week: int = _INIT_WEEK) -> np.random.Generator:
    """Reference of :func:`stream`: numpy's ``SeedSequence`` itself (the tests hold the two
    equal; :func:`stream` falls back to this outside 32-bit seeds and weeks)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(STREAM_ID[name], int(week) + 1))
    return np.random.Generator(np.random.PCG64(ss))


# numpy's SeedSequence (numpy/random/bit_generator.pyx, pool size 4), for one 32-bit entropy
# word and a spawn key of two 32-bit words: the entropy is padded with zeros to the pool size,
# the spawn key appended, mixed into the pool, and the pool hashed out into the seed words.
_WORD = 1 << 32
_MASK = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16
_POOL = 4
_LITTLE_ENDIAN = sys.byteorder == "little"


@numba.njit(cache=True, inline="always")
def _mix_into_nb(pool: np.ndarray, i_dst: int, value: int, h: int) -> int:
    """SeedSequence's ``pool[i_dst] = mix(pool[i_dst], hashmix(value))``; returns the hash
    constant after the hashmix."""
    v = value ^ h
    h = (h * _MULT_A) & _MASK
    v = (v * h) & _MASK
    v ^= v >> _XSHIFT
    r = (_MIX_MULT_L * pool[i_dst] - _MIX_MULT_R * v) & _MASK
    pool[i_dst] = r ^ (r >> _XSHIFT)
    return h


@numba.njit(cache=True)
def _seed_words_nb(seed: int, key0: int, key1: int) -> np.ndarray:
    """The 8 uint32 words ``SeedSequence(seed, spawn_key=(key0, key1)).generate_state(8)``
    for 32-bit ``seed``, ``key0``, ``key1`` (int64 arithmetic masked to 32 bits)."""
    ent = np.zeros(_POOL + 2, np.int64)
    ent[0] = seed
    ent[_POOL] = key0
    ent[_POOL + 1] = key1
    pool = np.zeros(_POOL, np.int64)
    h = _INIT_A
    for i in range(_POOL):  # hashmix of the first pool-size words
        v = ent[i] ^ h
        h = (h * _MULT_A) & _MASK
        v = (v * h) & _MASK
        pool[i] = v ^ (v >> _XSHIFT)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                h = _mix_into_nb(pool, i_dst, pool[i_src], h)
    for i_src in range(_POOL, _POOL + 2):
        for i_dst in range(_POOL):
            h = _mix_into_nb(pool, i_dst, ent[i_src], h)
    out = np.empty(8, np.uint32)
    hb = _INIT_B
    for i in range(8):
        v = pool[i % _POOL] ^ hb
        hb = (hb * _MULT_B) & _MASK
        v = (v * hb) & _MASK
        out[i] = v ^ (v >> _XSHIFT)
    return out


def _seed_words_ref(seed: int, key0: int, key1: int) -> np.ndarray:
    """Plain-Python reference of :func:`_seed_words_nb` (same inputs, same result)."""
    ent = [seed, 0, 0, 0, key0, key1]
    h = _INIT_A

    def hashmix(v: int) -> int:
        nonlocal h
        v ^= h
        h = (h * _MULT_A) & _MASK
        v = (v * h) & _MASK
        return v ^ (v >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        r = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK
        return r ^ (r >> _XSHIFT)

    pool = [hashmix(ent[i]) for i in range(_POOL)]
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for i_src in range(_POOL, len(ent)):
        for i_dst in range(_POOL):
            pool[i_dst] = mix(pool[i_dst], hashmix(ent[i_src]))
    out, hb = [], _INIT_B
    for i in range(8):
        v = pool[i % _POOL] ^ hb
        hb = (hb * _MULT_B) & _MASK
        v = (v * hb) & _MASK
        out.append(v ^ (v >> _XSHIFT))
    return np.array(out, dtype=np.uint32)


class _PCG64Seed(ISeedSequence):
    """The seed words PCG64 asks of ``SeedSequence(seed, spawn_key=key)``, computed by
    :func:`_seed_words_nb`; any other request goes to a real ``SeedSequence``."""

    __slots__ = ("key", "seed")

    def __init__(self, seed: int, key: tuple[int, int]) -> None:
        self.seed, self.key = seed, key

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        if n_words == 4 and np.dtype(dtype) == np.uint64:  # PCG64's request
            return _seed_words_nb(self.seed, self.key[0], self.key[1]).view(np.uint64)
        return np.random.SeedSequence(self.seed, spawn_key=self.key).generate_state(n_words, dtype)


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """``n`` run seeds derived from ``base_seed``; replicate i of every scenario uses seed i.

    The list for ``n`` is a prefix of the list for any larger ``n``.
    """
    state = np.random.SeedSequence(int(base_seed)).generate_state(max(int(n), 1), dtype=np.uint32)
    return [int(s) for s in state[: int(n)]]


def fresh_seed() -> int:
    """A new run seed from OS entropy (recorded in the run summary so the run can be repeated)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
