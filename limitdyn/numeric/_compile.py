"""Compile schemes and ODEs once to fast callables, cached per object and engine."""

from __future__ import annotations

import linecache
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .._ode import ODE
from .._scheme import ImplicitStage, Scheme
from ._codegen import ode_source, scheme_loop_source
from ._kernels import solve_small

_counter = 0


def _load(source: str, names: tuple[str, ...], namespace: dict[str, Any]) -> tuple[Any, ...]:
    """Compile generated source (never user text) and return the named functions."""
    global _counter
    _counter += 1
    filename = f"<limitdyn-generated-{_counter}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    scope = dict(namespace)
    exec(code, scope)  # generated from SymPy's printer with renamed symbols only
    return tuple(scope[n] for n in names)


def _jit(func: Callable[..., Any]) -> Any:
    import numba

    return numba.njit(func, error_model="numpy", cache=False)


@lru_cache(maxsize=8)
def _solve_small_jit() -> Any:
    return _jit(solve_small)


class CompiledScheme:
    """A scheme's iteration loop compiled for one engine.

    Attributes
    ----------
    run : callable
        ``run(z0, p, hs, out, tol, maxiter, A, b) -> (status, index, residual)``;
        see :func:`limitdyn.numeric._codegen.scheme_loop_source`.
    newton_size : int
        Largest implicit stage (size of the Newton scratch space).
    source : str
        The generated source, for inspection.
    """

    def __init__(self, scheme: Scheme, engine: str):
        self.engine = engine
        self.source = scheme_loop_source(scheme, guard_exceptions=engine == "numpy")
        sizes = [len(s.targets) for s in scheme.stages if isinstance(s, ImplicitStage)]
        self.newton_size = max(sizes, default=1)
        solver = _solve_small_jit() if engine == "numba" else solve_small
        (run,) = _load(self.source, ("run",), {"math": math, "solve_small": solver})
        self.run = _jit(run) if engine == "numba" else run


@lru_cache(maxsize=128)
def compile_scheme(scheme: Scheme, engine: str) -> CompiledScheme:
    """The compiled loop of ``scheme`` for ``engine`` ("numpy" or "numba"), cached."""
    return CompiledScheme(scheme, engine)


@lru_cache(maxsize=128)
def compile_ode(ode: ODE, parameters: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(rhs, jac)`` numpy callables of an ODE with parameters in the given order, cached."""
    return _load(ode_source(ode, parameters), ("rhs", "jac"), {"math": math, "np": np})
