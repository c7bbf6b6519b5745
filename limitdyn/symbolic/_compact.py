"""A compact presentation of modified fields: elementary differentials over shared tensors.

The terms ``f_j`` that :func:`~limitdyn.modified_equation` returns are expanded
polynomials (in the variables and, for non-polynomial schemes, the closure generators
``tanh(b x + c)``, ``exp(-psi theta)``, ...). The same field has a far smaller
presentation as a combination of elementary differentials (Hairer, Lubich, Wanner,
*Geometric Numerical Integration*, 2nd ed., ch. III.1 and IX.9): for explicit Euler,
``f_1 = -f'f / 2``, ``f_2 = f''(f, f) / 12 + f'f'f / 3``, ... (GNI IX.1, eq. (1.4)), each
elementary differential evaluated bottom up as contractions of the derivative tensors
of ``f``, which are computed once and shared.

The series of any one-step map is ``Phi(z) = z + sum_m tau**m d_m(z)``. The modified
field is a P-series in the coloured rooted trees whose vertices of colour ``m`` stand for
the field ``d_m``: the elementary differential of a tree with root colour ``m`` and
subtrees ``t_1 .. t_r`` is ``d_m^(r)(F(t_1), ..., F(t_r))``, and the Lie derivative
``(F(t))' F(u)`` is the sum over the vertices of ``t`` of ``F`` of ``t`` with ``u``
grafted onto that vertex (Leibniz rule). :func:`tree_terms` runs the backward-error
recursion of :func:`~limitdyn.symbolic._backward._backward_error` on linear combinations
of trees, with exact rational coefficients; :func:`compact_cse` evaluates the result
on the scheme's map series. Only the colours with a non-zero ``d_m`` are used: explicit
Euler (gradient descent, simultaneous explicit games) has the single colour 1, its
classical B-series.

For the closure ring, the derivative tensors are first reduced modulo the generators'
algebraic relations ``q * (1/q) = 1`` (so ``exp(-u) * sigma = 1 - sigma`` for
``sigma = 1/(1 + exp(-u))``), which the ring itself does not know.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from math import factorial
from typing import Any

import sympy as sp

from .._scheme import Scheme
from ._algebra import RingAlgebra
from ._closure import ClosureAlgebra
from ._series import scheme_series

__all__ = ["WORK_LIMIT", "Tree", "compact_cse", "presenter", "tree_terms"]

#: a coloured rooted tree: ``(colour, subtrees)``, subtrees sorted (non-planar, canonical)
Tree = tuple[int, tuple["Tree", ...]]
#: a linear combination of trees
Combination = dict[Tree, sp.Rational]
#: what :meth:`ModifiedEquation.cse` returns
Reduced = tuple[list[tuple[sp.Symbol, sp.Expr]], sp.Matrix]

#: the most products of tensor entries and vector components the contractions may form;
#: beyond it (many variables, high order) the compact form is not smaller and
#: :func:`compact_cse` declines
WORK_LIMIT = 20000


# -- trees ----------------------------------------------------------------------------------


def _graft(t: Tree, u: Tree) -> Iterator[Tree]:
    """``t`` with ``u`` attached as a new child of each of its vertices in turn."""
    colour, kids = t
    yield colour, tuple(sorted((*kids, u)))
    for i, kid in enumerate(kids):
        for g in _graft(kid, u):
            yield colour, tuple(sorted((*kids[:i], g, *kids[i + 1 :])))


def _lie(x: Combination, y: Combination) -> Combination:
    """``(F(x))' F(y)``, bilinear in the combinations ``x`` and ``y``."""
    out: Combination = {}
    for t, a in x.items():
        for u, b in y.items():
            for g in _graft(t, u):
                out[g] = out.get(g, sp.S.Zero) + a * b
    return {k: v for k, v in out.items() if v}


