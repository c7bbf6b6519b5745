"""Symbolic analyses of schemes: map series, limit ODE, modified equations.

Modules: ``_jets`` (truncated series of expressions), ``_algebra`` (the two arithmetic
back ends behind one protocol), ``_series`` (the map series of one-step schemes),
``_underlying`` (the underlying one-step method of two-step schemes), ``_backward``
(the backward-error recursion and :func:`modified_equation`), ``_modified`` (the
:class:`ModifiedEquation` result), ``_potential`` (potentials of gradient fields),
``_limit`` (:func:`limit_ode`), ``_cache`` (the one cache idiom).
"""

from ._backward import modified_equation
from ._limit import limit_ode
from ._modified import ModifiedEquation
from ._series import map_series

__all__ = ["ModifiedEquation", "limit_ode", "map_series", "modified_equation"]
