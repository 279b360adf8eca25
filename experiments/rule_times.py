"""Time of each rule inside real model steps, per week (issue 3, target 4).

    PYTHONPATH=. .venv/bin/python experiments/rule_times.py 300 600      # residents, weeks
    PYTHONPATH=. .venv/bin/python experiments/rule_times.py 10000 300

Builds ``TownModel(rng=4, residents=N, years=10)``, steps 10 weeks, then wraps the rules of
``TownModel.step`` with ``perf_counter`` and steps the given number of weeks. Prints, per
rule, the median and the 10th percentile of its time per week in ms, and what is left in the
step body. Unlike a
profiler this adds ~0.3 us a call, and unlike a warm ``timeit`` loop it sees the rules with
the caches and branch predictors a real week leaves them (often twice as slow). The host's
speed drifts, so compare two versions by running them alternately.
"""

from __future__ import annotations

import collections
import sys
import time

import numpy as np

import sim.model as M
from sim.model import TownModel

RULES = {
    M.drivers: ("step",),
    M.council: ("step", "close_week"),
    M.town_team: ("step", "close_week"),
    M.visits: ("group_weights", "step"),
    M.trips: ("step",),
    M.ties: ("step",),
    M.engagement: ("step",),
    M.market: ("step",),
    M.occupiers: ("step",),
    M.landlords: ("offer_renewals", "step", "let"),
    M.entrants: ("step",),
}
METHODS = ("_sync_agents", "pars_at")


def main() -> None:
    n_res = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    weeks = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    acc: dict[str, np.ndarray] = collections.defaultdict(lambda: np.zeros(weeks))
    week = [0]

    def wrap(obj: object, name: str, label: str) -> None:
        f = getattr(obj, name)

        def timed(*a, **k):
            t0 = time.perf_counter()
            r = f(*a, **k)
            acc[label][week[0]] += time.perf_counter() - t0
            return r

        setattr(obj, name, timed)

    m = TownModel(residents=n_res, years=10, rng=4)
    for _ in range(10):
        m.step()
    for mod, names in RULES.items():
        for n in names:
            wrap(mod, n, f"{mod.__name__.rsplit('.', 1)[-1]}.{n}")
    wrap(M, "measure", "measure")
    for n in METHODS:
        wrap(m, n, n)
    wrap(m.datacollector, "collect", "collect")
    total = np.zeros(weeks)
    for s in range(weeks):
        week[0] = s
        t0 = time.perf_counter()
        m.step()
        total[s] = time.perf_counter() - t0
    rest = total - sum(acc.values())
    print(f"{n_res} residents, {weeks} weeks: step median {np.median(total) * 1e3:.3f} ms")
    print(f"{'median ms':>10} {'p10 ms':>8}  call")
    for k, v in sorted(acc.items(), key=lambda kv: -np.median(kv[1])) + [("(rest)", rest)]:
        print(f"{np.median(v) * 1e3:10.3f} {np.percentile(v, 10) * 1e3:8.3f}  {k}")


if __name__ == "__main__":
    main()
