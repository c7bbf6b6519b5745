"""Stochastic modified equations, checked against formulas and independent computations.

[LTE] Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
algorithms", ICML 2017, Thm. 1 and eq. (6): the SME of SGD is
dX = -grad(f + tau/4 |grad f|^2) dt + sqrt(tau Sigma) dW (order 2), -grad f dt + ... (order 1),
Sigma the covariance of the minibatch gradient.
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn._stochastic import example_weights
from limitdyn.errors import SchemeError

tau = ld.tau
x, y = sp.symbols("x y")


def _zero(m: sp.Matrix) -> bool:
    return sp.simplify(sp.Matrix(m)) == sp.zeros(*sp.Matrix(m).shape)


@pytest.mark.parametrize("batch", [1, 2])
def test_sgd_on_quadratics_1d(batch) -> None:
    """[LTE] Thm. 1 on f_i = (x - a_i)^2/2: drift -(x - mean a) (order 1),
    -(1 + tau/2)(x - mean a) (order 2); sigma sigma^T = tau Var(a) / B."""
    a = (0, 1, 5)
    s = ld.sgd([(x - ai) ** 2 / 2 for ai in a], x, batch=batch)
    mean = sp.Rational(sum(a), 3)
    var = sum((ai - mean) ** 2 for ai in a) / 3
    one = ld.stochastic_modified_equation(s, order=1)
    two = ld.stochastic_modified_equation(s, order=2)
    assert _zero(one.drift - sp.Matrix([-(x - mean)]))
    assert _zero(two.drift - sp.Matrix([-(1 + tau / 2) * (x - mean)]))
    for sme in (one, two):
        assert _zero(sme.covariance - sp.Matrix([[tau * var / batch]]))
    assert one.order == 1 and two.order == 2 and two.step == tau


def test_sgd_on_quadratics_2d_multiplicative_noise() -> None:
    """Quadratics with different Hessians H_i: Sigma(z) = Cov_i(H_i (z - a_i)) depends on z;
    the order-2 drift is -grad(f + tau/4 |grad f|^2) [LTE] eq. (6)."""
    hs = [sp.Matrix([[2, 1], [1, 1]]), sp.Matrix([[1, 0], [0, 3]]), sp.Matrix([[1, -1], [-1, 4]])]
    centres = [sp.Matrix([1, 0]), sp.Matrix([0, 2]), sp.Matrix([-1, 1])]
    z = sp.Matrix([x, y])
    losses = [((z - c).T * h * (z - c))[0] / 2 for h, c in zip(hs, centres)]
    s = ld.sgd(losses, [x, y])
    f = sum(losses) / 3
    grad = sp.Matrix([f.diff(x), f.diff(y)])
    modified = f + tau / 4 * (grad.T * grad)[0]
    two = ld.stochastic_modified_equation(s, order=2)
    assert _zero(two.drift + sp.Matrix([modified.diff(x), modified.diff(y)]))
    gs = [h * (z - c) for h, c in zip(hs, centres)]
    gbar = sum(gs, sp.zeros(2, 1)) / 3
    sigma = sum(((g - gbar) * (g - gbar).T for g in gs), sp.zeros(2, 2)) / 3
    assert _zero(two.covariance - tau * sigma)
    assert two.noise_dim == 3 and two.dim == 2


def test_without_replacement_has_the_finite_population_factor() -> None:
    """Sigma = (n - B)/(n - 1) Sigma_1 / B; at B = n there is no noise."""
    a = (0, 1, 2, 7)
    losses = [(x - ai) ** 2 / 2 for ai in a]
    var = sp.Rational(sum((ai - sp.Rational(10, 4)) ** 2 for ai in a), 4)
    for batch in (1, 2, 3, 4):
        s = ld.sgd(losses, x, batch=batch, replacement=False)
        cov = ld.stochastic_modified_equation(s).covariance
        assert _zero(cov - sp.Matrix([[tau * var / batch * sp.Rational(4 - batch, 3)]]))


def _mean_map_coefficient(scheme, c, probs, power) -> sp.Matrix:
    """E over the minibatches (B = 1: one example, probability w_i) of the map's tau**power
    coefficient, from the exact map of each outcome (independent of the SME code)."""
    total = sp.zeros(len(scheme.variables), 1)
    for i, w in enumerate(probs):
        sub = {cj: (1 if j == i else 0) for j, cj in enumerate(c)}
        m = scheme.map()
        col = sp.Matrix([sp.expand(m[v].xreplace(sub)).coeff(tau, power) for v in scheme.variables])
        total += w * col
    return total


def test_alternating_game_with_sampled_data() -> None:
    """Dirac-GAN-like game where both players see the same minibatch (x-first): the second
    stage sees x+ (which depends on the batch), so E d_2 has a covariance term; the order-2
    drift must be E d_2 - 1/2 (grad d_1) d_1 (the modified equation of the mean map)."""
    c = example_weights(2)
    data = (sp.Integer(-1), sp.Integer(3))
    cost_x = sum(ci * (x - ai) ** 2 / 2 for ci, ai in zip(c, data)) - x * y
    cost_y = y**2 / 2 + sum(ci * x * y * ai for ci, ai in zip(c, data))
    game = ld.game(cost_x, cost_y, x, y, implicit=False)
    s = ld.stochastic(game, noise=c)
    two = ld.stochastic_modified_equation(s, order=2)
    probs = [sp.Rational(1, 2)] * 2
    d1 = _mean_map_coefficient(game, c, probs, 1)
    d2 = _mean_map_coefficient(game, c, probs, 2)
    expected = d1 + tau * (d2 - d1.jacobian([x, y]) * d1 / 2)
    assert _zero(two.drift - expected)
    # the covariance term is really there: the mean scheme alone misses it
    plain = ld.modified_equation(s.mean_scheme, order=1).field(order=1)
    assert not _zero(two.drift - sp.Matrix(plain))
    # diffusion: both players' per-example fields differ by the data
    g = [sp.Matrix([-(x - ai) + y, -x * ai - y]) for ai in data]
    gbar = (g[0] + g[1]) / 2
    sigma = sum(((gi - gbar) * (gi - gbar).T for gi in g), sp.zeros(2, 2)) / 2
    assert _zero(two.covariance - tau * sigma)


def test_display_and_errors() -> None:
    s = ld.sgd([(x - 1) ** 2, (x + 1) ** 2], x)
    sme = ld.stochastic_modified_equation(s, order=2)
    assert "dW_t" in sme._repr_latex_() and "SDE(" in repr(sme)
    with pytest.raises(SchemeError, match="1 or 2"):
        ld.stochastic_modified_equation(s, order=3)
    with pytest.raises(SchemeError, match="StochasticScheme"):
        ld.stochastic_modified_equation(ld.explicit([-x], [x]))
    c = example_weights(2)
    nonlinear = ld.explicit([-(c[0] ** 2) * x - c[1]], [x])
    with pytest.raises(SchemeError, match="not linear in the example weights"):
        ld.stochastic_modified_equation(ld.stochastic(nonlinear, noise=c))
    _ = itertools
