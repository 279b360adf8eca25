"""Exogenous drivers for one week (MODEL.md, "Drivers any scenario can combine").

The drivers file gives, for each week, the online share of retail spend (the ONS path,
scaled or shifted), a spend multiplier (recessions), a penalty on physical trips and a boost
to online (pandemics), and the chain-expansion multiplier. The table is computed once per
run by :meth:`sim.scenarios.Drivers.weekly`; this rule copies the current week's row into
``world.now``, holding the last row if a run outlasts the table.
"""

from __future__ import annotations

from sim.params import Params
from sim.state import World
from sim.streams import Streams


def step(world: World, pars: Params, rng: Streams) -> None:
    """Set this week's driver values (``world.now``) from the driver table."""
    table, now = world.driver_table, world.now
    i = min(max(world.week, 0), len(table["online"]) - 1)
    now.online = float(table["online"][i])
    now.spend_mult = float(table["spend_mult"][i])
    now.trip_penalty = float(table["trip_penalty"][i])
    now.online_boost = float(table["online_boost"][i])
    now.chain_expansion = float(table["chain_expansion"][i])
