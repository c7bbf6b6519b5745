"""Mode collapse is not a limit dynamics (Turinici, arXiv:2012.10410, §3):
limitdyn/numeric/_collapse.py."""

from __future__ import annotations

import numpy as np
import pytest

import limitdyn as ld
from limitdyn import InputError
from limitdyn.particles import WGAN, ToyGAN, diracs, ring


@pytest.mark.parametrize("mode", [-1, 1])
@pytest.mark.parametrize("mass", [0.6, 0.9, 0.999, 0.999999])
def test_toy_gan_velocity_at_collapse_in_closed_form(mode: int, mass: float) -> None:
    """Delgadino's toy with logistic latent: theta' = F'(theta) omegabar with
    F' = F (1 - F) = mass (1 - mass), and omega' = gamma (1/2 - Fbar), |.| = gamma (mass - 1/2):
    the critic's speed stays near gamma/2 however complete the collapse."""
    gamma = 2.0
    out = ld.collapse_velocity(ToyGAN(latent="logistic", gamma=gamma), mode=mode, mass=mass)
    assert out.generator_speed == pytest.approx(mass * (1 - mass), rel=1e-9)
    assert out.critic_speed == pytest.approx(gamma * (mass - 0.5), rel=1e-9)
    assert not out.is_stationary
    # the best response on |omega| <= 1 pushes the generator off the collapsed atom:
    # F(theta) (the mass on -1) moves toward 1/2
    assert np.sign(out.generator_velocity[0]) == mode
    assert float(out.omega[0]) == mode  # sign(1/2 - Fbar)


def test_toy_gan_gaussian_latent() -> None:
    """Gaussian latent: theta' = phi(theta_c) omega with Phi(theta_c) = mass."""
    from scipy.stats import norm

    toy = ToyGAN(latent="gaussian", gamma=1.0, n_generator=3, n_critic_particles=2)
    out = ld.collapse_velocity(toy, mode=-1, mass=0.95)
    assert np.allclose(np.abs(out.generator_velocity), norm.pdf(norm.ppf(0.95)), rtol=1e-9)
    assert out.critic_speed == pytest.approx(0.45, rel=1e-9)


@pytest.mark.parametrize("mode", [0, 3])
def test_wgan_critic_at_best_response_generator_keeps_moving(mode: int) -> None:
    """Clipped WGAN on ring(8), generator sending every latent to one mode: the critic's
    projected velocity vanishes at its best response (stationary for the critic), but the
    generator's velocity does not (so the pair is not stationary, §3); two independent
    batches give the same speed (it is not Monte Carlo noise)."""
    model = WGAN(
        n_generator=4, n_critic_particles=8, data_dim=2, latent_dim=1, target=ring(8),
        clip=0.01, engine="numpy",
    )  # fmt: skip
    out = ld.collapse_velocity(model, mode=mode, n_samples=1024, best_response_steps=300)
    other = ld.collapse_velocity(model, mode=mode, n_samples=1024, best_response_steps=300, seed=1)
    samples = model.generate(out.theta, n=16, seed=0)
    assert np.allclose(samples, ring(8).modes[mode], atol=1e-12)  # collapsed on the mode
    assert np.all(np.abs(out.omega) <= 0.01)
    assert out.critic_speed < 1e-3 * out.generator_speed
    assert not out.is_stationary
    assert other.generator_speed == pytest.approx(out.generator_speed, rel=0.02)
    assert "stationary: False" in repr(out) and "<table>" in out._repr_html_()


def test_bad_input() -> None:
    unclipped = WGAN(
        n_generator=2, n_critic_particles=2, data_dim=1, latent_dim=1,
        target=diracs([[-1.0], [1.0]]), clip=None, engine="numpy",
    )  # fmt: skip
    with pytest.raises(InputError, match="clipped"):
        ld.collapse_velocity(unclipped)
    clipped = unclipped.replace(clip=0.01)
    with pytest.raises(InputError, match="index one of the target's 2 modes"):
        ld.collapse_velocity(clipped, mode=5)
    with pytest.raises(InputError, match="modes are -1 and 1"):
        ld.collapse_velocity(ToyGAN(), mode=2)
    with pytest.raises(InputError, match="mass"):
        ld.collapse_velocity(ToyGAN(), mode=-1, mass=1.0)
    with pytest.raises(InputError, match="ToyGAN or a WGAN"):
        ld.collapse_velocity("toy")
