"""Starting a two-step scheme on its invariant manifold.

A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)`` iterated on the doubled state
``(x, x_prev)`` has an invariant manifold ``x_prev = Phi_tau^{-1}(x)``, the graph of
its underlying one-step method ``Phi_tau`` (Hairer, Lubich & Wanner, *Geometric
Numerical Integration*, ch. XV.2). Iterates started on it follow ``Phi_tau``, hence the
modified flow; iterates started elsewhere, at rest say, are shifted by ``O(tau)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from .._multistep import AnyScheme, TwoStepScheme
from .._ode import ODE
from .._validate import non_negative_int, positive_float
from ..errors import InputError, SolverError
from ._inputs import parameter_vector, parameters_of, state_vector
from ._integrate import integrate

__all__ = ["is_one_point", "manifold_start", "start_state"]

#: tolerances of the one backward step: far below the O(tau**(order + 2)) it approximates
_RTOL = 1e-13
_ATOL = 1e-15
#: bound on the solver steps of the one backward step (it spans a single tau)
_MAX_STEPS = 20_000


@lru_cache(maxsize=32)
def _backward_ode(scheme: TwoStepScheme, order: int) -> ODE:
    """``x' = -f~(x)``: the order-``order`` modified field of the underlying one-step
    method, reversed, so that integrating it forward over ``tau`` runs the flow back."""
    from ..symbolic import modified_equation

    me = modified_equation(scheme, order=order).restrict(scheme.current)
    return ODE(me.variables, -me.field(order=order), name=f"reversed order-{order} modified flow")


def manifold_start(
    scheme: TwoStepScheme,
    x0: Any,
    *,
    tau: float,
    order: int = 2,
    params: Any = None,
) -> np.ndarray:
    """A doubled initial state ``(x0, x_prev)`` on the invariant manifold of a two-step scheme.

    ``x_prev`` approximates ``Phi_tau^{-1}(x0)``, the underlying one-step method run
    backwards, by the flow of the order-``order`` modified equation of ``Phi_tau``
    (:func:`~limitdyn.modified_equation` restricted to ``scheme.current``) over one step
    ``tau`` back in time, solved by DOP853 at tight tolerances. That flow agrees with
    ``Phi_tau`` to ``O(tau**(order + 2))`` per step, so iterates started here follow the
    modified flow to ``O(tau**(order + 1))`` globally; starting at rest
    (``x_prev = x0``) instead costs an ``O(tau)`` shift.

    Parameters
    ----------
    scheme : TwoStepScheme
        A two-step scheme, e.g. from :func:`~limitdyn.heavy_ball` or
        :func:`~limitdyn.optimistic`.
    x0 : array_like, shape (len(scheme.current),), or mapping
        The current state ``x``.
    tau : float
        The step size.
    order : int
        Order of the modified equation used (``0``: the limit ODE).
    params : mapping, optional
        Values of ``scheme.parameters`` (Symbol or name -> float).

    Returns
    -------
    ndarray, shape (2 * len(scheme.current),)
        ``(x0, x_prev)``, in the order of ``scheme.variables``.

    Raises
    ------
    InputError
        ``scheme`` is not a two-step scheme; a bad ``x0``, ``tau`` or ``order``; an
        unknown or missing parameter.
    SolverError
        The backward step failed (the modified flow blows up within ``tau``) or took more
        than 20 000 solver steps; the start value is never returned in its place.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed.,
    Springer (2006), ch. XV.2; N. B. Kovachki, A. M. Stuart, "Continuous time analysis
    of momentum methods", JMLR 22 (2021).

    Examples
    --------
    For ``x+ = x - tau x + beta (x - x_prev)`` the underlying map is multiplication
    by the principal root ``r`` of ``r**2 = (1 + beta - tau) r - beta``:

    >>> import numpy as np
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn.numeric import manifold_start
    >>> x = sp.Symbol("x")
    >>> hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
    >>> z0 = manifold_start(hb, [1.0], tau=0.001, order=3)
    >>> r = ((1.5 - 0.001) + np.sqrt((1.5 - 0.001) ** 2 - 2)) / 2
    >>> bool(abs(z0[1] - 1 / r) < 1e-9)
    True
    """
    if not isinstance(scheme, TwoStepScheme):
        raise InputError(
            f"manifold_start: expected a TwoStepScheme (heavy_ball, optimistic, two_step), "
            f"got {type(scheme).__name__}"
        )
    h = positive_float(tau, "tau")
    k = non_negative_int(order, "order")
    x = state_vector(x0, scheme.current, where="x0")
    values = parameter_vector(params, scheme.parameters)
    backward = _backward_ode(scheme, k)
    given = {q.name: float(v) for q, v in zip(scheme.parameters, values)}
    given[scheme.step.name] = h
    needed = parameters_of(given, backward)
    try:
        back = integrate(
            backward,
            x,
            t_end=h,
            params=needed,
            method="DOP853",
            rtol=_RTOL,
            atol=_ATOL,
            max_steps=_MAX_STEPS,
        )
    except SolverError as exc:
        raise SolverError(
            f"manifold_start: the backward step over tau = {h:g} failed ({exc})",
            step=exc.step,
            time=exc.time,
            residual=exc.residual,
        ) from exc
    if back.t[-1] != h or not np.all(np.isfinite(back.final)):  # pragma: no cover - guarded
        raise SolverError(
            "manifold_start: the backward step did not reach tau",
            step=len(back) - 1,
            time=float(back.t[-1]),
            residual=float("nan"),
        )
    return np.concatenate([x, back.final])


def is_one_point(scheme: AnyScheme, z0: Any) -> bool:
    """True when ``z0`` gives a two-step scheme only its current state (``len(current)``
    values, or a mapping of exactly the current variables): a start to complete on the
    invariant manifold."""
    if not isinstance(scheme, TwoStepScheme):
        return False
    current = scheme.current
    if isinstance(z0, Mapping):
        names = {k.name if hasattr(k, "name") else str(k) for k in z0}
        return names == {v.name for v in current}
    return bool(np.ndim(z0) == 1 and len(z0) == len(current))


def start_state(
    scheme: AnyScheme, z0: Any, *, tau: float, params: Any, order: int = 2
) -> np.ndarray:
    """The full initial state of a run: ``z0`` itself, or for a two-step scheme given only
    its current state, the start on its invariant manifold for step ``tau``
    (:func:`manifold_start` with the order-``order`` modified equation).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> hb = ld.heavy_ball(x**2 / 2, x, momentum=0)
    >>> start_state(hb, [1.0], tau=0.01, params=None).round(7).tolist()  # x_prev = x / (1 - tau)
    [1.0, 1.010101]
    """
    if is_one_point(scheme, z0):
        assert isinstance(scheme, TwoStepScheme)
        return manifold_start(scheme, z0, tau=tau, order=order, params=params)
    return state_vector(z0, scheme.variables)