def tree_terms(colours: Sequence[int], order: int) -> list[Combination]:
    """The modified field's terms ``f_0 .. f_order`` as combinations of coloured trees.

    A vertex of colour ``m`` stands for ``d_m``, the coefficient of ``tau**m`` of the
    map; ``colours`` are those with ``d_m`` not zero. The recursion is that of
    :func:`~limitdyn.symbolic._backward._backward_error`, ``f_j = d_{j+1} -
    sum_{n >= 2} P[n][j + 1 - n] / n!`` with ``P[n][p] = sum_{a+b=p} (P[n-1][a])' f_b``.

    Examples
    --------
    Explicit Euler, ``f_1 = -f'f / 2`` and ``f_2 = f'f'f / 3 + f''(f, f) / 12``:

    >>> f = (1, ())
    >>> terms = tree_terms([1], 2)
    >>> terms[1] == {(1, (f,)): sp.Rational(-1, 2)}
    True
    >>> terms[2] == {(1, ((1, (f,)),)): sp.Rational(1, 3), (1, (f, f)): sp.Rational(1, 12)}
    True
    """
    present = set(colours)
    f: list[Combination] = []
    lie: dict[int, dict[int, Combination]] = {1: {}}
    for j in range(order + 1):
        m = j + 1
        acc: Combination = {(m, ()): sp.S.One} if m in present else {}
        for n in range(2, m + 1):
            p = m - n
            total: Combination = {}
            for a in range(p + 1):
                for t, c in _lie(lie[n - 1][a], f[p - a]).items():
                    total[t] = total.get(t, sp.S.Zero) + c
            lie.setdefault(n, {})[p] = total
            for t, c in total.items():
                acc[t] = acc.get(t, sp.S.Zero) - c / factorial(n)
        fj = {t: c for t, c in acc.items() if c}
        f.append(fj)
        lie[1][j] = fj
    return f


def _subtrees(t: Tree) -> Iterator[Tree]:
    yield t
    for kid in t[1]:
        yield from _subtrees(kid)


# -- evaluation -----------------------------------------------------------------------------


class _Evaluation:
    """Derivative tensors of the ``d_m`` (as placeholders for shared subexpressions) and the
    elementary differentials built on them."""

    def __init__(
        self,
        alg: Any,
        d: Sequence[Sequence[Any]],
        variables: Sequence[sp.Symbol],
        step: sp.Symbol,
    ):
        self.alg, self.d, self.variables, self.step = alg, d, tuple(variables), step
        self.relations = _relations(alg)
        self.derivs: dict[tuple[int, int, tuple[int, ...]], Any] = {}
        self.tensors: dict[tuple[int, int, tuple[int, ...]], sp.Expr] = {}
        self.values: list[tuple[sp.Dummy, sp.Expr]] = []  # tensor entries
        self.contractions: list[tuple[sp.Dummy, sp.Expr]] = []  # elementary differentials
        self.contracted: dict[tuple[int, tuple[tuple[sp.Expr, ...], ...]], list[sp.Expr]] = {}
        self.evaluated: dict[frozenset[tuple[Tree, sp.Expr]], tuple[sp.Expr, list[sp.Expr]]] = {}

    def _deriv(self, m: int, i: int, js: tuple[int, ...]) -> Any:
        key = (m, i, js)
        if key not in self.derivs:
            if js:
                self.derivs[key] = self.alg.diff(self._deriv(m, i, js[:-1]), self.variables[js[-1]])
            else:
                self.derivs[key] = self.d[m][i]
        return self.derivs[key]

    def tensor(self, m: int, i: int, js: tuple[int, ...]) -> sp.Expr:
        """``d^r (d_m)_i / dz_j1 .. dz_jr``: an atom, or a placeholder for the entry."""
        key = (m, i, js)
        if key not in self.tensors:
            p = self._deriv(m, i, js)
            if self.relations and p:
                reduced = p.rem(self.relations)
                p = reduced
            e = _horner(self.alg, p)
            if not e.is_Atom:
                placeholder = sp.Dummy("T")
                self.values.append((placeholder, e))
                e = placeholder
            self.tensors[key] = e
        return self.tensors[key]

    def _placed(self, e: sp.Expr) -> sp.Expr:
        """``e``, or a placeholder standing for it when it is not an atom."""
        if e.is_Atom:
            return e
        placeholder = sp.Dummy("F")
        self.contractions.append((placeholder, e))
        return placeholder

    def _contract(self, m: int, vectors: Sequence[Sequence[sp.Expr]]) -> list[sp.Expr]:
        """``d_m^(r)(v_1, ..., v_r)``, the index tuples grouped by the symmetric entry."""
        key = (m, tuple(sorted((tuple(v) for v in vectors), key=sp.default_sort_key)))
        if key in self.contracted:
            return self.contracted[key]
        n = len(self.variables)
        column: list[sp.Expr] = []
        for i in range(n):
            grouped: dict[tuple[int, ...], sp.Expr] = {}
            for idx in itertools.product(range(n), repeat=len(vectors)):
                product = sp.Mul(*[v[j] for v, j in zip(vectors, idx)])
                if product != 0:
                    js = tuple(sorted(idx))
                    grouped[js] = grouped.get(js, sp.S.Zero) + product
            column.append(
                self._placed(sp.Add(*[self.tensor(m, i, js) * s for js, s in grouped.items()]))
            )
        self.contracted[key] = column
        return column

    def combination(self, terms: Combination) -> tuple[sp.Expr, list[sp.Expr]]:
        """``(s, v)`` with ``s v`` the column ``sum_t c_t F(t)`` and ``s`` a monomial in
        the step; by linearity in the last argument, trees with the same root colour and
        the same other subtrees share one contraction, ``sum_k c_k d^(r)(F(t_1), ..,
        F(u_k)) = d^(r)(F(t_1), .., sum_k c_k F(u_k))``, and scalars move out of every
        contraction (a Horner form in the step)."""
        key = frozenset(terms.items())
        if key in self.evaluated:
            return self.evaluated[key]
        leaves: dict[int, sp.Expr] = {}
        groups: dict[tuple[int, tuple[Tree, ...]], Combination] = {}
        for (colour, kids), c in terms.items():
            if not kids:
                leaves[colour] = leaves.get(colour, sp.S.Zero) + c
            else:
                inner = groups.setdefault((colour, kids[:-1]), {})
                inner[kids[-1]] = inner.get(kids[-1], sp.S.Zero) + c
        n = len(self.variables)
        parts: list[tuple[sp.Expr, list[sp.Expr]]] = []
        for colour, c in leaves.items():
            parts.append((c, [self.tensor(colour, i, ()) for i in range(n)]))
        for (colour, rest), inner in groups.items():
            scaled = [self.combination({k: sp.S.One}) for k in rest]
            scaled.append(self.combination(inner))
            scale = sp.Mul(*[c for c, _ in scaled])
            parts.append((scale, self._contract(colour, [v for _, v in scaled])))
        common = _content([c for c, _ in parts], self.step)
        if len(parts) == 1:
            out = (common, parts[0][1])
        else:
            column = [
                self._placed(sp.Add(*[c / common * v[i] for c, v in parts])) for i in range(n)
            ]
            out = (common, column)
        self.evaluated[key] = out
        return out


