"""Wasserstein distances and the VEEGAN mode metrics, against closed forms."""

from __future__ import annotations

import itertools
import pickle
import time
import warnings

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

import limitdyn.particles._metrics as metrics_module
from limitdyn.errors import InputError, OptionalDependencyError
from limitdyn.particles import (
    WassersteinDistance,
    diracs,
    gaussian_mixture,
    grid,
    mode_coverage,
    ring,
    sampler,
    sliced_wasserstein,
    wasserstein,
    wasserstein_1d,
)


def _brute_force_pp(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """W_p^p of equal-size uniform clouds: the minimum over all permutations (Birkhoff)."""
    cost = cdist(x, y) ** p
    n = x.shape[0]
    return min(cost[np.arange(n), list(perm)].mean() for perm in itertools.permutations(range(n)))


def _no_pot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_module, "_pot", lambda: None)


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


def test_argument_errors_name_what_is_wrong() -> None:
    x = np.zeros((3, 2))
    with pytest.raises(InputError, match="valid methods: auto, sorting"):
        wasserstein(x, x, method="sinkhorn")
    with pytest.raises(InputError, match="equal-size"):
        wasserstein(x, np.zeros((4, 2)), method="assignment")
    with pytest.raises(InputError, match=r"x\[1, 0\] is not finite"):
        wasserstein([[0.0, 0.0], [np.nan, 0.0]], x)
    with pytest.raises(InputError, match="dimension 3, expected 2"):
        wasserstein(x, np.zeros((3, 3)))
    with pytest.raises(InputError, match="sorting' is exact only in 1-D"):
        wasserstein(x, x, method="sorting")
    for bad_p in (0.5, 1e6, float("nan"), float("inf"), "two"):
        with pytest.raises(InputError, match=r"p must be a number in \[1, 20\]"):
            wasserstein(x, x, p=bad_p)
        with pytest.raises(InputError, match=r"p must be a number in \[1, 20\]"):
            wasserstein_1d([0.0], [1.0], p=bad_p)
        with pytest.raises(InputError, match=r"p must be a number in \[1, 20\]"):
            sliced_wasserstein(x, x, p=bad_p)
    with pytest.raises(InputError, match=r"x_weights sum to 2\.0, expected 1"):
        wasserstein(x, x, x_weights=[1.0, 0.5, 0.5])
    with pytest.raises(InputError, match=r"y_weights\[1\] = -0.5 is not a finite non-negative"):
        wasserstein(x, x, y_weights=[1.0, -0.5, 0.5])
    with pytest.raises(InputError, match=r"x_weights\[0\] = nan"):
        sliced_wasserstein(x, x, x_weights=[np.nan, 0.5, 0.5])
    with pytest.raises(InputError, match=r"y_weights has shape \(2,\), expected \(3,\)"):
        wasserstein_1d([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], y_weights=[0.5, 0.5])
    with pytest.raises(InputError, match="non-empty"):
        wasserstein(np.zeros((0, 2)), x)


