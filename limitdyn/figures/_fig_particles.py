"""Particle figures: mode collapse, critic coagulation, propagation of chaos, the toy GAN.

Each recipe runs the public :mod:`limitdyn.particles` API with fixed seeds and returns
the arrays it plots in :attr:`FigureResult.data`.
"""

from __future__ import annotations

import numpy as np

from ..particles import (
    WGAN,
    ToyGAN,
    TwoLayerRegression,
    gaussian_mixture,
    mean_field_gap,
    ring,
)
from ..plotting._axes import new_figure
from ._registry import FigureResult, register


def _clusters(cloud: np.ndarray, tol: float) -> int:
    """Number of distinct points of ``cloud`` up to ``tol`` (grid rounding)."""
    return int(np.unique(np.round(cloud / tol), axis=0).shape[0])


@register("mode-collapse", title="WGAN generator samples on the ring of 8 Gaussians over time")
def mode_collapse() -> FigureResult:
    """Arjovsky's algorithm (RMSProp, clipping) with a mean-field generator on ``ring(8)``."""
    target = ring(8)
    model = WGAN(
        n_generator=100,
        n_critic_particles=100,
        data_dim=2,
        latent_dim=2,
        target=target,
        lr=1e-2,
        clip=1.0,
        batch=64,
        n_critic=5,
        optimizer="rmsprop",
        scaling="raw",
        init_scale=3.0,
        n_eval=500,
    )
    run = model.run(steps=2400, record_every=150, seed=0, progress=False)
    shown = [0, 4, 8, run.n_snapshots - 1]
    fig, axes = new_figure(ncols=5, width=3.6, height=3.6)
    ref = target.sample(1000, seed=1)
    samples = []
    for ax, i in zip(axes[:4], shown):
        x = run.samples(i, n=1000, seed=2)
        samples.append(x)
        ax.scatter(ref[:, 0], ref[:, 1], s=2, c="0.75", label="target")
        ax.scatter(x[:, 0], x[:, 1], s=2, c="C0", label="generator")
        ax.set_title(f"t = {run.times[i]:.3g} (step {run.steps[i]})")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize="small", markerscale=3)
    ax = axes[4]
    ax.plot(run.times, run.metrics["modes_captured"], "o-", label="modes captured (of 8)")
    ax.plot(run.times, run.metrics["sliced_w2"], "s-", label="sliced $W_2$ to target")
    ax.plot(run.times, 10 * run.metrics["high_quality"], "^-", label=r"10 $\times$ high quality")
    ax.set_xlabel("time $t$ (cumulative learning rate)")
    ax.set_ylabel("metric")
    ax.set_title("VEEGAN metrics (3 sigma)")
    ax.legend(fontsize="small")
    fig.suptitle("Mode collapse: WGAN (RMSProp, clip 1) on the ring of 8 Gaussians")
    return FigureResult(
        figure=fig,
        data={
            "times": run.times,
            "shown": np.asarray(shown),
            "samples": np.stack(samples),
            "modes_captured": run.metrics["modes_captured"],
            "high_quality": run.metrics["high_quality"],
            "sliced_w2": run.metrics["sliced_w2"],
        },
    )


@register(
    "critic-coagulation",
    title="Critic particles reach the boundary of Q and coalesce (Delgadino's observation)",
)
def critic_coagulation() -> FigureResult:
    """Projected SGD on the critic in the mean-field scaling, small clipping box."""
    clip = 0.05
    model = WGAN(
        n_generator=100,
        n_critic_particles=100,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=20.0,
        clip=clip,
        batch=64,
        n_critic=5,
        init_scale=3.0,
        n_eval=0,
    )
    run = model.run(steps=2000, record_every=100, seed=0, progress=False)
    assert run.critic is not None
    tol = 1e-4 * clip
    clusters = np.array([_clusters(c, tol) for c in run.critic])
    boundary = run.metrics["critic_boundary"]
    fig, axes = new_figure(ncols=3, width=4.2, height=3.8)
    ax = axes[0]
    for i, color, size in zip([0, 2, run.n_snapshots - 1], ["0.6", "C1", "C3"], [12, 60, 30]):
        c = run.critic[i]
        ax.scatter(
            c[:, 0],
            c[:, 1],
            s=size,
            c=color,
            label=f"t = {run.times[i]:.3g}: {clusters[i]} distinct positions",
        )
    ax.plot(
        [-clip, clip, clip, -clip, -clip],
        [-clip, -clip, clip, clip, -clip],
        "k--",
        lw=0.8,
        label="boundary of Q",
    )
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\beta_1$")
    ax.set_title("critic particles")
    ax.legend(fontsize="small")
    ax = axes[1]
    ax.plot(run.times, boundary, "o-", label="fraction on the boundary of Q")
    ax.plot(run.times, clusters / model.n_critic_particles, "s-", label="distinct positions / M")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("fraction")
    ax.set_title("reaching the boundary, coalescing")
    ax.legend(fontsize="small")
    ax = axes[2]
    ax.plot(run.times, run.metrics["critic_spread"], "o-", label="RMS distance to the mean")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("spread")
    ax.set_title("critic spread")
    ax.legend(fontsize="small")
    fig.suptitle(f"Critic coagulation on the boundary of Q = [-{clip}, {clip}]^4 (M = 100)")
    return FigureResult(
        figure=fig,
        data={
            "times": run.times,
            "critic": run.critic,
            "clip": clip,
            "boundary": boundary,
            "clusters": clusters,
            "spread": run.metrics["critic_spread"],
        },
    )


