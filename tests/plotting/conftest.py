"""Plots are drawn with matplotlib's Agg backend; every figure is closed after its test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg", force=True)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(params=["new axes", "given axes"])
def ax_mode(request: Any) -> str:
    """Every plot is drawn once on new pyplot axes (no ``ax=``) and once on given axes."""
    return str(request.param)
