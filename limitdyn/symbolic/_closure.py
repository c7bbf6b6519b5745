"""A differential-algebra closure: non-polynomial schemes computed in a polynomial ring.

Every transcendental subexpression of a scheme (``exp(u)``, ``log(u)``, ``tanh(u)``,
``sin(u)``, ``1/u``, ``u**(p/q)``, ...) becomes a new generator of a sparse polynomial ring
over QQ whose derivative is a polynomial in the generators (Ritt's differential
algebra; in AD terms, the elementary functions of Taylor-mode differentiation):

====================  ===============================================
generator ``g(u)``    ``dg/du`` (polynomial in generators of ``u``)
====================  ===============================================
``exp(u)``            ``exp(u)``
``1/u``               ``-(1/u)**2``
``log(u)``            ``1/u``
``u**a``              ``a * u**a * (1/u)``
``tanh(u)``           ``1 - tanh(u)**2``
``tan(u)``            ``1 + tan(u)**2``
``sin(u), cos(u)``    ``cos(u), -sin(u)``
``sinh(u), cosh(u)``  ``cosh(u), sinh(u)``
====================  ===============================================

so a sigmoid ``1/(1 + exp(-u))`` is the generator ``1/q`` of ``q = 1 + E``, ``E = exp(-u)``,
and ``log(1 + exp(u))`` (softplus) is ``log(q)`` with its companion ``1/q``. Partial
derivatives are the chain rule through the generators' arguments; the jet of a generator
along a path ``u(tau) = u0 + delta(tau)`` is its Taylor series ``sum_n g^(n)(u0)/n!
delta**n``, with ``g^(n)`` obtained by repeating the derivation and ``u0`` looked up among
the generators' arguments (a scheme's map is the identity at step 0, so ``u0`` is the
argument at rest; the at-rest forms of every argument are registered up front). The map
series and the backward-error recursion then run unchanged on
:class:`~limitdyn.symbolic._algebra.RingAlgebra` arithmetic, and results are translated
back to SymPy by substituting each generator's expression. Anything outside the table
(``erf``, a symbolic exponent, a float, an undefined function) leaves the closure and the
caller uses SymPy expressions, as before.

Generators satisfy algebraic relations the ring does not know (``q * (1/q) = 1``), so a
ring element can be zero without being the zero polynomial; :meth:`vanishes` checks on
SymPy expressions when the polynomial is not structurally zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import factorial
from typing import Any

import sympy as sp
from sympy.polys.rings import PolyElement, PolyRing

from ._algebra import AnyJet, NotInAlgebra, RingAlgebra, SeriesAlgebra, algebra_for, diff_index

__all__ = ["ENABLED", "ClosureAlgebra", "NotClosed", "best_algebra"]

#: the private switch that keeps the landed path reachable (tests, benchmarks): when
#: False, non-polynomial schemes are computed on SymPy expressions as before
ENABLED = [True]

#: the functions of one argument the closure holds, with the companions each needs
_UNARY: dict[type[sp.Basic], tuple[str, ...]] = {
    sp.exp: ("exp",),
    sp.log: ("log", "inv"),
    sp.tanh: ("tanh",),
    sp.tan: ("tan",),
    sp.sin: ("sin", "cos"),
    sp.cos: ("cos", "sin"),
    sp.sinh: ("sinh", "cosh"),
    sp.cosh: ("cosh", "sinh"),
}
_FUNCS: dict[str, Any] = {
    "exp": sp.exp,
    "log": sp.log,
    "tanh": sp.tanh,
    "tan": sp.tan,
    "sin": sp.sin,
    "cos": sp.cos,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
}


class NotClosed(Exception):
    """An expression outside the closure's table (the caller falls back)."""


@dataclass(frozen=True)
class _Gen:
    """A generator: ``name`` of a function (``"inv"``, ``"pow"`` with ``power``) of ``arg``,
    a polynomial SymPy expression in the variables and earlier generators' dummies."""

    name: str
    arg: sp.Expr
    power: sp.Rational = sp.S.One


