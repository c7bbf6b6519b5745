"""The engine type shared by iteration loops and particle kernels.

An :class:`Engine` names where hot loops run — ``"numpy"`` (plain Python/numpy, the
reference) or ``"numba"`` (the same code jitted) — and how many threads the numba
kernels may use. Users pass ``engine="auto" | "numpy" | "numba"`` (or an
:class:`Engine`); :func:`get_engine` turns that into an :class:`Engine`, importing
numba only when it is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ._optional import has_module, import_optional
from ._validate import positive_int
from .errors import InputError

__all__ = ["ENGINES", "PARALLEL_WORK", "Engine", "get_engine", "resolve_engine"]

ENGINES = ("auto", "numpy", "numba")
#: work items (activations, say) per kernel call above which numba kernels run threaded
PARALLEL_WORK = 1 << 16


def resolve_engine(engine: str) -> str:
    """Return ``"numpy"`` or ``"numba"`` for a requested engine name.

    ``"auto"`` picks numba when it is installed; ``"numba"`` without numba raises
    :class:`~limitdyn.errors.OptionalDependencyError`.

    Examples
    --------
    >>> resolve_engine("numpy")
    'numpy'
    >>> resolve_engine("fortran")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown engine 'fortran'; valid engines: auto, numpy, numba
    """
    if not isinstance(engine, str) or engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    if engine == "auto":
        return "numba" if has_module("numba") else "numpy"
    if engine == "numba":
        import_optional("numba")
    return engine


@dataclass(frozen=True)
class Engine:
    """Where hot loops run: ``name`` is ``"numpy"`` or ``"numba"``.

    Parameters
    ----------
    name : {"numpy", "numba"}
        The resolved engine (never ``"auto"``; see :func:`get_engine`).
    threads : int, optional
        Threads the numba kernels may use (default: numba's own setting).

    Examples
    --------
    >>> Engine("numpy")
    Engine(name='numpy', threads=None)
    >>> Engine("numpy").use_parallel(10**9)
    False
    >>> Engine("auto")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: Engine name must be 'numpy' or 'numba', got 'auto'; ...
    """

    name: str
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.name not in ("numpy", "numba"):
            raise InputError(
                f"Engine name must be 'numpy' or 'numba', got {self.name!r}; "
                f"use get_engine({self.name!r})"
            )
        if self.threads is not None:
            positive_int(self.threads, "threads")

    @property
    def jit(self) -> bool:
        """Whether this engine compiles with numba."""
        return self.name == "numba"

    def use_parallel(self, work: int) -> bool:
        """Whether kernels doing ``work`` items per call should run threaded.

        Small problems run on the calling thread: a thread launch costs more than the
        work, and a busy core makes spinning threads wait.
        """
        return self.jit and self.threads != 1 and work >= PARALLEL_WORK

    @contextmanager
    def threads_in_force(self) -> Iterator[None]:
        """A context in which numba runs with this engine's thread count."""
        if not self.jit or self.threads is None:
            yield
            return
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(min(self.threads, int(getattr(numba.config, "NUMBA_NUM_THREADS", 1))))
        try:
            yield
        finally:
            numba.set_num_threads(previous)


def get_engine(engine: Any = "auto", *, threads: int | None = None) -> Engine:
    """The :class:`Engine` for a name (``"auto"``, ``"numpy"``, ``"numba"``) or an Engine.

    Examples
    --------
    >>> get_engine("numpy", threads=2)
    Engine(name='numpy', threads=2)
    >>> get_engine(Engine("numpy")) == Engine("numpy")
    True
    """
    if isinstance(engine, Engine):
        if threads is not None and threads != engine.threads:
            return Engine(engine.name, threads)
        return engine
    return Engine(resolve_engine(engine), threads)
