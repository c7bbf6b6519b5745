"""``ld.map_series``: the Taylor coefficients of one step of a scheme, against closed forms.

- Explicit Euler ``z + tau F(z)``: the series is ``[z, F, 0, 0, ...]``.
- Implicit Euler for ``x' = a x``: ``x+ = x / (1 - a tau) = sum_j x (a tau)**j`` (exact).
- Implicit midpoint ``z+ = z + tau F((z + z+)/2)``: for linear ``F = A z`` the Cayley
  transform ``(I - tau A/2)**-1 (I + tau A/2)``; for any ``F`` its B-series
  [HLW III.1, Thm 1.4]: ``Phi = z + tau b F + tau**2 (b.c) F'F
  + tau**3 ((b.c**2)/2 F''(F, F) + (b.A c) F'F'F) + ...`` with ``A = c = b/2 = 1/2``:
  coefficients ``F``, ``F'F / 2``, ``F''(F, F) / 8 + F'F'F / 4``.
- An alternating scheme is the composition of its block steps (computed by hand below).
- A block with rate ``r`` steps with ``r tau``, so every block rated ``r`` multiplies the
  ``tau**j`` coefficient by ``r**j``.

[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, 2nd ed., Springer 2006.
"""

from __future__ import annotations

from math import comb

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import SchemeError

tau = ld.tau
x, y, a, r = sp.symbols("x y a r")
K = 4


def zero(e: sp.Expr) -> bool:
    return sp.simplify(e) == 0


def series_of_closed_form(expr: sp.Expr, order: int) -> list[sp.Expr]:
    s = sp.expand(sp.series(expr, tau, 0, order + 1).removeO())
    return [s.coeff(tau, j) for j in range(order + 1)]


def midpoint(field: list[sp.Expr], variables: list[sp.Symbol]) -> ld.Scheme:
    """The implicit midpoint rule as one implicit stage."""
    w = [sp.Dummy(f"{v}_new") for v in variables]
    mid = {v: (v + wi) / 2 for v, wi in zip(variables, w)}
    residual = tuple(wi - v - tau * f.xreplace(mid) for v, wi, f in zip(variables, w, field))
    stage = ld.ImplicitStage(targets=tuple(variables), unknowns=tuple(w), residual=residual)
    return ld.Scheme(variables=tuple(variables), stages=(stage,), name="implicit midpoint")


def test_explicit_euler_series_is_z_plus_tau_f() -> None:
    """For any field, including undefined functions: [z, F, 0, 0, ...]."""
    F, G = sp.Function("F")(x, y), sp.Function("G")(x, y)
    for field in ([F, G], [-(x**3) + y * sp.exp(x), sp.sin(x * y)]):
        s = ld.map_series(ld.explicit(field, [x, y]), order=K)
        assert s.shape == (2, K + 1)
        assert list(s[:, 0]) == [x, y]
        assert all(zero(s[i, 1] - field[i]) for i in range(2))
        assert all(s[i, j] == 0 for i in range(2) for j in range(2, K + 1))


def test_implicit_euler_on_linear_growth_is_the_geometric_series() -> None:
    """x+ = x + tau a x+ gives x+ = x / (1 - a tau) = sum x (a tau)**j, term by term."""
    s = ld.map_series(ld.implicit([a * x], [x]), order=6)
    assert [s[0, j] for j in range(7)] == [sp.expand(x * a**j) for j in range(7)]


def test_implicit_euler_on_a_nonlinear_field_matches_the_solved_map() -> None:
    """x+ = x - tau x+**2 has the root x+ = (sqrt(1 + 4 tau x) - 1) / (2 tau)."""
    s = ld.map_series(ld.implicit([-(x**2)], [x]), order=K)
    closed = (sp.sqrt(1 + 4 * tau * x) - 1) / (2 * tau)
    assert all(zero(s[0, j] - c) for j, c in enumerate(series_of_closed_form(closed, K)))


