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
from ._inputs import MAX_SCHEDULE
from ._integrate import MAX_STEPS, METHODS, integrate
from ._iterate import iterate
from ._manifold import manifold_start
from ._trajectory import Trajectory

__all__ = [
    "ENGINES",
    "MAX_SCHEDULE",
    "MAX_STEPS",
    "METHODS",
    "NORMS",
    "STATUSES",
    "ConvergenceStudy",
    "RefinementCheck",
    "Trajectory",
    "convergence_study",
    "fitted_order",
    "integrate",
    "iterate",
    "manifold_start",
    "refinement_check",
]
