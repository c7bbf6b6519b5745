"""limitdyn.testing.strategies: what each strategy promises, and that it shrinks to the
smallest readable case (hypothesis.find returns the minimal example)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import sympy as sp
from hypothesis import find, given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.symbolic._invariants import exact_map
from limitdyn.testing import Game, assert_same_limit
from limitdyn.testing import strategies as lst

x0, x1 = lst.SYMBOLS[:2]
y0 = lst.Y_SYMBOLS[0]
FAST = settings(max_examples=25, deadline=None)


def _numbers(expr: sp.Expr) -> list[sp.Number]:
    return [a for a in sp.preorder_traversal(expr) if isinstance(a, sp.Number)]


# --- shrinking: the minimal counterexample is the smallest readable one ----------------


def test_smallest_field_violating_x_prime_zero_is_the_constant_one() -> None:
    assert find(lst.polynomial_fields(dim=1), lambda c: c[1] != (0,)) == ((x0,), (1,))


def test_smallest_two_dimensional_nonzero_field_has_one_unit_constant() -> None:
    _, field = find(lst.polynomial_fields(dim=2), lambda c: c[1] != (0, 0))
    assert sorted(field, key=str) == [0, 1]


def test_false_theorem_shrinks_to_the_constant_field() -> None:
    """'explicit Euler conserves x^2' is false; the minimal counterexample is x' = 1
    (the step x -> x + tau moves x^2 by 2 tau x + tau^2)."""
    x = x0

    def conserved(case: tuple) -> bool:
        return ld.growth_factor(ld.explicit(case[1], case[0]), x**2) == 1

    assert find(lst.polynomial_fields(dim=1), lambda c: not conserved(c)) == ((x,), (1,))


def test_shrinks_gradient_lipschitz_linear_and_games() -> None:
    assert find(lst.gradient_fields(dim=1), lambda c: c[2] != (0,)) == ((x0,), x0, (-1,))
    _, field = find(lst.lipschitz_fields(dim=1), lambda c: c[1][0].has(x0))
    assert field in ((sp.tanh(x0),), (sp.sin(x0),), (sp.cos(x0),))
    _, a, _ = find(lst.linear_fields([-1, -2]), lambda c: True)
    assert a == sp.diag(-1, -2)  # P shrinks to the identity
    game = find(lst.games("bilinear"), lambda g: g.f != 0)
    assert (game.f, game.g) == (x0 * y0, -x0 * y0)
    assert find(lst.initial_states(dim=2, nonzero=True), lambda z: True) == (0.0, 1.0)
    assert find(lst.step_sizes([[-4]]), lambda t: True) == sp.Rational(1, 20)  # 1/10 of 2/4
    assert find(lst.coefficients(nonzero=True), lambda c: c < 0) == -1


# --- fields ----------------------------------------------------------------------------


@FAST
@given(lst.polynomial_fields(dim=2, max_degree=3))
def test_polynomial_fields_are_exact_and_bounded_in_degree(case) -> None:
    vs, field = case
    for f in field:
        assert all(n.is_Rational for n in _numbers(f))
        assert f == 0 or sp.Poly(f, *vs).total_degree() <= 3


@FAST
@given(lst.polynomial_fields(dim=2, coefficient=st.sampled_from([sp.Symbol("c"), 2])))
def test_polynomial_fields_compose_with_a_coefficient_strategy(case) -> None:
    """Coefficients come from the given strategy: every monomial's coefficient is c or a
    sum of copies of c and 2 (repeated monomials add up)."""
    vs, field = case
    c = sp.Symbol("c")
    for f in field:
        for coeff in sp.Poly(f, *vs).coeffs() if f != 0 else []:
            assert sp.Poly(coeff, c).total_degree() <= 1
            assert all(k >= 0 for k in sp.Poly(coeff, c).coeffs())


@FAST
@given(lst.lipschitz_fields(dim=2, max_terms=3, bound=2), st.integers(0, 6))
def test_lipschitz_fields_are_bounded_with_bounded_jacobian(case, scale) -> None:
    """|phi|, |phi'| <= 1 for tanh, sin, cos: |F_i| <= T B and |dF_i/dx_j| <= T B^2 at
    every point, far out too (here up to |x| = 10^6)."""
    vs, field = case
    jac = sp.Matrix(field).jacobian(vs)
    for point in ([10**scale, -(10**scale)], [sp.Rational(1, 3), 7]):
        at = dict(zip(vs, point))
        assert all(abs(float(f.xreplace(at))) <= 3 * 2 + 1e-12 for f in field)
        assert all(abs(float(e.xreplace(at))) <= 3 * 2**2 + 1e-12 for e in jac)


@FAST
@given(lst.gradient_fields(dim=3, max_degree=2))
def test_gradient_fields_are_minus_the_gradient_with_symmetric_jacobian(case) -> None:
    vs, potential, field = case
    assert all(sp.expand(f + sp.diff(potential, v)) == 0 for f, v in zip(field, vs))
    jac = sp.Matrix(field).jacobian(vs)
    assert sp.expand(jac - jac.T) == sp.zeros(3, 3)  # curl-free (Poincare lemma)


_reals = lst.coefficients(bound=4)
_pairs = st.tuples(_reals, lst.coefficients(bound=4, nonzero=True)).map(
    lambda ab: [ab[0] + sp.I * ab[1], ab[0] - sp.I * ab[1]]
)
_spectra = (
    st.tuples(st.lists(_reals, max_size=2), st.lists(_pairs, max_size=1))
    .map(lambda rp: rp[0] + [v for pair in rp[1] for v in pair])
    .filter(bool)
)


@FAST
@given(_spectra.flatmap(lambda s: st.tuples(st.just(s), lst.linear_fields(s))))
def test_linear_fields_have_exactly_the_prescribed_spectrum(case) -> None:
    spectrum, (vs, a, field) = case
    assert all(e.is_Rational for e in a)
    assert a.eigenvals() == dict(Counter(spectrum))
    lam = sp.Symbol("lam")
    assert sp.expand(a.charpoly(lam).as_expr() - sp.prod([lam - s for s in spectrum])) == 0
    assert tuple(field) == tuple(sp.expand(e) for e in a * sp.Matrix(vs))


@FAST
@given(lst.linear_fields(dim=3))
def test_linear_fields_with_drawn_eigenvalues_are_rational(case) -> None:
    _, a, _ = case
    assert a.shape == (3, 3) and all(e.is_Rational for e in a)
    assert sum(m for m in a.eigenvals().values()) == 3


@FAST
@given(lst.unimodular_matrices(3, bound=3))
def test_unimodular_matrices_have_integer_inverses(p) -> None:
    assert p.det() == 1
    assert all(e.is_Integer for e in p.inv())


def test_linear_fields_reject_an_unpaired_complex_eigenvalue() -> None:
    with pytest.raises(InputError, match="no conjugate"):
        find(lst.linear_fields([1 + sp.I]), lambda c: True)
    with pytest.raises(InputError, match="spectrum or a dim"):
        find(lst.linear_fields(), lambda c: True)


# --- games -----------------------------------------------------------------------------


@FAST
@given(lst.games("bilinear", dim=(2, 1)))
def test_bilinear_games_are_zero_sum_and_bilinear(game: Game) -> None:
    assert game.is_zero_sum and game.loss == game.f
    assert sp.hessian(game.f, game.x_vars) == sp.zeros(2, 2)
    assert sp.hessian(game.f, game.y_vars) == sp.zeros(1, 1)
    xv, yv = sp.Matrix(game.x_vars), sp.Matrix(game.y_vars)
    assert sp.expand(game.f - (xv.T * game.coupling * yv)[0, 0]) == 0


@FAST
@given(lst.games("quadratic", dim=2))
def test_quadratic_games_are_convex_concave(game: Game) -> None:
    hxx = sp.hessian(game.f, game.x_vars)
    hyy = sp.hessian(game.f, game.y_vars)
    assert all(ev >= 0 for ev in hxx.eigenvals()) and all(ev <= 0 for ev in hyy.eigenvals())
    assert game.is_zero_sum


@FAST
@given(lst.games(["zero_sum", "general_sum"], dim=1))
def test_polynomial_games_and_their_scheme_limit(game: Game) -> None:
    """Every gradient scheme of the game has the simultaneous gradient field as its limit
    (Turinici, arXiv:2012.10410, eq. (7))."""
    if game.kind == "zero_sum":
        assert game.is_zero_sum
    assert_same_limit(game.scheme(implicit=False), game.field)
    assert_same_limit(game.scheme(order="simultaneous", implicit=False), game.field)


def test_games_reject_unknown_kinds_and_sizes() -> None:
    with pytest.raises(InputError, match="kind must be among"):
        find(lst.games("cooperative"), lambda g: True)
    with pytest.raises(InputError, match="dim must be"):
        find(lst.games(dim=4), lambda g: True)


# --- schemes ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(lst.schemes(dim=2, kinds=lst.SCHEME_KINDS, max_degree=2))
def test_every_kind_of_scheme_has_the_stated_limit(case) -> None:
    scheme, limit = case
    assert_same_limit(scheme, limit)


@pytest.mark.parametrize("kind", lst.SCHEME_KINDS)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_each_kind_is_drawn(kind: str, data: st.DataObject) -> None:
    scheme, _ = data.draw(lst.schemes(dim=2, kinds=[kind]))
    expected = ld.TwoStepScheme if kind == "two_step" else ld.Scheme
    assert isinstance(scheme, expected)


def test_schemes_reject_unknown_kinds() -> None:
    with pytest.raises(InputError, match="kinds must be among"):
        find(lst.schemes(kinds=["leapfrog"]), lambda c: True)


# --- step sizes and initial states -----------------------------------------------------


def test_euler_step_bound_matches_the_published_values() -> None:
    """|1 + tau lambda| < 1 iff tau < -2 Re(lambda)/|lambda|^2 (Mescheder, Nowozin, Geiger
    2017, Lemma 4): eigenvalues -1 +- 2i give 2/5; -4 gives 2/4."""
    assert lst.euler_step_bound([[-1, -2], [2, -1]]) == sp.Rational(2, 5)
    assert lst.euler_step_bound(sp.diag(-4, -1)) == sp.Rational(1, 2)
    with pytest.raises(InputError, match="Re >= 0"):
        lst.euler_step_bound([[0, 1], [-1, 0]])
    with pytest.raises(InputError, match="square matrix"):
        lst.euler_step_bound([[1, 2]])


_stable_linear = lst.linear_fields(
    dim=2,
    eigenvalues=st.tuples(st.integers(-4, -1), st.integers(-3, 3)).map(
        lambda ab: ab[0] + sp.I * ab[1]
    ),
)


@FAST
@given(_stable_linear.flatmap(lambda c: st.tuples(st.just(c), lst.step_sizes(c[1]))))
def test_step_sizes_of_a_linear_field_make_explicit_euler_contract(case) -> None:
    (_, a, _), tau = case
    assert tau.is_Rational and tau > 0
    assert all(sp.Abs(1 + tau * lam) < 1 for lam in a.eigenvals())  # exact
    m = np.array((sp.eye(2) + tau * a).tolist(), dtype=float)  # independent: numpy
    assert max(abs(np.linalg.eigvals(m))) < 1


_linear_schemes = st.one_of(
    _stable_linear.map(lambda c: ld.explicit(c[2], c[0])),
    _stable_linear.map(lambda c: ld.implicit(c[2], c[0])),
)


def _radius(scheme, tau) -> float:
    """Spectral radius of the one-step map in closed form (exact_map: linear for these
    schemes), computed with numpy."""
    vs = scheme.variables
    new = exact_map(scheme)
    jac = sp.Matrix([new[v] for v in vs]).jacobian(vs).subs(scheme.step, tau)
    return float(max(abs(np.linalg.eigvals(np.array(jac.tolist(), dtype=float)))))


@settings(max_examples=8, deadline=None)
@given(_linear_schemes.flatmap(lambda s: st.tuples(st.just(s), lst.step_sizes(s))))
def test_step_sizes_of_a_scheme_give_a_contracting_map(case) -> None:
    """At the stable steps found by linear_stability (its symbolic stable set), the map's
    spectral radius, computed independently, is < 1 (implicit Euler is A-stable: any
    fraction of max_step)."""
    scheme, tau = case
    assert tau > 0
    assert _radius(scheme, tau) < 1


@pytest.mark.parametrize(("k", "beta"), [(3, sp.Rational(1, 2)), (1, sp.S.Zero)])
def test_step_sizes_of_heavy_ball_respect_polyaks_bound(k, beta) -> None:
    """Heavy ball on k |x|^2 / 2 is stable iff tau k < 2 (1 + beta) (Polyak 1964, Thm. 9;
    the roots of l^2 - (1 + beta - tau k) l + beta)."""
    scheme = ld.heavy_ball(k * (x0**2 + x1**2) / 2, [x0, x1], momentum=beta)
    bound = 2 * (1 + beta) / k
    steps = lst.step_sizes(
        scheme, fractions=st.sampled_from([sp.Rational(1, 10), sp.Rational(9, 10)])
    )
    small = find(steps, lambda t: True)
    large = find(steps, lambda t: t != small)
    assert (small, large) == (bound / 10, 9 * bound / 10)
    assert _radius(scheme, large) < 1


@FAST
@given(lst.initial_states(dim=3, bound=2.5))
def test_initial_states_are_finite_floats_within_bound(z) -> None:
    assert len(z) == 3 and all(isinstance(v, float) and abs(v) <= 2.5 for v in z)
