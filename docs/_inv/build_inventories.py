"""Write the minimal intersphinx inventories of docs/_inv/ (``python build_inventories.py``).

CI reaches no documentation site, so the docs ship local inventories. These are not the
projects' full ``objects.inv``: they hold exactly the targets the docs reference, each
pointing to its real URL (relative to the project's base URL in ``docs/conf.py``). When a
docstring references a new outside name, add it to ``PROJECTS`` and rerun; the nitpicky build
fails until then. With network access, the real inventories can replace these files
(``intersphinx_mapping`` then needs only the URL).
"""

from __future__ import annotations

import zlib
from pathlib import Path

#: project -> (base URL, [(domain:role, name, uri relative to the base)])
PROJECTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "python": (
        "https://docs.python.org/3",
        [
            ("py:module", "ast", "library/ast.html#module-ast"),
            ("py:module", "tomllib", "library/tomllib.html#module-tomllib"),
            (
                "py:class",
                "collections.abc.Callable",
                "library/collections.abc.html#collections.abc.Callable",
            ),
            (
                "py:class",
                "collections.abc.Mapping",
                "library/collections.abc.html#collections.abc.Mapping",
            ),
            (
                "py:class",
                "collections.abc.Sequence",
                "library/collections.abc.html#collections.abc.Sequence",
            ),
            (
                "py:class",
                "collections.abc.Iterable",
                "library/collections.abc.html#collections.abc.Iterable",
            ),
            (
                "py:class",
                "collections.abc.Iterator",
                "library/collections.abc.html#collections.abc.Iterator",
            ),
            (
                "py:class",
                "concurrent.futures.Executor",
                "library/concurrent.futures.html#concurrent.futures.Executor",
            ),
            (
                "py:class",
                "concurrent.futures.ProcessPoolExecutor",
                "library/concurrent.futures.html#concurrent.futures.ProcessPoolExecutor",
            ),
            ("py:class", "os.PathLike", "library/os.html#os.PathLike"),
            ("py:class", "pathlib.Path", "library/pathlib.html#pathlib.Path"),
            ("py:function", "functools.partial", "library/functools.html#functools.partial"),
            ("py:function", "dataclasses.replace", "library/dataclasses.html#dataclasses.replace"),
            ("py:class", "abc.ABC", "library/abc.html#abc.ABC"),
        ],
    ),
    "numpy": (
        "https://numpy.org/doc/stable",
        [
            ("py:class", "numpy.ndarray", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
            (
                "py:class",
                "numpy.random.Generator",
                "reference/random/generator.html#numpy.random.Generator",
            ),
            (
                "py:class",
                "numpy.random.SeedSequence",
                "reference/random/bit_generators/generated/numpy.random.SeedSequence.html#numpy.random.SeedSequence",
            ),
        ],
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy",
        [
            (
                "py:function",
                "scipy.integrate.solve_ivp",
                "reference/generated/scipy.integrate.solve_ivp.html#scipy.integrate.solve_ivp",
            ),
            (
                "py:function",
                "scipy.optimize.linear_sum_assignment",
                "reference/generated/scipy.optimize.linear_sum_assignment.html#scipy.optimize.linear_sum_assignment",
            ),
            (
                "py:class",
                "scipy.integrate.OdeSolver",
                "reference/generated/scipy.integrate.OdeSolver.html#scipy.integrate.OdeSolver",
            ),
        ],
    ),
    "sympy": (
        "https://docs.sympy.org/latest",
        [
            ("py:class", "sympy.core.symbol.Symbol", "modules/core.html#sympy.core.symbol.Symbol"),
            ("py:class", "sympy.core.expr.Expr", "modules/core.html#sympy.core.expr.Expr"),
            (
                "py:class",
                "sympy.matrices.immutable.ImmutableDenseMatrix",
                "modules/matrices/immutablematrices.html#sympy.matrices.immutable.ImmutableDenseMatrix",
            ),
            (
                "py:class",
                "sympy.matrices.dense.MutableDenseMatrix",
                "modules/matrices/dense.html#sympy.matrices.dense.MutableDenseMatrix",
            ),
            (
                "py:class",
                "sympy.core.numbers.Rational",
                "modules/core.html#sympy.core.numbers.Rational",
            ),
            (
                "py:class",
                "sympy.core.relational.Equality",
                "modules/core.html#sympy.core.relational.Equality",
            ),
            ("py:class", "sympy.sets.sets.Set", "modules/sets.html#sympy.sets.sets.Set"),
            (
                "py:function",
                "sympy.printing.pretty.pretty.pretty",
                "modules/printing.html#sympy.printing.pretty.pretty.pretty",
            ),
            (
                "py:function",
                "sympy.simplify.cse_main.cse",
                "modules/rewriting.html#sympy.simplify.cse_main.cse",
            ),
        ],
    ),
    "matplotlib": (
        "https://matplotlib.org/stable",
        [
            (
                "py:class",
                "matplotlib.axes.Axes",
                "api/_as_gen/matplotlib.axes.Axes.html#matplotlib.axes.Axes",
            ),
            (
                "py:class",
                "matplotlib.figure.Figure",
                "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure",
            ),
            (
                "py:method",
                "matplotlib.axes.Axes.plot",
                "api/_as_gen/matplotlib.axes.Axes.plot.html#matplotlib.axes.Axes.plot",
            ),
            (
                "py:method",
                "matplotlib.axes.Axes.loglog",
                "api/_as_gen/matplotlib.axes.Axes.loglog.html#matplotlib.axes.Axes.loglog",
            ),
            ("py:module", "matplotlib.pyplot", "api/pyplot_summary.html#module-matplotlib.pyplot"),
        ],
    ),
    "xarray": (
        "https://docs.xarray.dev/en/stable",
        [
            ("py:class", "xarray.Dataset", "generated/xarray.Dataset.html#xarray.Dataset"),
        ],
    ),
    "hypothesis": (
        "https://hypothesis.readthedocs.io/en/latest",
        [
            (
                "py:class",
                "hypothesis.strategies.SearchStrategy",
                "reference/strategies.html#hypothesis.strategies.SearchStrategy",
            ),
        ],
    ),
}


def inventory_bytes(project: str) -> bytes:
    """The objects.inv (version 2) of ``project``'s targets, deterministic."""
    _, targets = PROJECTS[project]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    body = "".join(f"{name} {role} 1 {uri} -\n" for role, name, uri in sorted(targets))
    return header + zlib.compress(body.encode(), 9)


def main() -> None:
    here = Path(__file__).parent
    for project in PROJECTS:
        (here / f"{project}.inv").write_bytes(inventory_bytes(project))


if __name__ == "__main__":
    main()
