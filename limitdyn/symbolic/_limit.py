"""The limit ODE of a scheme: ``lim (Phi_tau(z) - z) / tau``."""

from __future__ import annotations

from .._multistep import TwoStepScheme
from .._ode import ODE
from .._scheme import Scheme
from ._backward import modified_equation

__all__ = ["limit_ode"]


def limit_ode(scheme: Scheme | TwoStepScheme) -> ODE:
    """The ODE that the iterates follow as the step goes to zero.

    It is the order-0 modified equation (:func:`~limitdyn.modified_equation`): the
    coefficient of ``tau`` in the series of the scheme's map (implicit stages through
    their implicit series; two-step schemes through their underlying one-step method,
    reported on both halves of the doubled state), so it applies to any scheme,
    including :func:`~limitdyn.from_map` ones. Block rates and repeat counts appear as
    factors of the blocks' fields.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme

    Returns
    -------
    ODE

    Raises
    ------
    SchemeError
        If the map is not the identity at step 0 (the scheme is not consistent
        with any ODE).

    Examples
    --------
    Turinici's printed eq. (1) — discriminator first, then ``x+ = x + tau y+`` — has the
    printed limit (2), a saddle:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y, xr = sp.symbols("x y x_r")
    >>> ld.limit_ode(ld.alternating([(y, [x - xr]), (x, [y])]))
    ODE(y' = x - x_r, x' = y)
    """
    rhs = modified_equation(scheme, order=0).terms[0]
    name = f"limit of {scheme.name}" if scheme.name else "limit ODE"
    return ODE(scheme.variables, rhs, name=name)
