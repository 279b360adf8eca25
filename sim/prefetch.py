"""A memory prefetch hint for the numba kernels (docs/performance.md, "Model speed").

At 10^6 residents the kernels spend most of their time waiting for memory: each resident's
ties point at random other residents, whose rows (last week's venues, whether they went to
the centre, their zone, their tie row) are far apart in arrays of several MB. The kernels
call :func:`prefetch_row` for a resident a few iterations ahead, so those rows are on their
way to the cache when the loop reaches them.

A prefetch is only a hint to the CPU (LLVM's ``llvm.prefetch``): it reads nothing, writes
nothing, never faults, and cannot change any result, so the plain-Python references of the
kernels have nothing to mirror. It is usable only inside numba-compiled code.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch_row(typingctx: Any, arr: Any, i: Any) -> Any:
    """Hint the CPU to fetch ``arr[i]`` (the start of row ``i`` of a 1-D or 2-D array).

    Only inside numba kernels; ``i`` must be a valid row index (the hint is not checked).
    """
    if not isinstance(arr, types.Array) or not isinstance(i, types.Integer):
        return None
    sig = types.void(arr, i)

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = context.cast(builder, args[1], idxty, types.intp)
        stride0 = cgutils.unpack_tuple(builder, ary.strides)[0]
        base = builder.ptrtoint(ary.data, cgutils.intp_t)
        addr = builder.add(base, builder.mul(idx, stride0))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        # the typed-pointer name: older LLVMs need it, newer ones upgrade it to llvm.prefetch.p0
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read (0), high temporal locality (3), data cache (1)
        ptr = builder.inttoptr(addr, i8p)
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
