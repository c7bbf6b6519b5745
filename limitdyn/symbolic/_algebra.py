"""Two arithmetic back ends for series computations in the step: SymPy expressions and
sparse polynomial rings.

The modified-equation recursion (and the underlying one-step series of two-step
schemes) only needs sums, products, rational multiples, partial derivatives and the
composition of expressions with truncated series in the step. :class:`ExprAlgebra`
does these with SymPy expressions (any field: undefined functions, ``exp``, ...);
:class:`RingAlgebra` does them in a sparse polynomial ring over the rationals, which
is one to two orders of magnitude faster for polynomial schemes and never needs
``expand``. Both expose the same small interface so the recursions are written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp
from sympy.polys.rings import PolyElement, PolyRing

from ._jets import jets_of, tidy

# A jet is a list [c0, c1, ..., ck] of coefficients of step**0 .. step**k.
AnyJet = list[Any]


class ExprAlgebra:
    """SymPy-expression arithmetic; coefficients are tidied by ``expand``."""

    def __init__(self, variables: Sequence[sp.Symbol], step: sp.Symbol):
        self.variables = tuple(variables)
        self.step = step
        self.zero: Any = sp.S.Zero

    def lift(self, expr: sp.Expr) -> Any:
        return expr

    def to_expr(self, p: Any) -> sp.Expr:
        return p

    def var(self, v: sp.Symbol) -> Any:
        return v

    def tidy(self, p: Any) -> Any:
        return tidy(p)

    def is_zero(self, p: Any) -> bool:
        return bool(p == 0)

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        return sp.diff(p, v)

    def scale(self, p: Any, c: sp.Rational) -> Any:
        return c * p

    def compose(
        self, exprs: Sequence[Any], subs: Mapping[sp.Symbol, AnyJet], order: int
    ) -> list[AnyJet]:
        """Jets of ``exprs`` (which may contain the step) after substituting jets."""
        return jets_of(list(exprs), subs, step=self.step, order=order)

    def with_step(self, jet: AnyJet) -> Any:
        """``sum_i step**i jet[i]`` as one element."""
        return sp.Add(*[c * self.step**i for i, c in enumerate(jet)])


class RingAlgebra:
    """Sparse polynomial arithmetic over QQ with the step as one of the generators."""

    def __init__(self, ring: PolyRing, variables: Sequence[sp.Symbol], step: sp.Symbol):
        self.ring = ring
        self.variables = tuple(variables)
        self.step = step
        self.index = {s: i for i, s in enumerate(ring.symbols)}
        self.step_index = self.index[step]
        self.zero: Any = ring.zero

    @classmethod
    def try_build(
        cls,
        exprs: Sequence[sp.Expr],
        variables: Sequence[sp.Symbol],
        extra: Sequence[sp.Symbol],
        step: sp.Symbol,
    ) -> RingAlgebra | None:
        """A ring algebra if every expression is a polynomial with rational coefficients in
        ``variables``, ``extra`` symbols (placeholders), the step and parameters; else None."""
        free: set[sp.Symbol] = set()
        for e in exprs:
            if e.atoms(sp.Float) or e.has(sp.Function, sp.Derivative):
                return None
            free |= e.free_symbols
        known = [*variables, *extra, step]
        params = sorted(free - set(known), key=lambda s: (s.name, str(s.assumptions0)))
        gens = [*known, *params]
        if any(not isinstance(s, sp.Symbol) for s in gens):
            return None
        ring = PolyRing(gens, sp.QQ, sp.polys.orderings.lex)
        algebra = cls(ring, variables, step)
        for e in exprs:
            try:
                ring.from_expr(e)
            except (ValueError, sp.polys.polyerrors.CoercionFailed):
                return None
        return algebra

    def lift(self, expr: sp.Expr) -> Any:
        return self.ring.from_expr(expr)

    def to_expr(self, p: Any) -> sp.Expr:
        return p.as_expr()

    def var(self, v: sp.Symbol) -> Any:
        return self.ring.gens[self.index[v]]

    def tidy(self, p: Any) -> Any:
        return p

    def is_zero(self, p: Any) -> bool:
        return not p

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        return p.diff(self.ring.gens[self.index[v]])

    def scale(self, p: Any, c: sp.Rational) -> Any:
        return p * c

    # -- truncated series in the step, as jets of step-free ring elements ----------------
    def with_step(self, jet: AnyJet) -> Any:
        """``sum_i step**i jet[i]`` as one ring element."""
        t = self.ring.gens[self.step_index]
        out = self.ring.zero
        for i, c in enumerate(jet):
            if c:
                out += c * t**i
        return out

    def jet_mul(self, a: AnyJet, b: AnyJet, order: int) -> AnyJet:
        """Truncated Cauchy product: only the coefficients up to ``order`` are formed."""
        out = []
        for m in range(order + 1):
            acc = self.ring.zero
            for i in range(m + 1):
                if a[i] and b[m - i]:
                    acc += a[i] * b[m - i]
            out.append(acc)
        return out

    def evaluate(self, p: PolyElement, subs: Mapping[int, AnyJet], order: int) -> AnyJet:
        """The jet of ``p`` with generator ``i`` replaced by the jet ``subs[i]``.

        Monomials are grouped by their exponents in the substituted generators and the
        step, so each product of jets is formed once, truncated as it is formed.
        """
        ring, s = self.ring, self.step_index
        groups: dict[tuple[tuple[int, int], ...], dict[tuple[int, ...], Any]] = {}
        steps: dict[tuple[tuple[int, int], ...], int] = {}
        for monom, coeff in p.items():
            if monom[s] > order:
                continue
            pattern = tuple((i, e) for i, e in enumerate(monom) if e and i in subs)
            key = ((-1, monom[s]), *pattern)
            kept = tuple(0 if (i in subs or i == s) else e for i, e in enumerate(monom))
            groups.setdefault(key, {})[kept] = coeff
            steps[key] = monom[s]
        powers: dict[tuple[int, int], AnyJet] = {}

        def power(i: int, e: int) -> AnyJet:
            if (i, e) not in powers:
                powers[(i, e)] = (
                    list(subs[i][: order + 1])
                    if e == 1
                    else self.jet_mul(power(i, e - 1), subs[i], order)
                )
            return powers[(i, e)]

        products: dict[tuple[tuple[int, int], ...], AnyJet] = {}

        def product(pattern: tuple[tuple[int, int], ...]) -> AnyJet:
            if pattern not in products:
                if not pattern:
                    products[pattern] = [ring.one] + [ring.zero] * order
                else:
                    head = power(*pattern[-1])
                    products[pattern] = (
                        head
                        if len(pattern) == 1
                        else self.jet_mul(product(pattern[:-1]), head, order)
                    )
            return products[pattern]

        out = [ring.zero] * (order + 1)
        for key, terms in groups.items():
            shift = steps[key]
            const = ring.from_dict(terms)
            prod = product(key[1:])
            for m in range(order + 1 - shift):
                if prod[m]:
                    out[m + shift] += const * prod[m]
        return out

    def compose(
        self, exprs: Sequence[Any], subs: Mapping[sp.Symbol, AnyJet], order: int
    ) -> list[AnyJet]:
        jets = {
            self.index[v]: list(j[: order + 1]) + [self.ring.zero] * (order + 1 - len(j))
            for v, j in subs.items()
        }
        jets = {i: j for i, j in jets.items() if not (j[0] == self.ring.gens[i] and not any(j[1:]))}
        return [self.evaluate(e, jets, order) for e in exprs]
