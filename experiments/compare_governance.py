"""Compare the four governance scenarios on the example town (the README's first command).

Equivalent to ``towncentre compare`` with its defaults: consumer_led, council_led,
town_team and co_produced, 10 seeds from base seed 0, the baseline drivers, the bundled
example town, 10 years after a one-year burn-in, outputs in ``results/compare``. Any
``towncentre compare`` option may be added and overrides the defaults, e.g.::

    .venv/bin/python experiments/compare_governance.py --seeds 20 --out results/compare20
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source checkout

from sim.cli import main  # noqa: E402

DEFAULTS: list[str] = ["--seeds", "10", "--base-seed", "0", "--out", "results/compare"]

if __name__ == "__main__":
    sys.exit(main(["compare", *DEFAULTS, *sys.argv[1:]]))
