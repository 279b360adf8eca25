"""Issue 15, done-when 2: consumer-led vacancy after 10 years on generated towns of 60, 300
and 900 units, each with the catchment the model derives for it (no per-town settings).

    .venv/bin/python experiments/town_sizes.py [--seeds 5] [--residents 5000]

Prints, per town, its units, derived households, and the final-year vacancy rate (mean over
seeds, and each seed's); exits 1 if a mean lies outside 5-25%.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from sim.model import TownModel
from sim.town import resolve_town


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--residents", type=int, default=5000)
    ap.add_argument("--layout", default="grid")
    a = ap.parse_args()
    ok = True
    for n in (60, 300, 900):
        town = resolve_town(f"generated:{a.layout}:{n}")
        vac = []
        for seed in range(a.seeds):
            m = TownModel("consumer_led", town=town, residents=a.residents, years=10, rng=seed)
            m.run()
            vac.append(float(m.results()["vacancy_rate"].iloc[-52:].mean()))
        mean = float(np.mean(vac))
        ok &= 0.05 <= mean <= 0.25
        print(
            f"{n} units ({town.households:,.0f} households derived): vacancy after 10 years "
            f"{mean:.1%} (seeds: {', '.join(f'{v:.1%}' for v in vac)})",
            flush=True,
        )
    print("all within 5-25%" if ok else "OUTSIDE 5-25%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
