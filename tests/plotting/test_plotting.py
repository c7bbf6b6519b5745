"""Every ``.plot*`` method of every result type, drawn with and without ``ax=``.

Each test checks that the returned axes hold the result's own arrays (line and scatter
data equal to them), on new pyplot axes (no ``ax=``: the README's ``traj.plot()``, which
once failed with "matplotlib.pyplot 0 is too old") and on given axes (returned as is).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn import plotting
from limitdyn.numeric import (
    ConvergenceStudy,
    EDIResidual,
    StochasticPaths,
    Trajectory,
    WeakConvergenceStudy,
)
from limitdyn.numeric._drift import InvariantDrift
from limitdyn.numeric._jet_fields import ModifiedFlow
from limitdyn.numeric._stability_region import StabilityRegion
from limitdyn.particles import (
    WGAN,
    AggregationFlow,
    MeanFieldGap,
    ParticleRun,
    ToyGAN,
    TwoLayerRegression,
    mean_field_gap,
    quantile_jko,
    ring,
)
from limitdyn.symbolic._stability import StabilityReport

x, y = sp.symbols("x y")
ROOT = Path(ld.__file__).parent


def _draw(mode: str, plot: Callable[..., Any]) -> Any:
    """``plot()`` on new pyplot axes, or ``plot(ax=given)``; checks where it drew."""
    import matplotlib.pyplot as plt

    if mode == "given axes":
        _, given = plotting.new_figure()
        ax = plot(ax=given)
        assert ax is given
        return ax
    before = set(plt.get_fignums())
    ax = plot()
    assert set(plt.get_fignums()) - before == {ax.figure.number}, "no new pyplot figure"
    return ax


@pytest.fixture(scope="module")
def traj() -> Trajectory:
    # the rotation x' = y, y' = -x by explicit Euler
    return ld.iterate(ld.explicit([y, -x], [x, y]), [1.0, 0.0], tau=0.25, steps=6, engine="numpy")


@pytest.fixture(scope="module")
def study() -> ConvergenceStudy:
    return ld.convergence_study(
        ld.explicit([-x], [x]), [1.0], t_end=1.0, taus=[0.1, 0.05, 0.025], engine="numpy"
    )


@pytest.fixture(scope="module")
def wgan_run() -> ParticleRun:
    model = WGAN(
        n_generator=6,
        n_critic_particles=5,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        engine="numpy",
        n_eval=0,
    )
    return model.run(steps=4, record_every=2, seed=0, progress=False)


@pytest.fixture(scope="module")
def toy_run() -> ParticleRun:
    return ToyGAN(lr=0.1, n_critic_particles=3).run(
        steps=4, record_every=2, init=([1.0], [0.0, 0.1, 0.2])
    )


@pytest.fixture(scope="module")
def gap() -> MeanFieldGap:
    model = TwoLayerRegression(n_particles=8, input_dim=1, batch=8, engine="numpy")
    return mean_field_gap(model, sizes=[4, 8], t_end=0.25, seeds=2, progress=False)


# -- trajectories ---------------------------------------------------------------------------


def test_trajectory_plot_draws_each_variable_against_t(traj: Trajectory, ax_mode: str) -> None:
    ax = _draw(ax_mode, traj.plot)
    assert len(ax.lines) == 2
    for i, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_xdata(), traj.t)
        np.testing.assert_array_equal(line.get_ydata(), traj.z[:, i])
    # explicit Euler on the rotation: x_1 = 1, y_1 = -tau
    assert ax.lines[1].get_ydata()[1] == -0.25


def test_trajectory_plot_of_chosen_variables(traj: Trajectory, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: traj.plot(variables=["y"], **kw))
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), traj.z[:, 1])


def test_trajectory_plots_take_a_label(traj: Trajectory) -> None:
    """A caller's label names the one drawn line, or prefixes each variable's name."""
    ax = _draw("given axes", lambda **kw: traj.plot(variables=["y"], label="GD", **kw))
    assert [line.get_label() for line in ax.lines] == ["GD"]
    ax = _draw("given axes", lambda **kw: traj.plot(label="GD", **kw))
    assert [line.get_label() for line in ax.lines] == ["GD: x", "GD: y"]
    ax = _draw("given axes", lambda **kw: traj.plot_phase(x, "y", label="orbit", **kw))
    assert [line.get_label() for line in ax.lines] == ["orbit"]


def test_modified_flow_plot_draws_the_modified_solution(ax_mode: str) -> None:
    """Explicit Euler on x' = -x: the order-1 modified field is -(1 + tau/2) x
    (Hairer, Lubich, Wanner, GNI IX.1, f - tau/2 f'f), so the drawn curve is
    exp(-(1 + tau/2) t)."""
    flow = ld.modified_flow(ld.JetField([-x], [x]), [1.0], tau=0.1, order=1, t_end=2.0)
    ax = _draw(ax_mode, flow.plot)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), flow.t)
    np.testing.assert_allclose(line.get_ydata(), np.exp(-1.05 * flow.t), rtol=1e-8)


def test_plot_phase_draws_the_orbit(traj: Trajectory, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: traj.plot_phase(x, "y", **kw))
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), traj.z[:, 0])
    np.testing.assert_array_equal(line.get_ydata(), traj.z[:, 1])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x$", "$y$")


# -- convergence ----------------------------------------------------------------------------


def test_convergence_plot_draws_errors_and_the_fitted_power_law(
    study: ConvergenceStudy, ax_mode: str
) -> None:
    ax = _draw(ax_mode, study.plot)
    measured, fit = ax.lines
    np.testing.assert_array_equal(measured.get_xdata(), study.taus)
    np.testing.assert_array_equal(measured.get_ydata(), study.errors)
    # the fit is c * tau**order: its log-log slope is the study's order everywhere
    slopes = np.diff(np.log(fit.get_ydata())) / np.diff(np.log(fit.get_xdata()))
    np.testing.assert_allclose(slopes, study.order, rtol=1e-12)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert abs(study.order - 1.0) < 0.1  # explicit Euler is first order


# -- particle runs --------------------------------------------------------------------------


def test_plot_samples_scatters_generator_over_target(wgan_run: ParticleRun, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: wgan_run.plot_samples(n=50, seed=3, **kw))
    target, generator = ax.collections
    # one generator for both clouds: the generator's samples first, then the target's
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(generator.get_offsets(), wgan_run.samples(-1, n=50, seed=rng))
    np.testing.assert_allclose(target.get_offsets(), wgan_run.model.target_samples(50, seed=rng))


def test_plot_samples_without_the_target(wgan_run: ParticleRun, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: wgan_run.plot_samples(0, n=20, seed=0, target=False, **kw))
    (generator,) = ax.collections
    np.testing.assert_allclose(generator.get_offsets(), wgan_run.samples(0, n=20, seed=0))


def test_plot_critic_scatters_two_coordinates(wgan_run: ParticleRun, ax_mode: str) -> None:
    assert wgan_run.critic is not None
    ax = _draw(ax_mode, lambda **kw: wgan_run.plot_critic(1, dims=(0, 2), **kw))
    (points,) = ax.collections
    w = wgan_run.critic[1].reshape(wgan_run.critic.shape[1], -1)
    np.testing.assert_allclose(points.get_offsets(), w[:, [0, 2]])


def test_plot_critic_of_the_toy_gan(toy_run: ParticleRun, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: toy_run.plot_critic(dims=(0, 0), **kw))
    (points,) = ax.collections
    assert toy_run.critic is not None
    np.testing.assert_allclose(points.get_offsets()[:, 0], toy_run.critic[-1].ravel())


def test_plot_losses_draws_every_loss(wgan_run: ParticleRun, ax_mode: str) -> None:
    ax = _draw(ax_mode, wgan_run.plot_losses)
    assert [line.get_label() for line in ax.lines] == list(wgan_run.losses)
    for line, values in zip(ax.lines, wgan_run.losses.values()):
        np.testing.assert_array_equal(line.get_xdata(), wgan_run.times)
        np.testing.assert_array_equal(line.get_ydata(), values)


def test_plot_metric_draws_the_metric(toy_run: ParticleRun, ax_mode: str) -> None:
    ax = _draw(ax_mode, lambda **kw: toy_run.plot_metric("energy", **kw))
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), toy_run.times)
    np.testing.assert_array_equal(line.get_ydata(), toy_run.metrics["energy"])


def test_plot_metric_names_the_metrics_it_has(toy_run: ParticleRun) -> None:
    with pytest.raises(ld.InputError, match="unknown metric 'w2'; this run has: energy"):
        toy_run.plot_metric("w2")


# -- propagation of chaos -------------------------------------------------------------------


def test_mean_field_gap_plot_draws_means_fit_and_guide(gap: MeanFieldGap, ax_mode: str) -> None:
    ax = _draw(ax_mode, gap.plot)
    (bars,) = ax.containers
    n = gap.sizes.astype(float)
    np.testing.assert_array_equal(bars.lines[0].get_xdata(), n)
    np.testing.assert_array_equal(bars.lines[0].get_ydata(), gap.mean)
    by_label = {line.get_label().partition(":")[0]: line for line in ax.lines}
    fit, guide = by_label["fit"], by_label["$C/N$"]
    np.testing.assert_allclose(fit.get_ydata(), gap.prefactor * n**gap.exponent)
    # the C/N guide through the first point: N * y is constant
    np.testing.assert_allclose(guide.get_ydata() * n, gap.mean[0] * n[0])


# -- the ax keyword everywhere --------------------------------------------------------------


def _plot_methods_in_source() -> set[str]:
    """``Class.plot*`` for every class of the package that defines such a method."""
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name.startswith("plot"):
                        found.add(f"{node.name}.{item.name}")
    return found


PLOT_METHODS = {
    "Trajectory.plot": Trajectory.plot,
    "Trajectory.plot_phase": Trajectory.plot_phase,
    "ConvergenceStudy.plot": ConvergenceStudy.plot,
    "ParticleRun.plot_samples": ParticleRun.plot_samples,
    "ParticleRun.plot_critic": ParticleRun.plot_critic,
    "ParticleRun.plot_losses": ParticleRun.plot_losses,
    "ParticleRun.plot_metric": ParticleRun.plot_metric,
    "MeanFieldGap.plot": MeanFieldGap.plot,
    "StabilityReport.plot": StabilityReport.plot,
    "StabilityRegion.plot": StabilityRegion.plot,
    "EDIResidual.plot": EDIResidual.plot,
    "InvariantDrift.plot": InvariantDrift.plot,
    "AggregationFlow.plot": AggregationFlow.plot,
    "ModifiedFlow.plot": ModifiedFlow.plot,
    # drawn with and without ax in tests/plotting/test_weak_plots.py
    "StochasticPaths.plot": StochasticPaths.plot,
    "WeakConvergenceStudy.plot": WeakConvergenceStudy.plot,
}
PLOT_FUNCTIONS = [name for name in plotting.__all__ if name.startswith("plot_")]


def test_every_plot_method_is_tested_here() -> None:
    assert _plot_methods_in_source() == set(PLOT_METHODS)


@pytest.mark.parametrize("name", [*PLOT_METHODS, *PLOT_FUNCTIONS])
def test_ax_is_keyword_only_with_default_none(name: str) -> None:
    fn = PLOT_METHODS.get(name) or getattr(plotting, name)
    ax = inspect.signature(fn).parameters["ax"]
    assert ax.kind is inspect.Parameter.KEYWORD_ONLY and ax.default is None, name


def test_positional_ax_is_a_type_error(traj: Trajectory, study: ConvergenceStudy) -> None:
    _, given = plotting.new_figure()
    with pytest.raises(TypeError, match="positional argument"):
        traj.plot(given)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional argument"):
        plotting.plot_phase(traj, x, y, given)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional argument"):
        plotting.plot_convergence(study, given)  # type: ignore[misc]


def test_convergence_plot_fits_only_the_levels_the_study_uses() -> None:
    # errors 3 tau**2 at the three finest levels; the two coarsest are far off the power
    # law, so the study calls them pre-asymptotic and fits order 2 on the rest
    taus = np.array([0.4, 0.2, 0.1, 0.05, 0.025])
    errors = np.array([50.0, 0.96, 3 * 0.1**2, 3 * 0.05**2, 3 * 0.025**2])
    study = ConvergenceStudy(taus, errors, "max", "limit ODE", 1.0)
    assert study.status.tolist() == ["pre-asymptotic"] * 2 + ["ok"] * 3
    ax = study.plot()
    used, fit, left_out = ax.lines
    np.testing.assert_array_equal(used.get_xdata(), taus[2:])
    np.testing.assert_allclose(fit.get_ydata(), 3 * taus[2:] ** 2, rtol=1e-12)
    np.testing.assert_array_equal(left_out.get_ydata(), errors[:2])
    assert "pre-asymptotic" in left_out.get_label()


def test_convergence_plot_of_an_exact_scheme_draws_no_fit_line() -> None:
    taus = np.array([0.1, 0.05, 0.025])
    errors = np.array([1e-17, 2e-17, 1.5e-17])  # the rounding floor: no order to fit
    study = ConvergenceStudy(taus, errors, "max", "limit ODE", 1.0)
    assert np.isnan(study.order)
    labels = [line.get_label() for line in study.plot().lines]
    assert not any(label.startswith("fit") for label in labels)


# -- the capability results -----------------------------------------------------------------


def test_spectral_radius_plot(ax_mode: str) -> None:
    # explicit Euler on x' = -x, y' = -10 y: radius max(|1 - tau|, |1 - 10 tau|)
    report = ld.linear_stability(ld.explicit([-x, -10 * y], [x, y]), at=[0, 0])
    ax = _draw(ax_mode, lambda **kw: report.plot(**kw))
    t, rho = ax.lines[0].get_data()
    np.testing.assert_allclose(rho, np.maximum(np.abs(1 - t), np.abs(1 - 10 * t)), rtol=1e-12)


def test_stability_region_plot(ax_mode: str) -> None:
    region = ld.stability_region("explicit", n=41)
    ax = _draw(ax_mode, lambda **kw: region.plot(**kw))
    # explicit Euler: the disc |1 + z| <= 1 (Hairer and Wanner, Solving ODEs II, IV.2)
    re, im = np.meshgrid(region.re, region.im, indexing="xy")  # rows: im, columns: re
    np.testing.assert_allclose(region.radius, np.abs(1 + re + 1j * im), rtol=1e-12)
    assert ax.get_title() == "explicit" and ax.collections


def test_edi_residual_plot(ax_mode: str) -> None:
    gd = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, t_end=1.0, engine="numpy")
    result = ld.edi_residual(gd, x**2 / 2)
    ax = _draw(ax_mode, lambda **kw: result.plot(**kw))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), result.times)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), result.values)
    # gradient descent on x^2/2: the residual is tau^3/6 sum_n x_n^2, x_n = 0.9^n
    assert result.final == pytest.approx(0.1**3 / 6 * sum(0.81**n for n in range(10)), rel=1e-9)


def test_invariant_drift_plot(ax_mode: str) -> None:
    # explicit Euler on the rotation multiplies x^2 + y^2 by 1 + tau^2 per step
    run = ld.iterate(ld.explicit([y, -x], [x, y]), [1.0, 0.0], tau=0.1, steps=5, engine="numpy")
    drift = ld.invariant_drift(run, x**2 + y**2)
    ax = _draw(ax_mode, lambda **kw: drift.plot(**kw))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), drift.t)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), drift.drift)
    np.testing.assert_allclose(drift.values, 1.01 ** np.arange(6), rtol=1e-12)


def test_quantile_flow_plot(ax_mode: str) -> None:
    q0 = np.linspace(-1, 1, 5)
    # W(x) = |x|: w'(r) = 1
    flow: AggregationFlow = quantile_jko(
        q0, tau=0.5, steps=3, interaction=lambda r: np.ones_like(r)
    )
    ax = _draw(ax_mode, lambda **kw: flow.plot(times=2, **kw))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), q0)
