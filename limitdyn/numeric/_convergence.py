"""Convergence of the iterates to a reference as the step shrinks.

Both studies judge each level (see :mod:`limitdyn.numeric._levels`): levels at the
rounding floor, unstable ones and pre-asymptotic ones are flagged and left out of the
fitted order, and the result says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._display import dataframe, html_table
from .._engine import Engine, get_engine
from .._multistep import AnyScheme
from .._ode import ODE
from .._progress import progress_bar
from .._scheme import Scheme
from .._validate import one_of, positive_float
from ..errors import DivergenceError, InputError, SchemeError
from ._inputs import (
    check_states_memory,
    one_step_scheme,
    parameter_vector,
    parameters_of,
    schedule_family,
    step_sizes,
)
from ._integrate import integrate
from ._iterate import iterate
from ._jet_fields import modified_flow
from ._levels import EPS, STATUSES, classify, fit_usable, fitted_order, local_orders
from ._manifold import is_one_point, start_state
from ._refinement import RefinementCheck, refinement_check

__all__ = [
    "JET_DIM",
    "NORMS",
    "STATUSES",
    "ConvergenceStudy",
    "RefinementCheck",
    "convergence_study",
    "fitted_order",
    "refinement_check",
]

#: "max": sup over the iterate times of the Euclidean error; "final": Euclidean error at t_end.
NORMS = ("max", "final")
#: relative spacing below which two step sizes count as the same
_SAME_TAU = 1e-9
#: above this many variables a gradient-descent scheme's order-k reference (k <= 3) is
#: its modified field evaluated numerically by Taylor-mode jets, not the symbolic one
JET_DIM = 20


def _distance(diff: np.ndarray, norm: str) -> float:
    pointwise = np.sqrt(np.sum(diff * diff, axis=1))
    return float(pointwise.max() if norm == "max" else pointwise[-1])


def _column(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


@dataclass(frozen=True, eq=False)
class ConvergenceStudy:
    """Errors of the iterates against a reference, for several step sizes.

    Attributes
    ----------
    taus : ndarray, shape (k,)
        The step sizes (schedule scales), decreasing.
    errors : ndarray, shape (k,)
        The error for each step size, in ``norm`` (``inf`` where the iterates diverged).
    norm : str
        "max" (sup over iterate times of the Euclidean error) or "final".
    reference : str
        What the iterates were compared with.
    t_end : float
        Final cumulative learning rate.
    floors : ndarray, shape (k,), optional
        Rounding floor of each level: ``scale * (1000 eps + 10 rtol + n eps) + 10 atol``
        with ``n`` the number of steps (zeros when not given).
    scale : float
        Largest Euclidean norm of the reference at the iterate times (``inf``: unknown).
    schedule : str
        "constant", or a description of the schedule family.
    """

    taus: np.ndarray
    errors: np.ndarray
    norm: str
    reference: str
    t_end: float
    floors: np.ndarray | None = None
    scale: float = math.inf
    schedule: str = "constant"

    def __post_init__(self) -> None:
        taus = np.asarray(self.taus, dtype=float)
        errors = np.asarray(self.errors, dtype=float)
        floors = np.zeros(taus.shape) if self.floors is None else np.asarray(self.floors, float)
        if not taus.shape == errors.shape == floors.shape or taus.ndim != 1:
            raise InputError("ConvergenceStudy: taus, errors and floors differ in shape")
        object.__setattr__(self, "taus", taus)
        object.__setattr__(self, "errors", errors)
        object.__setattr__(self, "floors", floors)

    @cached_property
    def status(self) -> np.ndarray:
        """Per level: "ok", "rounding-floor", "unstable" or "pre-asymptotic" (object array);
        see :mod:`limitdyn.numeric._levels`."""
        assert self.floors is not None
        return classify(self.taus, self.errors, self.floors, self.scale)

    @cached_property
    def _fit(self) -> tuple[float, str]:
        return fit_usable(self.taus, self.errors, self.status)

    @property
    def order(self) -> float:
        """Least-squares log-log slope over the "ok" levels (NaN when fewer than two)."""
        return self._fit[0]

    @property
    def order_reason(self) -> str:
        """Over which levels the order was fitted, which were excluded, or why none."""
        return self._fit[1]

    @property
    def at_rounding_level(self) -> bool:
        """True when every finite error is at the rounding floor: the scheme reproduces
        the reference exactly (to rounding)."""
        return bool(np.all(self.status == "rounding-floor"))

    @cached_property
    def local_orders(self) -> np.ndarray:
        """Orders between successive step sizes, shape (k - 1,); NaN at the floor."""
        return local_orders(self.taus, self.errors, self.status)

    def _columns(self) -> dict[str, list[Any]]:
        return {
            "tau": _column(self.taus),
            "error": _column(self.errors),
            "local order": [math.nan, *_column(self.local_orders)],
            "status": [str(s) for s in self.status],
        }

    def _summary(self) -> str:
        if self.at_rounding_level:
            head = "converged at rounding level (no order: the errors are rounding noise)"
        else:
            head = f"fitted order {self.order:.4f} ({self.order_reason})"
        return f"{head}; {self.norm} norm, reference: {self.reference}, t_end = {self.t_end:g}"

    def table(self) -> str:
        """A plain-text table of tau, error, local order and status, then the fit.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
        ...                              taus=[0.1, 0.05, 0.025])
        >>> print(study.table())
                 tau        error   order  status
          1.0000e-01   1.9201e-02          ok
          5.0000e-02   9.3935e-03   1.031  ok
          2.5000e-02   4.6470e-03   1.015  ok
        fitted order 1.0234 (fitted over 3 levels); max norm, reference: limit ODE, t_end = 1
        """
        rows = [f"{'tau':>12s} {'error':>12s} {'order':>7s}  status"]
        for i, (t, e) in enumerate(zip(self.taus, self.errors)):
            order = f"{self.local_orders[i - 1]:7.3f}" if i else " " * 7
            rows.append(f"{t:12.4e} {e:12.4e} {order}  {self.status[i]}")
        rows.append(self._summary())
        return "\n".join(rows)

    def __repr__(self) -> str:
        return (
            f"ConvergenceStudy({self.taus.size} step sizes in [{self.taus.min():.3g}, "
            f"{self.taus.max():.3g}], order={self.order:.4f} ({self.order_reason}), "
            f"norm={self.norm!r}, reference={self.reference!r})"
        )

    def _repr_html_(self) -> str:
        return html_table(f"ConvergenceStudy: {self._summary()}", self._columns())

    def plot(self, *, ax: Any = None, **kwargs: Any) -> Any:
        """Log-log error against tau with the fitted line; returns the axes.

        See :func:`limitdyn.plotting.plot_convergence`.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
        ...                              taus=[0.1, 0.05, 0.025])
        >>> ax = study.plot()
        >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines) >= 1
        ('log', 'log', True)
        """
        from ..plotting import plot_convergence

        return plot_convergence(self, ax=ax, **kwargs)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: ``tau``, ``error``, ``local order``, ``status`` per level;
        ``attrs`` holds the fitted ``order``, ``order_reason``, ``norm`` and ``reference``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
        ...                              taus=[0.1, 0.05, 0.025])
        >>> df = study.to_dataframe()
        >>> list(df.columns), len(df)
        (['tau', 'error', 'local order', 'status'], 3)
        >>> # first order: halving tau halves the error
        >>> bool(round(df["error"].iloc[0] / df["error"].iloc[1], 1) == 2.0)
        True
        """
        frame = dataframe(self._columns())
        frame.attrs.update(
            order=self.order,
            order_reason=self.order_reason,
            norm=self.norm,
            reference=self.reference,
            t_end=self.t_end,
        )
        return frame


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


