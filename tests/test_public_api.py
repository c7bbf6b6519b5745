"""Every public name resolves, and importing limitdyn pulls in no optional dependency."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = [
    "limitdyn",
    "limitdyn.errors",
    "limitdyn.symbolic",
    "limitdyn.numeric",
    "limitdyn.figures",
    "limitdyn.plotting",
    "limitdyn.particles",
    "limitdyn.gans",
    "limitdyn.spec",
    "limitdyn.sweep",
    "limitdyn.testing",
    "limitdyn.testing.strategies",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    for attr in module.__all__:
        assert getattr(module, attr) is not None, f"{name}.{attr}"
    assert len(set(module.__all__)) == len(module.__all__)


def test_import_is_light() -> None:
    code = (
        "import sys, limitdyn; "
        "mods = ('matplotlib', 'numba', 'dask', 'pandas', 'torch'); "
        "bad = [m for m in mods if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_tau_is_positive_symbol() -> None:
    import limitdyn as ld

    assert ld.tau.is_positive and ld.tau.name == "tau"


def test_particles_import_needs_neither_sympy_nor_numba() -> None:
    """The particle engine is loaded without the symbolic stack (first-step latency)."""
    code = (
        "import sys, limitdyn.particles; "
        "mods = ('sympy', 'numba', 'matplotlib', 'torch'); "
        "print(','.join(m for m in mods if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_dir_lists_lazy_names() -> None:
    import limitdyn

    assert {"iterate", "particles", "tau"} <= set(dir(limitdyn))


@pytest.mark.parametrize("name", ["modified_equation", "map_series"])
def test_order_is_keyword_only(name: str) -> None:
    """``modified_equation(scheme, order=k)``: a positional order is a TypeError."""
    import inspect

    import sympy as sp

    import limitdyn as ld

    fn = getattr(ld, name)
    assert inspect.signature(fn).parameters["order"].kind is inspect.Parameter.KEYWORD_ONLY
    x = sp.Symbol("x")
    scheme = ld.explicit([-x], [x])
    with pytest.raises(TypeError, match=rf"{name}\(\) takes 1 positional argument but 2"):
        fn(scheme, 1)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'order'"):
        fn(scheme)
    assert fn(scheme, order=1) is not None
