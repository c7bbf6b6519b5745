"""Symbolic analyses of schemes: map series, limit ODE."""

from ._limit import limit_ode
from ._series import map_series

__all__ = ["limit_ode", "map_series"]
