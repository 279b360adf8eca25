"""Scenario discovery with EMA Workbench and PRIM on the town-centre model.

Levers (the council's business-rate multiplier and public-realm spending) and
uncertainties (the online-share path, fixed costs, entrant arrivals, the trip constant) are
sampled by EMA Workbench; every experiment runs the same replicate seeds (common random
numbers). PRIM then looks for the regions of the uncertainty space where vacancy is high
(the worst quarter of experiments).

    python experiments/ema_prim_example.py             # 200 experiments x 2 seeds, 2 processes
    python experiments/ema_prim_example.py --small     # a tiny, serial version (seconds)

Writes ``experiments.csv`` (inputs and outcomes of every experiment), ``prim_box.txt`` (the
chosen box) and ``prim_tradeoff.png`` (PRIM's coverage-density trade-off) to ``--out``
(default ``results/ema_prim``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from sim.ema import make_model

LEVERS = {"council.rates_multiplier": (0.2, 0.8), "council.public_realm": (0.0, 20000.0)}
UNCERTAINTIES = {
    "drivers.online_scale": (0.5, 2.0),
    "occupiers.fixed_scale": (0.7, 1.3),
    "entrants.arrival_rate": (1.0, 4.0),
    "residents.trip_const": (0.0, 2.0),
}
OUTCOMES = ["vacancy_rate", "shannon", "footfall", "council_net"]


def main() -> None:
    """Run the experiments, then PRIM on high vacancy."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="tiny, serial run (for tests)")
    ap.add_argument("--out", default="results/ema_prim", help="output folder")
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator
    from ema_workbench.analysis import prim

    if args.small:
        size = {"town": "generated:linear:12:1", "residents": 30, "years": 0.06}
        fixed = {"run.burn_in_weeks": 0}
        n_scenarios, n_policies, replications = 8, 1, 2
    else:
        size = {"residents": 2000, "years": 10.0}
        fixed = {}
        n_scenarios, n_policies, replications = 100, 2, 2
    model = make_model(
        levers=LEVERS,
        uncertainties=UNCERTAINTIES,
        outcomes=OUTCOMES,
        replications=replications,
        fixed=fixed,
        **size,
    )
    evaluator = SequentialEvaluator(model) if args.small else MultiprocessingEvaluator(model, 2)
    with evaluator as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=n_scenarios, policies=n_policies)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = experiments.copy()
    for k, v in outcomes.items():
        table[k] = v
    table.to_csv(out / "experiments.csv", index=False)

    # PRIM: where is vacancy in its worst quarter?
    # (by rank, so that both classes exist even when many runs tie)
    vac = np.asarray(outcomes["vacancy_rate"])
    y = np.zeros(len(vac), dtype=bool)
    y[np.argsort(-vac, kind="stable")[: max(1, len(vac) // 4)]] = True
    x = experiments[[k.replace(".", "__") for k in UNCERTAINTIES]]
    box = prim.Prim(x, y, threshold=0.5).find_box()
    text = box.inspect(style="data")
    (out / "prim_box.txt").write_text(str(text) + "\n", encoding="utf-8")
    box.show_tradeoff()
    plt.savefig(out / "prim_tradeoff.png", dpi=110)
    plt.close("all")
    print(f"{len(experiments)} experiments x {replications} seeds; PRIM box of high vacancy:")
    print(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
