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
    theta, omega = model.init_particles(seed=3)
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
    theta, omega = model.init_particles(seed=0)
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


# ---------------------------------------------------------------- two time scales, RMSProp


def test_critic_learning_rate_scales_the_critic_step_only() -> None:
    """One critic substep from the same particles and batch: the step is (alpha_c / M) v
    in the mean-field scaling and alpha_c v / M in the raw one, so it scales with
    alpha_c / lr; the generator's first step does not depend on it when the critic is
    given the same start (n_critic = 1, the critic moves before the generator)."""
    for scaling in ("mean-field", "raw"):
        base = _wgan(n_critic=1, clip=None, scaling=scaling)
        init = base.init_particles(seed=5)
        a = base.run(steps=1, seed=3, init=init, progress=False)
        b = base.replace(critic_lr=base.lr / 8).run(steps=1, seed=3, init=init, progress=False)
        np.testing.assert_allclose(
            b.critic[1] - b.critic[0], (a.critic[1] - a.critic[0]) / 8, rtol=1e-9, atol=1e-14
        )
    model = _wgan(n_generator=40, n_critic_particles=30, n_critic=2, lr=0.5)
    assert model.gamma_c == pytest.approx(2 * 40 / 30)
    assert model.replace(critic_lr=0.05).gamma_c == pytest.approx(2 * 40 / 30 / 10)
    # gamma_c= is the same option stated as the critic's time scale
    same = _wgan(gamma_c=0.25)
    assert same.critic_lr == pytest.approx(0.25 * 0.5 * 30 / (2 * 40))
    assert same.gamma_c == pytest.approx(0.25)
    assert "critic_lr=0.046875" in repr(same)
    with pytest.raises(InputError, match="at most one of critic_lr= and gamma_c="):
        _wgan(critic_lr=0.1, gamma_c=1.0)
    with pytest.raises(InputError, match="critic_lr must be"):
        _wgan(critic_lr=-1.0)
    with pytest.raises(InputError, match="valid rmsprop_norms: coordinate, particle"):
        _wgan(rmsprop_norm="layer")


@pytest.mark.parametrize("scaling", ["mean-field", "raw"])
def test_per_particle_rmsprop_first_step_by_hand(scaling: str) -> None:
    """From ms = 0: ms_i = (1 - rho) |v_i|^2, so particle i moves by
    eta v_i / (sqrt(1 - rho) |v_i| + eps): along its SGD velocity, by eta / sqrt(1 - rho)
    in Euclidean norm over all its coordinates (eta = lr / N mean-field, lr raw). The
    critic's learning rate is made negligible so that both runs' generators see the same
    critic."""
    rho, lr, N = 0.9, 1e-3, 40
    common = dict(lr=lr, scaling=scaling, n_critic=1, clip=None, critic_lr=1e-300)
    # SGD with a large rate: the same direction, measured without cancellation
    sgd = _wgan(optimizer="sgd", **{**common, "lr": 1.0})
    rms = _wgan(optimizer="rmsprop", rmsprop_norm="particle", rmsprop_decay=rho,
                rmsprop_eps=1e-300, **common)  # fmt: skip
    init = sgd.init_particles(seed=1)
    a = sgd.run(steps=1, seed=4, init=init, progress=False)
    b = rms.run(steps=1, seed=4, init=init, progress=False)
    v = (a.generator[1] - a.generator[0]).reshape(N, -1)  # proportional to v_i
    step = (b.generator[1] - b.generator[0]).reshape(N, -1)
    eta = lr / N if scaling == "mean-field" else lr
    expected = eta / np.sqrt(1 - rho) * v / np.linalg.norm(v, axis=1, keepdims=True)
    np.testing.assert_allclose(step, expected, rtol=1e-9, atol=1e-14)  # ulps of theta
    # per coordinate, by contrast, every coordinate moves by eta / sqrt(1 - rho)
    coord = _wgan(optimizer="rmsprop", rmsprop_decay=rho, rmsprop_eps=1e-300, **common)
    c = coord.run(steps=1, seed=4, init=init, progress=False)
    np.testing.assert_allclose(
        np.abs(c.generator[1] - c.generator[0]), eta / np.sqrt(1 - rho), rtol=1e-9
    )


