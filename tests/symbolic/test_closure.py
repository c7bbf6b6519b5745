"""The differential-algebra closure (:mod:`limitdyn.symbolic._closure`) against independent
computations.

* Derivatives: the chain rule through the generators equals SymPy's ``diff`` of the
  expression, at random rational points, to 30 digits.
* Jets: the jet of ``g(x(tau))`` along a polynomial path equals the Taylor coefficients of
  ``sympy.series`` of the composed expression.
* Whole analyses: modified equations of the benchmark schemes (Dirac-GAN with the
  log-sigmoid loss, a tanh network, a sigmoid critic against a generator, a quartic
  potential) computed in the closure ring equal those of the landed SymPy-expression
  path (:class:`~limitdyn.symbolic._algebra.ExprAlgebra`, kept reachable by the private
  switch ``_closure.ENABLED``) at random rational points, to 30 digits; so do implicit,
  rated alternating and two-step schemes.
* The cost estimate refuses an order that would run for hours with an ``InputError``
  naming the estimate.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.symbolic import _backward, _closure, _compact, _series, _underlying
from limitdyn.symbolic._algebra import ExprAlgebra, RingAlgebra
from limitdyn.symbolic._backward import COST_LIMIT, estimated_cost
from limitdyn.symbolic._closure import ClosureAlgebra, best_algebra

x, y, t = sp.symbols("x y t")
DIGITS = 30


def _clear() -> None:
    _backward._TERMS.clear()
    _series._SERIES.clear()
    _underlying._UNDERLYING.clear()


@pytest.fixture
def landed() -> Iterator[None]:
    """The landed path (no closure) for the duration of a test."""
    _closure.ENABLED[0] = False
    _clear()
    try:
        yield
    finally:
        _closure.ENABLED[0] = True
        _clear()


def equations_both_ways(
    scheme: object, order: int
) -> tuple[ld.ModifiedEquation, ld.ModifiedEquation]:
    _clear()
    new = ld.modified_equation(scheme, order=order)  # type: ignore[arg-type]
    _closure.ENABLED[0] = False
    _clear()
    try:
        old = ld.modified_equation(scheme, order=order)  # type: ignore[arg-type]
    finally:
        _closure.ENABLED[0] = True
        _clear()
    return new, old


def cse_at(
    replacements: list[tuple[sp.Symbol, sp.Expr]], reduced: sp.Matrix, point: dict
) -> list[sp.Expr]:
    """A CSE result evaluated at a point, each replacement to DIGITS + 20 digits in turn."""
    values = dict(point)
    for sym, e in replacements:
        values[sym] = sp.N(e.xreplace(values), DIGITS + 20)
    return [sp.N(e.xreplace(values), DIGITS + 20) for e in reduced]


def agree(a: sp.Expr, b: sp.Expr, point: dict[sp.Symbol, sp.Rational]) -> bool:
    va = sp.N(a.xreplace(point), DIGITS + 10)
    vb = sp.N(b.xreplace(point), DIGITS + 10)
    return bool(abs(va - vb) <= sp.Float(10, DIGITS + 10) ** -DIGITS * (1 + abs(vb)))


def random_points(symbols: object, n: int, seed: int) -> list[dict[sp.Symbol, sp.Rational]]:
    rng = random.Random(seed)
    syms = sorted(symbols, key=str)  # type: ignore[call-overload]
    return [{s: sp.Rational(rng.randint(-9, 9), rng.randint(2, 9)) for s in syms} for _ in range(n)]


def assert_same_terms(scheme: object, order: int, *, seed: int = 0) -> None:
    """The expanded terms of the closure ring and of the landed path, and the compact
    presentation that ``.cse()`` returns (elementary differentials over shared tensors,
    :mod:`limitdyn.symbolic._compact`; the field with ``tau`` at a random rational, and
    the order-``order`` term alone), agree at random rational points to 30 digits."""
    me_new, me_old = equations_both_ways(scheme, order)
    new, old = me_new.terms, me_old.terms
    free = set().union(*[m.free_symbols for m in (*new, *old)]) - {ld.tau}
    compact = me_new.cse(order=order)
    one_step = me_new.compact is not None  # two-step schemes: sympy.cse of the field
    term = _compact.compact_cse(scheme, order, term=True) if one_step else None  # type: ignore[arg-type]
    assert term is not None or not one_step
    for point in random_points(free | {ld.tau}, 2, seed):
        for j in range(order + 1):
            for a, b in zip(new[j], old[j]):
                assert agree(a, b, point), (j, a, b)
        for got, a, b in zip(cse_at(*compact, point), me_new.field(), me_old.field()):
            assert agree(got, a, point) and agree(got, b, point)
        if term is not None:
            for got, b in zip(cse_at(*term, point), old[order]):
                assert agree(got, b, point)


# -- the benchmark schemes (benchmarks/modified.py) -------------------------------------


def dirac_gan() -> ld.Scheme:
    """Dirac-GAN (Mescheder, Geiger, Nowozin, ICML 2018, Sec. 2.2): generator theta, linear
    critic psi, loss f(psi theta) with f(t) = -log(1 + exp(-t)), simultaneous steps."""
    th, ps = sp.symbols("theta psi")
    loss = -sp.log(1 + sp.exp(-ps * th)) + sp.log(2)
    return ld.game(loss, -loss, [th], [ps], implicit=False, order="simultaneous")


def tanh_network() -> ld.Scheme:
    """Gradient descent on the squared loss of a * tanh(b x + c) at three data points."""
    a, b, c = sp.symbols("a b c")
    data = [(-1, sp.Rational(-1, 2)), (0, sp.Rational(1, 4)), (1, sp.Rational(1, 2))]
    loss = sum((a * sp.tanh(b * xi + c) - yi) ** 2 for xi, yi in data) / 2
    return ld.explicit([-sp.diff(loss, v) for v in (a, b, c)], [a, b, c])


def sigmoid_critic() -> ld.Scheme:
    """A sigmoid critic D(x) = sigma(alpha x + beta) against a generator theta, WGAN-like
    value D(1) - D(theta), alternating with rates 2 and 1."""
    al, be, th = sp.symbols("alpha beta theta")

    def critic(v: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-(al * v + be)))

    value = critic(sp.Integer(1)) - critic(th)
    return ld.game(-value, value, [al, be], [th], implicit=False, rates=[2, 1])


def quartic(n: int) -> ld.Scheme:
    xs = sp.symbols(f"x0:{n}")
    pot = sum((v**2 - 1) ** 2 / 4 for v in xs) + sum(
        xs[i] ** 2 * xs[(i + 1) % n] ** 2 / 2 for i in range(n)
    )
    return ld.explicit([-sp.diff(pot, v) for v in xs], list(xs))


def test_the_non_polynomial_schemes_run_in_the_closure_ring() -> None:
    for scheme in (dirac_gan(), tanh_network(), sigmoid_critic()):
        alg, _ = _series.scheme_series(scheme, 1)
        assert isinstance(alg, ClosureAlgebra)


@pytest.mark.parametrize("make", [dirac_gan, tanh_network], ids=["dirac-gan", "tanh-network"])
def test_closure_and_landed_path_agree_to_30_digits_at_order_2(make: object) -> None:
    assert_same_terms(make(), 2)  # type: ignore[operator]


def test_sigmoid_critic_agrees_with_the_landed_path_at_order_1() -> None:
    # the landed path needs minutes at order 2 (the slow test below)
    assert_same_terms(sigmoid_critic(), 1)


def test_quartic_ring_agrees_with_the_expression_path() -> None:
    """The polynomial ring (now differentiating by generator index) against SymPy
    expressions on a 4-variable quartic, order 2 (the 50-variable one is the benchmark)."""
    scheme = quartic(4)
    alg = ExprAlgebra(scheme.variables, ld.tau)
    d = _series.stage_series(alg, scheme, 3)
    slow = _backward._backward_error(d, scheme.variables, alg, 2)
    _clear()
    fast = ld.modified_equation(scheme, order=2).terms
    for j in range(3):
        for a, b in zip(fast[j], slow[j]):
            assert sp.expand(a - b) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "order"),
    [(dirac_gan, 3), (tanh_network, 3), (sigmoid_critic, 2)],
    ids=["dirac-gan-3", "tanh-network-3", "sigmoid-critic-2"],
)
def test_closure_and_landed_path_agree_at_higher_orders(make: object, order: int) -> None:
    assert_same_terms(make(), order)  # type: ignore[operator]


def test_implicit_rated_and_two_step_schemes_agree_with_the_landed_path() -> None:
    """Implicit stages (unknowns at rest = targets), rates with a parameter and
    trigonometric pairs, and the underlying one-step method of heavy ball (previous state
    at rest = current) go through the closure and agree with SymPy expressions."""
    loss = sp.log(1 + sp.exp(x * y)) + x**2 / 2
    r = sp.Symbol("r")
    schemes = [
        ld.game(loss, -loss + y**2 / 2, [x], [y]),
        ld.alternating([(x, [-sp.sin(x + y) * r]), (y, [sp.cos(x) - sp.tan(y) / 3])], rates=[2, r]),
        ld.heavy_ball(sp.log(sp.cosh(x)) + sp.sqrt(1 + x**2) / 4, x, momentum=sp.Rational(1, 3)),
    ]
    _clear()
    assert isinstance(_series.scheme_series(schemes[0], 1)[0], ClosureAlgebra)
    assert isinstance(_underlying.underlying_series(schemes[2], 1)[0], ClosureAlgebra)
    for k, scheme in enumerate(schemes):
        assert_same_terms(scheme, 2, seed=k)


# -- the differential structure ---------------------------------------------------------

FUNCTIONS = [
    sp.exp(x * y - 1),
    sp.log(2 + x**2),
    sp.tanh(x - y / 2),
    sp.tan(x / 3),
    sp.sin(x + y) * sp.cos(x),
    sp.sinh(y) + sp.cosh(2 * x),
    1 / (1 + sp.exp(-x)),  # the sigmoid
    sp.log(1 + sp.exp(x * y)),  # softplus
    sp.sqrt(1 + x**2 + y**2),
    (3 + sp.tanh(y)) ** sp.Rational(-3, 2),
    sp.exp(sp.tanh(x) ** 2) / (2 + sp.sin(y)),
]


@pytest.mark.parametrize("expr", FUNCTIONS, ids=[str(e) for e in FUNCTIONS])
def test_chain_rule_through_generators_matches_sympy_diff(expr: sp.Expr) -> None:
    alg = ClosureAlgebra.try_build_closure([expr], [x, y], [], t)
    assert alg is not None
    p = alg.lift(expr)
    for point in random_points([x, y], 3, seed=1):
        assert agree(alg.to_expr(p), expr, point)
        for v in (x, y):
            assert agree(alg.to_expr(alg.diff(p, v)), sp.diff(expr, v), point)
            second = alg.diff(alg.diff(p, v), x)
            assert agree(alg.to_expr(second), sp.diff(expr, v, x), point)


@pytest.mark.parametrize("expr", FUNCTIONS[:8], ids=[str(e) for e in FUNCTIONS[:8]])
def test_jets_of_generators_are_taylor_coefficients(expr: sp.Expr) -> None:
    """``g(x + t/2 - t**2/3, y - t)`` to order 3 against ``sympy.series`` in ``t``."""
    order = 3
    alg = ClosureAlgebra.try_build_closure([expr], [x, y], [], t)
    assert alg is not None
    one = alg.ring.one
    path = {
        x: [alg.var(x), one / 2, -one / 3, alg.zero],
        y: [alg.var(y), -one, alg.zero, alg.zero],
    }
    (jet,) = alg.compose([alg.lift(expr)], path, order)
    moved = expr.xreplace({x: x + t / 2 - t**2 / 3, y: y - t})
    taylor = sp.series(moved, t, 0, order + 1).removeO()
    for point in random_points([x, y], 2, seed=2):
        for m in range(order + 1):
            assert agree(alg.to_expr(jet[m]), taylor.coeff(t, m), point)


def test_expressions_outside_the_table_fall_back() -> None:
    kinds = [
        type(best_algebra([e], [x], [], t)).__name__
        for e in (x**2 + t, sp.tanh(x), sp.erf(x), sp.Float(0.5) * sp.exp(x), x**y)
    ]
    assert kinds == ["RingAlgebra", "ClosureAlgebra", "ExprAlgebra", "ExprAlgebra", "ExprAlgebra"]


def test_switch_off_gives_the_landed_algebra(landed: None) -> None:
    assert isinstance(best_algebra([sp.tanh(x)], [x], [], t), ExprAlgebra)
    assert isinstance(best_algebra([x**2], [x], [], t), RingAlgebra)


def test_vanishes_sees_relations_the_ring_does_not_know() -> None:
    """``q * (1/q) - 1`` is not the zero polynomial in the generators, but is zero."""
    q = 1 + sp.exp(x)
    alg = ClosureAlgebra.try_build_closure([1 / q], [x], [], t)
    assert alg is not None
    p = alg.lift(q) * alg.lift(1 / q) - alg.ring.one
    assert p and alg.vanishes(p)
    assert not alg.vanishes(alg.lift(sp.exp(x)))


# -- the cost estimate ------------------------------------------------------------------


def test_a_field_too_large_for_even_order_1_is_refused_cheaply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Up to order 2 the estimate is the cost of ``f_1`` alone, ``dim**2 * S_0**2`` with
    ``S_0`` the mean terms per component of the field; beyond the limit even order 1 is
    refused (the limit is lowered here so that a small field exceeds it)."""
    scheme = quartic(6)
    field = [sp.expand(e) for e in ld.limit_ode(scheme).rhs]
    s0 = sum(len(sp.Add.make_args(e)) for e in field) / 6
    assert estimated_cost(scheme, 1) == pytest.approx(36 * s0**2)
    monkeypatch.setattr(_backward, "COST_LIMIT", 36 * s0**2 / 2)
    _clear()
    with pytest.raises(InputError, match="order 1: an estimated"):
        ld.modified_equation(scheme, order=1)


def test_an_order_that_would_not_finish_is_refused_with_the_estimate() -> None:
    scheme = tanh_network()
    estimate = estimated_cost(scheme, 8)
    assert estimate > COST_LIMIT
    with pytest.raises(InputError, match=r"order 8: an estimated .*e\+\d+ products"):
        ld.modified_equation(scheme, order=8)


def test_the_estimate_grows_with_the_order_and_admits_the_benchmarks() -> None:
    scheme = tanh_network()
    costs = [estimated_cost(scheme, k) for k in range(2, 8)]
    assert all(b > a for a, b in itertools.pairwise(costs))
    assert estimated_cost(dirac_gan(), 4) < COST_LIMIT
