"""Two arithmetic back ends for series computations in the step: SymPy expressions and
sparse polynomial rings, behind one interface (:class:`SeriesAlgebra`).

The map series of a scheme, the modified-equation recursion and the underlying one-step
series of two-step schemes only need sums, products, rational multiples, partial
derivatives, small linear solves and the composition of expressions with truncated
series in the step. :class:`ExprAlgebra` does these with SymPy expressions (any field:
undefined functions, ``exp``, ...); :class:`RingAlgebra` does them in a sparse
polynomial ring over the rationals, which is one to two orders of magnitude faster for
polynomial schemes and never needs ``expand``. The recursions are written once, against
:class:`SeriesAlgebra`; :func:`algebra_for` picks the back end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import sympy as sp
from sympy.polys.rings import PolyElement, PolyRing

from ._jets import jets_of, tidy

__all__ = [
    "ExprAlgebra",
    "NotInAlgebra",
    "RingAlgebra",
    "SeriesAlgebra",
    "algebra_for",
    "diff_index",
    "in_algebra",
]

# A jet is a list [c0, c1, ..., ck] of coefficients of step**0 .. step**k.
AnyJet = list[Any]
T = TypeVar("T")


class NotInAlgebra(Exception):
    """A computation left the back end (a non-constant matrix to invert in a ring);
    the caller starts again with :class:`ExprAlgebra`."""


class SeriesAlgebra(Protocol):
    """What the series recursions need of an arithmetic back end.

    Elements are opaque (SymPy expressions or ring elements); a jet is a list of
    elements, the coefficients of ``step**0 .. step**k``.
    """

    zero: Any

    def lift(self, expr: sp.Expr) -> Any:
        """A SymPy expression as an element."""

    def to_expr(self, p: Any) -> sp.Expr:
        """An element as a SymPy expression."""

    def var(self, v: sp.Symbol) -> Any:
        """The element of a variable."""

    def tidy(self, p: Any) -> Any:
        """A canonical form (expanded products)."""

    def is_zero(self, p: Any) -> bool:
        """Whether ``p`` is structurally zero (cheap; for skipping terms)."""

    def vanishes(self, p: Any) -> bool:
        """Whether ``p`` is zero, simplifying if needed."""

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        """``dp/dv``."""

    def scale(self, p: Any, c: sp.Expr) -> Any:
        """``c p`` for a step- and variable-free SymPy factor ``c``; raises
        :class:`NotInAlgebra` where the back end cannot hold the factor."""

    def compose(
        self, exprs: Sequence[Any], subs: Mapping[sp.Symbol, AnyJet], order: int
    ) -> list[AnyJet]:
        """Jets of ``exprs`` (which may contain the step) after substituting jets."""

    def with_step(self, jet: AnyJet) -> Any:
        """``sum_i step**i jet[i]`` as one element."""

    def solve_linear(self, matrix: sp.Matrix, rhs: Sequence[Any]) -> list[Any]:
        """``matrix**-1 rhs`` for a SymPy matrix free of the step; raises
        :class:`NotInAlgebra` where the back end cannot divide by its entries."""


def in_algebra(
    alg: SeriesAlgebra,
    variables: Sequence[sp.Symbol],
    step: sp.Symbol,
    compute: Callable[[SeriesAlgebra], T],
) -> tuple[SeriesAlgebra, T]:
    """``(alg, compute(alg))``, or the same on SymPy expressions when the computation
    leaves ``alg`` (:class:`NotInAlgebra`): the one fallback of every series recursion.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t, a = sp.symbols("x t a")
    >>> ring = algebra_for([x], [x], [], t)
    >>> alg, p = in_algebra(ring, [x], t, lambda al: al.scale(al.var(x), 1 / (1 - a)))
    >>> type(alg).__name__, alg.to_expr(p)
    ('ExprAlgebra', x/(1 - a))
    """
    try:
        return alg, compute(alg)
    except NotInAlgebra:
        expr_alg = ExprAlgebra(variables, step)
        return expr_alg, compute(expr_alg)


def algebra_for(
    exprs: Sequence[sp.Expr],
    variables: Sequence[sp.Symbol],
    extra: Sequence[sp.Symbol],
    step: sp.Symbol,
) -> SeriesAlgebra:
    """The fastest back end that holds ``exprs``: a polynomial ring when they are
    polynomials with rational coefficients, SymPy expressions otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> type(algebra_for([x**2 + t], [x], [], t)).__name__
    'RingAlgebra'
    >>> type(algebra_for([sp.exp(x)], [x], [], t)).__name__
    'ExprAlgebra'
    """
    ring = RingAlgebra.try_build(exprs, variables, extra, step)
    return ring if ring is not None else ExprAlgebra(variables, step)


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

    def vanishes(self, p: Any) -> bool:
        return bool(p == 0) or bool(sp.simplify(p) == 0)

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        return sp.diff(p, v)

    def solve_linear(self, matrix: sp.Matrix, rhs: Sequence[Any]) -> list[Any]:
        """LU solve, each entry brought to one canceled fraction and tidied."""
        solved = matrix.LUsolve(sp.Matrix(list(rhs)))
        return [tidy(sp.cancel(v)) for v in solved]

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

    def vanishes(self, p: Any) -> bool:
        return not p

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        return diff_index(p, self.index[v])

    def solve_linear(self, matrix: sp.Matrix, rhs: Sequence[Any]) -> list[Any]:
        """``matrix**-1 rhs`` for a matrix of rational numbers (ring elements cannot be
        divided by a polynomial)."""
        if not all(e.is_Rational for e in matrix):
            raise NotInAlgebra("the matrix has non-rational entries")
        inv = matrix.inv()
        n = len(rhs)
        return [
            sum((rhs[k] * inv[i, k] for k in range(n) if inv[i, k] != 0), self.ring.zero)
            for i in range(n)
        ]

    def scale(self, p: Any, c: sp.Rational) -> Any:
        """``c p`` for a rational ``c``; any other factor leaves the ring."""
        if not c.is_Rational:
            raise NotInAlgebra(f"the factor {c} is not a rational number")
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


def diff_index(p: PolyElement, i: int) -> PolyElement:
    """``dp/dx_i`` by generator index (``PolyElement.diff`` searches the generators by
    equality, which dominated the cost of Jacobians in many variables)."""
    out = p.ring.zero
    for m, c in p.items():
        e = m[i]
        if e:
            out[(*m[:i], e - 1, *m[i + 1 :])] = c * e
    return out
