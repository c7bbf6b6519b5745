"""Small validation and randomness helpers shared by the particle modules."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an int seed, a Generator, or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise InputError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


def child_generators(seed: int | np.random.Generator | None, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed`` (deterministically)."""
    rng = as_generator(seed)
    keys = rng.integers(0, 2**63 - 1, size=n)
    return [np.random.default_rng(int(k)) for k in keys]


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int, or an :class:`InputError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive_float(value: Any, name: str, *, allow_inf: bool = False) -> float:
    """``value`` as a positive float, or an :class:`InputError` naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if not (x > 0) or (np.isinf(x) and not allow_inf) or np.isnan(x):
        raise InputError(f"{name} must be a positive number, got {value!r}")
    return x


def choice(value: Any, name: str, valid: tuple[str, ...]) -> str:
    """``value`` if it is one of ``valid``, else an error listing the valid names."""
    if value not in valid:
        raise InputError(f"unknown {name} {value!r}; valid {name}s: {', '.join(valid)}")
    return str(value)


def cloud(x: Any, name: str, *, dim: int | None = None) -> np.ndarray:
    """A finite ``(n, d)`` float array (1-D input is read as ``(n, 1)``)."""
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


def probability_weights(weights: Any, n: int, name: str) -> np.ndarray:
    """``weights`` normalised to sum 1 (uniform for None).

    Raises an :class:`InputError` naming ``name`` unless they have shape ``(n,)``, are
    finite and non-negative, and have a positive total.
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
    return w / total
