"""Fixtures of the particle tests: strict floats (the ``engine`` fixture is the shared one
of ``tests/conftest.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn._optional import has_module


@pytest.fixture(autouse=True)
def _strict_floats():  # type: ignore[no-untyped-def]
    old = np.seterr(all="raise")
    yield
    np.seterr(**old)


needs_numba = pytest.mark.skipif(not has_module("numba"), reason="numba is not installed")
