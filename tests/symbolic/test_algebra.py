"""The two series back ends agree: :class:`RingAlgebra` (sparse polynomials over QQ) and
:class:`ExprAlgebra` (SymPy expressions) are independent implementations of one interface
(lift, to_expr, var, tidy, is_zero, diff, scale, compose, with_step, zero). On random
polynomials and random polynomial jets both must give the same SymPy expressions, and
both must equal the direct definition of composition: substitute ``x -> sum_i t**i j_i``,
expand, read off the coefficients of ``t**0 .. t**K``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from limitdyn.symbolic._algebra import ExprAlgebra, RingAlgebra

t = sp.Symbol("t")
x, y, c = sp.symbols("x y c")
VARS = (x, y)
K = 2


@st.composite
def polynomials(
    draw: st.DrawFn, variables: Sequence[sp.Symbol], *, degree: int, max_terms: int
) -> sp.Expr:
    """One to ``max_terms`` terms ``(p/q) * prod v**e_v`` with ``|p| <= 4``, ``q <= 3``,
    ``e_v <= degree``: never empty, so every draw exercises the products."""
    terms = draw(
        st.lists(
            st.tuples(
                st.integers(-4, 4).filter(bool),
                st.integers(1, 3),
                st.lists(st.integers(0, degree), min_size=len(variables), max_size=len(variables)),
            ),
            min_size=1,
            max_size=max_terms,
        )
    )
    return sp.Add(
        *[
            sp.Rational(p, q) * sp.Mul(*[v**e for v, e in zip(variables, exps)])
            for p, q, exps in terms
        ]
    )


#: polynomials in the state, the step and a parameter, with small rational coefficients
polys = polynomials([x, y, t, c], degree=2, max_terms=4)
#: step-free jet coefficients
coeffs = polynomials([x, y, c], degree=1, max_terms=3)
jets = st.lists(coeffs, min_size=K + 1, max_size=K + 1)


def backends(*exprs: sp.Expr) -> tuple[RingAlgebra, ExprAlgebra]:
    # x + y + c + t makes every symbol a generator even when the draws miss one
    ring = RingAlgebra.try_build([*exprs, x + y + c + t], VARS, [], t)
    assert ring is not None
    return ring, ExprAlgebra(VARS, t)


def same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.expand(a - b) == 0


def direct_composition(
    p: sp.Expr, subs: Mapping[sp.Symbol, Sequence[sp.Expr]], order: int
) -> list[sp.Expr]:
    """Coefficients of ``t**0 .. t**order`` of ``p(x = sum_i t**i jx_i, ...)``."""
    curves = {v: sum(cj * t**i for i, cj in enumerate(j)) for v, j in subs.items()}
    e = sp.expand(p.xreplace(curves))
    return [e.coeff(t, m) for m in range(order + 1)]


@given(polys)
def test_lift_and_to_expr_round_trip(p: sp.Expr) -> None:
    ring, expr = backends(p)
    assert same(ring.to_expr(ring.lift(p)), p)
    assert same(expr.to_expr(expr.lift(p)), p)
    assert ring.is_zero(ring.lift(p)) == (sp.expand(p) == 0) == expr.is_zero(expr.tidy(p))


@given(
    polys, st.sampled_from([x, y]), st.builds(sp.Rational, st.integers(-5, 5), st.integers(1, 5))
)
def test_diff_and_scale_agree(p: sp.Expr, v: sp.Symbol, q: sp.Rational) -> None:
    """d p / d v and q p in both back ends, against SymPy's own diff."""
    ring, expr = backends(p)
    lifted = ring.lift(p)
    assert same(ring.to_expr(ring.diff(lifted, v)), sp.diff(p, v))
    assert same(expr.to_expr(expr.diff(expr.lift(p), v)), sp.diff(p, v))
    assert same(ring.to_expr(ring.scale(lifted, q)), q * p)
    assert same(expr.to_expr(expr.scale(expr.lift(p), q)), q * p)


@given(polys, polys, jets, jets)
def test_compose_agrees_with_each_other_and_with_substitution(
    p: sp.Expr, r: sp.Expr, jx: list[sp.Expr], jy: list[sp.Expr]
) -> None:
    """Jets of p(x(t), y(t), t) for polynomial curves x(t), y(t): ring == expressions ==
    substitute-expand-collect."""
    ring, expr = backends(p, r, *jx, *jy)
    subs = {x: jx, y: jy}
    by_ring = ring.compose(
        [ring.lift(p), ring.lift(r)], {v: [ring.lift(e) for e in j] for v, j in subs.items()}, K
    )
    by_expr = expr.compose([p, r], subs, K)
    for poly, jr, je in zip((p, r), by_ring, by_expr):
        reference = direct_composition(poly, subs, K)
        assert len(jr) == len(je) == K + 1
        for m in range(K + 1):
            assert same(ring.to_expr(jr[m]), reference[m]), (m, poly)
            assert same(expr.to_expr(je[m]), reference[m]), (m, poly)