def _step_sizes(taus: Any) -> np.ndarray:
    """``taus`` as a decreasing array of distinct positive step sizes."""
    try:
        steps = np.asarray(taus, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("taus: expected a sequence of step sizes") from None
    if steps.size < 2:
        raise InputError("taus: give at least two step sizes")
    for h in steps:
        positive_float(h, "each tau")
    steps = np.sort(steps)[::-1].copy()
    same = np.flatnonzero(steps[1:] >= steps[:-1] * (1 - _SAME_TAU))
    if same.size:
        raise InputError(
            f"taus: the step size {steps[same[0]]:g} is given twice; a local order needs "
            "distinct step sizes"
        )
    return steps


def _describe(schedule: Any) -> str:
    return "constant" if schedule is None else getattr(schedule, "__name__", "schedule family")


def _run_steps(schedule: Any, h: float, end: float) -> dict[str, Any]:
    """The keyword arguments of :func:`iterate` for step size (or schedule scale) ``h``."""
    if schedule is None:
        return {"tau": h, "t_end": end}
    return {"schedule": schedule_family(schedule, h, t_end=end)}


def convergence_study(
    scheme: AnyScheme,
    z0: Any,
    *,
    t_end: float,
    taus: Any,
    params: Any = None,
    reference: Any = "limit",
    norm: str = "max",
    schedule: Any = None,
    engine: str | Engine = "auto",
    rtol: float = 1e-12,
    atol: float = 1e-13,
    progress: bool | None = None,
) -> ConvergenceStudy:
    """Measure how the iterates approach a reference solution as tau shrinks.

    For each tau the scheme is iterated to ``t_end`` and compared, at every iterate
    time ``t_n`` (the cumulative learning rate), with the reference's dense output
    (DOP853 at tight tolerances). Each level is then judged (``status``): errors at the
    rounding floor, unstable levels (diverged, larger than the solution, or growing as tau
    shrinks) and pre-asymptotic coarse levels are left out of the fitted ``order``, and
    ``order_reason`` says which.

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
        Distinct step sizes (any ratios; sorted decreasing in the result).
    params : mapping, optional
        Parameter values.
    reference : "limit", int or ODE
        "limit": the limit ODE; ``k``: the modified equation of order k (solved
        anew for each tau); an ODE on the scheme's variables. For gradient descent
        (one explicit stage ``z + tau f(z)``, ``f`` built from ``+``, ``*``, powers,
        ``exp``, ``log``, ``tanh``, ``sin``, ``cos``, ``sinh``, ``cosh``) and
        ``k <= 3``, the order-k modified field is evaluated numerically by Taylor-mode
        jets (:class:`~limitdyn.numeric._jet_fields.JetField`, integrated by
        :func:`~limitdyn.numeric._jet_fields.modified_flow`) instead of symbolically
        when the scheme has more than :data:`JET_DIM` (20) variables or
        :func:`~limitdyn.symbolic._backward.estimated_cost` of the symbolic order
        exceeds its ``COST_LIMIT``; the iterates are then computed from the same tape
        (``z + tau f(z)``: generated code for thousands of components is out of reach
        too), and ``reference`` of the result says "(numeric: Taylor-mode jets)".
    norm : {"max", "final"}
        Sup over the iterate times, or the final time, of the Euclidean error.
    schedule : callable, optional
        A learning-rate schedule family ``tau -> step sizes`` (e.g.
        ``lambda tau: tau / (1 + 0.5 * tau * np.arange(10**6))``): each level runs
        ``schedule(tau)`` up to ``t_end`` (the last step shortened to land on it; see
        :func:`~limitdyn.numeric._inputs.schedule_family`) instead of the constant ``tau``.
    engine : {"auto", "numpy", "numba"} or Engine
        Passed to :func:`iterate` (or to the jet tape).
    rtol, atol : float
        Tolerances of the reference solve (they enter the rounding floor).
    progress : bool, optional
        Progress bar (default: on a terminal).

    Returns
    -------
    ConvergenceStudy

    Raises
    ------
    InputError
        Fewer than two or repeated step sizes; bad schedule output; bad state, parameters,
        norm or reference.
    SolverError
        The reference solve or an implicit step failed.

    Examples
    --------
    Explicit Euler is first order, also on a decaying schedule:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
    ...                              taus=[0.01, 0.005, 0.0025], progress=False)
    >>> round(study.order, 2), study.status.tolist()
    (1.0, ['ok', 'ok', 'ok'])
    >>> decay = lambda tau: tau / (1 + np.arange(10**5) * tau)
    >>> study = ld.convergence_study(ld.explicit([-x], [x]), [1.0], t_end=1.0,
    ...                              taus=[0.01, 0.005, 0.0025], schedule=decay, progress=False)
    >>> round(study.order, 2)
    1.0
    """
    one_step_scheme(scheme)
    one_of(norm, "norm", NORMS)
    engine = get_engine(engine)
    end = positive_float(t_end, "t_end")
    steps = _step_sizes(taus)
    rtol = positive_float(rtol, "rtol")
    atol = positive_float(atol, "atol")
    ode, order, label = _reference_ode(scheme, reference)
    if schedule is not None and order:
        raise InputError(
            f"a schedule family is compared with the limit ODE or a given ODE; the modified "
            f"equation of order {order} needs a constant tau"
        )
    given = {} if params is None else dict(params)
    one_point = is_one_point(scheme, z0)
    start_order = max(order or 1, 1) + 1
    ode_params = {} if ode is None else parameters_of(given, ode)
    jets = None
    if order is not None and schedule is None:
        jets = _jet_reference(scheme, order, params, engine)
    if jets is not None:
        label += " (numeric: Taylor-mode jets)"
    shared = None
    if ode is not None and not one_point:
        shared = integrate(ode, z0, t_end=end, params=ode_params, rtol=rtol, atol=atol)
    errors = np.empty(steps.size)
    floors = np.empty(steps.size)
    scale = 0.0
    for i, h in enumerate(progress_bar(steps, desc="convergence", enabled=progress)):
        run = _run_steps(schedule, float(h), end)
        first = float(run["schedule"][0]) if "schedule" in run else float(h)
        zh = start_state(scheme, z0, tau=first, params=params, order=start_order)
        ref: Any = shared
        if ref is None and ode is not None:
            ref = integrate(ode, zh, t_end=end, params=ode_params, rtol=rtol, atol=atol)
        elif ref is None:
            assert order is not None
            if jets is not None:
                ref = modified_flow(
                    jets, zh, tau=float(h), order=order, t_end=end, rtol=rtol, atol=atol
                )
            else:
                ref = _modified_reference(scheme, order, zh, end, given, float(h), rtol, atol)
        n = len(run["schedule"]) if "schedule" in run else math.ceil(end / h)
        check_states_memory(n + 1, scheme.dim, what=f"the run at tau = {h:g}")
        if jets is not None:
            iterates = _tape_run(jets, zh, float(h), end)
        else:
            try:
                traj = iterate(scheme, zh, params=params, engine=engine, **run)
                iterates = traj.t, traj.z
            except DivergenceError:
                iterates = None
        if iterates is None:
            errors[i], floors[i] = math.inf, 0.0
            continue
        times, states = iterates
        exact = ref.dense(times).T
        size = float(np.sqrt(np.sum(exact * exact, axis=1)).max())
        scale = max(scale, size)
        errors[i] = _distance(states - exact, norm)
        floors[i] = (1e3 * EPS + 10 * rtol + (len(times) - 1) * EPS) * size + 10 * atol
    return ConvergenceStudy(
        steps, errors, norm, label, end, floors, scale if scale > 0 else 1.0, _describe(schedule)
    )


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


def _jet_reference(scheme: AnyScheme, order: int, params: Any, engine: Engine) -> Any:
    """The :class:`~limitdyn.numeric._jet_fields.JetField` of ``scheme`` when its order-k
    reference is computed numerically (see :func:`convergence_study`), else None."""
    from ._jet_fields import MAX_ORDER, jet_field

    if order > MAX_ORDER or not isinstance(scheme, Scheme):
        return None
    if scheme.dim <= JET_DIM:
        from ..symbolic._backward import COST_LIMIT, estimated_cost

        if estimated_cost(scheme, order) <= COST_LIMIT:
            return None
    parameter_vector(params, scheme.parameters, step=scheme.step)  # names checked as iterate's
    try:
        return jet_field(scheme, params=params, engine=engine)
    except SchemeError:  # not gradient descent, or a node jets do not cover
        return None


def _tape_run(field: Any, z0: np.ndarray, h: float, end: float) -> Any:
    """``(times, states)`` of ``z+ = z + h f(z)`` up to ``end`` with ``f`` from the jet tape
    (the last step shortened onto ``end`` as in :func:`iterate`); None on divergence."""
    hs, stride, n = step_sizes(tau=h, steps=None, t_end=end, schedule=None)
    t = np.zeros(n + 1)
    z = np.empty((n + 1, z0.size))
    z[0] = z0
    with np.errstate(all="ignore"):
        for k in range(n):
            step = float(hs[k * stride])
            z[k + 1] = z[k] + step * field(z[k])
            t[k + 1] = t[k] + step
            if not np.all(np.isfinite(z[k + 1])):
                return None
    return t, z
