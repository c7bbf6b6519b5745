"""Starting a two-step scheme on its invariant manifold.

A two-step scheme ``x_{n+1} = R(x_n, x_{n-1}, tau)`` iterated on the doubled state
``(x, x_prev)`` has an invariant manifold ``x_prev = Phi_tau^{-1}(x)``, the graph of
its underlying one-step method ``Phi_tau`` (Hairer, Lubich & Wanner, *Geometric
Numerical Integration*, ch. XV.2). Iterates started on it follow ``Phi_tau``, hence the
modified flow; iterates started elsewhere, at rest say, are shifted by ``O(tau)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .._multistep import TwoStepScheme
from .._ode import ODE
from .._validate import non_negative_int, positive_float
from ..errors import InputError
from ._inputs import parameter_vector, parameters_of, state_vector
from ._integrate import integrate

__all__ = ["manifold_start"]

#: tolerances of the one backward step: far below the O(tau**(order + 2)) it approximates
_RTOL = 1e-13
_ATOL = 1e-15


@lru_cache(maxsize=32)
def _backward_ode(scheme: TwoStepScheme, order: int) -> ODE:
    """``x' = -f~(x)``: the order-``order`` modified field of the underlying one-step
    method, reversed, so that integrating it forward over ``tau`` runs the flow back."""
    from ..symbolic import modified_equation

    me = modified_equation(scheme, order=order).restrict(scheme.current)
    return ODE(me.variables, -me.field(order), name=f"reversed order-{order} modified flow")


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
        The backward step failed (the modified flow blows up within ``tau``).

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
    back = integrate(backward, x, t_end=h, params=needed, method="DOP853", rtol=_RTOL, atol=_ATOL)
    return np.concatenate([x, back.final])
