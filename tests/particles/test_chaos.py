"""Propagation of chaos: E d_2^2 to the mean-field reference decays like 1/N."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import (
    WGAN,
    MeanFieldGap,
    TwoLayerRegression,
    gaussian_mixture,
    mean_field_gap,
)


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


def _gap() -> MeanFieldGap:
    sizes = np.array([8, 16, 32])
    mean = 0.5 / sizes
    d2 = np.stack([mean * 0.9, mean * 1.1], axis=1)
    return MeanFieldGap(
        sizes=sizes,
        reference_size=512,
        t_end=1.0,
        d2=d2,
        mean=d2.mean(axis=1),
        stderr=d2.std(axis=1, ddof=1) / np.sqrt(2),
        exponent=-1.0,
        prefactor=0.5,
    )


def test_gap_shows_its_table_in_text_html_and_pandas() -> None:
    gap = _gap()
    text = repr(gap)
    assert text.startswith(
        "MeanFieldGap: E d_2^2 ~ 0.5 N^-1.000 at t = 1 (2 seeds, reference N = 512)"
    )
    # mean 0.5 / 8; the two seeds at 0.9 and 1.1 times it: stderr = 0.1 * 0.0625
    assert "N =      8   mean d2 = 0.0625 +- 0.0063" in text
    html = gap._repr_html_()
    assert "<th>N</th><th>mean d2</th><th>stderr</th>" in html
    assert "<td>32</td><td>0.01562</td>" in html
    frame = gap.to_dataframe()
    assert frame.index.name == "N" and frame.index.tolist() == [8, 16, 32]
    np.testing.assert_allclose(frame["mean d2"].to_numpy(), 0.5 / np.array([8, 16, 32]))
    np.testing.assert_allclose(frame["stderr"].to_numpy(), 0.1 * 0.5 / np.array([8, 16, 32]))


def test_gap_accepts_generators_as_seeds() -> None:
    model = TwoLayerRegression(n_particles=4, input_dim=1, lr=1.0, batch=4, engine="numpy")
    a = mean_field_gap(
        model, sizes=[2, 4], t_end=0.25, seeds=[np.random.default_rng(3)], progress=False
    )
    b = mean_field_gap(
        model, sizes=[2, 4], t_end=0.25, seeds=[np.random.default_rng(3)], progress=False
    )
    np.testing.assert_array_equal(a.d2, b.d2)
    # the generator gives one key: the same as passing that key
    key = int(np.random.default_rng(3).integers(0, 2**63 - 1))
    c = mean_field_gap(model, sizes=[2, 4], t_end=0.25, seeds=[key], progress=False)
    np.testing.assert_array_equal(a.d2, c.d2)
    with pytest.raises(InputError, match="pass \\[generator\\]"):
        mean_field_gap(model, sizes=[2, 4], t_end=0.25, seeds=np.random.default_rng(3))  # type: ignore[arg-type]
