"""Plots of stochastic runs draw what they say: means with one-sd bands, weak errors with
their fitted power law (with and without ``ax``)."""

from __future__ import annotations

import numpy as np
import sympy as sp

import limitdyn as ld
from limitdyn.numeric import WeakConvergenceStudy
from limitdyn.plotting import new_figure

x = sp.Symbol("x")


def _ax(ax_mode: str):
    return None if ax_mode == "new axes" else new_figure()[1]


def test_paths_plot(ax_mode) -> None:
    s = ld.sgd([(x - 1) ** 2 / 2, (x + 1) ** 2 / 2], [x])
    run = ld.iterate_stochastic(
        s, [1.0], tau=0.1, steps=10, n_paths=200, seed=0, record_every=2, engine="numpy"
    )
    ax = run.plot(ax=_ax(ax_mode))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), run.t)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), run.mean()[:, 0])
    assert "StochasticPaths" in repr(run) and "<table>" in run._repr_html_()
    assert list(run.to_dataframe().columns) == ["mean x", "var x"]


def test_weak_plot(ax_mode) -> None:
    taus = np.array([0.2, 0.1, 0.05])
    e = 0.3 * taus**2
    study = WeakConvergenceStudy(taus, e, e / 10, e, 0 * e, 2.0, e > 0, 2, 10, x, 1.0)
    ax = study.plot(ax=_ax(ax_mode))
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), e)
    labels = ax.get_legend_handles_labels()[1]
    assert ax.get_xscale() == "log" and "fit: order 2.00" in labels and "SME order 2" in labels
