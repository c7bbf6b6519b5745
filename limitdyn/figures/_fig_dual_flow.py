"""Figures of Turinici's dual flows: the oscillating toy GAN and its convergence criterion."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._scheme import Scheme, game
from ..numeric import convergence_study, integrate, iterate
from ..plotting import new_figure
from ..symbolic import limit_ode
from ._registry import FigureResult, register

TURINICI = (
    'G. Turinici, "Convergence dynamics of Generative Adversarial Networks: the dual metric '
    'flows", arXiv:2012.10410'
)

#: the toy GAN of Turinici's Fig. 2: generator x in R^2, linear critic y in R^2, Dirac target x_r
X_R = np.array([1.0, 0.5])
Z0 = np.array([2.0, 0.5, 0.0, 1.0])  # (x1, x2, y1, y2)


def dirac_gan(*, implicit: bool = False) -> tuple[Scheme, dict[str, float]]:
    """Turinici's toy GAN as a game: the critic ``y`` steps first, the generator against it.

    With ``C^x = y . x`` and ``C^y = -y . (x - x_r)``, the limit is ``x' = -y``,
    ``y' = x - x_r``: a center around ``x_r`` (the text's version of eq. (1)).
    """
    x = sp.symbols("x1 x2")
    y = sp.symbols("y1 y2")
    xr = sp.symbols("xr1 xr2")
    cost_x = sum(yi * xi for xi, yi in zip(x, y))
    cost_y = -sum(yi * (xi - ri) for xi, yi, ri in zip(x, y, xr))
    scheme = game(cost_x, cost_y, x, y, order="y-first", implicit=implicit)
    return scheme, {"xr1": float(X_R[0]), "xr2": float(X_R[1])}


@register(
    "dual-flow-oscillation",
    title="Turinici Fig. 2: alternating GAN iterates orbit x_r",
    source=TURINICI,
    equation="Fig. 2 (the toy GAN of eq. (1) with the text's sign: x+ = x - tau y+)",
    parameters={
        "x_r": X_R,
        "z0 = (x1, x2, y1, y2)": Z0,
        "tau": 0.2,
        "t_end": "2 pi",
        "order": "critic (y) first",
    },
)
def dual_flow_oscillation() -> FigureResult:
    scheme, params = dirac_gan()
    tau, t_end = 0.2, 2 * np.pi
    discrete = iterate(scheme, Z0, tau=tau, t_end=t_end, params=params)
    limit = integrate(limit_ode(scheme), Z0, t_eval=np.linspace(0.0, t_end, 400), params=params)
    fig, ax = new_figure(width=5.5, height=5.0)
    ax.plot(limit.z[:, 0], limit.z[:, 1], "-", color="0.4", label="limit ODE orbit")
    ax.plot(discrete.z[:, 0], discrete.z[:, 1], "o", ms=4, label=rf"iterates, $\tau = {tau}$")
    ax.plot(*X_R, "k*", ms=12, label="target $x_r$")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Alternating GAN updates orbit the target (Turinici, Fig. 2)")
    ax.legend(loc="upper right")
    data = {
        "iterates": discrete.z[:, :2].copy(),
        "limit_orbit": limit.z[:, :2].copy(),
        "limit_state": limit.z.copy(),
        "target": X_R.copy(),
        "tau": tau,
    }
    return FigureResult(fig, data)


@register(
    "dual-flow-convergence",
    title="Convergence criterion: halving tau on the cumulative-learning-rate axis",
    source=TURINICI + " (slides: the convergence criterion)",
    equation='"2x more learning steps of 1/2 size give the same curve?" on the cumulative '
    "learning-rate axis; the limit (2) with the text's sign",
    parameters={
        "x_r": X_R,
        "z0": Z0,
        "t_end": 6.0,
        "curves: tau": (0.2, 0.1, 0.05, 0.025),
        "convergence study: taus": "0.2 / 2^k, k = 0..7",
    },
)
def dual_flow_convergence() -> FigureResult:
    scheme, params = dirac_gan()
    t_end, tau = 6.0, 0.2
    taus = tau / 2.0 ** np.arange(4)
    fig, (left, right) = new_figure(ncols=2, width=5.0, height=4.0)
    curves = []
    for h in taus:
        run = iterate(scheme, Z0, tau=float(h), t_end=t_end, params=params)
        curves.append((run.t.copy(), run.z[:, 0].copy()))
        left.plot(run.t, run.z[:, 0], ".-", ms=3, lw=0.8, label=rf"$\tau = {h:g}$")
    limit = integrate(limit_ode(scheme), Z0, t_eval=np.linspace(0, t_end, 300), params=params)
    left.plot(limit.t, limit.z[:, 0], "k-", lw=1.5, label="limit ODE")
    left.set_xlabel(r"cumulative learning rate $\sum_k \tau_k$")
    left.set_ylabel("$x_1$")
    left.set_title("2x the steps at 1/2 the size: same curve?")
    left.legend(fontsize=8)
    study = convergence_study(
        scheme, Z0, t_end=t_end, taus=tau / 2.0 ** np.arange(8), params=params, progress=False
    )
    study.plot(ax=right)
    right.set_title(f"error against the limit: order {study.order:.2f}")
    data = {
        "curves": curves,
        "limit": (limit.t.copy(), limit.z[:, 0].copy()),
        "taus": study.taus.copy(),
        "errors": study.errors.copy(),
        "order": study.order,
    }
    return FigureResult(fig, data)


@register(
    "explicit-implicit-alternating",
    title="Bilinear game: explicit spirals out, implicit in, alternating stays closed",
    source=TURINICI,
    equation="eqs. (8)-(9) (alternating steps) against explicit and implicit simultaneous "
    "steps on min_x max_y xy; Lemma 1 (explicit and implicit share the limit)",
    parameters={"game": "min_x max_y x y", "start": (1.0, 0.0), "tau": 0.1, "steps": 300},
)
def explicit_implicit_alternating() -> FigureResult:
    x, y = sp.symbols("x y")
    tau, steps = 0.1, 300
    start = [1.0, 0.0]
    schemes = {
        "explicit (simultaneous)": game(x * y, -x * y, x, y, order="simultaneous", implicit=False),
        "implicit (simultaneous)": game(x * y, -x * y, x, y, order="simultaneous", implicit=True),
        "alternating": game(x * y, -x * y, x, y, order="x-first", implicit=False),
    }
    fig, ax = new_figure(width=5.5, height=5.0)
    runs = {}
    for label, scheme in schemes.items():
        run = iterate(scheme, start, tau=tau, steps=steps)
        runs[label] = run.z.copy()
        ax.plot(run.z[:, 0], run.z[:, 1], lw=1.0, label=label)
    ax.plot([0.0], [0.0], "k*", ms=10, label="equilibrium")
    ax.set_aspect("equal")
    ax.set_xlabel("$x$ (minimises $xy$)")
    ax.set_ylabel("$y$ (maximises $xy$)")
    ax.set_title(rf"min$_x$ max$_y$ $xy$, $\tau = {tau}$, {steps} steps")
    ax.legend(loc="upper right", fontsize=8)
    return FigureResult(fig, {"runs": runs, "tau": tau})
