"""Wall time of a model step without a profiler (issue 3, target 4).

    PYTHONPATH=. .venv/bin/python experiments/step_time.py 10000 3

Builds ``TownModel(rng=4, residents=N, years=10)`` as the scaling benchmark does, steps 10
weeks, then times 60 weeks; prints, per repeat, the median of weeks 11-46 (the benchmark's
figure) and the 25th percentile of all 60 (steadier on a busy machine). Compare two trees by
running this script in both at the same time, so that both see the same load.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from sim.model import TownModel


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    meds, p25s = [], []
    for _ in range(reps):
        m = TownModel(rng=4, residents=n, years=10)
        for _ in range(10):
            m.step()
        times = []
        for _ in range(60):
            t0 = time.perf_counter()
            m.step()
            times.append(time.perf_counter() - t0)
        meds.append(np.median(times[:36]) * 1e3)
        p25s.append(np.percentile(times, 25) * 1e3)
    print(
        f"{n} residents, load {os.getloadavg()[0]:.2f}: median of weeks 11-46 "
        f"{' '.join(f'{x:.2f}' for x in meds)} ms; 25th percentile of weeks 11-70 "
        f"{' '.join(f'{x:.2f}' for x in p25s)} ms"
    )


if __name__ == "__main__":
    main()
