"""Figures of Turinici's metric flows: EDI residuals of dual-flow schemes, and mode
collapse that the limit dynamics does not hold still at."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._scheme import game
from ..numeric import edi_residual, fitted_order, iterate
from ..numeric._collapse import collapse_velocity
from ..particles import WGAN, ToyGAN, ring
from ..plotting import new_figure
from ._registry import FigureResult, register

X, Y = sp.symbols("x y", real=True)
#: the game of the Theorem 1 check (satisfies (A1)-(A7), see docs/metric_flows.rst)
COST_X = X**2 / 10 + sp.sin(X) * sp.sin(Y)
COST_Y = Y**2 / 10 - sp.sin(X) * sp.sin(Y)
START = [1.0, 0.5]


@register(
    "edi-residual",
    title="EDI residual (Turinici (21)) of dual-flow schemes against the step",
    source='G. Turinici, "Convergence dynamics of Generative Adversarial Networks: the dual '
    'metric flows", arXiv:2012.10410',
    equation="eqs. (14), (15), (21): the EDI residual of the dual flow (7); Theorem 1",
    parameters={
        "C^x": "x^2/10 + sin x sin y",
        "C^y": "y^2/10 - sin x sin y",
        "start": tuple(START),
        "taus": "0.2 / 2^k, k = 0..5",
        "t_end": 2.0,
    },
)
def edi_residual_figure() -> FigureResult:
    schemes = {
        "explicit (simultaneous)": game(COST_X, COST_Y, X, Y, order="simultaneous", implicit=False),
        "implicit (simultaneous)": game(COST_X, COST_Y, X, Y, order="simultaneous", implicit=True),
        "alternating (implicit, x first)": game(COST_X, COST_Y, X, Y, order="x-first"),
        "alternating (explicit, x first)": game(
            COST_X, COST_Y, X, Y, order="x-first", implicit=False
        ),
    }
    taus = 0.2 / 2.0 ** np.arange(6)
    t_end = 2.0
    fig, ax = new_figure(width=6.0, height=4.5)
    residuals: dict[str, np.ndarray] = {}
    orders: dict[str, float] = {}
    for (label, scheme), marker in zip(schemes.items(), "osd^"):
        finals = np.array(
            [
                edi_residual(
                    iterate(scheme, START, tau=float(h), t_end=t_end, engine="numpy"),
                    (COST_X, COST_Y),
                    blocks=(X, Y),
                ).final
                for h in taus
            ]
        )  # fmt: skip
        residuals[label] = finals
        orders[label] = fitted_order(taus, finals)
        ax.loglog(taus, finals, marker + "-", label=f"{label}: order {orders[label]:.2f}")
    ax.loglog(taus, 0.5 * residuals["explicit (simultaneous)"][0] * (taus / taus[0]) ** 2,
              "k:", lw=0.8, label=r"$\propto \tau^2$")  # fmt: skip
    ax.set_xlabel(r"step $\tau$")
    ax.set_ylabel(r"EDI residual $R(T)$, $T = 2$")
    ax.set_title("Iterates of the dual flow: the EDI residual tends to 0")
    ax.legend(fontsize=7)
    return FigureResult(fig, {"taus": taus, "residuals": residuals, "orders": orders})


@register(
    "collapse-not-stationary",
    title="Mode collapse is not stationary for the limit dynamics (Turinici §3)",
    source='G. Turinici, "Convergence dynamics of Generative Adversarial Networks: the dual '
    "metric flows\", arXiv:2012.10410; the toy GAN of M. Delgadino's lecture (2024)",
    equation="§3 (Applications): mode collapse is not a limit dynamics",
    parameters={
        "toy GAN": "logistic latent, gamma = 1, generator on mode -1",
        "toy mass off the mode": "30 values, 1e-4 to 0.45 (log-spaced)",
        "WGAN": "N = 4, M = 8, ring(8), latent_dim = 1, clip = 0.01",
        "WGAN best response": "512 samples, 150 steps",
    },
)
def collapse_not_stationary() -> FigureResult:
    fig, (left, right) = new_figure(ncols=2, width=5.0, height=4.0)
    toy = ToyGAN(latent="logistic", gamma=1.0)
    masses = 1.0 - np.logspace(-4, np.log10(0.45), 30)
    toy_runs = [collapse_velocity(toy, mode=-1, mass=float(q)) for q in masses]
    gen = np.array([r.generator_speed for r in toy_runs])
    cri = np.array([r.critic_speed for r in toy_runs])
    left.semilogy(1 - masses, gen, "o-", ms=3, label=r"generator $|\theta'|$")
    left.semilogy(1 - masses, cri, "s-", ms=3, label=r"critic $|\omega'|$")
    left.semilogy(1 - masses, np.hypot(gen, cri), "k-", lw=1.5, label="speed")
    left.set_xscale("log")
    left.set_xlabel("mass left off the collapsed mode, $1 - F(\\theta)$")
    left.set_ylabel("speed of the limit at the collapsed state")
    left.set_title("Toy GAN: the critic at its best response keeps moving")
    left.legend(fontsize=8)
    model = WGAN(
        n_generator=4, n_critic_particles=8, data_dim=2, latent_dim=1, target=ring(8),
        clip=0.01, engine="numpy",
    )  # fmt: skip
    modes = range(4)
    wgan_runs = [
        collapse_velocity(model, mode=k, n_samples=512, best_response_steps=150) for k in modes
    ]
    g_w = np.array([r.generator_speed for r in wgan_runs])
    c_w = np.array([r.critic_speed for r in wgan_runs])
    idx = np.arange(len(wgan_runs))
    right.bar(idx - 0.2, g_w, width=0.4, label="generator speed")
    right.bar(idx + 0.2, np.maximum(c_w, 1e-16), width=0.4, label="critic speed (projected)")
    right.set_yscale("log")
    right.set_xticks(idx, [f"mode {k}" for k in modes])
    right.set_ylabel("speed of the limit")
    right.set_title("Clipped WGAN on ring(8), generator on one mode")
    right.legend(fontsize=8)
    data = {
        "toy_mass": masses,
        "toy_generator_speed": gen,
        "toy_critic_speed": cri,
        "wgan_generator_speed": g_w,
        "wgan_critic_speed": c_w,
        "wgan_modes": np.array([r.mode for r in wgan_runs]),
    }
    return FigureResult(fig, data)
