"""Particle figures: mode collapse, critic coagulation, propagation of chaos, the toy GAN.

Each recipe runs the public :mod:`limitdyn.particles` API with fixed seeds and returns
the arrays it plots in :attr:`FigureResult.data`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..particles import (
    WGAN,
    ToyGAN,
    TwoLayerRegression,
    gaussian_mixture,
    grid,
    mean_field_gap,
    ring,
)
from ..plotting._axes import new_figure
from ._registry import FigureResult, register

DELGADINO = (
    'M. Delgadino, "Generative Adversarial Networks: Dynamics and Mode Collapse" (lecture, '
    "2024), on the mean-field WGAN of Cabrera, Delgadino and Suassuna"
)


def _clusters(cloud: np.ndarray, tol: float) -> int:
    """Number of distinct points of ``cloud`` up to ``tol`` (grid rounding)."""
    return int(np.unique(np.round(cloud / tol), axis=0).shape[0])


def _units(cloud: np.ndarray, tol: float) -> int:
    """Distinct critic units of ``cloud (M, K + 2)``, a particle ``omega`` and its mirror
    ``-omega`` counted once: ``alpha s(u) = -alpha s(-u) + alpha``, so both give the same
    critic up to a constant, and the dynamics maps the one's path to the other's."""
    sign = np.where(cloud[:, :1] < 0, -1.0, 1.0)
    return _clusters(cloud * sign, tol)


def _panel_label(ax: Any, label: str) -> None:
    """Prefix the panel's title with ``(label)``."""
    ax.set_title(f"({label}) {ax.get_title()}")


#: Settings of the mode-collapse figure (see :func:`mode_collapse_run`)
COLLAPSE = dict(
    n_generator=100,
    n_critic_particles=100,
    data_dim=2,
    latent_dim=2,
    lr=2e4,
    critic_lr=50.0,
    clip=0.05,
    batch=64,
    n_critic=5,
    optimizer="sgd",
    init_scale=1.0,
    n_eval=500,
)
#: where the collapsed start of the generator is moved (between four modes of the grid)
COLLAPSE_START = (3.0, -1.0)


def mode_collapse_run(*, steps: int = 1000, record_every: int = 50) -> Any:
    """The WGAN run of the mode-collapse figure (``steps`` may be reduced for tests).

    Target ``grid(25)`` (VEEGAN's grid, sigma 0.05), whose mean ``(0, 0)`` is its central
    mode; the critic's box ``c = 0.05`` keeps ``|beta . x| <= 0.4`` on the data, where the
    sigmoid is nearly linear: the critic sees the generator's mean, barely its spread, so
    the generator is driven to the data mean and stays concentrated there.
    """
    target = grid(25)
    model = WGAN(target=target, **COLLAPSE)  # type: ignore[arg-type]
    theta, omega = model.init_particles(seed=0)
    # a = a0 + 2 p moves the output by about p (the units average s(c) = 1/2)
    theta[:, :, 0] += 2 * np.asarray(COLLAPSE_START)
    run = model.run(
        steps=steps, record_every=record_every, seed=0, progress=False, init=(theta, omega)
    )
    return model, run


