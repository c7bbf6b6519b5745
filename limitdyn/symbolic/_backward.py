"""Backward error analysis: the modified equation of any scheme, to any order.

The modified field ``f~ = f_0 + tau f_1 + ... + tau^k f_k`` is the vector field whose
exact flow over a time ``tau`` reproduces one step of the scheme to
``O(tau**(k + 2))``: ``Phi_tau(z) = exp(tau L_{f~}) z + O(tau**(k+2))``, where
``L_g h = (dh/dz) g`` is the Lie derivative. Matching the coefficient of
``tau**(j+1)`` of the Lie series ``sum_n tau**n / n! L_{f~}^n z`` with the map's
coefficient ``d_{j+1}`` gives ``f_j = d_{j+1} - (terms in f_0 .. f_{j-1})``, solved
order by order from a series of the scheme (:mod:`._series` for one-step schemes,
:mod:`._underlying` for two-step ones), so every kind of scheme is covered, and the
limit ODE is the order-0 term.

References
----------
E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed.,
Springer 2006, ch. IX (backward error analysis).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import singledispatch
from math import comb, factorial
from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme
from .._scheme import Scheme, step0_drift
from .._validate import non_negative_int
from ..errors import InputError, SchemeError
from ._algebra import RingAlgebra, SeriesAlgebra
from ._cache import LongestCache
from ._compact import presenter
from ._modified import ModifiedEquation
from ._series import scheme_series
from ._underlying import underlying_series

__all__ = ["COST_LIMIT", "estimated_cost", "modified_equation", "modified_terms"]

Vector = list[Any]


# -- the recursion ------------------------------------------------------------------------


def _backward_error(
    d: Sequence[Vector], variables: Sequence[sp.Symbol], alg: Any, order: int
) -> list[Vector]:
    """Solve ``exp(tau L_{f~}) z = sum_j tau**j d_j`` for ``f_0 .. f_order``.

    ``d[m]`` (``m = 1 .. order + 1``) is the map's coefficient of ``tau**m``. With
    ``P[n][p]`` the coefficient of ``tau**p`` in ``L_{f~}^n z`` (so ``P[1][p] = f_p``),
    ``P[n][p] = sum_{a + b = p} (dP[n-1][a]/dz) f_b`` and
    ``f_j = d_{j+1} - sum_{n >= 2} P[n][j + 1 - n] / n!``.
    """
    dim = len(variables)
    f: list[Vector] = []
    lie: dict[int, dict[int, Vector]] = {1: {}}
    jacobians: dict[tuple[int, int], list[list[Any]]] = {}

    def jacobian(n: int, a: int) -> list[list[Any]]:
        key = (n, a)
        if key not in jacobians:
            vec = lie[n][a]
            jacobians[key] = [[alg.diff(c, v) for v in variables] for c in vec]
        return jacobians[key]

    for j in range(order + 1):
        m = j + 1
        acc = list(d[m])
        for n in range(2, m + 1):
            p = m - n
            total = [alg.zero] * dim
            for a in range(p + 1):
                b = p - a
                jac = jacobian(n - 1, a)
                fb = f[b]
                for i in range(dim):
                    row = jac[i]
                    total[i] = total[i] + sum(
                        (row[c] * fb[c] for c in range(dim) if not alg.is_zero(row[c])),
                        alg.zero,
                    )
            total = [alg.tidy(t) for t in total]
            lie.setdefault(n, {})[p] = total
            coeff = sp.Rational(1, factorial(n))
            acc = [x - alg.scale(t, coeff) for x, t in zip(acc, total)]
        fj = [alg.tidy(x) for x in acc]
        f.append(fj)
        lie[1][j] = fj
    return f


def _check_identity(
    d0: Vector, variables: Sequence[sp.Symbol], alg: SeriesAlgebra, step: sp.Symbol
) -> None:
    for v, c in zip(variables, d0):
        drift = step0_drift(v, alg.to_expr(c), step)
        if drift is not None:
            raise SchemeError(
                f"the map moves {v} by {drift} at step 0; a scheme with a small-step limit "
                "must reduce to the identity as the step goes to zero"
            )


# -- what is analysed, per kind of scheme -------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How one kind of scheme is analysed.

    ``series(order)`` gives ``(algebra, d)`` for the map whose modified field is sought,
    in ``variables``; ``report`` turns a column of ``f_j`` in those variables into the
    column reported on the scheme's variables; ``players`` are the default groups.
    """

    variables: tuple[sp.Symbol, ...]
    series: Callable[[int], tuple[SeriesAlgebra, list[Vector]]]
    report: Callable[[list[sp.Expr]], list[sp.Expr]]
    players: tuple[tuple[sp.Symbol, ...], ...]
    consistent_by_construction: bool


@singledispatch
def _plan(scheme: Any) -> _Plan:
    raise SchemeError(f"expected a Scheme or TwoStepScheme, got {type(scheme).__name__}")


