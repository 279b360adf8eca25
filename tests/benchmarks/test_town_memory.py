"""Memory linear in units (issue 15), run on purpose:

    .venv/bin/python -m pytest tests/benchmarks/test_town_memory.py --benchmark-only -s

Towns of 5,000 and 10,000 units (the grid layout), each in a fresh interpreter:

* the town: generated, saved as CSV, loaded back (adjacency built twice) and the walking
  distances from 6 arrival units computed; peak traced allocation (tracemalloc, which sees
  numpy's arrays) must at most double when the units double (an n x n matrix would make it
  four times: the 10,000-unit one alone was 800 MB);
* the model: a TownModel on the loaded town (5,000 residents) built and stepped 4 weeks;
  the growth of peak RSS over the interpreter's after imports must at most double too, and
  stay under 1 GB at 10,000 units (it was 4.1 GB before issue 15).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_CHILD = r"""
import json, resource, sys, tempfile, tracemalloc
from pathlib import Path
import numpy as np
from sim.model import TownModel
from sim.town import generate_town, load_town, save_town

n = int(sys.argv[1])
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: KB)
tracemalloc.start()
with tempfile.TemporaryDirectory() as d:
    town = load_town(save_town(generate_town("grid", n), Path(d) / "t.csv"))
    walk = town.walk_distance_from(np.arange(6))
_, town_peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
model = TownModel("consumer_led", None, town, residents=5000, years=1, rng=1)
for _ in range(4):
    model.step()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"units": town.n_units, "town_mb": town_peak / 2**20, "rss0_mb": rss0,
                  "rss_mb": rss1, "model_mb": rss1 - rss0}))
"""


def _measure(n: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.benchmark(group="memory")
def test_town_and_model_memory_linear_in_units(benchmark):
    small = _measure(5_000)
    big = benchmark.pedantic(_measure, args=(10_000,), rounds=1, iterations=1)
    assert small["units"] == 5_000 and big["units"] == 10_000
    town_ratio = big["town_mb"] / small["town_mb"]
    model_ratio = big["model_mb"] / small["model_mb"]
    benchmark.extra_info.update(
        {"small": small, "big": big, "town_ratio": town_ratio, "model_ratio": model_ratio}
    )
    for r in (small, big):
        print(
            f"\n{r['units']:,} units: town peak {r['town_mb']:.1f} MB traced; model peak RSS "
            f"{r['rss_mb']:.0f} MB ({r['model_mb']:.0f} MB over {r['rss0_mb']:.0f} MB after "
            "imports)"
        )
    print(f"ratios 10,000 / 5,000 units: town {town_ratio:.2f}, model {model_ratio:.2f}")
    assert town_ratio <= 2.1
    assert model_ratio <= 2.1
    assert big["rss_mb"] < 1024
