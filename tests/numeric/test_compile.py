"""The compile layer's on-disk cache: one module file per generated source."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn import _cachedir
from limitdyn._engine import Engine
from limitdyn.errors import CacheWarning
from limitdyn.numeric import _compile
from limitdyn.numeric._compile import CompiledScheme, cache_dir, compile_ode, compile_scheme

x, y = sp.symbols("x y")
NUMPY = Engine("numpy")
#: a coefficient no other test uses, so every scheme here has a source never compiled before
_fresh = itertools.count(1_000_003)


def fresh_scheme() -> ld.Scheme:
    return ld.explicit([-x + y / next(_fresh), -y], [x, y])


def module_file(compiled: CompiledScheme) -> Path:
    return Path(sys.modules[compiled.run.__module__].__file__ or "")


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cache directory moved to ``tmp_path`` for one test."""
    monkeypatch.setenv("LIMITDYN_CACHE_DIR", str(tmp_path))
    yield cache_dir()  # the root follows the environment variable


def test_cache_dir_honours_the_environment(private_cache: Path, tmp_path: Path) -> None:
    assert private_cache == tmp_path / f"generated-v{_compile._FORMAT}"
    assert private_cache.is_dir()


def test_unwritable_cache_dir_falls_back_to_a_private_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LIMITDYN_CACHE_DIR", str(blocker))
    monkeypatch.setattr(_cachedir, "_warned", False)
    with pytest.warns(CacheWarning, match="cannot be used"):
        fallback = cache_dir()
    # the one private root of the process (limitdyn/_cachedir.py), removed at exit
    assert fallback.is_dir() and blocker not in fallback.parents
    assert fallback.name == f"generated-v{_compile._FORMAT}"
    assert fallback.parent.name.startswith("limitdyn-cache-")


def test_equal_schemes_share_one_module_file(private_cache: Path) -> None:
    n = next(_fresh)
    first = compile_scheme(ld.explicit([-x + y / n, -y], [x, y]), NUMPY)
    again = compile_scheme(ld.explicit([-x + y / n, -y], [x, y]), NUMPY)
    assert again is first  # equal schemes hit the in-process cache
    fresh = CompiledScheme(ld.explicit([-x + y / n, -y], [x, y]), NUMPY)
    assert fresh.source == first.source and module_file(fresh) == module_file(first)
    assert module_file(first).parent == private_cache
    assert module_file(first).read_text() == first.source
    assert not list(private_cache.glob("*.tmp"))


def test_different_schemes_and_engines_get_different_files(private_cache: Path) -> None:
    a, b = compile_scheme(fresh_scheme(), NUMPY), compile_scheme(fresh_scheme(), NUMPY)
    assert module_file(a) != module_file(b)
    pytest.importorskip("numba")
    scheme = fresh_scheme()
    plain, jitted = compile_scheme(scheme, NUMPY), compile_scheme(scheme, Engine("numba"))
    assert module_file(plain) != module_file(jitted)
    assert jitted.engine == Engine("numba") and plain.engine == NUMPY


def test_kernel_stamp_is_part_of_the_key(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed kernel file gives every scheme a new module, so numba never reuses a copy
    that inlined the old kernel."""
    scheme = fresh_scheme()
    before = CompiledScheme(scheme, NUMPY)
    assert before.source.startswith(f"# limitdyn kernels {_compile._kernel_stamp()}\n")
    monkeypatch.setattr(_compile, "_kernel_stamp", lambda: "0" * 16)
    after = CompiledScheme(scheme, NUMPY)
    assert after.source.startswith("# limitdyn kernels " + "0" * 16)
    assert module_file(after) != module_file(before)


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # a partial write
        lambda text: text.replace("return 0, n, 0.0", "return 2, 0, 0.0"),  # valid but wrong
        lambda text: "\udcff" + text,  # not even UTF-8
    ],
)
def test_damaged_cache_file_is_rewritten_not_used(private_cache: Path, damage) -> None:
    scheme = fresh_scheme()
    compiled = CompiledScheme(scheme, NUMPY)
    source, path = compiled.source, module_file(compiled)
    module_name = compiled.run.__module__
    assert path == private_cache / f"{module_name}.py"
    path.write_bytes(damage(source).encode("utf-8", "surrogateescape"))
    del sys.modules[module_name]  # as in a new process
    compile_scheme.cache_clear()
    rebuilt = compile_scheme(scheme, NUMPY)
    assert path.read_text() == source
    traj = ld.iterate(scheme, [1.0, 0.0], tau=0.1, steps=3, engine=NUMPY)
    np.testing.assert_allclose(traj["x"], 0.9 ** np.arange(4))
    assert module_file(rebuilt) == path


def test_module_loaded_in_this_process_is_reused(private_cache: Path) -> None:
    """Within a process the imported module is authoritative: the file is not read again."""
    compiled = compile_scheme(fresh_scheme(), NUMPY)
    path = module_file(compiled)
    path.unlink()
    again = _compile._import_generated(compiled.source)
    assert again.run is compiled.run and not path.exists()


def test_ode_key_includes_the_parameter_order(private_cache: Path) -> None:
    a, b = sp.symbols("a b")
    ode = ld.ODE((x,), sp.Matrix([a * x + b / next(_fresh)]))
    rhs_ab, _ = compile_ode(ode, (a, b))
    rhs_ba, _ = compile_ode(ode, (b, a))
    assert rhs_ab.__module__ != rhs_ba.__module__
    z = np.array([2.0])
    assert rhs_ab(0.0, z, np.array([3.0, 0.0]))[0] == 6.0
    assert rhs_ba(0.0, z, np.array([0.0, 3.0]))[0] == 6.0
