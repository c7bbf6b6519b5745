"""Parameter sweeps over concurrent.futures executors (a local process pool, or a
dask.distributed cluster through ``Client.get_executor()``), persisted point by point.

Names load on first use (PEP 562), so a worker process that imports
:mod:`limitdyn.sweep._worker` to set its thread limits has not loaded numpy yet.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

#: public name -> module that defines it
_LAZY = {
    "LazyArrays": "._run",
    "SweepResult": "._run",
    "default_executor": "._run",
    "expand_grid": "._run",
    "sweep": "._run",
    "Store": "._store",
    "convergence_point": "._recipes",
    "convergence_sweep": "._recipes",
    "gaussian_moments": "._recipes",
    "wgan_point": "._recipes",
    "wgan_sweep": "._recipes",
}

__all__ = [
    "LazyArrays",
    "Store",
    "SweepResult",
    "convergence_point",
    "convergence_sweep",
    "default_executor",
    "expand_grid",
    "gaussian_moments",
    "sweep",
    "wgan_point",
    "wgan_sweep",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'limitdyn.sweep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from ._recipes import (
        convergence_point,
        convergence_sweep,
        gaussian_moments,
        wgan_point,
        wgan_sweep,
    )
    from ._run import LazyArrays, SweepResult, default_executor, expand_grid, sweep
    from ._store import Store


class _CallableModule(types.ModuleType):
    """``limitdyn.sweep(fn, grid, ...)`` calls :func:`limitdyn.sweep.sweep`: the package
    and its main function share a name, and the facade ``ld.sweep`` is the package."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return importlib.import_module("._run", __name__).sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
