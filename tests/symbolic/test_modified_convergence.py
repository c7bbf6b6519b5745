"""Numerical verification of modified equations: iterates against the order-k modified flow.

Backward error analysis [HLW IX.1, Thm 1.2 and IX.7]: the order-k modified field's flow
matches one step to O(tau^(k+2)), so over a fixed time interval the iterates stay
O(tau^(k+1)) from it. The measured global orders must be k + 1 (least squares over four
step sizes, tolerance 0.1).

[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, 2nd ed., ch. IX.
[KS] N. B. Kovachki, A. M. Stuart, "Continuous time analysis of momentum methods", JMLR 2021.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.numeric import fitted_order

x, y = sp.symbols("x y")
#: a nonlinear, non-gradient planar field (a damped nonlinear rotation)
FIELD = [-y - x**3 / 2 + x * y / 2, x - y**3 / 2]
TAUS = [0.04, 0.02, 0.01, 0.005]
Z0 = [1.0, 0.5]

SCHEMES = {
    "explicit": lambda: ld.explicit(FIELD, [x, y]),
    "implicit": lambda: ld.implicit(FIELD, [x, y]),
    "alternating": lambda: ld.alternating([(x, [FIELD[0]]), (y, [FIELD[1]])]),
    "alternating-implicit-rates": lambda: ld.alternating(
        [(x, [FIELD[0]]), (y, [FIELD[1]])], implicit=True, rates=[1, 2]
    ),
}


@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize("kind", sorted(SCHEMES))
def test_measured_order_is_k_plus_one(kind: str, k: int) -> None:
    """[HLW IX.1]: global distance to the order-k modified flow is O(tau^(k+1))."""
    study = ld.convergence_study(
        SCHEMES[kind](), Z0, t_end=1.0, taus=TAUS, reference=k, progress=False
    )
    assert abs(study.order - (k + 1)) < 0.1, study.table()


def _two_step_errors(
    scheme: ld.TwoStepScheme, x0: list[float], k: int, taus: list[float]
) -> np.ndarray:
    """Distance of the iterates, started on the invariant manifold, to the order-k flow."""
    me = ld.modified_equation(scheme, order=k)
    errors = []
    for h in taus:
        z0 = ld.manifold_start(scheme, x0, tau=h, order=k + 1)
        traj = ld.iterate(scheme, z0, tau=h, t_end=1.0)
        params = {"tau": h} if k > 0 else None
        ref = ld.integrate(
            me.ode(order=k), z0, t_eval=traj.t, params=params, rtol=1e-12, atol=1e-13
        )
        diff = traj.z - ref.z
        errors.append(np.sqrt((diff**2).sum(axis=1)).max())
    return np.asarray(errors)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_heavy_ball_follows_its_modified_flow(k: int) -> None:
    """[KS]: heavy ball (beta = 1/4) started on the invariant manifold follows the modified
    flow of its underlying one-step method; orders k + 1. (The expansion parameter is
    tau |f''| / (1 - beta)^2, hence the smaller steps.)"""
    loss = (x**2 + y**2) / 2 + x**4 / 4 + x * y**2 / 4
    hb = ld.heavy_ball(loss, [x, y], momentum=sp.Rational(1, 4))
    taus = [h / 4 for h in TAUS]
    errors = _two_step_errors(hb, [0.5, -0.25], k, taus)
    assert abs(fitted_order(taus, errors) - (k + 1)) < 0.1, errors


@pytest.mark.parametrize("k", [0, 1])
def test_optimistic_follows_its_modified_flow(k: int) -> None:
    """Optimistic gradient on the nonlinear field, started on the invariant manifold."""
    og = ld.optimistic(FIELD, [x, y])
    errors = _two_step_errors(og, Z0, k, TAUS)
    assert abs(fitted_order(TAUS, errors) - (k + 1)) < 0.1, errors


def test_heavy_ball_started_at_rest_is_first_order_only() -> None:
    """Started at rest (x_prev = x0) heavy ball is shifted by O(tau) off the manifold's
    trajectory, so even the order-1 modified flow is matched only to first order."""
    hb = ld.heavy_ball((x**2 + y**2) / 2 + x**4 / 4, [x, y], momentum=sp.Rational(1, 2))
    me = ld.modified_equation(hb, order=1)
    errors = []
    for h in TAUS:
        z0 = [1.0, -0.5, 1.0, -0.5]
        traj = ld.iterate(hb, z0, tau=h, t_end=1.0)
        ref = ld.integrate(me.ode(), z0, t_eval=traj.t, params={"tau": h}, rtol=1e-12)
        errors.append(np.abs(traj.z[:, :2] - ref.z[:, :2]).max())
    assert abs(fitted_order(TAUS, errors) - 1) < 0.1, errors
