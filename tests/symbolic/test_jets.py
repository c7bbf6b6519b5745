"""Jets (truncated Taylor series in the step) against ``sympy.series`` and hand-derived
Taylor coefficients.

A jet of order K is ``[c_0, ..., c_K]``, the coefficients of ``t**0 .. t**K``. The jet of
``g(x + t a_1 + t**2 a_2 + ...)`` is Faa di Bruno's formula; the cases checked here:

- ``exp(x + t a)``: ``c_j = exp(x) a**j / j!``;
- ``f(x + t a)`` for an undefined ``f``: ``c_j = f^(j)(x) a**j / j!`` (Taylor's theorem);
- ``E(x + t a, y + t b)``: ``c_j = sum_{i+l=j} d^j E / dx^i dy^l a**i b**l / (i! l!)``;
- ``1 / (1 - t a)``: the geometric series ``c_j = a**j``;
- ``(1 + t a)**n``: ``c_j = binom(n, j) a**j`` (the binomial theorem, any real ``n``);
- the truncated product of jets is the Cauchy product ``c_n = sum_{i+j=n} a_i b_j``.
"""

from __future__ import annotations

from math import comb, factorial

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from limitdyn.errors import SchemeError
from limitdyn.symbolic._jets import (
    _multi_indices,
    constant_jet,
    jet_add,
    jet_mul,
    jet_scale,
    jets_of,
    tidy,
)

t = sp.Symbol("t")
x, y, a, b, a2, b2 = sp.symbols("x y a b a2 b2")
K = 5


def zero(e: sp.Expr) -> bool:
    return sp.simplify(e) == 0


def series_coefficients(expr: sp.Expr, order: int) -> list[sp.Expr]:
    """Coefficients of ``t**0 .. t**order`` by ``sympy.series`` (the reference)."""
    s = sp.expand(sp.series(expr, t, 0, order + 1).removeO())
    return [s.coeff(t, j) for j in range(order + 1)]


def jet_of(expr: sp.Expr, subs: dict[sp.Symbol, list[sp.Expr]], order: int = K) -> list[sp.Expr]:
    return jets_of([expr], subs, step=t, order=order)[0]


def line(base: sp.Expr, *increments: sp.Expr, order: int = K) -> list[sp.Expr]:
    """The jet ``[base, increments..., 0, ...]`` of ``base + t inc_1 + t**2 inc_2 + ...``."""
    return [base, *increments] + [sp.S.Zero] * (order - len(increments))


def test_exp_of_a_line() -> None:
    """jet of exp(x + t a) is exp(x) a**j / j!."""
    jet = jet_of(sp.exp(x), {x: line(x, a)})
    assert len(jet) == K + 1
    for j, c in enumerate(jet):
        assert zero(c - sp.exp(x) * a**j / factorial(j)), (j, c)


@pytest.mark.parametrize(
    "g",
    [sp.sin(x), sp.cos(x) * sp.exp(x), sp.log(x), sp.atan(x), sp.sqrt(x), x ** sp.Rational(-3, 2)],
    ids=["sin", "cos*exp", "log", "atan", "sqrt", "x**(-3/2)"],
)
def test_elementary_functions_of_a_curve_match_sympy_series(g: sp.Expr) -> None:
    """g(x + t a + t**2 b) term by term against ``sympy.series``."""
    jet = jet_of(g, {x: line(x, a, b)})
    reference = series_coefficients(g.subs(x, x + t * a + t**2 * b), K)
    for j, (c, r) in enumerate(zip(jet, reference)):
        assert zero(c - r), (j, c, r)


def test_rational_function_is_the_geometric_series() -> None:
    """1 / (1 - t a) = sum a**j t**j, and x / (x + t) = sum (-t/x)**j."""
    jet = jet_of(1 / (1 - t * a), {})
    assert all(zero(c - a**j) for j, c in enumerate(jet))
    jet = jet_of(x / (x + t), {})
    assert all(zero(c - (-1 / x) ** j) for j, c in enumerate(jet))


@pytest.mark.parametrize("n", [3, 7, sp.Rational(1, 2), sp.Rational(-2, 3), -4])
def test_powers_are_the_binomial_series(n: sp.Expr) -> None:
    """(1 + t a)**n = sum binom(n, j) a**j t**j; for a natural n the series stops at t**n."""
    jet = jet_of((1 + a * x) ** n, {x: line(sp.S.Zero, sp.S.One)})
    for j, c in enumerate(jet):
        assert zero(c - sp.binomial(n, j) * a**j), (n, j, c)
    if n == 3:
        assert jet[4:] == [0, 0]


def test_power_of_a_shifted_base() -> None:
    """(x + t a)**(5/2) = x**(5/2) sum binom(5/2, j) (a/x)**j t**j."""
    e = sp.Rational(5, 2)
    jet = jet_of(x**e, {x: line(x, a)})
    for j, c in enumerate(jet):
        assert zero(c - x**e * sp.binomial(e, j) * (a / x) ** j), (j, c)


