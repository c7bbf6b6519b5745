"""Paths of SGD and of SDEs: the laws of one step, exact moments, engines, seeds, errors.

[KP] P. E. Kloeden, E. Platen, Numerical Solution of SDEs, Springer 1992, §10.2-10.3
(Euler–Maruyama; Milstein X+ = X + b h + s dW + 1/2 s s' (dW^2 - h)).
[LTE] Q. Li, C. Tai, W. E, ICML 2017, §2 (minibatch SGD).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError, SchemeError

x, y = sp.symbols("x y")
A = (-1.0, 0.0, 4.0)  # data: mean 1, Var 14/3


def _within(est: np.ndarray, exact: float, sd: float, n: int, k: float = 4.5) -> bool:
    return bool(abs(float(est) - exact) < k * sd / np.sqrt(n))


def test_sgd_moments_on_a_quadratic(engine) -> None:
    """f_i = (x - a_i)^2/2, B = 1: x_k - abar = (1 - tau)^k (x_0 - abar) + noise, so
    E x_k = abar + (1 - tau)^k (x0 - abar) and
    Var x_k = tau Var(a) (1 - (1-tau)^(2k)) / (2 - tau)."""
    s = ld.sgd([(x - a) ** 2 / 2 for a in A], x)
    tau, steps, paths = 0.2, 12, 40000
    run = ld.iterate_stochastic(
        s, [3.0], tau=tau, steps=steps, n_paths=paths, seed=7, record_every=4, engine=engine
    )
    np.testing.assert_allclose(run.t, tau * np.array([0, 4, 8, 12]))
    var_a = np.var(A)
    for r, k in enumerate((0, 4, 8, 12)):
        mean = 1.0 + (1 - tau) ** k * 2.0
        var = tau * var_a * (1 - (1 - tau) ** (2 * k)) / (2 - tau)
        assert (
            np.isclose(run.mean()[r, 0], mean, atol=1e-12)
            if k == 0
            else _within(run.mean()[r, 0], mean, np.sqrt(var), paths)
        )
        if k:
            assert abs(run.covariance()[r, 0, 0] / var - 1) < 0.05


def test_one_step_law_and_batches() -> None:
    """One SGD step from x0 lands on x0 - tau (x0 - mean of the batch) with the batch's
    probability; without replacement at B = n it is gradient descent."""
    s = ld.sgd([(x - a) ** 2 / 2 for a in A], x, weights=[1, 2, 5])
    run = ld.iterate_stochastic(s, [0.0], tau=0.5, steps=1, n_paths=40000, seed=3, engine="numpy")
    ends = run.final[:, 0]
    for a, w in zip(A, (1 / 8, 2 / 8, 5 / 8)):
        freq = np.mean(np.isclose(ends, 0.5 * a))
        assert abs(freq - w) < 4.5 * np.sqrt(w * (1 - w) / ends.size)
    full = ld.sgd([(x - a) ** 2 / 2 for a in A], x, batch=3, replacement=False)
    run = ld.iterate_stochastic(full, [2.0], tau=0.1, steps=5, n_paths=10, seed=0, engine="numpy")
    gd = ld.iterate(full.mean_scheme, [2.0], tau=0.1, steps=5, engine="numpy")
    np.testing.assert_allclose(run.final[:, 0], gd.z[-1, 0], rtol=1e-13)
    pair = ld.sgd([(x - a) ** 2 / 2 for a in A], x, batch=2, replacement=False)
    run = ld.iterate_stochastic(pair, [0.0], tau=1.0, steps=1, n_paths=3000, seed=1, engine="numpy")
    means = {round((a + b) / 2, 12) for i, a in enumerate(A) for b in A[i + 1 :]}
    assert set(np.round(run.final[:, 0], 12)) == means  # distinct pairs only


def test_engines_agree_and_seeds_reproduce() -> None:
    pytest.importorskip("numba")
    loss = [(x - a) ** 2 / 2 + sp.cos(x) * y**2 / 4 + (y - a) ** 2 / 2 for a in A]
    s = ld.sgd(loss, [x, y], batch=2)
    kw = dict(tau=0.05, steps=30, n_paths=5000, seed=11)
    a = ld.iterate_stochastic(s, [1.0, -1.0], engine="numpy", **kw)
    b = ld.iterate_stochastic(s, [1.0, -1.0], engine="numba", **kw)
    np.testing.assert_allclose(a.z, b.z, rtol=1e-12, atol=1e-12)
    c = ld.iterate_stochastic(s, [1.0, -1.0], engine="numba", **{**kw, "seed": 12})
    assert not np.allclose(b.final, c.final)
    sme = ld.stochastic_modified_equation(s, order=2)
    kw2 = dict(t_end=0.5, dt=0.01, n_paths=3000, seed=5, tau=0.05)
    d = ld.simulate_sde(sme, [1.0, -1.0], engine="numpy", **kw2)
    e = ld.simulate_sde(sme, [1.0, -1.0], engine="numba", **kw2)
    np.testing.assert_allclose(d.z, e.z, rtol=1e-11, atol=1e-12)


def test_euler_maruyama_moments_of_ornstein_uhlenbeck(engine) -> None:
    """EM on dX = -X dt + s dW: E X_n = (1 - h)^n x0,
    Var X_n = s^2 h (1 - (1-h)^(2n)) / (1 - (1-h)^2)."""
    s_ = 0.7
    ou = ld.SDE((x,), sp.Matrix([-x]), sp.Matrix([[s_]]))
    h, n, paths = 0.05, 20, 40000
    run = ld.simulate_sde(ou, [2.0], t_end=h * n, dt=h, n_paths=paths, seed=2, engine=engine)
    var = s_**2 * h * (1 - (1 - h) ** (2 * n)) / (1 - (1 - h) ** 2)
    assert _within(run.mean()[-1, 0], 2.0 * (1 - h) ** n, np.sqrt(var), paths)
    assert abs(run.covariance()[-1, 0, 0] / var - 1) < 0.05


def test_milstein_second_moment_of_geometric_brownian_motion() -> None:
    """[KP] §10.3 on dX = mu X dt + s X dW: one Milstein step multiplies E X^2 by
    (1 + mu h)^2 + s^2 h + s^4 h^2 / 2 (Euler: without the last term)."""
    mu, s_ = 0.5, 1.0
    gbm = ld.SDE((x,), sp.Matrix([mu * x]), sp.Matrix([[s_ * x]]))
    h, n, paths = 0.5, 2, 200000
    run = ld.simulate_sde(
        gbm, [1.0], t_end=h * n, dt=h, n_paths=paths, seed=4, method="milstein", engine="numpy"
    )
    m2 = ((1 + mu * h) ** 2 + s_**2 * h + s_**4 * h**2 / 2) ** n
    m2_euler = ((1 + mu * h) ** 2 + s_**2 * h) ** n
    est = np.mean(run.final[:, 0] ** 2)
    sd = np.std(run.final[:, 0] ** 2)
    assert abs(est - m2) < 4.5 * sd / np.sqrt(paths) < abs(m2 - m2_euler) / 2
    assert _within(np.mean(run.final[:, 0]), (1 + mu * h) ** n, np.std(run.final[:, 0]), paths)


def test_bad_input() -> None:
    s = ld.sgd([(x - a) ** 2 / 2 for a in A], x)
    with pytest.raises(InputError, match="memory"):
        ld.iterate_stochastic(s, [0.0], tau=0.1, steps=1, n_paths=10**12, engine="numpy")
    with pytest.raises(InputError, match="whole number of steps"):
        ld.iterate_stochastic(s, [0.0], tau=0.3, t_end=1.0, n_paths=2, engine="numpy")
    with pytest.raises(InputError, match="n_paths"):
        ld.iterate_stochastic(s, [0.0], tau=0.1, steps=1, n_paths=0, engine="numpy")
    sme = ld.stochastic_modified_equation(s)
    with pytest.raises(InputError, match="give tau="):
        ld.simulate_sde(sme, [0.0], t_end=1.0, dt=0.1, n_paths=2)
    with pytest.raises(InputError, match="unknown method"):
        ld.simulate_sde(sme, [0.0], t_end=1.0, dt=0.1, n_paths=2, tau=0.1, method="heun")
    rot = ld.SDE((x, y), sp.Matrix([0, 0]), sp.Matrix([[1, 0], [0, x]]))
    with pytest.raises(SchemeError, match="not commutative"):
        ld.simulate_sde(rot, [0.0, 0.0], t_end=1.0, dt=0.1, n_paths=2, method="milstein")
    kink = ld.SDE((x,), sp.Matrix([-sp.Abs(x) + sp.Max(x, 0)]), sp.Matrix([[1]]))
    with pytest.raises(SchemeError, match="engine='numba'"):
        ld.simulate_sde(kink, [0.0], t_end=1.0, dt=0.1, n_paths=2, engine="numpy")


def test_constant_wide_diffusion_keeps_its_covariance() -> None:
    """dX = sigma dW with a constant 2 x 4 sigma: Cov X_T = sigma sigma^T T (run with an
    equivalent 2-column factor), E X_T = X_0."""
    sigma = sp.Matrix([[1, 0, 2, -1], [0, 1, 1, 1]]) / 2
    sde = ld.SDE((x, y), sp.Matrix([0, 0]), sigma)
    paths = 40000
    run = ld.simulate_sde(
        sde, [1.0, 2.0], t_end=1.0, dt=0.25, n_paths=paths, seed=8, engine="numpy"
    )
    cov = np.array(sigma * sigma.T, dtype=float)
    np.testing.assert_allclose(run.covariance()[-1], cov, atol=5 * cov.max() / np.sqrt(paths))
    np.testing.assert_allclose(run.mean()[-1], [1.0, 2.0], atol=5 * np.sqrt(cov.max() / paths))


def test_stochastic_game_paths_share_the_minibatch_between_stages(engine) -> None:
    """An alternating game on sampled data: one step lands on the exact map of the game with
    one example's data (c one-hot) in *both* stages, with that example's probability."""
    from limitdyn._stochastic import example_weights

    c = example_weights(2)
    data = (-1.0, 3.0)
    cost_x = sum(ci * (x - a) ** 2 / 2 for ci, a in zip(c, data)) - x * y
    cost_y = y**2 / 2 + sum(ci * x * y * a for ci, a in zip(c, data))
    game = ld.game(cost_x, cost_y, x, y, implicit=False)
    s = ld.stochastic(game, noise=c)
    run = ld.iterate_stochastic(
        s, [0.5, -0.5], tau=0.5, steps=1, n_paths=4000, seed=2, engine=engine
    )
    ends = []
    for i in range(2):
        m = game.map()
        sub = {c[0]: int(i == 0), c[1]: int(i == 1), x: 0.5, y: -0.5, ld.tau: 0.5}
        ends.append([float(m[v].xreplace(sub)) for v in (x, y)])
    hits = [np.all(np.isclose(run.final, e, rtol=1e-13), axis=1) for e in ends]
    assert np.all(hits[0] | hits[1])
    assert abs(hits[0].mean() - 0.5) < 4.5 * 0.5 / np.sqrt(4000)
