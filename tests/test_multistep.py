"""Extragradient, optimistic and heavy-ball constructors; the two-step convention.

[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, ch. XV.2
(underlying one-step method of a multistep method).
[KS] N. B. Kovachki, A. M. Stuart, "Continuous time analysis of momentum methods", JMLR 2021.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld

tau = ld.tau
x, y = sp.symbols("x y")


def test_heavy_ball_recurrence_and_doubled_map() -> None:
    """Polyak: x+ = x - tau grad f(x) + beta (x - x_prev); the doubled map shifts x into x_prev."""
    b = sp.Symbol("beta")
    hb = ld.heavy_ball(x**2 * y, [x, y], momentum=b)
    xp, yp = hb.previous
    assert hb.variables == (x, y, xp, yp)
    m = hb.map()
    assert sp.expand(m[x] - (x - tau * 2 * x * y + b * (x - xp))) == 0
    assert sp.expand(m[y] - (y - tau * x**2 + b * (y - yp))) == 0
    assert m[xp] == x and m[yp] == y
    assert b in hb.parameters
    assert "TwoStepScheme" in repr(hb)


def test_optimistic_recurrence() -> None:
    """Popov / optimistic gradient: x+ = x + 2 tau F(x) - tau F(x_prev)."""
    og = ld.optimistic([x * y, -x], [x, y], previous=sp.symbols("u v"))
    u, v = og.previous
    assert sp.expand(og.recurrence[0] - (x + 2 * tau * x * y - tau * u * v)) == 0
    assert sp.expand(og.recurrence[1] - (y - 2 * tau * x + tau * u)) == 0


def test_extragradient_map() -> None:
    """Korpelevich: x+ = x + tau F(x + tau F(x))."""
    F = sp.Function("F")
    s = ld.extragradient([F(x)], [x])
    assert s.map()[x] == x + tau * F(x + tau * F(x))
    assert s.is_explicit and not isinstance(s, ld.TwoStepScheme)


def test_underlying_one_step_method_of_heavy_ball_is_invariant() -> None:
    """[HLW XV.2]: the underlying one-step method Phi satisfies Phi(Phi(u)) = R(Phi(u), u, tau);
    for a linear recurrence started at (x0, Phi^{-1}(x0)) the iterates stay on Phi's orbit:
    x_{n+1} = r x_n with the principal root r (checked numerically through ``manifold_start``)."""
    lam, b, h = 2.0, 0.3, 0.002
    hb = ld.heavy_ball(sp.Float(lam) * x**2 / 2, x, momentum=sp.Rational(3, 10))
    z0 = ld.manifold_start(hb, [1.0], tau=h, order=5)
    c = 1 + b - h * lam
    r = (c + np.sqrt(c * c - 4 * b)) / 2
    assert abs(z0[1] - 1 / r) < 1e-10
    traj = ld.iterate(hb, z0, tau=h, steps=50)
    assert np.allclose(traj.z[1:, 0] / traj.z[:-1, 0], r, rtol=0, atol=1e-9)


def test_start_validates() -> None:
    hb = ld.heavy_ball((x**2 + y**2) / 2, [x, y], momentum=sp.Symbol("beta"))
    with pytest.raises(ld.InputError, match="beta"):
        ld.manifold_start(hb, [1.0, 2.0], tau=0.1)
    with pytest.raises(ld.InputError, match="shape"):
        ld.manifold_start(hb, [1.0], tau=0.1, params={"beta": 0.5})
    with pytest.raises(ld.InputError, match="tau"):
        ld.manifold_start(hb, [1.0, 2.0], tau=-0.1, params={"beta": 0.5})
    with pytest.raises(ld.InputError, match="unknown parameter"):
        ld.manifold_start(hb, [1.0, 2.0], tau=0.1, params={"gamma": 0.5})
    z0 = ld.manifold_start(hb, [1.0, 2.0], tau=0.1, params={"beta": 0.5}, order=1)
    assert z0.shape == (4,) and np.all(z0[2:] > z0[:2])  # x_prev lies uphill of x


def test_constructors_reject_bad_input() -> None:
    with pytest.raises(ld.SchemeError, match="momentum"):
        ld.heavy_ball(x**2, x, momentum=1)
    with pytest.raises(ld.SchemeError, match="momentum"):
        ld.heavy_ball(x**2, x, momentum=-sp.Rational(1, 2))
    with pytest.raises(ld.SchemeError, match="momentum"):
        ld.heavy_ball(x**2, x, momentum=x)
    with pytest.raises(ld.SchemeError, match="string"):
        ld.heavy_ball("x**2", x, momentum=0)
    xp = sp.Symbol("x_prev")
    with pytest.raises(ld.SchemeError, match="previous="):
        ld.heavy_ball(x**2 + xp, x, momentum=0)
    with pytest.raises(ld.SchemeError, match="field has 1 entries"):
        ld.optimistic([x], [x, y])
    with pytest.raises(ld.SchemeError, match="previous"):
        ld.optimistic([x], [x], previous=[x])
    with pytest.raises(ld.SchemeError, match="no small-step limit"):
        ld.two_step({x: 2 * x - xp + 1}, previous=[xp])
    with pytest.raises(ld.SchemeError, match="step symbol"):
        ld.extragradient([x], [tau])


def test_singular_two_step_recurrence_is_refused() -> None:
    """x+ = 2 x - x_prev + tau F: dR/dx = 2 I, so the principal and parasitic roots coincide
    at step 0 and there is no underlying one-step method [HLW XV.2]."""
    xp = sp.Symbol("x_p")
    s = ld.two_step({x: 2 * x - xp + tau * x**2}, previous=[xp])
    with pytest.raises(ld.SchemeError, match="singular"):
        ld.modified_equation(s, 1)


def test_leapfrog_modified_equation() -> None:
    """The explicit midpoint (leapfrog) rule x+ = x_prev + 2 tau F(x) is symmetric, so its
    underlying one-step method has an even expansion: f_1 = 0 [HLW XV.2, Thm 2.3 and IX.2]."""
    xp = sp.Symbol("x_p")
    F = x**2 - x
    s = ld.two_step({x: xp + 2 * tau * F.subs(x, x)}, previous=[xp])
    me = ld.modified_equation(s, 2).restrict([x])
    assert sp.expand(me.terms[0][0] - F) == 0
    assert me.terms[1][0] == 0
    assert me.terms[2][0] != 0
