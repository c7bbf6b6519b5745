"""Propagation of chaos: E d_2^2 to the mean-field reference decays like 1/N."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import WGAN, TwoLayerRegression, gaussian_mixture, mean_field_gap


def test_regression_gap_decays_like_one_over_n() -> None:
    model = TwoLayerRegression(n_particles=8, input_dim=2, lr=1.0, batch=16)
    gap = mean_field_gap(
        model, sizes=[8, 16, 32, 64], t_end=1.0, seeds=16, reference_size=1024, progress=False
    )
    assert gap.d2.shape == (4, 16)
    assert np.all(gap.d2 > 0)
    assert -1.35 < gap.exponent < -0.65


@pytest.mark.slow
def test_smooth_wgan_gap_exponent_is_minus_one() -> None:
    """Cabrera, Delgadino and Suassuna: E d_2^2 <= C / N for smooth activations."""
    tgt = gaussian_mixture([[-1.0, 0.0], [1.0, 0.0]], 0.2)
    model = WGAN(
        n_generator=8,
        n_critic_particles=8,
        data_dim=2,
        latent_dim=2,
        target=tgt,
        lr=1.0,
        batch=16,
        n_critic=1,
        clip=None,
    )
    gap = mean_field_gap(
        model, sizes=[8, 16, 32, 64, 128], t_end=1.0, seeds=48, reference_size=4096, progress=False
    )
    assert -1.2 < gap.exponent < -0.8


def test_gap_checks_its_arguments() -> None:
    model = TwoLayerRegression(n_particles=8, input_dim=1, engine="numpy")
    with pytest.raises(InputError, match="at least two"):
        mean_field_gap(model, sizes=[8], t_end=1.0)
    with pytest.raises(InputError, match="smaller than the largest size"):
        mean_field_gap(model, sizes=[8, 16], t_end=1.0, reference_size=10)
    tgt = gaussian_mixture([[0.0]], 1.0)
    raw = WGAN(
        n_generator=4,
        n_critic_particles=4,
        data_dim=1,
        latent_dim=1,
        target=tgt,
        scaling="raw",
        engine="numpy",
    )
    with pytest.raises(InputError, match="mean-field"):
        mean_field_gap(raw, sizes=[4, 8], t_end=1.0)