@_plan.register
def _(scheme: Scheme) -> _Plan:
    return _Plan(
        variables=scheme.variables,
        series=lambda k: scheme_series(scheme, k),
        report=lambda col: col,
        players=_blocks(scheme),
        consistent_by_construction=False,
    )


@_plan.register
def _(scheme: TwoStepScheme) -> _Plan:
    back = dict(zip(scheme.current, scheme.previous))
    return _Plan(
        variables=scheme.current,
        series=lambda k: underlying_series(scheme, k),
        report=lambda col: col + [c.xreplace(back) for c in col],
        players=(scheme.current,),
        consistent_by_construction=True,
    )


def _blocks(scheme: Scheme) -> tuple[tuple[sp.Symbol, ...], ...]:
    """The blocks of an alternating scheme (stages that partition the variables)."""
    groups: list[tuple[sp.Symbol, ...]] = []
    for stage in scheme.stages:
        if stage.targets not in groups:
            groups.append(stage.targets)
    flat = [v for g in groups for v in g]
    if len(groups) >= 2 and len(flat) == len(set(flat)) and set(flat) == set(scheme.variables):
        return tuple(groups)
    return (scheme.variables,)


# -- the entry point ------------------------------------------------------------------------

#: scheme -> (order, terms f_0 .. f_order reported on the scheme's variables)
_TERMS: LongestCache[tuple[sp.ImmutableMatrix, ...]] = LongestCache()


def _compute_terms(scheme: Any, order: int) -> tuple[sp.ImmutableMatrix, ...]:
    plan = _plan(scheme)
    alg, d = plan.series(order + 1)
    if not plan.consistent_by_construction:
        _check_identity(d[0], plan.variables, alg, scheme.step)
    f = _backward_error(d, plan.variables, alg, order)
    # ring elements have no parameters in denominators: nothing for _present to gather
    show = alg.to_expr if isinstance(alg, RingAlgebra) else lambda c: _present(alg.to_expr(c))
    return tuple(sp.ImmutableMatrix(plan.report([show(c) for c in fj])) for fj in f)


def modified_terms(scheme: Any, order: int) -> tuple[sp.ImmutableMatrix, ...]:
    """``(f_0, ..., f_order)`` as columns on the scheme's variables, cached per scheme."""
    _, terms = _TERMS.get(scheme, order, lambda k: _compute_terms(scheme, _affordable(scheme, k)))
    return terms[: order + 1]


#: the most products of two terms that the backward-error recursion is allowed to need,
#: by :func:`estimated_cost`; about 10**10 products is hours of pure-Python arithmetic
COST_LIMIT = 1e10


def _size(alg: SeriesAlgebra, p: Any) -> tuple[int, int | None]:
    """``(terms, total degree)`` of an element; the degree only for ring elements."""
    if isinstance(alg, RingAlgebra):
        s = alg.step_index
        degree = max((sum(m) - m[s] for m in p.keys()), default=0)
        return max(len(p), 1), degree
    return len(sp.Add.make_args(alg.to_expr(p))), None


def estimated_cost(scheme: Any, order: int) -> float:
    """An estimate of the number of term products the order-``order`` recursion needs.

    From the first two modified terms (``S_0``, ``S_1`` terms per component on average,
    ``dim`` components): the terms of ``f_j`` grow like ``S_j = S_0 (S_1 / S_0)**j``,
    capped (in a polynomial ring with ``G`` generators) by the number of monomials of
    degree at most ``(j + 1)(D + 1)``, ``D`` the degree of ``f_0``; order ``j`` of the
    recursion forms about ``dim**2 * S_a * S_b`` products for each ``n >= 2`` and
    ``a + b = j + 1 - n``. Up to order 2, and whenever ``f_1`` itself would be beyond
    :data:`COST_LIMIT`, only the cheap bound ``dim**2 * S_0**2`` (the products of
    ``f_1 = -(f_0)' f_0 / 2``-like terms) is returned, from the map's ``tau`` coefficient.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> estimated_cost(ld.explicit([x**2], [x]), 3) < 1e3
    True
    """
    plan = _plan(scheme)
    dim = len(plan.variables)
    alg, d = plan.series(1)
    s0 = max(sum(_size(alg, c)[0] for c in d[1]) / dim, 1.0)
    first = float(dim**2 * s0**2)
    if order <= 2 or first > COST_LIMIT:
        return first if order >= 1 else 0.0
    alg, d = plan.series(2)
    sizes = [[_size(alg, c) for c in fj] for fj in _backward_error(d, plan.variables, alg, 1)]
    s1 = max(sum(t for t, _ in sizes[0]) / dim, 1.0)
    s2 = max(sum(t for t, _ in sizes[1]) / dim, 1.0)
    growth = max(s2 / s1, 1.0)
    degree = max((g for _, g in sizes[0] if g is not None), default=None)
    gens = len(alg.ring.gens) - 1 if isinstance(alg, RingAlgebra) else None

    def terms(j: int) -> float:
        est = s1 * growth**j
        if degree is not None and gens is not None:
            est = min(est, float(comb(gens + (j + 1) * (degree + 1), gens)))
        return est

    return float(
        sum(
            dim**2 * terms(a) * terms(j + 1 - n - a)
            for j in range(1, order + 1)
            for n in range(2, j + 2)
            for a in range(j + 2 - n)
        )
    )


