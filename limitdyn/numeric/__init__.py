"""Numerics: compiled iteration, scipy reference solutions, convergence studies."""

from .._engine import ENGINES
from ._convergence import (
    NORMS,
    ConvergenceStudy,
    RefinementCheck,
    convergence_study,
    fitted_order,
    refinement_check,
)
from ._integrate import METHODS, integrate
from ._iterate import iterate
from ._manifold import manifold_start
from ._trajectory import Trajectory

__all__ = [
    "ENGINES",
    "METHODS",
    "NORMS",
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
