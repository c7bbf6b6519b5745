"""Distances between empirical measures and the mode-collapse metrics of VEEGAN."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .._optional import has_module, import_optional
from .._validate import as_generator, check_memory, one_of, positive_float, positive_int
from ..errors import InputError, OptionalDependencyError, SolverError
from ._targets import Target
from ._util import cloud, probability_weights

__all__ = [
    "ModeCoverage",
    "WassersteinDistance",
    "mode_coverage",
    "sliced_wasserstein",
    "wasserstein",
    "wasserstein_1d",
]

WASSERSTEIN_METHODS = ("auto", "sorting", "assignment", "lp", "sliced")
#: largest order ``p`` accepted: distances are scaled to [0, 1] before the power, which
#: then underflows only for distances below ``1e-15`` of the clouds' extent
MAX_P = 20.0
#: largest ``n m`` that ``"auto"`` solves exactly (POT's network simplex: about 5 s and
#: 0.6 GiB at 5000 x 5000); beyond it ``"auto"`` warns and returns the sliced distance
MAX_EXACT = 25_000_000
#: without POT: largest equal-size uniform clouds that ``"auto"`` solves by assignment
#: (:func:`scipy.optimize.linear_sum_assignment`, ``O(n^3)``: about 4 s at n = 2000)
MAX_ASSIGNMENT = 3000
#: without POT: largest ``n m`` solved as a scipy (HiGHS) linear program
MAX_LP = 40_000
#: largest number of random directions of a sliced distance
MAX_PROJECTIONS = 100_000
#: largest number of projected points ``P (n + m)`` a sliced distance sorts
MAX_SLICED_POINTS = 5 * 10**8
#: sorting rate of the sliced distance, measured (projected points per second, one core)
_SLICED_RATE = 6e6
#: projected points per vectorised chunk (bounds the working memory to about 0.1 GiB)
_CHUNK_POINTS = 2**22


class WassersteinDistance(float):
    """A Wasserstein distance: a float that also says how it was computed.

    Arithmetic and comparisons are those of the float (their results are plain floats).

    Attributes
    ----------
    method : str
        ``"sorting"``, ``"assignment"``, ``"lp"`` (exact) or ``"sliced"``.
    exact : bool
        Whether the value is ``W_p`` itself (else the sliced lower bound ``SW_p``).
    p : float
        The order.

    Examples
    --------
    >>> d = WassersteinDistance(2.5, method="lp", exact=True, p=2.0)
    >>> d
    WassersteinDistance(2.5, method='lp', exact=True, p=2.0)
    >>> d + 1.0, d.exact, f"{d:.2f}"
    (3.5, True, '2.50')
    """

    method: str
    exact: bool
    p: float

    def __new__(cls, value: float, *, method: str, exact: bool, p: float) -> WassersteinDistance:
        self = super().__new__(cls, value)
        self.method = method
        self.exact = exact
        self.p = p
        return self

    def __repr__(self) -> str:
        return (
            f"WassersteinDistance({float(self)!r}, method={self.method!r}, "
            f"exact={self.exact}, p={self.p!r})"
        )

    __str__ = float.__repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (float(self), self.method, self.exact, self.p))


def _rebuild(value: float, method: str, exact: bool, p: float) -> WassersteinDistance:
    return WassersteinDistance(value, method=method, exact=exact, p=p)


def _check_p(p: Any) -> float:
    try:
        q = float(p)
    except (TypeError, ValueError):
        raise InputError(f"p must be a number in [1, {MAX_P:g}], got {p!r}") from None
    if not 1.0 <= q <= MAX_P:
        raise InputError(f"p must be a number in [1, {MAX_P:g}], got {p!r}")
    return q


def _line(x: Any, name: str) -> np.ndarray:
    """Finite points on the line, from shape ``(n,)`` or ``(n, 1)``."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise InputError(
            f"{name} has shape {a.shape}: wasserstein_1d takes points on the line, shape (n,) "
            "or (n, 1); use wasserstein for clouds in R^d"
        )
    return cloud(a, name)[:, 0]


