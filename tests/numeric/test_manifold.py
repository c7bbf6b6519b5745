"""Starting two-step schemes on the invariant manifold of their underlying one-step method."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.numeric import manifold_start

x, y = sp.symbols("x y")
LAM = 1.0
BETA = sp.Rational(1, 4)
TAUS = 0.04 / 2.0 ** np.arange(4)


def _slope(taus: np.ndarray, errors: np.ndarray) -> float:
    return float(np.polyfit(np.log(taus), np.log(errors), 1)[0])


def _principal_root(h: float, lam: float, beta: float) -> float:
    """Heavy ball on f = lam x^2 / 2 is x_{n+1} = (1 + beta - h lam) x_n - beta x_{n-1}; its
    underlying one-step method is x -> r x with r the root of r^2 = (1 + beta - h lam) r - beta
    that tends to 1 as h -> 0 [HLW XV.2]."""
    c = 1 + beta - h * lam
    return (c + np.sqrt(c * c - 4 * beta)) / 2


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_linear_heavy_ball_matches_the_principal_root(order: int) -> None:
    """x_prev = Phi^{-1}(x0) = x0 / r exactly; the order-k modified flow agrees with Phi to
    O(tau^(k+2)) over one step, so the error of x_prev has that order."""
    hb = ld.heavy_ball(sp.Float(LAM) * x**2 / 2, x, momentum=BETA)
    errors = []
    for h in TAUS:
        z0 = manifold_start(hb, [1.0], tau=float(h), order=order)
        assert z0.shape == (2,) and z0[0] == 1.0
        errors.append(abs(z0[1] - 1.0 / _principal_root(float(h), LAM, float(BETA))))
    assert _slope(TAUS, np.array(errors)) == pytest.approx(order + 2, abs=0.3)


def test_iterates_from_the_manifold_stay_on_the_principal_root() -> None:
    """On the manifold the doubled map multiplies x by r at every step; from rest the first
    step is x1 = (1 - h lam) x0, which misses r by O(h) (the parasitic root beta / r)."""
    h = 0.01
    hb = ld.heavy_ball(sp.Float(LAM) * x**2 / 2, x, momentum=BETA)
    r = _principal_root(h, LAM, float(BETA))
    on = ld.iterate(hb, manifold_start(hb, [1.0], tau=h, order=4), tau=h, steps=40).z[:, 0]
    rest = ld.iterate(hb, [1.0, 1.0], tau=h, steps=40).z[:, 0]
    assert np.max(np.abs(on[1:] / on[:-1] - r)) < 1e-10
    assert rest[1] / rest[0] == pytest.approx(1 - h * LAM, rel=1e-14)
    assert abs(rest[1] / rest[0] - r) > 1e-3


def _distance_to_modified_flow(scheme, k: int, z0: np.ndarray, h: float) -> float:
    me = ld.modified_equation(scheme, order=k).restrict(scheme.current)
    traj = ld.iterate(scheme, z0, tau=h, t_end=1.0)
    params = {"tau": h} if k > 0 else None
    ref = ld.integrate(
        me.ode(order=k), z0[:1], t_eval=traj.t, params=params, rtol=1e-12, atol=1e-13
    )
    return float(np.max(np.abs(traj.z[:, 0] - ref.z[:, 0])))


@pytest.mark.parametrize("k", [1, 2])
def test_start_on_the_manifold_follows_the_modified_flow(k: int) -> None:
    """[HLW XV.2], [KS 2021]: from the manifold the iterates follow the order-k modified flow
    to O(tau^(k+1)); from rest (x_prev = x0) they are shifted by O(tau) once and for all."""
    hb = ld.heavy_ball(x**2 / 2 + x**4 / 4, x, momentum=BETA)
    taus = 0.01 / 2.0 ** np.arange(4)
    on, rest = [], []
    for h in taus:
        start = manifold_start(hb, [1.0], tau=float(h), order=k + 1)
        on.append(_distance_to_modified_flow(hb, k, start, float(h)))
        rest.append(_distance_to_modified_flow(hb, k, np.array([1.0, 1.0]), float(h)))
    on_a, rest_a = np.array(on), np.array(rest)
    assert np.all(on_a < rest_a)
    assert _slope(taus, on_a) == pytest.approx(k + 1, abs=0.3)
    assert _slope(taus, rest_a) == pytest.approx(1.0, abs=0.3)


def test_two_variables_and_symbolic_momentum() -> None:
    """x_prev lies uphill of x (one gradient step back), for each component."""
    beta = sp.Symbol("beta")
    hb = ld.heavy_ball((x**2 + y**2) / 2, [x, y], momentum=beta)
    z0 = manifold_start(hb, {"y": 2.0, x: 1.0}, tau=0.1, params={"beta": 0.5}, order=1)
    assert z0.shape == (4,) and np.all(z0[2:] > z0[:2])
    # the flow x' = -c(tau) x is linear, so both components scale by the same factor
    assert z0[2] / z0[0] == pytest.approx(z0[3] / z0[1], rel=1e-12)


def test_bad_arguments() -> None:
    beta = sp.Symbol("beta")
    hb = ld.heavy_ball((x**2 + y**2) / 2, [x, y], momentum=beta)
    with pytest.raises(InputError, match="TwoStepScheme"):
        manifold_start(ld.explicit([-x], [x]), [1.0], tau=0.1)
    with pytest.raises(InputError, match="no value for beta"):
        manifold_start(hb, [1.0, 2.0], tau=0.1)
    with pytest.raises(InputError, match="shape"):
        manifold_start(hb, [1.0], tau=0.1, params={"beta": 0.5})
    with pytest.raises(InputError, match="tau must be a positive finite number"):
        manifold_start(hb, [1.0, 2.0], tau=-0.1, params={"beta": 0.5})
    with pytest.raises(InputError, match="unknown parameter 'gamma'"):
        manifold_start(hb, [1.0, 2.0], tau=0.1, params={"gamma": 0.5})
    with pytest.raises(InputError, match="order must be a non-negative integer"):
        manifold_start(hb, [1.0, 2.0], tau=0.1, params={"beta": 0.5}, order=-1)


def test_failed_backward_step_raises_instead_of_returning_the_start() -> None:
    """f = x^3 / 3: the reversed limit flow x' = 2 x^2 blows up at t = 1/2 from x = 1, so
    no start exists for tau = 1."""
    from limitdyn.errors import SolverError

    xs = sp.Symbol("x")
    hb = ld.heavy_ball(xs**3 / 3, xs, momentum=sp.Rational(1, 2))
    with pytest.raises(SolverError, match="manifold_start: the backward step over tau = 1"):
        ld.manifold_start(hb, [1.0], tau=1.0, order=0)
