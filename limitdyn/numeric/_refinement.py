"""Turinici's refinement criterion: twice the steps at half the size, same curve?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._display import dataframe, html_table
from .._engine import Engine, get_engine
from .._multistep import AnyScheme
from .._validate import one_of, positive_float, positive_int
from ..errors import DivergenceError, InputError
from ._inputs import check_states_memory, one_step_scheme, schedule_family
from ._iterate import iterate
from ._levels import EPS, classify, fit_usable, local_orders

__all__ = ["RefinementCheck", "refinement_check"]

_NORMS = ("max", "final")


@dataclass(frozen=True, eq=False)
class RefinementCheck:
    """Turinici's criterion: do twice the steps at half the size give the same curve?

    Attributes
    ----------
    taus : ndarray, shape (levels + 1,)
        ``tau, tau/2, ...`` (step sizes, or schedule scales).
    distances : ndarray, shape (levels,)
        Distance between the curves of ``taus[i]`` and ``taus[i + 1]`` at the coarse
        iterate times (cumulative learning rate), in ``norm`` (``inf`` after a divergence).
    ratios : ndarray, shape (levels - 1,)
        ``distances[i] / distances[i + 1]``: 2 for a first-order scheme.
    tolerance : float
        Relative tolerance of the verdict: the last distance must be at most
        ``tolerance * scale``.
    norm : str
        "max" or "final".
    scale : float
        Largest Euclidean norm of the finest curve (1 when it is zero).
    floors : ndarray, shape (levels,), optional
        Rounding floor of each distance, ``eps * scale * (1000 + n)`` with ``n`` the steps
        of the finer run (zeros when not given).
    interpolated : bool
        True when a schedule family's finer grid does not contain the coarse times and the
        finer curve was read there from a cubic spline.
    """

    taus: np.ndarray
    distances: np.ndarray
    ratios: np.ndarray
    tolerance: float
    norm: str
    scale: float = 1.0
    floors: np.ndarray | None = None
    interpolated: bool = False

    def __post_init__(self) -> None:
        distances = np.asarray(self.distances, dtype=float)
        floors = np.zeros(distances.shape) if self.floors is None else self.floors
        object.__setattr__(self, "floors", np.asarray(floors, dtype=float))

    @cached_property
    def status(self) -> np.ndarray:
        """Per distance: "ok", "rounding-floor", "unstable" or "pre-asymptotic"."""
        assert self.floors is not None
        return classify(self.taus[:-1], self.distances, self.floors, self.scale)

    @cached_property
    def _fit(self) -> tuple[float, str]:
        if self.distances.size < 2:
            return math.nan, "no order: one refinement"
        return fit_usable(self.taus[:-1], self.distances, self.status)

    @property
    def order(self) -> float:
        """Order implied by the "ok" distances (least squares in log-log)."""
        return self._fit[0]

    @property
    def order_reason(self) -> str:
        """Over which distances the order was fitted, or why there is none."""
        return self._fit[1]

    @cached_property
    def local_orders(self) -> np.ndarray:
        """``log2`` of the ratios, NaN at the rounding floor; shape (levels - 1,)."""
        return local_orders(self.taus[:-1], self.distances, self.status)

    @property
    def verdict(self) -> str:
        """ "converged at rounding level" (every distance at the rounding floor: the curves
        agree to rounding, as for an exact scheme), "converged" (the last distance within
        ``tolerance * scale`` and the usable distances shrinking), "unstable" (the last
        refinement diverged or grew) or "not converged"."""
        status = self.status
        if np.all(status == "rounding-floor"):
            return "converged at rounding level"
        if status[-1] == "unstable":
            return "unstable"
        usable = self.distances[status != "rounding-floor"]
        shrinking = bool(np.all(usable[1:] < usable[:-1]))
        last_ok = (
            status[-1] == "rounding-floor" or self.distances[-1] <= self.tolerance * self.scale
        )
        return "converged" if (last_ok and shrinking) else "not converged"

    @property
    def converged(self) -> bool:
        """True for the verdicts "converged" and "converged at rounding level"."""
        return self.verdict.startswith("converged")

    def _columns(self) -> dict[str, list[Any]]:
        return {
            "tau": [float(t) for t in self.taus[:-1]],
            "distance": [float(d) for d in self.distances],
            "local order": [math.nan, *[float(p) for p in self.local_orders]],
            "status": [str(s) for s in self.status],
        }

    def _summary(self) -> str:
        return (
            f"{self.verdict}: implied order {self.order:.3f} ({self.order_reason}); relative "
            f"tolerance {self.tolerance:.3g} of scale {self.scale:.3g}, {self.norm} norm"
        )

    def table(self) -> str:
        """A plain-text table of tau, distance to the halved run, local order and status.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> check = ld.refinement_check(ld.explicit([-x], [x]), [1.0], t_end=1.0, tau=0.01)
        >>> print(check.table())
                 tau     distance   order  status
          1.0000e-02   9.2548e-04          ok
          5.0000e-03   4.6129e-04   1.005  ok
          2.5000e-03   2.3028e-04   1.002  ok
        converged: implied order 1.003 (fitted over 3 levels); relative tolerance 0.01 of ...
        """
        rows = [f"{'tau':>12s} {'distance':>12s} {'order':>7s}  status"]
        for i, (t, d) in enumerate(zip(self.taus[:-1], self.distances)):
            order = f"{self.local_orders[i - 1]:7.3f}" if i else " " * 7
            rows.append(f"{t:12.4e} {d:12.4e} {order}  {self.status[i]}")
        rows.append(self._summary())
        return "\n".join(rows)

    def __repr__(self) -> str:
        dist = ", ".join(f"{d:.3e}" for d in self.distances)
        return (
            f"RefinementCheck({self.verdict}: distances [{dist}], implied order "
            f"{self.order:.3f}, tolerance {self.tolerance:.3g} x scale {self.scale:.3g})"
        )

    def _repr_html_(self) -> str:
        return html_table(f"RefinementCheck: {self._summary()}", self._columns())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of the table (``tau``, ``distance``, ``local order``,
        ``status``); ``attrs`` holds the ``verdict``, ``order`` and ``tolerance``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> check = ld.refinement_check(ld.explicit([-x], [x]), [1.0], t_end=1.0, tau=0.01)
        >>> df = check.to_dataframe()
        >>> list(df.columns), len(df)
        (['tau', 'distance', 'local order', 'status'], 3)
        """
        frame = dataframe(self._columns())
        frame.attrs.update(verdict=self.verdict, order=self.order, tolerance=self.tolerance)
        return frame