def test_per_particle_rmsprop_critic_substep_by_hand() -> None:
    """The critic's first substep (before any generator step): omega_j moves by
    (alpha_c / M) v_j / (sqrt(1 - rho) |v_j|), v_j its SGD velocity on the same batch."""
    rho, M = 0.5, 30
    common = dict(n_critic=1, clip=None, critic_lr=0.3)
    init = _wgan(**common).init_particles(seed=2)
    a = _wgan(optimizer="sgd", **common).run(steps=1, seed=6, init=init, progress=False)
    rms = _wgan(
        optimizer="rmsprop",
        rmsprop_norm="particle",
        rmsprop_decay=rho,
        rmsprop_eps=1e-300,
        **common,
    )
    b = rms.run(steps=1, seed=6, init=init, progress=False)
    v = a.critic[1] - a.critic[0]
    expected = 0.3 / M / np.sqrt(1 - rho) * v / np.linalg.norm(v, axis=1, keepdims=True)
    np.testing.assert_allclose(b.critic[1] - b.critic[0], expected, rtol=1e-9, atol=1e-20)


# ---------------------------------------------------------------- sizes and divergence


@pytest.mark.parametrize(
    "changes",
    [
        {"n_generator": 10**9},
        {"n_critic_particles": 10**10},
        {"data_dim": 10**9, "target": None},
        {"latent_dim": 10**9},
        {"batch": 10**9},
        {"batch": 10**6, "n_critic": 10**4},
        {"n_eval": 10**10},
    ],
)
def test_sizes_beyond_the_memory_cap_are_refused_when_built(changes: dict) -> None:
    if "target" in changes:
        changes = {**changes, "target": gaussian_mixture([[0.0] * 2], 1.0)}
        with pytest.raises(InputError, match="target has dimension 2, but data_dim="):
            _wgan(**changes)
        return
    with pytest.raises(InputError, match=r"would need about [\d.]+ [GT]iB of memory, more than"):
        _wgan(**changes)


def test_memory_estimate_matches_the_arrays_of_a_run() -> None:
    """N = 10^8 generator particles, K = 2, L = 2, float64: the particles, their second
    moments and gradients alone take 3 * 8 * 10^8 * 2 * 4 bytes = 17.9 GiB (> 16 GiB)."""
    with pytest.raises(InputError, match=r"would need about 17\.9 GiB of memory"):
        _wgan(n_generator=10**8, n_critic_particles=1, batch=1, n_eval=0)
    _wgan(n_generator=10**4)  # a modest model builds


def test_too_many_snapshots_are_refused_before_running() -> None:
    model = _wgan(n_generator=10**4, n_critic_particles=10)
    with pytest.raises(InputError, match=r"snapshots.*would need about .* of memory"):
        model.run(steps=10**7, record_every=1, progress=False)


def test_a_huge_learning_rate_raises_divergence_or_stops() -> None:
    from limitdyn.errors import DivergenceError

    model = _wgan(lr=1e200, clip=None)
    with pytest.raises(DivergenceError, match="not finite") as info:
        model.run(steps=20, record_every=1, seed=0, progress=False)
    assert info.value.step >= 1 and info.value.time == pytest.approx(info.value.step * model.dt)
    run = model.run(steps=20, record_every=1, seed=0, progress=False, on_divergence="stop")
    assert run.diverged_at == info.value.step
    assert run.steps.tolist() == list(range(run.diverged_at))
    assert np.isfinite(run.generator).all() and np.isfinite(run.critic).all()
    with pytest.raises(InputError, match=r"on_divergence"):
        model.run(steps=2, on_divergence="ignore")
