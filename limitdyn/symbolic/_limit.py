"""The limit ODE of a scheme: ``lim (Phi_tau(z) - z) / tau``."""

from __future__ import annotations

import sympy as sp

from .._ode import ODE
from .._scheme import Scheme
from ..errors import SchemeError
from ._series import map_series

__all__ = ["limit_ode"]


def limit_ode(scheme: Scheme) -> ODE:
    """The ODE that the iterates follow as the step goes to zero.

    Computed from the scheme's map itself, as the coefficient of ``tau`` in its
    series (implicit stages through their implicit series), so it applies to any
    scheme, including :func:`~limitdyn.from_map` ones. Block rates and repeat
    counts appear as factors of the blocks' fields.

    Parameters
    ----------
    scheme : Scheme

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
    from .._multistep import TwoStepScheme

    if isinstance(scheme, TwoStepScheme):
        # the doubled-state map is not the identity at step 0; its limit is that of the
        # underlying one-step method, on both halves of the state
        from ._modified import modified_equation

        return modified_equation(scheme, 0).ode(0)
    series = map_series(scheme, 1)
    for i, v in enumerate(scheme.variables):
        drift = series[i, 0] - v
        if drift != 0 and sp.simplify(drift) != 0:
            raise SchemeError(
                f"the map moves {v} by {drift} at step 0; a scheme with a small-step limit "
                "must reduce to the identity as the step goes to zero"
            )
    rhs = sp.ImmutableMatrix([series[i, 1] for i in range(scheme.dim)])
    name = f"limit of {scheme.name}" if scheme.name else "limit ODE"
    return ODE(scheme.variables, rhs, name=name)
