"""Compile schemes and ODEs once to fast callables, cached per object and engine.

Generated source is written to a module file keyed by its hash, in the entry
``generated-v<N>`` of the limitdyn cache root (:mod:`limitdyn._cachedir`:
``$LIMITDYN_CACHE_DIR`` or the user cache directory), and imported from there, so numba's
on-disk cache applies: a scheme compiled once is loaded in later processes without
recompiling. A module file that is not byte for byte its source is rewritten before it is
imported; modules are compiled from that checked source (no ``.pyc`` is read or written);
their numba cache is verified by :func:`limitdyn._cachedir.cached_njit`.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import _cachedir
from .._engine import Engine
from .._ode import ODE
from .._scheme import ImplicitStage, Scheme
from ._codegen import ode_source, scheme_loop_source

#: bump when the generated code's conventions change, so stale modules are not reused
_FORMAT = 3

_HEADERS = {
    "numpy": (
        "import math\n\nimport numpy as np\n\nfrom limitdyn.numeric._kernels import solve_small\n"
    ),
    "numba": (
        "import math\n\nimport numpy as np\n\n"
        "from limitdyn._cachedir import cached_njit\n"
        "from limitdyn.numeric._kernels_jit import solve_small\n"
    ),
}


_NUMPY = Engine("numpy")


def cache_dir() -> Path:
    """The directory holding generated modules, under the cache root (created if missing)."""
    return _cachedir.subdir(f"generated-v{_FORMAT}")


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles a generated module from the source it was checked against: the file is not
    read again, and no bytecode file is read or written (no ``.pyc`` to go stale or bad)."""

    def __init__(self, fullname: str, path: str, data: bytes):
        super().__init__(fullname, path)
        self._data = data

    def get_data(self, path: str) -> bytes:
        return self._data if path == self.path else super().get_data(path)

    def path_stats(self, path: str) -> dict[str, Any]:
        raise OSError(f"{path}: generated modules are not byte-compiled to disk")


def _write_if_changed(path: Path, data: bytes) -> None:
    """Make ``path`` hold exactly ``data``; a partial or damaged file is replaced atomically."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    _cachedir.atomic_write(path, data)


def _import_generated(source: str) -> ModuleType:
    """Write ``source`` (generated, never user text) to its cache file and import it."""
    data = source.encode()
    name = f"limitdyn_generated_{hashlib.sha256(data).hexdigest()[:24]}"
    if name in sys.modules:
        return sys.modules[name]
    try:
        path = cache_dir() / f"{name}.py"
        _write_if_changed(path, data)
    except OSError as exc:  # the root went read-only or away: one private root instead
        _cachedir.report_unusable(exc)
        path = cache_dir() / f"{name}.py"
        _write_if_changed(path, data)
    loader = _SourceOnlyLoader(name, str(path), data)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@lru_cache(maxsize=1)
def _kernel_stamp() -> str:
    """Hash of the kernels that generated modules call: part of every module's text, so a
    changed kernel gives new module files and numba never reuses a stale inlined copy."""
    from . import _kernels

    return hashlib.sha256(Path(_kernels.__file__).read_bytes()).hexdigest()[:16]


def _module_text(engine: Engine, body: str) -> str:
    """The module file for ``body``: kernel stamp, the engine's imports, then the code."""
    return f"# limitdyn kernels {_kernel_stamp()}\n" + _HEADERS[engine.name] + "\n\n" + body


class CompiledScheme:
    """A scheme's iteration loop compiled for one engine.

    Attributes
    ----------
    engine : Engine
        Where the loop runs.
    run : callable
        ``run(z0, p, hs, stride, out, t, tol, maxiter, A, b) -> (status, index, residual)``;
        see :func:`limitdyn.numeric._codegen.scheme_loop_source`.
    newton_size : int
        Largest implicit stage (size of the Newton scratch space).
    source : str
        The generated module, for inspection.
    """

    def __init__(self, scheme: Scheme, engine: Engine):
        self.engine = engine
        body = scheme_loop_source(scheme, guard_exceptions=not engine.jit)
        footer = ""
        if engine.jit:
            footer = '\n\nrun = cached_njit(run, error_model="numpy")\n'
        self.source = _module_text(engine, body + footer)
        sizes = [len(s.targets) for s in scheme.stages if isinstance(s, ImplicitStage)]
        self.newton_size = max(sizes, default=1)
        self.run = _import_generated(self.source).run


@lru_cache(maxsize=128)
def compile_scheme(scheme: Scheme, engine: Engine) -> CompiledScheme:
    """The compiled loop of ``scheme`` for ``engine``, cached per (scheme, engine)."""
    return CompiledScheme(scheme, engine)


@lru_cache(maxsize=128)
def compile_ode(ode: ODE, parameters: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(rhs, jac)`` numpy callables of an ODE with parameters in the given order, cached."""
    module = _import_generated(_module_text(_NUMPY, ode_source(ode, parameters)))
    return module.rhs, module.jac
