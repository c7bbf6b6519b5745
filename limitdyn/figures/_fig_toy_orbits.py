"""Delgadino's toy GAN: periodic orbits on the level sets of its conserved quantity.

Generator ``g(z; theta) = -1 if z < theta else 1`` with latent law ``F`` (density ``F'``),
critic ``f(x; omega) = (omega x)_+``, target ``P_* = (delta_{-1} + delta_1)/2``. With
``Psi = E_{g#F} f - E_{P_*} f`` the critic ascends ``Psi`` at rate ``gamma`` and the
generator descends it; since ``x = +-1``, ``Psi = omega (1/2 - F(theta))`` exactly, so

``theta' = F'(theta) omega``,  ``omega' = gamma (1/2 - F(theta))``

(M. Delgadino, "GANs: dynamics and mode collapse", lecture 2024, toy example). The
system is planar separable; its first integral is
``gamma int (F - 1/2)/F' dtheta + omega**2/2`` — for a logistic latent exactly
``gamma cosh(theta) + omega**2/2``. The lecture prints ``cosh(theta) + omega**2/gamma``,
which is not conserved: along the flow its derivative is
``omega F' sinh(theta) + 2 omega (1/2 - F) / gamma * gamma = -omega F'(theta) sinh(theta)``
(using ``F - 1/2 = F' sinh`` for the logistic law), nonzero off ``omega = 0`` and
``theta = 0``; the tests check both statements.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._ode import ODE
from ..numeric import integrate
from ..numeric._drift import invariant_drift
from ..plotting import new_figure
from ..plotting._invariants import plot_levels
from ..symbolic import first_integrals
from ._registry import FigureResult, register

THETA, OMEGA = sp.symbols("theta omega")
GAMMA = sp.Symbol("gamma", positive=True)
LATENTS = ("gaussian", "logistic")


def latent_cdf(latent: str) -> sp.Expr:
    """The latent law's distribution function ``F(theta)``."""
    if latent == "gaussian":
        return (1 + sp.erf(THETA / sp.sqrt(2))) / 2
    return 1 / (1 + sp.exp(-THETA))


def toy_gan_ode(latent: str = "gaussian") -> ODE:
    """``theta' = -dPsi/dtheta``, ``omega' = gamma dPsi/domega``, derived from the critic
    ``(omega x)_+ = (omega x + |omega x|)/2`` and the pushforward of the latent law."""
    cdf = latent_cdf(latent)
    plus = lambda e: (e + sp.Abs(e)) / 2  # noqa: E731
    critic = lambda x: plus(OMEGA * x)  # noqa: E731
    generated = cdf * critic(-1) + (1 - cdf) * critic(1)
    target = (critic(-1) + critic(1)) / 2
    psi = sp.expand(generated - target)
    rhs = [sp.factor_terms(-sp.diff(psi, THETA)), sp.factor_terms(GAMMA * sp.diff(psi, OMEGA))]
    return ODE((THETA, OMEGA), rhs, name=f"Delgadino toy GAN ({latent} latent)")


@register(
    "toy-periodic-orbits",
    title="Delgadino's toy GAN: periodic orbits on the level sets of its conserved quantity",
    source='M. Delgadino, "Generative Adversarial Networks: Dynamics and Mode Collapse" '
    "(lecture, 2024)",
    equation='slide "Toy Example: ODE dynamics"; conserved quantity gamma cosh(theta) + '
    "omega^2/2 (the lecture's cosh(theta) + omega^2/gamma is not conserved)",
    parameters={
        "latent": "logistic",
        "gamma": (1, 10),
        "starts (theta, omega)": ((0.5, 0.0), (1.0, 0.0), (1.6, 0.0)),
        "t_end": "40 / sqrt(gamma)",
        "rtol, atol": (1e-10, 1e-12),
    },
)
def toy_periodic_orbits() -> FigureResult:
    ode = toy_gan_ode("logistic")
    (energy,) = first_integrals(ode)
    starts = [(0.5, 0.0), (1.0, 0.0), (1.6, 0.0)]
    fig, axes = new_figure(ncols=2, width=4.8, height=4.2)
    data: dict[str, object] = {"energy": energy}
    grid_t = np.linspace(-2.2, 2.2, 121)
    for ax, gamma in zip(axes, (1, 10)):
        orbits, drifts = [], []
        span = 2.2 * np.sqrt(gamma) * 1.4
        grid_w = np.linspace(-span, span, 121)
        tt, ww = np.meshgrid(grid_t, grid_w)
        levels = gamma * np.cosh(tt) + ww**2 / 2
        values = sorted({float(gamma * np.cosh(a)) for a, _ in starts})
        plot_levels(grid_t, grid_w, levels, ax=ax, levels=values)
        for theta0, omega0 in starts:
            run = integrate(
                ode,
                [theta0, omega0],
                t_eval=np.linspace(0.0, 40.0 / np.sqrt(gamma), 800),
                params={"gamma": float(gamma)},
                rtol=1e-10,
                atol=1e-12,
            )
            drift = invariant_drift(run, energy, params={"gamma": float(gamma)})
            orbits.append(np.array(run.z))
            drifts.append(drift.max_drift / abs(drift.values[0]))
            ax.plot(run.z[:, 0], run.z[:, 1], lw=1.2)
        ax.set_xlabel(r"$\theta$")
        ax.set_ylabel(r"$\omega$")
        ax.set_title(rf"$\gamma = {gamma}$: orbits on $\gamma\cosh\theta + \omega^2/2$")
        data[f"orbits_gamma{gamma}"] = orbits
        data[f"relative_drift_gamma{gamma}"] = np.array(drifts)
    return FigureResult(fig, data)
