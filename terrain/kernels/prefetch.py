"""Software prefetch of one grid cell's cache line (LLVM's ``llvm.prefetch``), for strided sweeps that the
hardware prefetchers do not follow: down a column of a row-major grid every cell is on another page.

Measured on the 3601² benchmark tile (2 cores, Intel Xeon VM): the E/W octants' block copies
(``rays._load_block``, ``rays._store_block``) with rows prefetched 8 ahead took 2-4 ms less per octant
(of 17-24 ms); 16 rows ahead was slower than none (too many lines in flight).
"""

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_NAME = "llvm.prefetch.p0" if llvm.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"  # opaque pointers or not
_KEEP = 3  # locality: keep in every cache level
_DATA = 1  # data (not instruction) cache


def _prefetch(write: int):
    """An intrinsic (grid, r, c) hinting that cell (r, c) of the 2-D array ``grid`` will soon be read
    (write 0) or written (1). No bounds check: a prefetch never faults, but the caller keeps (r, c) inside
    so that the hint is of use."""

    def typer(typingctx, grid, r, c):
        if not (isinstance(grid, types.Array) and grid.ndim == 2):
            return None
        sig = types.void(grid, r, c)

        def codegen(context, builder, signature, args):
            gty = signature.args[0]
            ary = context.make_array(gty)(context, builder, args[0])
            inds = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:], strict=True)]
            ptr = cgutils.get_item_pointer2(context, builder, data=ary.data,
                                            shape=cgutils.unpack_tuple(builder, ary.shape),
                                            strides=cgutils.unpack_tuple(builder, ary.strides), layout=gty.layout,
                                            inds=inds, wraparound=False, boundscheck=False)
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                                _NAME)
            builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, write), ir.Constant(i32, _KEEP),
                              ir.Constant(i32, _DATA)])
            return context.get_dummy_value()

        return sig, codegen

    return intrinsic(typer)


prefetch_read = _prefetch(0)
prefetch_write = _prefetch(1)
