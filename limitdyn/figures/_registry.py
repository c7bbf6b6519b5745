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
    "manifest",
    "recipes",
    "register",
    "supported_formats",
    "write_figures",
    "write_manifest",
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

    Examples
    --------
    >>> from limitdyn.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> result = FigureResult(fig, {"x": [0.0, 1.0]})
    >>> result.data["x"], result.figure is fig
    ([0.0, 1.0], True)
    """

    figure: Any
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureRecipe:
    """A named recipe that builds one figure from the public API, with what it reproduces.

    Attributes
    ----------
    name : str
        Kebab-case name used by ``limitdyn figures --only NAME``.
    title : str
        One-line description shown by ``limitdyn figures --list``.
    make : callable
        Builds the :class:`FigureResult`.
    source : str
        The publication the figure reproduces (authors, title, venue or arXiv number).
    equation : str
        The figure, equation, theorem or example number in ``source`` that it reproduces.
    parameters : Mapping[str, Any]
        The settings the recipe uses (step sizes, horizons, starts, sizes, seeds).

    Examples
    --------
    >>> recipe = FigureRecipe("demo", "A demo", lambda: FigureResult(None), source="A paper",
    ...                       equation="Fig. 1", parameters={"tau": 0.1})
    >>> recipe.parameters["tau"], recipe.make().data
    (0.1, {})
    """

    name: str
    title: str
    make: Callable[[], FigureResult]
    source: str = ""
    equation: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, FigureRecipe] = {}
_LOADED = False


def register(
    name: str,
    *,
    title: str,
    source: str,
    equation: str,
    parameters: Mapping[str, Any],
) -> Callable[[Callable[[], FigureResult]], Callable[[], FigureResult]]:
    """Decorator registering a figure recipe under ``name``.

    Parameters
    ----------
    name : str
        Kebab-case name used by ``limitdyn figures --only NAME``.
    title : str
        One-line description shown by ``limitdyn figures --list``.
    source : str
        The publication the figure reproduces, written out for ``MANIFEST.md``.
    equation : str
        The figure, equation, theorem or example number in ``source`` it reproduces.
    parameters : Mapping[str, Any]
        The settings the recipe uses, listed in ``MANIFEST.md``.

    Raises
    ------
    LimitdynError
        If another recipe is already registered under ``name``.

    Examples
    --------
    >>> @register("demo-empty", title="An empty figure", source="None", equation="-",
    ...           parameters={"n": 0})
    ... def demo() -> FigureResult:
    ...     return FigureResult(None, {"n": 0})
    >>> make_figure("demo-empty").data
    {'n': 0}
    >>> del _REGISTRY["demo-empty"]  # keep the registry to the shipped figures
    """
    if not source or not equation:
        raise LimitdynError(f"figure {name!r}: give the source and the equation it reproduces")

    def decorate(make: Callable[[], FigureResult]) -> Callable[[], FigureResult]:
        if name in _REGISTRY and _REGISTRY[name].make is not make:
            raise LimitdynError(f"figure {name!r} is registered twice")
        _REGISTRY[name] = FigureRecipe(
            name=name,
            title=title,
            make=make,
            source=source,
            equation=equation,
            parameters=dict(parameters),
        )
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

    Examples
    --------
    >>> result = make_figure("gan-drift")  # the drift fields of GDA on min_x max_y xy
    >>> result.data["tau"], result.figure.axes[0].get_xlabel()
    (0.2, '$x$ (minimises $xy$)')
    >>> make_figure("nope")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown figure 'nope'; valid names: ...
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

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_figures(tmp, only=["gan-drift"], formats=["png", "svg"], data=True)
    ...     print([p.name for p in paths])
    ['gan-drift.png', 'gan-drift.svg', 'gan-drift.npz', 'gan-drift.csv']
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


def recipes(only: Sequence[str] | None = None) -> list[FigureRecipe]:
    """The registered recipes called ``only`` (all, in name order, by default).

    Raises
    ------
    InputError
        If a name in ``only`` is not registered; the message lists the valid names.

    Examples
    --------
    >>> (recipe,) = recipes(["dual-flow-oscillation"])
    >>> recipe.equation.startswith("Fig. 2"), recipe.parameters["tau"]
    (True, 0.2)
    """
    _load()
    return [_recipe(name) for name in (list(only) if only else sorted(_REGISTRY))]


def manifest(
    only: Sequence[str] | None = None,
    *,
    formats: Sequence[str] = ("png", "pdf"),
    out: str | os.PathLike[str] = "figures",
) -> str:
    """The Markdown text of ``MANIFEST.md``: what each figure reproduces and how to rebuild it.

    For each figure: its title, the source and the figure, equation, theorem or example
    number it reproduces, the command that writes it alone, its parameters and its files.
    Nothing is computed.

    Parameters
    ----------
    only : sequence of str, optional
        The figures to describe; all registered figures by default.
    formats : sequence of str
        The file formats the figures are (to be) written in.
    out : path
        The output directory named in the commands.

    Raises
    ------
    InputError
        If a format is unknown or a name in ``only`` is not registered.

    Examples
    --------
    >>> text = manifest(["parallel-lines"], formats=["png"], out="figs")
    >>> print(text.splitlines()[0])
    # Figures reproduced by limitdyn
    >>> "`limitdyn figures --out figs --only parallel-lines --format png`" in text
    True
    >>> "Arjovsky" in text and "Example 1" in text
    True
    """
    from .. import __version__

    fmts = check_formats(formats)
    chosen = recipes(only)
    flags = "" if fmts == ("png", "pdf") else "".join(f" --format {f}" for f in fmts)
    where = _shell_word(os.fspath(out))
    lines = [
        "# Figures reproduced by limitdyn",
        "",
        f"Written by `limitdyn figures` (limitdyn {__version__}). Each figure below is",
        "rebuilt alone by its command; all of them by",
        f"`limitdyn figures --out {where}{flags} --manifest`.",
        "",
        "| figure | source | reproduces |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| [{r.name}](#{r.name}) | {_cell(r.source)} | {_cell(r.equation)} |" for r in chosen
    ]
    for r in chosen:
        lines += [
            "",
            f"## {r.name}",
            "",
            r.title,
            "",
            f"- **Source:** {r.source}",
            f"- **Reproduces:** {r.equation}",
            f"- **Command:** `limitdyn figures --out {where} --only {r.name}{flags}`",
            "- **Parameters:**"
            + ("".join(f"\n  - `{k}` = {_shown(v)}" for k, v in r.parameters.items()) or " none"),
            "- **Files:** " + ", ".join(f"`{r.name}.{f}`" for f in fmts),
        ]
    return "\n".join(lines) + "\n"


def write_manifest(
    out: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
) -> Path:
    """Write :func:`manifest` as ``MANIFEST.md`` in ``out``, atomically; its path.

    The file appears under its final name only once completely written, with the
    permissions the umask gives a new file. Nothing is computed.

    Parameters
    ----------
    out : path
        Output directory, created if missing; ``"."`` for the current directory.
    only : sequence of str, optional
        The figures to describe; all registered figures by default.
    formats : sequence of str
        The file formats the figures are written in.

    Raises
    ------
    InputError
        If ``out`` is empty, a format is unknown or a name in ``only`` is not registered.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_manifest(tmp, only=["gan-losses"])
    ...     print(path.name, "## gan-losses" in path.read_text())
    MANIFEST.md True
    """
    if not os.fspath(out):
        raise InputError("out: the output directory is empty; give '.' for the current directory")
    text = manifest(only, formats=formats, out=out)
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "MANIFEST.md"
    with _replacing(target) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    return target


def _cell(text: str) -> str:
    """``text`` for a Markdown table cell: ``|`` escaped."""
    return text.replace("|", "\\|")


def _shell_word(word: str) -> str:
    """``word`` quoted for a POSIX shell where needed."""
    import shlex

    return shlex.quote(word)


def _shown(value: Any) -> str:
    """A parameter value for Markdown: numbers in short form, sequences and mappings inline."""
    import numbers

    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if type(value).__module__ == "numpy":  # arrays and numpy scalars as Python values
        return _shown(value.tolist())
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


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
