"""limitdyn: the small-step limit of discrete training dynamics."""

from __future__ import annotations

__version__ = "0.1.0"

from . import errors
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
from .symbolic import limit_ode, map_series

__all__ = [
    "ODE",
    "ConvergenceStudy",
    "DivergenceError",
    "ExplicitStage",
    "ImplicitStage",
    "InputError",
    "LimitdynError",
    "RefinementCheck",
    "Scheme",
    "SchemeError",
    "SolverError",
    "SpecError",
    "Stage",
    "Trajectory",
    "__version__",
    "alternating",
    "convergence_study",
    "errors",
    "explicit",
    "from_map",
    "game",
    "implicit",
    "integrate",
    "iterate",
    "limit_ode",
    "map_series",
    "refinement_check",
    "simultaneous",
    "tau",
]
