"""Where a model step spends its time: cProfile, milliseconds per step (issue 3).

    .venv/bin/python experiments/profile_step.py                     # 10^6 residents
    .venv/bin/python experiments/profile_step.py --residents 100000 --warm 20 --steps 20

Builds ``TownModel(residents=R, rng=SEED)`` (consumer-led defaults), steps ``--warm`` weeks
unprofiled (ties and visits build up), then profiles ``--steps`` weeks and prints the
functions with the most cumulative time, in ms per step. Compare versions by running this
script alternately with each (the machine's load moves absolute figures a lot).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from sim.model import TownModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--warm", type=int, default=30, help="weeks stepped before profiling")
    ap.add_argument("--steps", type=int, default=12, help="weeks profiled")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=25, help="rows printed")
    args = ap.parse_args()
    m = TownModel(residents=args.residents, years=2, rng=args.seed)
    for _ in range(args.warm):
        m.step()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(args.steps):
        m.step()
    prof.disable()
    wall = (time.perf_counter() - t0) / args.steps * 1e3
    n = args.steps
    rows = []
    for (path, line, name), (_cc, calls, tot, cum, _callers) in pstats.Stats(prof).stats.items():
        where = f"{os.path.basename(path)}:{line}({name})"
        rows.append((cum / n * 1e3, tot / n * 1e3, calls / n, where))
    rows.sort(reverse=True)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')}, {args.residents} residents, weeks "
        f"{args.warm}-{args.warm + n}, load average {os.getloadavg()[0]:.2f}: "
        f"{wall:.1f} ms per step (profiled)"
    )
    print(f"{'cum ms':>8} {'own ms':>8} {'calls':>7}  function")
    for cum, tot, calls, where in rows[: args.top]:
        print(f"{cum:8.1f} {tot:8.1f} {calls:7.1f}  {where}")


if __name__ == "__main__":
    main()
