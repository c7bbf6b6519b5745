"""The underlying one-step method of a two-step scheme, as a series in the step.

For ``x+ = R(x, x_prev, tau)`` the underlying one-step method ``Phi`` satisfies
``Phi(Phi(u)) = R(Phi(u), u, tau)`` (Hairer, Lubich, Wanner, *Geometric Numerical
Integration*, ch. XV.2). With ``Phi = u + sum_m tau**m a_m`` the coefficient of
``tau**m`` reads ``(2 I - M) a_m = (known terms)``, where ``M = dR/dx`` at
``(u, u, 0)``; the known terms are the coefficients computed with ``a_m = 0``. Written
once against :class:`~limitdyn.symbolic._algebra.SeriesAlgebra`, like the map series.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme
from ..errors import SchemeError
from ._algebra import SeriesAlgebra, in_algebra
from ._cache import LongestCache
from ._closure import best_algebra

__all__ = ["underlying_series"]

Vector = list[Any]

_UNDERLYING: LongestCache[tuple[SeriesAlgebra, list[Vector]]] = LongestCache()


def _coupling(scheme: TwoStepScheme, alg: SeriesAlgebra) -> sp.Matrix:
    """``M = dR/dx`` at ``x_prev = x``, step 0, as a SymPy matrix."""
    xs, ps = scheme.current, scheme.previous
    at_rest = {p: [alg.var(x)] for x, p in zip(xs, ps)}
    rows = []
    for r in scheme.recurrence:
        lifted = alg.lift(r)
        at0 = alg.compose([alg.diff(lifted, x) for x in xs], at_rest, 0)
        rows.append([alg.to_expr(j[0]) for j in at0])
    return sp.Matrix(rows)


def _compute(scheme: TwoStepScheme, order: int) -> tuple[SeriesAlgebra, list[Vector]]:
    rest = dict(zip(scheme.previous, scheme.current))
    alg = best_algebra(list(scheme.recurrence), scheme.current, scheme.previous, scheme.step, rest)
    # a coupling M with parameters leaves the ring (its inverse scales the known terms)
    return in_algebra(alg, scheme.current, scheme.step, lambda a: _series_in(a, scheme, order))


def _series_in(alg: SeriesAlgebra, scheme: TwoStepScheme, order: int) -> list[Vector]:
    xs, ps = scheme.current, scheme.previous
    dim = len(xs)
    amat = 2 * sp.eye(dim) - _coupling(scheme, alg)
    if sp.simplify(amat.det()) == 0:
        raise SchemeError(
            "two-step scheme: 2 I - dR/dx is singular at step 0, so the underlying "
            "one-step method is not determined (a parasitic root equals the principal one)"
        )
    inv = amat.inv().applyfunc(sp.simplify)
    rec = [alg.lift(r) for r in scheme.recurrence]
    at_rest = {p: [alg.var(x)] for x, p in zip(xs, ps)}
    a: list[Vector] = [[alg.var(x) for x in xs]]
    for m in range(1, order + 1):
        jets = {x: [a[j][i] for j in range(m)] + [alg.zero] for i, x in enumerate(xs)}
        phi = [alg.with_step(jets[x]) for x in xs]
        twice = alg.compose(phi, jets, m)
        rest = {p: j + [alg.zero] * m for p, j in at_rest.items()}
        rhs = alg.compose(rec, {**jets, **rest}, m)
        known = [alg.tidy(rhs[i][m] - twice[i][m]) for i in range(dim)]
        am = [
            alg.tidy(sum((alg.scale(known[k], inv[i, k]) for k in range(dim)), alg.zero))
            for i in range(dim)
        ]
        a.append(am)
    return a


def underlying_series(scheme: TwoStepScheme, order: int) -> tuple[SeriesAlgebra, list[Vector]]:
    """``(algebra, a)``: ``a[m][i]`` is the coefficient of ``tau**m`` of ``Phi(u)_i``.

    ``a`` has ``order + 1`` rows, ``a[0] = u`` (the current variables). Cached per scheme
    at the longest order asked so far.

    Raises
    ------
    SchemeError
        If ``2 I - dR/dx`` is singular at step 0.

    Examples
    --------
    Heavy ball on ``x**2 / 2`` with momentum 1/2: ``Phi(u) = u - 2 tau u + ...``, the
    limit ``x' = -x / (1 - beta)``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> alg, a = underlying_series(ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2)), 1)
    >>> [alg.to_expr(c[0]) for c in a]
    [x, -2*x]
    """
    _, (alg, a) = _UNDERLYING.get(scheme, order, lambda k: _compute(scheme, k))
    return alg, a[: order + 1]
