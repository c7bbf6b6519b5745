"""Particle-specific helpers: point clouds, probability weights, child generators, and the
network parameter arrays with their kernel layouts."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_generator
from ..errors import InputError


def child_generators(seed: int | np.random.Generator | None, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed`` (deterministically).

    Examples
    --------
    >>> a, b = child_generators(0, 2)
    >>> float(a.random()) == float(child_generators(0, 2)[0].random())
    True
    """
    rng = as_generator(seed)
    keys = rng.integers(0, 2**63 - 1, size=n)
    return [np.random.default_rng(int(k)) for k in keys]


def cloud(x: Any, name: str, *, dim: int | None = None) -> np.ndarray:
    """A finite ``(n, d)`` float array (1-D input is read as ``(n, 1)``).

    Examples
    --------
    >>> cloud([1.0, 2.0], "x").shape
    (2, 1)
    >>> cloud([[0.0, float("nan")]], "x")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: x[0, 1] is not finite
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0:
        raise InputError(f"{name} must be a non-empty (n, d) array, got shape {a.shape}")
    if dim is not None and a.shape[1] != dim:
        raise InputError(f"{name} has dimension {a.shape[1]}, expected {dim}")
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        raise InputError(f"{name}[{bad[0][0]}, {bad[0][1]}] is not finite")
    return a


def probability_weights(weights: Any, n: int, name: str, *, normalise: bool = True) -> np.ndarray:
    """``weights`` normalised to sum 1 (uniform for None).

    Raises an :class:`InputError` naming ``name`` unless they have shape ``(n,)``, are
    finite and non-negative, and have a positive total — or, with ``normalise=False``
    (probability vectors), a total of 1 up to ``1e-9``.

    Examples
    --------
    >>> probability_weights([1.0, 3.0], 2, "w").tolist()
    [0.25, 0.75]
    >>> probability_weights([1.0, 3.0], 2, "w", normalise=False)
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: w sum to 4.0, expected 1 (pass w / w.sum())
    """
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise InputError(f"{name} has shape {w.shape}, expected ({n},)")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise InputError(
            f"{name}[{bad[0]}] = {float(w[bad[0]])!r} is not a finite non-negative number"
        )
    total = w.sum()
    if total <= 0:
        raise InputError(f"{name} sum to {total}, need a positive total")
    if not normalise and abs(total - 1.0) > 1e-9:
        raise InputError(f"{name} sum to {float(total)!r}, expected 1 (pass w / w.sum())")
    return w / total


def network_params(x: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` as a finite float64 array of exactly ``shape``, or an error naming ``name``.

    Examples
    --------
    >>> network_params([[1.0, 2.0]], "omega", (1, 2)).shape
    (1, 2)
    >>> network_params([[1.0, 2.0]], "omega", (2, 2))
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: omega has shape (1, 2), expected (2, 2)
    """
    a = np.asarray(x, dtype=np.float64)
    if a.shape != shape:
        raise InputError(f"{name} has shape {a.shape}, expected {shape}")
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        raise InputError(f"{name}[{', '.join(str(int(i)) for i in bad[0])}] is not finite")
    return a


def generator_layout(theta: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Generator particles ``(N, K, L + 2)`` in the kernels' layout ``P (K, L + 2, N)``."""
    return np.ascontiguousarray(np.transpose(theta, (1, 2, 0)), dtype=dtype)


def generator_particles(P: np.ndarray) -> np.ndarray:
    """The kernels' ``P (K, L + 2, N)`` back as float64 particles ``(N, K, L + 2)``."""
    return np.transpose(P, (2, 0, 1)).astype(np.float64)


def critic_layout(omega: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Critic particles ``(M, K + 2)`` in the kernels' layout ``W (K + 2, M)``."""
    return np.ascontiguousarray(omega.T, dtype=dtype)


def feature_major(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Points ``(n, d)`` as the kernels' feature-major ``(d, n)`` array."""
    return np.ascontiguousarray(x.T, dtype)
