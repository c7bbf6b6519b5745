"""The figure registry and the writer behind ``limitdyn figures``."""

from __future__ import annotations

import importlib
import os
import pkgutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LimitdynError

__all__ = ["FigureRecipe", "FigureResult", "available", "make_figure", "register", "write_figures"]


@dataclass(frozen=True)
class FigureResult:
    """A drawn figure and the data it shows.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure, built without pyplot.
    data : Mapping[str, Any]
        The arrays and numbers plotted, so tests can check the mathematics
        rather than pixels.
    """

    figure: Any
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureRecipe:
    """A named recipe that builds one figure from the public API."""

    name: str
    title: str
    make: Callable[[], FigureResult]


_REGISTRY: dict[str, FigureRecipe] = {}
_LOADED = False


def register(
    name: str, *, title: str
) -> Callable[[Callable[[], FigureResult]], Callable[[], FigureResult]]:
    """Decorator registering a figure recipe under ``name``.

    Parameters
    ----------
    name : str
        Kebab-case name used by ``limitdyn figures --only NAME``.
    title : str
        One-line description shown by ``limitdyn figures --list``.
    """

    def decorate(make: Callable[[], FigureResult]) -> Callable[[], FigureResult]:
        if name in _REGISTRY and _REGISTRY[name].make is not make:
            raise LimitdynError(f"figure {name!r} is registered twice")
        _REGISTRY[name] = FigureRecipe(name=name, title=title, make=make)
        return make

    return decorate


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for info in sorted(pkgutil.iter_modules(_package_path())):
        if info.name.startswith("_fig_"):
            importlib.import_module(f"{__package__}.{info.name}")
    _LOADED = True


def _package_path() -> list[str]:
    return [str(Path(__file__).parent)]


def available() -> dict[str, str]:
    """Names and titles of every registered figure, in name order.

    Examples
    --------
    >>> "dual-flow-oscillation" in available()
    True
    """
    _load()
    return {name: _REGISTRY[name].title for name in sorted(_REGISTRY)}


def make_figure(name: str) -> FigureResult:
    """Build one registered figure.

    Raises
    ------
    LimitdynError
        If ``name`` is not registered; the message lists the valid names.
    """
    return _recipe(name).make()


def _recipe(name: str) -> FigureRecipe:
    """The registered recipe called ``name``; unknown names list the valid ones."""
    _load()
    if name not in _REGISTRY:
        raise LimitdynError(f"unknown figure {name!r}; valid names: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def write_figures(
    out: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    progress: bool | None = None,
) -> list[Path]:
    """Build figures and write each in every format, atomically.

    A file appears under its final name only once it is completely written,
    so an interrupted run leaves no half-written figure behind.

    Parameters
    ----------
    out : path
        Output directory, created if missing.
    only : sequence of str, optional
        Names to write; all registered figures by default.
    formats : sequence of str
        File formats understood by matplotlib.
    progress : bool, optional
        Show a progress bar; by default only on a terminal.

    Returns
    -------
    list of Path
        The files written.
    """
    from .._progress import progress_bar

    _load()
    names = list(only) if only else sorted(_REGISTRY)
    recipes = [_recipe(name) for name in names]  # every name checked before writing any
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for recipe in progress_bar(recipes, desc="figures", enabled=progress):
        name = recipe.name
        result = recipe.make()
        for fmt in formats:
            target = directory / f"{name}.{fmt}"
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=f".{fmt}")
            os.close(fd)
            try:
                result.figure.savefig(tmp, format=fmt, dpi=150)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            written.append(target)
    return written
