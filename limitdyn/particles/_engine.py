"""Engine selection for the particle models: ``"auto" | "numpy" | "numba"``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .._engine import resolve_engine
from ..errors import InputError

DTYPES = ("float64", "float32")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: activations per kernel call above which the numba kernels run threaded
PARALLEL_WORK = 1 << 16


def resolve_dtype(dtype: Any) -> np.dtype:
    """float64 or float32, named or as a numpy dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise InputError(f"unknown dtype {dtype!r}; valid dtypes: {', '.join(DTYPES)}") from exc
    if resolved.name not in DTYPES:
        raise InputError(f"unknown dtype {dtype!r}; valid dtypes: {', '.join(DTYPES)}")
    return resolved


def activation_code(name: str) -> int:
    """Integer code of an activation name understood by the kernels."""
    if name not in ACTIVATIONS:
        raise InputError(
            f"unknown activation {name!r}; valid activations: {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS.index(name)


@dataclass(frozen=True)
class Engine:
    """The kernels of one engine, with its name and thread count."""

    name: str
    module: ModuleType
    threads: int | None = None

    def __getattr__(self, item: str) -> Any:
        return getattr(self.module, item)

    def use_parallel(self, work: int) -> bool:
        """Whether kernels doing ``work`` activations per call should run threaded.

        Small problems run on the calling thread: a thread launch costs more than the
        work, and a busy core makes spinning threads wait.
        """
        return self.name == "numba" and self.threads != 1 and work >= PARALLEL_WORK

    def call(self, func: str, *args: Any) -> Any:
        """Call kernel ``func`` with the engine's thread count in force."""
        kernel = getattr(self.module, func)
        if self.name == "numba" and self.threads is not None:
            import numba

            previous = numba.get_num_threads()
            numba.set_num_threads(
                min(self.threads, int(getattr(numba.config, "NUMBA_NUM_THREADS", 1)))
            )
            try:
                return kernel(*args)
            finally:
                numba.set_num_threads(previous)
        return kernel(*args)


def get_engine(engine: str, *, threads: int | None = None) -> Engine:
    """The kernels for ``engine`` (numba imported here, never at package import)."""
    name = resolve_engine(engine)
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise InputError(f"threads must be a positive integer or None, got {threads!r}")
    module = importlib.import_module(
        f"{__package__}._kernels" if name == "numba" else f"{__package__}._numpy_engine"
    )
    return Engine(name=name, module=module, threads=threads)
