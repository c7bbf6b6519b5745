"""WGAN: projection, time axis, scalings, seeds, metrics, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from limitdyn.errors import InputError, OptionalDependencyError
from limitdyn.particles import diracs, gaussian_mixture, grid

from ._helpers import small_wgan as _wgan


def test_projection_keeps_the_critic_in_q(engine: str) -> None:
    model = _wgan(lr=50.0, engine=engine, clip=0.02)
    run = model.run(steps=30, record_every=5, seed=0, progress=False)
    assert run.critic is not None
    assert np.abs(run.critic).max() <= 0.02
    # with a large rate the critic reaches the boundary of Q: the projection is active
    assert np.isclose(np.abs(run.critic[-1]), 0.02).any()


def test_mean_field_runs_with_different_n_share_the_time_axis() -> None:
    lr, t_end = 0.4, 0.2
    times = []
    for n in (20, 40):
        model = _wgan(n_generator=n, n_critic_particles=n, lr=lr)
        assert model.dt == pytest.approx(lr / n)
        assert model.gamma_c == pytest.approx(model.n_critic)  # n_critic N / M with M = N
        steps = round(t_end / model.dt)
        run = model.run(t_end=t_end, record_every=steps // 5, seed=1, progress=False)
        assert run.steps[-1] == steps
        np.testing.assert_allclose(run.times, run.steps * lr / n)
        times.append(run.times)
    np.testing.assert_allclose(times[0], times[1])


def test_replicated_particles_follow_the_smaller_system() -> None:
    """Duplicating every particle leaves the empirical measures and the fields unchanged:
    N particles with rate lr/2 and their 2N duplicates with rate lr (same dt = lr/(2N)...)
    run identical batches to identical clouds."""
    model = _wgan(n_generator=15, n_critic_particles=10, lr=0.6)
    theta, omega = model.init_particles(3)
    small = model.replace(lr=0.3).run(steps=6, seed=9, init=(theta, omega), progress=False)
    big = model.replace(n_generator=30, n_critic_particles=20).run(
        steps=6,
        seed=9,
        init=(np.concatenate([theta, theta]), np.concatenate([omega, omega])),
        progress=False,
    )
    np.testing.assert_allclose(big.generator[-1][:15], small.generator[-1], rtol=1e-12)
    np.testing.assert_allclose(big.generator[-1][15:], small.generator[-1], rtol=1e-12)
    np.testing.assert_allclose(big.critic[-1][:10], small.critic[-1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(big.times, small.times)


def test_raw_and_mean_field_sgd_are_the_same_iterates_on_different_clocks() -> None:
    a = _wgan(scaling="mean-field").run(steps=5, seed=2, progress=False)
    b = _wgan(scaling="raw").run(steps=5, seed=2, progress=False)
    np.testing.assert_allclose(a.generator, b.generator, rtol=1e-13)
    np.testing.assert_allclose(a.critic, b.critic, rtol=1e-13)
    np.testing.assert_allclose(b.times, a.times * 40)


def test_rmsprop_first_step_size_depends_on_the_scaling() -> None:
    """From ms = 0, RMSProp's first step is lr sign(g) / sqrt(1 - rho) (eps negligible)."""
    rho, lr = 0.9, 1e-3
    for scaling, expected in (("raw", lr), ("mean-field", lr / 40)):
        model = _wgan(
            optimizer="rmsprop",
            scaling=scaling,
            lr=lr,
            rmsprop_decay=rho,
            rmsprop_eps=1e-300,
            n_critic=1,
            clip=None,
        )
        run = model.run(steps=1, seed=4, progress=False)
        step = np.abs(run.generator[1] - run.generator[0])
        np.testing.assert_allclose(step, expected / np.sqrt(1 - rho), rtol=1e-6)


def test_randomness_only_through_the_seed() -> None:
    model = _wgan()
    a = model.run(steps=20, record_every=10, seed=11, progress=False)
    b = model.run(steps=20, record_every=10, seed=np.random.default_rng(11), progress=False)
    c = model.run(steps=10, record_every=3, seed=11, progress=False)
    np.testing.assert_array_equal(a.generator, b.generator)
    # a shorter run, recorded differently, is a prefix of the longer one
    np.testing.assert_array_equal(c.generator[-1], a.generator[1])
    d = model.run(steps=20, record_every=10, seed=12, progress=False)
    assert not np.array_equal(a.generator[-1], d.generator[-1])


def test_run_records_metrics_and_losses() -> None:
    model = _wgan(n_eval=200, target=grid(25))
    run = model.run(steps=8, record_every=4, seed=0, progress=False)
    assert set(run.metrics) == {
        "sliced_w2",
        "modes_captured",
        "high_quality",
        "critic_boundary",
        "critic_spread",
    }
    assert all(v.shape == (3,) for v in run.metrics.values())
    assert np.all(run.metrics["modes_captured"] <= 25)
    assert np.isnan(run.losses["critic"][0]) and np.isfinite(run.losses["critic"][1:]).all()
    assert "ParticleRun(model=WGAN(N=40" in repr(run)
    assert run.samples(-1, n=10).shape == (10, 2)


def test_unknown_names_list_the_valid_ones() -> None:
    with pytest.raises(InputError, match="valid engines: auto, numpy, numba"):
        _wgan(engine="cuda")
    with pytest.raises(InputError, match="valid optimizers: sgd, rmsprop"):
        _wgan(optimizer="adam")
    with pytest.raises(InputError, match="valid scalings: mean-field, raw"):
        _wgan(scaling="ntk")
    with pytest.raises(InputError, match="valid activations: sigmoid, tanh, relu"):
        _wgan(activation="gelu")
    with pytest.raises(InputError, match="valid dtypes"):
        _wgan(dtype="float16")


def test_bad_inputs_are_named() -> None:
    with pytest.raises(InputError, match="n_generator must be a positive integer"):
        _wgan(n_generator=0)
    with pytest.raises(InputError, match="target has dimension 3, but data_dim=2"):
        _wgan(target=gaussian_mixture([[0.0, 0.0, 0.0]], 1.0))
    with pytest.raises(InputError, match=r"weights\[1\] = nan"):
        diracs([[0.0, 0.0], [1.0, 1.0]], weights=[1.0, np.nan])
    with pytest.raises(InputError, match="appears more than once"):
        gaussian_mixture([[0.0, 1.0], [0.0, 1.0]], 0.1)
    model = _wgan()
    theta, omega = model.init_particles(0)
    with pytest.raises(InputError, match=r"init\[0\] \(theta\) has shape"):
        model.run(steps=1, init=(theta[:3], omega))
    theta[2, 1, 0] = np.inf
    with pytest.raises(InputError, match=r"init\[0\] \(theta\)\[2, 1, 0\] is not finite"):
        model.run(steps=1, init=(theta, omega))
    with pytest.raises(InputError, match="exactly one of steps= and t_end="):
        model.run(steps=1, t_end=1.0)
    with pytest.raises(InputError, match="seed must be"):
        model.run(steps=1, seed="zero")  # type: ignore[arg-type]


def test_numba_engine_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    import limitdyn._engine as _engine

    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setattr(_engine, "has_module", lambda name: False)
    with pytest.raises(OptionalDependencyError, match="numba"):
        _wgan(engine="numba")
    assert _wgan(engine="auto").engine.name == "numpy"