def _weights(weights: Any, n: int, name: str) -> np.ndarray:
    return probability_weights(weights, n, name, normalise=False)


def _normalised(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The clouds translated to the centre of their joint bounding box and divided by a
    length ``s`` that bounds every distance between their points (so ``W_p(x, y) =
    s W_p(x', y')`` with costs in [0, 1])."""
    lo = np.minimum(x.min(axis=0), y.min(axis=0))
    hi = np.maximum(x.max(axis=0), y.max(axis=0))
    c = 0.5 * lo + 0.5 * hi
    half = 0.5 * hi - 0.5 * lo
    a = float(half.max())
    s = 2.0 * a * float(np.linalg.norm(half / a)) if a > 0 else 1.0
    return (x - c) / s, (y - c) / s, s


def _w1d_pp(x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray, p: float) -> float:
    """``W_p^p`` between 1-D weighted clouds by the quantile (monotone) coupling."""
    ix = np.argsort(x, kind="stable")
    iy = np.argsort(y, kind="stable")
    xs, ys = x[ix], y[iy]
    cx, cy = np.cumsum(wx[ix]), np.cumsum(wy[iy])
    cx[-1] = cy[-1] = 1.0
    u = np.unique(np.concatenate([cx, cy]))
    du = np.diff(u, prepend=0.0)
    qx = xs[np.minimum(np.searchsorted(cx, u, side="left"), xs.size - 1)]
    qy = ys[np.minimum(np.searchsorted(cy, u, side="left"), ys.size - 1)]
    return float(np.sum(du * np.abs(qx - qy) ** p))


def wasserstein_1d(
    x: Any, y: Any, *, p: float = 1.0, x_weights: Any = None, y_weights: Any = None
) -> float:
    """Exact ``W_p`` between two weighted empirical measures on the line.

    Uses the monotone (quantile) coupling, optimal in 1-D:
    ``W_p^p = int_0^1 |F^{-1}(u) - G^{-1}(u)|^p du``. Cost ``O((n + m) log(n + m))``.

    Parameters
    ----------
    x, y : array_like, shape (n,) and (m,) (or (n, 1) and (m, 1))
        Finite atoms on the line.
    p : float
        Order, ``1 <= p <= 20``.
    x_weights, y_weights : array_like, optional
        Probability weights (non-negative, summing to 1); uniform by default.

    Raises
    ------
    InputError
        For clouds that are not on the line (use :func:`wasserstein`), non-finite atoms,
        bad weights or ``p``.

    Examples
    --------
    >>> wasserstein_1d([0.0, 1.0], [2.0, 3.0], p=2)
    2.0
    >>> round(wasserstein_1d([0.0], [0.0, 1.0], p=1), 12)
    0.5
    """
    xa, ya = _line(x, "x"), _line(y, "y")
    q = _check_p(p)
    wx = _weights(x_weights, xa.size, "x_weights")
    wy = _weights(y_weights, ya.size, "y_weights")
    xn, yn, s = _normalised(xa[:, None], ya[:, None])
    return float(s * _w1d_pp(xn[:, 0], wx, yn[:, 0], wy, q) ** (1.0 / q))


# ---------------------------------------------------------------------- exact transport
def _pot() -> ModuleType | None:
    """POT (``ot``) when it is installed, else None."""
    return import_optional("ot") if has_module("ot") else None


def _cost(x: np.ndarray, y: np.ndarray, p: float) -> np.ndarray:
    """``|x_i - y_j|^p``, shape ``(n, m)``."""
    from scipy.spatial.distance import cdist

    if p == 2.0:
        return cdist(x, y, "sqeuclidean")
    return cdist(x, y) ** p


def _assignment_scaled(x: np.ndarray, y: np.ndarray, p: float) -> float:
    from scipy.optimize import linear_sum_assignment

    cost = _cost(x, y, p)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def _assignment_pp(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """``W_p^p`` between equal-size uniform clouds by an optimal permutation."""
    xn, yn, s = _normalised(x, y)
    return _assignment_scaled(xn, yn, p) * s**p


def _emd_scaled(ot: ModuleType, wx: np.ndarray, wy: np.ndarray, cost: np.ndarray) -> float:
    """The optimal transport cost by POT's network simplex (``ot.emd2``)."""
    n, m = cost.shape
    value, log = ot.emd2(wx, wy, cost, numItermax=max(100_000, 20 * n * m), log=True)
    if log.get("result_code") != 1:
        raise SolverError(
            f"POT's network simplex did not reach an optimal plan: {log.get('warning')}",
            step=0,
            time=0.0,
            residual=float("nan"),
        )
    return max(float(value), 0.0)


def _highs_scaled(wx: np.ndarray, wy: np.ndarray, cost: np.ndarray) -> float:
    """The transport linear program (``n m`` variables) solved by scipy's HiGHS."""
    from scipy.optimize import linprog
    from scipy.sparse import eye, kron, vstack

    n, m = cost.shape
    a_rows = kron(eye(n), np.ones((1, m)))
    a_cols = kron(np.ones((1, n)), eye(m))
    res = linprog(
        cost.ravel(),
        A_eq=vstack([a_rows, a_cols]).tocsr(),
        b_eq=np.concatenate([wx, wy]),
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - HiGHS solves these transport problems
        raise InputError(f"the transport linear program failed: {res.message}")
    return float(max(res.fun, 0.0))


# ---------------------------------------------------------------------- sliced
def _directions(d: int, n_projections: int, seed: Any) -> np.ndarray:
    rng = as_generator(seed)
    v = rng.standard_normal((n_projections, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _uniform(w: np.ndarray) -> bool:
    return bool(np.all(w == w[0]))


def _sliced_pp(
    x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray, p: float, dirs: np.ndarray
) -> np.ndarray:
    """``(P,)`` values ``W_p^p`` of the projections of the clouds on the directions ``dirs``.

    Uniform weights are sorted all projections at once (in chunks); other weights one
    projection at a time.
    """
    n, m, n_dirs = x.shape[0], y.shape[0], dirs.shape[0]
    out = np.empty(n_dirs)
    if not (_uniform(wx) and _uniform(wy)):
        px, py = x @ dirs.T, y @ dirs.T
        for k in range(n_dirs):
            out[k] = _w1d_pp(px[:, k], wx, py[:, k], wy, p)
        return out
    cx, cy = np.cumsum(wx), np.cumsum(wy)
    cx[-1] = cy[-1] = 1.0
    u = np.unique(np.concatenate([cx, cy]))
    du = np.diff(u, prepend=0.0)
    ix = np.minimum(np.searchsorted(cx, u, side="left"), n - 1)
    iy = np.minimum(np.searchsorted(cy, u, side="left"), m - 1)
    step = max(1, _CHUNK_POINTS // (n + m + u.size))
    for k0 in range(0, n_dirs, step):
        d = dirs[k0 : k0 + step]
        sx = np.sort(d @ x.T, axis=1)  # (chunk, n), sorted along contiguous rows
        sy = np.sort(d @ y.T, axis=1)
        out[k0 : k0 + step] = np.abs(sx[:, ix] - sy[:, iy]) ** p @ du
    return out


def _check_projections(n_projections: Any, n: int, m: int, d: int) -> int:
    nproj = positive_int(n_projections, "n_projections")
    if nproj > MAX_PROJECTIONS:
        raise InputError(
            f"n_projections={nproj} is more than the limit of {MAX_PROJECTIONS} (the Monte "
            f"Carlo error falls as n_projections^-1/2: {MAX_PROJECTIONS} directions already "
            f"give about {MAX_PROJECTIONS**-0.5:.1%} relative error)"
        )
    points = nproj * (n + m)
    if points > MAX_SLICED_POINTS:
        raise InputError(
            f"a sliced distance with {nproj} projections of {n} + {m} points sorts "
            f"{points:.3g} projected points, more than the limit of {MAX_SLICED_POINTS:.3g} "
            f"(about {points / _SLICED_RATE:.0f} s); use fewer projections or subsample"
        )
    check_memory(8.0 * nproj * d, f"{nproj} random directions in dimension {d}")
    return nproj


def _sliced(
    xa: np.ndarray,
    wx: np.ndarray,
    ya: np.ndarray,
    wy: np.ndarray,
    q: float,
    n_projections: Any,
    seed: Any,
) -> float:
    nproj = _check_projections(n_projections, xa.shape[0], ya.shape[0], xa.shape[1])
    dirs = _directions(xa.shape[1], nproj, seed)
    xn, yn, s = _normalised(xa, ya)
    vals = _sliced_pp(xn, wx, yn, wy, q, dirs)
    return float(s * vals.mean() ** (1.0 / q))


def sliced_wasserstein(
    x: Any,
    y: Any,
    *,
    p: float = 2.0,
    n_projections: int = 100,
    seed: int | np.random.Generator | None = None,
    x_weights: Any = None,
    y_weights: Any = None,
) -> float:
    """Monte Carlo sliced Wasserstein distance ``SW_p``.

    ``SW_p^p(mu, nu) = E_theta W_p^p(theta # mu, theta # nu)`` with ``theta`` uniform on
    the unit sphere, estimated with ``n_projections`` random directions; the estimate of
    ``SW_p^p`` is unbiased with standard error ``O(n_projections^{-1/2})``. Note
    ``SW_p <= W_p``. Cost ``O(P (n + m) (d + log(n + m)))`` for ``P`` projections.

    Parameters
    ----------
    x, y : array_like, shape (n, d) and (m, d)
        Finite clouds of the same dimension (1-D input is read as ``(n, 1)``).
    p : float
        Order, ``1 <= p <= 20``.
    n_projections : int
        Random directions, at most :data:`MAX_PROJECTIONS`, with at most
        :data:`MAX_SLICED_POINTS` projected points ``n_projections (n + m)`` in all.
    seed : int or numpy.random.Generator, optional
        Source of the directions.
    x_weights, y_weights : array_like, optional
        Probability weights (non-negative, summing to 1); uniform by default.

    Raises
    ------
    InputError
        For bad clouds, weights or ``p``, or more work than the limits allow (refused
        before any is done, with the time it would take).

    Examples
    --------
    >>> x = np.zeros((5, 3))
    >>> round(sliced_wasserstein(x, x + [3.0, 0.0, 4.0], n_projections=2000, seed=0), 1)
    2.9
    """
    xa = cloud(x, "x")
    ya = cloud(y, "y", dim=xa.shape[1])
    q = _check_p(p)
    wx = _weights(x_weights, xa.shape[0], "x_weights")
    wy = _weights(y_weights, ya.shape[0], "y_weights")
    return _sliced(xa, wx, ya, wy, q, n_projections, seed)


def _auto_method(n: int, m: int, d: int, uniform_equal: bool, ot: ModuleType | None) -> str:
    if d == 1:
        return "sorting"
    if n * m > MAX_EXACT:
        return "sliced"
    if ot is not None:
        return "lp"
    if uniform_equal and n <= MAX_ASSIGNMENT:
        return "assignment"
    return "lp"


def wasserstein(
    x: Any,
    y: Any,
    *,
    p: float = 2.0,
    method: str = "auto",
    x_weights: Any = None,
    y_weights: Any = None,
    n_projections: int = 100,
    seed: int | np.random.Generator | None = None,
) -> WassersteinDistance:
    """``W_p`` between two empirical measures in ``R^d``, exact unless asked otherwise.

    Methods and their costs (``n``, ``m`` atoms):

    - ``"sorting"``: exact in 1-D, ``O((n + m) log(n + m))``;
    - ``"lp"``: exact for any weights, the transport linear program solved by POT's
      network simplex (``ot.emd2``, the optional dependency ``pip install limitdyn[ot]``;
      about 0.8 s at 2000 x 1800); without POT by scipy's HiGHS, up to
      ``n m = 40000`` (:data:`MAX_LP`);
    - ``"assignment"``: exact for equal-size uniform clouds (an optimal plan is a
      permutation, Birkhoff), :func:`scipy.optimize.linear_sum_assignment`,
      ``O(n^3)`` (about 4 s at n = 2000);
    - ``"sliced"``: the sliced distance ``SW_p`` (see :func:`sliced_wasserstein`), a
      lower bound of ``W_p``.

    ``"auto"`` is exact up to ``n m = 25e6`` (:data:`MAX_EXACT`): sorting in 1-D, else
    ``"lp"`` with POT; without POT ``"assignment"`` for equal-size uniform clouds up to
    3000 atoms, else ``"lp"`` (HiGHS) up to ``n m = 40000``, else it raises
    :class:`~limitdyn.errors.OptionalDependencyError`. Beyond ``MAX_EXACT`` it warns and
    returns the sliced distance. The result says which: ``.method`` and ``.exact``.

    Parameters
    ----------
    x, y : array_like, shape (n, d) and (m, d)
        Finite clouds of the same dimension (1-D input is read as ``(n, 1)``).
    p : float
        Order, ``1 <= p <= 20``.
    method : {"auto", "sorting", "lp", "assignment", "sliced"}
    x_weights, y_weights : array_like, optional
        Probability weights (non-negative, summing to 1); uniform by default.
    n_projections : int
        Directions of the sliced distance.
    seed : int or numpy.random.Generator, optional
        Source of the sliced distance's directions.

    Returns
    -------
    WassersteinDistance
        A float with ``.method``, ``.exact`` and ``.p``.

    Raises
    ------
    InputError
        For bad clouds, weights, ``p`` or ``method``, a method that does not apply, or a
        problem that needs more memory than the limit.
    OptionalDependencyError
        For an exact distance too large for scipy without POT.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(50, 2))
    >>> round(wasserstein(x, x + [3.0, 4.0]), 10)
    5.0
    >>> wasserstein([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], p=1)
    WassersteinDistance(1.0, method='lp', exact=True, p=1.0)
    """
    xa = cloud(x, "x")
    ya = cloud(y, "y", dim=xa.shape[1])
    q = _check_p(p)
    one_of(method, "method", WASSERSTEIN_METHODS)
    n, m, d = xa.shape[0], ya.shape[0], xa.shape[1]
    wx = _weights(x_weights, n, "x_weights")
    wy = _weights(y_weights, m, "y_weights")
    uniform_equal = n == m and _uniform(wx) and _uniform(wy)
    ot = _pot()
    if method == "auto":
        method = _auto_method(n, m, d, uniform_equal, ot)
        if method == "sliced":
            warnings.warn(
                f"clouds of {n} and {m} atoms are beyond the exact limit n m <= {MAX_EXACT}; "
                f"returning the sliced distance (a lower bound) with {n_projections} "
                "projections",
                UserWarning,
                stacklevel=2,
            )
    if method == "sliced":
        return WassersteinDistance(
            _sliced(xa, wx, ya, wy, q, n_projections, seed), method="sliced", exact=False, p=q
        )
    xn, yn, s = _normalised(xa, ya)
    if method == "sorting":
        if d != 1:
            raise InputError(f"method 'sorting' is exact only in 1-D, got dimension {d}")
        val = _w1d_pp(xn[:, 0], wx, yn[:, 0], wy, q)
    else:
        check_memory(3 * 8.0 * n * m, f"the {n} x {m} cost matrix of an exact distance")
        if method == "assignment":
            if not uniform_equal:
                raise InputError(
                    "method 'assignment' needs equal-size clouds with uniform weights, got "
                    f"{n} and {m} atoms"
                    + (" and weights" if x_weights is not None or y_weights is not None else "")
                )
            val = _assignment_scaled(xn, yn, q)
        elif ot is not None:
            val = _emd_scaled(ot, wx, wy, _cost(xn, yn, q))
        elif n * m <= MAX_LP:
            val = _highs_scaled(wx, wy, _cost(xn, yn, q))
        else:
            raise OptionalDependencyError(
                f"an exact distance between clouds of {n} and {m} atoms needs POT "
                f"(`pip install limitdyn[ot]`): without it the linear program is solved "
                f"by scipy up to n m = {MAX_LP} only"
                + (
                    ", or use method='assignment'"
                    if uniform_equal
                    else "; or use method='sliced' for a lower bound"
                )
            )
    return WassersteinDistance(s * val ** (1.0 / q), method=method, exact=True, p=q)


# ---------------------------------------------------------------------- mode coverage
@dataclass(frozen=True, repr=False)
class ModeCoverage:
    """Mode-collapse metrics of VEEGAN (Srivastava et al., 2017).

    Attributes
    ----------
    n_modes : int
        Number of modes of the target.
    modes_captured : int
        Modes that are the nearest mode of at least one high-quality sample.
    high_quality : float
        Fraction of samples within ``threshold * sigma`` of their nearest mode.
    counts : numpy.ndarray
        ``(n_modes,)`` number of high-quality samples attributed to each mode.
    """

    n_modes: int
    modes_captured: int
    high_quality: float
    counts: np.ndarray

    @property
    def captured(self) -> np.ndarray:
        """Boolean mask of the captured modes."""
        return self.counts > 0

    def __repr__(self) -> str:
        return (
            f"ModeCoverage(modes_captured={self.modes_captured}/{self.n_modes}, "
            f"high_quality={self.high_quality:.3f}, counts={self.counts.tolist()})"
        )


def mode_coverage(
    samples: Any, modes: Any, *, sigma: float | None = None, threshold: float = 3.0
) -> ModeCoverage:
    """Modes captured and fraction of high-quality samples.

    A sample is *high quality* when it lies within ``threshold * sigma`` (3 sigma) of
    its nearest mode; a mode is *captured* when it is the nearest mode of at least one
    high-quality sample (Srivastava et al., "VEEGAN", NeurIPS 2017, Sec. 5.1).

    Parameters
    ----------
    samples : array_like, shape (n, K)
        Finite samples.
    modes : array_like, shape (n_modes, K), or Target
        The modes, or a target that knows them (:func:`ring`, :func:`grid`,
        :func:`gaussian_mixture` with a common sigma, ...).
    sigma : float, optional
        Standard deviation of the mixture components; by default the target's.
    threshold : float
        Radius in units of ``sigma``, positive.

    Raises
    ------
    InputError
        For bad samples or modes, a non-positive ``sigma`` or ``threshold``, or a target
        without modes or sigma (and no ``sigma`` given).

    Examples
    --------
    >>> modes = [[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]]
    >>> mode_coverage([[0.01, 0.0], [2.0, 0.02], [1.0, 1.0]], modes, sigma=0.05)
    ModeCoverage(modes_captured=2/3, high_quality=0.667, counts=[1, 1, 0])
    >>> from limitdyn.particles import ring
    >>> mode_coverage([[2.0, 0.0], [0.0, 2.01]], ring(4, sigma=0.02)).modes_captured
    2
    """
    if isinstance(modes, Target):
        if modes.modes is None:
            raise InputError(f"the target {modes!r} has no modes")
        if sigma is None:
            if modes.sigma is None:
                raise InputError(f"the target {modes!r} has no common sigma; pass sigma")
            sigma = modes.sigma
        modes = modes.modes
    if sigma is None:
        raise InputError("mode_coverage needs sigma (or a target that has one)")
    mo = cloud(modes, "modes")
    xs = cloud(samples, "samples", dim=mo.shape[1])
    s = positive_float(sigma, "sigma")
    radius = positive_float(threshold, "threshold") * s
    counts = np.zeros(mo.shape[0], dtype=np.int64)
    n_hq = 0
    chunk = max(1, (1 << 20) // mo.shape[0])
    for r0 in range(0, xs.shape[0], chunk):
        block = xs[r0 : r0 + chunk]
        d2 = ((block[:, None, :] - mo[None, :, :]) ** 2).sum(axis=2)
        nearest = d2.argmin(axis=1)
        hq = d2[np.arange(block.shape[0]), nearest] <= radius**2
        n_hq += int(hq.sum())
        counts += np.bincount(nearest[hq], minlength=mo.shape[0])
    return ModeCoverage(
        n_modes=int(mo.shape[0]),
        modes_captured=int((counts > 0).sum()),
        high_quality=n_hq / xs.shape[0],
        counts=counts,
    )
