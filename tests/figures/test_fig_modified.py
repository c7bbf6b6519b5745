"""The modified-equation figures plot the mathematics they claim (data checked, not pixels).

[BD] D. G. T. Barrett, B. Dherin, "Implicit gradient regularization", ICLR 2021.
[RWDB] M. Rosca, Y. Wu, B. Dherin, D. G. T. Barrett, "Discretization drift in two-player
games", ICML 2021.
[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, ch. IX.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from limitdyn.figures import available, make_figure


def test_registered() -> None:
    names = available()
    assert names.get("implicit-regularization") and names.get("gan-drift")


def test_implicit_regularization_modified_flow_tracks_iterates() -> None:
    """[BD]: gradient descent stays O(tau^2) from the flow of -grad(E + tau/4 |grad E|^2)
    but O(tau) from the gradient flow; the plotted potential is that modified loss."""
    result = make_figure("implicit-regularization")
    data = result.data
    tau = data["tau"]
    x, y = sp.symbols("x y")
    E = x**2 / 2 + y**2 + x**2 * y**2 / 8
    grad = sp.lambdify((x, y), [E.diff(x), E.diff(y)], "numpy")
    z = data["iterates"]
    steps = z[:-1] - tau * np.array(grad(z[:-1, 0], z[:-1, 1])).T
    np.testing.assert_allclose(z[1:], steps, rtol=1e-12, atol=1e-14)  # the dots are GD
    np.testing.assert_allclose(data["t"], tau * np.arange(len(z)), atol=1e-12)
    modified = E + sp.Symbol("tau", positive=True) / 4 * (E.diff(x) ** 2 + E.diff(y) ** 2)
    assert sp.simplify(data["modified_potential"] - modified) == 0
    d_plain, d_mod = data["distance_gradient_flow"], data["distance_modified_flow"]
    assert d_mod.max() < 0.3 * d_plain.max()
    assert np.all(d_mod[1:] < d_plain[1:])
    fig = result.figure
    assert fig.get_suptitle()
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None


def test_gan_drift_fields_and_iterates() -> None:
    """[RWDB] on E = x y: the simultaneous drift points outward with divergence tau (the
    iterates' |z|^2 grows by 1 + tau^2 per step, Mescheder et al. 2018); the alternating
    drift is divergence-free, and its iterates keep x^2 + y^2 - tau x y (the symplectic Euler
    invariant, [HLW])."""
    result = make_figure("gan-drift")
    data = result.data
    tau = data["tau"]
    gx, gy = data["grid_x"], data["grid_y"]
    spacing = gx[0, 1] - gx[0, 0]

    def divergence(field: np.ndarray) -> np.ndarray:
        u, v = field
        return np.gradient(u, spacing, axis=1) + np.gradient(v, spacing, axis=0)

    sim, alt = data["drift_simultaneous"], data["drift_alternating"]
    radial = sim[0] * gx + sim[1] * gy
    away = (gx != 0) | (gy != 0)
    assert np.all(radial[away] > 0)
    np.testing.assert_allclose(divergence(sim), tau, atol=1e-12)
    np.testing.assert_allclose(divergence(alt), 0.0, atol=1e-12)
    r2 = np.sum(data["iterates_simultaneous"] ** 2, axis=1)
    np.testing.assert_allclose(r2[1:] / r2[:-1], 1 + tau**2, rtol=1e-12)
    xs, ys = data["iterates_alternating"].T
    invariant = xs**2 + ys**2 - tau * xs * ys
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-12)
    fig = result.figure
    assert fig.get_suptitle()
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
