"""Shared choice maths: multinomial logit probabilities and inverse-CDF sampling.

Huff's model is a logit with V = a ln A - b ln d (DATA.md, "Destination choice"). The
``_nb`` functions here are used inside the resident-scale numba kernels; their plain
references use :func:`logit_shares` and ``np.searchsorted``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def pick_logit3_nb(v0: float, v1: float, v2: float, u: float) -> int:
    """Index (0-2) drawn from softmax([v0, v1, v2]) by inverse CDF with the uniform draw
    ``u`` in [0, 1), in registers (each exponential computed once)."""
    m = max(v0, v1, v2)
    e0 = math.exp(v0 - m)
    e1 = math.exp(v1 - m)
    e2 = math.exp(v2 - m)
    target = u * (e0 + e1 + e2)
    if target < e0:
        return 0
    if target < e0 + e1:
        return 1
    return 2


@njit(cache=True)
def guide_tables_nb(cum: np.ndarray, tot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Guide tables for :func:`search_guided_nb` on every row of ``cum`` (G, n).

    Row g is cut into B = max(n, 1) buckets of width ``width[g] = tot[g] / B``; bucket b
    starts at lb(g, b) = b * width[g] (-inf for b = 0), a product computed again where it is
    needed rather than stored (one multiplication, the same double). ``guide[g, b]`` (int32)
    is the first index k < n - 1 with cum[g, k] > lb(g, b) (n - 1 if none), and ``scale[g]
    = B / tot[g]`` (0 if tot[g] <= 0). Returns ``(guide, width, scale)``.

    For a non-decreasing row (running sums of weights) the first such k is the number of
    k < n - 1 with cum[g, k] <= lb(g, b), so each unit's bucket count m_k = #{b >= 1: lb(g, b)
    < cum[g, k]} is found arithmetically (an estimate from ``scale``, corrected by exact
    comparisons) and the guide is a running sum of the histogram of the m_k: no branch that
    depends on the data, where the walk of :func:`_guide_row_walk_nb` mispredicted about once
    per bucket (~0.1 ms a week for 48 groups x 300 units). A row that is not non-decreasing
    (a NaN) takes the walk.
    """
    G, n = cum.shape
    B = max(n, 1)
    guide = np.zeros((G, B), np.int32)
    width = np.empty(G)
    scale = np.zeros(G)
    hist = np.zeros(B + 1, np.int64)
    for g in range(G):
        wd = tot[g] / B
        width[g] = wd
        if tot[g] > 0.0:
            scale[g] = B / tot[g]
        monotone = True
        for k in range(1, n - 1):
            if not (cum[g, k - 1] <= cum[g, k]):
                monotone = False
        if n > 1 and not (cum[g, 0] == cum[g, 0]):
            monotone = False
        if not monotone:
            _guide_row_walk_nb(cum[g], wd, guide[g])
            continue
        hist[:] = 0
        sc = scale[g]
        for k in range(n - 1):
            c = cum[g, k]
            q = c * sc
            m = int(q) if 0.0 <= q < B else (B - 1 if q >= B else 0)
            if m > B - 1:
                m = B - 1
            while m < B - 1 and (m + 1) * wd < c:
                m += 1
            while m > 0 and not (m * wd < c):
                m -= 1
            hist[m] += 1
        acc = 0
        for b in range(1, B):
            acc += hist[b - 1]
            guide[g, b] = acc
    return guide, width, scale


@njit(cache=True)
def _guide_row_walk_nb(cum: np.ndarray, wd: float, guide: np.ndarray) -> None:
    """One row of :func:`guide_tables_nb` by walking up ``cum`` bucket by bucket (any row)."""
    n = cum.shape[0]
    k = 0
    guide[0] = 0
    for b in range(1, guide.shape[0]):
        lb = b * wd
        while k < n - 1 and not (cum[k] > lb):
            k += 1
        guide[b] = k


@njit(cache=True, inline="always")
def search_guided_nb(
    cum: np.ndarray, guide: np.ndarray, width: float, scale: float, target: float
) -> int:
    """The first index k with ``target < cum[k]`` (``np.searchsorted(cum, target, "right")``,
    at most the last index) for non-decreasing ``cum``, using one row of
    :func:`guide_tables_nb`: jump to the target's bucket, then walk up.

    Every index before ``guide[b]`` has cum <= lb(b) <= target, so the first index with
    target < cum is at or after it; with about one unit per bucket the walk is short and,
    unlike a binary search, rarely mispredicts a branch.
    """
    n = cum.shape[0]
    x = target * scale
    b = int(x) if x < guide.shape[0] - 1 else guide.shape[0] - 1
    if b < 0:
        b = 0
    while b > 0 and b * width > target:  # lb(0) = -inf
        b -= 1
    k = int(guide[b])
    while k < n - 1 and not (target < cum[k]):
        k += 1
    return k


def logit_shares(v: np.ndarray) -> np.ndarray:
    """Softmax of the last axis (probabilities of a multinomial logit)."""
    z = np.exp(v - v.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)
