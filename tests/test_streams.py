"""Named random streams (sim.streams) and run reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import TownModel
from sim.streams import (
    BLOCK_WEEKS,
    STREAM_ID,
    RunStreams,
    Streams,
    fresh_seed,
    replicate_seeds,
    stream,
)


def draws(seed, name, week=-1, n=16):
    return stream(seed, name, week).random(n)


@pytest.mark.parametrize("name", list(STREAM_ID))
def test_same_address_same_draws(name):
    np.testing.assert_array_equal(draws(42, name, 3), draws(42, name, 3))
    np.testing.assert_array_equal(draws(42, name), draws(42, name, -1))


def test_different_addresses_differ():
    base = draws(42, "trips", 3)
    others = [draws(42, n, 3) for n in STREAM_ID if n != "trips"]
    others += [draws(42, "trips", w) for w in (-1, 0, 2, 4, 1000)]
    others += [draws(s, "trips", 3) for s in (0, 41, 43, 2**31)]
    for o in others:
        assert not np.array_equal(base, o)
    # all addresses pairwise distinct
    firsts = {
        (s, n, w): stream(s, n, w).random()
        for s in (0, 1, 7)
        for n in STREAM_ID
        for w in (-1, 0, 1, 51)
    }
    assert len(set(firsts.values())) == len(firsts)


def test_stream_independent_of_other_draws():
    """A stream's draws do not depend on how many draws another stream or week made."""
    a = draws(5, "visits", 10)
    g = stream(5, "visits", 9)
    g.random(10_000)
    stream(5, "ties", 10).random(777)
    np.testing.assert_array_equal(a, draws(5, "visits", 10))


def test_stream_ids_unique_and_unknown_name_refused():
    assert len(set(STREAM_ID.values())) == len(STREAM_ID)
    with pytest.raises(KeyError, match="unknown random stream"):
        stream(1, "trip")


def test_replicate_seeds_prefix_property():
    long = replicate_seeds(2024, 20)
    for n in (1, 2, 5, 19, 20):
        assert replicate_seeds(2024, n) == long[:n]
    assert len(set(long)) == 20
    assert all(isinstance(s, int) and s >= 0 for s in long)
    assert replicate_seeds(2025, 5) != long[:5]
    assert replicate_seeds(2024, 0) == []


def test_fresh_seed_is_an_int():
    s = fresh_seed()
    assert isinstance(s, int) and s >= 0


def _run(seed, **kw):
    m = TownModel(
        scenario="co_produced",
        years=0.5,
        residents=300,
        rng=seed,
        overrides={"run": {"burn_in_weeks": 6}},
        **kw,
    )
    m.run()
    return m


def test_same_seed_identical_results():
    a, b = _run(13).results(), _run(13).results()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(a) == 33


def test_same_seed_identical_state():
    a, b = _run(13, town="linear"), _run(13, town="linear")
    for name in ("tie_id", "tie_w", "engagement", "venues", "choice"):
        np.testing.assert_array_equal(getattr(a.world.res, name), getattr(b.world.res, name))
    for name in ("category", "cash", "rent", "chain"):
        np.testing.assert_array_equal(getattr(a.world.units, name), getattr(b.world.units, name))


def test_different_seed_differs():
    a, b = _run(13).results(), _run(14).results()
    assert not a.equals(b)
    assert not np.allclose(a["footfall"].to_numpy(), b["footfall"].to_numpy())


def test_common_random_numbers_burn_in():
    """Scenarios share the burn-in: with the same seed, outcomes agree until levers apply."""
    kw = {"years": 0.5, "residents": 300, "rng": 21, "overrides": {"run": {"burn_in_weeks": 6}}}
    a = TownModel(scenario="consumer_led", **kw)
    b = TownModel(scenario="council_led", **kw)
    for _ in range(6):
        a.step()
        b.step()
    pd.testing.assert_frame_equal(a.results(), b.results(), check_exact=True)


def test_stream_is_seeded_by_numpys_seedsequence():
    """A stream's week is PCG64 whose state and increment are the week's four words of
    SeedSequence(seed, spawn_key=(stream id, phase, block)) (sim.streams.RunStreams)."""
    for s, n, w, spin in (
        (0, "trips", -1, False),
        (5, "visits", 3, True),
        (2**40 + 5, "letting", 2**33, False),
    ):
        block, k = divmod(w + 1, BLOCK_WEEKS)
        ss = np.random.SeedSequence(s, spawn_key=(STREAM_ID[n], int(spin), block))
        words = ss.generate_state(4 * BLOCK_WEEKS, np.uint64)[4 * k : 4 * k + 4]
        bg = np.random.PCG64()
        bg.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": (int(words[0]) << 64) | int(words[1]),
                "inc": (int(words[2]) << 64) | int(words[3]) | 1,
            },
            "has_uint32": 0,
            "uinteger": 0,
        }
        expect = np.random.Generator(bg).random(10)
        np.testing.assert_array_equal(stream(s, n, w, spin_up=spin).random(10), expect)
        np.testing.assert_array_equal(RunStreams(s).generator(n, w, spin).random(10), expect)
    with pytest.raises(ValueError):
        stream(-1, "trips", 0)


def test_run_streams_reseed_each_week():
    """A run's generator of a stream is re-seeded for each week, whatever was drawn before, and
    weeks on either side of a block boundary and of the spin-up differ."""
    run = RunStreams(11)
    a = run.generator("visits", BLOCK_WEEKS - 2).random(1000)
    run.generator("visits", 5).random(77)
    b = run.generator("visits", BLOCK_WEEKS - 2).random(1000)
    np.testing.assert_array_equal(a, b)
    weeks = [run.generator("visits", w).random() for w in range(BLOCK_WEEKS - 3, BLOCK_WEEKS + 2)]
    assert len(set(weeks)) == len(weeks)
    assert run.generator("visits", 4, True).random() != run.generator("visits", 4).random()


def test_week_streams_one_generator_per_decision():
    """Streams(seed, week)[name] is that week's stream of the decision, made once a week."""
    rng = Streams(9, 4)
    g = rng["letting"]
    assert rng["letting"] is g
    np.testing.assert_array_equal(g.random(5), stream(9, "letting", 4).random(5))
    assert not np.array_equal(
        Streams(9, 4)["letting"].random(5), Streams(9, 4)["asset_transfer"].random(5)
    )


def test_one_decision_does_not_shift_another():
    """Drawing more for one decision leaves every other decision's draws unchanged (the fault
    of Covasim issue 373 that named streams prevent)."""
    a, b = Streams(3, 7), Streams(3, 7)
    a["entry"].random(1000)
    np.testing.assert_array_equal(a["letting"].random(8), b["letting"].random(8))
