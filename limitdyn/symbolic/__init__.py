"""Symbolic analyses of schemes: map series, limit ODE, modified equations.

Modules: ``_jets`` (truncated series of expressions), ``_algebra`` (the two arithmetic
back ends behind one protocol), ``_series`` (the map series of one-step schemes),
``_underlying`` (the underlying one-step method of two-step schemes), ``_backward``
(the backward-error recursion and :func:`modified_equation`), ``_modified`` (the
:class:`ModifiedEquation` result), ``_potential`` (potentials of gradient fields),
``_limit`` (:func:`limit_ode`), ``_cache`` (the one cache idiom).
"""

from ._backward import modified_equation
from ._conservation import ConservationReport, ConservationRow, conservation_report
from ._first_integrals import FirstIntegrals, SpecialCase, first_integrals
from ._invariants import (
    ModifiedInvariant,
    growth_factor,
    invariants,
    modified_hamiltonian,
    modified_invariant,
    modified_invariant_report,
)
from ._limit import limit_ode
from ._modified import ModifiedEquation
from ._pushforward import Pushforward, pushforward
from ._series import map_series
from ._sme import SDE, stochastic_modified_equation

__all__ = [
    "SDE",
    "ConservationReport",
    "ConservationRow",
    "FirstIntegrals",
    "ModifiedEquation",
    "ModifiedInvariant",
    "Pushforward",
    "SpecialCase",
    "conservation_report",
    "first_integrals",
    "growth_factor",
    "invariants",
    "limit_ode",
    "map_series",
    "modified_equation",
    "modified_hamiltonian",
    "modified_invariant",
    "modified_invariant_report",
    "pushforward",
    "stochastic_modified_equation",
]
