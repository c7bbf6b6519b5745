"""The Lipschitz bound of the clipped sigmoid critic against empirical estimates."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.gans import clipped_lipschitz_bound, critic_lipschitz_bound, empirical_lipschitz


@pytest.mark.parametrize(("clip", "dim"), [(0.01, 2), (0.5, 3), (1.0, 1)])
def test_bound_holds_for_random_clipped_critics(clip: float, dim: int) -> None:
    """Arjovsky, Chintala & Bottou 2017, sec. 3: clipping to [-c, c] makes the critic
    Lipschitz. For f = (1/M) sum alpha sigmoid(beta . x + gamma), sigmoid' <= 1/4 gives
    Lip f <= (1/(4M)) sum |alpha| |beta| <= c^2 sqrt(K)/4; the empirical estimate (gradient
    norms and difference quotients from the particle engine's critic kernel) never exceeds
    it."""
    rng = np.random.default_rng(1)
    for _ in range(5):
        omega = rng.uniform(-clip, clip, size=(20, dim + 2))
        bound = critic_lipschitz_bound(omega)
        assert bound <= clipped_lipschitz_bound(clip, dim) * (1 + 1e-12)
        estimate = empirical_lipschitz(omega, n=2000, seed=rng)
        assert 0 < estimate <= bound * (1 + 1e-12)


@pytest.mark.parametrize(("clip", "dim"), [(0.01, 2), (0.3, 4)])
def test_bound_is_attained(clip: float, dim: int, engine: str) -> None:
    """alpha = c, beta = (c, ..., c), gamma = 0: grad f(0) = (c/4) (c, ..., c), norm
    c^2 sqrt(K)/4, so the bound is the best possible."""
    omega = np.tile([clip] * (dim + 1) + [0.0], (7, 1))
    estimate = empirical_lipschitz(omega, seed=0, engine=engine)
    assert estimate == pytest.approx(clip**2 * np.sqrt(dim) / 4, rel=1e-12)
    assert clipped_lipschitz_bound(clip, dim) == pytest.approx(estimate, rel=1e-12)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="clip"):
        clipped_lipschitz_bound(-1.0, 2)
    with pytest.raises(InputError, match="critic particles"):
        critic_lipschitz_bound([1.0, 2.0])
