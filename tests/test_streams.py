"""Named random streams (sim.streams) and run reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import TownModel
from sim.streams import STREAM_ID, Streams, fresh_seed, replicate_seeds, stream


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


def test_stream_is_numpys_seedsequence():
    """A stream is PCG64 seeded by numpy's SeedSequence(seed, spawn_key=(stream id, week + 1))."""
    for s, n, w in ((0, "trips", -1), (5, "visits", 3), (2**40 + 5, "letting", 2**33)):
        ss = np.random.SeedSequence(s, spawn_key=(STREAM_ID[n], w + 1))
        np.testing.assert_array_equal(
            stream(s, n, w).random(10), np.random.Generator(np.random.PCG64(ss)).random(10)
        )
    with pytest.raises(ValueError):
        stream(-1, "trips", 0)


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
