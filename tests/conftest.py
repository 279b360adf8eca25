"""Shared fixtures: small, fast models for the test suite."""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Hypothesis profiles (docs/reliability.md): "ci" (default: few, derandomized examples, so the
# suite is reproducible and fast) and "long" (on demand: `pytest --hypothesis-profile=long` or
# HYPOTHESIS_PROFILE=long). Tests scale their example counts by the profile's max_examples.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=10, deadline=None, derandomize=True, suppress_health_check=_SLOW
)
settings.register_profile("long", max_examples=200, deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from sim.model import TownModel  # noqa: E402


def _make_model(seed: int = 1, steps: int = 0, **kwargs) -> TownModel:
    kw = {"rng": seed, "years": 0.5, "residents": 300, "town": "linear"}
    kw.update(kwargs)
    m = TownModel(**kw)
    for _ in range(steps):
        m.step()
    return m


@pytest.fixture(scope="session")
def make_model():
    """Factory: ``make_model(seed=1, steps=0, **TownModel kwargs)`` gives a small model
    (300 residents, half a year, the generated 200-unit linear town) after ``steps`` weeks."""
    return _make_model


@pytest.fixture
def small_model() -> TownModel:
    """A fresh small model on the linear layout (not yet stepped)."""
    return _make_model()


@pytest.fixture(scope="module")
def warm_model() -> TownModel:
    """A small model after 12 weeks: ties and venues are populated. Treat as read-only."""
    return _make_model(seed=7, steps=12)
