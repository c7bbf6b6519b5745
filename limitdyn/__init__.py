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
    "proximal": "._proximal",
    "CollapseVelocity": ".numeric._collapse",
    "collapse_velocity": ".numeric._collapse",
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
    "StochasticScheme": "._stochastic",
    "sgd": "._stochastic",
    "stochastic": "._stochastic",
    "SDE": ".symbolic",
    "stochastic_modified_equation": ".symbolic",
    "WeakConvergenceStudy": ".numeric",
    "StochasticPaths": ".numeric",
    "iterate_stochastic": ".numeric",
    "simulate_sde": ".numeric",
    "stationary_covariance": ".numeric",
    "weak_convergence_study": ".numeric",
    "ConvergenceStudy": ".numeric",
    "EDIResidual": ".numeric",
    "de_giorgi": ".numeric",
    "edi_residual": ".numeric",
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
    "Pushforward": ".symbolic",
    "pushforward": ".symbolic",
    "ConservationReport": ".symbolic",
    "FirstIntegrals": ".symbolic",
    "ModifiedInvariant": ".symbolic",
    "conservation_report": ".symbolic",
    "first_integrals": ".symbolic",
    "growth_factor": ".symbolic",
    "invariants": ".symbolic",
    "modified_hamiltonian": ".symbolic",
    "modified_invariant": ".symbolic",
    "modified_invariant_report": ".symbolic",
    "InvariantDrift": ".numeric._drift",
    "JetField": ".numeric._jet_fields",
    "ModifiedFlow": ".numeric._jet_fields",
    "jet_field": ".numeric._jet_fields",
    "modified_flow": ".numeric._jet_fields",
    "invariant_drift": ".numeric._drift",
    "StabilityReport": ".symbolic._stability",
    "equilibria": ".symbolic._equilibria",
    "linear_stability": ".symbolic._stability",
    "StabilityRegion": ".numeric._stability_region",
    "SchemeFile": ".spec",
    "load_scheme": ".spec",
    "stability_region": ".numeric._stability_region",
}
_SUBPACKAGES = (
    "figures",
    "gans",
    "numeric",
    "particles",
    "plotting",
    "symbolic",
    "testing",
    "spec",
    "sweep",  # a callable module: ld.sweep(fn, grid, store=...) is limitdyn.sweep.sweep
)

__all__ = [
    "ODE",
    "SDE",
    "CacheWarning",
    "CollapseVelocity",
    "ConservationReport",
    "ConvergenceStudy",
    "DivergenceError",
    "EDIResidual",
    "ExplicitStage",
    "FirstIntegrals",
    "ImplicitStage",
    "InputError",
    "InvariantDrift",
    "JetField",
    "LimitdynError",
    "ModifiedEquation",
    "ModifiedFlow",
    "ModifiedInvariant",
    "Pushforward",
    "RefinementCheck",
    "Scheme",
    "SchemeError",
    "SchemeFile",
    "SolverError",
    "SpecError",
    "StabilityRegion",
    "StabilityReport",
    "Stage",
    "StochasticPaths",
    "StochasticScheme",
    "Trajectory",
    "TwoStepScheme",
    "WeakConvergenceStudy",
    "__version__",
    "alternating",
    "collapse_velocity",
    "conservation_report",
    "convergence_study",
    "de_giorgi",
    "edi_residual",
    "equilibria",
    "errors",
    "explicit",
    "extragradient",
    "first_integrals",
    "from_map",
    "game",
    "growth_factor",
    "heavy_ball",
    "implicit",
    "integrate",
    "invariant_drift",
    "invariants",
    "iterate",
    "iterate_stochastic",
    "jet_field",
    "limit_ode",
    "linear_stability",
    "load_scheme",
    "manifold_start",
    "map_series",
    "modified_equation",
    "modified_flow",
    "modified_hamiltonian",
    "modified_invariant",
    "modified_invariant_report",
    "optimistic",
    "particles",
    "proximal",
    "pushforward",
    "refinement_check",
    "sgd",
    "simulate_sde",
    "simultaneous",
    "stability_region",
    "stationary_covariance",
    "stochastic",
    "stochastic_modified_equation",
    "sweep",
    "tau",
    "two_step",
    "weak_convergence_study",
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
    from ._proximal import proximal
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
    from ._stochastic import StochasticScheme, sgd, stochastic
    from .numeric import (
        ConvergenceStudy,
        EDIResidual,
        RefinementCheck,
        Trajectory,
        convergence_study,
        de_giorgi,
        edi_residual,
        integrate,
        iterate,
        manifold_start,
        refinement_check,
    )
    from .numeric._collapse import CollapseVelocity, collapse_velocity
    from .numeric._drift import InvariantDrift, invariant_drift
    from .numeric._jet_fields import JetField, ModifiedFlow, jet_field, modified_flow
    from .numeric._sde import simulate_sde
    from .numeric._stability_region import StabilityRegion, stability_region
    from .numeric._stochastic_iterate import StochasticPaths, iterate_stochastic
    from .numeric._weak import WeakConvergenceStudy, stationary_covariance, weak_convergence_study
    from .spec import SchemeFile, load_scheme
    from .symbolic import (
        ConservationReport,
        FirstIntegrals,
        ModifiedEquation,
        ModifiedInvariant,
        conservation_report,
        first_integrals,
        growth_factor,
        invariants,
        limit_ode,
        map_series,
        modified_equation,
        modified_hamiltonian,
        modified_invariant,
        modified_invariant_report,
    )
    from .symbolic._equilibria import equilibria
    from .symbolic._pushforward import Pushforward, pushforward
    from .symbolic._sme import SDE, stochastic_modified_equation
    from .symbolic._stability import StabilityReport, linear_stability
