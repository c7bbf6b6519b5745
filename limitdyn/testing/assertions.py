"""Assertions for tests of scheme theorems, built on the library's own analyses.

Each raises :class:`AssertionError` with a readable message: the counterexample (the
component, the point, the step) and the measured value against the expected one.
hypothesis is not needed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

import limitdyn as ld

__all__ = ["assert_conserved", "assert_modified_order", "assert_order", "assert_same_limit"]


def _is_zero(expr: sp.Expr) -> bool:
    """Exact zero test: expansion, then cancellation, then ``simplify``."""
    expr = sp.expand(expr)
    if expr == 0:
        return True
    if sp.cancel(expr) == 0:
        return True
    return bool(sp.simplify(expr) == 0)


def _limit(system: Any, where: str) -> tuple[tuple[sp.Symbol, ...] | None, list[sp.Expr], str]:
    if isinstance(system, ld.ODE):
        return tuple(system.variables), list(system.rhs), system.name or "the ODE"
    if isinstance(system, (ld.Scheme, ld.TwoStepScheme)):
        ode = ld.limit_ode(system)
        return tuple(ode.variables), list(ode.rhs), f"the limit of {system.name!r}"
    if isinstance(system, Sequence) or isinstance(system, sp.MatrixBase):
        return None, [sp.S(e) for e in system], "the field"
    raise TypeError(f"{where}: expected a Scheme, TwoStepScheme, ODE or field, got {system!r}")


def assert_same_limit(a: Any, b: Any) -> None:
    """Assert that ``a`` and ``b`` have the same small-step limit ODE, exactly.

    Parameters
    ----------
    a, b : Scheme, TwoStepScheme, ODE or sequence of Expr
        Schemes are replaced by :func:`limitdyn.limit_ode`; a sequence is a field on the
        other argument's variables.

    Raises
    ------
    AssertionError
        Naming the first component where the limits differ, both right-hand sides and
        their difference (or the variables, when they differ).

    Examples
    --------
    Explicit and implicit Euler share their limit (Hairer, Lubich, Wanner, ch. II):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> assert_same_limit(ld.explicit([-y, x], [x, y]), ld.implicit([-y, x], [x, y]))
    >>> assert_same_limit(ld.explicit([-y, x], [x, y]), [y, x])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: the limits differ in x': ... gives -y, the field gives y (difference -2*y)
    """
    va, fa, na = _limit(a, "assert_same_limit")
    vb, fb, nb = _limit(b, "assert_same_limit")
    variables = va if va is not None else vb
    if va is not None and vb is not None and va != vb:
        raise AssertionError(f"the limits are on different variables: {na} on {va}, {nb} on {vb}")
    if len(fa) != len(fb):
        raise AssertionError(
            f"the limits have different sizes: {na} has {len(fa)} components, {nb} {len(fb)}"
        )
    for i, (ea, eb) in enumerate(zip(fa, fb)):
        if not _is_zero(ea - eb):
            name = variables[i] if variables is not None else f"component {i}"
            raise AssertionError(
                f"the limits differ in {name}': {na} gives {ea}, {nb} gives {eb} "
                f"(difference {sp.factor(ea - eb)})"
            )


def _describe(study: Any) -> str:
    rows = ", ".join(
        f"tau={t:.3g}: {e:.3g} ({s})" for t, e, s in zip(study.taus, study.errors, study.status)
    )
    return f"errors {rows}; {study.order_reason}"


def assert_order(study: Any, expected: float, tol: float = 0.1) -> None:
    """Assert that a convergence study's fitted order is ``expected`` within ``tol``.

    Parameters
    ----------
    study : ConvergenceStudy
        From :func:`limitdyn.convergence_study`.
    expected : float
        The order the theorem states.
    tol : float
        The tolerance on the fitted order.

    Raises
    ------
    AssertionError
        With the measured and expected orders, every level's step, error and status.

    Examples
    --------
    Explicit Euler is first order:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
    ...     taus=[0.02, 0.01, 0.005], engine="numpy", progress=False)
    >>> assert_order(study, 1, tol=0.05)
    >>> assert_order(study, 2, tol=0.05)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: order of the iterates against the limit ODE: measured 1.0..., expected 2 ...
    """
    if not isinstance(study, ld.ConvergenceStudy):
        raise TypeError(f"assert_order: expected a ConvergenceStudy, got {study!r}")
    measured = study.order
    if not (np.isfinite(measured) and abs(measured - expected) <= tol):
        raise AssertionError(
            f"order of the iterates against the {study.reference}: measured {measured:.4g}, "
            f"expected {expected} +- {tol}; "
            f"{_describe(study)}"
        )


def _point(scheme: Any, quantity: sp.Expr, factor: sp.Expr, mapping: dict[Any, Any]) -> str:
    """A small rational point and step where ``quantity`` is not multiplied by ``factor``."""
    step = scheme.step
    variables = list(scheme.variables)
    params = sorted(quantity.free_symbols - set(variables) - {step}, key=str)
    after = quantity.xreplace(mapping)
    for shift in range(5):
        values = {v: sp.Integer((i + shift) % 3 + 1) for i, v in enumerate(variables)}
        values.update({p: sp.Integer(shift + 1) for p in params})
        values[step] = sp.Rational(1, 10)
        before_v = quantity.xreplace(values)
        after_v = sp.cancel(after.xreplace(values))
        want = sp.cancel(factor.xreplace(values) * before_v)
        if after_v != want:
            at = ", ".join(f"{k}={v}" for k, v in values.items() if k != step)
            return (
                f"at {at}, tau=1/10: {quantity} goes from {before_v} to {after_v}, expected {want}"
            )
    return ""


def assert_conserved(
    quantity: Any, scheme: Any, *, factor: Any = 1, order: int | None = None
) -> None:
    """Assert that one step of ``scheme`` multiplies ``quantity`` by ``factor`` exactly
    (default 1: conserved), or with ``order=k`` that it is conserved to ``O(tau**(k+1))``.

    Parameters
    ----------
    quantity : Expr
        In the scheme's variables (and parameters).
    scheme : Scheme or TwoStepScheme
        Explicit stages, or implicit stages linear in their new values (exact check); any
        scheme with ``order``.
    factor : Expr
        The expected factor ``g(tau)``: ``quantity(Phi_tau(z)) = g(tau) quantity(z)``
        (:func:`limitdyn.growth_factor`).
    order : int, optional
        Check instead that ``quantity(Phi_tau(z)) - quantity(z)`` has no term below
        ``tau**(order + 1)`` (:func:`limitdyn.map_series`).

    Raises
    ------
    AssertionError
        With the measured factor (or the first surviving term), and a rational point where
        the quantity changes.

    Examples
    --------
    Alternating updates on ``xy`` conserve ``x^2 + y^2 - tau x y``, simultaneous ones
    multiply ``x^2 + y^2`` by ``1 + tau^2`` (Mescheder, Geiger, Nowozin 2018, Sec. 2):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> blocks = [(x, [-y]), (y, [x])]
    >>> assert_conserved(x**2 + y**2 - ld.tau * x * y, ld.alternating(blocks))
    >>> assert_conserved(x**2 + y**2, ld.simultaneous(blocks), factor=1 + ld.tau**2)
    >>> assert_conserved(x**2 + y**2, ld.simultaneous(blocks))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: x**2 + y**2 is multiplied by tau**2 + 1 per step of ..., expected 1; ...
    >>> assert_conserved(x**2 + y**2, ld.alternating(blocks), order=1)
    """
    from ..symbolic._invariants import exact_map

    if not isinstance(scheme, (ld.Scheme, ld.TwoStepScheme)):
        raise TypeError(f"assert_conserved: expected a scheme, got {scheme!r}")
    quantity = sp.S(quantity)
    step = scheme.step
    if order is not None:
        series = ld.map_series(scheme, order=order)
        new = {
            v: sum(series[i, j] * step**j for j in range(order + 1))
            for i, v in enumerate(scheme.variables)
        }
        change = sp.expand(sp.series(quantity.xreplace(new) - quantity, step, 0, order + 1))
        change = change.removeO()
        for j in range(order + 1):
            term = sp.expand(change.coeff(step, j)) if j else sp.expand(change.subs(step, 0))
            if not _is_zero(term):
                raise AssertionError(
                    f"{quantity} is not conserved to O(tau**{order + 1}) by {scheme.name!r}: "
                    f"its change per step has the term {step**j} * ({sp.factor(term)})"
                )
        return
    factor = sp.S(factor)
    measured = ld.growth_factor(scheme, quantity)
    if measured is not None and _is_zero(measured - factor):
        return
    what = "not multiplied by a constant" if measured is None else f"multiplied by {measured}"
    mapping = exact_map(scheme)
    where = _point(scheme, quantity, factor, mapping)
    raise AssertionError(
        f"{quantity} is {what} per step of {scheme.name!r}, expected {factor}"
        + (f"; {where}" if where else "")
    )


def assert_modified_order(
    scheme: Any,
    order: int,
    *,
    z0: Any,
    t_end: float = 1.0,
    taus: Any = (0.08, 0.04, 0.02, 0.01),
    params: Any = None,
    tol: float = 0.25,
    expected: float | None = None,
    engine: str = "auto",
) -> Any:
    """Assert that the order-``k`` modified equation tracks the iterates with global error
    ``O(tau**(k+1))`` (backward error analysis: Hairer, Lubich, Wanner, *Geometric
    Numerical Integration*, Thm. IX.1.2 and IX.3), measured by
    :func:`limitdyn.convergence_study` with ``reference=order``.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
    order : int
        ``k``, the order of the modified equation.
    z0 : array_like
        Initial state.
    t_end : float
        Final cumulative learning rate.
    taus : sequence of float
        The step sizes.
    params : mapping, optional
        Parameter values.
    tol : float
        The fitted order must be at least ``expected - tol``.
    expected : float, optional
        The order claimed; default ``k + 1``, the theorem's.
    engine : str
        Passed on.

    Returns
    -------
    ConvergenceStudy
        The study, for further checks.

    Raises
    ------
    AssertionError
        With the measured and expected orders and every level's error.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> study = assert_modified_order(ld.explicit([-x**2], [x]), 1, z0=[1.0], engine="numpy")
    >>> round(study.order)
    2

    The limit alone (``k = 0``) is only first order:

    >>> assert_modified_order(ld.explicit([-x**2], [x]), 0, z0=[1.0], expected=2,
    ...                       engine="numpy")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: the order-0 modified equation ...: global error of order 1.0..., ...
    """
    study = ld.convergence_study(
        scheme,
        z0,
        t_end=t_end,
        taus=list(taus),
        params=params,
        reference=order,
        engine=engine,
        progress=False,
    )
    expected = order + 1 if expected is None else expected
    measured = study.order
    if not (np.isfinite(measured) and measured >= expected - tol):
        raise AssertionError(
            f"the order-{order} modified equation of {scheme.name!r} from z0={list(z0)}: "
            f"global error of order {measured:.4g}, expected at least {expected} - {tol}; "
            f"{_describe(study)}"
        )
    return study
