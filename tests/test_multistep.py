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
        ld.modified_equation(s, order=1)


def test_leapfrog_modified_equation() -> None:
    """The explicit midpoint (leapfrog) rule x+ = x_prev + 2 tau F(x) is symmetric, so its
    underlying one-step method has an even expansion: f_1 = 0 [HLW XV.2, Thm 2.3 and IX.2]."""
    xp = sp.Symbol("x_p")
    F = x**2 - x
    s = ld.two_step({x: xp + 2 * tau * F.subs(x, x)}, previous=[xp])
    me = ld.modified_equation(s, order=2).restrict([x])
    assert sp.expand(me.terms[0][0] - F) == 0
    assert me.terms[1][0] == 0
    assert me.terms[2][0] != 0


# -- issue 9: the step-0 check without simplify; symbols and names ---------------------

K = 40  # the size: 40 trigonometric terms


def test_step0_check_accepts_a_trig_identity_exactly_and_fast() -> None:
    """R(x, x, 0) - x = sum_k (sin^2(kx) + cos^2(kx) - 1) = 0: a valid scheme that took
    64 s with simplify; the exponential rewrite decides it exactly."""
    import time

    xp = sp.Symbol("x_p")
    identity = sum(sp.sin(k * x) ** 2 + sp.cos(k * x) ** 2 - 1 for k in range(1, K + 1))
    start = time.perf_counter()
    s = ld.two_step({x: xp + identity + 2 * tau * (-x)}, previous=[xp])
    assert time.perf_counter() - start < 20
    assert s.recurrence[0].has(sp.sin)


def test_step0_check_refuses_a_trig_drift_naming_it_fast() -> None:
    import time

    xp = sp.Symbol("x_p")
    drift = sum(sp.sin(k * x) for k in range(1, K + 1))
    start = time.perf_counter()
    with pytest.raises(ld.SchemeError, match=r"R\(x, x, 0\) - x = sin\(x\) \+ sin\(2\*x\)"):
        ld.two_step({x: x + drift + tau * x}, previous=[xp])
    assert time.perf_counter() - start < 20


def test_step0_value_is_the_constant_taylor_coefficient() -> None:
    """sin(tau)/tau -> 1 as tau -> 0: substitution gives nan, the series gives 1, so
    x+ = x_p * sin(tau)/tau + tau F(x) is consistent while x+ = 2 x_p sin(tau)/tau is not."""
    xp = sp.Symbol("x_p")
    ld.two_step({x: xp * sp.sin(tau) / tau + tau * x}, previous=[xp])
    with pytest.raises(ld.SchemeError, match="= x is not zero"):
        ld.two_step({x: 2 * xp * sp.sin(tau) / tau}, previous=[xp])


def test_step0_drift_decides_zero_without_simplify() -> None:
    from limitdyn._model_checks import step0_drift

    assert step0_drift(x, x * (sp.cosh(y) ** 2 - sp.sinh(y) ** 2) + tau, tau) is None
    assert step0_drift(x, x + sp.exp(x) * sp.exp(-x) - 1, tau) is None
    assert step0_drift(x, x + sp.sqrt(2) * sp.sqrt(3) - sp.sqrt(6), tau) is None
    assert step0_drift(x, x + sp.log(2 * y) - sp.log(2) - sp.log(y), tau) is None
    assert step0_drift(x, x + sp.sqrt(y**2) - y, tau) == sp.sqrt(y**2) - y  # y < 0
    assert step0_drift(x, x + sp.sqrt(sp.Symbol("u", positive=True) ** 2), tau) is not None
    assert step0_drift(x, x + sp.Function("E")(x) - sp.Function("E")(x), tau) is None
    assert step0_drift(x, x + sp.Function("E")(x), tau) == sp.Function("E")(x)


def test_two_step_names_and_symbols_are_checked() -> None:
    xp = sp.Symbol("x_p")
    with pytest.raises(ld.SchemeError, match="named like the step symbol"):
        ld.two_step({x: xp + sp.Symbol("tau") * x}, previous=[xp])
    with pytest.raises(ld.SchemeError, match="both named 'x_p'"):
        ld.two_step({x: xp + tau * sp.Symbol("x_p", real=True)}, previous=[xp])
    with pytest.raises(ld.SchemeError, match="unordered set"):
        ld.two_step({x: xp}, previous={xp})
    with pytest.raises(ld.SchemeError, match="name must be a string"):
        ld.two_step({x: xp}, previous=[xp], name=5)  # type: ignore[arg-type]
    with pytest.raises(ld.SchemeError, match="recurrence of x: got the string"):
        ld.two_step({x: "x_p"}, previous=[xp])


def test_default_previous_symbol_may_not_share_a_name() -> None:
    """optimistic's x_prev is Symbol("x_prev"); a field using a *different* x_prev (other
    assumptions) is refused instead of printing two identical names."""
    other = sp.Symbol("x_prev", positive=True)
    with pytest.raises(ld.SchemeError, match="previous="):
        ld.optimistic([other - x], [x])
    with pytest.raises(ld.SchemeError, match="previous="):
        ld.heavy_ball(x**2 + other, x, momentum=0)


def test_momentum_is_a_finite_constant() -> None:
    with pytest.raises(ld.SchemeError, match="momentum: nan is not a finite number"):
        ld.heavy_ball(x**2, x, momentum=float("nan"))
    with pytest.raises(ld.SchemeError, match="momentum"):
        ld.heavy_ball(x**2, x, momentum=tau)
    with pytest.raises(ld.SchemeError, match="momentum: got a bool"):
        ld.heavy_ball(x**2, x, momentum=True)
