"""The limit ODE, computed from the map's series, against hand derivations."""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import SchemeError

x, y, xr, g, b = sp.symbols("x y x_r gamma beta")
E = sp.Function("E")(x, y)


def same(a: sp.MatrixBase, b: sp.MatrixBase) -> bool:
    return all(sp.simplify(u - v) == 0 for u, v in zip(a, b))


def test_turinici_printed_eq1_is_a_saddle() -> None:
    """Turinici eq. (1) as printed, (y+ - y)/tau = x - x_r, (x+ - x)/tau = y+, has limit (2):
    y' = x - x_r, x' = y — a saddle (real eigenvalues +-1)."""
    ode = ld.limit_ode(ld.alternating([(y, [x - xr]), (x, [y])]))
    assert same(ode.rhs, sp.Matrix([x - xr, y]))
    assert set(ode.jacobian.eigenvals()) == {1, -1}


def test_turinici_text_version_is_a_center() -> None:
    """The text's x+ = x - tau y+ gives y' = x - x_r, x' = -y: eigenvalues +-i (Fig. 2 orbits)."""
    ode = ld.limit_ode(ld.alternating([(y, [x - xr]), (x, [-y])]))
    assert same(ode.rhs, sp.Matrix([x - xr, -y]))
    assert set(ode.jacobian.eigenvals()) == {sp.I, -sp.I}


def test_gradient_descent_gives_gradient_flow() -> None:
    scheme = ld.explicit([-sp.diff(E, x), -sp.diff(E, y)], [x, y])
    assert same(ld.limit_ode(scheme).rhs, sp.Matrix([-sp.diff(E, x), -sp.diff(E, y)]))


@pytest.mark.parametrize(
    "field",
    [
        [-(x**3) + y, sp.sin(x) - y],
        [-sp.diff(E, x), -sp.diff(E, y)],
        [sp.exp(-x * y), x / (1 + y**2)],
    ],
)
def test_explicit_and_implicit_share_the_limit(field) -> None:
    explicit = ld.limit_ode(ld.explicit(field, [x, y]))
    implicit = ld.limit_ode(ld.implicit(field, [x, y]))
    assert same(explicit.rhs, sp.Matrix(field))
    assert same(implicit.rhs, sp.Matrix(field))


@pytest.mark.parametrize("implicit", [False, True])
@pytest.mark.parametrize("order", ["x-first", "y-first", "simultaneous"])
def test_game_limit_is_the_dual_flow(order: str, implicit: bool) -> None:
    """Turinici eq. (7): x' = -grad_x C^x, y' = -grad_y C^y, whatever the order."""
    cx, cy = x**2 * y + sp.cos(y), -x * y + y**4
    ode = ld.limit_ode(ld.game(cx, cy, x, y, order=order, implicit=implicit))
    assert same(ode.rhs, sp.Matrix([-sp.diff(cx, x), -sp.diff(cy, y)]))


def test_rates_and_repeats_appear_as_factors() -> None:
    """n_critic repeats and a rate gamma multiply the block's field by n_critic * gamma."""
    s = ld.alternating([(x, [-y]), (y, [x * y])], rates=[1, g], repeats=[1, 5])
    assert same(ld.limit_ode(s).rhs, sp.Matrix([-y, 5 * g * x * y]))
    s = ld.alternating([(x, [-y]), (y, [x * y])], rates=[g, 2], repeats=[3, 1], implicit=True)
    assert same(ld.limit_ode(s).rhs, sp.Matrix([-3 * g * y, 2 * x * y]))


def test_from_map_heun_and_extragradient_like_maps() -> None:
    t = ld.tau
    f = lambda u, v: sp.Matrix([-(u**2) + v, -u])  # noqa: E731
    k1 = f(x, y)
    k2 = f(x + t * k1[0], y + t * k1[1])
    heun = ld.from_map({x: x + t / 2 * (k1[0] + k2[0]), y: y + t / 2 * (k1[1] + k2[1])})
    assert same(ld.limit_ode(heun).rhs, f(x, y))
    extra = ld.from_map({x: x + t * k2[0], y: y + t * k2[1]})
    assert same(ld.limit_ode(extra).rhs, f(x, y))


def test_from_map_with_non_polynomial_tau_dependence() -> None:
    """x+ = x exp(-tau) + (1 - exp(-tau)) b is the exact flow of x' = b - x."""
    s = ld.from_map({x: x * sp.exp(-ld.tau) + (1 - sp.exp(-ld.tau)) * b})
    assert same(ld.limit_ode(s).rhs, sp.Matrix([b - x]))


def test_inconsistent_map_is_refused() -> None:
    with pytest.raises(SchemeError, match="identity"):
        ld.limit_ode(ld.from_map({x: 2 * x + ld.tau}))


def test_implicit_series_matches_closed_form() -> None:
    """Implicit Euler on x' = a x is x / (1 - a tau) = x sum (a tau)^n."""
    a = sp.Symbol("a")
    series = ld.map_series(ld.implicit([a * x], [x]), order=4)
    assert all(sp.simplify(series[0, n] - a**n * x) == 0 for n in range(5))


def test_implicit_euler_series_hairer() -> None:
    """Implicit Euler Phi = x + h f + h^2 f'f + O(h^3) (Hairer-Lubich-Wanner, ch. IX)."""
    f = sp.Function("f")(x)
    s = ld.map_series(ld.implicit([f], [x]), order=2)
    assert sp.simplify(s[0, 2] - f * sp.diff(f, x)) == 0
