"""The docstring audit (issue 19): every public function and method has a numpydoc
docstring with a doctested example.

Public means: every name in ``__all__`` of :mod:`limitdyn` and of its public subpackages
(and of the public modules those list, such as :mod:`limitdyn.testing.strategies`), and the
public methods of the public classes, including those they inherit from the package's own
(private) base classes. The examples themselves run as doctests (``--doctest-modules`` in
``setup.cfg``), so this test only has to find them.

Exempt, by construction rather than by a list:
- properties and plain attributes (documented in the class's Attributes section);
- dunder methods, among them the ones ``dataclasses`` generates (``__init__``, ``__repr__``,
  ``__eq__``, ...) and the display hooks ``_repr_html_``/``_repr_latex_`` (leading underscore);
- methods inherited from outside the package (``object``, ``tuple``, ``Exception``, ...);
- exception classes (their docstring is the one-line meaning of the error; they have no
  methods of their own).
Classes need a numpydoc docstring; the example requirement applies to functions and methods.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import types
from collections.abc import Iterator
from typing import Any

import pytest

import limitdyn

#: the section names numpydoc knows
SECTIONS = {
    "Parameters",
    "Returns",
    "Yields",
    "Receives",
    "Raises",
    "Warns",
    "Other Parameters",
    "Attributes",
    "Methods",
    "See Also",
    "Notes",
    "Warnings",
    "References",
    "Examples",
}
_HEADING = re.compile(r"^(\S[^\n]*)\n(-{3,})$", re.M)


def _modules() -> Iterator[types.ModuleType]:
    todo = ["limitdyn", *(f"limitdyn.{name}" for name in limitdyn._SUBPACKAGES)]
    seen: set[str] = set()
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        module = importlib.import_module(name)
        yield module
        for public in getattr(module, "__all__", ()):
            value = getattr(module, public, None)
            if value is None and importlib.util.find_spec(f"{name}.{public}") is not None:
                value = importlib.import_module(f"{name}.{public}")
            if isinstance(value, types.ModuleType) and value.__name__.startswith("limitdyn"):
                todo.append(value.__name__)


def _own_methods(cls: type) -> Iterator[tuple[str, Any]]:
    """Public methods of ``cls`` defined in limitdyn (the class or its package bases)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("limitdyn"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in names:
                continue
            names.add(name)  # the most derived definition wins
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if inspect.isfunction(member):
                yield name, member


def _public() -> dict[str, Any]:
    """Qualified name -> object, each object once (under its first public name)."""
    found: dict[str, Any] = {}
    ids: set[int] = set()

    def add(qualname: str, obj: Any) -> None:
        if id(obj) not in ids:
            ids.add(id(obj))
            found[qualname] = obj

    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if obj is None or isinstance(obj, types.ModuleType):
                continue
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                add(f"{module.__name__}.{name}", obj)
                for method, function in _own_methods(obj):
                    add(f"{module.__name__}.{name}.{method}", function)
            elif callable(obj):
                add(f"{module.__name__}.{name}", obj)
    return found


PUBLIC = _public()


def _sections(doc: str) -> dict[str, str]:
    """The numpydoc sections of ``doc`` (``Name`` underlined by dashes), by name."""
    heads = list(_HEADING.finditer(doc))
    return {
        h.group(1).strip(): doc[h.end() : heads[i + 1].start() if i + 1 < len(heads) else None]
        for i, h in enumerate(heads)
    }


def _problem(obj: Any) -> str | None:
    doc = inspect.getdoc(obj)
    if not doc:
        return "no docstring"
    summary = doc.split("\n\n", 1)[0].strip()
    if not summary or _HEADING.match(summary):
        return "no summary line"
    sections = _sections(doc)
    unknown = set(sections) - SECTIONS
    if unknown:
        return f"sections numpydoc does not know: {sorted(unknown)}"
    for match in _HEADING.finditer(doc):
        if len(match.group(2)) != len(match.group(1).strip()):
            return f"the underline of {match.group(1).strip()!r} is not as long as the name"
    if inspect.isclass(obj):
        return None
    example = sections.get("Examples", "")
    if not re.search(r"^>>> \S", example, re.M):
        return "no Examples section with a doctest (>>>)"
    return None


def test_the_audit_sees_the_public_api() -> None:
    # a test that enumerates nothing cannot fail: the audit must reach every layer
    names = set(PUBLIC)
    for expected in (
        "limitdyn.iterate",
        "limitdyn.Scheme.map",
        "limitdyn.ConvergenceStudy.to_dataframe",
        "limitdyn.particles.WGAN.run",
        "limitdyn.figures.write_manifest",
        "limitdyn.testing.strategies.schemes",
    ):
        assert expected in names, expected
    assert len(PUBLIC) > 250


def test_the_checker_finds_what_is_missing() -> None:
    def bare(x: int) -> int:
        """Twice ``x``."""
        return 2 * x

    def wrong(x: int) -> int:
        """Twice ``x``.

        Example
        -------
        >>> 2 * 2
        4
        """
        return 2 * x

    def good(x: int) -> int:
        """Twice ``x``.

        Parameters
        ----------
        x : int

        Examples
        --------
        >>> good(2)
        4
        """
        return 2 * x

    assert _problem(bare) == "no Examples section with a doctest (>>>)"
    assert _problem(wrong) is not None and "Example" in _problem(wrong)  # type: ignore[operator]
    assert _problem(lambda: 0) == "no docstring"
    assert _problem(good) is None


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_public_callable_has_a_numpydoc_docstring_with_an_example(qualname: str) -> None:
    problem = _problem(PUBLIC[qualname])
    assert problem is None, f"{qualname}: {problem}"
