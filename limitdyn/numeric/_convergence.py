"""Convergence of the iterates to a reference as the step shrinks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._engine import Engine, get_engine
from .._multistep import AnyScheme, TwoStepScheme
from .._ode import ODE
from .._progress import progress_bar
from .._validate import one_of, positive_float, positive_int
from ..errors import InputError
from ._inputs import one_step_scheme, parameters_of
from ._integrate import integrate
from ._iterate import iterate
from ._manifold import manifold_start

__all__ = [
    "NORMS",
    "ConvergenceStudy",
    "RefinementCheck",
    "convergence_study",
    "fitted_order",
    "refinement_check",
]

#: "max": sup over the iterate times of the Euclidean error; "final": Euclidean error at t_end.
NORMS = ("max", "final")


def fitted_order(taus: Any, errors: Any) -> float:
    """Least-squares slope of ``log(error)`` against ``log(tau)``.

    Valid for any ratios between the step sizes, not only halving.

    Examples
    --------
    >>> round(fitted_order([0.1, 0.03, 0.01], [2e-2, 1.8e-3, 2e-4]), 2)
    2.0
    """
    t = np.asarray(taus, dtype=float)
    e = np.asarray(errors, dtype=float)
    if t.size < 2 or t.shape != e.shape:
        raise InputError("need at least two (tau, error) pairs of equal length to fit an order")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        return math.nan
    slope, _ = np.polyfit(np.log(t), np.log(e), 1)
    return float(slope)


def _distance(diff: np.ndarray, norm: str) -> float:
    pointwise = np.sqrt(np.sum(diff * diff, axis=1))
    return float(pointwise.max() if norm == "max" else pointwise[-1])


@dataclass(frozen=True, eq=False)
class ConvergenceStudy:
    """Errors of the iterates against a reference, for several step sizes.

    Attributes
    ----------
    taus : ndarray, shape (k,)
        The step sizes.
    errors : ndarray, shape (k,)
        The error for each step size, in ``norm``.
    norm : str
        "max" (sup over iterate times of the Euclidean error) or "final".
    reference : str
        What the iterates were compared with.
    t_end : float
        Final cumulative learning rate.
    """

    taus: np.ndarray
    errors: np.ndarray
    norm: str
    reference: str
    t_end: float

    @cached_property
    def order(self) -> float:
        """Least-squares log-log slope of errors against step sizes."""
        return fitted_order(self.taus, self.errors)

    @cached_property
    def local_orders(self) -> np.ndarray:
        """Orders between successive step sizes, shape (k - 1,)."""
        return np.log(self.errors[1:] / self.errors[:-1]) / np.log(self.taus[1:] / self.taus[:-1])

    def table(self) -> str:
        """A plain-text table of tau, error and local order."""
        rows = [f"{'tau':>12s} {'error':>12s} {'order':>7s}"]
        for i, (t, e) in enumerate(zip(self.taus, self.errors)):
            order = f"{self.local_orders[i - 1]:7.3f}" if i else " " * 7
            rows.append(f"{t:12.4e} {e:12.4e} {order}")
        rows.append(
            f"fitted order {self.order:.4f} ({self.norm} norm, reference: {self.reference})"
        )
        return "\n".join(rows)

    def __repr__(self) -> str:
        return (
            f"ConvergenceStudy({self.taus.size} step sizes in [{self.taus.min():.3g}, "
            f"{self.taus.max():.3g}], order={self.order:.4f}, norm={self.norm!r}, "
            f"reference={self.reference!r})"
        )

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Log-log error against tau with the fitted line; returns the axes.

        See :func:`limitdyn.plotting.plot_convergence`.
        """
        from ..plotting import plot_convergence

        return plot_convergence(self, ax, **kwargs)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame with columns ``tau`` and ``error``."""
        from .._optional import import_optional

        pd = import_optional("pandas")
        return pd.DataFrame({"tau": self.taus, "error": self.errors})


def _reference_ode(scheme: AnyScheme, reference: Any) -> tuple[ODE | None, int | None, str]:
    from ..symbolic import limit_ode

    if isinstance(reference, str):
        if reference != "limit":
            raise InputError(
                f"unknown reference {reference!r}; valid: 'limit', an order k >= 0, or an ODE"
            )
        return limit_ode(scheme), None, "limit ODE"
    if isinstance(reference, ODE):
        if reference.variables != scheme.variables:
            raise InputError("the reference ODE's variables differ from the scheme's")
        return reference, None, reference.name or "given ODE"
    if isinstance(reference, (int, np.integer)) and not isinstance(reference, bool):
        if reference < 0:
            raise InputError(f"reference order must be >= 0, got {reference}")
        return None, int(reference), f"modified equation of order {int(reference)}"
    raise InputError(f"unknown reference {reference!r}; valid: 'limit', an order k >= 0, or an ODE")


def convergence_study(
    scheme: AnyScheme,
    z0: Any,
    *,
    t_end: float,
    taus: Any,
    params: Any = None,
    reference: Any = "limit",
    norm: str = "max",
    engine: str | Engine = "auto",
    rtol: float = 1e-12,
    atol: float = 1e-13,
    progress: bool | None = None,
) -> ConvergenceStudy:
    """Measure how the iterates approach a reference solution as tau shrinks.

    For each tau the scheme is iterated to ``t_end`` and compared, at every iterate
    time ``t_n``, with the reference's dense output (DOP853 at tight tolerances).

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
    z0 : array_like or mapping
        Initial state. For a two-step scheme (heavy ball, optimistic) given only
        its current state, each run starts on the invariant manifold of its tau
        (:func:`~limitdyn.numeric.manifold_start`); a full doubled state is used as is
        (starting at rest, ``x_prev = x0``, costs an O(tau) shift).
    t_end : float
        Final cumulative learning rate.
    taus : array_like
        Step sizes (any ratios).
    params : mapping, optional
        Parameter values.
    reference : "limit", int or ODE
        "limit": the limit ODE; ``k``: the modified equation of order k (solved
        anew for each tau); an ODE on the scheme's variables.
    norm : {"max", "final"}
        Sup over the iterate times, or the final time, of the Euclidean error.
    engine : {"auto", "numpy", "numba"} or Engine
        Passed to :func:`iterate`.
    rtol, atol : float
        Tolerances of the reference solve.
    progress : bool, optional
        Progress bar (default: on a terminal).

    Returns
    -------
    ConvergenceStudy

    Examples
    --------
    Explicit Euler is first order:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
    ...                              taus=[0.01, 0.005, 0.0025], progress=False)
    >>> round(study.order, 2)
    1.0
    """
    one_step_scheme(scheme)
    one_of(norm, "norm", NORMS)
    engine = get_engine(engine)
    end = positive_float(t_end, "t_end")
    steps = np.asarray(taus, dtype=float).reshape(-1)
    if steps.size < 2:
        raise InputError("taus: give at least two step sizes")
    for h in steps:
        positive_float(h, "each tau")
    ode, order, label = _reference_ode(scheme, reference)
    given = {} if params is None else dict(params)
    start = _starts(scheme, z0, params, order=max(order or 1, 1) + 1)
    ode_params = {} if ode is None else parameters_of(given, ode)
    shared = None
    if ode is not None and start is None:
        shared = integrate(ode, z0, t_end=end, params=ode_params, rtol=rtol, atol=atol)
    errors = np.empty(steps.size)
    for i, h in enumerate(progress_bar(steps, desc="convergence", enabled=progress)):
        zh = z0 if start is None else start(float(h))
        ref = shared
        if ref is None and ode is not None:
            ref = integrate(ode, zh, t_end=end, params=ode_params, rtol=rtol, atol=atol)
        elif ref is None:
            assert order is not None
            ref = _modified_reference(scheme, order, zh, end, given, float(h), rtol, atol)
        traj = iterate(scheme, zh, tau=float(h), t_end=end, params=params, engine=engine)
        exact = ref.dense(traj.t).T
        errors[i] = _distance(traj.z - exact, norm)
    return ConvergenceStudy(steps, errors, norm, label, end)


def _starts(scheme: AnyScheme, z0: Any, params: Any, *, order: int) -> Any:
    """For a two-step scheme given only the current state, the per-tau start on the
    invariant manifold (:func:`manifold_start`); None when ``z0`` is used as is."""
    if not isinstance(scheme, TwoStepScheme) or isinstance(z0, Mapping):
        return None
    if np.ndim(z0) != 1 or len(z0) != len(scheme.current):
        return None
    return lambda h: manifold_start(scheme, z0, tau=h, order=order, params=params)


def _modified_reference(
    scheme: AnyScheme,
    order: int,
    z0: Any,
    end: float,
    given: dict[Any, Any],
    h: float,
    rtol: float,
    atol: float,
) -> Any:
    from .. import symbolic

    modified = symbolic.modified_equation(scheme, order=order).ode(order=order)
    values = parameters_of(given, modified)
    if scheme.step in modified.parameters:
        values[scheme.step.name] = h
    return integrate(modified, z0, t_end=end, params=values, rtol=rtol, atol=atol)


@dataclass(frozen=True, eq=False)
class RefinementCheck:
    """Turinici's criterion: do twice the steps at half the size give the same curve?

    Attributes
    ----------
    taus : ndarray, shape (levels + 1,)
        ``tau, tau/2, ...``.
    distances : ndarray, shape (levels,)
        Distance between the curves of ``taus[i]`` and ``taus[i + 1]`` at the coarse
        iterate times (cumulative learning rate), in ``norm``.
    ratios : ndarray, shape (levels - 1,)
        ``distances[i] / distances[i + 1]``: 2 for a first-order scheme.
    tolerance : float
        Absolute tolerance for the verdict.
    """

    taus: np.ndarray
    distances: np.ndarray
    ratios: np.ndarray
    tolerance: float
    norm: str

    @cached_property
    def order(self) -> float:
        """Order implied by the distances (least squares in log-log)."""
        if self.distances.size < 2:
            return math.nan
        return fitted_order(self.taus[:-1], self.distances)

    @property
    def converged(self) -> bool:
        """True when the last refinement moved the curve by at most ``tolerance``
        and every refinement moved it less than the one before."""
        shrinking = bool(np.all(self.ratios > 1.0))
        return bool(self.distances[-1] <= self.tolerance and shrinking)

    def __repr__(self) -> str:
        verdict = "converged" if self.converged else "not converged"
        dist = ", ".join(f"{d:.3e}" for d in self.distances)
        return (
            f"RefinementCheck({verdict}: distances [{dist}], implied order {self.order:.3f}, "
            f"tolerance {self.tolerance:.3g})"
        )


def refinement_check(
    scheme: AnyScheme,
    z0: Any,
    *,
    t_end: float,
    tau: float,
    levels: int = 3,
    params: Any = None,
    norm: str = "max",
    tolerance: float = 1e-2,
    engine: str | Engine = "auto",
) -> RefinementCheck:
    """Do ``2n`` steps of size ``tau/2`` give the same curve as ``n`` steps of size ``tau``?

    The criterion of Turinici's slides, which needs no limit ODE: the scheme is run
    at ``tau, tau/2, ..., tau/2**levels`` and successive curves are compared at the
    coarse iterate times on the cumulative-learning-rate axis.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
    z0 : array_like or mapping
    t_end : float
        Must be an integer multiple of ``tau``.
    tau : float
        Coarsest step size.
    levels : int
        Number of halvings (``levels + 1`` runs).
    params : mapping, optional
    norm : {"max", "final"}
    tolerance : float
        Largest acceptable last distance.
    engine : {"auto", "numpy", "numba"} or Engine

    Returns
    -------
    RefinementCheck

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> check = ld.refinement_check(ld.explicit([-x], [x]), [1.0], t_end=1.0, tau=0.01)
    >>> check.converged, round(float(check.ratios[0]), 1)
    (True, 2.0)
    """
    one_of(norm, "norm", NORMS)
    h = positive_float(tau, "tau")
    end = positive_float(t_end, "t_end")
    tol = positive_float(tolerance, "tolerance")
    levels = positive_int(levels, "levels")
    engine = get_engine(engine)
    n = round(end / h)
    if n < 1 or abs(n * h - end) > 1e-9 * end:
        raise InputError(f"t_end = {end} is not an integer multiple of tau = {h}")
    taus = h / 2.0 ** np.arange(levels + 1)
    runs = [
        iterate(scheme, z0, tau=float(t), steps=n * 2**i, params=params, engine=engine).z
        for i, t in enumerate(taus)
    ]
    distances = np.array([_distance(runs[i] - runs[i + 1][::2], norm) for i in range(levels)])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = distances[:-1] / distances[1:]
    return RefinementCheck(taus, distances, ratios, tol, norm)
