"""Wall time of one whole run in this process (imports, initialisation and every step), for
comparing two versions of the code on the same machine in one session (docs/performance.md).

    PYTHONPATH=/path/to/checkout .venv/bin/python experiments/run_time.py RESIDENTS YEARS [SPIN_UP]

SPIN_UP (weeks before week 0; the default is the model's) is left out for code older than
issue 13, which has no spin-up. Consumer-led, the example town, the default drivers, seed 1.
"""

from __future__ import annotations

import sys
import time

t0 = time.perf_counter()
from sim.model import TownModel  # noqa: E402  (the import is part of the time)


def main() -> None:
    residents, years = int(sys.argv[1]), float(sys.argv[2])
    kw: dict = {"rng": 1, "years": years, "residents": residents}
    if len(sys.argv) > 3:
        kw["overrides"] = {"run": {"spin_up_weeks": int(sys.argv[3])}}
    m = TownModel(**kw)
    while m.running:
        m.step()
    spin = sys.argv[3] if len(sys.argv) > 3 else "none"
    print(f"{residents} residents, {years:g} years, spin-up {spin}: "
          f"{time.perf_counter() - t0:.2f} s wall")  # fmt: skip


if __name__ == "__main__":
    main()
