"""Implicit (JKO) particle steps: Turinici's Lemma 1 at the level of measures, the
minimising-movement property, the solvers, the engines and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from limitdyn.errors import InputError, SolverError
from limitdyn.particles import WGAN, JKOSolver, TwoLayerRegression, implicit_step, wasserstein

from ._helpers import small_wgan
from .conftest import needs_numba


def _regression(lr: float, **changes: object) -> tuple[TwoLayerRegression, np.ndarray]:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(64, 1))
    model = TwoLayerRegression(
        n_particles=20, input_dim=1, inputs=data, batch=None, lr=lr, engine="numpy"
    )
    return model.replace(**changes), rng.normal(size=model.generator_shape)


def _cloud(theta: np.ndarray) -> np.ndarray:
    return theta.reshape(theta.shape[0], -1)


def _order(taus: list[float], distances: list[float]) -> float:
    """Least-squares slope of log distance against log tau."""
    return float(np.polyfit(np.log(taus), np.log(distances), 1)[0])


def test_regression_explicit_and_implicit_measures_are_order_tau_apart() -> None:
    """Turinici, Lemma 1 (appendix, eqs. (31)-(35)): explicit and implicit iterates of a
    Lipschitz field stay C tau apart on [0, T]; here for the empirical measures of the
    full-batch regression in W2 (exact, POT's network simplex)."""
    taus, dist = [], []
    for lr in (0.8, 0.4, 0.2, 0.1):
        model, theta = _regression(lr)
        e = model.run(t_end=1.0, init=theta, seed=0, progress=False)
        i = model.replace(scheme="implicit").run(t_end=1.0, init=theta, seed=0, progress=False)
        d = wasserstein(_cloud(e.generator[-1]), _cloud(i.generator[-1]), method="lp")
        assert d.exact
        taus.append(model.dt)
        dist.append(float(d))
    assert _order(taus, dist) == pytest.approx(1.0, abs=0.05)


def test_wgan_explicit_and_implicit_generators_are_order_tau_apart() -> None:
    """Turinici, Lemma 1 for the WGAN (stochastic batches, the same for both schemes at each
    tau): W2 between the generator clouds at T = 1 is O(tau), order 1 +- 0.15."""
    taus, dist = [], []
    base = small_wgan(n_generator=20, n_critic_particles=10, batch=128, n_critic=1, clip=None)
    init = base.init_particles(seed=1)
    for lr in (1.6, 0.8, 0.4, 0.2):
        model = base.replace(lr=lr)
        e = model.run(t_end=1.0, init=init, seed=3, progress=False)
        i = model.replace(scheme="implicit").run(t_end=1.0, init=init, seed=3, progress=False)
        d = wasserstein(_cloud(e.generator[-1]), _cloud(i.generator[-1]), method="lp")
        taus.append(model.dt)
        dist.append(float(d))
    assert _order(taus, dist) == pytest.approx(1.0, abs=0.15)


def test_implicit_step_is_the_minimising_movement() -> None:
    """One implicit step minimises W2^2(mu', mu)/(2 tau) + E(mu') (Jordan-Kinderlehrer-Otto
    1998): it agrees with a direct minimisation (L-BFGS) of the JKO functional restricted to
    the identity coupling, and that coupling is optimal (exact W2 equals its cost)."""
    model, theta = _regression(4.0, scheme="implicit", solver=JKOSolver(tol=1e-13))
    data = model.data
    assert data is not None
    N, tau = model.n_particles, model.dt
    step = model.run(steps=1, init=theta, seed=0, progress=False).generator[-1]

    def jko(flat: np.ndarray) -> tuple[float, np.ndarray]:
        th = flat.reshape(theta.shape)
        value = np.sum((th - theta) ** 2) / (2 * tau * N) + model.energy(th, data)
        grad = (th - theta) / (tau * N) + model.velocity(th, data) / N
        return float(value), grad.ravel()

    best = minimize(jko, theta.ravel(), jac=True, method="L-BFGS-B", options={"gtol": 1e-13})
    np.testing.assert_allclose(step.ravel(), best.x, atol=1e-6)
    identity = float(np.mean(np.sum(_cloud(step - theta) ** 2, axis=1)))
    exact = float(wasserstein(_cloud(step), _cloud(theta), method="lp")) ** 2
    assert exact == pytest.approx(identity, rel=1e-9)


def test_implicit_steps_satisfy_the_jko_energy_inequality_where_explicit_steps_fail() -> None:
    """Minimising movements decrease the energy unconditionally:
    E(mu_{n+1}) + W2^2(mu_{n+1}, mu_n) / (2 tau) <= E(mu_n) (Ambrosio-Gigli-Savare,
    Gradient Flows, Lemma 3.1.2), at a step where explicit gradient descent raises E."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(64, 1))
    model = TwoLayerRegression(
        n_particles=10,
        input_dim=1,
        inputs=data,
        batch=None,
        lr=80.0,
        teacher_scale=3.0,
        engine="numpy",
    )
    theta = rng.normal(size=model.generator_shape)
    with np.errstate(all="ignore"):
        explicit = model.run(steps=10, init=theta, seed=0, record_every=1, progress=False)
    assert np.any(np.diff(explicit.metrics["energy"]) > 0)
    run = model.replace(scheme="implicit").run(
        steps=10, init=theta, seed=0, record_every=1, progress=False
    )
    energy = run.metrics["energy"]
    for n in range(10):
        w2 = float(wasserstein(_cloud(run.generator[n + 1]), _cloud(run.generator[n])))
        assert energy[n + 1] + w2**2 / (2 * model.dt) <= energy[n] + 1e-12


def test_newton_and_fixed_point_give_the_same_step() -> None:
    """Two independent solvers of x = x0 + step F(x) agree to their tolerance."""
    model, theta = _regression(0.8, scheme="implicit")
    runs = [
        model.replace(solver=JKOSolver(method=m, tol=1e-13)).run(
            steps=20, init=theta, seed=0, progress=False
        )
        for m in ("newton", "fixed-point")
    ]
    np.testing.assert_allclose(runs[0].generator, runs[1].generator, atol=1e-11)


@needs_numba
def test_engines_give_the_same_implicit_step() -> None:
    model, theta = _regression(0.8, scheme="implicit", solver=JKOSolver(tol=1e-13))
    a = model.run(steps=20, init=theta, seed=0, progress=False)
    b = model.replace(engine="numba").run(steps=20, init=theta, seed=0, progress=False)
    np.testing.assert_allclose(a.generator, b.generator, rtol=0, atol=1e-10)
    wgan = small_wgan(n_generator=12, n_critic_particles=6, scheme="implicit")
    init = wgan.init_particles(seed=0)
    c = wgan.run(steps=20, init=init, seed=1, progress=False)
    d = wgan.replace(engine="numba").run(steps=20, init=init, seed=1, progress=False)
    np.testing.assert_allclose(c.generator, d.generator, rtol=0, atol=1e-10)
    np.testing.assert_allclose(c.critic, d.critic, rtol=0, atol=1e-10)


@settings(deadline=None, max_examples=25)
@given(
    st.integers(min_value=1, max_value=5),
    st.floats(min_value=0.01, max_value=2.0),
    st.integers(min_value=0, max_value=2**31),
    st.sampled_from(["newton", "fixed-point"]),
)
def test_implicit_step_of_a_linear_field_is_implicit_euler(
    n: int, tau: float, seed: int, method: str
) -> None:
    """For F(x) = A x, x = x0 + tau A x has the closed form (I - tau A)^{-1} x0 (Hairer,
    Lubich, Wanner, ch. IX: the implicit Euler map)."""
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    A = -(B @ B.T) / n - 0.1 * np.eye(n)
    if method == "fixed-point":
        A *= 0.5 / (tau * np.linalg.norm(A, 2))  # a contraction
    x0 = rng.normal(size=n)
    x, _ = implicit_step(lambda x: A @ x, x0, step=tau, solver=JKOSolver(method=method, tol=1e-13))
    np.testing.assert_allclose(x, np.linalg.solve(np.eye(n) - tau * A, x0), atol=1e-11)


def test_solver_failures_raise_solver_error_with_step_and_time() -> None:
    model, theta = _regression(400.0, scheme="implicit", solver="fixed-point")
    with pytest.raises(SolverError, match="fixed-point") as info:
        model.run(steps=3, init=theta, seed=0, progress=False)
    assert info.value.step == 0 and info.value.time == 0.0 and info.value.residual > 0
    tight = model.replace(solver=JKOSolver(method="newton", max_iter=1, tol=1e-15))
    with pytest.raises(SolverError, match="Newton did not converge in 1 iterations"):
        tight.run(steps=3, init=theta, seed=0, progress=False)


def test_bad_scheme_options_raise_input_error() -> None:
    with pytest.raises(InputError, match="scheme"):
        TwoLayerRegression(n_particles=3, input_dim=1, scheme="crank-nicolson")
    with pytest.raises(InputError, match='needs optimizer="sgd"'):
        small_wgan(scheme="implicit", optimizer="rmsprop")
    with pytest.raises(InputError, match="solver"):
        small_wgan(scheme="implicit", solver=3)
    with pytest.raises(InputError, match="tol"):
        JKOSolver(tol=0.0)
    assert "implicit" in repr(small_wgan(scheme="implicit"))
    assert isinstance(small_wgan(scheme="implicit").replace(lr=0.1), WGAN)
