"""Truncated Taylor series in the step ("jets") of SymPy expressions.

A jet of order k is the list ``[c0, c1, ..., ck]`` of the coefficients of
``tau**0 .. tau**k``. :func:`jet_of` propagates jets through an expression
tree (Add, Mul, Pow, functions of one or several arguments, derivatives of
undefined functions) without calling :func:`sympy.series`, so it scales to the
orders that modified equations need and works for undefined functions, whose
Taylor coefficients are expressed through their derivatives.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from math import factorial
from typing import Any

import sympy as sp

from ..errors import SchemeError

Jet = list[sp.Expr]


def tidy(expr: sp.Expr) -> sp.Expr:
    """Expand products and integer powers only: keeps polynomial coefficients canonical."""
    return sp.expand(expr, power_exp=False, power_base=False, log=False, deep=True)


def constant_jet(value: sp.Expr, order: int) -> Jet:
    """The jet of a step-independent value."""
    return [value] + [sp.S.Zero] * order


def jet_add(a: Jet, b: Jet) -> Jet:
    """Sum of two jets."""
    return [x + y for x, y in zip(a, b)]


def jet_scale(a: Jet, c: sp.Expr) -> Jet:
    """Jet times a step-independent factor."""
    return [c * x for x in a]


def jet_mul(a: Jet, b: Jet) -> Jet:
    """Truncated product (Cauchy convolution) of two jets of equal order."""
    order = len(a) - 1
    out = []
    for n in range(order + 1):
        terms = [a[i] * b[n - i] for i in range(n + 1) if a[i] != 0 and b[n - i] != 0]
        out.append(sp.Add(*terms))
    return out


def _is_constant(a: Jet) -> bool:
    return all(c == 0 for c in a[1:])


def _powers_of_increment(delta: Jet, upto: int) -> list[Jet]:
    """``[delta**0, delta**1, ..., delta**upto]`` for a jet with zero constant term."""
    order = len(delta) - 1
    powers = [constant_jet(sp.S.One, order)]
    for _ in range(upto):
        powers.append(jet_mul(powers[-1], delta))
    return powers


class _JetEvaluator:
    """Propagate jets through one or more expressions, memoising shared subtrees."""

    def __init__(self, subs: Mapping[sp.Symbol, Jet], step: sp.Symbol, order: int):
        self.order = order
        self.step = step
        self.subs = dict(subs)
        self.memo: dict[sp.Basic, Jet] = {}
        self.moving = frozenset(s for s, j in self.subs.items() if not _is_constant(j))
        if step not in self.subs:
            self.subs[step] = (
                [sp.S.Zero, sp.S.One] + [sp.S.Zero] * (order - 1) if order else [sp.S.Zero]
            )
            self.moving = self.moving | {step}

    def __call__(self, expr: sp.Basic) -> Jet:
        cached = self.memo.get(expr)
        if cached is not None:
            return cached
        result = self._eval(expr)
        self.memo[expr] = result
        return result

    def _depends(self, expr: sp.Basic) -> bool:
        return bool(expr.free_symbols & self.moving)

    def _eval(self, expr: sp.Basic) -> Jet:
        k = self.order
        if isinstance(expr, sp.Symbol) and expr in self.subs:
            return list(self.subs[expr])
        if not self._depends(expr):
            return constant_jet(self._constant(expr), k)
        if isinstance(expr, sp.Add):
            total = constant_jet(sp.S.Zero, k)
            for arg in expr.args:
                total = jet_add(total, self(arg))
            return total
        if isinstance(expr, sp.Mul):
            const = []
            product: Jet | None = None
            for arg in expr.args:
                if not self._depends(arg):
                    const.append(self._constant(arg))
                    continue
                j = self(arg)
                product = j if product is None else jet_mul(product, j)
            assert product is not None
            return jet_scale(product, sp.Mul(*const)) if const else product
        if isinstance(expr, sp.Pow):
            return self._pow(expr)
        return self._function(expr)

    def _constant(self, expr: sp.Basic) -> sp.Expr:
        """A step-independent subexpression with constant jets substituted."""
        fixed = {s: j[0] for s, j in self.subs.items() if s in expr.free_symbols}
        return expr.xreplace(fixed) if fixed else expr

    def _pow(self, expr: sp.Pow) -> Jet:
        base, exponent = expr.args
        k = self.order
        if self._depends(exponent):
            # b**e = exp(e * log(b))
            return self(sp.exp(exponent * sp.log(base), evaluate=False))
        e = self._constant(exponent)
        b = self(base)
        if e.is_Integer and e > 0:
            result = constant_jet(sp.S.One, k)
            square = b
            n = int(e)
            while n:
                if n & 1:
                    result = jet_mul(result, square)
                n >>= 1
                if n:
                    square = jet_mul(square, square)
            return result
        # (b0 + d)**e = b0**e * sum_n binom(e, n) (d / b0)**n
        b0 = b[0]
        if b0 == 0:
            raise SchemeError(f"cannot expand {expr} in the step: its base vanishes at step 0")
        delta = [sp.S.Zero] + [c / b0 for c in b[1:]]
        powers = _powers_of_increment(delta, k)
        out = constant_jet(sp.S.Zero, k)
        for n in range(k + 1):
            out = jet_add(out, jet_scale(powers[n], sp.binomial(e, n)))
        return jet_scale(out, b0**e)

    def _function(self, expr: sp.Basic) -> Jet:
        """Multivariate Taylor expansion of ``F(args)`` around the constant parts of its args.

        Works for any SymPy function class (exp, sin, Max, undefined ``E(x, y)``) and for
        derivatives of undefined functions, whose variables are then the expansion points.
        """
        k = self.order
        if isinstance(expr, (sp.Piecewise, sp.core.relational.Relational)) or not isinstance(
            expr, sp.Expr
        ):
            raise SchemeError(f"cannot expand {expr} in the step")
        if isinstance(expr, sp.Derivative):
            inner = expr.expr
            if not (
                isinstance(inner, sp.core.function.AppliedUndef)
                and all(isinstance(a, sp.Symbol) for a in inner.args)
            ):
                raise SchemeError(f"cannot expand the derivative {expr} in the step")
            slots = [a for a in inner.args if a in self.moving or a in self.subs]
            points = {a: self.subs[a][0] for a in slots}
            increments = [[sp.S.Zero, *self.subs[a][1:]] for a in slots]

            def derivative(alpha: Sequence[int]) -> sp.Expr:
                d = expr
                for a, n in zip(slots, alpha):
                    if n:
                        d = sp.Derivative(d, (a, n))
                d = d.doit() if isinstance(d, sp.Derivative) else d
                return _resolve_subs(d.subs(points, simultaneous=True))

        else:
            args = expr.args
            jets = [self(a) for a in args]
            dummies = [sp.Dummy(f"a{i}") for i in range(len(args))]
            generic = expr.func(*dummies)
            moving_slots = [i for i, j in enumerate(jets) if not _is_constant(j)]
            points = {d: j[0] for d, j in zip(dummies, jets)}
            slots = [dummies[i] for i in moving_slots]
            increments = [[sp.S.Zero, *jets[i][1:]] for i in moving_slots]

            def derivative(alpha: Sequence[int]) -> sp.Expr:
                d = generic
                for s, n in zip(slots, alpha):
                    if n:
                        d = sp.diff(d, s, n)
                return _resolve_subs(d.subs(points, simultaneous=True))

        powers = [_powers_of_increment(inc, k) for inc in increments]
        out = constant_jet(sp.S.Zero, k)
        for total in range(k + 1):
            for alpha in _multi_indices(len(slots), total):
                coeff = derivative(alpha)
                if coeff == 0:
                    continue
                term = constant_jet(coeff / sp.Mul(*[factorial(n) for n in alpha]), k)
                for p, n in zip(powers, alpha):
                    if n:
                        term = jet_mul(term, p[n])
                out = jet_add(out, term)
        return out


def _resolve_subs(expr: sp.Expr) -> sp.Expr:
    """Evaluate ``Subs`` objects whose points are plain symbols (derivatives of undefined
    functions at the variables themselves); leave genuine ones in place."""
    return expr.replace(
        lambda e: isinstance(e, sp.Subs) and all(isinstance(p, sp.Symbol) for p in e.point),
        lambda e: e.doit(),
    )


def _multi_indices(m: int, total: int) -> list[tuple[int, ...]]:
    """All ``alpha`` in N^m with ``|alpha| = total``."""
    if m == 0:
        return [()] if total == 0 else []
    out = []
    for cut in itertools.combinations(range(total + m - 1), m - 1):
        bounds = (-1, *cut, total + m - 1)
        out.append(tuple(bounds[i + 1] - bounds[i] - 1 for i in range(m)))
    return out


def jets_of(
    exprs: Sequence[sp.Expr],
    subs: Mapping[sp.Symbol, Jet],
    *,
    step: sp.Symbol,
    order: int,
) -> list[Jet]:
    """Jets of several expressions after substituting jets for symbols.

    Parameters
    ----------
    exprs : sequence of Expr
        Expressions in the symbols of ``subs``, the step and constants.
    subs : mapping Symbol -> jet
        The jets to substitute; each a list of ``order + 1`` coefficients.
    step : Symbol
        The expansion variable; its own jet is ``[0, 1, 0, ...]`` unless given in ``subs``.
    order : int
        Highest power of the step kept.

    Returns
    -------
    list of jets, one per expression, each coefficient tidied (products expanded).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jets_of([sp.exp(x)], {x: [x, sp.S(1), sp.S(0)]}, step=t, order=2)
    [[exp(x), exp(x), exp(x)/2]]
    """
    evaluator = _JetEvaluator(subs, step, order)
    return [[tidy(c) for c in evaluator(_as_expr(e))] for e in exprs]


def _as_expr(e: Any) -> sp.Basic:
    """A SymPy object or a Python number as SymPy; anything else (strings included) refused."""
    if isinstance(e, sp.Basic):
        return e
    if isinstance(e, (int, float)) and not isinstance(e, bool):
        return sp.Integer(e) if isinstance(e, int) else sp.Float(e)
    raise SchemeError(f"cannot expand {type(e).__name__} {e!r:.60}: expected a SymPy expression")
