"""Extragradient and two-step schemes (optimistic gradient, heavy-ball momentum).

A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)`` is stored as a one-step
:class:`~limitdyn.Scheme` on the doubled state ``(x, x_prev)``:
``x+ = R(x, x_prev, tau)``, ``x_prev+ = x``. That is what numeric iteration runs.
It is also a :class:`TwoStepScheme`, which remembers which half is which, so that
symbolic analyses can work with its *underlying one-step method*: the map
``Phi_tau`` with ``Phi_tau(Phi_tau(u)) = R(Phi_tau(u), u, tau)``, whose graph
``x_prev = Phi_tau^{-1}(x)`` is an invariant manifold of the doubled map that
attracts every start when the parasitic roots are inside the unit circle (for heavy
ball, ``|beta| < 1``). Iterates started on it follow ``Phi_tau``; iterates started
elsewhere (for example at rest, ``x_prev = x``) approach it geometrically, which
shifts them by ``O(tau)`` once and for all. See Hairer, Lubich, Wanner, *Geometric
Numerical Integration*, ch. XV.2 (underlying one-step method of multistep methods),
and Kovachki & Stuart, JMLR 22 (2021), for momentum methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ._scheme import ExplicitStage, Scheme, as_expr, as_field, as_symbols, tau
from .errors import InputError, SchemeError

__all__ = ["TwoStepScheme", "extragradient", "heavy_ball", "optimistic", "two_step"]


@dataclass(frozen=True, repr=False)
class TwoStepScheme(Scheme):
    """A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)`` on the doubled state.

    ``variables`` is ``current + previous``; the single explicit stage is
    ``current <- recurrence``, ``previous <- current``. Build it with
    :func:`two_step`, :func:`optimistic` or :func:`heavy_ball`.

    Parameters
    ----------
    current : tuple of Symbol
        ``x``, the state.
    previous : tuple of Symbol
        ``x_prev``, the state one step earlier (same length as ``current``).
    recurrence : tuple of Expr
        ``R(x, x_prev, tau)``, one entry per variable of ``current``.

    Notes
    -----
    Symbolic analyses (:func:`~limitdyn.symbolic.modified_equation`) use the
    underlying one-step method (see the module docstring); its modified field is
    reported for both halves of the state, ``x' = f~(x)`` and
    ``x_prev' = f~(x_prev)``, since on the invariant manifold both halves follow the
    same flow, one step apart.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
    >>> hb.variables, hb.current, hb.previous
    ((x, x_prev), (x,), (x_prev,))
    >>> hb.map()
    {x: -tau*x + 3*x/2 - x_prev/2, x_prev: x}
    """

    current: tuple[sp.Symbol, ...] = ()
    previous: tuple[sp.Symbol, ...] = ()
    recurrence: tuple[sp.Expr, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        cur = as_symbols(self.current, where="two-step scheme current variables")
        prev = as_symbols(self.previous, where="two-step scheme previous variables")
        if len(cur) != len(prev):
            raise SchemeError(
                f"two-step scheme: {len(cur)} current but {len(prev)} previous variables"
            )
        rec = as_field(self.recurrence, len(cur), where="two-step recurrence")
        object.__setattr__(self, "current", cur)
        object.__setattr__(self, "previous", prev)
        object.__setattr__(self, "recurrence", rec)
        if self.variables != cur + prev:
            raise SchemeError("two-step scheme: variables must be current + previous")
        if len(self.stages) != 1 or not isinstance(self.stages[0], ExplicitStage):
            raise SchemeError("two-step scheme: expected one explicit stage")
        at_rest = {**dict(zip(prev, cur)), self.step: sp.S.Zero}
        for v, r in zip(cur, rec):
            drift = r.xreplace(at_rest) - v
            if drift != 0 and sp.simplify(drift) != 0:
                raise SchemeError(
                    f"two-step recurrence for {v}: R(x, x, 0) - x = {drift} is not zero, "
                    "so the scheme has no small-step limit"
                )

    def start(
        self,
        x0: Any,
        *,
        tau: float,
        order: int = 2,
        params: Mapping[Any, float] | None = None,
    ) -> np.ndarray:
        """A doubled initial state ``(x0, x_prev)`` on the invariant manifold.

        ``x_prev`` approximates ``Phi_tau^{-1}(x0)`` (the underlying one-step method
        run backwards) by integrating the order-``order`` modified equation backwards
        over one step, so iterates started there follow the modified flow to
        ``O(tau**(order + 1))`` globally. Starting at rest (``x_prev = x0``) instead
        costs an ``O(tau)`` shift.

        Parameters
        ----------
        x0 : array_like, shape (len(current),)
            The current state.
        tau : float
            The step size.
        order : int
            Order of the modified equation used.
        params : mapping, optional
            Values of the scheme's parameters (Symbol or name -> float).

        Returns
        -------
        ndarray, shape (2 * len(current),)

        Examples
        --------
        For ``x+ = x - tau x + beta (x - x_prev)`` the underlying map is multiplication
        by the principal root ``r`` of ``r**2 = (1 + beta - tau) r - beta``:

        >>> import numpy as np
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
        >>> z0 = hb.start([1.0], tau=0.001, order=3)
        >>> r = ((1.5 - 0.001) + np.sqrt((1.5 - 0.001) ** 2 - 2)) / 2
        >>> bool(abs(z0[1] - 1 / r) < 1e-9)
        True
        """
        from scipy.integrate import solve_ivp

        from .symbolic._modified import modified_equation

        n = len(self.current)
        x = np.asarray(x0, dtype=float).reshape(-1)
        if x.shape != (n,):
            raise InputError(f"start: x0 has shape {x.shape}, expected ({n},)")
        if not (isinstance(tau, (int, float)) and tau > 0):
            raise InputError(f"start: tau must be a positive number, got {tau!r}")
        me = modified_equation(self, order).restrict(self.current)
        values: dict[sp.Symbol, Any] = {self.step: sp.Float(tau)}
        by_name = {p.name: p for p in self.parameters}
        for key, val in (params or {}).items():
            sym = by_name.get(key) if isinstance(key, str) else key
            if sym not in self.parameters:
                raise InputError(f"start: unknown parameter {key!r}; parameters: {self.parameters}")
            values[sym] = sp.Float(val)
        rhs = me.field().xreplace(values)
        missing = rhs.free_symbols - set(self.current)
        if missing:
            raise InputError(f"start: give values for the parameters {sorted(map(str, missing))}")
        f = sp.lambdify([self.current], list(rhs), modules="numpy")
        sol = solve_ivp(
            lambda _t, y: np.asarray(f(y), dtype=float),
            (0.0, -float(tau)),
            x,
            rtol=1e-13,
            atol=1e-15,
            method="DOP853",
        )
        return np.concatenate([x, sol.y[:, -1]])

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        body = ", ".join(f"{v}+ = {r}" for v, r in zip(self.current, self.recurrence))
        return (
            f"TwoStepScheme({label}{body}; previous={self.previous}, step={self.step}, "
            f"parameters={self.parameters})"
        )


def _previous_symbols(
    current: tuple[sp.Symbol, ...], previous: Any, taken: set[sp.Symbol]
) -> tuple[sp.Symbol, ...]:
    if previous is None:
        prev = tuple(sp.Symbol(f"{v.name}_prev", **v.assumptions0) for v in current)
    else:
        prev = as_symbols(previous, where="previous")
        if len(prev) != len(current):
            raise SchemeError(f"previous: {len(prev)} symbols for {len(current)} variables")
    for p in prev:
        if p in taken:
            raise SchemeError(
                f"the previous-state symbol {p} already occurs in the scheme; "
                "name the previous state with previous=[...]"
            )
    return prev


def two_step(
    recurrence: Mapping[Any, Any],
    *,
    previous: Any,
    step: sp.Symbol = tau,
    name: str = "two-step",
) -> TwoStepScheme:
    """A general two-step scheme ``x+ = R(x, x_prev, tau)``.

    Parameters
    ----------
    recurrence : mapping Symbol -> Expr
        ``{x_i: R_i(x, x_prev, tau)}``.
    previous : sequence of Symbol
        The symbols standing for ``x_prev``, in the order of ``recurrence``.
    step : Symbol, optional
        The step symbol.
    name : str
        A short description.

    Raises
    ------
    SchemeError
        If ``R(x, x, 0) != x`` or the symbols clash.

    Examples
    --------
    The leapfrog (explicit midpoint) rule ``x+ = x_prev + 2 tau F(x)``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, xp = sp.symbols("x x_p")
    >>> ld.two_step({x: xp + 2 * ld.tau * (-x)}, previous=[xp]).variables
    (x, x_p)
    """
    if not isinstance(step, sp.Symbol):
        raise SchemeError(f"the step {step!r} is not a SymPy Symbol")
    if not isinstance(recurrence, Mapping):
        raise SchemeError("two_step: expected a mapping {symbol: expression}")
    cur = as_symbols(list(recurrence), where="two_step keys")
    prev = as_symbols(previous, where="previous")
    if len(prev) != len(cur):
        raise SchemeError(f"previous: {len(prev)} symbols for {len(cur)} variables")
    if set(prev) & set(cur):
        raise SchemeError("previous: a previous-state symbol is also a current variable")
    if step in cur or step in prev:
        raise SchemeError(f"the step symbol {step} is listed among the variables")
    rec = tuple(as_expr(recurrence[v], where=f"recurrence of {v}") for v in cur)
    return _build(cur, prev, rec, step, name)


def _build(
    cur: tuple[sp.Symbol, ...],
    prev: tuple[sp.Symbol, ...],
    rec: tuple[sp.Expr, ...],
    step: sp.Symbol,
    name: str,
) -> TwoStepScheme:
    stage = ExplicitStage(targets=cur + prev, values=rec + cur, label="two-step")
    return TwoStepScheme(
        variables=cur + prev,
        stages=(stage,),
        step=step,
        name=name,
        current=cur,
        previous=prev,
        recurrence=rec,
    )


def _field_and_vars(
    field: Any, variables: Any, step: sp.Symbol
) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    if not isinstance(step, sp.Symbol):
        raise SchemeError(f"the step {step!r} is not a SymPy Symbol")
    vs = as_symbols(variables, where="variables")
    if step in vs:
        raise SchemeError(f"the step symbol {step} is listed among the variables")
    return vs, as_field(field, len(vs), where="field")


def extragradient(field: Any, variables: Any, *, step: sp.Symbol = tau) -> Scheme:
    """Extragradient (Korpelevich): ``x+ = x + tau F(x + tau F(x))``.

    A one-step explicit scheme; for a game, pass the simultaneous field
    ``F = (-grad_x C^x, -grad_y C^y)``.

    Parameters
    ----------
    field : sequence of Expr or Matrix
        ``F``, one entry per variable.
    variables : Symbol or sequence of Symbol
        The state.
    step : Symbol, optional
        The step symbol.

    References
    ----------
    G. M. Korpelevich, "The extragradient method for finding saddle points and other
    problems", Ekonomika i Matematicheskie Metody 12 (1976).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ld.extragradient([-y, x], [x, y]).map()
    {x: tau*(-tau*x - y) + x, y: tau*(-tau*y + x) + y}
    """
    vs, f = _field_and_vars(field, variables, step)
    look = {v: v + step * fi for v, fi in zip(vs, f)}
    values = tuple(v + step * fi.xreplace(look) for v, fi in zip(vs, f))
    stage = ExplicitStage(targets=vs, values=values, label="extragradient")
    return Scheme(variables=vs, stages=(stage,), step=step, name="extragradient")


def optimistic(
    field: Any, variables: Any, *, previous: Any = None, step: sp.Symbol = tau
) -> TwoStepScheme:
    """Optimistic gradient: ``x+ = x + 2 tau F(x) - tau F(x_prev)``.

    A two-step scheme on the doubled state ``(x, x_prev)``; see
    :class:`TwoStepScheme` for the convention (underlying one-step method).

    Parameters
    ----------
    field : sequence of Expr or Matrix
        ``F``, one entry per variable.
    variables : Symbol or sequence of Symbol
        The state ``x``.
    previous : sequence of Symbol, optional
        Symbols for ``x_prev``; by default ``<name>_prev``.
    step : Symbol, optional
        The step symbol.

    References
    ----------
    L. D. Popov, "A modification of the Arrow–Hurwicz method for search of saddle
    points", Math. Notes 28 (1980); C. Daskalakis, A. Ilyas, V. Syrgkanis, H. Zeng,
    "Training GANs with optimism", ICLR 2018.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> s = ld.optimistic([-y, x], [x, y])
    >>> s.recurrence
    (-2*tau*y + tau*y_prev + x, 2*tau*x - tau*x_prev + y)
    """
    vs, f = _field_and_vars(field, variables, step)
    taken = set().union(*(e.free_symbols for e in f)) | set(vs)
    prev = _previous_symbols(vs, previous, taken)
    back = dict(zip(vs, prev))
    rec = tuple(v + 2 * step * fi - step * fi.xreplace(back) for v, fi in zip(vs, f))
    return _build(vs, prev, rec, step, "optimistic gradient")


def heavy_ball(
    loss: Any,
    variables: Any,
    *,
    momentum: Any,
    previous: Any = None,
    step: sp.Symbol = tau,
) -> TwoStepScheme:
    """Heavy-ball momentum (Polyak): ``x+ = x - tau grad f(x) + beta (x - x_prev)``.

    A two-step scheme on the doubled state ``(x, x_prev)``; see
    :class:`TwoStepScheme` for the convention (underlying one-step method). With the
    momentum ``beta`` fixed as ``tau -> 0`` the limit is the rescaled gradient flow
    ``x' = -grad f / (1 - beta)`` (Kovachki & Stuart 2021).

    Parameters
    ----------
    loss : Expr
        ``f``.
    variables : Symbol or sequence of Symbol
        The state ``x``.
    momentum : number or Expr
        ``beta``; a number must lie in ``[0, 1)``.
    previous : sequence of Symbol, optional
        Symbols for ``x_prev``; by default ``<name>_prev``.
    step : Symbol, optional
        The step symbol.

    References
    ----------
    B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
    USSR Comput. Math. Math. Phys. 4 (1964); N. B. Kovachki, A. M. Stuart, "Continuous
    time analysis of momentum methods", JMLR 22 (2021).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, b = sp.symbols("x beta")
    >>> ld.heavy_ball(x**4 / 4, x, momentum=b).recurrence
    (beta*(x - x_prev) - tau*x**3 + x,)
    """
    if not isinstance(step, sp.Symbol):
        raise SchemeError(f"the step {step!r} is not a SymPy Symbol")
    f = as_expr(loss, where="loss")
    vs = as_symbols(variables, where="variables")
    if step in vs:
        raise SchemeError(f"the step symbol {step} is listed among the variables")
    beta = as_expr(momentum, where="momentum")
    if beta.is_number and not (beta.is_real and 0 <= beta < 1):
        raise SchemeError(f"momentum {beta} must lie in [0, 1)")
    if beta.free_symbols & set(vs) or step in beta.free_symbols:
        raise SchemeError("momentum must not depend on the variables or the step")
    taken = f.free_symbols | beta.free_symbols | set(vs)
    prev = _previous_symbols(vs, previous, taken)
    rec = tuple(v - step * sp.diff(f, v) + beta * (v - p) for v, p in zip(vs, prev))
    return _build(vs, prev, rec, step, "heavy ball")
