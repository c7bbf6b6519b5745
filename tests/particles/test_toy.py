"""Delgadino's toy GAN: the conserved energy and the first-order drift of the iterates."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import ToyGAN


@pytest.mark.parametrize("gamma", [1.0, 10.0])
def test_logistic_latent_conserves_cosh_energy_along_the_limit_ode(gamma: float) -> None:
    toy = ToyGAN(latent="logistic", gamma=gamma)
    sol = toy.limit_ode(theta0=[1.2], omega0=[0.3], t_end=30.0)
    h = np.cosh(sol.theta[:, 0]) + sol.omega[:, 0] ** 2 / (2 * gamma)
    assert np.ptp(h) < 1e-8
    assert np.ptp(sol.theta) > 1.0  # a genuine orbit, not a rest point


def test_the_lecture_form_holds_with_critic_rate_gamma_over_two() -> None:
    """E_gamma = cosh(theta) + |omega|^2 / gamma (the slide) is exact when the critic runs at
    rate gamma / 2 on the logistic latent."""
    gamma = 4.0
    toy = ToyGAN(latent="logistic", gamma=gamma / 2)
    sol = toy.limit_ode(theta0=[-0.8], omega0=[1.0], t_end=20.0)
    e_slide = np.cosh(sol.theta[:, 0]) + sol.omega[:, 0] ** 2 / gamma
    assert np.ptp(e_slide) < 1e-8


def test_gaussian_latent_energy_is_not_cosh() -> None:
    toy = ToyGAN(latent="gaussian", gamma=1.0)
    sol = toy.limit_ode(theta0=[1.5], omega0=[0.0], t_end=20.0)
    assert np.ptp(sol.energy) < 1e-8  # G(theta) + omega^2 / 2 with G' = (Phi - 1/2) / phi
    cosh_form = np.cosh(sol.theta[:, 0]) + sol.omega[:, 0] ** 2 / 2
    assert np.ptp(cosh_form) > 1e-2
    # G(theta) = 1 + theta^2 / 2 + theta^4 / 12 + O(theta^6)
    th = np.array([1e-2, 3e-2, 0.1])
    assert np.all(np.abs(toy.potential(th) - (1 + th**2 / 2 + th**4 / 12)) <= th**6)


def test_particle_energy_is_conserved_for_many_particles() -> None:
    toy = ToyGAN(n_generator=4, n_critic_particles=3, latent="logistic", gamma=2.0)
    theta0, omega0 = toy.init_particles(seed=0)
    sol = toy.limit_ode(theta0=theta0, omega0=omega0, t_end=15.0)
    h = np.cosh(sol.theta).mean(axis=1) + sol.omega.mean(axis=1) ** 2 / 4.0
    assert np.ptp(h) < 1e-8
    # the critic particles move in parallel: their differences are conserved too
    np.testing.assert_allclose(np.ptp(sol.omega, axis=1), np.ptp(omega0), atol=1e-9)


def _energy_error(toy: ToyGAN, t_end: float) -> np.ndarray:
    run = toy.run(t_end=t_end, record_every=1, init=([1.0], [0.0]))
    return run.metrics["energy"] - run.metrics["energy"][0]


def test_simultaneous_iterates_drift_at_first_order() -> None:
    """Explicit Euler on a centre spirals outwards: H(T) - H(0) ~ c lr, c > 0."""
    drift = [
        _energy_error(ToyGAN(latent="logistic", lr=lr, scheme="simultaneous"), 10.0)[-1]
        for lr in (0.02, 0.01, 0.005)
    ]
    assert min(drift) > 0
    order = np.log2(np.array(drift[:-1]) / np.array(drift[1:]))
    np.testing.assert_allclose(order, 1.0, atol=0.05)


def test_alternating_iterates_have_a_smaller_first_order_error() -> None:
    """Critic first, then the generator against the updated critic: the energy error is
    still first order in lr (the map is not symplectic for this non-canonical system),
    but far smaller than the simultaneous scheme's."""
    err, sim = [], []
    for lr in (0.02, 0.01, 0.005):
        e = _energy_error(ToyGAN(latent="logistic", lr=lr, scheme="alternating"), 30.0)
        err.append(np.abs(e).max())
        sim.append(np.abs(_energy_error(ToyGAN(latent="logistic", lr=lr), 30.0)).max())
    order = np.log2(np.array(err[:-1]) / np.array(err[1:]))
    np.testing.assert_allclose(order, 1.0, atol=0.1)
    assert all(a < 0.5 * b for a, b in zip(err, sim))


def test_run_returns_particles_and_checks_inputs() -> None:
    toy = ToyGAN(n_generator=2, n_critic_particles=1, lr=0.1)
    run = toy.run(steps=10, record_every=5, seed=0)
    assert run.generator.shape == (3, 2) and run.critic is not None
    assert run.critic.shape == (3, 1)
    np.testing.assert_allclose(run.times, [0.0, 0.25, 0.5])
    with pytest.raises(InputError, match="valid latents: gaussian, logistic"):
        ToyGAN(latent="uniform")
    with pytest.raises(InputError, match="valid schemes: simultaneous, alternating"):
        ToyGAN(scheme="implicit")
    with pytest.raises(InputError, match="theta has 1 particles, expected 2"):
        toy.energy([0.0], [0.0])


def test_limit_ode_trajectory_shows_its_table() -> None:
    toy = ToyGAN(latent="logistic", gamma=1.0)
    sol = toy.limit_ode(theta0=[0.5], omega0=[0.0], t_end=1.0, n_points=3)
    assert repr(sol).startswith("ToyTrajectory: 3 points on [0, 1], N = 1, M = 1, energy drift")
    html = sol._repr_html_()
    assert "<th>time</th><th>energy</th><th>theta[0]</th><th>omega[0]</th>" in html
    frame = sol.to_dataframe()
    assert frame.index.name == "time" and frame.index.tolist() == [0.0, 0.5, 1.0]
    # H = cosh(theta) + omega^2 / (2 gamma) at the start: cosh(0.5)
    np.testing.assert_allclose(frame["energy"].to_numpy(), np.cosh(0.5), rtol=1e-9)
    many = ToyGAN(n_generator=5, n_critic_particles=3, latent="logistic")
    big = many.limit_ode(theta0=np.linspace(0, 1, 5), omega0=[0.0] * 3, t_end=1.0, n_points=2)
    assert "<th>mean theta</th>" in big._repr_html_()
    assert list(big.to_dataframe().columns)[-1] == "omega[2]"
