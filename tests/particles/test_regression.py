"""Two-layer regression: the Wasserstein gradient flow, the aggregation form, divergence."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import DivergenceError
from limitdyn.particles import TwoLayerRegression


def test_divergence_is_reported_with_step_and_time() -> None:
    model = TwoLayerRegression(
        n_particles=10, input_dim=1, lr=1e30, activation="relu", engine="numpy"
    )
    with pytest.raises(DivergenceError) as info:
        with np.errstate(all="ignore"):
            model.run(steps=50, seed=0, progress=False)
    assert info.value.step >= 1
    assert info.value.time == pytest.approx(info.value.step * model.dt)


def test_regression_follows_the_wasserstein_gradient_flow() -> None:
    """dE/dt = -int |V|^2 dmu: one full-batch step changes E by -dt mean|V|^2 + O(dt^2)."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(64, 2))
    theta = rng.normal(size=(20, 1, 4))
    residual = []
    for dt in (4e-3, 2e-3, 1e-3):
        model = TwoLayerRegression(
            n_particles=20, input_dim=2, inputs=data, batch=None, lr=dt * 20, engine="numpy"
        )
        run = model.run(steps=1, seed=0, init=theta, progress=False)
        e0, e1 = run.metrics["energy"]
        v = model.velocity(theta, data)
        dissipation = float(np.mean(np.sum(v.reshape(20, -1) ** 2, axis=1)))
        residual.append(abs((e1 - e0) / dt + dissipation))
    order = np.log2(np.array(residual[:-1]) / np.array(residual[1:]))
    np.testing.assert_allclose(order, 1.0, atol=0.05)


def test_regression_energy_has_the_aggregation_form() -> None:
    rng = np.random.default_rng(1)
    model = TwoLayerRegression(n_particles=12, input_dim=2, output_dim=2, engine="numpy")
    theta = rng.normal(size=model.generator_shape)
    x = rng.normal(size=(30, 2))
    W, V, C = model.aggregation(theta, x)
    assert np.allclose(W, W.T)
    assert model.energy(theta, x) == pytest.approx(W.mean() / 2 + V.mean() + C, rel=1e-12)
