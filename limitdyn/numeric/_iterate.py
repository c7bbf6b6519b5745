"""Iterate a scheme: the discrete trajectory on the cumulative-learning-rate axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._engine import Engine, get_engine
from .._multistep import AnyScheme
from .._validate import positive_float, positive_int
from ..errors import DivergenceError, InputError, LimitdynError, SolverError
from ._compile import compile_scheme
from ._inputs import check_states_memory, one_step_scheme, parameter_vector, step_sizes
from ._manifold import start_state
from ._trajectory import Trajectory

__all__ = ["iterate"]

_ON_DIVERGENCE = ("raise", "stop")


def iterate(
    scheme: AnyScheme,
    z0: Any,
    *,
    tau: float | None = None,
    steps: int | None = None,
    t_end: float | None = None,
    params: Any = None,
    schedule: Any = None,
    engine: str | Engine = "auto",
    on_divergence: str = "raise",
    tol: float = 1e-12,
    maxiter: int = 50,
) -> Trajectory:
    """Run a scheme from ``z0``.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        The update rule; a two-step scheme runs on its doubled state ``(x, x_prev)``.
    z0 : array_like, shape (d,), or mapping
        Initial state, aligned with ``scheme.variables`` (or keyed by symbol/name). A
        two-step scheme given only its current state (``len(scheme.current)`` values)
        starts on its invariant manifold for the first step size
        (:func:`~limitdyn.numeric.manifold_start`, order 2), as in
        :func:`~limitdyn.convergence_study`; give ``(x0, x_prev)`` to choose the start.
    tau : float, optional
        Constant step size, with ``steps`` or ``t_end``.
    steps : int, optional
        Number of steps. The states are stored: a run needing more than
        the memory cap (:data:`limitdyn._validate.MEMORY_LIMIT`, 16 GiB) is refused
        before anything is allocated.
    t_end : float, optional
        Final cumulative learning rate; the last step is shortened to land on it
        when ``t_end / tau`` is not an integer.
    params : mapping, optional
        Values of ``scheme.parameters``, keyed by Symbol or name (finite, each once; the
        step symbol is not a parameter).
    schedule : array_like, shape (n,), optional
        Step sizes (a learning-rate schedule) used instead of ``tau``.
    engine : {"auto", "numpy", "numba"} or Engine
        "numba" runs the generated loop jitted; "numpy" as plain Python; "auto" picks
        numba when it is installed.
    on_divergence : {"raise", "stop"}
        What to do when an iterate leaves the finite floats.
    tol : float
        Newton tolerance of implicit stages: stop when the update is at most
        ``tol * (1 + |w|)`` in the max-norm.
    maxiter : int
        Newton iterations allowed per implicit stage and step.

    Returns
    -------
    Trajectory
        ``t`` (n + 1,) from 0, ``z`` (n + 1, d).

    Raises
    ------
    DivergenceError
        An iterate is not finite (``on_divergence="raise"``).
    SolverError
        An implicit stage did not converge; carries the step, time and residual.
    InputError
        Bad arguments (the message names which): a state or parameter that is not finite,
        a parameter given twice, a run too large to store.
    SchemeError
        A scheme built by hand whose rates contain the step symbol.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> traj = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.5, steps=3)
    >>> traj.t.tolist(), traj.z[:, 0].tolist()
    ([0.0, 0.5, 1.0, 1.5], [1.0, 0.5, 0.25, 0.125])
    """
    one_step = one_step_scheme(scheme)
    if on_divergence not in _ON_DIVERGENCE:
        raise InputError(
            f"unknown on_divergence {on_divergence!r}; valid values: {', '.join(_ON_DIVERGENCE)}"
        )
    iterations = positive_int(maxiter, "maxiter")
    tolerance = positive_float(tol, "tol")
    hs, stride, n = step_sizes(tau=tau, steps=steps, t_end=t_end, schedule=schedule)
    check_states_memory(n + 1, scheme.dim, what=f"iterate with {n} steps")
    p = parameter_vector(params, scheme.parameters, step=scheme.step)
    z = start_state(scheme, z0, tau=float(hs[0]), params=params)
    compiled = compile_scheme(one_step, get_engine(engine))
    out = np.empty((n + 1, scheme.dim))
    t = np.zeros(n + 1)
    m = compiled.newton_size
    status, index, residual = compiled.run(
        z, p, hs, stride, out, t, tolerance, iterations, np.empty((m, m)), np.empty(m)
    )
    if status == 1:
        raise SolverError(
            f"an implicit stage of {scheme.name or 'the scheme'} did not converge",
            step=int(index),
            time=float(t[index]),
            residual=float(residual),
        )
    if status == 2:
        # iterate ``index`` is not finite; the loop may stop before storing its time
        # (a float exception of the numpy engine), so it is summed here as the loop sums it
        at = float(t[index - 1] + hs[(index - 1) * stride])
        if on_divergence == "raise":
            raise DivergenceError("the iterates left the finite floats", step=int(index), time=at)
        return Trajectory(
            scheme.variables, t[:index].copy(), out[:index].copy(), int(index), label=scheme.name
        )
    if status != 0:  # pragma: no cover - generated code returns 0, 1 or 2
        raise LimitdynError(f"internal error: the generated loop returned status {status}")
    return Trajectory(scheme.variables, t, out, label=scheme.name)
