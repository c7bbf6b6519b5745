"""Divergences between discrete measures, whose supports may differ, and the optimal
discriminator.

A measure is an array of points with uniform weights, or a ``(points, weights)`` pair;
points are ``(n,)`` (on the line) or ``(n, d)``. Atoms at equal points are merged; two
measures share an atom only where their points are exactly equal. Logarithms are
natural. Wasserstein distances are exact optimal transport
(:func:`limitdyn.particles.wasserstein`, POT's network simplex or sorting in 1-D).

References
----------
M. Arjovsky, S. Chintala, L. Bottou, "Wasserstein GAN", ICML 2017, Example 1 (parallel
lines); I. Goodfellow et al., "Generative adversarial nets", NeurIPS 2014, Prop. 1 and
Thm. 1 (the optimal discriminator and ``V(D*, G) = 2 JS - log 4``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._display import dataframe, html_table
from ..errors import InputError
from ..particles._metrics import wasserstein

__all__ = [
    "Divergences",
    "OptimalDiscriminator",
    "divergences",
    "optimal_discriminator",
    "parallel_lines",
]


def _measure(value: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(points (n, d), weights (n,))`` with duplicates merged, weights summing to 1."""
    if isinstance(value, tuple) and len(value) == 2:
        points, weights = value
    else:
        points, weights = value, None
    try:
        pts = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: points must be numbers, got {points!r}") from exc
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[0] == 0 or not np.all(np.isfinite(pts)):
        raise InputError(f"{name}: points must be a non-empty finite (n,) or (n, d) array")
    n = pts.shape[0]
    if weights is None:
        w = np.full(n, 1.0 / n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise InputError(f"{name}: weights must be {n} non-negative numbers")
        if not math.isclose(float(w.sum()), 1.0, rel_tol=0, abs_tol=1e-9):
            raise InputError(f"{name}: weights sum to {w.sum()}, not 1")
        w = w / w.sum()
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=w, minlength=len(uniq))
    keep = merged > 0
    return uniq[keep], merged[keep]


