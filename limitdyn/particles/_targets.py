"""Target distributions ``P_*``: weighted Diracs, Gaussian mixtures, the ring and grid
benchmarks of VEEGAN (Srivastava et al., 2017), and any user sampler."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import as_generator, non_negative_int, positive_int
from ..errors import InputError
from ._util import probability_weights

__all__ = [
    "CustomTarget",
    "GaussianMixture",
    "Target",
    "WeightedDiracs",
    "diracs",
    "gaussian_mixture",
    "grid",
    "ring",
    "sampler",
]


class Target(abc.ABC):
    """A distribution on ``R^K`` that the generator is trained to reproduce.

    Attributes
    ----------
    dim : int
        The data dimension ``K``.
    modes : numpy.ndarray or None
        ``(n_modes, K)`` centres of the mixture components, when there are any.
    sigma : float or None
        Common standard deviation of the components (for :func:`mode_coverage`).
    """

    dim: int
    modes: np.ndarray | None
    sigma: float | None

    @abc.abstractmethod
    def _sample(self, rng: np.random.Generator, n: int) -> np.ndarray: ...

    def sample(self, n: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """``n`` i.i.d. samples, shape ``(n, K)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ring
        >>> x = ring(8).sample(1000, seed=0)
        >>> # 8 Gaussians on the circle of radius 2
        >>> x.shape, bool(np.allclose(np.hypot(*x.T), 2.0, atol=0.1))
        ((1000, 2), True)
        >>> bool(np.array_equal(x, ring(8).sample(1000, seed=0)))  # seeded
        True
        """
        n = non_negative_int(n, "number of samples")
        out = np.asarray(self._sample(as_generator(seed), int(n)), dtype=np.float64)
        if out.shape != (n, self.dim):
            raise InputError(
                f"the target's sampler returned shape {out.shape}, expected {(n, self.dim)}"
            )
        return out


def _points(points: Any, what: str) -> np.ndarray:
    x = np.asarray(points, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise InputError(f"{what}: expected an (n, K) array of points, got shape {x.shape}")
    bad = np.argwhere(~np.isfinite(x))
    if bad.size:
        raise InputError(f"{what}: point {tuple(bad[0])} is not finite")
    return x


def _distinct(x: np.ndarray, what: str) -> None:
    _, first, counts = np.unique(x, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = first[np.argmax(counts > 1)]
        raise InputError(f"{what}: mode {dup} ({x[dup].tolist()}) appears more than once")


@dataclass(frozen=True, eq=False)
class WeightedDiracs(Target):
    """``sum_i w_i delta_{x_i}``; build with :func:`diracs`."""

    points: np.ndarray
    weights: np.ndarray
    sigma: float | None = field(default=None, init=False)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return int(self.points.shape[1])

    @property
    def modes(self) -> np.ndarray:  # type: ignore[override]
        return self.points

    def _sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = rng.choice(self.points.shape[0], size=n, p=self.weights)
        return self.points[idx]

    def __repr__(self) -> str:
        return f"WeightedDiracs(n={self.points.shape[0]}, dim={self.dim})"


@dataclass(frozen=True, eq=False)
class GaussianMixture(Target):
    """``sum_i w_i N(m_i, s_i^2 I)``; build with :func:`gaussian_mixture`, :func:`ring`,
    :func:`grid`."""

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    @property
    def dim(self) -> int:  # type: ignore[override]
        return int(self.means.shape[1])

    @property
    def modes(self) -> np.ndarray:  # type: ignore[override]
        return self.means

    @property
    def sigma(self) -> float | None:  # type: ignore[override]
        return float(self.stds[0]) if np.all(self.stds == self.stds[0]) else None

    def _sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = rng.choice(self.means.shape[0], size=n, p=self.weights)
        noise = rng.standard_normal((n, self.dim))
        return self.means[idx] + self.stds[idx, None] * noise

    def __repr__(self) -> str:
        return (
            f"GaussianMixture(n_modes={self.means.shape[0]}, dim={self.dim}, "
            f"sigma={self.sigma if self.sigma is not None else 'varies'})"
        )


@dataclass(frozen=True, eq=False)
class CustomTarget(Target):
    """A user sampler ``fn(rng, n) -> (n, dim)``; build with :func:`sampler`."""

    fn: Callable[[np.random.Generator, int], np.ndarray]
    dim: int
    modes: np.ndarray | None = None
    sigma: float | None = None

    def _sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.fn(rng, n)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"CustomTarget({name}, dim={self.dim})"


def diracs(points: Any, *, weights: Any = None) -> WeightedDiracs:
    """Weighted Diracs ``sum_i w_i delta_{x_i}`` (weights normalised to sum 1).

    Parameters
    ----------
    points : array_like, shape (n, K) or (n,)
        Distinct atoms.
    weights : array_like, shape (n,), optional
        Non-negative finite weights; uniform by default.

    Examples
    --------
    >>> t = diracs([-1.0, 1.0])
    >>> t.dim, t.weights.tolist()
    (1, [0.5, 0.5])
    >>> diracs([[0.0], [1.0]], weights=[1.0, float("nan")])
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: diracs: weights[1] = nan is not a finite non-negative number
    """
    x = _points(points, "diracs")
    _distinct(x, "diracs")
    w = probability_weights(weights, x.shape[0], "diracs: weights")
    return WeightedDiracs(points=x, weights=w)


def gaussian_mixture(means: Any, sigma: Any, *, weights: Any = None) -> GaussianMixture:
    """Gaussian mixture ``sum_i w_i N(m_i, sigma_i^2 I)``.

    Parameters
    ----------
    means : array_like, shape (n, K)
        Distinct component means.
    sigma : float or array_like of shape (n,)
        Positive standard deviations.
    weights : array_like, shape (n,), optional
        Non-negative finite weights; uniform by default.

    Examples
    --------
    >>> t = gaussian_mixture([[-1.0], [1.0]], sigma=1.0)
    >>> t.sample(3, seed=0).shape
    (3, 1)
    """
    m = _points(means, "gaussian_mixture")
    _distinct(m, "gaussian_mixture")
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (m.shape[0],)).copy()
    bad = np.flatnonzero(~np.isfinite(s) | (s <= 0))
    if bad.size:
        raise InputError(
            f"gaussian_mixture: sigma[{bad[0]}] = {float(s[bad[0]])!r} is not positive"
        )
    w = probability_weights(weights, m.shape[0], "gaussian_mixture: weights")
    return GaussianMixture(means=m, stds=s, weights=w)


def ring(n_modes: int = 8, *, radius: float = 2.0, sigma: float = 0.02) -> GaussianMixture:
    """``n_modes`` equal Gaussians on a circle (VEEGAN's ring: 8 modes, radius 2, sigma 0.02).

    Examples
    --------
    >>> t = ring(8)
    >>> t.modes.shape, round(float(abs(t.modes).max()), 6), t.sigma
    ((8, 2), 2.0, 0.02)
    """
    positive_int(n_modes, "ring: n_modes")
    if not radius > 0:
        raise InputError(f"ring: radius must be positive, got {radius!r}")
    angle = 2 * np.pi * np.arange(n_modes) / n_modes
    means = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return gaussian_mixture(means, sigma)


def grid(n_modes: int = 25, *, spacing: float = 2.0, sigma: float = 0.05) -> GaussianMixture:
    """A square grid of equal Gaussians centred at 0 (VEEGAN's grid: ``{-4,-2,0,2,4}^2``,
    sigma 0.05).

    Examples
    --------
    >>> t = grid(25)
    >>> sorted(set(t.modes[:, 0].tolist())), t.sigma
    ([-4.0, -2.0, 0.0, 2.0, 4.0], 0.05)
    """
    side = round(float(np.sqrt(n_modes))) if isinstance(n_modes, (int, np.integer)) else 0
    if side < 1 or side * side != n_modes:
        raise InputError(f"grid: n_modes must be a perfect square, got {n_modes!r}")
    if not spacing > 0:
        raise InputError(f"grid: spacing must be positive, got {spacing!r}")
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    return gaussian_mixture(np.stack([gx.ravel(), gy.ravel()], axis=1), sigma)


def sampler(
    fn: Callable[[np.random.Generator, int], np.ndarray],
    *,
    dim: int,
    modes: Any = None,
    sigma: float | None = None,
) -> CustomTarget:
    """Wrap a user sampler ``fn(rng, n) -> array (n, dim)`` as a target.

    Examples
    --------
    >>> t = sampler(lambda rng, n: rng.uniform(-1, 1, size=(n, 2)), dim=2)
    >>> t.sample(4, seed=1).shape
    (4, 2)
    """
    if not callable(fn):
        raise InputError(f"sampler: fn must be callable, got {type(fn).__name__}")
    positive_int(dim, "sampler: dim")
    m = None if modes is None else _points(modes, "sampler")
    return CustomTarget(fn=fn, dim=int(dim), modes=m, sigma=sigma)
