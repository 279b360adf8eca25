"""Exogenous drivers for one week (MODEL.md, "Drivers any scenario can combine").

The drivers file gives, for each week, the online share of retail spend (the ONS path,
scaled or shifted, plus any shock's boost), a spend multiplier (real earnings, recessions), a
penalty on physical trips (pandemics), the chain-expansion multiplier, the categories a
lockdown closes, the rates relief of the time, revaluations and the planning rules for
conversions and use class E. The table is computed once per run by
:meth:`sim.scenarios.Drivers.weekly`; this rule copies the current week's row into
``world.now``, holding the last row if a run outlasts the table.

Online by what is sold (DATA.md, "Drivers after 2014": online takes comparison goods first,
food slowly, and services, food and drink, leisure and health not at all): the share of a
category's spending bought online this week is ``min(1, exposure_c x online share)``, with the
exposures ``residents.online_<category>`` (0 for categories not sold online).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sim.categories import CAT, N_CAT
from sim.params import Params, ResidentPars
from sim.state import World
from sim.streams import Streams

#: Categories whose goods can be bought online, and their exposure parameters.
ONLINE_CATEGORIES = ("comparison", "convenience", "charity", "startup", "market")


def online_exposure(rp: ResidentPars) -> np.ndarray:
    """Each category's online share of spending per unit of the online share of retail."""
    e = np.zeros(N_CAT)
    for c in ONLINE_CATEGORIES:
        e[CAT[c]] = getattr(rp, f"online_{c}")
    return e


@cache
def _closed(code: int) -> np.ndarray:
    """The categories a lockdown closes, from the drivers' bit code (bit c: category c);
    read-only (shared by the weeks with that code)."""
    closed = (code >> np.arange(N_CAT)) & 1 == 1
    closed.flags.writeable = False
    return closed


def step(world: World, pars: Params, rng: Streams) -> None:
    """Set this week's driver values (``world.now``) from the driver table."""
    table, now = world.driver_table, world.now
    i = min(max(world.week, 0), len(table["online"]) - 1)
    now.online = float(table["online"][i])
    now.spend_mult = float(table["spend_mult"][i])
    now.trip_penalty = float(table["trip_penalty"][i])
    now.chain_expansion = float(table["chain_expansion"][i])
    now.lockdown = _closed(int(table["closed"][i]))
    now.rates_relief = float(table["rates_relief"][i])
    now.revaluation = bool(table["revaluation"][i]) and world.week >= 0
    now.conversion_max_m2 = float(table["conversion_max_m2"][i])
    now.use_class_e = bool(table["use_class_e"][i])
    now.online_cat = np.minimum(online_exposure(pars.residents) * now.online, 1.0)
