"""Compile schemes and ODEs once to fast callables, cached per object and engine.

Generated source is written to a module file in a cache directory keyed by its
hash and imported from there, so numba's on-disk cache (``cache=True``) applies:
a scheme compiled once is loaded in later processes without recompiling. The
directory is ``$LIMITDYN_CACHE_DIR``, else ``$XDG_CACHE_HOME/limitdyn``
(``~/.cache/limitdyn``); when it cannot be written, a private temporary directory
is used for the life of the process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from .._engine import Engine
from .._ode import ODE
from .._scheme import ImplicitStage, Scheme
from ._codegen import ode_source, scheme_loop_source

#: bump when the generated code's conventions change, so stale modules are not reused
_FORMAT = 2

_HEADERS = {
    "numpy": (
        "import math\n\nimport numpy as np\n\nfrom limitdyn.numeric._kernels import solve_small\n"
    ),
    "numba": (
        "import math\n\nimport numba\nimport numpy as np\n\n"
        "from limitdyn.numeric._kernels_jit import solve_small\n"
    ),
}


_NUMPY = Engine("numpy")


@lru_cache(maxsize=1)
def cache_dir() -> Path:
    """The directory holding generated modules (created on first use)."""
    configured = os.environ.get("LIMITDYN_CACHE_DIR")
    if configured:
        root = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = Path(base) / "limitdyn"
    target = root / f"generated-v{_FORMAT}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=target, delete=True)
        probe.close()
        return target
    except OSError:
        return Path(tempfile.mkdtemp(prefix="limitdyn-generated-"))


def _import_generated(source: str) -> ModuleType:
    """Write ``source`` (generated, never user text) to its cache file and import it."""
    data = source.encode()
    name = f"limitdyn_generated_{hashlib.sha256(data).hexdigest()[:24]}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    # a file that is not byte for byte this source (partial, corrupted) is replaced
    if not path.exists() or path.read_bytes() != data:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
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
            footer = '\n\nrun = numba.njit(run, error_model="numpy", cache=True)\n'
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
