"""Minimising movements of 1-D aggregation energies in exact W2 geometry (quantile functions).

For probability measures on the line, ``W2(mu, nu) = ||Q_mu - Q_nu||_{L^2(0, 1)}`` with
``Q`` the quantile functions, so the JKO step of an energy ``E`` is a minimisation over
the convex cone of nondecreasing functions (Carrillo, Di Francesco, Figalli, Laurent and
Slepcev, Duke Math. J. 156 (2011); Jordan, Kinderlehrer and Otto 1998):

``Q_{n+1} = argmin_{Q nondecreasing} ||Q - Q_n||^2 / (2 tau) + E[Q]``,

``E[Q] = (1/2) int int W(Q(s) - Q(t)) ds dt + int V(Q(s)) ds`` (the aggregation energy,
``W(x) = w(|x|)`` even). Its optimality condition is the projected implicit step
``Q_{n+1} = Proj(Q_n - tau grad E[Q_{n+1}])``, ``Proj`` the L2 projection on the cone
(isotonic regression). :func:`quantile_jko` solves it on the midpoint grid
``s_j = (j + 1/2) / n``; :func:`aggregation_particles` runs the particle schemes of the
same energy (explicit, or implicit by :mod:`limitdyn.particles._jko`), for comparison:
while no two particles meet, the implicit particle step *is* the quantile step (the
constraint is inactive); when they meet (aggregation, collapse to Diracs) only the
quantile step keeps the W2 geometry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import non_negative_int, one_of, positive_float
from ..errors import InputError, SolverError
from ._jko import SCHEMES, JKOSolver, as_solver, implicit_step

__all__ = ["AggregationFlow", "aggregation_particles", "quantile_jko"]

Derivative = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False, repr=False)
class AggregationFlow:
    """Iterates of a 1-D aggregation flow: equally weighted atoms at each time.

    Attributes
    ----------
    method : str
        ``"quantile-jko"``, ``"particles-implicit"`` or ``"particles-explicit"``.
    tau : float
        The step.
    times : numpy.ndarray, shape (steps + 1,)
    points : numpy.ndarray, shape (steps + 1, n)
        The atoms (weights ``1/n``); for ``"quantile-jko"`` the quantile function on the
        grid :attr:`grid`, nondecreasing at every time.
    iterations : numpy.ndarray, shape (steps,)
        Solver iterations per step (0 for the explicit scheme).
    constrained : numpy.ndarray of bool, shape (steps,)
        Whether the monotonicity constraint was active (the unconstrained step would
        have reordered the quantiles); always False for particles.
    """

    method: str
    tau: float
    times: np.ndarray
    points: np.ndarray
    iterations: np.ndarray
    constrained: np.ndarray

    @property
    def grid(self) -> np.ndarray:
        """The midpoints ``s_j = (j + 1/2) / n`` of the quantile grid."""
        n = self.points.shape[1]
        return (np.arange(n) + 0.5) / n

    def quantiles(self, index: int = -1) -> np.ndarray:
        """The sorted atoms (the quantile function on :attr:`grid`) at time ``index``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import quantile_jko
        >>> q0 = np.linspace(-1.0, 1.0, 5)
        >>> # attraction W(r) = r^2/2
        >>> flow = quantile_jko(q0, tau=0.1, steps=3, interaction=lambda r: r)
        >>> q = flow.quantiles()
        >>> bool(np.all(np.diff(q) >= 0)), bool(np.ptp(q) < np.ptp(q0))  # sorted, and contracted
        (True, True)
        >>> flow.quantiles(0).tolist() == q0.tolist()
        True
        """
        return np.sort(self.points[index])

    def distance(self, other: AggregationFlow, *, index: int = -1) -> float:
        """Exact ``W2`` between the measures of two flows at time ``index``
        (:func:`limitdyn.particles.wasserstein`).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import quantile_jko
        >>> q0 = np.linspace(-1.0, 1.0, 5)
        >>> a = quantile_jko(q0, tau=0.1, steps=3, interaction=lambda r: r)
        >>> b = quantile_jko(q0 + 0.5, tau=0.1, steps=3, interaction=lambda r: r)
        >>> round(a.distance(b), 12)  # the interaction is translation invariant: W2 = the shift
        0.5
        """
        from ._metrics import wasserstein

        return float(wasserstein(self.points[index], other.points[index], method="sorting"))

    def __repr__(self) -> str:
        n = self.points.shape[1]
        steps = len(self.iterations)
        return (
            f"AggregationFlow({self.method}, n={n}, tau={self.tau:g}, steps={steps}, "
            f"t_end={self.times[-1]:g}, constrained steps={int(self.constrained.sum())})"
        )

    def _columns(self) -> dict[str, Any]:
        q = self.points
        return {
            "time": self.times,
            "mean": q.mean(axis=1),
            "spread": q.std(axis=1),
            "min": q.min(axis=1),
            "max": q.max(axis=1),
        }

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table(repr(self), self._columns())

    def to_dataframe(self) -> Any:
        """Mean, standard deviation and range of the atoms per time (pandas).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import quantile_jko
        >>> flow = quantile_jko(np.linspace(-1.0, 1.0, 5), tau=0.1, steps=3,
        ...                     interaction=lambda r: r)
        >>> df = flow.to_dataframe()
        >>> len(df), list(df.columns)
        (4, ['mean', 'spread', 'min', 'max'])
        >>> bool(np.allclose(df["mean"], 0.0, atol=1e-12))  # a symmetric interaction keeps the mean
        True
        """
        from .._display import dataframe

        return dataframe(self._columns(), index="time")

    def plot(self, *, ax: Any = None, times: int = 5) -> Any:
        """The quantile functions at ``times`` evenly spaced times (see
        :func:`limitdyn.plotting._quantile.plot_quantile_flow`).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import quantile_jko
        >>> flow = quantile_jko(np.linspace(-1.0, 1.0, 5), tau=0.1, steps=3,
        ...                     interaction=lambda r: r)
        >>> ax = flow.plot(times=2)
        >>> len(ax.lines), bool(np.array_equal(ax.lines[0].get_ydata(), flow.quantiles(0)))
        (2, True)
        """
        from ..plotting._quantile import plot_quantile_flow

        return plot_quantile_flow(self, ax=ax, times=times)


def _derivative(fn: Any, name: str) -> Derivative | None:
    if fn is None:
        return None
    if not callable(fn):
        raise InputError(f"{name} must be a callable on numpy arrays or None")
    return fn


def _checked(values: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.shape != shape:
        raise InputError(f"{name} returned shape {a.shape}, expected {shape}")
    return a


def _gradient(interaction: Derivative | None, potential: Derivative | None) -> Derivative:
    """``grad E`` in L2(ds) of the energy at atoms ``q``: ``(1/n) sum_k W'(q_j - q_k) +
    V'(q_j)``, with ``W'(d) = sign(d) w'(|d|)``; at ties the sign of ``j - k`` (the
    one-sided derivative along the cone of nondecreasing ``q``)."""

    def grad(q: np.ndarray) -> np.ndarray:
        n = q.shape[0]
        out = np.zeros(n)
        if interaction is not None:
            d = q[:, None] - q[None, :]
            order = np.sign(np.subtract.outer(np.arange(n), np.arange(n))).astype(np.float64)
            sign = np.where(d == 0.0, order, np.sign(d))
            dw = _checked(interaction(np.abs(d)), (n, n), "interaction")
            out += (sign * dw).sum(axis=1) / n
        if potential is not None:
            out += _checked(potential(q), (n,), "potential")
        return out

    return grad


def _start(points: Any, name: str, *, sorted_: bool) -> np.ndarray:
    q = np.asarray(points, dtype=np.float64)
    if q.ndim != 1 or q.shape[0] < 2:
        raise InputError(f"{name} must be a 1-D array of at least 2 values, got shape {q.shape}")
    bad = np.flatnonzero(~np.isfinite(q))
    if bad.size:
        raise InputError(f"{name}[{bad[0]}] is not finite")
    if sorted_:
        dec = np.flatnonzero(np.diff(q) < 0)
        if dec.size:
            raise InputError(
                f"{name} is a quantile function and must be nondecreasing, but "
                f"{name}[{dec[0] + 1}] < {name}[{dec[0]}]"
            )
    return q


def _options(tau: Any, steps: Any, interaction: Any, potential: Any) -> tuple[Any, ...]:
    t = positive_float(tau, "tau")
    n_steps = non_negative_int(steps, "steps")
    w = _derivative(interaction, "interaction")
    v = _derivative(potential, "potential")
    if w is None and v is None:
        raise InputError("give interaction= (w'(r) of W(x) = w(|x|)) or potential= (V')")
    return t, n_steps, _gradient(w, v)


def _project(q: np.ndarray) -> np.ndarray:
    """The L2 projection of ``q`` (equal weights) on the nondecreasing vectors (PAVA)."""
    from scipy.optimize import isotonic_regression

    return np.asarray(isotonic_regression(q, increasing=True).x, dtype=np.float64)


def quantile_jko(
    quantiles: Any,
    *,
    tau: float,
    steps: int,
    interaction: Derivative | None = None,
    potential: Derivative | None = None,
    solver: str | JKOSolver = "newton",
) -> AggregationFlow:
    """JKO steps of a 1-D aggregation energy on a quantile function (exact W2 geometry).

    Each step solves ``Q' = argmin_{Q nondecreasing} ||Q - Q_n||^2 / (2 tau) + E[Q]``
    (see the module docstring). With ``solver="newton"``: Newton's method on the
    unconstrained optimality condition, accepted when the explicit predictor keeps the
    order and Newton converges to a nondecreasing solution; otherwise (the constraint is
    active, or ``W`` is not smooth at a collision), and always with ``"fixed-point"``, the
    projected fixed-point iteration ``Q <- Proj(Q_n - tau grad E[Q])`` (relaxed when it
    does not contract; it converges when the JKO functional is strongly convex on the
    cone, e.g. for convex ``W`` and ``V``).

    Parameters
    ----------
    quantiles : array_like, shape (n,)
        ``Q_0(s_j)`` on the midpoints ``s_j = (j + 1/2)/n``, nondecreasing: the measure
        ``(1/n) sum_j delta_{Q_0(s_j)}``.
    tau : float
        The step.
    steps : int
    interaction : callable, optional
        ``w'(r)`` for ``r >= 0`` (vectorised) of the even kernel ``W(x) = w(|x|)``:
        ``lambda r: r`` for ``W = x^2 / 2``, ``lambda r: np.ones_like(r)`` for
        ``W = |x|``.
    potential : callable, optional
        ``V'(x)`` (vectorised) of the confining potential.
    solver : JKOSolver or {"newton", "fixed-point"}

    Returns
    -------
    AggregationFlow
        With ``method="quantile-jko"``.

    Raises
    ------
    InputError
        For quantiles that are not finite and nondecreasing, bad options, callables that
        return the wrong shape.
    SolverError
        When a step does not converge.

    Examples
    --------
    ``W = |x|`` collapses the uniform measure on ``[-1, 1]`` to ``delta_0`` at ``t = 1``
    (Carrillo et al. 2011): ``Q(t, s) = (1 - t)_+ (2 s - 1)``, exactly on the grid.

    >>> n = 8
    >>> q0 = 2 * (np.arange(n) + 0.5) / n - 1
    >>> flow = quantile_jko(q0, tau=0.3, steps=6, interaction=lambda r: np.ones_like(r))
    >>> np.round(flow.points[:, -1], 12).tolist()
    [0.875, 0.6125, 0.35, 0.0875, 0.0, 0.0, 0.0]
    >>> flow.constrained.tolist()
    [False, False, False, True, True, True]
    """
    q = _start(quantiles, "quantiles", sorted_=True)
    t, n_steps, grad = _options(tau, steps, interaction, potential)
    s = as_solver(solver)
    out = [q]
    iterations, constrained = [], []
    for k in range(n_steps):
        index, what = k, "quantile_jko step"
        new: np.ndarray | None = None
        collide = bool(np.any(np.diff(q - t * grad(q)) < 0))  # the explicit step reorders
        if s.method == "newton" and not collide:
            try:
                new, it = implicit_step(
                    lambda x: -grad(x), q, step=t, solver=s, what=what, index=index, time=k * t
                )
            except SolverError:  # a nonsmooth W at a collision: solve on the cone below
                new = None
            if new is not None and np.any(np.diff(new) < 0):
                new = None
        active = new is None
        if new is None:
            fixed = JKOSolver(method="fixed-point", tol=s.tol, max_iter=max(s.max_iter, 200))
            new, it = implicit_step(
                lambda x: -grad(x),
                q,
                step=t,
                solver=fixed,
                project=_project,
                what=what,
                index=index,
                time=k * t,
            )
            active = bool(np.any(np.diff(q - t * grad(new)) < 0))
        q = new
        out.append(q)
        iterations.append(it)
        constrained.append(active)
    return AggregationFlow(
        method="quantile-jko",
        tau=t,
        times=t * np.arange(n_steps + 1),
        points=np.stack(out),
        iterations=np.asarray(iterations, dtype=np.int64),
        constrained=np.asarray(constrained, dtype=bool),
    )


def aggregation_particles(
    points: Any,
    *,
    tau: float,
    steps: int,
    interaction: Derivative | None = None,
    potential: Derivative | None = None,
    scheme: str = "implicit",
    solver: str | JKOSolver = "newton",
) -> AggregationFlow:
    """The particle schemes of the 1-D aggregation energy of :func:`quantile_jko`.

    ``x' = x - tau grad E(x)`` (explicit) or ``x' = x - tau grad E(x')`` (implicit: the
    JKO step restricted to the identity coupling, :func:`~limitdyn.particles._jko.implicit_step`),
    ``grad E(x)_j = (1/n) sum_k W'(x_j - x_k) + V'(x_j)``; the particles may reorder.

    Parameters
    ----------
    points : array_like, shape (n,)
        Initial atoms (weights ``1/n``), in any order.
    tau, steps, interaction, potential, solver
        As in :func:`quantile_jko`.
    scheme : {"explicit", "implicit"}

    Returns
    -------
    AggregationFlow
        With ``method="particles-explicit"`` or ``"particles-implicit"``.

    Examples
    --------
    While no particles meet, the implicit particle scheme is the quantile JKO step:

    >>> q0 = np.linspace(-1.0, 1.0, 6)
    >>> args = dict(tau=0.1, steps=5, interaction=lambda r: r, potential=lambda x: x**3)
    >>> a = quantile_jko(q0, **args)
    >>> b = aggregation_particles(q0, **args)
    >>> float(np.max(np.abs(a.points - b.points))) < 1e-9, a.distance(b) < 1e-9
    (True, True)
    """
    x = _start(points, "points", sorted_=False)
    t, n_steps, grad = _options(tau, steps, interaction, potential)
    name = one_of(scheme, "scheme", SCHEMES)
    s = as_solver(solver)
    out = [x]
    iterations = []
    for k in range(n_steps):
        if name == "explicit":
            x, it = x - t * grad(x), 0
        else:
            x, it = implicit_step(
                lambda y: -grad(y),
                x,
                step=t,
                solver=s,
                what="aggregation_particles implicit step",
                index=k,
                time=k * t,
            )
        if not np.isfinite(x).all():
            from ..errors import DivergenceError

            raise DivergenceError(
                "aggregation_particles: the particles are not finite", step=k + 1, time=(k + 1) * t
            )
        out.append(x)
        iterations.append(it)
    return AggregationFlow(
        method=f"particles-{name}",
        tau=t,
        times=t * np.arange(n_steps + 1),
        points=np.stack(out),
        iterations=np.asarray(iterations, dtype=np.int64),
        constrained=np.zeros(n_steps, dtype=bool),
    )
