"""Reference solutions of ODEs with :func:`scipy.integrate.solve_ivp`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._ode import ODE
from .._validate import one_of, positive_float
from ..errors import InputError, SolverError
from ._compile import compile_ode
from ._inputs import parameter_vector, state_vector
from ._trajectory import Trajectory

__all__ = ["METHODS", "integrate"]

#: solve_ivp methods; the implicit ones receive the exact SymPy Jacobian.
METHODS = ("RK23", "RK45", "DOP853", "Radau", "BDF", "LSODA")
_WITH_JACOBIAN = ("Radau", "BDF", "LSODA")


def integrate(
    ode: ODE,
    z0: Any,
    *,
    t_end: float | None = None,
    t_eval: Any = None,
    params: Any = None,
    method: str = "DOP853",
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> Trajectory:
    """Solve an ODE from ``z0`` at ``t = 0`` with dense output.

    Parameters
    ----------
    ode : ODE
        The system, e.g. from :func:`~limitdyn.limit_ode`.
    z0 : array_like, shape (d,), or mapping
        Initial state.
    t_end : float, optional
        Final time; the solver's own steps are returned.
    t_eval : array_like, optional
        Increasing times in ``[0, t_end]`` at which to report the solution
        (``t_end`` defaults to the last of them).
    params : mapping, optional
        Values of ``ode.parameters``.
    method : {"RK23", "RK45", "DOP853", "Radau", "BDF", "LSODA"}
        The :func:`scipy.integrate.solve_ivp` method; implicit ones get the exact Jacobian.
    rtol, atol : float
        Tolerances.

    Returns
    -------
    Trajectory
        With ``dense`` set to the continuous solution.

    Raises
    ------
    SolverError
        If the solver fails (the step, time reached and ``nan`` residual are reported).
    InputError
        Bad arguments: an unknown method, bad times, tolerances, state or parameters.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ode = ld.ODE((x, y), sp.Matrix([y, -x]))
    >>> sol = ld.integrate(ode, [1.0, 0.0], t_eval=[0.0, np.pi / 2, np.pi])
    >>> np.round(sol.z, 8) + 0.0
    array([[ 1.,  0.],
           [ 0., -1.],
           [-1., -0.]])
    """
    from scipy.integrate import solve_ivp

    if not isinstance(ode, ODE):
        raise InputError(f"expected an ODE, got {type(ode).__name__}")
    one_of(method, "method", METHODS)
    rtol = positive_float(rtol, "rtol")
    atol = positive_float(atol, "atol")
    evals = None
    if t_eval is not None:
        evals = np.asarray(t_eval, dtype=float).reshape(-1)
        if evals.size == 0 or not np.all(np.isfinite(evals)):
            raise InputError("t_eval must be a non-empty sequence of finite times")
        if np.any(np.diff(evals) < 0) or evals[0] < 0:
            raise InputError("t_eval must be increasing and start at or after 0")
        end = float(evals[-1]) if t_end is None else positive_float(t_end, "t_end")
        if evals[-1] > end:
            raise InputError(f"t_eval goes past t_end = {end}")
    elif t_end is None:
        raise InputError("give t_end or t_eval")
    else:
        end = positive_float(t_end, "t_end")
    y0 = state_vector(z0, ode.variables)
    p = parameter_vector(params, ode.parameters)
    rhs, jac = compile_ode(ode, ode.parameters)
    options: dict[str, Any] = {}
    if method in _WITH_JACOBIAN:
        options["jac"] = jac
    if end == 0.0:
        raise InputError("t_end must be positive")
    with np.errstate(all="ignore"):
        result = solve_ivp(
            rhs,
            (0.0, end),
            y0,
            method=method,
            t_eval=evals,
            dense_output=True,
            rtol=rtol,
            atol=atol,
            args=(p,),
            **options,
        )
    if result.status < 0 or not np.all(np.isfinite(result.y)):
        reached = float(result.t[-1]) if result.t.size else 0.0
        raise SolverError(
            f"{method} failed on {ode.name or 'the ODE'}: {result.message}",
            step=int(result.t.size),
            time=reached,
            residual=float("nan"),
        )
    return Trajectory(
        ode.variables,
        np.ascontiguousarray(result.t),
        np.ascontiguousarray(result.y.T),
        dense=result.sol,
        label=ode.name or "ODE",
    )
