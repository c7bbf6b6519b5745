"""limitdyn: the small-step limit of discrete training dynamics."""

from __future__ import annotations

__version__ = "0.1.0"

from . import errors
from ._multistep import TwoStepScheme, extragradient, heavy_ball, optimistic, two_step
from ._ode import ODE
from ._scheme import (
    ExplicitStage,
    ImplicitStage,
    Scheme,
    Stage,
    alternating,
    explicit,
    from_map,
    game,
    implicit,
    simultaneous,
    tau,
)
from .errors import (
    DivergenceError,
    InputError,
    LimitdynError,
    SchemeError,
    SolverError,
    SpecError,
)
from .numeric import (
    ConvergenceStudy,
    RefinementCheck,
    Trajectory,
    convergence_study,
    integrate,
    iterate,
    refinement_check,
)
from .symbolic import ModifiedEquation, limit_ode, map_series, modified_equation

__all__ = [
    "ODE",
    "ConvergenceStudy",
    "DivergenceError",
    "ExplicitStage",
    "ImplicitStage",
    "InputError",
    "LimitdynError",
    "ModifiedEquation",
    "RefinementCheck",
    "Scheme",
    "SchemeError",
    "SolverError",
    "SpecError",
    "Stage",
    "Trajectory",
    "TwoStepScheme",
    "__version__",
    "alternating",
    "convergence_study",
    "errors",
    "explicit",
    "extragradient",
    "from_map",
    "game",
    "heavy_ball",
    "implicit",
    "integrate",
    "iterate",
    "limit_ode",
    "map_series",
    "modified_equation",
    "optimistic",
    "refinement_check",
    "simultaneous",
    "tau",
    "two_step",
]
