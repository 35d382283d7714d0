"""One BLAS matrix product for the kernels, its transposes chosen at run time.

Numba's ``np.dot`` compiles an implementation of its own for each
combination of the operands' layouts (``A @ B``, ``A.T @ B`` and ``A @ B.T``
on C-ordered arrays are three), and the networks' epoch needs all three:
about 0.1 s of a first fit's compile each. :func:`matmul` takes C-ordered
operands and two flags, and passes the flags to BLAS ``gemm`` as its
``transa`` and ``transb``: one compiled product per dtype, whatever the
transposes (measured: a cold first fit of either network 0.25-0.3 s faster).
``gemm`` is SciPy's, reached through the helper that Numba's own ``np.dot``
calls (``numba_xxgemm``): the compiled code names a symbol, not an address,
so the functions that call it are cached like any other (a ctypes or cffi
function pointer would be a constant address, and Numba does not cache
those).

A row-major ``(m, n)`` array is the column-major ``(n, m)`` array of its
transpose, on the same memory: ``C = op(A) @ op(B)`` is computed as the
column-major product ``C^T = op(B)^T @ op(A)^T``, that is ``gemm`` with the
operands swapped and the same flags.
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload

#: BLAS's letter for each floating dtype.
_KINDS = {types.float64: "d", types.float32: "s"}


@intrinsic
def _gemm(typingctx, transa, transb, m, n, k, A, lda, B, ldb, C, ldc):
    """``C = op(A) @ op(B)`` in BLAS's column-major terms (``beta = 0``):
    ``numba_xxgemm(kind, transa, transb, m, n, k, 1, A, lda, B, ldb, 0, C,
    ldc)``; returns its status (0: done)."""
    arrays = (A, B, C)
    if not all(isinstance(a, types.Array) and a.layout == "C" for a in arrays):
        raise TypingError("matmul: the operands must be C-contiguous arrays")
    dtype = C.dtype
    if dtype not in _KINDS or A.dtype != dtype or B.dtype != dtype:
        raise TypingError("matmul: the operands must all be float32 or float64")
    if C.mutable is False:
        raise TypingError("matmul: the output must be writable")
    kind = _KINDS[dtype]
    sig = types.int32(transa, transb, m, n, k, A, lda, B, ldb, C, ldc)

    def codegen(context, builder, signature, args):
        char = ir.IntType(8)
        intp = context.get_value_type(types.intp)
        void_p = cgutils.voidptr_t
        fnty = ir.FunctionType(
            ir.IntType(32),
            [char, char, char, intp, intp, intp, void_p, void_p, intp, void_p,
             intp, void_p, void_p, intp],
        )  # fmt: skip
        fn = cgutils.get_or_insert_function(builder.module, fnty, "numba_xxgemm")
        tys = signature.args

        def flag(i):
            # 't' when the flag is true, else 'n'.
            value = context.cast(builder, args[i], tys[i], types.boolean)
            return builder.select(
                value, ir.Constant(char, ord("t")), ir.Constant(char, ord("n"))
            )

        def integer(i):
            return context.cast(builder, args[i], tys[i], types.intp)

        def data(i):
            array = context.make_array(tys[i])(context, builder, args[i])
            return builder.bitcast(array.data, void_p)

        alpha = cgutils.alloca_once_value(builder, context.get_constant(dtype, 1.0))
        beta = cgutils.alloca_once_value(builder, context.get_constant(dtype, 0.0))
        return builder.call(
            fn,
            [
                ir.Constant(char, ord(kind)), flag(0), flag(1),
                integer(2), integer(3), integer(4),
                builder.bitcast(alpha, void_p), data(5), integer(6),
                data(7), integer(8), builder.bitcast(beta, void_p),
                data(9), integer(10),
            ],
        )  # fmt: skip

    return sig, codegen


def matmul(A, transpose_a, B, transpose_b, out):
    """``out = op(A) @ op(B)``, where ``op(M)`` is ``M.T`` if its flag is true.

    ``A``, ``B`` and ``out`` are C-ordered 2-D arrays of one floating dtype.
    In compiled code the flags are run-time values: one compiled product
    serves every combination (the overload below is typed with the flags'
    plain ``bool`` type even where they are literal constants). From Python,
    NumPy computes the same product.
    """
    np.matmul(A.T if transpose_a else A, B.T if transpose_b else B, out=out)


@overload(matmul, prefer_literal=False)
def _matmul_overload(A, transpose_a, B, transpose_b, out):
    def impl(A, transpose_a, B, transpose_b, out):
        m, n = out.shape
        k = A.shape[0] if transpose_a else A.shape[1]
        if (
            (A.shape[1] if transpose_a else A.shape[0]) != m
            or (B.shape[1] if transpose_b else B.shape[0]) != k
            or (B.shape[0] if transpose_b else B.shape[1]) != n
        ):
            raise ValueError("matmul: shapes not aligned")
        # C^T = op(B)^T @ op(A)^T in column-major terms; a leading dimension
        # is the stored row length, at least 1 for BLAS.
        ldb = B.shape[1] if B.shape[1] > 0 else 1
        lda = A.shape[1] if A.shape[1] > 0 else 1
        ldc = n if n > 0 else 1
        status = _gemm(transpose_b, transpose_a, n, m, k, B, ldb, A, lda, out, ldc)
        if status != 0:
            raise RuntimeError("matmul: SciPy's BLAS gemm could not be called")

    return impl
