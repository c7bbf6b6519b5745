"""Figures of modified equations: implicit gradient regularisation and GAN drift."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._scheme import alternating, explicit, simultaneous, tau
from ..numeric import integrate, iterate
from ..plotting import new_figure
from ..symbolic import limit_ode, modified_equation
from ._registry import FigureResult, register

_x, _y = sp.symbols("x y")
#: a 2-D loss with a curved valley: curvature changes along the path, so the drift shows
LOSS = _x**2 / 2 + _y**2 + _x**2 * _y**2 / 8
IGR_START = np.array([2.0, 1.0])
IGR_TAU = 0.1


@register(
    "implicit-regularization",
    title="Gradient descent follows the modified flow -grad(E + tau/4 |grad E|^2), not the "
    "gradient flow",
    source='D. G. T. Barrett, B. Dherin, "Implicit Gradient Regularization", ICLR 2021',
    equation="Theorem 3.1: the modified flow x' = -grad(E + (tau/4)|grad E|^2)",
    parameters={"E": "x^2/2 + y^2 + x^2 y^2/8", "start": IGR_START, "tau": IGR_TAU, "t_end": 2.0},
)
def implicit_regularization() -> FigureResult:
    """Barrett & Dherin (ICLR 2021): gradient-descent iterates, the gradient flow of E and
    the first-order modified flow, with their distances to the iterates over the cumulative
    learning rate."""
    grad = [-sp.diff(LOSS, v) for v in (_x, _y)]
    scheme = explicit(grad, [_x, _y])
    t_end = 2.0
    run = iterate(scheme, IGR_START, tau=IGR_TAU, t_end=t_end)
    plain = integrate(limit_ode(scheme), IGR_START, t_eval=run.t)
    modified = modified_equation(scheme, order=1)
    corrected = integrate(modified.ode(order=1), IGR_START, t_eval=run.t, params={"tau": IGR_TAU})
    d_plain = np.linalg.norm(run.z - plain.z, axis=1)
    d_modified = np.linalg.norm(run.z - corrected.z, axis=1)
    dense = np.linspace(0.0, t_end, 400)
    plain_dense = integrate(limit_ode(scheme), IGR_START, t_eval=dense)
    corrected_dense = integrate(
        modified.ode(order=1), IGR_START, t_eval=dense, params={"tau": IGR_TAU}
    )

    fig, (left, right) = new_figure(ncols=2, width=5.2, height=4.4)
    gx, gy = np.meshgrid(np.linspace(-0.3, 2.2, 120), np.linspace(-0.3, 1.2, 90))
    energy = sp.lambdify((_x, _y), LOSS, "numpy")(gx, gy)
    left.contour(gx, gy, energy, levels=14, colors="0.8", linewidths=0.7)
    left.plot(*plain_dense.z.T, "-", color="C0", label="gradient flow $x' = -\\nabla E$")
    left.plot(
        *corrected_dense.z.T,
        "--",
        color="C3",
        label=r"modified flow $-\nabla(E + \frac{\tau}{4}|\nabla E|^2)$",
    )
    left.plot(*run.z.T, "o", ms=3.5, color="k", label=rf"gradient descent, $\tau = {IGR_TAU}$")
    left.set_xlabel("$x$")
    left.set_ylabel("$y$")
    left.set_title(r"$E = x^2/2 + y^2 + x^2y^2/8$")
    left.legend(fontsize=8, loc="upper left")
    right.semilogy(run.t[1:], d_plain[1:], "-", color="C0", label="to the gradient flow")
    right.semilogy(run.t[1:], d_modified[1:], "--", color="C3", label="to the modified flow")
    right.set_xlabel(r"cumulative learning rate $n\tau$")
    right.set_ylabel("distance to the iterates")
    right.set_title("The modified flow tracks the iterates")
    right.legend(fontsize=8)
    fig.suptitle("Implicit gradient regularisation (Barrett & Dherin, ICLR 2021)")
    data = {
        "t": run.t.copy(),
        "iterates": run.z.copy(),
        "gradient_flow": plain.z.copy(),
        "modified_flow": corrected.z.copy(),
        "distance_gradient_flow": d_plain,
        "distance_modified_flow": d_modified,
        "modified_potential": modified.modified_potential(order=1),
        "tau": IGR_TAU,
    }
    return FigureResult(fig, data)


GAN_TAU = 0.2


@register(
    "gan-drift",
    title="Drift of simultaneous and alternating gradient descent-ascent on min_x max_y xy",
    source='M. Rosca, Y. Wu, B. Dherin, D. G. T. Barrett, "Discretization Drift in Two-Player '
    'Games", ICML 2021',
    equation="Theorems 3.1 and 3.2: first-order modified equations of simultaneous and "
    "alternating updates",
    parameters={"game": "min_x max_y x y", "tau": GAN_TAU, "grid": "13 x 13 on [-2.4, 2.4]^2"},
)
def gan_drift() -> FigureResult:
    """Rosca et al. (ICML 2021): the first-order drift fields of simultaneous and alternating
    updates on the bilinear game ``E = x y`` (x minimises, y maximises), with iterates."""
    blocks = [(_x, [-_y]), (_y, [_x])]
    schemes = {
        "simultaneous": simultaneous(blocks),
        "alternating": alternating(blocks),
    }
    grid = np.linspace(-2.4, 2.4, 13)
    gx, gy = np.meshgrid(grid, grid)
    fig, axes = new_figure(ncols=2, width=4.6, height=4.6)
    data: dict[str, object] = {"grid_x": gx, "grid_y": gy, "tau": GAN_TAU}
    z0 = np.array([1.0, 0.0])
    for ax, (name, scheme) in zip(axes, schemes.items()):
        me = modified_equation(scheme, order=1, players=[_x, _y])
        drift = me.drift(order=1).subs(tau, GAN_TAU)
        f = sp.lambdify((_x, _y), list(drift), "numpy")
        u, v = (np.broadcast_to(np.asarray(c, dtype=float), gx.shape) for c in f(gx, gy))
        run = iterate(scheme, z0, tau=GAN_TAU, steps=40)
        circle = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(circle), np.sin(circle), "-", color="0.6", lw=1, label="limit orbit")
        ax.quiver(
            gx,
            gy,
            u,
            v,
            color="C3",
            angles="xy",
            scale_units="xy",
            scale=0.5,
            label=r"drift $\tau f_1$ (length x2)",
        )
        ax.plot(*run.z.T, "o-", ms=2.5, lw=0.6, color="k", label="iterates")
        ax.set_aspect("equal")
        ax.set_xlabel("$x$ (minimises $xy$)")
        ax.set_ylabel("$y$ (maximises $xy$)")
        ax.set_xlim(-2.7, 2.7)
        ax.set_ylim(-2.7, 2.7)
        parts = ", ".join(sp.latex(c) for c in me.drift(order=1))
        ax.set_title(rf"{name}: drift $\tau f_1 = ({parts})$", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
        data[f"drift_{name}"] = np.stack([u, v])
        data[f"iterates_{name}"] = run.z.copy()
    fig.suptitle(rf"Discretisation drift of gradient descent-ascent, $\tau = {GAN_TAU}$")
    return FigureResult(fig, data)
