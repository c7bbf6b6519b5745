"""ParticleRun: snapshot indexing, the time axis, and losses recomputed by hand at the
recorded states."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from limitdyn.errors import InputError
from limitdyn.particles import WGAN, ToyGAN, TwoLayerRegression, diracs, ring


def _sig(u):  # type: ignore[no-untyped-def]
    return expit(u)


def _dsig(u):  # type: ignore[no-untyped-def]
    return expit(u) * expit(-u)


def test_snapshots_sit_on_the_cumulative_time_axis() -> None:
    model = WGAN(
        n_generator=10,
        n_critic_particles=6,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.3,
        batch=8,
        engine="numpy",
        n_eval=16,
    )
    run = model.run(steps=23, record_every=5, seed=0, progress=False)
    assert run.steps.tolist() == [0, 5, 10, 15, 20, 23]  # the last step is always recorded
    np.testing.assert_allclose(run.times, run.steps * 0.3 / 10, rtol=1e-15)
    assert run.n_snapshots == 6
    assert run.generator.shape == (6, *model.generator_shape)
    assert run.critic is not None and run.critic.shape == (6, *model.critic_shape)
    for values in (*run.losses.values(), *run.metrics.values()):
        assert values.shape == (6,)
    assert all(np.isnan(v[0]) and np.isfinite(v[1:]).all() for v in run.losses.values())
    # the default records about 100 snapshots
    assert model.run(steps=1000, seed=0, progress=False).n_snapshots == 101


def test_snapshot_indexing() -> None:
    run = ToyGAN(lr=0.1).run(steps=6, record_every=2, init=([1.0], [0.0]))
    assert [run.snapshot_index(i) for i in (0, 2, -1, -4)] == [0, 2, 3, 0]
    for bad in (4, -5, 1.0, "0"):
        with pytest.raises(InputError, match="out of range for 4 snapshots"):
            run.snapshot_index(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="ToyGAN runs have no generator samples"):
        run.samples()
    assert "ParticleRun(model=ToyGAN(N=1" in repr(run)


def test_full_batch_regression_losses_are_the_energies_of_the_previous_snapshots(
    engine: str,
) -> None:
    """With the whole data set each step, the loss recorded after step s is the energy
    E = (1/2n) sum_r |g(x_r) - y_r|^2 at the state before it, i.e. at snapshot s - 1;
    the metric is E at the snapshot itself. Both recomputed from the particles by hand."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(30, 2))
    model = TwoLayerRegression(
        n_particles=7, input_dim=2, inputs=data, batch=None, lr=2.0, engine=engine
    )
    run = model.run(steps=5, record_every=1, seed=1, progress=False)

    def g(theta: np.ndarray) -> np.ndarray:  # (n, K): (1/N) sum_i a_i sigma(b_i . x + c_i)
        a, b, c = theta[:, :, 0], theta[:, :, 1:3], theta[:, :, 3]
        return np.einsum("ik,rik->rk", a, _sig(np.einsum("ikl,rl->rik", b, data) + c)) / 7

    assert model.teacher_particles is not None
    y = g(model.teacher_particles) * 7 / model.teacher_particles.shape[0]
    energy = np.array([0.5 * np.sum((g(t) - y) ** 2) / 30 for t in run.generator])
    np.testing.assert_allclose(run.metrics["energy"], energy, rtol=1e-12)
    np.testing.assert_allclose(run.losses["energy"][1:], energy[:-1], rtol=1e-12)
    assert np.all(np.diff(energy) < 0)  # gradient descent on the energy


def test_first_wgan_step_by_hand(engine: str) -> None:
    """One step from a generator with b = 0 (so g(z) = g0 for every z) against a Dirac
    target x0: the critic loss is D = f(x0) - f(g0), the critic SGD substep is
    omega_j += lr dD/d omega_j (mean-field: eta_c = lr / M on M dD/d omega_j), and the
    generator loss is f(g0) under the updated critic; a and c then ascend f(g)."""
    N, M, K, L, lr = 5, 4, 2, 2, 0.2
    x0 = np.array([0.5, -0.3])
    model = WGAN(
        n_generator=N,
        n_critic_particles=M,
        data_dim=K,
        latent_dim=L,
        target=diracs([x0]),
        lr=lr,
        batch=8,
        n_critic=1,
        clip=None,
        engine=engine,
        n_eval=0,
    )
    rng = np.random.default_rng(2)
    theta = rng.normal(size=model.generator_shape)
    theta[:, :, 1 : L + 1] = 0.0
    omega = rng.normal(size=model.critic_shape)
    run = model.run(steps=1, record_every=1, seed=3, init=(theta, omega), progress=False)

    a, c = theta[:, :, 0], theta[:, :, L + 1]
    g0 = (a * _sig(c)).mean(axis=0)

    def f(w: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(w[:, 0] * _sig(w[:, 1 : K + 1] @ y + w[:, K + 1])))

    assert run.losses["critic"][1] == pytest.approx(f(omega, x0) - f(omega, g0), rel=1e-12)
    ux = omega[:, 1 : K + 1] @ x0 + omega[:, K + 1]
    ug = omega[:, 1 : K + 1] @ g0 + omega[:, K + 1]
    alpha = omega[:, 0]
    grad = np.empty_like(omega)  # dD / d omega_j
    grad[:, 0] = (_sig(ux) - _sig(ug)) / M
    grad[:, 1 : K + 1] = alpha[:, None] * (_dsig(ux)[:, None] * x0 - _dsig(ug)[:, None] * g0) / M
    grad[:, K + 1] = alpha * (_dsig(ux) - _dsig(ug)) / M
    omega1 = omega + lr * grad
    assert run.critic is not None
    np.testing.assert_allclose(run.critic[1], omega1, rtol=1e-12, atol=1e-15)
    assert run.losses["generator"][1] == pytest.approx(f(omega1, g0), rel=1e-12)
    u1 = omega1[:, 1 : K + 1] @ g0 + omega1[:, K + 1]
    df = (omega1[:, 0, None] * _dsig(u1)[:, None] * omega1[:, 1 : K + 1]).mean(axis=0)
    np.testing.assert_allclose(run.generator[1][:, :, 0], a + lr / N * _sig(c) * df, rtol=1e-12)
    np.testing.assert_allclose(
        run.generator[1][:, :, L + 1], c + lr / N * a * _dsig(c) * df, rtol=1e-12
    )


