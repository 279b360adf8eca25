"""numpy's float64 sum (and ``np.maximum``) inside numba kernels, bit for bit
(docs/performance.md, "Model speed").

``np.sum`` of a 1-D contiguous float64 array is not a sequential loop: numpy adds the values
pairwise (blocks of up to 128 values, each summed in 8 interleaved partial sums, larger arrays
split in halves at a multiple of 8) and adds the result to the identity 0.0. A kernel that must
give the same float as the numpy code it replaces calls :func:`pairwise_sum_nb`, which follows
numpy's ``pairwise_sum`` (numpy/_core/src/umath/loops_utils.h.src) step for step;
``tests/test_kernels.py`` checks it against ``np.sum`` for every length up to a few hundred and
for larger ones, including signed zeros, infinities and NaN.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True)
def np_maximum_nb(a: float, b: float) -> float:
    """``np.maximum`` of two floats inside numba kernels (NaN if either is NaN)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@njit(cache=True)
def np_minimum_nb(a: float, b: float) -> float:
    """``np.minimum`` of two floats inside numba kernels (NaN if either is NaN)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@njit(cache=True)
def _block_nb(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's sum of ``a[lo:lo + n]`` for n <= 128 (one leaf of the pairwise tree)."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    end = n - (n % 8)
    while i < end:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_nb(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's ``pairwise_sum`` of ``a[lo:lo + n]``: blocks of <= 128 are leaves; a longer
    range is split at n2 = n / 2 rounded down to a multiple of 8 and the halves are added
    (left + right). Evaluated with explicit stacks (numba's cache cannot hold a recursive
    function called from another module)."""
    if n <= _BLOCK:
        return _block_nb(a, lo, n)
    # tasks: (lo, n, kind) with kind 0 = evaluate the range, 1 = add the top two values
    t_lo = np.empty(256, np.int64)
    t_n = np.empty(256, np.int64)
    t_kind = np.empty(256, np.int64)
    vals = np.empty(256)
    nt = 1
    nv = 0
    t_lo[0] = lo
    t_n[0] = n
    t_kind[0] = 0
    while nt > 0:
        nt -= 1
        tl, tn, kind = t_lo[nt], t_n[nt], t_kind[nt]
        if kind == 1:
            right = vals[nv - 1]
            left = vals[nv - 2]
            nv -= 2
            vals[nv] = left + right
            nv += 1
        elif tn <= _BLOCK:
            vals[nv] = _block_nb(a, tl, tn)
            nv += 1
        else:
            n2 = tn // 2
            n2 -= n2 % 8
            t_kind[nt] = 1  # runs after both halves
            t_lo[nt + 1], t_n[nt + 1], t_kind[nt + 1] = tl + n2, tn - n2, 0  # right, second
            t_lo[nt + 2], t_n[nt + 2], t_kind[nt + 2] = tl, n2, 0  # left, first
            nt += 3
    return vals[0]


@njit(cache=True)
def pairwise_sum_nb(a: np.ndarray) -> float:
    """``float(np.sum(a))`` for a 1-D float64 array ``a``, the same bits (numba only)."""
    return 0.0 + _pairwise_nb(a, 0, a.shape[0])


def pairwise_sum_ref(a: np.ndarray) -> float:
    """What :func:`pairwise_sum_nb` must equal: numpy's own sum."""
    return float(np.sum(np.asarray(a, dtype=np.float64)))