@register(
    "mode-collapse",
    title="WGAN with a low-capacity (clipped, near-linear) critic collapses onto one mode",
    source=DELGADINO,
    equation='slides "Mode Collapse" (the mean-field WGAN); metrics of Srivastava et al. '
    "(VEEGAN, 2017): modes captured, high-quality fraction",
    parameters={
        "target": "grid(25)",
        **COLLAPSE,
        "generator start": COLLAPSE_START,
        "steps": 1000,
        "record_every": 50,
        "seed": 0,
    },
)
def mode_collapse() -> FigureResult:
    """Mean-field WGAN (SGD, clip 0.05) on the 5 x 5 grid: all samples end on its central mode.

    Settings (:data:`COLLAPSE`): N = M = 100, K = L = 2, SGD in the mean-field scaling with
    ``lr = 2e4`` and a critic learning rate ``critic_lr = 50`` (``gamma_c = 0.0125``: the
    critic's gradients are of order ``c`` and its parameters of order ``c``, the generator's
    gradients of order ``c^2``), ``n_critic = 5``, batch 64, seed 0; the generator starts
    concentrated (a mean-field network is, by the law of large numbers) around
    ``(3, -1)``, between four modes. Mechanism: small critic capacity — under the clipping
    the critic is almost an affine function, which matches first moments only.
    """
    model, run = mode_collapse_run()
    target = model.target
    shown = [0, 1, 2, run.n_snapshots - 1]
    fig, axes = new_figure(ncols=6, width=3.3, height=3.4)
    ref = target.sample(2000, seed=1)
    samples = []
    for k, (ax, i) in enumerate(zip(axes[:4], shown)):
        x = run.samples(i, n=1000, seed=2)
        samples.append(x)
        ax.scatter(ref[:, 0], ref[:, 1], s=2, c="0.7", label="target")
        ax.scatter(x[:, 0], x[:, 1], s=2, c="C0", label="generator")
        ax.set_title(f"t = {run.times[i]:.3g} (step {run.steps[i]})")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_xlim(-5, 5)
        ax.set_ylim(-5, 5)
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize="small", markerscale=3)
        _panel_label(ax, "abcd"[k])
    ax = axes[4]
    ax.plot(run.times, run.metrics["modes_captured"], "o-", label="modes captured (of 25)")
    ax.set_ylim(-0.5, 25.5)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("modes captured")
    ax.set_title("modes within 3 sigma of a sample")
    ax.legend(fontsize="small", loc="center right")
    _panel_label(ax, "e")
    ax = axes[5]
    ax.plot(run.times, run.metrics["high_quality"], "^-", c="C2", label="high-quality fraction")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("fraction of samples")
    ax.set_title("samples within 3 sigma of a mode")
    ax.legend(fontsize="small", loc="center right")
    _panel_label(ax, "f")
    fig.suptitle(
        "Mode collapse: WGAN (SGD, clip c = 0.05, N = M = 100) on the 5 x 5 grid; the "
        "near-linear critic matches the mean only, and the generator stays on the central mode"
    )
    return FigureResult(
        figure=fig,
        data={
            "times": run.times,
            "shown": np.asarray(shown),
            "samples": np.stack(samples),
            "modes": target.modes,
            "sigma": target.sigma,
            "modes_captured": run.metrics["modes_captured"],
            "high_quality": run.metrics["high_quality"],
            "sliced_w2": run.metrics["sliced_w2"],
        },
    )


#: Settings of the critic-coagulation figure (see :func:`critic_coagulation_run`)
COAGULATION = dict(
    n_generator=100,
    n_critic_particles=20,
    data_dim=2,
    latent_dim=2,
    lr=20.0,
    clip=0.05,
    batch=64,
    n_critic=5,
    optimizer="sgd",
    init_scale=3.0,
    n_eval=0,
)


def critic_coagulation_run(*, steps: int = 2000, record_every: int = 50) -> Any:
    """The WGAN run of the critic-coagulation figure (``steps`` may be reduced for tests)."""
    model = WGAN(target=ring(8), **COAGULATION)  # type: ignore[arg-type]
    return model, model.run(steps=steps, record_every=record_every, seed=0, progress=False)


