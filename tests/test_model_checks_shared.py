"""The shared-walk checks of :mod:`limitdyn._model_checks` against the per-entry ones.

``as_exprs`` must accept exactly what ``as_expr`` accepts entry by entry, return the same
expressions, and refuse with the same message (the first bad entry's); ``free_symbols_of``
must equal the union of SymPy's ``free_symbols``. Two independent computations: SymPy's
tree walks and limitdyn's walk over distinct subexpression objects.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from limitdyn._model_checks import as_expr, as_exprs, free_symbols_of
from limitdyn.errors import SchemeError

x, y, n = sp.symbols("x y n")
F = sp.IndexedBase("F")
M = sp.MatrixSymbol("M", 2, 2)

LEAVES = [
    x,
    y,
    sp.Integer(2),
    sp.Rational(-1, 3),
    sp.Float(0.5),
    sp.pi,
    sp.oo,
    sp.nan,
    sp.zoo,
    F[0],
    M[0, 1],
    sp.Integral(x * y, x),
    sp.Integral(F[n], n),
    sp.Derivative(sp.Function("g")(x), x),
    sp.Order(x),
]


def _combine(children: st.SearchStrategy[sp.Basic]) -> st.SearchStrategy[sp.Basic]:
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        children.map(lambda e: sp.tanh(e)),
        children.map(lambda e: sp.exp(e)),
    )


EXPRS = st.recursive(st.sampled_from(LEAVES), _combine, max_leaves=6)


def _outcome(call: object) -> object:
    try:
        return ("ok", call())  # type: ignore[operator]
    except SchemeError as err:
        return ("error", str(err))


@settings(deadline=None, max_examples=60)
@given(st.lists(EXPRS, min_size=1, max_size=4), st.lists(st.integers(0, 3), max_size=4))
def test_as_exprs_is_as_expr_entry_by_entry(pool: list[sp.Basic], picks: list[int]) -> None:
    # entries that share subexpression objects: sums of pool members, and repeats
    entries: list[object] = list(pool) + [pool[i % len(pool)] + x for i in picks]
    entries += [pool[0]]
    one_by_one = _outcome(
        lambda: tuple(as_expr(e, where=f"field, entry {j}") for j, e in enumerate(entries))
    )
    assert _outcome(lambda: as_exprs(entries, where="field")) == one_by_one


def test_as_exprs_refuses_what_as_expr_refuses() -> None:
    bad_ones = (sp.nan, x + sp.oo, sp.Order(x) + 1, F[0] + x, "x", True, sp.Matrix([1]))
    for bad in bad_ones:
        one = _outcome(lambda bad=bad: as_expr(bad, where="field, entry 1"))
        assert one[0] == "error"
        assert _outcome(lambda bad=bad: as_exprs([x, bad], where="field")) == one
    # bound variables: the integral answers for itself in both (x is bound, y free)
    good = sp.Integral(x * y, x) + y
    assert as_exprs([good, good + 1], where="field") == (good, good + 1)


@settings(deadline=None, max_examples=60)
@given(st.lists(EXPRS, min_size=1, max_size=5))
def test_free_symbols_of_is_the_union(exprs: list[sp.Basic]) -> None:
    assert free_symbols_of(exprs) == set().union(*(e.free_symbols for e in exprs))
