"""Extragradient and two-step schemes (optimistic gradient, heavy-ball momentum).

A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)`` is data: the recurrence ``R`` and
the names of the current and previous states. It composes the one-step
:class:`~limitdyn.Scheme` on the doubled state ``(x, x_prev)`` —
``x+ = R(x, x_prev, tau)``, ``x_prev+ = x`` — which is what numeric iteration runs
(:attr:`TwoStepScheme.doubled`). Symbolic analyses work with its *underlying one-step
method*: the map ``Phi_tau`` with ``Phi_tau(Phi_tau(u)) = R(Phi_tau(u), u, tau)``, whose
graph ``x_prev = Phi_tau^{-1}(x)`` is an invariant manifold of the doubled map that
attracts every start when the parasitic roots are inside the unit circle (for heavy
ball, ``|beta| < 1``). Iterates started on it (:func:`limitdyn.manifold_start`) follow
``Phi_tau``; iterates started elsewhere (for example at rest, ``x_prev = x``) approach it
geometrically, which shifts them by ``O(tau)`` once and for all. See Hairer, Lubich,
Wanner, *Geometric Numerical Integration*, ch. XV.2 (underlying one-step method of
multistep methods), and Kovachki & Stuart, JMLR 22 (2021), for momentum methods.

Like the rest of the exact model, this module imports only SymPy, the standard library
and :mod:`limitdyn.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ._model_checks import (
    as_expr,
    as_field,
    as_items,
    as_name,
    as_symbols,
    check_distinct_names,
    check_step,
    step0_drift,
)
from ._scheme import ExplicitStage, Scheme, tau
from .errors import SchemeError

__all__ = [
    "AnyScheme",
    "TwoStepScheme",
    "as_one_step",
    "extragradient",
    "heavy_ball",
    "optimistic",
    "two_step",
]


@dataclass(frozen=True, repr=False)
class TwoStepScheme:
    """A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)``.

    Build it with :func:`two_step`, :func:`optimistic` or :func:`heavy_ball`. It holds
    the one-step scheme on the doubled state (:attr:`doubled`) and forwards the state
    facts to it: ``variables`` is ``current + previous``.

    Parameters
    ----------
    current : tuple of Symbol
        ``x``, the state.
    previous : tuple of Symbol
        ``x_prev``, the state one step earlier (same length as ``current``).
    recurrence : tuple of Expr
        ``R(x, x_prev, tau)``, one entry per variable of ``current``.
    step : Symbol
        The step symbol.
    name : str
        A short description.

    Notes
    -----
    Symbolic analyses (:func:`~limitdyn.modified_equation`) use the underlying one-step
    method (see the module docstring); its modified field is reported for both halves of
    the state, ``x' = f~(x)`` and ``x_prev' = f~(x_prev)``, since on the invariant
    manifold both halves follow the same flow, one step apart.

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
    >>> hb.doubled
    Scheme('heavy ball', variables=(x, x_prev), stages=1 [explicit], step=tau, parameters=())
    """

    current: tuple[sp.Symbol, ...]
    previous: tuple[sp.Symbol, ...]
    recurrence: tuple[sp.Expr, ...]
    step: sp.Symbol = tau
    name: str = ""
    doubled: Scheme = field(init=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        step = check_step(self.step)
        as_name(self.name, where="two-step scheme name")
        cur = as_symbols(self.current, where="two-step scheme current variables")
        prev = as_symbols(self.previous, where="two-step scheme previous variables")
        if len(cur) != len(prev):
            raise SchemeError(
                f"two-step scheme: {len(cur)} current but {len(prev)} previous variables"
            )
        if set(prev) & set(cur):
            raise SchemeError("previous: a previous-state symbol is also a current variable")
        if step in cur or step in prev:
            raise SchemeError(f"the step symbol {step} is listed among the variables")
        rec = as_field(self.recurrence, cur, where="two-step recurrence")
        object.__setattr__(self, "current", cur)
        object.__setattr__(self, "previous", prev)
        object.__setattr__(self, "recurrence", rec)
        free = set().union(*(r.free_symbols for r in rec)) - {step, *cur, *prev}
        check_distinct_names(
            (*cur, *prev, step, *sorted(free, key=str)), step=step, where="two-step scheme symbols"
        )
        at_rest = dict(zip(prev, cur))
        for v, r in zip(cur, rec):
            drift = step0_drift(v, r.xreplace(at_rest), step)
            if drift is not None:
                raise SchemeError(
                    f"two-step recurrence for {v}: R(x, x, 0) - x = {drift} is not zero, "
                    "so the scheme has no small-step limit"
                )
        stage = ExplicitStage(targets=cur + prev, values=rec + cur, label="two-step")
        doubled = Scheme(variables=cur + prev, stages=(stage,), step=step, name=self.name)
        object.__setattr__(self, "doubled", doubled)

    # -- the state, forwarded to the doubled one-step scheme -------------------------------
    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """``current + previous``, the order of numeric arrays."""
        return self.doubled.variables

    @property
    def stages(self) -> tuple[Any, ...]:
        """The single explicit stage of the doubled map."""
        return self.doubled.stages

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols other than the variables and the step, sorted by name."""
        return self.doubled.parameters

    @property
    def is_explicit(self) -> bool:
        """Always True: the doubled map is explicit."""
        return True

    @property
    def dim(self) -> int:
        """Number of variables of the doubled state."""
        return self.doubled.dim

    def map(self) -> dict[sp.Symbol, sp.Expr]:
        """The doubled map ``{x: R(x, x_prev, tau), x_prev: x}``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
        >>> m = hb.map()
        >>> m[hb.previous[0]] == x
        True
        """
        return self.doubled.map()

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        body = ", ".join(f"{v}+ = {r}" for v, r in zip(self.current, self.recurrence))
        return (
            f"TwoStepScheme({label}{body}; previous={self.previous}, step={self.step}, "
            f"parameters={self.parameters})"
        )

    def latex(self) -> str:
        """The recurrence as LaTeX, in ``x_{n+1}``, ``x_n`` and ``x_{n-1}``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> print(ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2)).latex())
        \\begin{aligned}x_{n+1} &= x_{n} - \\tau x_{n} + \\frac{x_{n} - x_{n-1}}{2}\\end{aligned}
        """
        from ._latex import two_step_latex

        return two_step_latex(self)

    def _repr_latex_(self) -> str:
        """The update rule as LaTeX, for Jupyter (see :mod:`limitdyn._latex`)."""
        return f"${self.latex()}$"