@register("propagation-of-chaos", title="E d_2^2 to the mean-field limit decays like 1/N")
def propagation_of_chaos() -> FigureResult:
    """Synchronous coupling against the replicated large-N system, smooth activations."""
    tgt = gaussian_mixture([[-1.0, 0.0], [1.0, 0.0]], 0.2)
    wgan = WGAN(
        n_generator=8,
        n_critic_particles=8,
        data_dim=2,
        latent_dim=2,
        target=tgt,
        lr=1.0,
        batch=16,
        n_critic=1,
        clip=None,
    )
    reg = TwoLayerRegression(n_particles=8, input_dim=2, lr=1.0, batch=16)
    sizes = [8, 16, 32, 64]
    gaps = {
        "WGAN (sigmoid, no clipping)": mean_field_gap(
            wgan, sizes=sizes, t_end=1.0, seeds=24, reference_size=1024, progress=False
        ),
        "two-layer regression": mean_field_gap(
            reg, sizes=sizes, t_end=1.0, seeds=24, reference_size=1024, progress=False
        ),
    }
    fig, ax = new_figure()
    n = np.asarray(sizes, dtype=float)
    for (label, gap), marker, color in zip(gaps.items(), ["o", "s"], ["C0", "C2"]):
        ax.errorbar(
            n,
            gap.mean,
            yerr=2 * gap.stderr,
            fmt=marker,
            color=color,
            capsize=3,
            label=f"{label}: slope {gap.exponent:.2f}",
        )
        ax.plot(n, gap.prefactor * n**gap.exponent, "-", color=color, lw=0.8)
    first = next(iter(gaps.values()))
    ax.plot(n, first.mean[0] * n[0] / n, "k:", label="$C/N$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of generator particles $N$")
    ax.set_ylabel(r"$\mathbb{E}\, d_2^2$ at $t = 1$")
    ax.set_title("Propagation of chaos: same initial particles, reference N = 1024")
    ax.legend(fontsize="small")
    return FigureResult(
        figure=fig,
        data={
            "sizes": n,
            **{f"mean/{k}": g.mean for k, g in gaps.items()},
            **{f"exponent/{k}": g.exponent for k, g in gaps.items()},
        },
    )


@register("toy-gan-particles", title="Toy GAN: periodic orbits, conserved energy, drift of GDA")
def toy_gan_particles() -> FigureResult:
    """Delgadino's toy GAN with the logistic latent, where cosh is exact."""
    fig, axes = new_figure(ncols=3, width=4.2, height=3.8)
    orbits = {}
    grid_t = np.linspace(-3.0, 3.0, 121)
    grid_w = np.linspace(-4.5, 4.5, 121)
    for ax, gamma in zip(axes[:2], (1.0, 10.0)):
        toy = ToyGAN(latent="logistic", gamma=gamma, lr=0.05)
        T, Wg = np.meshgrid(grid_t, grid_w)
        ax.contour(T, Wg, np.cosh(T) + Wg**2 / (2 * gamma), levels=12, colors="0.8", linewidths=0.6)
        for k, th0 in enumerate((0.5, 1.2, 2.0)):
            sol = toy.limit_ode(theta0=[th0], omega0=[0.0], t_end=60.0, n_points=600)
            orbits[(gamma, th0)] = np.stack([sol.theta[:, 0], sol.omega[:, 0]])
            ax.plot(
                sol.theta[:, 0],
                sol.omega[:, 0],
                "C0",
                lw=1.2,
                label="limit ODE" if k == 0 else None,
            )
        sim = toy.run(t_end=60.0, record_every=1, init=([1.2], [0.0]))
        assert sim.critic is not None
        alt = ToyGAN(latent="logistic", gamma=gamma, lr=0.05, scheme="alternating").run(
            t_end=60.0, record_every=1, init=([1.2], [0.0])
        )
        assert alt.critic is not None
        ax.plot(
            sim.generator[:, 0], sim.critic[:, 0], "C3", lw=0.7, label="simultaneous GDA, lr = 0.05"
        )
        ax.plot(
            alt.generator[:, 0],
            alt.critic[:, 0],
            "C2--",
            lw=0.7,
            label="alternating GDA, lr = 0.05",
        )
        ax.set_xlabel(r"generator $\theta$")
        ax.set_ylabel(r"critic $\omega$")
        ax.set_title(rf"$\gamma$ = {gamma:g}: level sets of $\cosh\theta + \omega^2/2\gamma$")
        ax.legend(fontsize="small", loc="lower right")
    ax = axes[2]
    drift: dict[float, np.ndarray] = {}
    for lr in (0.04, 0.02, 0.01):
        toy = ToyGAN(latent="logistic", gamma=1.0, lr=lr)
        run = toy.run(t_end=30.0, record_every=1, init=([1.2], [0.0]))
        e = run.metrics["energy"] - run.metrics["energy"][0]
        drift[lr] = e
        ax.plot(run.times, e, label=f"simultaneous, lr = {lr:g}")
    part = ToyGAN(n_generator=5, n_critic_particles=3, latent="logistic", gamma=1.0)
    theta_p, omega_p = part.init_particles(0)
    sol = part.limit_ode(theta0=theta_p, omega0=omega_p, t_end=30.0)
    ax.plot(sol.times, sol.energy - sol.energy[0], "k", label="limit ODE, N = 5, M = 3")
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"$H(t) - H(0)$")
    ax.set_title("energy: conserved by the ODE, O(lr) drift")
    ax.legend(fontsize="small")
    fig.suptitle("Toy GAN (K = L = 1, P = (delta_-1 + delta_1)/2, logistic latent)")
    return FigureResult(
        figure=fig,
        data={
            "orbits": orbits,
            "drift": drift,
            "particle_energy": sol.energy,
        },
    )
