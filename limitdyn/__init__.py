"""limitdyn: the small-step limit of discrete training dynamics.

Public names are loaded on first use (PEP 562), so ``import limitdyn`` is cheap and
``import limitdyn.particles`` does not pay for SymPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import (
    CacheWarning,
    DivergenceError,
    InputError,
    LimitdynError,
    SchemeError,
    SolverError,
    SpecError,
)

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY = {
    "TwoStepScheme": "._multistep",
    "extragradient": "._multistep",
    "heavy_ball": "._multistep",
    "optimistic": "._multistep",
    "two_step": "._multistep",
    "ODE": "._ode",
    "ExplicitStage": "._scheme",
    "ImplicitStage": "._scheme",
    "Scheme": "._scheme",
    "Stage": "._scheme",
    "alternating": "._scheme",
    "explicit": "._scheme",
    "from_map": "._scheme",
    "game": "._scheme",
    "implicit": "._scheme",
    "simultaneous": "._scheme",
    "tau": "._scheme",
    "ConvergenceStudy": ".numeric",
    "RefinementCheck": ".numeric",
    "Trajectory": ".numeric",
    "convergence_study": ".numeric",
    "integrate": ".numeric",
    "iterate": ".numeric",
    "manifold_start": ".numeric",
    "refinement_check": ".numeric",
    "ModifiedEquation": ".symbolic",
    "limit_ode": ".symbolic",
    "map_series": ".symbolic",
    "modified_equation": ".symbolic",
}
_SUBPACKAGES = ("figures", "numeric", "particles", "plotting", "symbolic", "testing")

__all__ = [
    "ODE",
    "CacheWarning",
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
    "manifold_start",
    "map_series",
    "modified_equation",
    "optimistic",
    "particles",
    "refinement_check",
    "simultaneous",
    "tau",
    "two_step",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'limitdyn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import particles
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
    from .numeric import (
        ConvergenceStudy,
        RefinementCheck,
        Trajectory,
        convergence_study,
        integrate,
        iterate,
        manifold_start,
        refinement_check,
    )
    from .symbolic import ModifiedEquation, limit_ode, map_series, modified_equation