#: Anything that :func:`~limitdyn.iterate` and the symbolic analyses accept.
AnyScheme = Scheme | TwoStepScheme


def as_one_step(scheme: Any) -> Scheme:
    """The one-step scheme that numeric iteration runs: the scheme itself, or the doubled
    scheme of a two-step one.

    Raises
    ------
    SchemeError
        If ``scheme`` is neither a :class:`~limitdyn.Scheme` nor a :class:`TwoStepScheme`.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> as_one_step(ld.heavy_ball(x**2 / 2, x, momentum=0)).variables
    (x, x_prev)
    >>> as_one_step("x+ = x")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: expected a Scheme or TwoStepScheme, got str
    """
    if isinstance(scheme, TwoStepScheme):
        return scheme.doubled
    if isinstance(scheme, Scheme):
        return scheme
    raise SchemeError(f"expected a Scheme or TwoStepScheme, got {type(scheme).__name__}")


def _previous_symbols(
    current: tuple[sp.Symbol, ...], previous: Any, taken: set[sp.Symbol]
) -> tuple[sp.Symbol, ...]:
    if previous is None:
        prev = tuple(sp.Symbol(f"{v.name}_prev", **v.assumptions0) for v in current)
    else:
        prev = as_symbols(previous, where="previous")
        if len(prev) != len(current):
            raise SchemeError(f"previous: {len(prev)} symbols for {len(current)} variables")
    names = {s.name for s in taken}
    for p in prev:
        if p in taken or p.name in names:
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
    step = check_step(step)
    items = as_items(recurrence, where="two_step recurrence")
    cur = as_symbols([k for k, _ in items], where="two_step keys")
    prev = as_symbols(previous, where="previous")
    rec = tuple(as_expr(e, where=f"recurrence of {k}") for k, e in items)
    return TwoStepScheme(cur, prev, rec, step=step, name=as_name(name, where="name"))


def _field_and_vars(
    field: Any, variables: Any, step: sp.Symbol
) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    step = check_step(step)
    vs = as_symbols(variables, where="variables")
    if step in vs:
        raise SchemeError(f"the step symbol {step} is listed among the variables")
    return vs, as_field(field, vs, where="field")


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
    taken = set().union(*(e.free_symbols for e in f)) | set(vs) | {step}
    prev = _previous_symbols(vs, previous, taken)
    back = dict(zip(vs, prev))
    rec = tuple(v + 2 * step * fi - step * fi.xreplace(back) for v, fi in zip(vs, f))
    return TwoStepScheme(vs, prev, rec, step=step, name="optimistic gradient")


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
    step = check_step(step)
    f = as_expr(loss, where="loss")
    vs = as_symbols(variables, where="variables")
    if step in vs:
        raise SchemeError(f"the step symbol {step} is listed among the variables")
    beta = as_expr(momentum, where="momentum")
    if beta.is_number and not (beta.is_real and 0 <= beta < 1):
        raise SchemeError(f"momentum {beta} must lie in [0, 1)")
    if beta.free_symbols & set(vs) or step in beta.free_symbols:
        raise SchemeError("momentum must not depend on the variables or the step")
    taken = f.free_symbols | beta.free_symbols | set(vs) | {step}
    prev = _previous_symbols(vs, previous, taken)
    rec = tuple(v - step * sp.diff(f, v) + beta * (v - p) for v, p in zip(vs, prev))
    return TwoStepScheme(vs, prev, rec, step=step, name="heavy ball")