def _content(coefficients: Sequence[sp.Expr], step: sp.Symbol) -> sp.Expr:
    """The common factor ``c step**j`` of monomials in the step (``c`` the rationals' gcd,
    with the first one's sign)."""
    rationals, powers = [], []
    for m in coefficients:
        r, rest = m.as_coeff_Mul()
        rationals.append(r)
        powers.append(sp.degree(rest, step) if rest != 1 else 0)
    g = rationals[0]
    for r in rationals[1:]:
        g = sp.gcd(g, r)
    sign = -1 if rationals[0] < 0 else 1
    return sign * abs(g) * step ** min(powers)


def _horner(alg: Any, p: Any) -> sp.Expr:
    """A ring element in Horner form (:func:`sympy.horner`) when that has fewer
    operations than the expanded form; other algebras' elements as they are."""
    expanded = alg.to_expr(p)
    if not isinstance(alg, RingAlgebra) or len(p) < 3:
        return expanded
    ring = alg.ring
    atoms = getattr(alg, "atoms", ring.symbols)
    nested = sp.horner(p.as_expr(), *ring.symbols).xreplace(dict(zip(ring.symbols, atoms)))
    return nested if sp.count_ops(nested) < sp.count_ops(expanded) else expanded


def _relations(alg: Any) -> list[Any]:
    """``q * (1/q) - 1`` for the closure's reciprocal generators (none for other algebras)."""
    if not isinstance(alg, ClosureAlgebra):
        return []
    ring = alg.ring
    return [alg.args[i] * ring.gens[i] - 1 for i, g in alg.info.items() if g.name == "inv"]


