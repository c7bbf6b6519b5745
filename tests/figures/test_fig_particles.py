"""The particle figures: registered, titled, labelled, and showing the mathematics."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from limitdyn.figures import available, make_figure

NAMES = ["mode-collapse", "critic-coagulation", "propagation-of-chaos", "toy-gan-particles"]


def _check_drawn(result) -> None:  # type: ignore[no-untyped-def]
    fig = result.figure
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or title
        assert ax.get_legend() is not None


@pytest.mark.parametrize("name", NAMES)
def test_registered(name: str) -> None:
    assert name in available()


def test_mode_collapse_figure() -> None:
    result = make_figure("mode-collapse")
    _check_drawn(result)
    d = result.data
    assert d["samples"].shape[1:] == (1000, 2)
    assert np.all((d["modes_captured"] >= 0) & (d["modes_captured"] <= 8))
    assert np.all((d["high_quality"] >= 0) & (d["high_quality"] <= 1))
    # the generator spreads out from its initial blob towards the ring
    assert d["sliced_w2"][-1] < d["sliced_w2"][0]
    assert np.all(np.diff(d["times"]) > 0)


def test_critic_coagulation_figure() -> None:
    result = make_figure("critic-coagulation")
    _check_drawn(result)
    d = result.data
    assert np.abs(d["critic"]).max() <= d["clip"]  # the projection keeps the critic in Q
    assert d["boundary"][0] == 0.0 and d["boundary"][-1] == 1.0
    # coalescence: positions merge and never split (identical particles stay identical)
    assert d["clusters"][-1] < 0.75 * d["clusters"][0]


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
