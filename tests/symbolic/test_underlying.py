"""The underlying one-step method of two-step schemes (limitdyn/symbolic/_underlying.py).

[HLW XV.2] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, ch. XV.2: the
underlying one-step method ``Phi`` of ``x+ = R(x, x_prev, tau)`` satisfies
``Phi(Phi(u)) = R(Phi(u), u, tau)``. Checked here by substitution, order by order.
"""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.symbolic._underlying import underlying_series

x, y, b = sp.symbols("x y beta")
tau = ld.tau

SCHEMES = {
    "heavy ball, symbolic momentum": lambda: ld.heavy_ball(x**3 / 3, x, momentum=b),
    "heavy ball, numeric momentum": lambda: ld.heavy_ball(
        (x**2 + 3 * y**2) / 2, [x, y], momentum=sp.Rational(1, 3)
    ),
    "optimistic, bilinear": lambda: ld.optimistic([-y, x], [x, y]),
    "optimistic, exp": lambda: ld.optimistic([-sp.exp(x)], [x]),
}


def _zero(c: sp.Expr) -> bool:
    return sp.expand(sp.numer(sp.together(c))) == 0


def _low_order(e: sp.Expr, order: int) -> list[sp.Expr]:
    """Coefficients of ``tau**0 .. tau**order`` of ``e``."""
    if e.is_polynomial(tau):
        poly = sp.Poly(sp.expand(e), tau)
        return [poly.coeff_monomial(tau**j) for j in range(order + 1)]
    ser = sp.series(e, tau, 0, order + 1).removeO()
    return [ser.coeff(tau, j) for j in range(order + 1)]


@pytest.mark.parametrize("name", SCHEMES)
@pytest.mark.parametrize("order", [1, 2])
def test_phi_of_phi_is_the_recurrence_at_phi(name: str, order: int) -> None:
    s = SCHEMES[name]()
    alg, a = underlying_series(s, order)
    assert len(a) == order + 1
    phi = {
        v: sp.Add(*[tau**m * alg.to_expr(a[m][i]) for m in range(order + 1)])
        for i, v in enumerate(s.current)
    }
    twice = [phi[v].xreplace(phi) for v in s.current]  # Phi(Phi(u))
    at_phi = {**dict(zip(s.previous, s.current)), **phi}  # simultaneous: x -> Phi(u), x_prev -> u
    rec = [r.xreplace(at_phi) for r in s.recurrence]  # R(Phi(u), u, tau)
    for lhs, rhs in zip(twice, rec):
        assert all(_zero(c) for c in _low_order(lhs - rhs, order))


def test_heavy_ball_limit_is_the_rescaled_gradient_flow() -> None:
    """Kovachki & Stuart, JMLR 22 (2021): x' = -grad f / (1 - beta) for fixed beta."""
    f = x**4 / 4 + x * y
    s = ld.heavy_ball(f, [x, y], momentum=b)
    alg, a = underlying_series(s, 1)
    for i, v in enumerate(s.current):
        assert sp.simplify(alg.to_expr(a[1][i]) + f.diff(v) / (1 - b)) == 0


def test_longer_computation_serves_shorter_orders() -> None:
    s = SCHEMES["optimistic, bilinear"]()
    _, long = underlying_series(s, 4)
    _, short = underlying_series(s, 2)
    assert short == long[:3]
