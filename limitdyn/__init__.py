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
from .symbolic import limit_ode, map_series

__all__ = [
    "ODE",
    "DivergenceError",
    "ExplicitStage",
    "ImplicitStage",
    "InputError",
    "LimitdynError",
    "Scheme",
    "SchemeError",
    "SolverError",
    "SpecError",
    "Stage",
    "__version__",
    "alternating",
    "errors",
    "explicit",
    "from_map",
    "game",
    "implicit",
    "limit_ode",
    "map_series",
    "simultaneous",
    "tau",
]
