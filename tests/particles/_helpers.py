"""Small models shared by the particle tests."""

from __future__ import annotations

from typing import Any

from limitdyn.particles import WGAN, ring


def small_wgan(**changes: Any) -> WGAN:
    """A 40-generator, 30-critic WGAN on ring(8), numpy engine, with ``changes`` applied."""
    base: dict[str, Any] = dict(
        n_generator=40,
        n_critic_particles=30,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.5,
        batch=32,
        n_critic=2,
        clip=0.05,
        n_eval=0,
        engine="numpy",
    )
    base.update(changes)
    return WGAN(**base)
