"""The series of a scheme's one-step map in the step size, over either algebra.

One implementation, written against :class:`~limitdyn.symbolic._algebra.SeriesAlgebra`:
stages are applied in order to the jets of the state; an explicit stage composes its
values with the current jets, an implicit stage ``R(z, w) = 0`` is solved order by order
(at order ``m`` the coefficient of ``step**m`` of ``R`` is ``J w_m + r_m`` with
``J = dR/dw`` at step 0, linear in the unknown ``w_m``). Polynomial schemes run in a
sparse polynomial ring; when a scheme is not polynomial, or an implicit stage has a
non-constant ``J``, the same code runs on SymPy expressions. :func:`map_series`,
:func:`~limitdyn.limit_ode` and :func:`~limitdyn.modified_equation` all use it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme, as_one_step
from .._scheme import ExplicitStage, ImplicitStage, Scheme
from .._validate import non_negative_int
from ..errors import SchemeError
from ._algebra import AnyJet, SeriesAlgebra, in_algebra
from ._cache import LongestCache
from ._closure import best_algebra
from ._jets import tidy

__all__ = ["map_series", "scheme_series"]

Vector = list[Any]

#: scheme -> (order, (algebra, d)) with d[j][i] the coefficient of step**j of z_i
_SERIES: LongestCache[tuple[SeriesAlgebra, list[Vector]]] = LongestCache()


def _implicit_stage(
    alg: SeriesAlgebra, stage: ImplicitStage, cur: dict[sp.Symbol, AnyJet], order: int
) -> list[AnyJet]:
    """Jets of the new values ``w`` of an implicit stage ``R(z, w) = 0``."""
    label = stage.label or "?"
    res = [alg.lift(r) for r in stage.residual]
    # the state at step 0, the new values equal to the old ones
    at_rest = {v: [j[0]] for v, j in cur.items()}
    at_rest.update({u: [cur[t][0]] for u, t in zip(stage.unknowns, stage.targets)})
    at0 = alg.compose(res, at_rest, 0)
    for i, jet in enumerate(at0):
        if not alg.vanishes(alg.tidy(jet[0])):
            raise SchemeError(
                f"implicit stage {label}: residual {i} does not vanish at step 0 with the "
                "new values equal to the old ones, so it has no small-step limit"
            )
    derivs = [alg.diff(r, u) for r in res for u in stage.unknowns]
    entries = [tidy(alg.to_expr(j[0])) for j in alg.compose(derivs, at_rest, 0)]
    n = len(stage.unknowns)
    jac = sp.Matrix(n, n, entries)
    identity = jac == sp.eye(n)
    if not identity and jac.det() == 0:
        raise SchemeError(
            f"implicit stage {label}: dR/dw is singular at step 0; the new values are not "
            "determined"
        )
    w = [[cur[t][0]] + [alg.zero] * order for t in stage.targets]
    for m in range(1, order + 1):
        subs = {v: j[: m + 1] for v, j in cur.items()}
        subs.update({u: wk[: m + 1] for u, wk in zip(stage.unknowns, w)})
        rest = [-jet[m] for jet in alg.compose(res, subs, m)]
        solved = [alg.tidy(r) for r in rest] if identity else alg.solve_linear(jac, rest)
        for wk, value in zip(w, solved):
            wk[m] = value
    return w


def stage_series(alg: SeriesAlgebra, scheme: Scheme, order: int) -> list[Vector]:
    """``d[j][i]``, the coefficient of ``step**j`` in the new ``z_i``, computed in ``alg``
    (uncached; may raise :class:`NotInAlgebra`)."""
    cur: dict[sp.Symbol, AnyJet] = {v: [alg.var(v)] + [alg.zero] * order for v in scheme.variables}
    for stage in scheme.stages:
        if isinstance(stage, ExplicitStage):
            new = alg.compose([alg.lift(e) for e in stage.values], cur, order)
        elif isinstance(stage, ImplicitStage):
            new = _implicit_stage(alg, stage, cur, order)
        else:  # pragma: no cover - Stage is closed over these two kinds
            raise SchemeError(f"unknown stage kind {type(stage).__name__}")
        cur.update(zip(stage.targets, new))
    return [[cur[v][j] for v in scheme.variables] for j in range(order + 1)]


def _compute(scheme: Scheme, order: int) -> tuple[SeriesAlgebra, list[Vector]]:
    exprs = [e for stage in scheme.stages for e in stage.expressions()]
    holders = [h for stage in scheme.stages for h in stage.placeholders]
    rest = {
        u: t
        for stage in scheme.stages
        if isinstance(stage, ImplicitStage)
        for u, t in zip(stage.unknowns, stage.targets)
    }
    alg = best_algebra(exprs, scheme.variables, holders, scheme.step, rest)
    return in_algebra(alg, scheme.variables, scheme.step, lambda a: stage_series(a, scheme, order))


def scheme_series(scheme: Scheme, order: int) -> tuple[SeriesAlgebra, list[Vector]]:
    """``(algebra, d)``: ``d[j][i]`` is the coefficient of ``step**j`` in the new ``z_i``.

    Cached per scheme at the longest order asked so far; ``d`` has ``order + 1`` rows.
    """
    _, (alg, d) = _SERIES.get(scheme, order, lambda k: _compute(scheme, k))
    return alg, d[: order + 1]


def map_series(scheme: Scheme | TwoStepScheme, *, order: int) -> sp.ImmutableMatrix:
    """Taylor coefficients of the one-step map ``Phi_tau(z)`` in the step.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        Any scheme; implicit stages are expanded through their implicit series; a
        two-step scheme gives the series of its map on the doubled state.
    order : int
        Highest power of the step kept.

    Returns
    -------
    ImmutableMatrix
        Shape ``(dim, order + 1)``: entry ``[i, j]`` is the coefficient of ``tau**j`` in
        the new value of ``scheme.variables[i]``.

    Raises
    ------
    SchemeError
        If ``scheme`` is not a scheme, ``order`` is not a non-negative integer, or an
        implicit stage has no small-step solution.

    Examples
    --------
    The implicit Euler map for ``x' = -x`` is ``x / (1 + tau) = x - tau x + tau**2 x - ...``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> ld.map_series(ld.implicit([-x], [x]), order=3)
    Matrix([[x, -x, x, -x]])
    """
    one_step = as_one_step(scheme)
    order = non_negative_int(order, "order", error=SchemeError)
    alg, d = scheme_series(one_step, order)
    return sp.ImmutableMatrix(
        [[alg.to_expr(d[j][i]) for j in range(order + 1)] for i in range(one_step.dim)]
    )
