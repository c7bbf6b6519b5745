"""The Dirac-GAN of Mescheder, Geiger and Nowozin (ICML 2018), in every loss and regulariser."""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._scheme import Scheme
from ._losses import gan_game

__all__ = ["PSI", "THETA", "dirac_gan"]

#: the generator's parameter (its Dirac's position) and the discriminator's slope
THETA, PSI = sp.symbols("theta psi", real=True)
_X = sp.Symbol("x", real=True)


def dirac_gan(
    *,
    loss: str = "minimax",
    regularizer: str | None = None,
    gamma: Any = None,
    sigma: Any = None,
    order: str = "simultaneous",
    implicit: bool = False,
) -> Scheme:
    """The Dirac-GAN: data ``delta_0``, generator ``delta_theta``, discriminator ``psi x``.

    Sign convention: ``D_psi(x) = sigmoid(psi x)`` is the probability that ``x`` is real
    (Goodfellow's convention; Mescheder et al. write ``sigmoid`` of the opposite logit,
    so their ``psi`` is minus ours and their Jacobians are ours with ``psi -> -psi``).
    The minimax value is ``V = log sigmoid(0) + log(1 - sigmoid(psi theta))``; the
    discriminator ascends it, and the generator descends it ("minimax", field
    ``theta' = psi D(theta)``), descends ``-log D(theta)`` ("non-saturating", field
    ``psi (1 - D(theta))``) or, for "wasserstein", plays the linear critic ``psi x``
    with ``V = -psi theta``. See :func:`limitdyn.gans.gan_game` for the regularisers.

    Parameters
    ----------
    loss : {"minimax", "non-saturating", "wasserstein"}
    regularizer : {None, "r1", "r2", "wgan-gp", "consensus", "instance-noise"}
    gamma : number or Symbol
        Strength of r1, r2, wgan-gp and consensus.
    sigma : number or Symbol
        Standard deviation of the instance noise.
    order : {"simultaneous", "alternating"}
        "alternating" moves the generator first (Mescheder et al. 2018, sec. 2.2).
    implicit : bool
        Proximal steps.

    Returns
    -------
    Scheme
        Over the variables ``(theta, psi)``.

    References
    ----------
    L. Mescheder, A. Geiger, S. Nowozin, "Which training methods for GANs do actually
    converge?", ICML 2018, sec. 2 and 3.

    Examples
    --------
    The unregularised Jacobian at the equilibrium has eigenvalues ``+- i/2``
    (``+- i f'(0)`` with ``f'(0) = 1/2``); with R1, ``lambda^2 + gamma lambda + 1/4``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn.gans import dirac_gan
    >>> ode = ld.limit_ode(dirac_gan())
    >>> ld.linear_stability(ode, at=[0, 0]).eigenvalues
    [-I/2, I/2]
    >>> g, lam = sp.symbols("gamma lambda", positive=True)
    >>> r1 = ld.limit_ode(dirac_gan(regularizer="r1", gamma=g))
    >>> ld.linear_stability(r1, at=[0, 0]).jacobian.charpoly(lam).as_expr()
    gamma*lambda + lambda**2 + 1/4
    """
    return gan_game(
        THETA,
        PSI * _X,
        [0],
        [0],
        theta=THETA,
        psi=PSI,
        x=_X,
        loss=loss,
        regularizer=regularizer,
        gamma=gamma,
        sigma=sigma,
        order=order,
        implicit=implicit,
    )
