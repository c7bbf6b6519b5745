"""Targets against their exact moments, atoms and geometry; tolerances from the sample size."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import diracs, gaussian_mixture, grid, ring, sampler

#: standard errors allowed between a sample statistic and its exact value
Z = 5.0


def _mixture_moments(means: np.ndarray, stds: np.ndarray, w: np.ndarray):  # type: ignore[no-untyped-def]
    """Mean and covariance of sum_i w_i N(m_i, s_i^2 I): E x = sum w_i m_i and
    E x x^T = sum w_i (s_i^2 I + m_i m_i^T) (the law of total covariance)."""
    mu = w @ means
    second = sum(
        wi * (si**2 * np.eye(means.shape[1]) + np.outer(m, m)) for wi, si, m in zip(w, stds, means)
    )
    return mu, second - np.outer(mu, mu)


def _check_moments(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> None:
    n = x.shape[0]
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(x.mean(axis=0) - mu) <= Z * se_mean)
    c = x - mu
    products = c[:, :, None] * c[:, None, :]  # unbiased for cov since mu is exact
    se_cov = products.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(products.mean(axis=0) - cov) <= Z * se_cov)


def test_gaussian_mixture_has_the_mixture_moments() -> None:
    means = np.array([[-1.0, 0.5], [2.0, 0.0], [0.0, -3.0]])
    stds = np.array([0.3, 1.0, 0.5])
    weights = np.array([1.0, 2.0, 1.0])
    target = gaussian_mixture(means, stds, weights=weights)
    np.testing.assert_allclose(target.weights, weights / 4)
    mu, cov = _mixture_moments(means, stds, weights / 4)
    _check_moments(target.sample(200_000, seed=0), mu, cov)
    assert target.sigma is None  # the components' deviations differ
    assert target.dim == 2 and target.modes is target.means


def test_ring_modes_lie_on_the_circle_of_the_given_radius() -> None:
    for n, radius in ((8, 2.0), (5, 0.7), (1, 3.0)):
        target = ring(n, radius=radius, sigma=0.1)
        modes = target.modes
        assert modes.shape == (n, 2)
        np.testing.assert_allclose(np.linalg.norm(modes, axis=1), radius, rtol=1e-15)
        angles = np.sort(np.mod(np.arctan2(modes[:, 1], modes[:, 0]), 2 * np.pi))
        np.testing.assert_allclose(angles, 2 * np.pi * np.arange(n) / n, atol=1e-14)
        assert target.sigma == 0.1
    # the equal-weight ring: mean 0 (n >= 2), covariance (r^2 / 2 + s^2) I
    target = ring(8, radius=2.0, sigma=0.02)
    _check_moments(target.sample(100_000, seed=1), np.zeros(2), (2.0 + 0.02**2) * np.eye(2))


def test_grid_modes_are_the_square_lattice() -> None:
    target = grid(25, spacing=2.0, sigma=0.05)
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(m) for m in target.modes.tolist()} == expected
    target = grid(9, spacing=0.5)
    np.testing.assert_allclose(target.modes.mean(axis=0), 0.0, atol=1e-15)
    # the lattice {-0.5, 0, 0.5}^2 with equal weights: covariance (spacing^2 2/3 + s^2) I
    var = 0.25 * 2 / 3 + 0.05**2
    _check_moments(target.sample(100_000, seed=2), np.zeros(2), var * np.eye(2))


def test_diracs_sample_their_atoms_with_their_weights() -> None:
    points = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 1.0]])
    target = diracs(points, weights=[0.5, 0.3, 0.2])
    np.testing.assert_allclose(target.weights.sum(), 1.0, rtol=1e-15)
    n = 100_000
    x = target.sample(n, seed=3)
    hits = (x[:, None, :] == points[None, :, :]).all(axis=2)
    assert np.all(hits.sum(axis=1) == 1)  # every sample is exactly one of the atoms
    freq = hits.mean(axis=0)
    w = np.array([0.5, 0.3, 0.2])
    assert np.all(np.abs(freq - w) <= Z * np.sqrt(w * (1 - w) / n))
    assert target.sigma is None and target.modes is target.points
    assert diracs([[1.0], [2.0]]).weights.tolist() == [0.5, 0.5]
    assert (
        diracs([[1.0], [2.0]], weights=[0.0, 5.0]).sample(10, seed=0).ravel().tolist() == [2.0] * 10
    )


def test_samples_depend_on_the_seed_only() -> None:
    target = ring(8)
    np.testing.assert_array_equal(target.sample(50, seed=4), target.sample(50, seed=4))
    np.testing.assert_array_equal(
        target.sample(50, seed=4), target.sample(50, seed=np.random.default_rng(4))
    )
    assert not np.array_equal(target.sample(50, seed=4), target.sample(50, seed=5))
    assert target.sample(0, seed=0).shape == (0, 2)


def test_sampler_wraps_a_function_and_checks_its_output() -> None:
    target = sampler(lambda rng, n: rng.uniform(-1.0, 1.0, size=(n, 3)), dim=3)
    x = target.sample(60_000, seed=5)
    # the uniform law on [-1, 1]^3: mean 0, covariance I / 3
    _check_moments(x, np.zeros(3), np.eye(3) / 3)
    bad = sampler(lambda rng, n: np.zeros((n, 2)), dim=3)
    with pytest.raises(InputError, match=r"returned shape \(4, 2\), expected \(4, 3\)"):
        bad.sample(4)


def test_bad_targets_are_input_errors() -> None:
    with pytest.raises(InputError, match="n_modes must be a positive integer"):
        ring(0)
    with pytest.raises(InputError, match="radius must be positive"):
        ring(8, radius=-1.0)
    with pytest.raises(InputError, match="perfect square"):
        grid(24)
    with pytest.raises(InputError, match=r"sigma\[1\] = -1.0 is not positive"):
        gaussian_mixture([[0.0], [1.0]], [1.0, -1.0])
    with pytest.raises(InputError, match=r"weights has shape \(3,\), expected \(2,\)"):
        diracs([[0.0], [1.0]], weights=[1.0, 1.0, 1.0])
    with pytest.raises(InputError, match="need a positive total"):
        diracs([[0.0], [1.0]], weights=[0.0, 0.0])
    with pytest.raises(InputError, match="fn must be callable"):
        sampler(3, dim=1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="non-negative integer"):
        ring(8).sample(-1)
