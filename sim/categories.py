"""Use categories, formats and owner types shared by every layer (MODEL.md, "Occupiers").

This is the bottom of the import stack: plain tuples and numpy arrays, no behaviour.
Per-category economic figures (spend weight, margin, fixed costs, meeting rate) live
here as one aligned table so that every number sits on one line with its unit and source.
"""

from __future__ import annotations

import numpy as np

#: The 12 use categories of MODEL.md ("about 10-12 groups"). Codes are the indices.
CATEGORIES: tuple[str, ...] = (
    "convenience",  # 0  grocery, newsagent, pharmacy counter (A1 convenience)
    "comparison",  # 1  clothing, household, electrical, books (A1 comparison)
    "food_drink",  # 2  cafes, restaurants, pubs: a third place
    "services",  # 3  hairdressers, banks, estate agents, repairs
    "leisure",  # 4  gyms, cinemas, bowling, betting
    "health",  # 5  GP, dentist, optician, pharmacy
    "charity",  # 6  charity shops (80% mandatory rates relief)
    "community",  # 7  community hub, library outreach: non-commercial, sponsored
    "startup",  # 8  start-up or pop-up: independent, meanwhile-friendly
    "learning",  # 9  adult learning, training, makerspace: non-commercial, sponsored
    "voluntary",  # 10 voluntary project or social enterprise: non-commercial, sponsored
    "market",  # 11 market hall or stalls: a third place
)
N_CAT: int = len(CATEGORIES)
CAT: dict[str, int] = {name: i for i, name in enumerate(CATEGORIES)}
VACANT: int = -1  # category code of an empty unit
CONVERTED: int = -2  # category code of a unit that has left the commercial stock (homes, ...)

#: Owner (landlord) kinds of MODEL.md, "Landlords".
OWNER_TYPES: tuple[str, ...] = ("institutional", "local_private", "council", "community")
OWNER: dict[str, int] = {name: i for i, name in enumerate(OWNER_TYPES)}

#: Occupier formats.
FORMATS: tuple[str, ...] = ("independent", "chain")

#: Sponsor kinds of a non-commercial use (MODEL.md: council budget, Town Team fund, volunteers;
#: "own_funds": a community group on a meanwhile licence paying its way from its own money).
SPONSORS: tuple[str, ...] = ("none", "council", "town_team", "volunteers", "own_funds")
SPONSOR: dict[str, int] = {name: i for i, name in enumerate(SPONSORS)}

# Per-category table. Columns:
#   commercial  takes resident spend (community, learning, voluntary do not: MODEL.md)
#   chainable   a chain can trade in this category
#   spend_w     share of a visit's budget spent here (1 = the full per-visit budget)
#   margin      gross margin on revenue (ONS Annual Business Survey, retail ~0.3-0.45)
#   fixed       fixed costs excluding rent and rates, GBP per m2 per week (staff, utilities).
#               Assumption, to calibrate: set so that the average unit of each category
#               earns ~25% over its costs in the example town's first week:
#               fixed = gross profit per m2 / 1.25 - (rent + rates ~ GBP5.8/m2/week);
#               occupancy costs (rent + rates) are then ~40% of gross profit, as in UK retail
#   attract     attractiveness per m2 relative to comparison retail (Huff A_j weight)
#   meet        weekly probability that a visitor meets another visitor here (third places high)
#   shop_type   counts as a "shop type" for the clone-town index (NEF 2005 surveyed shops)
#   retail_use  initial planning use class is retail (a non-retail entrant needs permission)
#                 commercial chainable spend_w margin fixed attract meet  shop_type retail_use
_TABLE = (
    ("convenience", 1, 1, 1.00, 0.30, 5.2, 1.00, 0.04, 1, 1),
    ("comparison", 1, 1, 1.00, 0.40, 8.9, 1.00, 0.03, 1, 1),
    ("food_drink", 1, 1, 0.60, 0.60, 9.6, 1.10, 0.20, 1, 0),
    ("services", 1, 1, 0.70, 0.55, 9.2, 0.80, 0.06, 1, 0),
    ("leisure", 1, 1, 0.70, 0.55, 7.8, 0.90, 0.12, 1, 0),
    ("health", 1, 1, 0.50, 0.50, 2.6, 0.90, 0.05, 1, 0),
    ("charity", 1, 0, 0.30, 0.90, 4.0, 0.70, 0.08, 1, 1),
    ("community", 0, 0, 0.00, 0.00, 4.0, 0.90, 0.35, 0, 0),
    ("startup", 1, 0, 0.70, 0.45, 5.4, 1.00, 0.10, 1, 1),
    ("learning", 0, 0, 0.00, 0.00, 4.0, 0.80, 0.30, 0, 0),
    ("voluntary", 0, 0, 0.00, 0.00, 3.0, 0.80, 0.35, 0, 0),
    ("market", 1, 0, 0.70, 0.40, 14.0, 1.20, 0.25, 1, 0),
)
assert tuple(row[0] for row in _TABLE) == CATEGORIES

COMMERCIAL = np.array([r[1] for r in _TABLE], dtype=np.bool_)
CHAINABLE = np.array([r[2] for r in _TABLE], dtype=np.bool_)
SPEND_W = np.array([r[3] for r in _TABLE], dtype=np.float64)
MARGIN = np.array([r[4] for r in _TABLE], dtype=np.float64)
FIXED_PER_M2 = np.array([r[5] for r in _TABLE], dtype=np.float64)
ATTRACT = np.array([r[6] for r in _TABLE], dtype=np.float64)
MEET = np.array([r[7] for r in _TABLE], dtype=np.float64)
SHOP_TYPE = np.array([r[8] for r in _TABLE], dtype=np.bool_)
RETAIL_USE = np.array([r[9] for r in _TABLE], dtype=np.bool_)
NONCOMMERCIAL = ~COMMERCIAL

#: The chains' template mix (shares of units by category) used for "distance from the chains'
#: template": a typical clone-town parade of convenience, comparison, food and drink, services
#: and health multiples (NEF 2005 description of clone towns).
CHAIN_TEMPLATE = np.array(
    [0.18, 0.32, 0.24, 0.14, 0.04, 0.08, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float64
)
assert abs(CHAIN_TEMPLATE.sum() - 1.0) < 1e-12

#: NEF's survey distinguishes 25 shop types; the model has fewer shop categories, so the
#: clone-town index scales the count of types present by 25 / (number of shop-type categories).
NEF_TYPES: int = 25
N_SHOP_TYPES: int = int(SHOP_TYPE.sum())