def test_variable_exponent_goes_through_exp_log() -> None:
    """(1 + t)**(x + t) against ``sympy.series``."""
    jet = jet_of((1 + t) ** (x + t), {}, order=4)
    reference = series_coefficients((1 + t) ** (x + t), 4)
    assert all(zero(c - r) for c, r in zip(jet, reference))


def test_step_inside_the_expression() -> None:
    """exp(t x) has the jet x**j / j! with no substitution at all (the step's own jet is
    [0, 1, 0, ...])."""
    jet = jet_of(sp.exp(t * x), {})
    assert all(zero(c - x**j / factorial(j)) for j, c in enumerate(jet))


def test_undefined_function_of_a_line_is_taylors_formula() -> None:
    """f(x + t a) = sum f^(j)(x) a**j / j! t**j, with the derivatives left unevaluated."""
    f = sp.Function("f")
    jet = jet_of(f(x), {x: line(x, a)})
    for j, c in enumerate(jet):
        assert zero(c - sp.diff(f(x), x, j) * a**j / factorial(j)), (j, c)


def test_undefined_function_of_a_curve() -> None:
    """f(x + t a + t**2 a2): the t**2 coefficient is f'' a**2 / 2 + f' a2 and the t**3 one
    f''' a**3 / 6 + f'' a a2 (Faa di Bruno)."""
    f = sp.Function("f")
    jet = jet_of(f(x), {x: line(x, a, a2)}, order=3)
    d = [sp.diff(f(x), x, j) for j in range(4)]
    assert zero(jet[1] - d[1] * a)
    assert zero(jet[2] - (d[2] * a**2 / 2 + d[1] * a2))
    assert zero(jet[3] - (d[3] * a**3 / 6 + d[2] * a * a2))


def _partial(e: sp.Expr, i: int, l_: int) -> sp.Expr:
    """d^(i + l) e / dx^i dy^l."""
    if i:
        e = sp.diff(e, x, i)
    if l_:
        e = sp.diff(e, y, l_)
    return e


def test_undefined_function_of_two_variables_is_the_multivariate_taylor_series() -> None:
    """E(x + t a, y + t b): c_j = sum_{i+l=j} E_{x^i y^l} a**i b**l / (i! l!)."""
    E = sp.Function("E")(x, y)
    order = 3
    jet = jet_of(E, {x: line(x, a, order=order), y: line(y, b, order=order)}, order=order)
    for j, c in enumerate(jet):
        expected = sum(
            _partial(E, i, j - i) * a**i * b ** (j - i) / (factorial(i) * factorial(j - i))
            for i in range(j + 1)
        )
        assert zero(c - expected), (j, c, expected)


def test_derivative_of_an_undefined_function() -> None:
    """d f / dx at x + t a is f'(x) + t a f''(x) + t**2 a**2 f'''(x) / 2 + ..."""
    f = sp.Function("f")
    jet = jet_of(sp.Derivative(f(x), x), {x: line(x, a)}, order=3)
    for j, c in enumerate(jet):
        assert zero(c - sp.diff(f(x), x, j + 1) * a**j / factorial(j)), (j, c)


def test_undefined_function_composed_with_an_elementary_one() -> None:
    """f(sin(x + t a)): the first coefficients by the chain rule, t**1: f'(sin x) cos(x) a."""
    f = sp.Function("f")
    jet = jet_of(f(sp.sin(x)), {x: line(x, a)}, order=2)
    s = sp.Symbol("s")
    fp = sp.diff(f(s), s).subs(s, sp.sin(x))
    fpp = sp.diff(f(s), s, 2).subs(s, sp.sin(x))
    assert zero(jet[0] - f(sp.sin(x)))
    assert zero(sp.simplify((jet[1] - fp * sp.cos(x) * a).doit()))
    expected2 = (fpp * sp.cos(x) ** 2 - fp * sp.sin(x)) * a**2 / 2
    assert zero(sp.simplify((jet[2] - expected2).doit()))


def test_product_of_functions_is_the_cauchy_product_of_their_jets() -> None:
    """jet(g h) = jet(g) * jet(h), truncated; and both agree with ``sympy.series``."""
    subs = {x: line(x, a, b)}
    g, h = sp.exp(x), sp.sin(x) + x**2
    jg, jh = jet_of(g, subs), jet_of(h, subs)
    jgh = jet_of(g * h, subs)
    product = jet_mul(jg, jh)
    reference = series_coefficients((g * h).subs(x, x + t * a + t**2 * b), K)
    for j in range(K + 1):
        cauchy = sum(jg[i] * jh[j - i] for i in range(j + 1))
        assert zero(product[j] - cauchy)
        assert zero(jgh[j] - reference[j]), j


