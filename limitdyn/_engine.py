"""Engine selection shared by iteration loops and particle kernels: "auto", "numpy", "numba"."""

from __future__ import annotations

from ._optional import has_module, import_optional
from .errors import InputError

ENGINES = ("auto", "numpy", "numba")


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
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    if engine == "auto":
        return "numba" if has_module("numba") else "numpy"
    if engine == "numba":
        import_optional("numba")
    return engine