@register(
    "critic-coagulation",
    title="Critic particles reach the boundary of Q and coalesce (Delgadino's observation)",
    source=DELGADINO,
    equation='slide "Well Posedness and Coagulation at the Boundary": critic particles on '
    "the faces of Q = [-c, c]^(K+2) coagulate in finite time",
    parameters={
        "target": "ring(8)",
        **COAGULATION,
        "steps": 2000,
        "record_every": 50,
        "seed": 0,
    },
)
def critic_coagulation() -> FigureResult:
    """Projected SGD on few critic particles: they reach the faces of Q and merge.

    Settings (:data:`COAGULATION`): N = 100 generator and M = 20 critic particles on
    ``ring(8)``, K = L = 2, SGD in the mean-field scaling with ``lr = 20``
    (``gamma_c = n_critic N / M = 25``: a fast critic), ``n_critic = 5``, clip
    ``c = 0.05``, batch 64, seed 0. Identical particles stay identical (the velocity
    depends on a particle's own position and the common fields), so a merge is for ever;
    a particle ``omega`` and its mirror ``-omega`` are the same critic unit up to a
    constant, and the plot counts both the distinct positions and the distinct units.
    """
    _, run = critic_coagulation_run()
    assert run.critic is not None
    clip = float(COAGULATION["clip"])  # type: ignore[arg-type]
    tol = 1e-4 * clip
    clusters = np.array([_clusters(c, tol) for c in run.critic])
    units = np.array([_units(c, tol) for c in run.critic])
    on_face = np.isclose(np.abs(run.critic), clip, rtol=1e-12, atol=0.0).any(axis=2)
    boundary = on_face.mean(axis=1)
    fig, axes = new_figure(ncols=3, width=4.2, height=3.8)
    ax = axes[0]
    picks = [0, 4, run.n_snapshots - 1]
    for i, color, size in zip(picks, ["0.6", "C1", "C3"], [12, 40, 60]):
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
    ax.set_title(r"critic particles, projection on $(\alpha, \beta_1)$")
    ax.legend(fontsize="small", loc="center")
    _panel_label(ax, "a")
    ax = axes[1]
    ax.plot(run.times, boundary, "o-", label="on a face of Q")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("fraction of critic particles")
    ax.set_title("reaching the boundary")
    ax.legend(fontsize="small", loc="center right")
    _panel_label(ax, "b")
    ax = axes[2]
    ax.plot(run.times, clusters, "s-", label="distinct positions")
    ax.plot(run.times, units, "^--", label=r"distinct units ($\omega \sim -\omega$)")
    ax.set_yscale("log")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("number (of M = 20)")
    ax.set_title("coalescing")
    ax.legend(fontsize="small", loc="upper right")
    _panel_label(ax, "c")
    fig.suptitle(
        f"Critic coagulation on the boundary of Q = [-{clip}, {clip}]^4 (SGD, M = 20, gamma_c = 25)"
    )
    return FigureResult(
        figure=fig,
        data={
            "times": run.times,
            "critic": run.critic,
            "clip": clip,
            "boundary": boundary,
            "clusters": clusters,
            "units": units,
        },
    )


@register(
    "propagation-of-chaos",
    title="E d_2^2 to the mean-field limit decays like 1/N",
    source=DELGADINO,
    equation="Theorem (with R. Cabrera and B. Suassuna): E d_2^2 <= C/N on [0, T] with the "
    "same initial particles",
    parameters={
        "sizes N": (8, 16, 32, 64),
        "reference size": 1024,
        "seeds": 24,
        "t_end": 1.0,
        "WGAN": "sigmoid, no clipping, M = N, lr = 1, batch 16, n_critic = 1, "
        "two Gaussians at (+-1, 0), sigma 0.2",
        "regression": "two-layer, lr = 1, batch 16",
    },
)
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


@register(
    "toy-gan-particles",
    title="Toy GAN: periodic orbits, conserved energy, drift of GDA",
    source=DELGADINO,
    equation='slide "Toy Example: ODE dynamics": periodic orbits of gradient descent/ascent '
    "(with the corrected conserved quantity cosh(theta) + omega^2/(2 gamma))",
    parameters={
        "latent": "logistic",
        "gamma": (1.0, 10.0),
        "lr": 0.05,
        "theta0 (omega0 = 0)": (0.5, 1.2, 2.0),
        "t_end": 60.0,
    },
)
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
    theta_p, omega_p = part.init_particles(seed=0)
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
