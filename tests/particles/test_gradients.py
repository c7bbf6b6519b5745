"""Particle velocities against central finite differences of the objectives."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.particles import WGAN, TwoLayerRegression, gaussian_mixture


def _central(f, x: np.ndarray, idx: tuple[int, ...], h: float = 1e-6) -> float:  # type: ignore[no-untyped-def]
    xp, xm = x.copy(), x.copy()
    xp[idx] += h
    xm[idx] -= h
    return (f(xp) - f(xm)) / (2 * h)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_wgan_velocities_are_scaled_gradients(engine: str, activation: str) -> None:
    rng = np.random.default_rng(5)
    K, L, N, M, m = 2, 3, 7, 6, 11
    tgt = gaussian_mixture([[0.0, 1.0], [1.0, -1.0]], 0.5)
    model = WGAN(
        n_generator=N,
        n_critic_particles=M,
        data_dim=K,
        latent_dim=L,
        target=tgt,
        activation=activation,
        engine=engine,
        clip=None,
    )
    theta = rng.normal(size=(N, K, L + 2))
    omega = rng.normal(size=(M, K + 2))
    x = rng.normal(size=(m, K))
    z = rng.normal(size=(m, L))
    v_theta, v_omega = model.velocities(theta, omega, x, z)
    # critic: v_omega = M dD/d omega (ascent direction of D = E f(x) - E f(g(z)))
    for idx in [(j, c) for j in range(M) for c in range(K + 2)]:
        fd = _central(lambda w: model.objective(theta, w, x, z), omega, idx)
        assert v_omega[idx] / M == pytest.approx(fd, rel=1e-6, abs=1e-9)
    # generator: v_theta = N d/d theta E f(g(z)) = -N dD/d theta
    for idx in [(i, k, c) for i in range(N) for k in range(K) for c in range(L + 2)][::3]:
        fd = _central(lambda t: model.objective(t, omega, x, z), theta, idx)
        assert -v_theta[idx] / N == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_regression_velocity_is_n_times_the_energy_gradient(engine: str) -> None:
    rng = np.random.default_rng(6)
    model = TwoLayerRegression(n_particles=9, input_dim=2, output_dim=2, teacher=3, engine=engine)
    theta = rng.normal(size=model.generator_shape)
    x = rng.normal(size=(13, 2))
    v = model.velocity(theta, x)
    for idx in np.ndindex(theta.shape):
        fd = _central(lambda t: model.energy(t, x), theta, idx)
        assert v[idx] / model.n_particles == pytest.approx(fd, rel=1e-6, abs=1e-10)
