"""Non-finite runs (limitdyn/particles/_driver.py): every model and engine raises
DivergenceError with the step and time, or stops there with ``on_divergence="stop"``,
and runs too large for memory are refused before anything is allocated."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from limitdyn.errors import DivergenceError, InputError
from limitdyn.particles import WGAN, ToyGAN, TwoLayerRegression, ring, sampler
from limitdyn.particles._driver import RNG_BLOCK, record_count, record_steps

from ._helpers import small_wgan


def _finite(run: Any) -> bool:
    parts = [run.generator, *run.metrics.values()] + [v[1:] for v in run.losses.values()]
    if run.critic is not None:
        parts.append(run.critic)
    return all(np.isfinite(np.asarray(a, dtype=float)).all() for a in parts)


def _check_stop(model: Any, step: int, **kw: Any) -> None:
    """``stop`` keeps exactly the snapshots before the step that ``raise`` reports."""
    run = model.run(on_divergence="stop", progress=False, **kw)
    assert run.diverged_at == step
    assert run.steps.tolist() == [
        s for s in record_steps(kw["steps"], kw["record_every"]) if s < step
    ]
    assert run.generator.shape[0] == run.times.size == run.steps.size
    assert all(v.size == run.steps.size for v in [*run.metrics.values(), *run.losses.values()])
    assert _finite(run)


def test_wgan_with_a_huge_learning_rate_raises_on_both_engines(engine: str) -> None:
    """Before: WGAN(lr=1e200, clip=None) returned critic_spread = inf silently (numpy)."""
    model = small_wgan(lr=1e200, clip=None, engine=engine)
    with pytest.raises(DivergenceError) as info:
        model.run(steps=20, record_every=1, seed=0, progress=False)
    err = info.value
    assert type(err) is DivergenceError and "WGAN: the" in str(err)
    # the first step already overflows (the metric, or the state on numba)
    assert err.step == 1
    assert err.time == pytest.approx(model.dt)
    _check_stop(model, 1, steps=20, record_every=1, seed=0)


def test_a_sampler_returning_inf_is_a_divergence_at_the_step_that_uses_it(engine: str) -> None:
    """Before: on the numba engine the clipped critic hid the inf samples (finite result).

    The sampler turns inf from its third call with n > 0: the first block of batches is
    finite, the second is not, so the divergence is at step RNG_BLOCK + 1."""
    calls = [0]

    def bad(rng: np.random.Generator, n: int) -> np.ndarray:
        if n:
            calls[0] += 1
        x = rng.normal(size=(n, 2))
        return x if calls[0] < 2 else np.full((n, 2), np.inf)

    model = small_wgan(target=sampler(bad, dim=2), engine=engine)
    with pytest.raises(DivergenceError, match="random inputs") as info:
        model.run(steps=3 * RNG_BLOCK, record_every=4, seed=0, progress=False)
    assert info.value.step == RNG_BLOCK + 1
    assert info.value.time == pytest.approx((RNG_BLOCK + 1) * model.dt)
    calls[0] = 0
    _check_stop(model, RNG_BLOCK + 1, steps=3 * RNG_BLOCK, record_every=4, seed=0)


def test_toy_gan_energy_overflow_is_found_at_the_step_computed_by_hand() -> None:
    """Before: ToyGAN(lr=1e6) returned energy = inf. With the logistic latent the energy
    is cosh(theta) + omega^2 / (2 gamma); explicit Euler iterated here by hand."""
    from scipy.special import expit

    lr, steps = 100.0, 40
    toy = ToyGAN(lr=lr, latent="logistic")
    th, om = 1.0, 0.5
    expected = None
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            th, om = th + lr * expit(th) * expit(-th) * om, om + lr * (0.5 - expit(th))
            if not np.isfinite(np.cosh(th) + om * om / 2):
                expected = k
                break
    assert expected is not None and expected > 2
    with pytest.raises(DivergenceError, match="the metric 'energy'") as info:
        toy.run(steps=steps, record_every=1, init=([1.0], [0.5]))
    assert info.value.step == expected
    assert info.value.time == pytest.approx(expected * toy.dt)
    _check_stop(toy, expected, steps=steps, record_every=1, init=([1.0], [0.5]))


def test_toy_gan_with_lr_1e6_raises() -> None:
    with pytest.raises(DivergenceError, match="ToyGAN: the metric 'energy' is not finite"):
        ToyGAN(lr=1e6).run(steps=50, init=([1.0], [0.5]))


def test_regression_energy_overflow_on_finite_particles_is_detected(engine: str) -> None:
    """ReLU units with a huge step: the particles stay finite for a few steps while the
    recorded energy already overflows; it is never returned as inf."""
    model = TwoLayerRegression(
        n_particles=10, input_dim=1, lr=1e4, activation="relu", engine=engine, n_eval=64
    )
    with pytest.raises(DivergenceError) as info:
        model.run(steps=200, record_every=1, seed=0, progress=False)
    step = info.value.step
    assert step >= 1 and info.value.time == pytest.approx(step * model.dt)
    _check_stop(model, step, steps=200, record_every=1, seed=0)


def test_finite_runs_are_unchanged_and_the_option_is_checked() -> None:
    toy = ToyGAN(lr=0.1)
    a = toy.run(steps=10, record_every=5, init=([1.0], [0.5]))
    b = toy.run(steps=10, record_every=5, init=([1.0], [0.5]), on_divergence="stop")
    assert a.diverged_at is None and b.diverged_at is None
    assert np.array_equal(a.generator, b.generator) and a.steps.tolist() == [0, 5, 10]
    with pytest.raises(InputError, match="valid on_divergences: raise, stop"):
        toy.run(steps=10, on_divergence="ignore")


def test_an_initial_state_that_is_not_finite_raises_even_with_stop() -> None:
    toy = ToyGAN(latent="logistic")
    with pytest.raises(DivergenceError, match="initial snapshot") as info:
        toy.run(steps=5, init=([800.0], [0.0]), on_divergence="stop")
    assert info.value.step == 0 and info.value.time == 0.0


@pytest.mark.parametrize(
    "model",
    [
        ToyGAN(),
        TwoLayerRegression(n_particles=20, input_dim=3, engine="numpy"),
        small_wgan(),
    ],
    ids=["toy", "regression", "wgan"],
)
def test_too_many_snapshots_are_refused_before_allocation(model: Any) -> None:
    """Before: run(steps=10**8, record_every=1) built 10**8 marks and snapshots (MemoryError
    or an OOM kill)."""
    start = time.perf_counter()
    with pytest.raises(
        InputError,
        match=r"recording 100000001 snapshots \(100000000 steps\) "
        r"would need about [\d.]+ [GT]iB of memory, more than the limit of 16.0 GiB",
    ):
        model.run(steps=10**8, record_every=1, seed=0, progress=False)
    assert time.perf_counter() - start < 2.0
    assert record_count(10**8, 1) == 10**8 + 1


def test_record_count_is_the_length_of_record_steps() -> None:
    for steps in (0, 1, 7, 99, 100, 101, 1000):
        for every in (None, 1, 3, 100, 2000):
            assert record_count(steps, every) == len(record_steps(steps, every))


def test_wgan_class_is_driven_by_the_same_option() -> None:
    # the WGAN runs through ParticleModel.run: the option is there for it too
    assert "on_divergence" in WGAN.run.__code__.co_varnames
    run = small_wgan(target=ring(4)).run(
        steps=4, record_every=2, seed=0, progress=False, on_divergence="stop"
    )
    assert run.diverged_at is None and run.steps.tolist() == [0, 2, 4]
