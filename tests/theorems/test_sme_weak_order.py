"""The weak order of the stochastic modified equations of SGD, for random losses.

[LTE] Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
algorithms", ICML 2017, Thm. 1 and eq. (6) (JMLR 20 (2019), Thms. 3 and 4): SGD with
learning rate ``tau`` on ``f = mean f_i`` is a weak approximation of order 1 of
``dX = -grad f dt + sqrt(tau Sigma) dW`` and of order 2 of
``dX = -grad(f + tau/4 |grad f|^2) dt + sqrt(tau Sigma) dW``, ``Sigma`` the covariance of the
per-example gradients.

Random quadratics ``f_i = h_i (x - a_i)^2 / 2`` (multiplicative noise: the ``h_i`` differ)
have both expectations in closed form, independently of the library: the mean of SGD is
exactly gradient descent on ``f``, ``E x_N - x* = (1 - tau h)^N (x_0 - x*)``
(``h = mean h_i``, ``x* = mean(h_i a_i) / h``), and the SME's drift is linear, so
``E X_T - x* = exp(-c h T) (x_0 - x*)`` with ``c = 1`` (order 1) or ``1 + tau h / 2``
(order 2). The library's Monte Carlo estimates must agree with them within their
confidence intervals, and its measured weak order must be the theorem's. The symbolic
drifts are checked for random polynomial losses. The fixed non-quadratic case (100000
paths) is ``tests/numeric/test_weak.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.testing import strategies as lst

from ._cases import budget

tau = ld.tau
x = sp.Symbol("x")
TAUS = np.array([0.2, 0.1, 0.05])
T = 1.0

curvatures = st.builds(sp.Rational, st.integers(1, 4), st.just(2))  # h_i in [1/2, 2]
centres = st.builds(sp.Rational, st.integers(-4, 4), st.integers(1, 2))


@settings(max_examples=budget(8))
@given(st.lists(lst.polynomials([x], max_degree=4, max_terms=3), min_size=2, max_size=3))
def test_sme_drifts_are_the_published_ones(parts) -> None:
    """[LTE] eq. (6): drift ``-f'`` (order 1) and ``-(f + tau/4 f'^2)'`` (order 2);
    ``sigma sigma^T = tau Var_i(f_i')`` (uniform sampling, batch 1), for random losses
    ``f_i = x^2/2 + p_i(x)``."""
    losses = [x**2 / 2 + p for p in parts]
    s = ld.sgd(losses, [x])
    f = sum(losses) / len(losses)
    grads = [sp.diff(li, x) for li in losses]
    mean = sum(grads) / len(grads)
    var = sum((g - mean) ** 2 for g in grads) / len(grads)
    one = ld.stochastic_modified_equation(s, order=1)
    two = ld.stochastic_modified_equation(s, order=2)
    assert sp.expand(one.drift[0] + sp.diff(f, x)) == 0, losses
    assert sp.expand(two.drift[0] + sp.diff(f + tau / 4 * sp.diff(f, x) ** 2, x)) == 0, losses
    for sme in (one, two):
        assert sp.expand(sme.covariance[0, 0] - tau * var) == 0, losses


@pytest.mark.parametrize("order", [1, 2])
@settings(max_examples=budget(2))
@given(
    data=st.lists(st.tuples(curvatures, centres), min_size=2, max_size=3, unique=True),
)
def test_weak_errors_are_the_closed_form_ones_at_the_theorem_order(order, data) -> None:
    """[LTE] Thm. 1: ``|E x_N - E X_T| = O(tau^order)``. The library's estimates of both
    expectations agree with the closed forms within three half-widths of their 95%
    intervals (plus 5% of the error for the SME's time stepping), and the fitted order is
    ``order`` (within 0.1, or 0.25 at order 2; the closed-form errors' own order is within
    0.1: the theorem on these quadratics)."""
    hs = [hi for hi, _ in data]
    h = float(sum(hs)) / len(hs)
    star = float(sum(hi * ai for hi, ai in data)) / len(hs) / h
    z0 = star + 1.0  # |x_0 - x*| = 1 keeps the errors far above the Monte Carlo noise
    s = ld.sgd([hi * (x - ai) ** 2 / 2 for hi, ai in data], [x])
    study = ld.weak_convergence_study(
        s,
        [z0],
        t_end=T,
        taus=TAUS,
        observable=x,
        n_paths=40000,
        seed=0,
        reference=order,
        engine="numpy",
    )
    sgd_exact = star + (1 - TAUS * h) ** (T / TAUS) * (z0 - star)
    c = 1.0 if order == 1 else 1.0 + TAUS * h / 2
    sme_exact = star + np.exp(-c * h * T) * (z0 - star)
    exact = np.abs(sgd_exact - sme_exact)
    # the half-widths cover the Monte Carlo noise only; the SME's own time stepping (two
    # levels, dt = tau/4 and tau/8) leaves a bias of a few percent of the order-2 error
    # (measured: 2.6e-5 at tau = 0.2 with additive noise, where the half-widths vanish)
    slack = 3 * study.half_widths + 0.05 * exact + 1e-12
    assert np.all(np.abs(study.sgd_means - sgd_exact) <= slack), (data, study)
    assert np.all(np.abs(study.sme_means - sme_exact) <= slack), (data, study)
    assert np.all(np.abs(study.errors - exact) <= slack), (data, study)
    exact_order = np.polyfit(np.log(TAUS), np.log(exact), 1)[0]
    assert abs(exact_order - order) < 0.1, (data, exact)
    # the fit: within 0.1 at order 1; at order 2 the interval at tau = 0.05 is up to a
    # quarter of the error itself, hence 0.25
    assert abs(study.order - order) < (0.1 if order == 1 else 0.25), (data, study)
