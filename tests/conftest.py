"""Shared test configuration: hypothesis profiles and the engine fixture."""

from __future__ import annotations

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# `make test`: deterministic (derandomize) and bounded, so a failure reproduces exactly
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# `make thorough` (tests/theorems): random, ten times the examples of each theorem test
# (tests/theorems/_cases.budget), 500 where a test sets no count of its own
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["numpy", "numba"])
def engine(request: pytest.FixtureRequest) -> str:
    """Run a test once per engine — iteration loops and particle kernels alike (trackpy's
    pattern: one suite, both engines); numba is skipped when it is not installed."""
    if request.param == "numba":
        pytest.importorskip("numba")
    return str(request.param)
