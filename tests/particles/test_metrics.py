"""Wasserstein distances and the VEEGAN mode metrics, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import (
    mode_coverage,
    ring,
    sliced_wasserstein,
    wasserstein,
    wasserstein_1d,
)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_shifted_cloud_is_at_distance_of_the_shift(p: float) -> None:
    """W_p(mu, mu + v) = |v| for every p (the translation is an optimal map)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    v = np.array([0.3, -1.2, 0.4])
    assert wasserstein(x, x + v, p=p, method="assignment") == pytest.approx(np.linalg.norm(v))
    assert wasserstein(x, x + v, p=p, method="lp") == pytest.approx(np.linalg.norm(v), rel=1e-6)
    assert wasserstein_1d(x[:, 0], x[:, 0] + 0.7, p=p) == pytest.approx(0.7)


def test_two_diracs_and_mass_splitting() -> None:
    # W_p(delta_a, delta_b) = |a - b|
    assert wasserstein([[0.0, 0.0]], [[3.0, 4.0]], p=2) == pytest.approx(5.0)
    # mu = (1 - q) delta_0 + q delta_1, nu = delta_0: W_p^p = q
    q = 0.3
    for p in (1.0, 2.0):
        w = wasserstein_1d([0.0, 1.0], [0.0], p=p, x_weights=[1 - q, q])
        assert w == pytest.approx(q ** (1 / p))
        w = wasserstein([[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0]], p=p, x_weights=[1 - q, q])
        assert w == pytest.approx(q ** (1 / p), rel=1e-7)


def test_sorting_assignment_and_lp_agree() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(60, 1)), rng.exponential(size=(60, 1))
    a = wasserstein(x, y, p=2, method="sorting")
    b = wasserstein(x, y, p=2, method="assignment")
    c = wasserstein(x, y, p=2, method="lp")
    assert a == pytest.approx(b, rel=1e-12)
    assert a == pytest.approx(c, rel=1e-6)
    # unequal sizes in 1-D: the quantile formula against the linear program
    z = rng.normal(size=(17, 1))
    assert wasserstein(x, z, p=1, method="sorting") == pytest.approx(
        wasserstein(x, z, p=1, method="lp"), rel=1e-6
    )


def test_gaussian_quantiles_closed_form() -> None:
    """W_2(N(m1, s1^2), N(m2, s2^2))^2 = (m1 - m2)^2 + (s1 - s2)^2, on quantile grids."""
    from scipy.stats import norm

    u = (np.arange(4000) + 0.5) / 4000
    x = norm.ppf(u, loc=1.0, scale=2.0)
    y = norm.ppf(u, loc=-0.5, scale=0.5)
    w2 = wasserstein_1d(x, y, p=2)
    assert w2**2 == pytest.approx(1.5**2 + 1.5**2, rel=2e-3)


def test_sliced_matches_its_closed_form_within_monte_carlo_error() -> None:
    """SW_2^2(mu, mu + v) = E (theta . v)^2 = |v|^2 / d, variance |v|^4 (3/(d(d+2)) - 1/d^2)."""
    rng = np.random.default_rng(2)
    d, n_proj = 3, 800
    x = rng.normal(size=(200, d))
    v = np.array([1.0, 2.0, -2.0])
    v2 = float(v @ v)
    sw2 = sliced_wasserstein(x, x + v, p=2, n_projections=n_proj, seed=3) ** 2
    se = v2 * np.sqrt((3 / (d * (d + 2)) - 1 / d**2) / n_proj)
    assert abs(sw2 - v2 / d) < 4 * se
    # and SW_p <= W_p
    y = rng.normal(size=(200, d)) * 2
    assert sliced_wasserstein(x, y, seed=0) <= wasserstein(x, y) + 1e-12


def test_auto_method_and_errors() -> None:
    x = np.zeros((3, 2))
    with pytest.raises(InputError, match="valid methods: auto, sorting"):
        wasserstein(x, x, method="sinkhorn")
    with pytest.raises(InputError, match="equal-size"):
        wasserstein(x, np.zeros((4, 2)), method="assignment")
    with pytest.raises(InputError, match=r"x\[1, 0\] is not finite"):
        wasserstein([[0.0, 0.0], [np.nan, 0.0]], x)
    with pytest.raises(InputError, match="dimension 3, expected 2"):
        wasserstein(x, np.zeros((3, 3)))
    with pytest.raises(InputError, match="p must be"):
        wasserstein(x, x, p=0.5)
    with pytest.warns(UserWarning, match="sliced"):
        wasserstein(np.zeros((300, 2)), np.ones((301, 2)), n_projections=4, seed=0)


def test_mode_coverage_on_constructed_samples() -> None:
    tgt = ring(8)
    modes, s = tgt.modes, tgt.sigma
    assert s is not None
    u = np.array([1.0, 0.0])
    # 10 samples at 2.9 sigma of modes 0, 1, 2; 5 at 3.1 sigma of mode 5; 5 far away
    good = np.concatenate([modes[k] + 2.9 * s * u + 0 * np.arange(10)[:, None] for k in (0, 1, 2)])
    near = modes[5] + 3.1 * s * u + 0 * np.arange(5)[:, None]
    far = np.zeros((5, 2))
    cov = mode_coverage(np.concatenate([good, near, far]), modes, s)
    assert cov.modes_captured == 3
    assert cov.high_quality == pytest.approx(30 / 40)
    assert cov.counts.tolist() == [10, 10, 10, 0, 0, 0, 0, 0]
    assert cov.captured.sum() == 3
    # samples from the target itself: all modes, about 98.9% within 3 sigma in 2-D
    full = mode_coverage(tgt.sample(4000, seed=0), modes, s)
    assert full.modes_captured == 8
    assert full.high_quality == pytest.approx(1 - np.exp(-4.5), abs=0.01)