def _work(terms: Sequence[Combination], n: int) -> int:
    trees = {s for fj in terms for t in fj for s in _subtrees(t)}
    return sum(n ** (len(t[1]) + 1) for t in trees)


def compact_cse(scheme: Scheme, order: int, *, term: bool = False) -> Reduced | None:
    """The truncated modified field ``sum_{j <= order} tau**j f_j`` of a one-step scheme
    (with ``term=True`` the term ``f_order`` alone) as elementary differentials over
    shared derivative tensors.

    Returns ``(replacements, reduced)`` as :func:`sympy.cse` does (replacements in order,
    each using only earlier ones; ``reduced`` a column), or None when the contractions
    would form more than :data:`WORK_LIMIT` products (many variables, high order).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> scheme = ld.explicit([sp.tanh(x)], [x])
    >>> reps, reduced = compact_cse(scheme, 2)
    >>> field = ld.modified_equation(scheme, order=2).field()
    >>> sp.simplify(reduced[0].subs(list(reversed(reps))) - field[0])
    0
    """
    alg, d = scheme_series(scheme, order + 1)
    variables = scheme.variables
    colours = [m for m in range(1, order + 2) if any(not alg.is_zero(c) for c in d[m])]
    terms = tree_terms(colours, order)
    if _work(terms, len(variables)) > WORK_LIMIT:
        return None
    ev = _Evaluation(alg, d, variables, scheme.step)
    step = scheme.step
    field: Combination = {}
    for j, fj in enumerate(terms):
        if term and j != order:
            continue
        for t, c in fj.items():
            c = c if term else c * step**j
            field[t] = field.get(t, sp.S.Zero) + c
    if not field:  # the term vanishes identically (a field with f'f = 0, ...)
        return [], sp.zeros(len(variables), 1)
    scale, vector = ev.combination(field)
    column = [scale * e for e in vector]
    return _numbered([*ev.values, *ev.contractions], column, {*variables, step})


def _numbered(
    definitions: Sequence[tuple[sp.Dummy, sp.Expr]], column: Sequence[sp.Expr], taken: set[Any]
) -> Reduced:
    """One :func:`sympy.cse` over the placeholders' definitions and the column, the
    definitions put in dependency order and named ``x0, x1, ...`` (avoiding the names
    in use); placeholders that stand for an atom are replaced by it."""
    free = set(taken)
    for _, e in definitions:
        free |= e.free_symbols
    names = sp.numbered_symbols("x", exclude=free)
    temps = sp.numbered_symbols("c", cls=sp.Dummy)
    shared, reduced = sp.cse([e for _, e in definitions] + list(column), symbols=temps)
    values: dict[sp.Basic, sp.Expr] = dict(shared)
    values.update((p, e) for (p, _), e in zip(definitions, reduced))
    rename: dict[sp.Basic, sp.Expr] = {}
    replacements: list[tuple[sp.Symbol, sp.Expr]] = []

    def define(root: sp.Basic) -> None:
        """Define ``root`` after what it uses (depth first, without recursion)."""
        stack = [(root, False)]
        while stack:
            sym, ready = stack.pop()
            if sym in rename or sym not in values:
                continue
            if not ready:
                stack.append((sym, True))
                deps = sorted(values[sym].free_symbols, key=sp.default_sort_key, reverse=True)
                stack.extend((dep, False) for dep in deps)
                continue
            e = values[sym].xreplace(rename)
            if e.is_Atom:
                rename[sym] = e
            else:
                rename[sym] = name = next(names)
                replacements.append((name, e))

    out = list(reduced[len(definitions) :])
    for e in out:
        for dep in sorted(e.free_symbols, key=sp.default_sort_key):
            define(dep)
    return replacements, sp.Matrix([e.xreplace(rename) for e in out])


@dataclass(frozen=True)
class _Presenter:
    """``order -> compact_cse(scheme, order)`` (a class, not a closure: picklable)."""

    scheme: Scheme

    def __call__(self, order: int) -> Reduced | None:
        return compact_cse(self.scheme, order)


def presenter(scheme: Any) -> Callable[[int], Reduced | None] | None:
    """``order -> compact_cse(scheme, order)`` for a one-step scheme, else None."""
    return _Presenter(scheme) if isinstance(scheme, Scheme) else None