def test_implicit_midpoint_on_a_linear_field_is_the_cayley_transform() -> None:
    """F = A z with A the rotation generator [[0, -1], [1, 0]] scaled by a:
    Phi = (I - tau A/2)**-1 (I + tau A/2) z."""
    A = sp.Matrix([[0, -a], [a, 0]])
    z = sp.Matrix([x, y])
    s = ld.map_series(midpoint(list(A * z), [x, y]), order=K)
    cayley = (sp.eye(2) - tau * A / 2).inv() * (sp.eye(2) + tau * A / 2) * z
    for i in range(2):
        expected = series_of_closed_form(sp.simplify(cayley[i]), K)
        assert all(zero(s[i, j] - expected[j]) for j in range(K + 1)), i


def test_implicit_midpoint_b_series() -> None:
    """[HLW III.1]: for a generic scalar f, the tau**2 and tau**3 coefficients of the
    midpoint rule are f'f/2 and f''f**2/8 + f'**2 f/4 (the exact flow has f''f**2/6 + f'**2 f/6
    at tau**3: the rule is of order 2, not 3)."""
    f = sp.Function("f")(x)
    s = ld.map_series(midpoint([f], [x]), order=3)
    f1, f2 = f.diff(x), f.diff(x, 2)
    assert s[0, 0] == x
    assert zero(s[0, 1] - f)
    assert zero(s[0, 2] - f1 * f / 2)
    assert zero(s[0, 3] - (f2 * f**2 / 8 + f1**2 * f / 4))


def test_alternating_scheme_composes_its_blocks() -> None:
    """x+ = x - tau y, then y+ = y + tau x+ = y + tau x - tau**2 y (bilinear game, x first)."""
    s = ld.map_series(ld.alternating([(x, [-y]), (y, [x])]), order=3)
    assert list(s.row(0)) == [x, -y, 0, 0]
    assert list(s.row(1)) == [y, x, -y, 0]


def test_alternating_nonlinear_composition() -> None:
    """x+ = x + tau x y, then y+ = y + tau x+**2: the composition expanded by hand,
    y+ = y + tau x**2 + 2 tau**2 x**2 y + tau**3 x**2 y**2."""
    s = ld.map_series(ld.alternating([(x, [x * y]), (y, [x**2])]), order=K)
    assert [sp.expand(e) for e in s.row(0)] == [x, x * y, 0, 0, 0]
    expected = [y, x**2, 2 * x**2 * y, x**2 * y**2, 0]
    assert all(zero(s[1, j] - expected[j]) for j in range(K + 1))


def test_rated_blocks_scale_the_coefficients_by_rate_powers() -> None:
    """Every block rated r: the scheme with step tau is the unrated one with step r tau,
    so the tau**j coefficient is r**j times the unrated one (explicit and implicit)."""
    blocks = [(x, [-y - x**3]), (y, [x * y + 1])]
    for implicit in (False, True):
        plain = ld.map_series(ld.alternating(blocks, implicit=implicit), order=K)
        rated = ld.map_series(ld.alternating(blocks, rates=[r, r], implicit=implicit), order=K)
        for i in range(2):
            for j in range(K + 1):
                assert zero(rated[i, j] - r**j * plain[i, j]), (implicit, i, j)


def test_rate_of_one_block_only() -> None:
    """Rates (1, r) on the bilinear game: x+ = x - tau y, y+ = y + r tau (x - tau y)."""
    s = ld.map_series(ld.alternating([(x, [-y]), (y, [x])], rates=[1, r]), order=2)
    assert list(s.row(0)) == [x, -y, 0]
    assert [sp.expand(e) for e in s.row(1)] == [y, r * x, -r * y]


