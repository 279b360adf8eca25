"""Exogenous drivers for one week (MODEL.md, "Drivers any scenario can combine").

The drivers file gives, for each week, the online share of retail spend (the ONS path,
scaled or shifted), a spend multiplier (recessions), a penalty on physical trips and a boost
to online (pandemics), and the chain-expansion multiplier. The table is computed once per
run by :meth:`sim.scenarios.Drivers.weekly`; this rule reads the current week's row, holding
the last row if a run outlasts the table.
"""

from __future__ import annotations

import numpy as np


def this_week(table: dict[str, np.ndarray], week: int) -> dict[str, float]:
    """Driver values of ``week`` as plain floats."""
    n = len(table["online"])
    i = min(max(week, 0), n - 1)
    return {k: float(v[i]) for k, v in table.items()}