def test_wasserstein_1d_refuses_clouds_in_higher_dimension() -> None:
    """Before: (n, 2) input was flattened and two different clouds were at distance 0."""
    x = [[0.0, 0.0], [1.0, 1.0]]
    y = [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(InputError, match=r"x has shape \(2, 2\): wasserstein_1d takes points"):
        wasserstein_1d(x, y)
    # (n, 1) columns are points on the line
    assert wasserstein_1d([[0.0], [1.0]], [[2.0], [3.0]], p=1) == pytest.approx(2.0)
    # the same two clouds in 2-D are at W_1 = 1 (brute force over the two permutations)
    assert wasserstein(x, y, p=1) == pytest.approx(_brute_force_pp(np.array(x), np.array(y), 1))


def test_w1_on_the_line_is_the_area_between_the_cdfs() -> None:
    """W_1 = int |F(t) - G(t)| dt, exact for step CDFs (summed over the merged atoms)."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=13), rng.exponential(size=7) - 0.5
    wx = rng.random(13)
    wx /= wx.sum()
    atoms = np.sort(np.concatenate([x, y]))
    F = np.array([wx[x <= t].sum() for t in atoms[:-1]])
    G = np.array([(y <= t).mean() for t in atoms[:-1]])
    expected = float(np.sum(np.abs(F - G) * np.diff(atoms)))
    assert wasserstein_1d(x, y, p=1, x_weights=wx) == pytest.approx(expected, rel=1e-12)
    assert wasserstein(x, y, p=1, x_weights=wx) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.5])
def test_exact_distance_matches_brute_force_over_permutations(p: float) -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(7, 2)), rng.normal(size=(7, 2)) * 1.5 + 0.3
    expected = _brute_force_pp(x, y, p) ** (1 / p)
    for method in ("auto", "lp", "assignment"):
        d = wasserstein(x, y, p=p, method=method)
        assert d == pytest.approx(expected, rel=1e-10), method
        assert d.exact
    # unequal sizes: y repeated twice is the same measure, so the 8 x 4 distance is the
    # 8 x 8 permutation minimum
    x8, y4 = rng.normal(size=(8, 2)), rng.normal(size=(4, 2))
    expected = _brute_force_pp(x8, np.repeat(y4, 2, axis=0), p) ** (1 / p)
    assert wasserstein(x8, y4, p=p) == pytest.approx(expected, rel=1e-10)


def test_auto_is_exact_for_unequal_clouds() -> None:
    """Before: 300 x 200 clouds got the sliced lower bound (0.139 vs the exact 0.334)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(200, 2)) * 1.3
    # independent: the uniform measures as 600-atom clouds (x twice, y three times),
    # solved by an optimal permutation
    cost = cdist(np.repeat(x, 2, axis=0), np.repeat(y, 3, axis=0), "sqeuclidean")
    rows, cols = linear_sum_assignment(cost)
    expected = float(np.sqrt(cost[rows, cols].mean()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = wasserstein(x, y)
    assert d == pytest.approx(expected, rel=1e-9)
    assert (d.method, d.exact, d.p) == ("lp", True, 2.0)
    assert sliced_wasserstein(x, y, seed=0) < d


def test_affine_optimal_map_gives_the_closed_form() -> None:
    """y = A x + b with A symmetric positive definite is the gradient of a convex function,
    hence optimal (Brenier), also between the empirical measures: W_2^2 = mean |x - y|^2."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(150, 3))
    B = rng.normal(size=(3, 3))
    A = B @ B.T + 0.5 * np.eye(3)
    y = x @ A + np.array([1.0, -2.0, 0.5])
    expected = float(np.sqrt(np.mean(np.sum((x - y) ** 2, axis=1))))
    assert wasserstein(x, y) == pytest.approx(expected, rel=1e-10)
    # shuffling the atoms of y does not change the measure
    assert wasserstein(x, y[rng.permutation(150)]) == pytest.approx(expected, rel=1e-10)


def test_huge_and_tiny_coordinates_do_not_overflow() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20, 2))
    v = np.array([3.0, 4.0])
    for scale in (1e200, 1e-200):
        assert wasserstein(scale * x, scale * (x + v)) == pytest.approx(5 * scale, rel=1e-9)
        assert wasserstein(scale * x, scale * (x + v), p=20) == pytest.approx(5 * scale, rel=1e-9)
        got = wasserstein_1d(scale * x[:, 0], scale * (x[:, 0] + 3.0), p=3)
        assert got == pytest.approx(3 * scale, rel=1e-9)


def test_without_pot_exact_by_assignment_or_a_small_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_pot(monkeypatch)
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    d = wasserstein(x, y)
    assert d.method == "assignment" and d == pytest.approx(_brute_force_pp(x, y, 2) ** 0.5)
    x8, y4 = rng.normal(size=(8, 2)), rng.normal(size=(4, 2))
    d = wasserstein(x8, y4, p=1)
    assert d.method == "lp"
    expected = _brute_force_pp(x8, np.repeat(y4, 2, axis=0), 1)
    assert d == pytest.approx(expected, rel=1e-7)
    with pytest.raises(
        OptionalDependencyError, match=r"needs POT \(`pip install limitdyn\[ot\]`\)"
    ):
        wasserstein(rng.normal(size=(300, 2)), rng.normal(size=(200, 2)))


def test_beyond_the_exact_limit_auto_says_it_is_sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_module, "MAX_EXACT", 100)
    x = np.zeros((11, 2))
    shift = np.array([3.0, 4.0])
    with pytest.warns(UserWarning, match="beyond the exact limit n m <= 100"):
        d = wasserstein(x, x + shift, n_projections=50, seed=0)
    assert (d.method, d.exact) == ("sliced", False)
    assert d == pytest.approx(sliced_wasserstein(x, x + shift, n_projections=50, seed=0))
    assert wasserstein(x, x + shift, method="sliced", seed=0).exact is False


def test_the_result_is_a_float_with_its_method() -> None:
    d = wasserstein([[0.0, 0.0]], [[3.0, 4.0]])
    assert isinstance(d, float) and isinstance(d, WassersteinDistance)
    assert type(d + 1.0) is float and d + 1.0 == 6.0 and 2 * d == 10.0
    assert repr(d) == "WassersteinDistance(5.0, method='lp', exact=True, p=2.0)"
    assert str(d) == "5.0" and f"{d:.1f}" == "5.0"
    back = pickle.loads(pickle.dumps(d))
    assert back == 5.0 and back.method == "lp" and back.exact


def test_sliced_is_the_mean_over_its_directions() -> None:
    """SW_p^p = mean_k W_p^p(theta_k # mu, theta_k # nu), the directions being normalised
    standard normals drawn from the seed (uniform and non-uniform weights alike)."""
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(20, 3)) + 1.0
    wy = rng.random(20)
    wy /= wy.sum()
    v = np.random.default_rng(11).standard_normal((25, 3))
    dirs = v / np.linalg.norm(v, axis=1, keepdims=True)
    for weights in (None, wy):
        per = [wasserstein_1d(x @ t, y @ t, p=3, y_weights=weights) ** 3 for t in dirs]
        got = sliced_wasserstein(x, y, p=3, n_projections=25, seed=11, y_weights=weights)
        assert got == pytest.approx(np.mean(per) ** (1 / 3), rel=1e-10)
    # seed: an int or a Generator, the same directions
    a = sliced_wasserstein(x, y, seed=np.random.default_rng(11), n_projections=25)
    assert a == sliced_wasserstein(x, y, seed=11, n_projections=25)


def test_sliced_refuses_unbounded_work_up_front() -> None:
    """Before: n_projections=10**8 ran (and allocated) for ever."""
    x = np.zeros((100, 2))
    start = time.perf_counter()
    with pytest.raises(
        InputError, match="n_projections=100000000 is more than the limit of 100000"
    ):
        sliced_wasserstein(x, x, n_projections=10**8)
    big = np.zeros((20_001, 2))
    with pytest.raises(InputError, match=r"sorts 4e\+09 projected points, .* \(about \d+ s\)"):
        sliced_wasserstein(big, big, n_projections=100_000)
    with pytest.raises(InputError, match="more than the limit of 100000"):
        wasserstein(x, x, method="sliced", n_projections=10**8)
    assert time.perf_counter() - start < 1.0


def test_mode_coverage_on_constructed_samples() -> None:
    tgt = ring(8)
    modes, s = tgt.modes, tgt.sigma
    assert s is not None
    u = np.array([1.0, 0.0])
    # 10 samples at 2.9 sigma of modes 0, 1, 2; 5 at 3.1 sigma of mode 5; 5 far away
    good = np.concatenate([modes[k] + 2.9 * s * u + 0 * np.arange(10)[:, None] for k in (0, 1, 2)])
    near = modes[5] + 3.1 * s * u + 0 * np.arange(5)[:, None]
    far = np.zeros((5, 2))
    cov = mode_coverage(np.concatenate([good, near, far]), modes, sigma=s)
    assert cov.modes_captured == 3
    assert cov.high_quality == pytest.approx(30 / 40)
    assert cov.counts.tolist() == [10, 10, 10, 0, 0, 0, 0, 0]
    assert cov.captured.sum() == 3
    # samples from the target itself: all modes, about 98.9% within 3 sigma in 2-D
    full = mode_coverage(tgt.sample(4000, seed=0), modes, sigma=s)
    assert full.modes_captured == 8
    assert full.high_quality == pytest.approx(1 - np.exp(-4.5), abs=0.01)


def test_mode_coverage_validates_and_reads_targets() -> None:
    """Before: threshold=-1 acted like +1 (the radius was squared)."""
    samples = [[0.0, 0.0], [2.0, 2.0]]
    for bad in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="threshold"):
            mode_coverage(samples, [[0.0, 0.0]], sigma=0.1, threshold=bad)
    with pytest.raises(InputError, match="sigma"):
        mode_coverage(samples, [[0.0, 0.0]], sigma=-0.1)
    with pytest.raises(InputError, match="needs sigma"):
        mode_coverage(samples, [[0.0, 0.0]])
    with pytest.raises(InputError, match="samples has dimension 2, expected 3"):
        mode_coverage(samples, [[0.0, 0.0, 0.0]], sigma=0.1)
    with pytest.raises(InputError, match=r"samples\[1, 0\] is not finite"):
        mode_coverage([[0.0, 0.0], [np.inf, 0.0]], [[0.0, 0.0]], sigma=0.1)
    # a target gives its modes and sigma
    for tgt in (ring(8), grid(25)):
        x = tgt.sample(500, seed=1)
        assert tgt.sigma is not None and tgt.modes is not None
        expected = mode_coverage(x, tgt.modes, sigma=tgt.sigma)
        got = mode_coverage(x, tgt)
        assert got.counts.tolist() == expected.counts.tolist()
        assert got.high_quality == expected.high_quality
    # an explicit sigma overrides the target's: 10 sigma captures the samples at 5 sigma
    tgt = ring(4, sigma=0.02)
    far = tgt.modes + np.array([0.1, 0.0])
    assert mode_coverage(far, tgt).modes_captured == 0
    assert mode_coverage(far, tgt, sigma=0.2).modes_captured == 4
    with pytest.raises(InputError, match="no common sigma"):
        mode_coverage(samples, gaussian_mixture([[0.0, 0.0], [1.0, 1.0]], sigma=[0.1, 0.2]))
    with pytest.raises(InputError, match="has no modes"):
        mode_coverage(samples, sampler(lambda rng, n: rng.normal(size=(n, 2)), dim=2))
    # diracs have modes but no sigma: pass one
    assert mode_coverage(samples, diracs(samples), sigma=0.1).modes_captured == 2
