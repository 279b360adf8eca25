"""The visit-choice rule written as a Mesa user would write it: one ``mesa.Agent`` per
resident, each choosing a venue with numpy in its own ``step``. This is the baseline that
the numba kernel is measured against (issue 3, target 1); it is not used by the model.
"""

from __future__ import annotations

import mesa
import numpy as np


class Shopper(mesa.Agent):
    """A resident choosing venues by the same logit as :mod:`sim.rules.visits`."""

    def __init__(self, model: VisitModel, group: int, budget: float, trips: int) -> None:
        super().__init__(model)
        self.group = group
        self.budget = budget
        self.trips = trips

    def step(self) -> None:
        m = self.model
        if self.trips != 1:  # only centre visitors choose venues
            return
        w = m.weights[self.group]  # exp(utility) of each unit for this agent's group
        p = w / w.sum()
        for _ in range(m.k):
            j = m.rng.choice(len(p), p=p)
            m.revenue[j] += self.budget / m.k * m.spend_w[j]


class VisitModel(mesa.Model):
    """Holds the shared unit arrays and the shoppers."""

    def __init__(self, weights, group, budget, choice, spend_w, k, seed=0) -> None:
        super().__init__(rng=seed)
        self.weights = weights
        self.spend_w = spend_w
        self.k = k
        self.revenue = np.zeros(weights.shape[1])
        for g, b, c in zip(group, budget, choice, strict=True):
            Shopper(self, int(g), float(b), int(c))

    def step(self) -> None:
        self.revenue[:] = 0.0
        self.agents.do("step")
