"""WGAN weight clipping makes the sigmoid critic of :mod:`limitdyn.particles` Lipschitz.

The critic ``f(x) = (1/M) sum_j alpha_j sigmoid(beta_j . x + gamma_j)`` has
``grad f(x) = (1/M) sum_j alpha_j sigmoid'(u_j) beta_j`` with ``0 < sigmoid' <= 1/4``, so
``Lip(f) <= (1/(4M)) sum_j |alpha_j| |beta_j|``; on the clipping box
``Q = [-c, c]^(K+2)`` (``|beta_j| <= c sqrt(K)``) this is at most ``c^2 sqrt(K) / 4``, and
the bound is attained by ``alpha_j = c``, ``beta_j = (c, ..., c)``, ``gamma_j = 0`` at
``x = 0``. Arjovsky, Chintala and Bottou (ICML 2017, sec. 3) clip so that the critics
lie in a family of ``K``-Lipschitz functions, for some ``K`` depending on ``c``; this
module gives that constant for this critic.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._engine import Engine, get_engine
from .._validate import as_generator, positive_float, positive_int
from ..errors import InputError
from ..particles._kernel_api import kernels

__all__ = ["clipped_lipschitz_bound", "critic_lipschitz_bound", "empirical_lipschitz"]


def clipped_lipschitz_bound(clip: float, data_dim: int) -> float:
    """``c^2 sqrt(K) / 4``: the largest Lipschitz constant of a sigmoid critic whose
    parameters lie in ``[-c, c]`` (any number of critic particles).

    Examples
    --------
    >>> clipped_lipschitz_bound(0.01, 4)
    5e-05
    """
    c = positive_float(clip, "clip")
    k = positive_int(data_dim, "data_dim")
    return c * c * math.sqrt(k) / 4.0


def _critic(omega: Any) -> np.ndarray:
    w = np.asarray(omega, dtype=float)
    if w.ndim != 2 or w.shape[1] < 3 or w.shape[0] == 0 or not np.all(np.isfinite(w)):
        raise InputError(
            "critic particles must be a finite (M, K + 2) array of (alpha, beta, gamma) rows"
        )
    return w


def critic_lipschitz_bound(omega: Any) -> float:
    """``(1/(4M)) sum_j |alpha_j| |beta_j|``, a Lipschitz bound of the critic with particles
    ``omega`` (``(M, K + 2)``, rows ``(alpha, beta_1..beta_K, gamma)``, as in
    :class:`limitdyn.particles.WGAN`).

    Examples
    --------
    >>> critic_lipschitz_bound([[2.0, 3.0, 4.0, 0.5]])
    2.5
    """
    w = _critic(omega)
    return float(np.mean(np.abs(w[:, 0]) * np.linalg.norm(w[:, 1:-1], axis=1)) / 4.0)


def empirical_lipschitz(
    omega: Any,
    *,
    n: int = 4096,
    scale: float = 3.0,
    seed: Any = None,
    engine: str | Engine = "numpy",
) -> float:
    """A lower estimate of the critic's Lipschitz constant: the largest of the input
    gradient norms at ``n`` random points and of ``|f(x) - f(y)| / |x - y|`` over ``n``
    random pairs (points normal with deviation ``scale``, and the origin), computed with
    the particle engine's own critic kernel (``engine``: "numpy", "numba" or "auto").

    Examples
    --------
    >>> c = 0.01
    >>> omega = np.tile([c, c, c, 0.0], (5, 1))           # the extremal clipped critic
    >>> bool(np.isclose(empirical_lipschitz(omega, seed=0), clipped_lipschitz_bound(c, 2)))
    True
    """
    w = _critic(omega)
    n = positive_int(n, "n")
    s = positive_float(scale, "scale")
    rng = as_generator(seed)
    k = w.shape[1] - 2
    x = np.concatenate([np.zeros((1, k)), s * rng.standard_normal((n, k))])
    y = x + s * rng.standard_normal(x.shape) * rng.random((len(x), 1))
    impl = kernels(get_engine(engine))
    W = np.ascontiguousarray(w.T)
    values, grads = [], []
    for pts in (x, y):
        E = np.empty((k, len(pts)))
        F = np.empty(len(pts))
        impl.critic_input_grad(W, np.ascontiguousarray(pts.T), 0, E, F)
        values.append(F)
        grads.append(np.linalg.norm(E, axis=0))
    dist = np.linalg.norm(x - y, axis=1)
    ok = dist > 0
    quotient = np.abs(values[0] - values[1])[ok] / dist[ok]
    return float(max(grads[0].max(), grads[1].max(), quotient.max(initial=0.0)))
