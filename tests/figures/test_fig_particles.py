"""The particle figures: registered, titled, labelled, and showing the mathematics."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from limitdyn.figures import available, make_figure
from limitdyn.figures._fig_particles import critic_coagulation_run, mode_collapse_run

NAMES = ["mode-collapse", "critic-coagulation", "propagation-of-chaos", "toy-gan-particles"]


def _check_drawn(result, labelled: bool = False) -> None:  # type: ignore[no-untyped-def]
    fig = result.figure
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    for k, ax in enumerate(fig.axes):
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or title
        assert ax.get_legend() is not None
        if labelled:
            assert ax.get_title().startswith(f"({'abcdefgh'[k]})")


@pytest.mark.parametrize("name", NAMES)
def test_registered(name: str) -> None:
    assert name in available()


def _nearest_mode_counts(samples: np.ndarray, modes: np.ndarray, radius: float) -> np.ndarray:
    d = np.sqrt(((samples[:, None, :] - modes[None, :, :]) ** 2).sum(axis=2))
    near = d.argmin(axis=1)
    hq = d.min(axis=1) <= radius
    return np.bincount(near[hq], minlength=modes.shape[0])


def test_mode_collapse_figure() -> None:
    result = make_figure("mode-collapse")
    _check_drawn(result, labelled=True)
    d = result.data
    modes, radius = d["modes"], 3 * d["sigma"]
    assert modes.shape == (25, 2)
    # the plotted samples, recounted by hand: none near a mode at the start, and at the end
    # nearly all of them within 3 sigma of one single mode, the grid's centre
    first = _nearest_mode_counts(d["samples"][0], modes, radius)
    last = _nearest_mode_counts(d["samples"][-1], modes, radius)
    assert first.sum() == 0
    assert np.count_nonzero(last) == 1 and last.sum() >= 0.9 * 1000
    assert np.all(modes[last.argmax()] == 0.0)
    # the recorded metrics: modes captured stays at most 1 of 25 while quality is high
    mc, hq = d["modes_captured"], d["high_quality"]
    assert np.all(mc <= 1)
    later = d["times"] >= d["times"][len(d["times"]) // 4]
    assert np.all(mc[later] == 1) and np.median(hq[later]) > 0.95
    assert np.all(np.diff(d["times"]) > 0)


def test_mode_collapse_run_spread_shrinks() -> None:
    """The reduced run: the generator's samples contract (standard deviation) while moving."""
    _, run = mode_collapse_run(steps=200, record_every=100)
    x0 = run.samples(0, n=2000, seed=3)
    x1 = run.samples(-1, n=2000, seed=3)
    assert np.linalg.norm(x0.mean(axis=0) - [3.0, -1.0]) < 0.2  # the documented start
    assert np.linalg.norm(x1.mean(axis=0)) < 0.15  # at the data mean, the central mode
    assert x1.std(axis=0).max() < 0.5 * x0.std(axis=0).max()


def test_critic_coagulation_figure() -> None:
    result = make_figure("critic-coagulation")
    _check_drawn(result, labelled=True)
    d = result.data
    critic, clip = d["critic"], d["clip"]
    assert np.abs(critic).max() <= clip  # the projection keeps the critic in Q
    # recounted from the plotted particles: all on a face of Q at the end
    on_face = (np.abs(critic) == clip).any(axis=2)
    np.testing.assert_array_equal(on_face.mean(axis=1), d["boundary"])
    assert d["boundary"][0] == 0.0 and np.all(d["boundary"][-10:] == 1.0)
    # coalescence: from M = 20 distinct positions to one pair omega, -omega
    last = critic[-1]
    distinct = np.unique(last, axis=0)
    assert d["clusters"][0] == 20 and d["clusters"][-1] == 2 == distinct.shape[0]
    np.testing.assert_allclose(distinct[0], -distinct[1], rtol=0, atol=1e-12 * clip)
    assert d["units"][-1] == 1
    # a merge is for ever: the counts never increase
    assert np.all(np.diff(d["clusters"]) <= 0) and np.all(np.diff(d["units"]) <= 0)


def test_critic_coagulation_identical_particles_stay_identical() -> None:
    _, run = critic_coagulation_run(steps=400, record_every=200)
    assert run.critic is not None
    same = np.all(run.critic[1][:, None, :] == run.critic[1][None, :, :], axis=2)
    later = np.all(run.critic[2][:, None, :] == run.critic[2][None, :, :], axis=2)
    assert same.sum() > 20 and np.all(later[same])


def test_propagation_of_chaos_figure() -> None:
    result = make_figure("propagation-of-chaos")
    _check_drawn(result)
    exps = [v for k, v in result.data.items() if k.startswith("exponent/")]
    assert len(exps) == 2
    assert all(-1.5 < e < -0.6 for e in exps)


def test_toy_gan_figure() -> None:
    result = make_figure("toy-gan-particles")
    _check_drawn(result)
    d = result.data
    for (gamma, _), orbit in d["orbits"].items():
        h = np.cosh(orbit[0]) + orbit[1] ** 2 / (2 * gamma)
        assert np.ptp(h) < 1e-7  # the orbits are level sets of the energy
    drifts = [d["drift"][lr][-1] for lr in (0.04, 0.02, 0.01)]
    assert drifts[0] > drifts[1] > drifts[2] > 0
    assert np.ptp(d["particle_energy"]) < 1e-8
