"""The series of a scheme's one-step map in the step size."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .._scheme import ExplicitStage, ImplicitStage, Scheme
from ..errors import SchemeError
from ._jets import Jet, constant_jet, jets_of, tidy

__all__ = ["map_series"]


def _is_zero(expr: sp.Expr) -> bool:
    if expr == 0:
        return True
    return bool(sp.simplify(expr) == 0)


def _implicit_stage_jets(
    stage: ImplicitStage, current: dict[sp.Symbol, Jet], step: sp.Symbol, order: int
) -> list[Jet]:
    """Solve ``R(z, w) = 0`` order by order for the jets of ``w``.

    At order 0, ``w = z[targets]``; at order j the coefficient of ``step**j`` in
    ``R`` is ``J w_j + r_j`` with ``J = dR/dw`` at step 0, linear in the unknown
    coefficient ``w_j`` (every other term involves only lower coefficients).
    """
    base = {v: j[0] for v, j in current.items()}
    w0 = [current[t][0] for t in stage.targets]
    at0 = {**base, **dict(zip(stage.unknowns, w0)), step: sp.S.Zero}
    for i, r in enumerate(stage.residual):
        if not _is_zero(tidy(r.xreplace(at0))):
            raise SchemeError(
                f"implicit stage {stage.label or '?'}: residual {i} does not vanish at "
                "step 0 with the new values equal to the old ones, so it has no small-step limit"
            )
    jac = sp.Matrix(stage.residual).jacobian(stage.unknowns).xreplace(at0)
    jac = jac.applyfunc(tidy)
    identity = jac == sp.eye(len(stage.unknowns))
    if not identity and jac.det() == 0:
        raise SchemeError(
            f"implicit stage {stage.label or '?'}: dR/dw is singular at step 0; "
            "the new values are not determined"
        )
    w: list[Jet] = [constant_jet(c, order) for c in w0]
    for j in range(1, order + 1):
        subs = {v: jet[: j + 1] for v, jet in current.items()}
        subs.update({u: wj[: j + 1] for u, wj in zip(stage.unknowns, w)})
        rest = sp.Matrix([jet[j] for jet in jets_of(stage.residual, subs, step=step, order=j)])
        solved = -rest if identity else -jac.LUsolve(rest)
        for wj, value in zip(w, solved):
            wj[j] = tidy(sp.cancel(value)) if not identity else tidy(value)
    return w


@lru_cache(maxsize=256)
def _map_series(scheme: Scheme, order: int) -> tuple[tuple[sp.Expr, ...], ...]:
    step = scheme.step
    current: dict[sp.Symbol, Jet] = {v: constant_jet(v, order) for v in scheme.variables}
    for stage in scheme.stages:
        if isinstance(stage, ExplicitStage):
            new = jets_of(stage.values, current, step=step, order=order)
        elif isinstance(stage, ImplicitStage):
            new = _implicit_stage_jets(stage, current, step, order)
        else:  # pragma: no cover - Stage is closed over these two kinds
            raise SchemeError(f"unknown stage kind {type(stage).__name__}")
        current.update(zip(stage.targets, new))
    return tuple(tuple(current[v]) for v in scheme.variables)


def map_series(scheme: Scheme, order: int) -> sp.ImmutableMatrix:
    """Taylor coefficients of the one-step map ``Phi_tau(z)`` in the step.

    Parameters
    ----------
    scheme : Scheme
        Any scheme; implicit stages are expanded through their implicit series.
    order : int
        Highest power of the step kept.

    Returns
    -------
    ImmutableMatrix
        Shape ``(dim, order + 1)``: entry ``[i, j]`` is the coefficient of ``tau**j`` in
        the new value of ``scheme.variables[i]``.

    Examples
    --------
    The implicit Euler map for ``x' = -x`` is ``x / (1 + tau) = x - tau x + tau**2 x - ...``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> ld.map_series(ld.implicit([-x], [x]), order=3)
    Matrix([[x, -x, x, -x]])
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"expected a Scheme, got {type(scheme).__name__}")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise SchemeError(f"order must be a non-negative integer, got {order!r}")
    return sp.ImmutableMatrix(_map_series(scheme, order))
