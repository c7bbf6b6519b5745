"""Symbolic analyses of schemes: map series, limit ODE."""

from ._limit import limit_ode
from ._modified import ModifiedEquation, modified_equation
from ._series import map_series

__all__ = ["ModifiedEquation", "limit_ode", "map_series", "modified_equation"]
