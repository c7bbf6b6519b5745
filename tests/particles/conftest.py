"""Fixtures of the particle tests: engines as a parametrised fixture, strict floats."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn._optional import has_module

ENGINES = ["numpy"] + (["numba"] if has_module("numba") else [])


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _strict_floats():  # type: ignore[no-untyped-def]
    old = np.seterr(all="raise")
    yield
    np.seterr(**old)


needs_numba = pytest.mark.skipif(not has_module("numba"), reason="numba is not installed")
