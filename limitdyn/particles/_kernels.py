"""Fused particle kernels in numba-compatible numpy (plain loops over arrays).

This module is imported only when the numba engine (or a test) asks for it: it
imports numba at the top when numba is installed and jits every function with
``numba.njit(cache=True, fastmath=False)``; without numba the same functions run
as plain Python (correct but slow; the numpy engine in ``_numpy_kernels.py`` is the
vectorised reference formulation of the same mathematics). The module satisfies
:class:`~limitdyn.particles._kernel_api.ParticleKernels`; the block kernels take their
scalars as one :class:`~limitdyn.particles._kernel_api.WGANHyper` or
:class:`~limitdyn.particles._kernel_api.RegressionHyper` (read by field name here, so
that this module imports nothing from the package).

Why this is one file: numba's on-disk cache (``cache=True``) keys each compiled function
on its own source file, and does not see a change to a jitted callee that lives in
another file — the stale machine code of the caller would be loaded. Every jitted
function that another one calls is therefore kept in this module, and the module imports
nothing but numpy, numba and llvmlite (``benchmarks/kernels_ab.py`` imports it alone,
from a temporary copy).

Layouts (structure of arrays, particles contiguous so loops vectorise):

- generator parameters ``P`` : ``(K, L + 2, N)`` with ``P[k, 0] = a``,
  ``P[k, 1:L+1] = b``, ``P[k, L+1] = c`` for the unit ``a / (1 + exp(-(b.z + c)))``;
- critic parameters ``W`` : ``(K + 2, M)`` with ``W[0] = alpha``, ``W[1:K+1] = beta``,
  ``W[K+1] = gamma``;
- batches are stored feature-major: latent ``Z`` : ``(L, m)``, points ``X`` : ``(K, m)``.

Performance notes (see ``docs/performance.rst`` and ``benchmarks/README.md``):
the sigmoid uses a branch-free ``exp`` built from integer bit manipulation on the exponent
(range reduction plus Cephes' rational form, so that the sigmoid costs one division;
relative errors below 1e-15), which vectorises where ``np.exp`` compiles to a scalar libm
call; its constants enter each task once through :func:`_opaque` so that the loops do not
rebuild them; activations are computed in their own pass over a block, between the
pre-activation pass and the accumulation pass; each pass handles two particles (forward
passes; four, in 4 x 4 register blocks, where the latent space has more than two
dimensions) or two points (the parameter gradients where the points have at most two
coordinates), so that inputs and accumulators are loaded and stored once for all of them;
the backward pass recomputes the activations instead of storing ``batch x N x K``
intermediates; threads reduce into private buffers.

The parameter gradients where the points have more than two coordinates (the generator
backward pass for ``L > 2``, the critic gradient for ``K > 2``; :func:`_rows_grads`) run in
the forward pass's layout (batch rows vectorised, four particles a pass) and form their sums
over the rows as dot products whose accumulators stay in registers: sixteen a pass, a
GEMM-like ``(d, rows) x (rows, 4)`` block. Those sums need reassociated additions to
vectorise, which only the two functions that form them allow (``reassoc`` in :func:`_jit`).
Their rounding differs from a sequential sum's by a few ulps of the terms (the generator's
velocity by 2.8e-16 of its largest entry at (N, M, K, L, m) = (1e3, 1e3, 64, 16, 256); the
critic's by 2e-13 of its largest, because its real and generated terms cancel, while its
error against an exact sum is 5.7e-17 of the summed magnitudes, against 1.5e-16 for the
sequential order).

Offset indices are unsigned: an inner loop reads ``R[row, oi]`` with
``oi = np.uint64(off) + i`` and ``i`` from ``range(np.uint64(n))``, never ``R[row, off + i]``.
numba wraps a signed index that may be negative (``idx + shape`` where ``idx < 0``); LLVM
cannot prove ``off + i >= 0`` inside the inlined task bodies and vectorised such loops with
gathers and scatters on the wrapped indices. Unsigned indices are never wrapped, the loads are
contiguous again: measured on one thread at (N, M, K, L, m) = (1e3, 1e3, 64, 16, 256), the
generator forward pass 69 -> 24 ms, the critic gradient 9.6 -> 4.0 ms, the backward pass
99 -> 52 ms (``benchmarks/README.md``, issue 18).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # pragma: no cover - exercised in both configurations by the test suite
    import numba as _numba
    from llvmlite import ir as _ir
    from numba import types as _types
    from numba.extending import intrinsic as _intrinsic

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    _numba = None  # type: ignore[assignment]
    HAVE_NUMBA = False

__all__ = [
    "ACT_CODES",
    "HAVE_NUMBA",
    "act_block",
    "critic_grad",
    "critic_input_grad",
    "critic_substeps",
    "gen_backward",
    "gen_forward",
    "regression_block",
    "wgan_block",
]

#: activation name -> integer code understood by the kernels
ACT_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2}

# block sizes (rows of the batch, particles) of the parallel tasks
ROW_BLOCK = 64
#: rows per task of the generator forward pass (long vectors amortise the per-unit work),
#: and per pass of the gradients in the row layout (``_rows_grads``; 64 and 128 were slower)
GEN_ROW_BLOCK = 256
PARTICLE_BLOCK = 256


def _jit(*, parallel: bool = False, inline: bool = False, reassoc: bool = False) -> Any:
    """numba's ``njit`` with this module's options (the identity without numba).

    ``reassoc``: the function's floating-point additions may be reassociated and a product
    added to a sum may be fused (LLVM's ``reassoc`` and ``contract``, no other fast-math
    flag), so that the sums of its reduction loops vectorise. Only for functions made of
    such sums; never for the sigmoid, whose range reduction relies on rounding.
    """
    if HAVE_NUMBA:
        options: dict[str, Any] = {
            "fastmath": {"reassoc", "contract"} if reassoc else False,
            "parallel": parallel,
            "error_model": "numpy",
            "inline": "always" if inline else "never",
        }
        try:  # the verified cache under limitdyn's cache root (limitdyn/_cachedir.py)
            from limitdyn._cachedir import cached_njit
        except ImportError:  # pragma: no cover - this file imported alone, without limitdyn
            return _numba.njit(cache=True, **options)
        return lambda func: cached_njit(func, **options)

    def identity(func: Any) -> Any:
        return func

    return identity


def _f64_bits(x: float) -> int:
    """Reinterpret the bits of a float64 as an int64 (plain Python; jitted: a bitcast)."""
    return int(np.array(x, dtype=np.float64).view(np.int64))


def _bits_f64(x: int) -> float:
    """Reinterpret the bits of an int64 as a float64 (plain Python; jitted: a bitcast)."""
    return float(np.array(x, dtype=np.int64).view(np.float64))


def _fma(a: float, b: float, c: float) -> float:
    """``a * b + c``; jitted, one fused multiply-add (``llvm.fma``, rounded once).

    An explicit FMA is exact IEEE arithmetic, not a fast-math licence: the compiler
    still may not reassociate anything.
    """
    return a * b + c


def _opaque(x: float) -> float:
    """``x``, hidden from the optimiser (jitted: an empty inline-asm register copy).

    The sigmoid's ~20 constants are passed through this once per kernel task: LLVM then
    treats them as loop-invariant run-time values, keeps them in registers or full-width
    stack slots folded into the FMAs, instead of rebuilding every splat inside the
    vectorised loop (``movabs`` + ``vbroadcastsd`` per constant and iteration under the
    JIT's large code model). Measured: 1.4-1.5x on the bare sigmoid loop.
    """
    return x


if HAVE_NUMBA:
    from numba.extending import overload as _overload

    prange = _numba.prange

    @_intrinsic
    def _f64_bits_intrinsic(typingctx: Any, x: Any) -> Any:
        if x != _types.float64:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], _ir.IntType(64))

        return _types.int64(_types.float64), codegen

    @_intrinsic
    def _bits_f64_intrinsic(typingctx: Any, x: Any) -> Any:
        if x != _types.int64:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], _ir.DoubleType())

        return _types.float64(_types.int64), codegen

    @_intrinsic
    def _fma_intrinsic(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
        if not (a == b == c == _types.float64):
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            from numba.core import cgutils

            dbl = _ir.DoubleType()
            fnty = _ir.FunctionType(dbl, [dbl, dbl, dbl])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
            return builder.call(fn, args)

        return _types.float64(_types.float64, _types.float64, _types.float64), codegen

    @_intrinsic
    def _opaque_intrinsic(typingctx: Any, x: Any) -> Any:
        if x != _types.float64:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            dbl = _ir.DoubleType()
            fnty = _ir.FunctionType(dbl, [dbl])
            return builder.asm(fnty, "", "=x,0", [args[0]], False, "opaque")

        return _types.float64(_types.float64), codegen

    # numba checks that the overload and its implementation have identical signatures,
    # so neither is annotated
    @_overload(_f64_bits)
    def _f64_bits_jit(x):
        def impl(x):
            return _f64_bits_intrinsic(x)  # type: ignore[call-arg]

        return impl

    @_overload(_fma)
    def _fma_jit(a, b, c):
        def impl(a, b, c):
            return _fma_intrinsic(float(a), float(b), float(c))  # type: ignore[call-arg]

        return impl

    @_overload(_opaque)
    def _opaque_jit(x):
        def impl(x):
            return _opaque_intrinsic(float(x))  # type: ignore[call-arg]

        return impl

    @_overload(_bits_f64)
    def _bits_f64_jit(x):
        def impl(x):
            return _bits_f64_intrinsic(x)  # type: ignore[call-arg]

        return impl

else:  # pragma: no cover
    prange = range  # type: ignore[misc]


# The sigmoid's exp: Cody-Waite range reduction x = k ln2 + r, |r| <= ln2/2 (ln2 split
# in a high and a low part, k rounded by adding 1.5 * 2**52), then the rational form of
# Cephes' exp (S. L. Moshier, Cephes Math Library, exp.c): on |r| <= ln2/2,
# exp(r) = (q + r p) / (q - r p) with p of degree 2 and q of degree 3 in r**2 (relative
# error about 2e-16). Then 1 / (1 + 2**k exp(r)) = D / (D + 2**k N) with D = q - r p and
# N = q + r p: one division for the sigmoid and its derivative, five multiply-adds fewer
# than a degree-11 polynomial.
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_MAGIC = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer
_P0 = 1.26177193074810590878e-4
_P1 = 3.02994407707441961300e-2
_P2 = 9.99999999999999999910e-1
_Q0 = 3.00198505138664455042e-6
_Q1 = 2.52448340349684104192e-3
_Q2 = 2.27265548208155028766e-1
_Q3 = 2.0
#: added to the bits of ``x log2(e) + _MAGIC`` (whose low bits hold k) it gives k
_EXPONENT_K = -int(np.array(_MAGIC, dtype=np.float64).view(np.int64))


@_jit(inline=True)
def _sig_consts() -> tuple:
    """The constants of :func:`_sigmoid_parts` as opaque run-time values (see :func:`_opaque`).

    Call once per kernel task, outside the loops, and pass the tuple down.
    """
    return (
        _opaque(_LOG2E),
        _opaque(_MAGIC),
        _opaque(_LN2_HI),
        _opaque(_LN2_LO),
        _opaque(_P0),
        _opaque(_P1),
        _opaque(_P2),
        _opaque(_Q0),
        _opaque(_Q1),
        _opaque(_Q2),
        _opaque(_Q3),
        _opaque(708.0),
        _opaque(-708.0),
    )


@_jit(inline=True)
def _sigmoid_parts(u: float, c: tuple) -> tuple:
    """``(D, E)`` with ``sigmoid(u) = D / (D + E)`` and ``E / D = exp(-u)``, both positive.

    ``c`` is :func:`_sig_consts`. ``-u`` is clipped to ``[-708, 708]`` so that ``2**k``
    is a normal number and ``E`` finite; beyond that the sigmoid is 1 to the last bit, or
    below the smallest normal float. ``x = k ln2 + r`` (Cody-Waite, two multiply-adds),
    ``exp(r) = N / D`` (Cephes' rational form, see ``_P0``), ``E = 2**k N``.
    """
    x = -u
    x = x if x < c[11] else c[11]
    x = x if x > c[12] else c[12]
    t = _fma(x, c[0], c[1])
    kf = t - c[1]
    r = _fma(-kf, c[2], x)
    r = _fma(-kf, c[3], r)
    r2 = r * r
    rp = r * _fma(_fma(c[4], r2, c[5]), r2, c[6])
    q = _fma(_fma(_fma(c[7], r2, c[8]), r2, c[9]), r2, c[10])
    # E = 2**k N: k added to N's exponent field (N in (1.6, 2.4), so E stays normal for
    # |k| <= 1022 and equals the product by 2**k, bit for bit) on the integer pipes, which
    # leaves one multiplication fewer on the floating-point ones (1.05-1.08x per sigmoid)
    return q - rp, _bits_f64(_f64_bits(q + rp) + ((_f64_bits(t) + _EXPONENT_K) << 52))


@_jit()
def act_block(u: np.ndarray, s: np.ndarray, ds: np.ndarray, n: int, kind: int) -> None:
    """Activation values ``s`` and derivatives ``ds`` of ``u[:n]``.

    ``kind``: 0 sigmoid (``s = D / (D + E)``, ``ds = s (E / (D + E)) = s (1 - s)``
    without cancellation or underflow where the unit saturates; see
    :func:`_sigmoid_parts`), 1 tanh, 2 ReLU (derivative 0 at 0).
    """
    if kind == 0:
        c = _sig_consts()
        for i in range(n):
            d, e = _sigmoid_parts(u[i], c)
            rec = 1.0 / (d + e)
            si = d * rec
            s[i] = si
            ds[i] = si * (e * rec)
    elif kind == 1:
        for i in range(n):
            t = np.tanh(u[i])
            s[i] = t
            ds[i] = 1.0 - t * t
    else:
        for i in range(n):
            v = u[i]
            s[i] = v if v > 0.0 else 0.0
            ds[i] = 1.0 if v > 0.0 else 0.0


@_jit()
def act_values(u: np.ndarray, s: np.ndarray, n: int, kind: int) -> None:
    """Activation values ``s[:n] = act(u[:n])`` (no derivative)."""
    if kind == 0:
        c = _sig_consts()
        for i in range(n):
            d, e = _sigmoid_parts(u[i], c)
            s[i] = d / (d + e)
    elif kind == 1:
        for i in range(n):
            s[i] = np.tanh(u[i])
    else:
        for i in range(n):
            v = u[i]
            s[i] = v if v > 0.0 else 0.0


@_jit(inline=True)
def _acc_scaled(acc: np.ndarray, a: float, s: np.ndarray, n: int) -> None:
    """``acc[:n] += a * s[:n]``."""
    for i in range(n):
        acc[i] += a * s[i]


@_jit(inline=True)
def _grad_acc(
    s: np.ndarray,
    ds: np.ndarray,
    w: float,
    C: np.ndarray,
    crow: int,
    off: int,
    ga: np.ndarray,
    gc: np.ndarray,
    t: np.ndarray,
    n: int,
) -> None:
    """``ga += w s``, ``t = w C[crow, off:] ds``, ``gc += t`` (activations precomputed)."""
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        ga[i] += w * s[i]
        ti = w * C[crow, oi] * ds[i]
        t[i] = ti
        gc[i] += ti


@_jit(inline=True)
def _fill(u: np.ndarray, value: float, n: int) -> None:
    for i in range(n):
        u[i] = value


# Helpers take a 2-D array and a row index, never a row view: a view made in an inner
# loop costs a reference-count update (an atomic shared by all threads).


@_jit(inline=True)
def _axpy_row(u: np.ndarray, a: float, R: np.ndarray, row: int, off: int, n: int) -> None:
    """``u[:n] += a * R[row, off:off+n]``."""
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        u[i] += a * R[row, oi]


@_jit(inline=True)
def _axpy4_row(
    u: np.ndarray,
    a0: float,
    a1: float,
    a2: float,
    a3: float,
    R: np.ndarray,
    row: int,
    off: int,
    n: int,
) -> None:
    """``u[:n] += sum_q a_q R[row + q, off:off+n]`` for q < 4 (one load and store of u)."""
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        u[i] += ((a0 * R[row, oi] + a1 * R[row + 1, oi]) + a2 * R[row + 2, oi]) + (
            a3 * R[row + 3, oi]
        )


@_jit(inline=True)
def _affine(
    u: np.ndarray,
    n: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    R: np.ndarray,
    r_row0: int,
    off: int,
    count: int,
) -> None:
    """``u[:n] += sum_l S[s_row0 + l, s_col] * R[r_row0 + l, off:off+n]``, ``l < count``.

    Four terms per pass, so ``u`` is loaded and stored ``count / 4`` times, not ``count``.
    """
    ell = 0
    while ell + 4 <= count:
        _axpy4_row(
            u,
            S[s_row0 + ell, s_col],
            S[s_row0 + ell + 1, s_col],
            S[s_row0 + ell + 2, s_col],
            S[s_row0 + ell + 3, s_col],
            R,
            r_row0 + ell,
            off,
            n,
        )
        ell += 4
    while ell < count:
        _axpy_row(u, S[s_row0 + ell, s_col], R, r_row0 + ell, off, n)
        ell += 1


@_jit(inline=True)
def _copy_row(u: np.ndarray, R: np.ndarray, row: int, off: int, n: int) -> None:
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        u[i] = R[row, oi]


@_jit(inline=True)
def _mul_acc4_rows(
    G: np.ndarray, row: int, a0: float, a1: float, a2: float, a3: float, t: np.ndarray, n: int
) -> None:
    """``G[row + q, :n] += a_q * t[:n]`` for q < 4 (``t`` loaded once)."""
    for i in range(n):
        ti = t[i]
        G[row, i] += a0 * ti
        G[row + 1, i] += a1 * ti
        G[row + 2, i] += a2 * ti
        G[row + 3, i] += a3 * ti


@_jit(inline=True)
def _outer_acc(
    G: np.ndarray,
    count: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    scale: float,
    t: np.ndarray,
    n: int,
) -> None:
    """``G[l, :n] += scale * S[s_row0 + l, s_col] * t[:n]`` for ``l < count``, 4 rows a pass."""
    ell = 0
    while ell + 4 <= count:
        _mul_acc4_rows(
            G,
            ell,
            scale * S[s_row0 + ell, s_col],
            scale * S[s_row0 + ell + 1, s_col],
            scale * S[s_row0 + ell + 2, s_col],
            scale * S[s_row0 + ell + 3, s_col],
            t,
            n,
        )
        ell += 4
    while ell < count:
        _mul_acc_row(G, ell, scale * S[s_row0 + ell, s_col], t, n)
        ell += 1


@_jit(inline=True)
def _mul_acc_row(G: np.ndarray, row: int, a: float, t: np.ndarray, n: int) -> None:
    """``G[row, :n] += a * t[:n]``."""
    for i in range(n):
        G[row, i] += a * t[i]


@_jit(inline=True)
def _affine_from(
    u: np.ndarray,
    n: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    R: np.ndarray,
    r_row0: int,
    c_row: int,
    off: int,
    count: int,
) -> None:
    """``u[:n] = R[c_row, off:] + sum_l S[s_row0 + l, s_col] R[r_row0 + l, off:]``.

    One pass for ``count <= 2`` (the terms added in the same order as :func:`_affine`
    after a copy, so the result is bitwise the same), else copy and :func:`_affine`.
    """
    if count == 1:
        a0 = S[s_row0, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            u[i] = R[c_row, oi] + a0 * R[r_row0, oi]
    elif count == 2:
        a0 = S[s_row0, s_col]
        a1 = S[s_row0 + 1, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            u[i] = (R[c_row, oi] + a0 * R[r_row0, oi]) + a1 * R[r_row0 + 1, oi]
    else:
        _copy_row(u, R, c_row, off, n)
        _affine(u, n, S, s_row0, s_col, R, r_row0, off, count)


@_jit(inline=True)
def _grad_outer(
    s: np.ndarray,
    ds: np.ndarray,
    w: float,
    C: np.ndarray,
    crow: int,
    off: int,
    ga: np.ndarray,
    gc: np.ndarray,
    t: np.ndarray,
    G: np.ndarray,
    count: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    n: int,
) -> None:
    """:func:`_grad_acc` then ``G[l, :n] += S[s_row0 + l, s_col] * t[:n]`` (``l < count``).

    One pass for ``count <= 2`` (same operations, bitwise the same result), else
    :func:`_grad_acc` and :func:`_outer_acc`.
    """
    if count == 1:
        a0 = 1.0 * S[s_row0, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            ga[i] += w * s[i]
            ti = w * C[crow, oi] * ds[i]
            gc[i] += ti
            G[0, i] += a0 * ti
    elif count == 2:
        a0 = 1.0 * S[s_row0, s_col]
        a1 = 1.0 * S[s_row0 + 1, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            ga[i] += w * s[i]
            ti = w * C[crow, oi] * ds[i]
            gc[i] += ti
            G[0, i] += a0 * ti
            G[1, i] += a1 * ti
    else:
        _grad_acc(s, ds, w, C, crow, off, ga, gc, t, n)
        _outer_acc(G, count, S, s_row0, s_col, 1.0, t, n)


@_jit(inline=True)
def _affine_fill(
    u: np.ndarray,
    n: int,
    c0: float,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    R: np.ndarray,
    r_row0: int,
    off: int,
    count: int,
) -> None:
    """``u[:n] = c0 + sum_l S[s_row0 + l, s_col] R[r_row0 + l, off:]``.

    One pass for ``count <= 2`` (bitwise the same as a fill and :func:`_affine`), else
    fill and :func:`_affine`.
    """
    if count == 1:
        a0 = S[s_row0, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            u[i] = c0 + a0 * R[r_row0, oi]
    elif count == 2:
        a0 = S[s_row0, s_col]
        a1 = S[s_row0 + 1, s_col]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            u[i] = (c0 + a0 * R[r_row0, oi]) + a1 * R[r_row0 + 1, oi]
    else:
        _fill(u, c0, n)
        _affine(u, n, S, s_row0, s_col, R, r_row0, off, count)


@_jit(inline=True)
def _val_outer(
    s: np.ndarray,
    ds: np.ndarray,
    alpha: float,
    fv: np.ndarray,
    G: np.ndarray,
    count: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    n: int,
) -> None:
    """``fv += alpha s`` and ``G[l] += (alpha S[s_row0 + l, s_col]) ds`` for ``l < count``.

    One pass for ``count <= 2``, else :func:`_acc_scaled` and :func:`_outer_acc`.
    """
    if count == 1:
        a0 = alpha * S[s_row0, s_col]
        for i in range(n):
            fv[i] += alpha * s[i]
            G[0, i] += a0 * ds[i]
    elif count == 2:
        a0 = alpha * S[s_row0, s_col]
        a1 = alpha * S[s_row0 + 1, s_col]
        for i in range(n):
            fv[i] += alpha * s[i]
            dsi = ds[i]
            G[0, i] += a0 * dsi
            G[1, i] += a1 * dsi
    else:
        _acc_scaled(fv, alpha, s, n)
        _outer_acc(G, count, S, s_row0, s_col, alpha, ds, n)


@_jit(inline=True)
def _axpy4_row2(
    u: np.ndarray,
    u2: np.ndarray,
    S: np.ndarray,
    s_row: int,
    s_col: int,
    R: np.ndarray,
    row: int,
    off: int,
    n: int,
) -> None:
    """:func:`_axpy4_row` for particles ``s_col`` (into ``u``) and ``s_col + 1`` (``u2``).

    The four rows of ``R`` are loaded once for both particles.
    """
    a0 = S[s_row, s_col]
    a1 = S[s_row + 1, s_col]
    a2 = S[s_row + 2, s_col]
    a3 = S[s_row + 3, s_col]
    b0 = S[s_row, s_col + 1]
    b1 = S[s_row + 1, s_col + 1]
    b2 = S[s_row + 2, s_col + 1]
    b3 = S[s_row + 3, s_col + 1]
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        r0 = R[row, oi]
        r1 = R[row + 1, oi]
        r2 = R[row + 2, oi]
        r3 = R[row + 3, oi]
        u[i] += ((a0 * r0 + a1 * r1) + a2 * r2) + a3 * r3
        u2[i] += ((b0 * r0 + b1 * r1) + b2 * r2) + b3 * r3


@_jit(inline=True)
def _affine_fill2(
    u: np.ndarray,
    u2: np.ndarray,
    n: int,
    S: np.ndarray,
    s_row0: int,
    s_col: int,
    c_row: int,
    R: np.ndarray,
    r_row0: int,
    off: int,
    count: int,
) -> None:
    """:func:`_affine_fill` (fill, then :func:`_affine`) for particles ``s_col`` and ``s_col + 1``.

    Same operations in the same order per particle (bitwise the same), four rows of ``R``
    loaded once per pass for both particles; one pass for ``count <= 2``.
    """
    if count == 1:
        c0, c1 = S[c_row, s_col], S[c_row, s_col + 1]
        a0, b0 = S[s_row0, s_col], S[s_row0, s_col + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            r0 = R[r_row0, oi]
            u[i] = c0 + a0 * r0
            u2[i] = c1 + b0 * r0
        return
    if count == 2:
        c0, c1 = S[c_row, s_col], S[c_row, s_col + 1]
        a0, b0 = S[s_row0, s_col], S[s_row0, s_col + 1]
        a1, b1 = S[s_row0 + 1, s_col], S[s_row0 + 1, s_col + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            r0 = R[r_row0, oi]
            r1 = R[r_row0 + 1, oi]
            u[i] = (c0 + a0 * r0) + a1 * r1
            u2[i] = (c1 + b0 * r0) + b1 * r1
        return
    _fill(u, S[c_row, s_col], n)
    _fill(u2, S[c_row, s_col + 1], n)
    ell = 0
    while ell + 4 <= count:
        _axpy4_row2(u, u2, S, s_row0 + ell, s_col, R, r_row0 + ell, off, n)
        ell += 4
    while ell < count:
        _axpy_row(u, S[s_row0 + ell, s_col], R, r_row0 + ell, off, n)
        _axpy_row(u2, S[s_row0 + ell, s_col + 1], R, r_row0 + ell, off, n)
        ell += 1


@_jit(inline=True)
def _acc_scaled2(
    acc: np.ndarray, a: float, s: np.ndarray, b: float, s2: np.ndarray, n: int
) -> None:
    """``acc[:n] += a * s[:n]`` then ``acc[:n] += b * s2[:n]``, in one pass."""
    for i in range(n):
        acc[i] = (acc[i] + a * s[i]) + b * s2[i]


@_jit(inline=True)
def _axpy4_rows4(
    U: np.ndarray, S: np.ndarray, s_row: int, col: int, R: np.ndarray, row: int, off: int, n: int
) -> None:
    """``U[q, :n] += sum_p S[s_row + p, col + q] R[row + p, off:off+n]`` for p, q < 4.

    A 4 x 4 register block for four particles (each sum in the order of
    :func:`_axpy4_row2`, bitwise the same): four rows of ``R`` and four accumulators are
    loaded per 16 multiply-adds, against two accumulators per 8 for two particles.
    """
    a0, a1, a2, a3 = S[s_row, col], S[s_row + 1, col], S[s_row + 2, col], S[s_row + 3, col]
    b0, b1 = S[s_row, col + 1], S[s_row + 1, col + 1]
    b2, b3 = S[s_row + 2, col + 1], S[s_row + 3, col + 1]
    c0, c1 = S[s_row, col + 2], S[s_row + 1, col + 2]
    c2, c3 = S[s_row + 2, col + 2], S[s_row + 3, col + 2]
    e0, e1 = S[s_row, col + 3], S[s_row + 1, col + 3]
    e2, e3 = S[s_row + 2, col + 3], S[s_row + 3, col + 3]
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        r0 = R[row, oi]
        r1 = R[row + 1, oi]
        r2 = R[row + 2, oi]
        r3 = R[row + 3, oi]
        U[0, i] += ((a0 * r0 + a1 * r1) + a2 * r2) + a3 * r3
        U[1, i] += ((b0 * r0 + b1 * r1) + b2 * r2) + b3 * r3
        U[2, i] += ((c0 * r0 + c1 * r1) + c2 * r2) + c3 * r3
        U[3, i] += ((e0 * r0 + e1 * r1) + e2 * r2) + e3 * r3


@_jit(inline=True)
def _affine_fill4(
    U: np.ndarray,
    n: int,
    S: np.ndarray,
    s_row0: int,
    col: int,
    c_row: int,
    R: np.ndarray,
    r_row0: int,
    off: int,
    count: int,
) -> None:
    """:func:`_affine_fill2` for the four particles ``col`` to ``col + 3`` (``count > 2``).

    ``U[q, :n] = S[c_row, col + q] + sum_l S[s_row0 + l, col + q] R[r_row0 + l, off:]``,
    each in the order of :func:`_affine_fill2` (bitwise the same), four rows a pass.
    """
    c0, c1, c2, c3 = S[c_row, col], S[c_row, col + 1], S[c_row, col + 2], S[c_row, col + 3]
    for i in range(np.uint64(n)):
        U[0, i] = c0
        U[1, i] = c1
        U[2, i] = c2
        U[3, i] = c3
    ell = 0
    while ell + 4 <= count:
        _axpy4_rows4(U, S, s_row0 + ell, col, R, r_row0 + ell, off, n)
        ell += 4
    while ell < count:
        for q in range(4):
            _axpy_row(U[q], S[s_row0 + ell, col + q], R, r_row0 + ell, off, n)
        ell += 1


@_jit(inline=True)
def _acc_scaled4(acc: np.ndarray, S: np.ndarray, col: int, V: np.ndarray, n: int) -> None:
    """``acc[:n] += S[0, col + q] V[q, :n]`` for q = 0, ..., 3 in turn, in one pass."""
    a0, a1, a2, a3 = S[0, col], S[0, col + 1], S[0, col + 2], S[0, col + 3]
    for i in range(np.uint64(n)):
        acc[i] = (((acc[i] + a0 * V[0, i]) + a1 * V[1, i]) + a2 * V[2, i]) + a3 * V[3, i]


@_jit()
def _gen_forward_task(P: np.ndarray, Z: np.ndarray, kind: int, out: np.ndarray, task: int) -> None:
    L = P.shape[1] - 2
    N = P.shape[2]
    m = Z.shape[1]
    nrb = (m + GEN_ROW_BLOCK - 1) // GEN_ROW_BLOCK
    k = task // nrb
    r0 = (task % nrb) * GEN_ROW_BLOCK
    n = min(GEN_ROW_BLOCK, m - r0)
    u = np.empty(GEN_ROW_BLOCK, dtype=P.dtype)
    sv = np.empty(GEN_ROW_BLOCK, dtype=P.dtype)
    acc = np.zeros(GEN_ROW_BLOCK, dtype=P.dtype)
    Pk = P[k]
    # two particles per pass: the latent rows are loaded once for both, the accumulator
    # once per two particles (1.5x over one particle per pass at K = L = 2)
    u2 = np.empty(GEN_ROW_BLOCK, dtype=P.dtype)
    sv2 = np.empty(GEN_ROW_BLOCK, dtype=P.dtype)
    i = 0
    if L > 2:  # four particles a pass (4 x 4 register blocks, 1.14x over two at L = 16)
        U = np.empty((4, GEN_ROW_BLOCK), dtype=P.dtype)
        V = np.empty((4, GEN_ROW_BLOCK), dtype=P.dtype)
        while i + 4 <= N:
            _affine_fill4(U, n, Pk, 1, i, L + 1, Z, 0, r0, L)
            for q in range(4):
                act_values(U[q], V[q], n, kind)
            _acc_scaled4(acc, Pk, i, V, n)
            i += 4
    while i + 2 <= N:
        _affine_fill2(u, u2, n, Pk, 1, i, L + 1, Z, 0, r0, L)
        act_values(u, sv, n, kind)
        act_values(u2, sv2, n, kind)
        _acc_scaled2(acc, Pk[0, i], sv, Pk[0, i + 1], sv2, n)
        i += 2
    while i < N:
        _affine_fill(u, n, Pk[L + 1, i], Pk, 1, i, Z, 0, r0, L)
        act_values(u, sv, n, kind)
        _acc_scaled(acc, Pk[0, i], sv, n)
        i += 1
    o = np.uint64(r0)
    for r in range(np.uint64(n)):
        out[k, o + r] = acc[r] / N


@_jit()
def _gen_forward_tasks(P: np.ndarray, Z: np.ndarray) -> int:
    return P.shape[0] * ((Z.shape[1] + GEN_ROW_BLOCK - 1) // GEN_ROW_BLOCK)


@_jit(parallel=True)
def gen_forward(P: np.ndarray, Z: np.ndarray, kind: int, out: np.ndarray) -> None:
    """Generator outputs ``out[k, r] = (1/N) sum_i a_ik act(b_ik . z_r + c_ik)``.

    Shapes: ``P (K, L+2, N)``, ``Z (L, m)``, ``out (K, m)``. Parallel over (k, row
    block); the inner loops run over the rows of the block (vectorised).
    """
    for task in prange(_gen_forward_tasks(P, Z)):
        _gen_forward_task(P, Z, kind, out, task)


@_jit()
def gen_forward_serial(P: np.ndarray, Z: np.ndarray, kind: int, out: np.ndarray) -> None:
    """:func:`gen_forward` on the calling thread."""
    for task in range(_gen_forward_tasks(P, Z)):
        _gen_forward_task(P, Z, kind, out, task)


@_jit(inline=True)
def _affine_rows2(
    v: np.ndarray, v2: np.ndarray, n: int, Y: np.ndarray, r: int, W: np.ndarray, off: int, K: int
) -> None:
    """Critic pre-activations of points ``r`` (into ``v``) and ``r + 1`` (``v2``), ``K <= 2``.

    ``v[i] = W[K+1, off+i] + sum_k Y[k, r] W[1+k, off+i]`` (the order of :func:`_affine_from`);
    the critic rows are loaded once for both points.
    """
    if K == 1:
        y0, z0 = Y[0, r], Y[0, r + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            g = W[2, oi]
            b0 = W[1, oi]
            v[i] = g + y0 * b0
            v2[i] = g + z0 * b0
    else:
        y0, z0 = Y[0, r], Y[0, r + 1]
        y1, z1 = Y[1, r], Y[1, r + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            g = W[3, oi]
            b0 = W[1, oi]
            b1 = W[2, oi]
            v[i] = (g + y0 * b0) + y1 * b1
            v2[i] = (g + z0 * b0) + z1 * b1


@_jit(inline=True)
def _mul_acc4_rows2(
    G: np.ndarray,
    row: int,
    Y: np.ndarray,
    y_row: int,
    r: int,
    t: np.ndarray,
    t2: np.ndarray,
    n: int,
) -> None:
    """``G[row + q, :n] += Y[y_row + q, r] t[:n] + Y[y_row + q, r + 1] t2[:n]``, q < 4."""
    a0, b0 = Y[y_row, r], Y[y_row, r + 1]
    a1, b1 = Y[y_row + 1, r], Y[y_row + 1, r + 1]
    a2, b2 = Y[y_row + 2, r], Y[y_row + 2, r + 1]
    a3, b3 = Y[y_row + 3, r], Y[y_row + 3, r + 1]
    for i in range(n):
        ti = t[i]
        t2i = t2[i]
        G[row, i] += a0 * ti + b0 * t2i
        G[row + 1, i] += a1 * ti + b1 * t2i
        G[row + 2, i] += a2 * ti + b2 * t2i
        G[row + 3, i] += a3 * ti + b3 * t2i


@_jit(inline=True)
def _grad_outer_rows2(
    s: np.ndarray,
    ds: np.ndarray,
    s2: np.ndarray,
    ds2: np.ndarray,
    w: float,
    w2: float,
    W: np.ndarray,
    off: int,
    ga: np.ndarray,
    gc: np.ndarray,
    t: np.ndarray,
    t2: np.ndarray,
    G: np.ndarray,
    Y: np.ndarray,
    r: int,
    count: int,
    n: int,
) -> None:
    """:func:`_grad_outer` for points ``r`` (weight ``w``) and ``r + 1`` (``w2``) in one pass.

    ``ga += w s + w2 s2``, ``t = w W[0, off:] ds``, ``t2 = w2 W[0, off:] ds2``,
    ``gc += t + t2`` and ``G[l] += Y[l, r] t + Y[l, r + 1] t2`` for ``l < count``: the
    accumulators are loaded and stored once per two points (one pass for ``count <= 2``,
    else four rows of ``G`` a pass).
    """
    if count == 1:
        y0, z0 = Y[0, r], Y[0, r + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            alpha = W[0, oi]
            ti = (w * alpha) * ds[i]
            t2i = (w2 * alpha) * ds2[i]
            ga[i] += w * s[i] + w2 * s2[i]
            gc[i] += ti + t2i
            G[0, i] += y0 * ti + z0 * t2i
        return
    if count == 2:
        y0, z0 = Y[0, r], Y[0, r + 1]
        y1, z1 = Y[1, r], Y[1, r + 1]
        o = np.uint64(off)
        for i in range(np.uint64(n)):
            oi = o + i
            alpha = W[0, oi]
            ti = (w * alpha) * ds[i]
            t2i = (w2 * alpha) * ds2[i]
            ga[i] += w * s[i] + w2 * s2[i]
            gc[i] += ti + t2i
            G[0, i] += y0 * ti + z0 * t2i
            G[1, i] += y1 * ti + z1 * t2i
        return
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        alpha = W[0, oi]
        ti = (w * alpha) * ds[i]
        t2i = (w2 * alpha) * ds2[i]
        ga[i] += w * s[i] + w2 * s2[i]
        gc[i] += ti + t2i
        t[i] = ti
        t2[i] = t2i
    ell = 0
    while ell + 4 <= count:
        _mul_acc4_rows2(G, ell, Y, ell, r, t, t2, n)
        ell += 4
    while ell < count:
        a0, b0 = Y[ell, r], Y[ell, r + 1]
        for i in range(n):
            G[ell, i] += a0 * t[i] + b0 * t2[i]
        ell += 1


@_jit(inline=True)
def _preact_rows2(
    v: np.ndarray, v2: np.ndarray, n: int, Y: np.ndarray, r: int, W: np.ndarray, off: int, K: int
) -> None:
    """Pre-activations of points ``r`` (into ``v``) and ``r + 1`` (``v2``) for a particle block.

    ``v[i] = W[K+1, off+i] + sum_k Y[k, r] W[1+k, off+i]`` in the order of
    :func:`_affine_from` (bitwise the same); the particle rows are loaded once for both
    points (one pass for ``K <= 2``, else four rows a pass).
    """
    if K <= 2:
        _affine_rows2(v, v2, n, Y, r, W, off, K)
        return
    o = np.uint64(off)
    for i in range(np.uint64(n)):
        oi = o + i
        g = W[K + 1, oi]
        v[i] = g
        v2[i] = g
    ell = 0
    while ell + 4 <= K:  # four particle rows a pass, loaded once for both points
        _axpy4_row2(v, v2, Y, ell, r, W, 1 + ell, off, n)
        ell += 4
    while ell < K:
        _axpy_row(v, Y[ell, r], W, 1 + ell, off, n)
        _axpy_row(v2, Y[ell, r + 1], W, 1 + ell, off, n)
        ell += 1


@_jit(inline=True)
def _point_grads(
    S: np.ndarray,
    off: int,
    n: int,
    Y: np.ndarray,
    weights: np.ndarray,
    wrow: int,
    kind: int,
    ga: np.ndarray,
    gc: np.ndarray,
    G: np.ndarray,
) -> None:
    """Add ``sum_r weights[wrow, r] grad_theta [a act(b . y_r + c)]`` for a particle block.

    The particles are the columns ``off:off+n`` of ``S (d+2, .)`` (rows ``a``, ``b``, ``c``
    as the critic's ``W`` or one output of the generator's ``P``), the points the columns
    of ``Y (d, m)``; into ``ga`` (``a``), ``gc`` (``c``) and ``G (d, .)`` (``b``). Used for
    ``d <= 2`` (for ``d > 2`` the callers run :func:`_rows_grads`): two points per pass
    (:func:`_preact_rows2`, :func:`_grad_outer_rows2`), a last odd one alone.
    """
    d = Y.shape[0]
    m = Y.shape[1]
    block = ga.shape[0]
    v = np.empty(block, dtype=S.dtype)
    v2 = np.empty(block, dtype=S.dtype)
    s = np.empty(block, dtype=S.dtype)
    s2 = np.empty(block, dtype=S.dtype)
    ds = np.empty(block, dtype=S.dtype)
    ds2 = np.empty(block, dtype=S.dtype)
    t = np.empty(block, dtype=S.dtype)
    t2 = np.empty(block, dtype=S.dtype)
    r = 0
    while r + 2 <= m:
        _preact_rows2(v, v2, n, Y, r, S, off, d)
        act_block(v, s, ds, n, kind)
        act_block(v2, s2, ds2, n, kind)
        w, w2 = weights[wrow, r], weights[wrow, r + 1]
        _grad_outer_rows2(s, ds, s2, ds2, w, w2, S, off, ga, gc, t, t2, G, Y, r, d, n)
        r += 2
    if r < m:
        _affine_from(v, n, Y, 0, r, S, 1, d + 1, off, d)
        act_block(v, s, ds, n, kind)
        _grad_outer(s, ds, weights[wrow, r], S, 0, off, ga, gc, t, G, d, Y, 0, r, n)


@_jit()
def _critic_grad_task(
    W: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    wx: float,
    wg: float,
    kind: int,
    grad: np.ndarray,
    task: int,
) -> None:
    K = W.shape[0] - 2
    M = W.shape[1]
    j0 = task * PARTICLE_BLOCK
    n = min(PARTICLE_BLOCK, M - j0)
    if K > 2:  # in the forward pass's layout (see _rows_grads)
        acc = np.zeros((K + 2, (n + 3) // 4 * 4), dtype=W.dtype)
        for src in range(2):
            Y = X if src == 0 else G
            weights = np.full((1, Y.shape[1]), wx if src == 0 else wg)
            _rows_grads(W, j0, n, Y, weights, 0, kind, acc, GEN_ROW_BLOCK)
        oj = np.uint64(j0)
        for row in range(K + 2):
            for jj in range(np.uint64(n)):
                grad[row, oj + jj] = acc[row, jj]
        return
    gal = np.zeros(PARTICLE_BLOCK, dtype=W.dtype)
    ggam = np.zeros(PARTICLE_BLOCK, dtype=W.dtype)
    gbet = np.zeros((K, PARTICLE_BLOCK), dtype=W.dtype)
    for src in range(2):
        Y = X if src == 0 else G
        weights = np.full((1, Y.shape[1]), wx if src == 0 else wg)  # float64, as the scalars
        _point_grads(W, j0, n, Y, weights, 0, kind, gal, ggam, gbet)
    o = np.uint64(j0)
    for jj in range(np.uint64(n)):
        grad[0, o + jj] = gal[jj]
        grad[K + 1, o + jj] = ggam[jj]
    for k in range(K):
        for jj in range(np.uint64(n)):
            grad[1 + k, o + jj] = gbet[k, jj]


@_jit(parallel=True)
def critic_grad(
    W: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    wx: float,
    wg: float,
    kind: int,
    grad: np.ndarray,
) -> None:
    """Critic velocity ``grad[:, j] = sum_r wx psi(x_r; w_j) + sum_r wg psi(g_r; w_j)``.

    ``psi(y; w) = grad_w [alpha act(beta . y + gamma)]``. Shapes: ``W (K+2, M)``,
    ``X (K, m)``, ``G (K, m')``, ``grad (K+2, M)``. Parallel over particle blocks;
    the inner loops run over the particles of the block (``K <= 2``) or over the points
    (``K > 2``, :func:`_rows_grads`).
    """
    for task in prange((W.shape[1] + PARTICLE_BLOCK - 1) // PARTICLE_BLOCK):
        _critic_grad_task(W, X, G, wx, wg, kind, grad, task)


@_jit()
def critic_grad_serial(
    W: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    wx: float,
    wg: float,
    kind: int,
    grad: np.ndarray,
) -> None:
    """:func:`critic_grad` on the calling thread."""
    for task in range((W.shape[1] + PARTICLE_BLOCK - 1) // PARTICLE_BLOCK):
        _critic_grad_task(W, X, G, wx, wg, kind, grad, task)


@_jit(inline=True)
def _val_outer_pair(
    s: np.ndarray,
    ds: np.ndarray,
    s2: np.ndarray,
    ds2: np.ndarray,
    fv: np.ndarray,
    G: np.ndarray,
    K: int,
    W: np.ndarray,
    j: int,
    n: int,
) -> None:
    """:func:`_val_outer` for critic particles ``j`` and ``j + 1`` in one pass (``K <= 2``).

    ``fv += alpha_j s + alpha_{j+1} s2``, ``G[l] += (alpha_j beta_lj) ds +
    (alpha_{j+1} beta_l,j+1) ds2``.
    """
    al, al2 = W[0, j], W[0, j + 1]
    a0, b0 = al * W[1, j], al2 * W[1, j + 1]
    if K == 1:
        for i in range(n):
            fv[i] += al * s[i] + al2 * s2[i]
            G[0, i] += a0 * ds[i] + b0 * ds2[i]
    else:
        a1, b1 = al * W[2, j], al2 * W[2, j + 1]
        for i in range(n):
            fv[i] += al * s[i] + al2 * s2[i]
            dsi = ds[i]
            ds2i = ds2[i]
            G[0, i] += a0 * dsi + b0 * ds2i
            G[1, i] += a1 * dsi + b1 * ds2i


@_jit()
def _critic_input_grad_task(
    W: np.ndarray, Y: np.ndarray, kind: int, E: np.ndarray, F: np.ndarray, task: int
) -> None:
    K = W.shape[0] - 2
    M = W.shape[1]
    m = Y.shape[1]
    r0 = task * ROW_BLOCK
    n = min(ROW_BLOCK, m - r0)
    v = np.empty(ROW_BLOCK, dtype=W.dtype)
    sv = np.empty(ROW_BLOCK, dtype=W.dtype)
    ds = np.empty(ROW_BLOCK, dtype=W.dtype)
    fv = np.zeros(ROW_BLOCK, dtype=W.dtype)
    ev = np.zeros((K, ROW_BLOCK), dtype=W.dtype)
    j = 0
    if K <= 2:  # two critic particles per pass: points and accumulators loaded once
        v2 = np.empty(ROW_BLOCK, dtype=W.dtype)
        sv2 = np.empty(ROW_BLOCK, dtype=W.dtype)
        ds2 = np.empty(ROW_BLOCK, dtype=W.dtype)
        while j + 2 <= M:
            _affine_fill2(v, v2, n, W, 1, j, K + 1, Y, 0, r0, K)
            act_block(v, sv, ds, n, kind)
            act_block(v2, sv2, ds2, n, kind)
            _val_outer_pair(sv, ds, sv2, ds2, fv, ev, K, W, j, n)
            j += 2
    while j < M:
        _affine_fill(v, n, W[K + 1, j], W, 1, j, Y, 0, r0, K)
        act_block(v, sv, ds, n, kind)
        _val_outer(sv, ds, W[0, j], fv, ev, K, W, 1, j, n)
        j += 1
    o = np.uint64(r0)
    for r in range(np.uint64(n)):
        F[o + r] = fv[r] / M
    for k in range(K):
        for r in range(np.uint64(n)):
            E[k, o + r] = ev[k, r] / M


@_jit(parallel=True)
def critic_input_grad(
    W: np.ndarray, Y: np.ndarray, kind: int, E: np.ndarray, F: np.ndarray
) -> None:
    """Critic values ``F[r] = f(y_r)`` and input gradients ``E[:, r] = grad f(y_r)``.

    ``f(y) = (1/M) sum_j alpha_j act(beta_j . y + gamma_j)``. Shapes: ``W (K+2, M)``,
    ``Y (K, m)``, ``E (K, m)``, ``F (m,)``. Parallel over row blocks.
    """
    for task in prange((Y.shape[1] + ROW_BLOCK - 1) // ROW_BLOCK):
        _critic_input_grad_task(W, Y, kind, E, F, task)


@_jit()
def critic_input_grad_serial(
    W: np.ndarray, Y: np.ndarray, kind: int, E: np.ndarray, F: np.ndarray
) -> None:
    """:func:`critic_input_grad` on the calling thread."""
    for task in range((Y.shape[1] + ROW_BLOCK - 1) // ROW_BLOCK):
        _critic_input_grad_task(W, Y, kind, E, F, task)


@_jit(reassoc=True)
def _quad_terms(
    Sv: np.ndarray,
    Dv: np.ndarray,
    E: np.ndarray,
    k: int,
    r0: int,
    A: np.ndarray,
    col: int,
    T: np.ndarray,
    n: int,
) -> tuple:
    """Four generator particles' point terms over the batch rows ``r0:r0+n``.

    ``T[q, i] = (E[k, r0+i] A[0, col+q]) Dv[q, i]`` for q < 4; returns the sums over the
    rows of ``E[k, r0+i] Sv[q, i]`` (q = 0..3), then of ``T[q, i]`` (q = 0..3).
    """
    a0, a1, a2, a3 = A[0, col], A[0, col + 1], A[0, col + 2], A[0, col + 3]
    g0 = 0.0
    g1 = 0.0
    g2 = 0.0
    g3 = 0.0
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    c3 = 0.0
    o = np.uint64(r0)
    for i in range(np.uint64(n)):
        w = E[k, o + i]
        t0 = (w * a0) * Dv[0, i]
        t1 = (w * a1) * Dv[1, i]
        t2 = (w * a2) * Dv[2, i]
        t3 = (w * a3) * Dv[3, i]
        T[0, i] = t0
        T[1, i] = t1
        T[2, i] = t2
        T[3, i] = t3
        g0 += w * Sv[0, i]
        g1 += w * Sv[1, i]
        g2 += w * Sv[2, i]
        g3 += w * Sv[3, i]
        c0 += t0
        c1 += t1
        c2 += t2
        c3 += t3
    return g0, g1, g2, g3, c0, c1, c2, c3


@_jit(reassoc=True)
def _dot_rows4(
    R: np.ndarray, count: int, off: int, T: np.ndarray, n: int, G: np.ndarray, g_row0: int, col: int
) -> None:
    """``G[g_row0 + l, col + q] += R[l, off:off+n] . T[q, :n]`` for ``l < count``, q < 4.

    Sixteen dot products a pass (four rows of ``R`` against four vectors), their sums in
    registers; the rows of ``R`` and ``T`` are loaded once per sixteen products.
    """
    o = np.uint64(off)
    ell = 0
    while ell + 4 <= count:
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        b0 = 0.0
        b1 = 0.0
        b2 = 0.0
        b3 = 0.0
        c0 = 0.0
        c1 = 0.0
        c2 = 0.0
        c3 = 0.0
        e0 = 0.0
        e1 = 0.0
        e2 = 0.0
        e3 = 0.0
        for i in range(np.uint64(n)):
            oi = o + i
            t0 = T[0, i]
            t1 = T[1, i]
            t2 = T[2, i]
            t3 = T[3, i]
            z = R[ell, oi]
            a0 += z * t0
            a1 += z * t1
            a2 += z * t2
            a3 += z * t3
            z = R[ell + 1, oi]
            b0 += z * t0
            b1 += z * t1
            b2 += z * t2
            b3 += z * t3
            z = R[ell + 2, oi]
            c0 += z * t0
            c1 += z * t1
            c2 += z * t2
            c3 += z * t3
            z = R[ell + 3, oi]
            e0 += z * t0
            e1 += z * t1
            e2 += z * t2
            e3 += z * t3
        g = g_row0 + ell
        G[g, col] += a0
        G[g, col + 1] += a1
        G[g, col + 2] += a2
        G[g, col + 3] += a3
        G[g + 1, col] += b0
        G[g + 1, col + 1] += b1
        G[g + 1, col + 2] += b2
        G[g + 1, col + 3] += b3
        G[g + 2, col] += c0
        G[g + 2, col + 1] += c1
        G[g + 2, col + 2] += c2
        G[g + 2, col + 3] += c3
        G[g + 3, col] += e0
        G[g + 3, col + 1] += e1
        G[g + 3, col + 2] += e2
        G[g + 3, col + 3] += e3
        ell += 4
    while ell < count:
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for i in range(np.uint64(n)):
            z = R[ell, o + i]
            a0 += z * T[0, i]
            a1 += z * T[1, i]
            a2 += z * T[2, i]
            a3 += z * T[3, i]
        g = g_row0 + ell
        G[g, col] += a0
        G[g, col + 1] += a1
        G[g, col + 2] += a2
        G[g, col + 3] += a3
        ell += 1


@_jit()
def _rows_grads(
    S: np.ndarray,
    i0: int,
    n: int,
    Y: np.ndarray,
    weights: np.ndarray,
    wrow: int,
    kind: int,
    acc: np.ndarray,
    rows: int,
) -> None:
    """:func:`_point_grads` in the forward pass's layout (batch rows vectorised), ``d > 2``.

    Adds ``sum_r weights[wrow, r] grad_theta [a act(b . y_r + c)]`` for the particles
    ``i0:i0+n`` of ``S (d+2, .)`` (rows ``a``, ``b``, ``c``) and the points ``Y (d, m)``
    into ``acc (d+2, >= n)`` (the same rows). The particles are copied into ``A``, padded
    with zero particles to a multiple of four; four particles a pass over ``rows`` batch
    rows at a time: pre-activations as in the forward pass (:func:`_affine_fill4`),
    activations, then the sums over the rows of :func:`_quad_terms` and :func:`_dot_rows4`,
    whose accumulators live in registers (a GEMM-like ``(d, rows) x (rows, 4)`` block,
    where the particle-major form loads and stores every accumulator once per four points).
    """
    d = Y.shape[0]
    m = Y.shape[1]
    n4 = (n + 3) // 4 * 4
    A = np.zeros((d + 2, n4), dtype=S.dtype)
    o = np.uint64(i0)
    for row in range(d + 2):
        for ii in range(np.uint64(n)):
            A[row, ii] = S[row, o + ii]
    U = np.empty((4, rows), dtype=S.dtype)
    Sv = np.empty((4, rows), dtype=S.dtype)
    Dv = np.empty((4, rows), dtype=S.dtype)
    T = np.empty((4, rows), dtype=S.dtype)
    for r0 in range(0, m, rows):
        nr = min(rows, m - r0)
        for j in range(0, n4, 4):
            _affine_fill4(U, nr, A, 1, j, d + 1, Y, 0, r0, d)
            for q in range(4):
                act_block(U[q], Sv[q], Dv[q], nr, kind)
            g0, g1, g2, g3, c0, c1, c2, c3 = _quad_terms(Sv, Dv, weights, wrow, r0, A, j, T, nr)
            acc[0, j] += g0
            acc[0, j + 1] += g1
            acc[0, j + 2] += g2
            acc[0, j + 3] += g3
            acc[d + 1, j] += c0
            acc[d + 1, j + 1] += c1
            acc[d + 1, j + 2] += c2
            acc[d + 1, j + 3] += c3
            _dot_rows4(Y, d, r0, T, nr, acc, 1, j)


@_jit()
def _gen_backward_task(
    P: np.ndarray, Z: np.ndarray, E: np.ndarray, kind: int, grad: np.ndarray, task: int
) -> None:
    L = P.shape[1] - 2
    N = P.shape[2]
    m = Z.shape[1]
    npb = (N + PARTICLE_BLOCK - 1) // PARTICLE_BLOCK
    k = task // npb
    i0 = (task % npb) * PARTICLE_BLOCK
    n = min(PARTICLE_BLOCK, N - i0)
    o = np.uint64(i0)
    if L > 2:  # in the forward pass's layout (see _rows_grads)
        acc = np.zeros((L + 2, (n + 3) // 4 * 4), dtype=P.dtype)
        _rows_grads(P[k], i0, n, Z, E, k, kind, acc, GEN_ROW_BLOCK)
        for row in range(L + 2):
            for ii in range(np.uint64(n)):
                grad[k, row, o + ii] = acc[row, ii] / m
        return
    ga = np.zeros(PARTICLE_BLOCK, dtype=P.dtype)
    gc = np.zeros(PARTICLE_BLOCK, dtype=P.dtype)
    gb = np.zeros((L, PARTICLE_BLOCK), dtype=P.dtype)
    _point_grads(P[k], i0, n, Z, E, k, kind, ga, gc, gb)
    for ii in range(np.uint64(n)):
        grad[k, 0, o + ii] = ga[ii] / m
        grad[k, L + 1, o + ii] = gc[ii] / m
    for ell in range(L):
        for ii in range(np.uint64(n)):
            grad[k, 1 + ell, o + ii] = gb[ell, ii] / m


@_jit(parallel=True)
def gen_backward(P: np.ndarray, Z: np.ndarray, E: np.ndarray, kind: int, grad: np.ndarray) -> None:
    """Generator velocity ``grad[k, :, i] = (1/m) sum_r E[k, r] grad_theta[a act(b.z_r + c)]``.

    With ``E`` the gradient of the objective with respect to the outputs ``g(z_r)``
    this is ``N`` times the gradient of the objective with respect to particle ``i``.
    Shapes: ``P (K, L+2, N)``, ``Z (L, m)``, ``E (K, m)``, ``grad (K, L+2, N)``.
    Parallel over (k, particle block); activations are recomputed, never stored.
    """
    for task in prange(P.shape[0] * ((P.shape[2] + PARTICLE_BLOCK - 1) // PARTICLE_BLOCK)):
        _gen_backward_task(P, Z, E, kind, grad, task)


@_jit()
def gen_backward_serial(
    P: np.ndarray, Z: np.ndarray, E: np.ndarray, kind: int, grad: np.ndarray
) -> None:
    """:func:`gen_backward` on the calling thread."""
    for task in range(P.shape[0] * ((P.shape[2] + PARTICLE_BLOCK - 1) // PARTICLE_BLOCK)):
        _gen_backward_task(P, Z, E, kind, grad, task)


# --------------------------------------------------------------------------- updates
@_jit()
def _update(
    x: np.ndarray,
    g: np.ndarray,
    ms: np.ndarray,
    eta: float,
    gscale: float,
    rms: bool,
    rho: float,
    eps: float,
    clip: float,
    per_particle: bool,
    n_particles: int,
) -> None:
    """In place on flat arrays: ``x += eta * dir(gscale * g)``, then clip to ``[-clip, clip]``.

    ``dir`` is the identity (SGD) or RMSProp's ``g / (sqrt(ms) + eps)`` with
    ``ms = rho ms + (1 - rho) g**2`` per coordinate, or with ``per_particle`` per particle:
    ``ms_i = rho ms_i + (1 - rho) sum_r g[r, i]**2`` over the coordinates ``r`` of particle
    ``i`` (flat index ``r * n_particles + i``), stored in each of them. ``clip <= 0``
    means no projection.
    """
    n = x.shape[0]
    if rms and per_particle:
        rows = n // n_particles
        for i in range(n_particles):
            s2 = 0.0
            for r in range(rows):
                gi = gscale * g[r * n_particles + i]
                s2 += gi * gi
            mi = rho * ms[i] + (1.0 - rho) * s2
            den = np.sqrt(mi) + eps
            for r in range(rows):
                q = r * n_particles + i
                ms[q] = mi
                x[q] += eta * ((gscale * g[q]) / den)
    elif rms:
        for i in range(n):
            gi = gscale * g[i]
            mi = rho * ms[i] + (1.0 - rho) * gi * gi
            ms[i] = mi
            x[i] += eta * (gi / (np.sqrt(mi) + eps))
    else:
        for i in range(n):
            x[i] += eta * (gscale * g[i])
    if clip > 0.0:
        for i in range(n):
            xi = x[i]
            if xi > clip:
                xi = clip
            if xi < -clip:
                xi = -clip
            x[i] = xi


@_jit()
def _all_finite(x: np.ndarray) -> bool:
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * 0.0
    return acc == 0.0


@_jit()
def _critic_substeps(
    P: np.ndarray,
    W: np.ndarray,
    msW: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    hyper: Any,
    loss_c: np.ndarray,
    st: int,
    G: np.ndarray,
    GW: np.ndarray,
) -> None:
    """:func:`critic_substeps` with its work arrays ``G (K, m)`` and ``GW`` (as ``W``) given."""
    kind = hyper.kind
    M = W.shape[1]
    mc = Zc.shape[3]
    Wf = W.reshape(W.size)
    GWf = GW.reshape(GW.size)
    msWf = msW.reshape(msW.size)
    for c in range(Zc.shape[1]):
        if hyper.parallel:
            gen_forward(P, Zc[st, c], kind, G)
            critic_grad(W, Xc[st, c], G, 1.0 / mc, -1.0 / mc, kind, GW)
        else:
            gen_forward_serial(P, Zc[st, c], kind, G)
            critic_grad_serial(W, Xc[st, c], G, 1.0 / mc, -1.0 / mc, kind, GW)
        d = 0.0
        for j in range(M):
            d += W[0, j] * GW[0, j]
        loss_c[st] = d / M
        _update(
            Wf,
            GWf,
            msWf,
            hyper.eta_c,
            hyper.gscale_c,
            hyper.rms,
            hyper.rho,
            hyper.eps,
            hyper.clip,
            hyper.per_particle,
            M,
        )


@_jit()
def critic_substeps(
    P: np.ndarray,
    W: np.ndarray,
    msW: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    hyper: Any,
    loss_c: np.ndarray,
    st: int,
) -> None:
    """The critic substeps of WGAN step ``st`` in place (``hyper``: a ``WGANHyper``).

    For each substep ``c``: ``W <- Proj_Q(W + eta_c dir(gscale_c grad))`` with the critic
    velocity of the real batch ``Xc[st, c]`` against ``g(Zc[st, c])`` (``dir`` and the
    projection as in :func:`_update`); ``loss_c[st]`` receives the last substep's batch
    estimate ``E f(x) - E f(g(z))``. Shapes as in :func:`wgan_block`; shared by it and by
    the implicit (JKO) generator step.
    """
    G = np.empty((P.shape[0], Zc.shape[3]), dtype=P.dtype)
    _critic_substeps(P, W, msW, Zc, Xc, hyper, loss_c, st, G, np.empty_like(W))


@_jit()
def wgan_block(
    P: np.ndarray,
    W: np.ndarray,
    msP: np.ndarray,
    msW: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    Zg: np.ndarray,
    hyper: Any,
    loss_c: np.ndarray,
    loss_g: np.ndarray,
) -> int:
    """Run ``Zg.shape[0]`` WGAN steps in place (``hyper``: a ``WGANHyper``).

    Returns the index of the first step after which the state is not finite, or -1.

    Shapes: ``Zc (S, n_critic, L, m)``, ``Xc (S, n_critic, K, m)``, ``Zg (S, L, m)``;
    ``loss_c[s]`` receives the critic's batch estimate ``E f(x) - E f(g(z))`` of the
    last critic substep, ``loss_g[s]`` the generator's ``E f(g(z))``. With
    ``hyper.parallel`` the threaded kernels run, else the serial ones.
    """
    kind = hyper.kind
    eta_g = hyper.eta_g
    gscale_g = hyper.gscale_g
    rms = hyper.rms
    rho = hyper.rho
    eps = hyper.eps
    parallel = hyper.parallel
    pp = hyper.per_particle
    K = P.shape[0]
    S = Zg.shape[0]
    m = Zg.shape[2]
    mc = Zc.shape[3]
    G = np.empty((K, mc), dtype=P.dtype)
    Gg = np.empty((K, m), dtype=P.dtype)
    E = np.empty((K, m), dtype=P.dtype)
    F = np.empty(m, dtype=P.dtype)
    GW = np.empty_like(W)
    GP = np.empty_like(P)
    Pf = P.reshape(P.size)
    Wf = W.reshape(W.size)
    GPf = GP.reshape(GP.size)
    msPf = msP.reshape(msP.size)
    for st in range(S):
        _critic_substeps(P, W, msW, Zc, Xc, hyper, loss_c, st, G, GW)
        if parallel:
            gen_forward(P, Zg[st], kind, Gg)
            critic_input_grad(W, Gg, kind, E, F)
        else:
            gen_forward_serial(P, Zg[st], kind, Gg)
            critic_input_grad_serial(W, Gg, kind, E, F)
        fm = 0.0
        for r in range(m):
            fm += F[r]
        loss_g[st] = fm / m
        if parallel:
            gen_backward(P, Zg[st], E, kind, GP)
        else:
            gen_backward_serial(P, Zg[st], E, kind, GP)
        _update(Pf, GPf, msPf, eta_g, gscale_g, rms, rho, eps, -1.0, pp, P.shape[2])
        if not (_all_finite(Pf) and _all_finite(Wf)):
            return st
    return -1


@_jit()
def regression_block(
    P: np.ndarray, X: np.ndarray, Y: np.ndarray, hyper: Any, loss: np.ndarray
) -> int:
    """Run ``X.shape[0]`` SGD steps of the two-layer regression in place.

    ``hyper`` is a ``RegressionHyper`` (activation, step size ``eta``, ``parallel``).
    Shapes: ``X (S, L, m)`` inputs, ``Y (S, K, m)`` teacher outputs; ``loss[s]``
    receives the batch energy ``(1/2m) sum_r |g(x_r) - y_r|^2`` before step ``s``.
    Returns the index of the first step after which the state is not finite, or -1.
    """
    kind = hyper.kind
    eta = hyper.eta
    parallel = hyper.parallel
    K = P.shape[0]
    S = X.shape[0]
    m = X.shape[2]
    G = np.empty((K, m), dtype=P.dtype)
    E = np.empty((K, m), dtype=P.dtype)
    GP = np.empty_like(P)
    Pf = P.reshape(P.size)
    GPf = GP.reshape(GP.size)
    for st in range(S):
        if parallel:
            gen_forward(P, X[st], kind, G)
        else:
            gen_forward_serial(P, X[st], kind, G)
        e2 = 0.0
        for k in range(K):
            for r in range(m):
                ekr = G[k, r] - Y[st, k, r]
                E[k, r] = ekr
                e2 += ekr * ekr
        loss[st] = 0.5 * e2 / m
        if parallel:
            gen_backward(P, X[st], E, kind, GP)
        else:
            gen_backward_serial(P, X[st], E, kind, GP)
        for i in range(Pf.shape[0]):
            Pf[i] -= eta * GPf[i]
        if not _all_finite(Pf):
            return st
    return -1
