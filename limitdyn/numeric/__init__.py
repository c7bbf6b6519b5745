"""Numerics: compiled iteration, scipy reference solutions, convergence studies."""

from .._engine import ENGINES
from ._convergence import (
    NORMS,
    STATUSES,
    ConvergenceStudy,
    RefinementCheck,
    convergence_study,
    fitted_order,
    refinement_check,
)
from ._edi import EDIResidual, de_giorgi, edi_residual
from ._inputs import MAX_SCHEDULE
from ._integrate import MAX_STEPS, METHODS, integrate
from ._iterate import iterate
from ._manifold import manifold_start
from ._sde import simulate_sde
from ._stochastic_iterate import StochasticPaths, iterate_stochastic
from ._trajectory import Trajectory
from ._weak import WeakConvergenceStudy, stationary_covariance, weak_convergence_study

__all__ = [
    "ENGINES",
    "MAX_SCHEDULE",
    "MAX_STEPS",
    "METHODS",
    "NORMS",
    "STATUSES",
    "ConvergenceStudy",
    "EDIResidual",
    "RefinementCheck",
    "StochasticPaths",
    "Trajectory",
    "WeakConvergenceStudy",
    "convergence_study",
    "de_giorgi",
    "edi_residual",
    "fitted_order",
    "integrate",
    "iterate",
    "iterate_stochastic",
    "manifold_start",
    "refinement_check",
    "simulate_sde",
    "stationary_covariance",
    "weak_convergence_study",
]
