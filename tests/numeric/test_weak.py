"""Weak convergence of SGD to its SME and the stationary statistics of linear problems.

[LTE] Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
algorithms", ICML 2017, Thm. 1: the order-1 SME is a weak approximation of order 1 of SGD,
the order-2 SME of order 2 (here on a non-quadratic loss).
[M] S. Mandt, M. D. Hoffman, D. M. Blei, "Stochastic gradient descent as approximate
Bayesian inference", JMLR 18 (2017), §3: the stationary covariance of SGD on a quadratic
solves the discrete Lyapunov equation; in 1-D with f_i = (x - a_i)^2 / 2,
P = tau^2 Var(a) / (1 - (1 - tau)^2) = tau Var(a) / (2 - tau); the order-2 SME
dX = -(1 + tau/2) X dt + sqrt(tau Var a) dW has P = tau Var(a) / (2 + tau).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError

x, y, q = sp.symbols("x y q")
LOSSES = [(x - 1) ** 2 / 2 + x**4 / 8, (x + 1) ** 2 / 2 + x**4 / 8]
TAUS = [0.1, 0.05, 0.025]


@pytest.mark.parametrize("order", [1, 2])
def test_weak_order_of_the_sme(order) -> None:
    """[LTE] Thm. 1: |E x_N - E X_T| = O(tau^order) for the order-`order` SME."""
    s = ld.sgd(LOSSES, [x])
    study = ld.weak_convergence_study(
        s,
        [1.5],
        t_end=1.0,
        taus=TAUS,
        observable=x,
        n_paths=100000,
        seed=order,
        reference=order,
    )
    assert study.resolved.all(), study
    # over seeds 0..5 the fitted orders were 1.052-1.055 and 1.989-2.053 (local slopes
    # 1.03-1.08 and 1.96-2.08): the tolerances leave room for seeds, not for a wrong order
    assert abs(study.order - order) < 0.1, study
    local = np.log2(study.errors[:-1] / study.errors[1:])
    assert np.all(np.abs(local - order) < 0.15), local
    frame = study.to_dataframe()
    assert list(frame.index) == TAUS and "<table>" in study._repr_html_()


def test_control_variates_keep_the_estimates_unbiased() -> None:
    """Two independent estimators (with and without the control variates) of the same
    expectations agree within their confidence intervals, and the control variates
    shrink the intervals."""
    s = ld.sgd(LOSSES, [x])
    kw = dict(t_end=1.0, taus=[0.1], observable=x**2, n_paths=40000, reference=2, engine="numpy")
    with_cv = ld.weak_convergence_study(s, [1.5], seed=1, **kw)
    plain = ld.weak_convergence_study(s, [1.5], seed=2, control_variates=False, **kw)
    for a, b in ((with_cv.sgd_means, plain.sgd_means), (with_cv.sme_means, plain.sme_means)):
        assert abs(a[0] - b[0]) < 1.5 * plain.half_widths[0]
    assert with_cv.half_widths[0] < plain.half_widths[0] / 2.5


@pytest.mark.parametrize("tau", [0.05, 0.3, 1.0])
def test_stationary_variance_formulas(tau) -> None:
    """[M] §3: tau Var(a) / (2 - tau) for SGD, tau Var(a) / (2 + tau) for the order-2 SME,
    tau Var(a) / 2 for the order-1 SME."""
    a = (-1, 0, 2, 7)
    var = float(np.var(a))
    s = ld.sgd([(x - ai) ** 2 / 2 for ai in a], x)
    assert np.isclose(ld.stationary_covariance(s, tau=tau)[0, 0], tau * var / (2 - tau), rtol=1e-12)
    two = ld.stochastic_modified_equation(s, order=2)
    one = ld.stochastic_modified_equation(s, order=1)
    assert np.isclose(
        ld.stationary_covariance(two, tau=tau)[0, 0], tau * var / (2 + tau), rtol=1e-12
    )
    assert np.isclose(ld.stationary_covariance(one, tau=tau)[0, 0], tau * var / 2, rtol=1e-12)


def test_stationary_covariance_of_sgd_matches_long_runs() -> None:
    """A 2-D quadratic with a shared Hessian (additive noise): the discrete Lyapunov
    solution agrees with the empirical covariance of SGD after mixing, and with the series
    sum_k A^k Q A^kT computed directly."""
    h = sp.Matrix([[2, 1], [1, 1]])
    z = sp.Matrix([x, y])
    centres = [sp.Matrix([1, 0]), sp.Matrix([0, 2]), sp.Matrix([-1, -1])]
    s = ld.sgd([((z - c).T * h * (z - c))[0] / 2 for c in centres], [x, y])
    tau = 0.2
    p = ld.stationary_covariance(s, tau=tau)
    a = np.eye(2) - tau * np.array(h, dtype=float)
    g = np.array([np.array(h * c, dtype=float).ravel() for c in centres])
    qn = tau**2 * np.cov(g.T, bias=True)
    series = sum(
        np.linalg.matrix_power(a, k) @ qn @ np.linalg.matrix_power(a, k).T for k in range(400)
    )
    np.testing.assert_allclose(p, series, rtol=1e-10)
    run = ld.iterate_stochastic(s, [0.0, 0.3], tau=tau, steps=200, n_paths=40000, seed=9)
    np.testing.assert_allclose(run.covariance()[-1], p, rtol=0.05, atol=0.05 * np.abs(p).max())


def test_sme_stationary_variance_from_simulation() -> None:
    """The order-2 SME simulated to stationarity has variance tau Var(a) / (2 + tau)."""
    a = (-1.0, 1.0)
    s = ld.sgd([(x - ai) ** 2 / 2 for ai in a], x)
    tau = 0.5
    sme = ld.stochastic_modified_equation(s, order=2)
    run = ld.simulate_sde(sme, [0.0], t_end=8.0, dt=0.005, n_paths=20000, seed=3, tau=tau)
    assert abs(run.covariance()[-1, 0, 0] / (tau / (2 + tau)) - 1) < 0.05


def test_bad_input() -> None:
    s = ld.sgd(LOSSES, [x])
    kw = dict(t_end=1.0, taus=[0.1], n_paths=10, engine="numpy")
    with pytest.raises(InputError, match="not a function of the variables"):
        ld.weak_convergence_study(s, [1.0], observable=x * q, **kw)
    with pytest.raises(InputError, match="SymPy expression"):
        ld.weak_convergence_study(s, [1.0], observable=lambda v: v, **kw)
    with pytest.raises(InputError, match="reference"):
        ld.weak_convergence_study(s, [1.0], observable=x, reference=3, **kw)
    with pytest.raises(InputError, match="memory"):
        ld.weak_convergence_study(s, [1.0], observable=x, t_end=1.0, taus=[0.1], n_paths=10**12)
    with pytest.raises(InputError, match="whole number"):
        ld.weak_convergence_study(s, [1.0], observable=x, t_end=1.0, taus=[0.3], n_paths=10)
