"""The run loop of the mean-field WGAN: its state, batches, steps and snapshots.

The hooks of :class:`~limitdyn.particles._base.ParticleModel` that
:class:`~limitdyn.particles.WGAN` implements, as functions of the model (kept in their own
module so that ``_wgan.py`` stays short; the methods of ``WGAN`` call them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_memory
from ._driver import RNG_BLOCK
from ._jko import wgan_jko_advance
from ._kernel_api import WGANHyper
from ._metrics import _directions, _sliced_pp, mode_coverage
from ._run import ParticleRun
from ._util import child_generators, critic_layout, generator_layout, network_params

if TYPE_CHECKING:
    from ._wgan import WGAN


@dataclass
class _WGANState:
    """One run's mutable state: kernel-layout particles, optimizer state, records."""

    P: np.ndarray
    W: np.ndarray
    msP: np.ndarray
    msW: np.ndarray
    hyper: WGANHyper
    rng: np.random.Generator
    z_eval: np.ndarray
    x_eval: np.ndarray
    dirs: np.ndarray
    snaps_g: np.ndarray
    snaps_c: np.ndarray
    metrics: dict[str, list[float]]
    n_snap: int = 0
    steps: int = 0


def start(
    model: WGAN, init: Any, seed: int | np.random.Generator | None, records: int
) -> _WGANState:
    check_memory(
        model._run_bytes(records),
        f"a WGAN run of {records} snapshots",
        hint="record less often (a larger record_every)",
    )
    rng_init, rng_train, rng_eval = child_generators(seed, 3)
    if init is None:
        theta0, omega0 = model.init_particles(seed=rng_init)
    else:
        theta0 = network_params(init[0], "init[0] (theta)", model.generator_shape)
        omega0 = network_params(init[1], "init[1] (omega)", model.critic_shape)
    P, W = generator_layout(theta0, model.dtype), critic_layout(omega0, model.dtype)
    z_eval = np.ascontiguousarray(
        rng_eval.standard_normal((model.latent_dim, model.n_eval)), dtype=model.dtype
    )
    x_eval = model.target.sample(model.n_eval, seed=rng_eval)
    dirs = _directions(model.data_dim, 64, rng_eval)
    metrics: dict[str, list[float]] = {"critic_spread": []}
    if model.clip is not None:
        metrics["critic_boundary"] = []
    if model.n_eval:
        metrics["sliced_w2"] = []
        if model.target.modes is not None and model.target.sigma is not None:
            metrics["modes_captured"] = []
            metrics["high_quality"] = []
    return _WGANState(
        P=P,
        W=W,
        msP=np.zeros_like(P),
        msW=np.zeros_like(W),
        hyper=model._hyper(),
        rng=rng_train,
        z_eval=z_eval,
        x_eval=x_eval,
        dirs=dirs,
        metrics=metrics,
        # preallocated: no list-then-stack copy at the end (peak memory)
        snaps_g=np.empty((records, *model.generator_shape)),
        snaps_c=np.empty((records, *model.critic_shape)),
    )


def draw(model: WGAN, state: _WGANState) -> tuple[np.ndarray, ...]:
    rng, nc, m = state.rng, model.n_critic, model.batch
    K, L = model.data_dim, model.latent_dim
    zc = rng.standard_normal((RNG_BLOCK, nc, m, L)).transpose(0, 1, 3, 2)
    xc = model.target.sample(RNG_BLOCK * nc * m, seed=rng)
    xc = xc.reshape(RNG_BLOCK, nc, m, K).transpose(0, 1, 3, 2)
    zg = rng.standard_normal((RNG_BLOCK, m, L)).transpose(0, 2, 1)
    return tuple(np.ascontiguousarray(a, dtype=model.dtype) for a in (zc, xc, zg))


def advance(
    model: WGAN,
    state: _WGANState,
    batch: tuple[np.ndarray, ...],
    start: int,
    stop: int,
    losses: Mapping[str, np.ndarray],
) -> int:
    zc, xc, zg = batch
    if model.scheme == "implicit":
        return wgan_jko_advance(model, state, batch, start, stop, losses)
    bad = model._kernels.wgan_block(
        state.P,
        state.W,
        state.msP,
        state.msW,
        zc[start:stop],
        xc[start:stop],
        zg[start:stop],
        state.hyper,
        losses["critic"],
        losses["generator"],
    )
    return int(bad)


def record(model: WGAN, state: _WGANState) -> None:
    i = state.n_snap
    state.snaps_g[i] = np.transpose(state.P, (2, 0, 1))
    state.snaps_c[i] = state.W.T
    state.n_snap += 1
    wc = state.snaps_c[i]
    metrics = state.metrics
    metrics["critic_spread"].append(
        float(np.sqrt(((wc - wc.mean(axis=0)) ** 2).sum(axis=1).mean()))
    )
    if model.clip is not None:
        on = (np.abs(wc) >= model.clip * (1 - 1e-12)).any(axis=1)
        metrics["critic_boundary"].append(float(on.mean()))
    if model.n_eval:
        g = np.empty((model.data_dim, model.n_eval), dtype=model.dtype)
        model._kernels.gen_forward(state.P, state.z_eval, model.kind, g)
        samples = g.T.astype(np.float64)
        w_eval = np.full(model.n_eval, 1.0 / model.n_eval)
        sw = _sliced_pp(samples, w_eval, state.x_eval, w_eval, 2.0, state.dirs)
        metrics["sliced_w2"].append(float(sw.mean() ** 0.5))
        modes, sigma = model.target.modes, model.target.sigma
        if modes is not None and sigma is not None:
            cov = mode_coverage(samples, modes, sigma=sigma)
            metrics["modes_captured"].append(cov.modes_captured)
            metrics["high_quality"].append(cov.high_quality)


def last_metrics(model: WGAN, state: _WGANState) -> Mapping[str, float]:
    return {name: values[-1] for name, values in state.metrics.items() if values}


def result(
    model: WGAN, state: _WGANState, marks: np.ndarray, losses: dict[str, np.ndarray]
) -> ParticleRun:
    kept = len(marks)  # fewer than allocated after on_divergence="stop"
    return ParticleRun(
        model=model,
        times=marks * model.dt,
        steps=marks,
        generator=state.snaps_g[:kept],
        critic=state.snaps_c[:kept],
        losses=losses,
        metrics={k: np.asarray(v[:kept], dtype=np.float64) for k, v in state.metrics.items()},
    )
