"""Reference solutions of ODEs with the solvers of :mod:`scipy.integrate`, bounded.

The solver is stepped here (as :func:`scipy.integrate.solve_ivp` does) rather than through
``solve_ivp``, so that every solve is bounded: at most ``max_steps`` solver steps and,
optionally, ``max_seconds`` of wall-clock time; past either, or when the solver fails or the
solution leaves the finite floats, a :class:`~limitdyn.errors.SolverError` says where.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._ode import ODE
from .._validate import one_of, positive_float, positive_int
from ..errors import InputError, SolverError
from ._compile import compile_ode
from ._inputs import parameter_vector, state_vector
from ._trajectory import Trajectory

__all__ = ["MAX_STEPS", "METHODS", "integrate"]

#: solve_ivp methods; the implicit ones receive the exact SymPy Jacobian.
METHODS = ("RK23", "RK45", "DOP853", "Radau", "BDF", "LSODA")
_WITH_JACOBIAN = ("Radau", "BDF", "LSODA")
#: default bound on the solver steps of one :func:`integrate` call
MAX_STEPS = 100_000


def _solver_class(method: Any) -> tuple[type, str]:
    """The :class:`scipy.integrate.OdeSolver` subclass named or given by ``method``."""
    from scipy.integrate import OdeSolver
    from scipy.integrate._ivp.ivp import METHODS as SCIPY_METHODS

    if isinstance(method, type) and issubclass(method, OdeSolver):
        return method, method.__name__
    if isinstance(method, str):
        one_of(method, "method", METHODS)
        return SCIPY_METHODS[method], method
    raise InputError(
        f"unknown method {method!r}; valid methods: {', '.join(METHODS)}, "
        "or a scipy.integrate.OdeSolver subclass"
    )


def _times(t_end: Any, t_eval: Any) -> tuple[float, np.ndarray | None]:
    if t_eval is None:
        if t_end is None:
            raise InputError("give t_end or t_eval")
        return positive_float(t_end, "t_end"), None
    try:
        evals = np.asarray(t_eval, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("t_eval must be a sequence of times") from None
    if evals.size == 0 or not np.all(np.isfinite(evals)):
        raise InputError("t_eval must be a non-empty sequence of finite times")
    if np.any(np.diff(evals) < 0) or evals[0] < 0:
        raise InputError("t_eval must be increasing and start at or after 0")
    if t_end is None and evals[-1] == 0.0:
        raise InputError("t_end must be positive (t_eval ends at 0)")
    end = float(evals[-1]) if t_end is None else positive_float(t_end, "t_end")
    if evals[-1] > end:
        raise InputError(f"t_eval goes past t_end = {end}")
    return end, evals


def integrate(
    ode: ODE,
    z0: Any,
    *,
    t_end: float | None = None,
    t_eval: Any = None,
    params: Any = None,
    method: str | type = "DOP853",
    rtol: float = 1e-10,
    atol: float = 1e-12,
    max_steps: int = MAX_STEPS,
    max_seconds: float | None = None,
) -> Trajectory:
    """Solve an ODE from ``z0`` at ``t = 0`` with dense output, in bounded work.

    Parameters
    ----------
    ode : ODE
        The system, e.g. from :func:`~limitdyn.limit_ode`.
    z0 : array_like, shape (d,), or mapping
        Initial state (finite).
    t_end : float, optional
        Final time; the solver's own steps are returned.
    t_eval : array_like, optional
        Increasing times in ``[0, t_end]`` at which to report the solution
        (``t_end`` defaults to the last of them).
    params : mapping, optional
        Values of ``ode.parameters`` (finite; each parameter once).
    method : {"RK23", "RK45", "DOP853", "Radau", "BDF", "LSODA"} or OdeSolver subclass
        A :func:`scipy.integrate.solve_ivp` method by name, or a solver class
        (a subclass of :class:`scipy.integrate.OdeSolver`, e.g.
        ``scipy.integrate.Radau``). The implicit ones named get the exact Jacobian;
        a class receives it when it is, or derives from, Radau, BDF or LSODA.
    rtol, atol : float
        Tolerances.
    max_steps : int
        Largest number of solver steps (default :data:`MAX_STEPS`).
    max_seconds : float, optional
        Wall-clock budget in seconds (checked between steps); None for no limit.

    Returns
    -------
    Trajectory
        With ``dense`` set to the continuous solution.

    Raises
    ------
    SolverError
        The solver failed (a step below the float spacing, a blow-up), the solution left
        the finite floats, or the step or time budget ran out; ``step`` is the number of
        steps taken and ``time`` the time reached (``residual`` is ``nan``).
    InputError
        Bad arguments: an unknown method, bad times, tolerances, budgets, state or
        parameters.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ode = ld.ODE((x, y), sp.Matrix([y, -x]))
    >>> sol = ld.integrate(ode, [1.0, 0.0], t_eval=[0.0, np.pi / 2, np.pi])
    >>> bool(np.allclose(sol.z, [[1, 0], [0, -1], [-1, 0]], atol=1e-8))
    True

    A solution that blows up at ``t = 1`` fails in bounded work:

    >>> ld.integrate(ld.ODE([x], [x**2]), [1.0], t_end=2.0, method="LSODA", max_steps=500)
    Traceback (most recent call last):
    ...
    limitdyn.errors.SolverError: LSODA failed on the ODE: 500 steps (max_steps) did not reach ...
    """
    from scipy.integrate import BDF, LSODA, OdeSolution, Radau

    if not isinstance(ode, ODE):
        raise InputError(f"expected an ODE, got {type(ode).__name__}")
    cls, label = _solver_class(method)
    rtol = positive_float(rtol, "rtol")
    atol = positive_float(atol, "atol")
    budget = positive_int(max_steps, "max_steps")
    deadline = None
    if max_seconds is not None:
        deadline = time.monotonic() + positive_float(max_seconds, "max_seconds")
    end, evals = _times(t_end, t_eval)
    y0 = state_vector(z0, ode.variables)
    p = parameter_vector(params, ode.parameters)
    rhs, jac = compile_ode(ode, ode.parameters)
    options: dict[str, Any] = {}
    if issubclass(cls, (Radau, BDF, LSODA)):
        options["jac"] = lambda t, y: jac(t, y, p)
    where = f"{label} failed on {ode.name or 'the ODE'}"

    def fail(reason: str, steps: int, reached: float) -> SolverError:
        return SolverError(f"{where}: {reason}", step=steps, time=reached, residual=float("nan"))

    ts, ys, pieces = [0.0], [y0], []
    with np.errstate(all="ignore"):
        solver = cls(lambda t, y: rhs(t, y, p), 0.0, y0, end, rtol=rtol, atol=atol, **options)
        steps = 0
        while solver.status == "running":
            if steps >= budget:
                reason = f"{budget} steps (max_steps) did not reach t_end = {end:g}"
                raise fail(reason, steps, ts[-1])
            if deadline is not None and time.monotonic() > deadline:
                raise fail(f"max_seconds = {max_seconds} ran out", steps, ts[-1])
            message = solver.step()
            steps += 1
            if solver.status == "failed":
                raise fail(str(message), steps, ts[-1])
            if not np.all(np.isfinite(solver.y)):
                raise fail("the solution left the finite floats", steps, float(solver.t))
            ts.append(float(solver.t))
            ys.append(np.array(solver.y, dtype=float))
            pieces.append(solver.dense_output())
        dense = OdeSolution(np.array(ts), pieces)
        if evals is not None:
            t_out = evals
            z_out = np.atleast_2d(dense(evals)).reshape(len(y0), -1).T
            if not np.all(np.isfinite(z_out)):  # pragma: no cover - finite steps interpolate
                raise fail("the dense output is not finite", steps, ts[-1])
        else:
            t_out, z_out = np.array(ts), np.array(ys)
    return Trajectory(
        ode.variables,
        np.ascontiguousarray(t_out),
        np.ascontiguousarray(z_out),
        dense=dense,
        label=ode.name or "ODE",
    )