def _at_coarse_times(t_c: np.ndarray, t_f: np.ndarray, z_f: np.ndarray) -> tuple[np.ndarray, bool]:
    """The finer curve at the coarse times: its own points when it has them, else a spline."""
    idx = np.clip(np.searchsorted(t_f, t_c), 0, t_f.size - 1)
    if np.all(np.abs(t_f[idx] - t_c) <= 1e-12 * max(1.0, float(t_c[-1]))):
        return z_f[idx], False
    from scipy.interpolate import CubicSpline

    return CubicSpline(t_f, z_f, axis=0)(t_c), True


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
    schedule: Any = None,
    engine: str | Engine = "auto",
) -> RefinementCheck:
    """Do ``2n`` steps of size ``tau/2`` give the same curve as ``n`` steps of size ``tau``?

    The criterion of Turinici's slides, which needs no limit ODE: the scheme is run
    at ``tau, tau/2, ..., tau/2**levels`` and successive curves are compared at the
    coarse iterate times on the cumulative-learning-rate axis. Each distance is judged
    as in :func:`convergence_study` (rounding floor, unstable, pre-asymptotic), and the
    verdict uses a tolerance relative to the size of the curve.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        A two-step scheme given only its current state starts each run on its invariant
        manifold (:func:`~limitdyn.numeric.manifold_start`).
    z0 : array_like or mapping
    t_end : float
        Must be an integer multiple of ``tau`` (constant steps).
    tau : float
        Coarsest step size (or schedule scale).
    levels : int
        Number of halvings (``levels + 1`` runs). The finest run must fit in
        the memory cap (:data:`limitdyn._validate.MEMORY_LIMIT`, 16 GiB); this is checked
        before any run.
    params : mapping, optional
    norm : {"max", "final"}
    tolerance : float
        Largest acceptable last distance, relative to the largest norm of the finest curve.
    schedule : callable, optional
        A learning-rate schedule family ``tau -> step sizes``: level ``i`` runs
        ``schedule(tau / 2**i)`` up to ``t_end``. Curves are compared at the coarse times
        (read from a cubic spline of the finer run when its grid lacks them).
    engine : {"auto", "numpy", "numba"} or Engine

    Returns
    -------
    RefinementCheck

    Raises
    ------
    InputError
        Bad arguments; a run that would not fit in memory.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> check = ld.refinement_check(ld.explicit([-x], [x]), [1.0], t_end=1.0, tau=0.01)
    >>> check.verdict, round(float(check.ratios[0]), 1)
    ('converged', 2.0)

    An exact scheme agrees with itself to rounding:

    >>> exact = ld.from_map({x: x * sp.exp(-ld.tau)})
    >>> ld.refinement_check(exact, [1.0], t_end=1.0, tau=0.1).verdict
    'converged at rounding level'
    """
    one_step_scheme(scheme)
    one_of(norm, "norm", _NORMS)
    h = positive_float(tau, "tau")
    end = positive_float(t_end, "t_end")
    tol = positive_float(tolerance, "tolerance")
    levels = positive_int(levels, "levels")
    engine = get_engine(engine)
    taus = h / 2.0 ** np.arange(levels + 1)
    if schedule is None:
        n = round(end / h)
        if n < 1 or abs(n * h - end) > 1e-9 * end:
            raise InputError(f"t_end = {end} is not an integer multiple of tau = {h}")
        check_states_memory(
            n * 2**levels + 1, scheme.dim, what=f"refinement_check with {levels} levels"
        )
    distances = np.empty(levels)
    floors = np.zeros(levels)
    scale, interpolated = 0.0, False
    previous = None
    for i, t in enumerate(taus):
        if schedule is None:
            run: dict[str, Any] = {"tau": float(t), "steps": round(end / h) * 2**i}
        else:
            run = {"schedule": schedule_family(schedule, float(t), t_end=end)}
        try:
            traj = iterate(scheme, z0, params=params, engine=engine, **run)
            current: tuple[np.ndarray, np.ndarray] | None = (traj.t, traj.z)
        except DivergenceError:
            current = None
        if current is not None:
            scale = max(scale, float(np.sqrt(np.sum(current[1] ** 2, axis=1)).max()))
        if i > 0:
            if previous is None or current is None:
                distances[i - 1] = math.inf
            else:
                fine, spline = _at_coarse_times(previous[0], current[0], current[1])
                interpolated |= spline
                distances[i - 1] = _distance(previous[1] - fine, norm)
                floors[i - 1] = len(current[0]) + 1e3
        previous = current
    scale = scale if scale > 0 else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = distances[:-1] / distances[1:]
    return RefinementCheck(
        taus, distances, ratios, tol, norm, scale, floors * EPS * scale, interpolated
    )


def _distance(diff: np.ndarray, norm: str) -> float:
    pointwise = np.sqrt(np.sum(diff * diff, axis=1))
    return float(pointwise.max() if norm == "max" else pointwise[-1])
