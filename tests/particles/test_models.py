"""The particle models as frozen, validated configurations behind one abstract base."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import limitdyn.particles as lp
from limitdyn._engine import Engine
from limitdyn.errors import InputError
from limitdyn.particles import WGAN, ParticleModel, ToyGAN, TwoLayerRegression, ring

from ._helpers import small_wgan as _wgan


def _regression(**kw):  # type: ignore[no-untyped-def]
    base = dict(n_particles=12, input_dim=2, lr=0.5, batch=8, engine="numpy", n_eval=16)
    base.update(kw)
    return TwoLayerRegression(**base)


def test_every_public_name_exists() -> None:
    for name in lp.__all__:
        assert getattr(lp, name) is not None


def test_import_does_not_pull_optional_dependencies() -> None:
    code = (
        "import sys, limitdyn, limitdyn.particles\n"
        "bad = [m for m in ('numba', 'matplotlib', 'dask') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("make", [_wgan, _regression, ToyGAN])
def test_models_are_frozen_particle_models(make) -> None:  # type: ignore[no-untyped-def]
    model = make()
    assert isinstance(model, ParticleModel)
    assert dataclasses.is_dataclass(model)
    field = dataclasses.fields(model)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(model, field, 3)


def test_the_base_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        ParticleModel()  # type: ignore[abstract]

    class Partial(ParticleModel):  # type: ignore[type-arg]
        @property
        def dt(self) -> float:
            return 1.0

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]


def test_replace_changes_one_argument_and_validates_again() -> None:
    model = _wgan(optimizer="rmsprop", engine=Engine("numpy", threads=2))
    bigger = model.replace(n_generator=80)
    assert bigger.n_generator == 80 and model.n_generator == 40
    for f in dataclasses.fields(model):
        if f.name != "n_generator":
            assert getattr(bigger, f.name) == getattr(model, f.name), f.name
    assert bigger.engine == Engine("numpy", threads=2)
    assert dataclasses.replace(model, lr=0.25).dt == pytest.approx(0.25 / 40)
    with pytest.raises(InputError, match="n_generator must be a positive integer"):
        model.replace(n_generator=0)
    with pytest.raises(InputError, match="valid optimizers"):
        dataclasses.replace(model, optimizer="adam")
    with pytest.raises(TypeError):
        model.replace(n_generators=3)  # unknown names are errors


def test_resizing_keeps_the_mean_field_ratios() -> None:
    model = _wgan(n_generator=40, n_critic_particles=30)
    for n in (4, 20, 80, 400):
        small = model.resized(n)
        assert small.n_generator == n
        assert small.n_critic_particles == round(30 * n / 40)
        # gamma_c = n_critic N / M and the time step lr / N of the resized model
        assert small.gamma_c == pytest.approx(model.gamma_c, rel=0.05 if n == 4 else 1e-12)
        assert small.dt == pytest.approx(model.lr / n)
    assert _regression().resized(7).n_particles == 7
    toy = ToyGAN(n_generator=2, n_critic_particles=4)
    assert (toy.resized(6).n_generator, toy.resized(6).n_critic_particles) == (6, 12)
    with pytest.raises(InputError, match="n must be a positive integer"):
        model.resized(0)


def test_regression_replace_keeps_a_full_batch_and_the_teacher() -> None:
    data = np.random.default_rng(0).normal(size=(10, 2))
    model = _regression(inputs=data, batch=None)
    assert model.full_batch and model.batch_size == 10
    copy = model.replace(n_particles=24)
    assert copy.full_batch and copy.batch_size == 10
    np.testing.assert_array_equal(copy.data, data)
    np.testing.assert_array_equal(copy.teacher_particles, model.teacher_particles)
    # a random teacher of width 4 drawn from teacher_seed: another seed, another teacher
    other = model.replace(teacher_seed=1)
    assert other.teacher_particles.shape == (4, 1, 4)
    assert not np.array_equal(other.teacher_particles, model.teacher_particles)


def test_run_takes_exactly_one_of_steps_and_a_positive_end_time() -> None:
    model = _wgan()
    with pytest.raises(InputError, match="exactly one of steps= and t_end="):
        model.run()
    with pytest.raises(InputError, match="t_end must be a positive finite number"):
        model.run(t_end=0.0)
    with pytest.raises(InputError, match="steps must be a non-negative integer"):
        model.run(steps=-1)
    with pytest.raises(InputError, match="record_every must be a positive integer"):
        model.run(steps=3, record_every=0)
    run = model.run(steps=0, seed=0, progress=False)
    assert run.n_snapshots == 1 and run.steps.tolist() == [0]


def test_wgan_critic_rate_survives_replace_and_resize() -> None:
    """critic_lr is a field (gamma_c= is stored as it): replace keeps it, resizing keeps
    gamma_c = n_critic N alpha_c / (M lr), and gamma_c= replaces a given critic_lr."""
    model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=1,
                 target=ring(), lr=0.2, n_critic=2, gamma_c=0.5, engine="numpy")  # fmt: skip
    assert model.critic_lr == pytest.approx(0.5 * 0.2 * 10 / (2 * 20))
    assert model.replace(batch=8).critic_lr == model.critic_lr
    assert model.resized(40).gamma_c == pytest.approx(0.5)
    assert model.replace(gamma_c=2.0).gamma_c == pytest.approx(2.0)
    assert model.replace(critic_lr=None).gamma_c == pytest.approx(2 * 20 / 10)
    assert model.replace(rmsprop_norm="particle").rmsprop_norm == "particle"
