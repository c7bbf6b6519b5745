"""Equilibria of ODEs and fixed points of schemes, exactly where SymPy solves.

Also the one reader of a point (``at=``) for the stability analyses and the exact
Jacobian of a scheme's one-step map at a point, through explicit and implicit stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme
from .._ode import ODE
from .._scheme import ExplicitStage, ImplicitStage, Scheme
from ..errors import InputError

__all__ = ["equilibria", "read_point", "scheme_jacobian", "state_of"]


def state_of(system: Any) -> tuple[tuple[sp.Symbol, ...], Scheme | None]:
    """``(variables, one-step scheme or None)`` of an ODE, a scheme or a two-step scheme."""
    if isinstance(system, ODE):
        return system.variables, None
    if isinstance(system, TwoStepScheme):
        return system.variables, system.doubled
    if isinstance(system, Scheme):
        return system.variables, system
    raise InputError(f"expected an ODE, a Scheme or a TwoStepScheme, got {type(system).__name__}")


def _as_value(value: Any, where: str) -> sp.Expr:
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{where}: {value!r} is not a number or SymPy expression")
    if isinstance(value, Integral):
        return sp.Integer(int(value))
    return sp.Float(float(value))


def read_point(system: Any, at: Any) -> dict[sp.Symbol, sp.Expr]:
    """The point ``at`` as ``{variable: value}``, every variable of ``system`` given once.

    ``at`` is a mapping keyed by the variables (symbols or their names) or a sequence in
    their order. A two-step scheme also takes its current state alone (the previous one
    equal to it, as at a fixed point).

    Raises
    ------
    InputError
        If a variable is missing, a key is not a variable, or a value is not a number.
    """
    variables, _ = state_of(system)
    current = system.current if isinstance(system, TwoStepScheme) else variables
    by_name = {v.name: v for v in variables}
    if isinstance(at, Mapping):
        point: dict[sp.Symbol, sp.Expr] = {}
        for key, value in at.items():
            var = by_name.get(key) if isinstance(key, str) else key
            if var not in variables:
                raise InputError(f"at: {key!r} is not a variable; the variables are {variables}")
            point[var] = _as_value(value, f"at[{key}]")
    elif isinstance(at, (list, tuple)) or (hasattr(at, "__len__") and hasattr(at, "__iter__")):
        values = list(at)
        if len(values) not in (len(variables), len(current)):
            raise InputError(
                f"at has {len(values)} values for the {len(variables)} variables {variables}"
            )
        names = variables if len(values) == len(variables) else current
        point = {v: _as_value(x, f"at[{v}]") for v, x in zip(names, values)}
    else:
        raise InputError(f"at must be a mapping or a sequence, got {type(at).__name__}")
    if isinstance(system, TwoStepScheme) and all(v in point for v in current):
        for v, p in zip(system.current, system.previous):
            point.setdefault(p, point[v])
    missing = [v for v in variables if v not in point]
    if missing:
        raise InputError(
            f"at is not a full point: no value for {', '.join(map(str, missing))} "
            f"(the variables are {variables})"
        )
    return {v: point[v] for v in variables}


def _stage_conditions(stage: Any) -> list[sp.Expr]:
    """Equations saying that ``stage`` leaves a state unchanged."""
    if isinstance(stage, ExplicitStage):
        return [val - t for t, val in zip(stage.targets, stage.values)]
    assert isinstance(stage, ImplicitStage)
    back = dict(zip(stage.unknowns, stage.targets))
    return [r.xreplace(back) for r in stage.residual]


def _without_step_factor(expr: sp.Expr, step: sp.Symbol) -> sp.Expr:
    """``expr`` with factors ``step**k`` removed (a positive step is never zero)."""
    expr = sp.factor_terms(sp.expand(expr))
    if isinstance(expr, sp.Mul):
        keep = [f for f in expr.args if not (f == step or (f.is_Pow and f.base == step))]
        return sp.Mul(*keep)
    return expr


def equilibria(system: Any) -> list[dict[sp.Symbol, sp.Expr]]:
    """Equilibria of an ODE, or fixed points of a scheme, solved exactly by SymPy.

    For an :class:`~limitdyn.ODE`, the zeros of the right-hand side. For a scheme, the
    states that every stage leaves unchanged (for block schemes, alternating or
    simultaneous, these are exactly the fixed points of the map); a two-step scheme's
    are those of its doubled state, ``x_prev = x``. Parameters stay symbolic; a variable
    left free by the solution (a curve of equilibria) is kept as itself.

    Parameters
    ----------
    system : ODE, Scheme or TwoStepScheme

    Returns
    -------
    list of dict
        One ``{variable: value}`` per solution, every variable present.

    Raises
    ------
    InputError
        If ``system`` is not an ODE or scheme, or SymPy cannot solve the equations.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y, a = sp.symbols("x y a")
    >>> ld.equilibria(ld.ODE((x, y), [y, a - x**2]))
    [{x: -sqrt(a), y: 0}, {x: sqrt(a), y: 0}]
    >>> ld.equilibria(ld.explicit([y, a - x], [x, y]))
    [{x: a, y: 0}]
    """
    variables, scheme = state_of(system)
    if scheme is None:
        equations = list(system.rhs)
    else:
        equations = [e for stage in scheme.stages for e in _stage_conditions(stage)]
        step = scheme.step
        equations = [_without_step_factor(e, step) for e in equations]
    equations = [e for e in equations if e != 0]
    if not equations:
        return [dict(zip(variables, variables))]
    try:
        solutions = sp.solve(equations, list(variables), dict=True)
    except NotImplementedError as exc:  # pragma: no cover - depends on SymPy's solvers
        raise InputError(f"equilibria: SymPy cannot solve {equations}: {exc}") from exc
    out = []
    for sol in solutions:
        point = {v: sp.simplify(sol.get(v, v)) for v in variables}
        if point not in out:
            out.append(point)
    return sorted(out, key=lambda p: [sp.default_sort_key(p[v]) for v in variables])


def _at(derivative: sp.Expr, point: dict[sp.Symbol, sp.Expr], where: str) -> sp.Expr:
    """A derivative evaluated at ``point``; one SymPy could not form (``Abs`` of a symbol
    not declared real, a function without a derivative) is refused by name."""
    if derivative.has(sp.Derivative):
        raise InputError(
            f"linear_stability: {where} has no derivative SymPy can evaluate "
            f"({derivative}); declare the variables real (sp.Symbol(..., real=True)) or "
            "write the field without it"
        )
    return check_smooth_at(derivative, point, where=where)


def check_smooth_at(derivative: sp.Expr, point: dict[sp.Symbol, sp.Expr], *, where: str) -> sp.Expr:
    """The value of ``derivative`` at ``point``, refused where it does not exist there: a
    ``DiracDelta``, ``Heaviside`` or ``sign`` (from ``Abs``, ``Max``, ...) whose argument
    vanishes there, or a non-finite value: the field has a kink or a pole, and no
    linearisation.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> check_smooth_at(sp.sign(x), {x: sp.Integer(1)}, where="f")
    1
    >>> check_smooth_at(sp.sign(x), {x: sp.Integer(0)}, where="f")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: f is not differentiable at x = 0 (sign(x) has its jump there)...
    """
    text = ", ".join(f"{v} = {c}" for v, c in point.items())
    for kink in derivative.atoms(sp.DiracDelta, sp.Heaviside, sp.sign):
        if sp.simplify(kink.args[0].xreplace(point)) == 0:
            raise InputError(
                f"{where} is not differentiable at {text} ({kink} has its jump there): "
                "there is no linearisation; choose a point where the field is smooth"
            )
    value = derivative.xreplace(point)
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise InputError(
            f"{where} is not differentiable at {text} (its derivative {derivative} is not "
            "finite there): there is no linearisation"
        )
    return value


def _stage_jacobian(
    stage: Any, variables: tuple[sp.Symbol, ...], point: dict[sp.Symbol, sp.Expr], where: str
) -> tuple[sp.Matrix, dict[sp.Symbol, sp.Expr]]:
    """Jacobian of one stage (on the whole state) at ``point``, and the image of the point."""
    n = len(variables)
    rows = {t: variables.index(t) for t in stage.targets}
    jac = sp.eye(n)
    new = dict(point)
    if isinstance(stage, ExplicitStage):
        for t, val in zip(stage.targets, stage.values):
            jac[rows[t], :] = sp.Matrix([[_at(sp.diff(val, v), point, where) for v in variables]])
            new[t] = val.xreplace(point)
        return jac, new
    assert isinstance(stage, ImplicitStage)
    at = {**point, **{w: point[t] for w, t in zip(stage.unknowns, stage.targets)}}
    for r in stage.residual:
        if not sp.simplify(r.xreplace(at)) == 0:
            raise InputError(
                f"linear_stability: {where} (implicit) does not leave the point unchanged; "
                "give a fixed point of the scheme (see limitdyn.equilibria)"
            )
    res = sp.Matrix(stage.residual)
    r_w = res.jacobian(list(stage.unknowns)).applyfunc(lambda e: _at(e, at, where))
    r_z = res.jacobian(list(variables)).applyfunc(lambda e: _at(e, at, where))
    dw = -r_w.LUsolve(r_z)
    for t, i in rows.items():
        jac[i, :] = dw[list(stage.targets).index(t), :].applyfunc(sp.cancel)
    return jac, new


def scheme_jacobian(scheme: Scheme, point: dict[sp.Symbol, sp.Expr]) -> sp.ImmutableMatrix:
    """Exact Jacobian of the one-step map of ``scheme`` at ``point`` (chain rule over stages;
    implicit stages by the implicit function theorem, at a point they leave unchanged)."""
    variables = scheme.variables
    jac = sp.eye(len(variables))
    current = dict(point)
    for i, stage in enumerate(scheme.stages):
        stage_jac, current = _stage_jacobian(stage, variables, current, f"stage {i}")
        jac = stage_jac * jac
    return sp.ImmutableMatrix(jac.applyfunc(lambda e: sp.cancel(sp.expand(e))))
