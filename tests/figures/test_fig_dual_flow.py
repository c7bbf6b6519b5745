"""The dual-flow figures plot the mathematics they claim (data checked, not pixels)."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.figures import available, make_figure


def test_registry_lists_foundation_figures() -> None:
    names = available()
    for name in ("dual-flow-oscillation", "dual-flow-convergence", "explicit-implicit-alternating"):
        assert names.get(name), name


def test_oscillation_orbits_the_target() -> None:
    """Limit of the text's eq. (1): |x - x_r|^2 + |y|^2 is a first integral (a center), and the
    alternating (symplectic-Euler-like) iterates stay within O(tau) of that circle."""
    result = make_figure("dual-flow-oscillation")
    data = result.data
    state = data["limit_state"]
    energy = np.sum((state[:, :2] - data["target"]) ** 2, axis=1) + np.sum(state[:, 2:] ** 2, 1)
    np.testing.assert_allclose(energy, energy[0], rtol=1e-8)
    radius = np.linalg.norm(data["iterates"] - data["target"], axis=1)
    assert np.all(np.abs(radius - 1.0) < 2 * data["tau"])
    angles = np.unwrap(np.arctan2(*(data["iterates"] - data["target"]).T[::-1]))
    assert abs(angles[-1] - angles[0]) > 1.9 * np.pi  # a full turn around x_r
    ax = result.figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None


def test_convergence_figure_measures_first_order() -> None:
    data = make_figure("dual-flow-convergence").data
    assert data["order"] == pytest.approx(1.0, abs=0.05)
    # halving tau doubles the number of points on the same cumulative-learning-rate axis
    lengths = [len(t) - 1 for t, _ in data["curves"]]
    assert lengths == [30, 60, 120, 240]
    assert all(t[-1] == pytest.approx(6.0) for t, _ in data["curves"])


def test_three_schemes_spiral_out_in_and_stay_closed() -> None:
    """On min_x max_y xy: simultaneous explicit multiplies |z|^2 by (1 + tau^2) per step, the
    joint implicit (proximal point) step divides it by (1 + tau^2), and alternating GDA
    conserves the modified energy x^2 + y^2 - tau x y (x-first)."""
    data = make_figure("explicit-implicit-alternating").data
    tau = data["tau"]
    runs = data["runs"]
    r2 = {k: np.sum(v**2, axis=1) for k, v in runs.items()}
    n = np.arange(len(r2["alternating"]))
    np.testing.assert_allclose(r2["explicit (simultaneous)"], (1 + tau**2) ** n, rtol=1e-10)
    np.testing.assert_allclose(r2["implicit (simultaneous)"], (1 + tau**2) ** -n, rtol=1e-10)
    xa, ya = runs["alternating"].T
    modified = xa**2 + ya**2 - tau * xa * ya
    np.testing.assert_allclose(modified, modified[0], rtol=1e-12)
