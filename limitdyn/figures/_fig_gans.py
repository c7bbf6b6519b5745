"""Figures of the GAN catalogue: the Dirac-GAN, the generator losses, the parallel lines."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..gans import LOSSES, dirac_gan, divergences, generator_gradient, parallel_lines
from ..numeric import iterate
from ..numeric._compile import compile_ode
from ..plotting import new_figure
from ..symbolic import limit_ode
from ._registry import FigureResult, register

#: the Dirac-GAN panels: (title, keyword arguments of dirac_gan)
_HALF = sp.Rational(1, 2)
DIRAC_CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("minimax", {}),
    ("non-saturating", {"loss": "non-saturating"}),
    ("wasserstein", {"loss": "wasserstein"}),
    (r"minimax + R1 ($\gamma = 0.5$)", {"regularizer": "r1", "gamma": _HALF}),
    (r"minimax + consensus ($\gamma = 0.5$)", {"regularizer": "consensus", "gamma": _HALF}),
    (
        r"minimax + instance noise ($\sigma = 0.7$)",
        {"regularizer": "instance-noise", "sigma": sp.Rational(7, 10)},
    ),
)
DIRAC_TAU = 0.1
DIRAC_STEPS = 400
DIRAC_START = (1.0, 1.0)


def _field_grid(ode: Any, lim: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rhs, _ = compile_ode(ode, ())
    axis = np.linspace(-lim, lim, n)
    th, ps = np.meshgrid(axis, axis)
    uv = np.array([rhs(0.0, np.array([a, b]), np.empty(0)) for a, b in zip(th.ravel(), ps.ravel())])
    return th, ps, uv.reshape(n, n, 2)


@register(
    "dirac-gan",
    title="Dirac-GAN (Mescheder et al. 2018): simultaneous vs alternating steps",
    source='L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually '
    'Converge?", ICML 2018',
    equation="Definition 2.1 (the Dirac-GAN); Fig. 1 (unregularised, simultaneous and "
    "alternating steps) and the regularised variants of §3",
    parameters={
        "panels": tuple(title.replace("$", "") for title, _ in DIRAC_CASES),
        "tau": DIRAC_TAU,
        "steps": DIRAC_STEPS,
        "start (theta, psi)": DIRAC_START,
    },
)
def dirac_gan_figure() -> FigureResult:
    fig, axes = new_figure(ncols=3, nrows=2, width=4.0, height=4.0)
    data: dict[str, Any] = {"tau": DIRAC_TAU, "steps": DIRAC_STEPS, "start": DIRAC_START}
    for ax, (title, kwargs) in zip(axes.ravel(), DIRAC_CASES):
        ode = limit_ode(dirac_gan(**kwargs))
        th, ps, uv = _field_grid(ode, 2.0, 15)
        ax.quiver(th, ps, uv[..., 0], uv[..., 1], color="0.6", angles="xy")
        runs = {}
        for order in ("simultaneous", "alternating"):
            run = iterate(
                dirac_gan(order=order, **kwargs),
                DIRAC_START,
                tau=DIRAC_TAU,
                steps=DIRAC_STEPS,
                engine="numpy",
            )
            runs[order] = run.z.copy()
            ax.plot(run.z[:, 0], run.z[:, 1], lw=1.0, label=order)
        ax.plot([0.0], [0.0], "k*", ms=9)
        ax.set_xlim(-2.0, 2.0)
        ax.set_ylim(-2.0, 2.0)
        ax.set_aspect("equal")
        ax.set_xlabel(r"generator $\theta$")
        ax.set_ylabel(r"discriminator $\psi$")
        ax.set_title(title, fontsize=10)
        data[title] = {"field": (th, ps, uv), "runs": runs, "kwargs": kwargs}
    axes.ravel()[0].legend(loc="upper right", fontsize=8)
    fig.suptitle(rf"Dirac-GAN, $\tau = {DIRAC_TAU}$, {DIRAC_STEPS} steps from $(1, 1)$")
    data["cases"] = [title for title, _ in DIRAC_CASES]
    return FigureResult(fig, data)


@register(
    "gan-losses",
    title="Vanishing generator gradients: minimax vs non-saturating vs WGAN",
    source='I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014; H. Dong, '
    '"Understanding Generative Adversarial Networks" (lecture)',
    equation="Goodfellow et al. §3 (log(1 - D) saturates, -log D does not); the lecture's "
    "vanilla against non-saturating generator loss",
    parameters={"D(G(z))": "200 points, geometric, 1e-4 to 1 - 1e-4", "losses": LOSSES},
)
def gan_losses() -> FigureResult:
    d = np.geomspace(1e-4, 1.0 - 1e-4, 200)
    d_sym = sp.Symbol("D", positive=True)
    fig, (left, right) = new_figure(ncols=2, width=5.0, height=4.0)
    losses = {
        "minimax": np.log1p(-d),
        "non-saturating": -np.log(d),
    }
    slopes = {}
    for name in LOSSES:
        expr = generator_gradient(name)
        slopes[name] = np.array([float(expr.xreplace({d_sym: sp.Float(v)})) for v in d])
        right.plot(d, slopes[name], label=f"{name}: ${sp.latex(expr)}$")
    for name, values in losses.items():
        left.plot(d, values, label=name)
    left.set_xlabel(r"$D(G(z))$")
    left.set_ylabel(r"generator loss $L_G$")
    left.set_title(r"$\log(1 - D)$ saturates as $D \to 0$")
    left.legend(fontsize=8)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel(r"$D(G(z))$ (discriminator's belief the fake is real)")
    right.set_ylabel(r"$|\partial L_G / \partial\, \mathrm{logit}|$")
    right.set_title("generator gradient")
    right.legend(fontsize=8)
    return FigureResult(fig, {"d": d, "slopes": slopes, "losses": losses})


@register(
    "parallel-lines",
    title="Arjovsky et al. Example 1: KL, JS, TV and W1 between parallel lines",
    source='M. Arjovsky, S. Chintala, L. Bottou, "Wasserstein Generative Adversarial '
    'Networks", ICML 2017',
    equation="Example 1 (learning parallel lines): KL = inf, JS = log 2, TV = 1, W1 = |theta|",
    parameters={"theta": "41 points in [-1, 1]", "points per line": 32},
)
def parallel_lines_figure() -> FigureResult:
    thetas = np.linspace(-1.0, 1.0, 41)
    names = ("kl", "js", "tv", "w1", "w2")
    values: dict[str, list[float]] = {k: [] for k in names}
    for t in thetas:
        div = divergences(*parallel_lines(float(t), n=32)).as_dict()
        for k in names:
            values[k].append(div[k])
    arrays = {k: np.array(v) for k, v in values.items()}
    fig, ax = new_figure(width=6.0, height=4.5)
    finite_kl = np.where(np.isfinite(arrays["kl"]), arrays["kl"], np.nan)
    ax.plot(thetas, finite_kl, "o", color="C3", label=r"KL (finite only at $\theta = 0$)")
    ax.plot(thetas, arrays["js"], "-", label="JS")
    ax.plot(thetas, arrays["tv"], "--", label="TV")
    ax.plot(thetas, arrays["w1"], "-", lw=2, label=r"$W_1$")
    ax.plot(thetas, arrays["w2"], ":", lw=2, label=r"$W_2$")
    ax.axhline(np.log(2.0), color="0.6", lw=0.6)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("divergence")
    ax.set_title(r"$P_0$ on $\{0\}\times[0,1]$ vs $P_\theta$ on $\{\theta\}\times[0,1]$")
    ax.legend(fontsize=8)
    return FigureResult(fig, {"theta": thetas, **arrays})
