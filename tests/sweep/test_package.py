"""The sweep package's public face: names resolve, workers load no numpy first, ld.sweep."""

from __future__ import annotations

import subprocess
import sys

import limitdyn as ld
import limitdyn.sweep as sweep_package


def test_every_name_in_all_exists() -> None:
    for name in sweep_package.__all__:
        assert getattr(sweep_package, name) is not None, name


def test_worker_initializer_module_imports_no_numpy() -> None:
    """The thread limits are set before numpy's BLAS reads them (module docstring)."""
    code = "import sys, limitdyn.sweep._worker; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_facade_name_is_the_callable_package(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from limitdyn.sweep import gaussian_moments

    with ThreadPoolExecutor(1) as pool:
        result = ld.sweep(
            gaussian_moments, {"n": [50]}, store=tmp_path, executor=pool, progress=False
        )
    assert ld.sweep is sweep_package and result.ok
