"""The run driver (limitdyn/particles/_driver.py): what a run's result may depend on.

Random batches are drawn in blocks of ``RNG_BLOCK`` steps whatever the recording
interval, so the state after ``n`` steps depends on the seed and ``n`` only; losses
recorded at a snapshot are the average of the per-step losses since the previous one.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.particles import WGAN, TwoLayerRegression, ring
from limitdyn.particles._driver import RNG_BLOCK, record_steps


def _wgan(engine: str) -> WGAN:
    return WGAN(
        n_generator=12,
        n_critic_particles=10,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.05,
        batch=8,
        n_critic=2,
        engine=engine,
        n_eval=0,
    )


@pytest.mark.parametrize("every", [1, 5, RNG_BLOCK, 3 * RNG_BLOCK + 1])
def test_final_state_does_not_depend_on_the_recording_interval(engine: str, every: int) -> None:
    steps = 2 * RNG_BLOCK + 7  # not a whole number of blocks
    model = _wgan(engine)
    reference = model.run(steps=steps, record_every=steps, seed=3, progress=False)
    run = model.run(steps=steps, record_every=every, seed=3, progress=False)
    assert np.array_equal(run.generator[-1], reference.generator[-1])
    assert run.critic is not None and reference.critic is not None
    assert np.array_equal(run.critic[-1], reference.critic[-1])
    # the snapshots at common steps agree too
    common = sorted(set(run.steps.tolist()) & set(reference.steps.tolist()))
    for s in common:
        i, j = run.steps.tolist().index(s), reference.steps.tolist().index(s)
        assert np.array_equal(run.generator[i], reference.generator[j])


def test_recorded_losses_are_interval_averages_of_per_step_losses(engine: str) -> None:
    model = TwoLayerRegression(
        n_particles=6, input_dim=2, teacher=3, lr=0.2, batch=4, engine=engine
    )
    steps, every = 12, 4
    fine = model.run(steps=steps, record_every=1, seed=5, progress=False)
    coarse = model.run(steps=steps, record_every=every, seed=5, progress=False)
    for name in coarse.losses:
        per_step = np.asarray(fine.losses[name])[1:]  # step k's loss at snapshot k
        expected = per_step.reshape(-1, every).mean(axis=1)
        assert np.isnan(coarse.losses[name][0])
        np.testing.assert_allclose(coarse.losses[name][1:], expected, rtol=1e-13, atol=0)


def test_record_steps_covers_the_run() -> None:
    for steps in (0, 1, 99, 100, 101, 1000):
        marks = record_steps(steps, None)
        assert marks[0] == 0 and marks[-1] == steps
        assert all(b > a for a, b in itertools.pairwise(marks))
        assert len(marks) <= 102
    with pytest.raises(InputError, match="record_every"):
        record_steps(10, 1.5)
