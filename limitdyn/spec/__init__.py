"""Scheme files: a TOML format for schemes, read safely, and the analyses of ``limitdyn analyze``.

Modules: ``_parse`` (the whitelist expression parser, :mod:`ast` to SymPy),
``_toml`` (reading TOML with positions and checking its keys), ``_build`` (a file to a
:class:`~limitdyn.Scheme` or :class:`~limitdyn.TwoStepScheme`, parameter values, initial
state and run settings), ``_report`` (the analyses and their text, LaTeX, JSON and
Markdown renderings). The format is described in ``docs/scheme_files.rst``; shipped
examples are listed by :func:`examples`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SpecError
from ._build import FORMAT_VERSION, RunSettings, SchemeFile, load_scheme, loads_scheme
from ._parse import CONSTANTS, FUNCTIONS, parse_expr
from ._report import ANALYSIS_SCHEMA, ANALYSIS_VERSION, FORMATS, Analysis, analyze

__all__ = [
    "ANALYSIS_SCHEMA",
    "ANALYSIS_VERSION",
    "CONSTANTS",
    "FORMATS",
    "FORMAT_VERSION",
    "FUNCTIONS",
    "Analysis",
    "RunSettings",
    "SchemeFile",
    "analyze",
    "example_path",
    "examples",
    "load_scheme",
    "loads_scheme",
    "parse_expr",
]

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def examples() -> tuple[str, ...]:
    """Names of the shipped example scheme files (``limitdyn/examples/*.toml``), sorted.

    Examples
    --------
    >>> "heavy_ball" in examples()
    True
    """
    return tuple(sorted(p.stem for p in _EXAMPLES.glob("*.toml")))


def example_path(name: str) -> Path:
    """The path of the shipped example ``name`` (see :func:`examples`).

    Raises
    ------
    SpecError
        If there is no such example; the message lists them.

    Examples
    --------
    >>> example_path("heavy_ball").name
    'heavy_ball.toml'
    """
    if name not in examples():
        raise SpecError(f"no example {name!r}; the examples are: {', '.join(examples())}")
    return _EXAMPLES / f"{name}.toml"