class _Discovery:
    """Walks SymPy expressions, replacing transcendental nodes by dummies, bottom up."""

    def __init__(self) -> None:
        self.gens: dict[tuple[str, sp.Expr, sp.Rational], sp.Dummy] = {}
        self.order: list[tuple[sp.Dummy, _Gen]] = []
        self.memo: dict[sp.Basic, sp.Expr] = {}

    def gen(self, name: str, arg: sp.Expr, power: sp.Rational = sp.S.One) -> sp.Dummy:
        key = (name, sp.expand(arg), power)
        found = self.gens.get(key)
        if found is None:
            found = sp.Dummy(f"g{len(self.order)}")
            self.gens[key] = found
            self.order.append((found, _Gen(name, key[1], power)))
        return found

    def poly(self, expr: sp.Basic) -> sp.Expr:
        """``expr`` as a polynomial expression in symbols and generator dummies."""
        hit = self.memo.get(expr)
        if hit is None:
            hit = self._poly(expr)
            self.memo[expr] = hit
        return hit

    def _poly(self, expr: sp.Basic) -> sp.Expr:
        if isinstance(expr, sp.Symbol):
            return expr
        if isinstance(expr, sp.Rational):
            return expr
        if isinstance(expr, sp.Add):
            return sp.Add(*[self.poly(a) for a in expr.args])
        if isinstance(expr, sp.Mul):
            return sp.Mul(*[self.poly(a) for a in expr.args])
        if isinstance(expr, sp.Pow):
            base, e = expr.args
            if not isinstance(e, sp.Rational):
                raise NotClosed(f"symbolic exponent in {expr}")
            q = self.poly(base)
            if q.is_Rational:
                if e.is_Integer:
                    return q**e
                raise NotClosed(f"irrational constant {expr}")
            if e.is_Integer and e >= 0:
                return q**e
            inv = self.gen("inv", q)
            if e.is_Integer:
                return inv ** (-e)
            return self.gen("pow", q, e)
        names = _UNARY.get(type(expr))
        if names is not None and len(expr.args) == 1:
            q = self.poly(expr.args[0])
            made = [self.gen(n, q) for n in names]
            return made[0]
        raise NotClosed(f"{type(expr).__name__} is outside the closure")

    def variants(self, rest: Mapping[sp.Symbol, sp.Expr]) -> None:
        """Register each generator's argument at rest (placeholders at their targets, the
        step at 0), so that jets can look the at-rest generators up."""
        done = 0
        while done < len(self.order):
            _, g = self.order[done]
            done += 1
            q = self.poly(g.arg.xreplace(self.expressions()).xreplace(rest))
            if g.name == "pow":
                self.gen("pow", q, g.power)
                self.gen("inv", q)
            elif g.name == "inv":
                self.gen("inv", q)
            else:
                for n in _UNARY[_FUNCS[g.name]]:
                    self.gen(n, q)

    def expressions(self) -> dict[sp.Dummy, sp.Expr]:
        """Each dummy's SymPy expression, inner generators substituted."""
        out: dict[sp.Dummy, sp.Expr] = {}
        for d, g in self.order:
            arg = g.arg.xreplace(out)
            if g.name == "inv":
                out[d] = sp.Pow(arg, -1)
            elif g.name == "pow":
                out[d] = sp.Pow(arg, g.power)
            else:
                out[d] = _FUNCS[g.name](arg)
        return out


def _key(p: PolyElement) -> tuple[Any, ...]:
    return tuple(sorted(p.items()))


