"""The engine type shared by numeric/ and particles/ (limitdyn/_engine.py)."""

from __future__ import annotations

import pytest

from limitdyn._engine import PARALLEL_WORK, Engine, get_engine, resolve_engine
from limitdyn._optional import has_module
from limitdyn.errors import InputError


def test_auto_resolves_to_what_is_installed() -> None:
    expected = "numba" if has_module("numba") else "numpy"
    assert resolve_engine("auto") == expected
    assert get_engine("auto") == Engine(expected)


@pytest.mark.parametrize("bad", ["fortran", None, 3])
def test_unknown_engines_are_refused_with_the_valid_names(bad: object) -> None:
    with pytest.raises(InputError, match="valid engines: auto, numpy, numba"):
        get_engine(bad)


def test_engine_is_frozen_and_validated() -> None:
    e = Engine("numpy", threads=2)
    with pytest.raises(AttributeError):
        e.name = "numba"  # type: ignore[misc]
    for threads in (0, 1.5, True):
        with pytest.raises(InputError, match="threads"):
            Engine("numpy", threads=threads)  # type: ignore[arg-type]
    assert get_engine(e) is e
    assert get_engine(e, threads=1) == Engine("numpy", threads=1)


def test_only_numba_runs_threaded_and_only_for_large_work() -> None:
    assert not Engine("numpy").use_parallel(10 * PARALLEL_WORK)
    if has_module("numba"):
        numba_engine = Engine("numba")
        assert numba_engine.jit
        assert numba_engine.use_parallel(PARALLEL_WORK)
        assert not numba_engine.use_parallel(PARALLEL_WORK - 1)
        assert not Engine("numba", threads=1).use_parallel(10 * PARALLEL_WORK)


def test_threads_in_force_restores_numba_threads() -> None:
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    with Engine("numba", threads=1).threads_in_force():
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
