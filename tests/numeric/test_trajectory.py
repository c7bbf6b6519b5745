"""The Trajectory result type and its plot delegates (data checked, not pixels)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.plotting import new_figure, plot_convergence, plot_phase, plot_trajectory

x, y = sp.symbols("x y")


@pytest.fixture
def rotation() -> ld.Trajectory:
    """Explicit Euler on x' = -y, y' = x: each step scales the radius by sqrt(1 + tau^2)."""
    return ld.iterate(ld.explicit([-y, x], [x, y]), [1.0, 0.0], tau=0.1, steps=20)


def test_columns_by_symbol_or_name(rotation: ld.Trajectory) -> None:
    assert rotation.column(x) == rotation.column("x") == 0
    assert rotation.column("y") == 1
    np.testing.assert_array_equal(rotation["y"], rotation.z[:, 1])
    radius = np.hypot(rotation["x"], rotation["y"])
    np.testing.assert_allclose(radius, 1.01 ** (np.arange(21) / 2), rtol=1e-13)
    with pytest.raises(InputError, match="unknown variable 'z'; this trajectory has x, y"):
        rotation.column("z")


def test_final_len_and_repr(rotation: ld.Trajectory) -> None:
    assert len(rotation) == 21
    np.testing.assert_array_equal(rotation.final, rotation.z[-1])
    assert "21 states of (x, y)" in repr(rotation)


def test_plot_draws_each_variable_against_cumulative_time(rotation: ld.Trajectory) -> None:
    _, ax = new_figure()
    assert rotation.plot(ax=ax, variables=["y"], lw=2) is ax
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), rotation.t)
    np.testing.assert_array_equal(line.get_ydata(), rotation["y"])
    assert line.get_linewidth() == 2 and line.get_label() == "explicit Euler: y"
    _, ax2 = new_figure()
    plot_trajectory(rotation, ax=ax2)
    assert [ln.get_label() for ln in ax2.lines] == ["explicit Euler: x", "explicit Euler: y"]
    assert ax2.get_xlabel() == ax.get_xlabel() == "cumulative learning rate $t$"


def test_unlabelled_trajectory_uses_bare_names() -> None:
    traj = ld.Trajectory((x,), np.array([0.0, 1.0]), np.array([[1.0], [0.5]]))
    _, ax = new_figure()
    plot_trajectory(traj, ax=ax)
    assert ax.lines[0].get_label() == "x"


def test_phase_plot_draws_the_orbit(rotation: ld.Trajectory) -> None:
    _, ax = new_figure()
    assert rotation.plot_phase("y", x, ax=ax) is ax
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), rotation["y"])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), rotation["x"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$y$", "$x$")
    _, ax2 = new_figure()
    plot_phase(rotation, "y", x, ax=ax2)
    np.testing.assert_array_equal(ax2.lines[0].get_xydata(), ax.lines[0].get_xydata())


def test_convergence_plot_fits_the_power_law() -> None:
    """The dashed line is c tau^p with the study's fitted p through the geometric mean."""
    taus = np.array([0.1, 0.05, 0.02, 0.01])
    errors = 2.0 * taus**1.5 * np.array([1.0, 1.1, 0.9, 1.0])
    study = ld.ConvergenceStudy(taus, errors, "final", "limit ODE", 1.0)
    _, ax = new_figure()
    assert study.plot(ax=ax) is plot_convergence(study, ax=ax) is ax
    measured, fit = ax.lines[:2]
    np.testing.assert_array_equal(measured.get_ydata(), errors)
    slope = np.polyfit(np.log(taus), np.log(fit.get_ydata()), 1)[0]
    assert slope == pytest.approx(study.order, abs=1e-12)
    assert np.mean(np.log(fit.get_ydata())) == pytest.approx(np.mean(np.log(errors)), abs=1e-12)
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "error (final norm)"


def test_trajectory_html_and_dataframe() -> None:
    pytest.importorskip("pandas")
    xs, ys = sp.symbols("x y")
    traj = ld.Trajectory((xs, ys), np.array([0.0, 0.5]), np.array([[1.0, 2.0], [0.5, 1.5]]))
    html = traj._repr_html_()
    assert "<th>t</th><th>x</th><th>y</th>" in html and "<td>1.5</td>" in html
    frame = traj.to_dataframe()
    assert list(frame.columns) == ["t", "x", "y"] and frame["y"].tolist() == [2.0, 1.5]