@pytest.mark.parametrize("n", [1, 2, 5])
def test_repeated_block_is_the_power_of_its_step(n: int) -> None:
    """n repeats of x+ = x + tau a x: (1 + a tau)**n x, coefficients binom(n, j) a**j x."""
    s = ld.map_series(ld.alternating([(x, [a * x])], repeats=[n]), order=K)
    assert [sp.expand(s[0, j]) for j in range(K + 1)] == [
        sp.expand(comb(n, j) * a**j * x) for j in range(K + 1)
    ]


def test_explicit_map_series_matches_sympy_series() -> None:
    """A from_map scheme with transcendental functions: the series of the map itself."""
    mapping = {x: x * sp.exp(-tau * y), y: y + sp.sin(tau * x) / (1 + tau)}
    s = ld.map_series(ld.from_map(mapping), order=K)
    for i, v in enumerate((x, y)):
        expected = series_of_closed_form(mapping[v], K)
        assert all(zero(s[i, j] - expected[j]) for j in range(K + 1)), v


def test_series_is_a_prefix_of_a_longer_series() -> None:
    """Truncation: the order-2 series is the first three columns of the order-4 one."""
    scheme = ld.alternating([(x, [-y - x**3]), (y, [sp.exp(x)])], implicit=True)
    short, long = ld.map_series(scheme, order=2), ld.map_series(scheme, order=4)
    assert all(zero(short[i, j] - long[i, j]) for i in range(2) for j in range(3))


def test_two_step_scheme_gives_the_doubled_map() -> None:
    """Heavy ball on the doubled state: x+ = x - tau f'(x) + beta (x - x_prev), x_prev+ = x."""
    b = sp.Symbol("beta")
    hb = ld.heavy_ball(x**4 / 4, x, momentum=b)
    xp = hb.previous[0]
    s = ld.map_series(hb, order=2)
    assert [sp.expand(e) for e in s.row(0)] == [sp.expand(x + b * (x - xp)), -(x**3), 0]
    assert list(s.row(1)) == [x, 0, 0]


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [-1, 1.5, True, "2", None])
def test_bad_order_raises(order: object) -> None:
    with pytest.raises(SchemeError, match="order must be a non-negative integer"):
        ld.map_series(ld.explicit([-x], [x]), order=order)  # type: ignore[arg-type]


def test_not_a_scheme_raises() -> None:
    with pytest.raises(SchemeError, match="expected a Scheme"):
        ld.map_series("x+ = x", order=1)  # type: ignore[arg-type]


def test_inconsistent_explicit_map_has_a_series_but_no_limit() -> None:
    """x+ = 2 x + tau: the series exists ([2x, 1, 0]), but the map is not the identity at
    step 0, so limit_ode and modified_equation refuse it."""
    scheme = ld.from_map({x: 2 * x + tau})
    s = ld.map_series(scheme, order=2)
    assert list(s.row(0)) == [2 * x, 1, 0]
    with pytest.raises(SchemeError, match="step 0"):
        ld.limit_ode(scheme)
    with pytest.raises(SchemeError, match="step 0"):
        ld.modified_equation(scheme, order=1)


def test_inconsistent_implicit_stage_raises() -> None:
    """w - 2 x - tau w = 0 does not reduce to w = x at step 0."""
    w = sp.Dummy("w")
    stage = ld.ImplicitStage(targets=(x,), unknowns=(w,), residual=(w - 2 * x - tau * w,))
    with pytest.raises(SchemeError, match="does not vanish at step 0"):
        ld.map_series(ld.Scheme(variables=(x,), stages=(stage,)), order=2)


def test_singular_implicit_stage_raises() -> None:
    """(w - x)**2 - tau = 0 vanishes at w = x, step 0, but dR/dw = 0 there."""
    w = sp.Dummy("w")
    stage = ld.ImplicitStage(targets=(x,), unknowns=(w,), residual=((w - x) ** 2 - tau,))
    with pytest.raises(SchemeError, match="singular"):
        ld.map_series(ld.Scheme(variables=(x,), stages=(stage,)), order=2)