def test_plots_delegate_to_the_plotting_layer() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    model = WGAN(
        n_generator=6,
        n_critic_particles=5,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.3,
        batch=8,
        engine="numpy",
        n_eval=16,
    )
    run = model.run(steps=4, record_every=2, seed=0, progress=False)
    ax = Figure().subplots()
    assert run.plot_samples(n=40, ax=ax) is ax
    assert len(ax.collections) == 2  # target and generator samples
    assert ax.collections[1].get_offsets().shape == (40, 2)
    ax = run.plot_critic(dims=(0, 3), ax=Figure().subplots())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("alpha", "gamma")
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), run.critic[-1][:, [0, 3]])
    ax = run.plot_losses(ax=Figure().subplots())
    assert sorted(line.get_label() for line in ax.get_lines()) == ["critic", "generator"]
    ax = run.plot_metric("critic_spread", ax=Figure().subplots())
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), run.metrics["critic_spread"])
    with pytest.raises(InputError, match="unknown metric 'w1'; this run has"):
        run.plot_metric("w1")
    reg = TwoLayerRegression(n_particles=4, input_dim=1, engine="numpy", n_eval=8)
    reg_run = reg.run(steps=2, seed=0, progress=False)
    with pytest.raises(InputError, match="TwoLayerRegression runs have no critic particles"):
        reg_run.plot_critic()


def _small_run():  # type: ignore[no-untyped-def]
    model = WGAN(
        n_generator=6,
        n_critic_particles=4,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.3,
        batch=8,
        engine="numpy",
        n_eval=32,
    )
    return model.run(steps=6, record_every=3, seed=0, progress=False)


def test_run_shows_a_summary_and_the_metrics_per_snapshot() -> None:
    run = _small_run()
    html = run._repr_html_()
    assert "WGAN run: N = 6, M = 4, 6 steps, 3 snapshots, t in [0, 0.3]" in html
    assert html.count("<tr>") == 4  # header and one row per snapshot
    for name in ("time", "step", "sliced_w2", "critic_spread", "loss: critic"):
        assert f"<th>{name}</th>" in html
    pd = pytest.importorskip("pandas")
    frame = run.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3
    np.testing.assert_array_equal(frame["step"], [0, 3, 6])
    np.testing.assert_allclose(frame["time"], [0.0, 0.15, 0.3])
    np.testing.assert_array_equal(frame["sliced_w2"], run.metrics["sliced_w2"])
    assert np.isnan(frame["loss: generator"][0])


def test_run_to_xarray_labels_the_snapshots() -> None:
    pytest.importorskip("xarray")
    run = _small_run()
    ds = run.to_xarray()
    assert ds["critic"].dims == ("time", "critic_particle", "coordinate")
    assert ds["generator"].dims[:2] == ("time", "particle")
    assert ds["coordinate"].values.tolist() == ["alpha", "beta_1", "beta_2", "gamma"]
    np.testing.assert_array_equal(ds["step"].values, [0, 3, 6])
    np.testing.assert_array_equal(ds["critic"].sel(coordinate="alpha").values,
                                  run.critic[:, :, 0])  # fmt: skip
    np.testing.assert_array_equal(ds["sliced_w2"].values, run.metrics["sliced_w2"])
    assert ds["loss_critic"].dims == ("time",)


def test_plot_samples_takes_a_generator_seed() -> None:
    pytest.importorskip("matplotlib")
    from limitdyn.plotting import new_figure

    run = _small_run()
    ax = run.plot_samples(n=20, seed=np.random.default_rng(3), ax=new_figure()[1])
    assert len(ax.collections) == 2
    # an int seed and the Generator it names draw the same samples (target, generator)
    same = run.plot_samples(n=20, seed=3, ax=new_figure()[1])
    for drawn, expected in zip(ax.collections, same.collections):
        np.testing.assert_array_equal(drawn.get_offsets(), expected.get_offsets())
    fresh = run.plot_samples(n=20, ax=new_figure()[1])  # seed=None: fresh entropy
    assert not np.array_equal(fresh.collections[1].get_offsets(), same.collections[1].get_offsets())
    with pytest.raises(InputError, match="seed must be"):
        run.plot_samples(n=20, seed="3")  # type: ignore[arg-type]
