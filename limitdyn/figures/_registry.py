"""The figure registry and the writer behind ``limitdyn figures``."""

from __future__ import annotations

import importlib
import os
import pkgutil
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, LimitdynError

__all__ = [
    "FigureRecipe",
    "FigureResult",
    "available",
    "check_formats",
    "make_figure",
    "register",
    "supported_formats",
    "write_figures",
]


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
    InputError
        If ``name`` is not registered; the message lists the valid names.
    """
    return _recipe(name).make()


def _recipe(name: str) -> FigureRecipe:
    """The registered recipe called ``name``; unknown names list the valid ones."""
    _load()
    if name not in _REGISTRY:
        raise InputError(f"unknown figure {name!r}; valid names: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def supported_formats() -> dict[str, str]:
    """The file formats figures can be written in (matplotlib's), with their descriptions.

    Examples
    --------
    >>> formats = supported_formats()
    >>> "png" in formats and "pdf" in formats and "xyz" not in formats
    True
    """
    from matplotlib.backend_bases import FigureCanvasBase

    return dict(sorted(FigureCanvasBase.get_supported_filetypes().items()))


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """``formats`` as a tuple, each checked against :func:`supported_formats`.

    Raises
    ------
    InputError
        If ``formats`` is empty or names a format matplotlib cannot write; the message
        lists the valid ones.

    Examples
    --------
    >>> check_formats(["png"])
    ('png',)
    >>> check_formats(["xyz"])
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown figure format 'xyz'; valid formats: ...
    """
    if isinstance(formats, str):
        formats = (formats,)
    if not formats:
        raise InputError("formats: give at least one figure format, e.g. 'png'")
    valid = supported_formats()
    for fmt in formats:
        if fmt not in valid:
            raise InputError(f"unknown figure format {fmt!r}; valid formats: {', '.join(valid)}")
    return tuple(formats)


def write_figures(
    out: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    progress: bool | None = None,
    on_written: Callable[[Path], object] | None = None,
    data: bool = False,
) -> list[Path]:
    """Build figures and write each in every format, atomically.

    Every option is checked before any figure is computed. A file appears under its final
    name only once it is completely written (an interrupted run leaves no half-written or
    hidden temporary file behind), with the permissions the umask gives a new file.

    Parameters
    ----------
    out : path
        Output directory, created if missing; ``"."`` for the current directory.
    only : sequence of str, optional
        Names to write; all registered figures by default.
    formats : sequence of str
        File formats understood by matplotlib (:func:`supported_formats`).
    progress : bool, optional
        Show a progress bar; by default only on a terminal.
    on_written : callable, optional
        Called with each file's path as soon as it is written.
    data : bool
        Also write the arrays behind each figure (:attr:`FigureResult.data`) as
        ``NAME.npz`` (one array per entry; nested entries named ``key.sub`` or
        ``key[i]``) and ``NAME.csv`` (long format: ``array,index,value``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        If ``out`` is empty, a format is unknown or a name in ``only`` is not registered.
    """
    from .._progress import progress_bar

    if not os.fspath(out):
        raise InputError("out: the output directory is empty; give '.' for the current directory")
    fmts = check_formats(formats)
    _load()
    names = list(only) if only else sorted(_REGISTRY)
    recipes = [_recipe(name) for name in names]  # every name checked before writing any
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for recipe in progress_bar(recipes, desc="figures", enabled=progress):
        result = recipe.make()
        for fmt in fmts:
            target = directory / f"{recipe.name}.{fmt}"
            _save_atomically(result.figure, target, fmt)
            written.append(target)
            if on_written is not None:
                on_written(target)
        if data:
            for target in _save_data(result.data, directory / recipe.name):
                written.append(target)
                if on_written is not None:
                    on_written(target)
    return written


def _flat_arrays(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The entries of ``data`` as named numpy arrays (mappings and ragged lists unfolded)."""
    import numpy as np

    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flat_arrays(value, f"{name}."))
            continue
        try:
            array = np.asarray(value)
        except ValueError:  # ragged
            array = np.empty(0, dtype=object)
        if array.dtype == object:
            if isinstance(value, (list, tuple)):
                out.update(_flat_arrays({f"[{i}]": v for i, v in enumerate(value)}, name))
                continue
            array = np.asarray(str(value))
        out[name] = array
    return out


def _save_data(data: Mapping[str, Any], stem: Path) -> list[Path]:
    """Write ``data`` as ``stem.npz`` and ``stem.csv``, each atomically; their paths."""
    import csv

    import numpy as np

    arrays = _flat_arrays(data)
    npz, table = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".csv")
    with _replacing(npz) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    with _replacing(table) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["array", "index", "value"])
        for name, array in arrays.items():
            for index, value in np.ndenumerate(array):
                item = value.item() if hasattr(value, "item") else value
                shown = repr(item) if isinstance(item, float) else item
                writer.writerow([name, ";".join(map(str, index)), shown])
    return [npz, table]


def _save_atomically(figure: Any, target: Path, fmt: str) -> None:
    """Write ``figure`` to a hidden file beside ``target`` and rename it into place; the
    hidden file is removed however writing ends (error, KeyboardInterrupt, SIGTERM)."""
    with _replacing(target) as tmp:
        figure.savefig(tmp, format=fmt, dpi=150)


@contextmanager
def _replacing(target: Path) -> Iterator[str]:
    """A hidden file beside ``target`` to write; renamed onto ``target`` when the block ends
    normally, removed however it ends otherwise (error, KeyboardInterrupt, SIGTERM)."""
    tmp = _new_hidden_file(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _new_hidden_file(target: Path) -> str:
    """Create an empty hidden file beside ``target``, mode ``0o666`` less the umask (unlike
    :func:`tempfile.mkstemp`, whose ``0o600`` the renamed figure would keep)."""
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:  # pragma: no cover - a 32-bit random name taken
            continue
        return str(tmp)
