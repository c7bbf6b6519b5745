"""Import optional dependencies with a clear error naming the extra to install."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .errors import OptionalDependencyError

#: minimum versions, kept in step with ``setup.cfg``; value: (version, extra)
_MINIMUM = {
    "matplotlib": ("3.7", "plot"),
    "numba": ("0.58", "fast"),
    "dask": ("2023.1", "sweep"),
    "distributed": ("2023.1", "sweep"),
    "pandas": ("1.5", "table"),
    "xarray": ("2023.1", "table"),
    "ot": ("0.9", "ot"),
    "ipywidgets": ("8", "notebook"),
}


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def import_optional(name: str) -> ModuleType:
    """Import an optional dependency or raise :class:`OptionalDependencyError`.

    Parameters
    ----------
    name : str
        Top-level module name, one of the optional dependencies of limitdyn.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    OptionalDependencyError
        If the module is missing or older than limitdyn supports.

    Examples
    --------
    >>> import_optional("no_such_module")
    Traceback (most recent call last):
    ...
    limitdyn.errors.OptionalDependencyError: no_such_module is needed for this call; ...
    """
    # a submodule (matplotlib.pyplot) is versioned by its distribution's top-level module
    top = name.partition(".")[0]
    minimum, extra = _MINIMUM.get(top, (None, "all"))
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{name} is needed for this call; install it with `pip install limitdyn[{extra}]`"
        ) from exc
    if minimum is not None:
        found = getattr(importlib.import_module(top), "__version__", "0")
        if _version_tuple(found) < _version_tuple(minimum):
            raise OptionalDependencyError(
                f"{name} {found} is too old for limitdyn; need >= {minimum} "
                f"(`pip install -U limitdyn[{extra}]`)"
            )
    return module


def has_module(name: str) -> bool:
    """Whether an optional dependency can be imported (without importing it)."""
    return importlib.util.find_spec(name) is not None


def toml_module() -> ModuleType:
    """The TOML reader: :mod:`tomllib` (Python >= 3.11), else ``tomli`` (installed with
    limitdyn on Python 3.10), which has the same interface."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        return import_optional("tomli")
    return tomllib