def _affordable(scheme: Any, order: int) -> int:
    """``order``, or an :class:`InputError` with the estimate when it exceeds the limit."""
    if order >= 1:
        cost = estimated_cost(scheme, order)
        if cost > COST_LIMIT:
            raise InputError(
                f"modified equation of order {order}: an estimated {cost:.1e} products of "
                f"terms, beyond the limit of {COST_LIMIT:.0e} (hours of computation); ask for "
                "a lower order, or evaluate the modified field numerically "
                "(limitdyn.numeric._jet_fields)"
            )
    return order


#: above this many operations a rational term is left expanded rather than factored
_FACTOR_LIMIT = 300


def _present(e: sp.Expr) -> sp.Expr:
    """Terms with parameters in denominators (rates, momentum) over one factored
    denominator; polynomial terms are left expanded."""
    if not any(p.exp.is_negative and p.base.free_symbols for p in e.atoms(sp.Pow)):
        return e
    together = sp.together(e)
    if sp.count_ops(together) > _FACTOR_LIMIT:
        return together
    return sp.factor(together)


def modified_equation(
    scheme: Scheme | TwoStepScheme, *, order: int, players: Any = None
) -> ModifiedEquation:
    """The modified equation of a scheme to order ``order`` in the step.

    Returns ``f_0 + tau f_1 + ... + tau**order f_order`` whose exact flow over a time
    ``tau`` reproduces the scheme's step to ``O(tau**(order + 2))`` (backward error
    analysis, in the common time ``t = n tau``). Computed from the scheme's map series
    against the Lie series of the flow, so it covers explicit, implicit, alternating,
    simultaneous, rated, repeated and :func:`~limitdyn.from_map` schemes;
    polynomial schemes are computed in a sparse polynomial ring, others (undefined
    functions, ``exp``, ...) with SymPy expressions, expanded per order.

    Two-step schemes (:func:`~limitdyn.optimistic`, :func:`~limitdyn.heavy_ball`) are
    analysed through their underlying one-step method ``Phi`` with
    ``Phi(Phi(u)) = R(Phi(u), u, tau)``; the result is reported on the doubled state,
    ``x' = f~(x)`` and ``x_prev' = f~(x_prev)`` (see :class:`~limitdyn.TwoStepScheme`;
    ``.restrict(scheme.current)`` keeps ``x`` alone).

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        Any scheme.
    order : int
        Highest power of ``tau`` kept (``0`` gives the limit ODE).
    players : sequence of variable groups, optional
        The players of a game, for :meth:`ModifiedEquation.player_drift` and
        :meth:`ModifiedEquation.player_losses`; by default the blocks of an
        alternating scheme, else all variables as one group.

    Returns
    -------
    ModifiedEquation

    Raises
    ------
    SchemeError
        If the scheme is not consistent (its map is not the identity at step 0), an
        implicit stage is not solvable, or ``order`` is not a non-negative integer.
    InputError
        If the order would not finish: :func:`estimated_cost` (products of terms) exceeds
        :data:`COST_LIMIT` (10**10, hours); the message gives the estimate. For gradient
        descent in many variables, :class:`limitdyn.numeric._jet_fields.JetField`
        evaluates the modified field numerically.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, ch. IX.

    Examples
    --------
    Explicit Euler: ``f~ = f - (tau/2) f'f + ...`` (Hairer, Lubich, Wanner, IX.1):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> me = ld.modified_equation(ld.explicit([x**2], [x]), order=2)
    >>> me.terms
    (Matrix([[x**2]]), Matrix([[-x**3]]), Matrix([[3*x**4/2]]))

    Heavy ball with momentum ``beta``: the limit ``x' = -f'(x) / (1 - beta)``:

    >>> b = sp.Symbol("beta")
    >>> me = ld.modified_equation(ld.heavy_ball(x**2 / 2, x, momentum=b), order=0)
    >>> sp.simplify(me.terms[0][0] + x / (1 - b))
    0
    """
    plan = _plan(scheme)
    order = non_negative_int(order, "order", error=SchemeError)
    terms = modified_terms(scheme, order)
    groups: Any = plan.players if players is None else players
    if isinstance(groups, sp.Symbol):
        groups = [groups]
    return ModifiedEquation(
        scheme.variables,
        terms,
        scheme.step,
        players=groups,
        name=scheme.name,
        compact=presenter(scheme),
    )