coefficient = st.integers(-5, 5)


@given(st.lists(coefficient, min_size=4, max_size=4), st.lists(coefficient, min_size=4, max_size=4))
def test_jet_mul_is_truncated_polynomial_multiplication(p: list[int], q: list[int]) -> None:
    """For jets of polynomials in t, jet_mul is the product polynomial truncated at t**3."""
    pa = [sp.Integer(c) * x ** (i % 2) for i, c in enumerate(p)]
    qa = [sp.Integer(c) * y ** (i % 2) for i, c in enumerate(q)]
    prod = sp.expand(
        sum(c * t**i for i, c in enumerate(pa)) * sum(c * t**i for i, c in enumerate(qa))
    )
    got = jet_mul(pa, qa)
    assert len(got) == 4
    for j in range(4):
        assert sp.expand(got[j] - prod.coeff(t, j)) == 0


def test_jet_add_scale_and_constant_jet() -> None:
    """Sums and scalar multiples act coefficientwise; a constant jet has no step terms and is
    the identity of jet_mul."""
    p, q = [x, a, b], [y, b, a]
    assert jet_add(p, q) == [x + y, a + b, a + b]
    assert jet_scale(p, 3) == [3 * x, 3 * a, 3 * b]
    one = constant_jet(sp.S.One, 2)
    assert one == [1, 0, 0]
    assert [sp.expand(c) for c in jet_mul(one, p)] == p
    assert constant_jet(x, 0) == [x]


def test_constant_subexpressions_have_constant_jets() -> None:
    """An expression that does not involve a moving symbol nor the step has jet
    [value, 0, ...], after the constant substitutions."""
    jet = jets_of([sp.exp(y) + y**2], {y: constant_jet(a, 3)}, step=t, order=3)[0]
    assert zero(jet[0] - (sp.exp(a) + a**2))
    assert jet[1:] == [0, 0, 0]


def test_jets_of_several_expressions_at_once() -> None:
    """jets_of returns one jet per expression, each equal to its own series."""
    exprs = [sp.exp(x), x * y, sp.cos(y)]
    subs = {x: line(x, a, order=3), y: line(y, b, order=3)}
    jets = jets_of(exprs, subs, step=t, order=3)
    assert len(jets) == 3
    for e, jet in zip(exprs, jets):
        ref = series_coefficients(e.subs({x: x + t * a, y: y + t * b}, simultaneous=True), 3)
        assert all(zero(c - r) for c, r in zip(jet, ref))


def test_order_zero_jet_is_the_value_at_step_zero() -> None:
    """At order 0 the jet is the value with the step set to zero."""
    assert jets_of([sp.exp(x + t) * (1 + t)], {}, step=t, order=0) == [[sp.exp(x)]]


def test_vanishing_base_of_a_fractional_power_raises() -> None:
    """sqrt(t) has no Taylor series at t = 0."""
    with pytest.raises(SchemeError, match="base vanishes"):
        jets_of([sp.sqrt(t)], {}, step=t, order=2)


def test_piecewise_raises() -> None:
    with pytest.raises(SchemeError, match="cannot expand"):
        jets_of([sp.Piecewise((x, t > 0), (0, True))], {}, step=t, order=1)


def test_tidy_expands_products_and_integer_powers_only() -> None:
    """tidy keeps the value and expands polynomial structure, not exp/log/power bases."""
    e = (x + 1) ** 2 * (y - a) + sp.exp(x + y) + sp.log(x * y) + (x * y) ** sp.Rational(1, 2)
    out = tidy(e)
    assert zero(out - e)
    assert out.has(sp.exp(x + y)) and out.has(sp.log(x * y))
    assert out.has((x * y) ** sp.Rational(1, 2))
    assert sp.expand(e - out) == 0
    assert tidy((x + 1) ** 2) == x**2 + 2 * x + 1


@pytest.mark.parametrize("m,total", [(1, 3), (2, 0), (2, 4), (3, 3), (4, 2)])
def test_multi_indices_are_all_compositions(m: int, total: int) -> None:
    """All alpha in N^m with |alpha| = total, each once: binom(total + m - 1, m - 1) of them."""
    alphas = _multi_indices(m, total)
    assert len(alphas) == len(set(alphas)) == comb(total + m - 1, m - 1)
    assert all(len(al) == m and sum(al) == total and min(al) >= 0 for al in alphas)


def test_jets_refuse_strings_instead_of_parsing_them() -> None:
    from limitdyn.errors import SchemeError
    from limitdyn.symbolic._jets import jets_of

    t = sp.Symbol("t")
    with pytest.raises(SchemeError, match="cannot expand str"):
        jets_of(["__import__('os')"], {}, step=t, order=1)