class ClosureAlgebra(RingAlgebra):
    """:class:`RingAlgebra` over the variables, the step, the parameters and one generator
    per transcendental subexpression, with the chain rule through the generators."""

    @classmethod
    def try_build_closure(
        cls,
        exprs: Sequence[sp.Expr],
        variables: Sequence[sp.Symbol],
        extra: Sequence[sp.Symbol],
        step: sp.Symbol,
        rest: Mapping[sp.Symbol, sp.Expr] | None = None,
    ) -> ClosureAlgebra | None:
        """The closure algebra of ``exprs``, or None if an expression is outside it.

        ``rest`` maps placeholders to what they equal at step 0 (implicit unknowns to
        their targets, a two-step scheme's previous state to the current one).

        Examples
        --------
        >>> import sympy as sp
        >>> x, t = sp.symbols("x t")
        >>> alg = ClosureAlgebra.try_build_closure([x + t * sp.tanh(x)], [x], [], t)
        >>> p = alg.lift(sp.tanh(x))
        >>> alg.to_expr(alg.diff(p, x))
        1 - tanh(x)**2
        >>> ClosureAlgebra.try_build_closure([sp.erf(x)], [x], [], t) is None
        True
        """
        found = _Discovery()
        try:
            polys = [found.poly(e) for e in exprs]
            found.variants({**dict(rest or {}), step: sp.S.Zero})
        except NotClosed:
            return None
        dummies = [d for d, _ in found.order]
        free: set[sp.Symbol] = set()
        for p in polys:
            free |= p.free_symbols
        for _, g in found.order:
            free |= g.arg.free_symbols
        known = [*variables, *extra, step]
        params = sorted(
            free - set(known) - set(dummies), key=lambda s: (s.name, str(s.assumptions0))
        )
        ring = PolyRing([*known, *params, *dummies], sp.QQ, sp.polys.orderings.lex)
        return cls(ring, variables, step, found)

    def __init__(
        self, ring: PolyRing, variables: Sequence[sp.Symbol], step: sp.Symbol, found: _Discovery
    ):
        super().__init__(ring, variables, step)
        self.found = found
        n0 = ring.ngens - len(found.order)
        self.gen_index = {d: n0 + k for k, (d, _) in enumerate(found.order)}
        self.closure = list(range(n0, ring.ngens))
        self.info = {self.gen_index[d]: g for d, g in found.order}
        self.args = {i: ring.from_expr(g.arg) for i, g in self.info.items()}
        self.lookup = {(g.name, g.power, _key(self.args[i])): i for i, g in self.info.items()}
        back = found.expressions()
        #: what each generator prints as: itself for variables, its expression for closures
        self.atoms = [back.get(sym, sym) for sym in ring.symbols]
        self._deriv: dict[int, PolyElement] = {}
        self._taylor: dict[int, list[PolyElement]] = {}
        self._grad: dict[tuple[int, int], PolyElement] = {}
        self._uses: dict[int, frozenset[int]] = {}

    # -- the differential structure ------------------------------------------------------
    def _companion(self, i: int, name: str) -> PolyElement:
        g = self.info[i]
        j = self.lookup.get((name, sp.S.One, _key(self.args[i])))
        if j is None:  # pragma: no cover - discovery registers every companion
            raise NotInAlgebra(f"no {name} generator of {g.arg}")
        return self.ring.gens[j]

    def deriv(self, i: int) -> PolyElement:
        """``dg/du`` of generator ``i`` as a polynomial in the generators of ``u``."""
        if i not in self._deriv:
            g, x = self.info[i], self.ring.gens[i]
            rules = {
                "exp": lambda: x,
                "inv": lambda: -(x**2),
                "log": lambda: self._companion(i, "inv"),
                "pow": lambda: x * self._companion(i, "inv") * g.power,
                "tanh": lambda: 1 - x**2,
                "tan": lambda: 1 + x**2,
                "sin": lambda: self._companion(i, "cos"),
                "cos": lambda: -self._companion(i, "sin"),
                "sinh": lambda: self._companion(i, "cosh"),
                "cosh": lambda: self._companion(i, "sinh"),
            }
            self._deriv[i] = rules[g.name]()
        return self._deriv[i]

    def _along(self, p: PolyElement, i: int) -> PolyElement:
        """``d p / du`` for ``p`` in the generators sharing generator ``i``'s argument."""
        out = self.ring.zero
        for j in self.uses(p):
            if _key(self.args[j]) == _key(self.args[i]):
                out += diff_index(p, j) * self.deriv(j)
        return out

    def taylor(self, i: int, n: int) -> list[PolyElement]:
        """``[g, g', ..., g^(n)]`` at the argument of generator ``i``."""
        got = self._taylor.setdefault(i, [self.ring.gens[i]])
        while len(got) <= n:
            got.append(self._along(got[-1], i))
        return got

    def uses(self, p: PolyElement) -> frozenset[int]:
        """The closure generators that occur in ``p``."""
        return frozenset(i for i in self.closure if any(m[i] for m in p.keys()))

    def _gen_grad(self, i: int, v: int) -> PolyElement:
        key = (i, v)
        if key not in self._grad:
            self._grad[key] = self.deriv(i) * self._total(self.args[i], v)
        return self._grad[key]

    def _total(self, p: PolyElement, v: int) -> PolyElement:
        out = diff_index(p, v)
        for i in self.uses(p):
            dg = self._gen_grad(i, v)
            if dg:
                out += diff_index(p, i) * dg
        return out

    # -- the SeriesAlgebra protocol ------------------------------------------------------
    def lift(self, expr: sp.Expr) -> Any:
        known = len(self.found.order)
        try:
            poly = self.found.poly(expr)
        except NotClosed as exc:
            raise NotInAlgebra(str(exc)) from exc
        if len(self.found.order) != known:
            raise NotInAlgebra(f"{expr} has subexpressions outside this ring")
        return self.ring.from_expr(poly)

    def to_expr(self, p: Any) -> sp.Expr:
        return p.as_expr(*self.atoms)

    def vanishes(self, p: Any) -> bool:
        return not p or bool(sp.simplify(self.to_expr(p)) == 0)

    def diff(self, p: Any, v: sp.Symbol) -> Any:
        return self._total(p, self.index[v])

    def compose(
        self, exprs: Sequence[Any], subs: Mapping[sp.Symbol, AnyJet], order: int
    ) -> list[AnyJet]:
        zero = self.ring.zero
        jets = {
            self.index[v]: list(j[: order + 1]) + [zero] * (order + 1 - len(j))
            for v, j in subs.items()
        }
        jets = {i: j for i, j in jets.items() if not (j[0] == self.ring.gens[i] and not any(j[1:]))}
        needed: set[int] = set()
        todo = [i for e in exprs for i in self.uses(e)]
        while todo:
            i = todo.pop()
            if i not in needed:
                needed.add(i)
                todo.extend(self.uses(self.args[i]))
        for i in sorted(needed):  # discovery order: inner generators first
            jet = self._generator_jet(i, jets, order)
            if jet is not None:
                jets[i] = jet
        return [self.evaluate(e, jets, order) for e in exprs]

    def _generator_jet(self, i: int, jets: dict[int, AnyJet], order: int) -> AnyJet | None:
        """The jet of generator ``i`` when its argument moves, else None."""
        arg = self.args[i]
        s = self.step_index
        if not any(m[s] or any(m[k] for k in jets) for m in arg.keys()):
            return None
        u = self.evaluate(arg, jets, order)
        g = self.info[i]
        j = self.lookup.get((g.name, g.power, _key(u[0])))
        if j is None:
            raise NotInAlgebra(f"the argument {g.arg} at rest is not a generator's argument")
        delta = [self.ring.zero, *u[1:]]
        out = [self.ring.gens[j]] + [self.ring.zero] * order
        if not any(delta):
            return out
        derivs = self.taylor(j, order)
        power = delta
        for n in range(1, order + 1):
            c = derivs[n] * sp.QQ(1, factorial(n))
            if c:
                for m in range(n, order + 1):
                    if power[m]:
                        out[m] += c * power[m]
            if n < order:
                power = self.jet_mul(power, delta, order)
        return out


def best_algebra(
    exprs: Sequence[sp.Expr],
    variables: Sequence[sp.Symbol],
    extra: Sequence[sp.Symbol],
    step: sp.Symbol,
    rest: Mapping[sp.Symbol, sp.Expr] | None = None,
) -> SeriesAlgebra:
    """:func:`~limitdyn.symbolic._algebra.algebra_for`, with the closure ring tried before
    SymPy expressions for non-polynomial schemes (unless :data:`ENABLED` is switched off).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> [type(best_algebra([e], [x], [], t)).__name__ for e in (x**2, sp.exp(x), sp.erf(x))]
    ['RingAlgebra', 'ClosureAlgebra', 'ExprAlgebra']
    """
    alg = algebra_for(exprs, variables, extra, step)
    if isinstance(alg, RingAlgebra) or not ENABLED[0]:
        return alg
    closure = ClosureAlgebra.try_build_closure(exprs, variables, extra, step, rest)
    return alg if closure is None else closure