@given(polys, jets)
def test_compose_with_a_partial_substitution(p: sp.Expr, jx: list[sp.Expr]) -> None:
    """Only x moves; y stays itself (and the ring's shortcut for identity jets applies)."""
    ring, expr = backends(p, *jx)
    ident = [y] + [sp.S.Zero] * K
    subs = {x: jx, y: ident}
    by_ring = ring.compose(
        [ring.lift(p)], {v: [ring.lift(e) for e in j] for v, j in subs.items()}, K
    )
    by_expr = expr.compose([p], {x: jx}, K)
    reference = direct_composition(p, {x: jx}, K)
    for m in range(K + 1):
        assert same(ring.to_expr(by_ring[0][m]), reference[m])
        assert same(expr.to_expr(by_expr[0][m]), reference[m])


@given(jets)
def test_with_step_agrees(jet: list[sp.Expr]) -> None:
    """sum_i t**i jet[i] in both back ends."""
    ring, expr = backends(*jet)
    expected = sum(cj * t**i for i, cj in enumerate(jet))
    assert same(ring.to_expr(ring.with_step([ring.lift(e) for e in jet])), expected)
    assert same(expr.to_expr(expr.with_step(jet)), expected)


def test_var_zero_and_tidy() -> None:
    """The variables' elements, zero, and tidy (canonical expanded form) in both."""
    e = (x + y) ** 2 * (c - t)
    ring, expr = backends(e)
    for v in VARS:
        assert ring.to_expr(ring.var(v)) == v
        assert expr.to_expr(expr.var(v)) == v
    assert ring.is_zero(ring.zero) and expr.is_zero(expr.zero)
    assert not ring.is_zero(ring.var(x)) and not expr.is_zero(expr.var(x))
    assert ring.to_expr(ring.zero) == 0 and expr.to_expr(expr.zero) == 0
    assert expr.tidy(e) == sp.expand(e)
    assert ring.to_expr(ring.tidy(ring.lift(e))) == sp.expand(e)
    # ring elements are canonical: the difference of equal polynomials is zero
    assert ring.is_zero(ring.lift(e) - ring.lift(sp.expand(e)))


@given(
    st.lists(st.integers(-4, 4), min_size=4, max_size=4).filter(
        lambda m: m[0] * m[3] - m[1] * m[2] != 0
    ),
    polys,
    polys,
)
def test_solve_linear_agrees(entries: list[int], p: sp.Expr, r: sp.Expr) -> None:
    """``M**-1 rhs`` for an invertible rational matrix: M times the solution is rhs."""
    ring, expr = backends(p, r)
    m = sp.Matrix(2, 2, entries)
    by_ring = [ring.to_expr(e) for e in ring.solve_linear(m, [ring.lift(p), ring.lift(r)])]
    by_expr = [expr.to_expr(e) for e in expr.solve_linear(m, [p, r])]
    for sol in (by_ring, by_expr):
        back = m * sp.Matrix(sol)
        assert same(back[0], p) and same(back[1], r)
    assert all(same(a, b) for a, b in zip(by_ring, by_expr))


def test_try_build_accepts_rational_polynomials_with_parameters() -> None:
    """Polynomials over QQ in variables, placeholders, the step and parameters."""
    w = sp.Dummy("w")
    ring = RingAlgebra.try_build([x * c / 3 + t * w, y**2], VARS, [w], t)
    assert ring is not None
    assert set(ring.ring.symbols) == {x, y, w, t, c}


@pytest.mark.parametrize(
    "bad",
    [
        sp.exp(x),
        sp.sin(x) + y,
        sp.Float(0.5) * x,
        x + sp.Float(1.0) * t,
        sp.Function("f")(x),
        sp.Derivative(sp.Function("f")(x), x),
        sp.sqrt(x),
        1 / x,
        x / c,
        x**c,
        sp.pi * x,
        sp.I * x,
    ],
    ids=str,
)
def test_try_build_refuses_non_polynomial_input(bad: sp.Expr) -> None:
    """Transcendental functions, Float or irrational/complex coefficients, undefined
    functions, negative or symbolic powers are not polynomials over QQ."""
    assert RingAlgebra.try_build([x * y, bad], VARS, [], t) is None