def _common(
    p: tuple[np.ndarray, np.ndarray], q: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The union of the supports and both measures' weights on it."""
    if p[0].shape[1] != q[0].shape[1]:
        raise InputError(f"the measures live in dimensions {p[0].shape[1]} and {q[0].shape[1]}")
    support, inverse = np.unique(np.vstack([p[0], q[0]]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    wp = np.bincount(inverse[: len(p[1])], weights=p[1], minlength=len(support))
    wq = np.bincount(inverse[len(p[1]) :], weights=q[1], minlength=len(support))
    return support, wp, wq


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    """``sum a log(a/b)`` with ``0 log 0 = 0``; ``inf`` where ``a > 0 = b``."""
    mass = a > 0
    if np.any(b[mass] == 0):
        return math.inf
    return float(np.sum(a[mass] * np.log(a[mass] / b[mass])))


@dataclass(frozen=True)
class Divergences:
    """Divergences between two discrete measures ``p`` and ``q``.

    Attributes
    ----------
    kl, reverse_kl : float
        ``KL(p || q)`` and ``KL(q || p)`` (``inf`` when the first is not absolutely
        continuous with respect to the second).
    js : float
        Jensen-Shannon, ``KL(p || m)/2 + KL(q || m)/2`` with ``m = (p + q)/2``
        (at most ``log 2``, reached on disjoint supports).
    tv : float
        Total variation ``sum |p - q| / 2``.
    w1, w2 : float
        Exact Wasserstein distances of order 1 and 2 (Euclidean ground cost).
    """

    kl: float
    reverse_kl: float
    js: float
    tv: float
    w1: float
    w2: float

    def as_dict(self) -> dict[str, float]:
        """``{name: value}`` in the order kl, reverse_kl, js, tv, w1, w2.

        Examples
        --------
        >>> import math
        >>> from limitdyn.gans import divergences, parallel_lines
        >>> d = divergences(*parallel_lines(0.5, n=8)).as_dict()  # Arjovsky et al. 2017, Example 1
        >>> sorted(d)
        ['js', 'kl', 'reverse_kl', 'tv', 'w1', 'w2']
        >>> d["kl"], d["tv"], round(d["js"], 12) == round(math.log(2), 12), round(d["w1"], 12)
        (inf, 1.0, True, 0.5)
        """
        return {k: getattr(self, k) for k in ("kl", "reverse_kl", "js", "tv", "w1", "w2")}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v:.6g}" for k, v in self.as_dict().items())
        return f"Divergences({body})"

    def _repr_html_(self) -> str:
        d = self.as_dict()
        return html_table("divergences", {"divergence": list(d), "value": list(d.values())})

    def to_dataframe(self) -> Any:
        """One row per divergence (columns ``divergence``, ``value``).

        Examples
        --------
        >>> from limitdyn.gans import divergences
        >>> df = divergences([0.0], [1.0]).to_dataframe()  # disjoint supports, 1 apart
        >>> df.index.name, df["value"].round(6).to_dict()
        ('divergence', {'kl': inf, 'reverse_kl': inf, 'js': 0.693147, 'tv': 1.0, 'w1': 1.0,
        'w2': 1.0})
        """
        d = self.as_dict()
        return dataframe({"divergence": list(d), "value": list(d.values())}, index="divergence")


def divergences(p: Any, q: Any) -> Divergences:
    """KL both ways, JS, TV and exact ``W1``, ``W2`` between two discrete measures.

    Parameters
    ----------
    p, q : array_like or (points, weights)
        Points ``(n,)`` or ``(n, d)`` with uniform weights, or a pair with weights.

    Returns
    -------
    Divergences

    Raises
    ------
    InputError
        For ill-formed points or weights, or measures of different dimensions.

    Examples
    --------
    Two Diracs one apart: KL infinite, JS ``log 2``, TV 1, ``W1 = W2 = 1``:

    >>> d = divergences([0.0], [1.0])
    >>> d.kl, round(d.js, 12) == round(math.log(2), 12), d.tv, d.w1, d.w2
    (inf, True, 1.0, 1.0, 1.0)
    """
    mp, mq = _measure(p, "p"), _measure(q, "q")
    _, wp, wq = _common(mp, mq)
    m = (wp + wq) / 2
    js = max(0.0, 0.5 * _kl(wp, m) + 0.5 * _kl(wq, m))
    tv = 0.5 * float(np.abs(wp - wq).sum())
    w = []
    for order in (1, 2):
        dist = wasserstein(mp[0], mq[0], p=order, x_weights=mp[1], y_weights=mq[1])
        if not dist.exact:  # pragma: no cover - beyond the exact size limit
            raise InputError("the measures are too large for exact optimal transport")
        w.append(float(dist))
    return Divergences(_kl(wp, wq), _kl(wq, wp), js, tv, w[0], w[1])


@dataclass(frozen=True)
class OptimalDiscriminator:
    """``D*(x) = p_data(x) / (p_data(x) + p_model(x))`` on the union of the supports.

    Attributes
    ----------
    points : ndarray, shape (k, d)
        The union of the supports.
    values : ndarray, shape (k,)
        ``D*`` there.
    p_data, p_model : ndarray, shape (k,)
        The two measures' weights on ``points``.
    """

    points: np.ndarray
    values: np.ndarray
    p_data: np.ndarray
    p_model: np.ndarray

    @property
    def value(self) -> float:
        """``V(D*, G) = E_data log D* + E_model log(1 - D*)`` (``0 log 0 = 0``)."""
        d, g = self.p_data > 0, self.p_model > 0
        return float(
            np.sum(self.p_data[d] * np.log(self.values[d]))
            + np.sum(self.p_model[g] * np.log(1.0 - self.values[g]))
        )

    def __repr__(self) -> str:
        return f"OptimalDiscriminator({len(self.values)} points, V(D*, G)={self.value:.6g})"

    def to_dataframe(self) -> Any:
        """One row per support point: coordinates, both weights and ``D*``.

        Examples
        --------
        >>> from limitdyn.gans import optimal_discriminator
        >>> optimal_discriminator([0.0, 1.0], [1.0, 2.0]).to_dataframe()  # D* = p_d / (p_d + p_g)
            x0  p_data  p_model   D*
        0  0.0     0.5      0.0  1.0
        1  1.0     0.5      0.5  0.5
        2  2.0     0.0      0.5  0.0
        """
        cols: dict[str, Any] = {f"x{k}": self.points[:, k] for k in range(self.points.shape[1])}
        cols.update({"p_data": self.p_data, "p_model": self.p_model, "D*": self.values})
        return dataframe(cols)


def optimal_discriminator(p_data: Any, p_model: Any) -> OptimalDiscriminator:
    """The discriminator that maximises the minimax value for a fixed generator.

    Examples
    --------
    >>> d = optimal_discriminator([0.0, 1.0], [1.0, 2.0])
    >>> d.values.tolist()
    [1.0, 0.5, 0.0]
    """
    support, wd, wg = _common(_measure(p_data, "p_data"), _measure(p_model, "p_model"))
    return OptimalDiscriminator(support, wd / (wd + wg), wd, wg)


def parallel_lines(theta: float, *, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Arjovsky et al.'s Example 1: ``P_0`` on ``{0} x [0, 1]`` and ``P_theta`` on
    ``{theta} x [0, 1]``, each as ``n`` equally weighted points ``(., (k + 1/2)/n)``.

    Examples
    --------
    >>> p0, p1 = parallel_lines(0.5, n=4)
    >>> p1.tolist()
    [[0.5, 0.125], [0.5, 0.375], [0.5, 0.625], [0.5, 0.875]]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"n must be a positive int, got {n!r}")
    t = float(theta)
    if not math.isfinite(t):
        raise InputError(f"theta must be finite, got {theta!r}")
    y = (np.arange(n) + 0.5) / n
    return np.column_stack([np.zeros(n), y]), np.column_stack([np.full(n, t), y])
