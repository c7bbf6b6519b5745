"""The GAN catalogue: the Dirac-GAN, GAN losses as a game, divergences, clipped critics.

Modules: ``_losses`` (the players' costs of any SymPy GAN and :func:`gan_game`, the
generator's gradient against ``D(G(z))``), ``_dirac`` (:func:`dirac_gan`),
``_divergences`` (KL, JS, TV and exact Wasserstein distances between discrete measures,
the optimal discriminator), ``_clipping`` (the Lipschitz bound of a weight-clipped
sigmoid critic of :mod:`limitdyn.particles`).
"""

from ._clipping import clipped_lipschitz_bound, critic_lipschitz_bound, empirical_lipschitz
from ._dirac import PSI, THETA, dirac_gan
from ._divergences import (
    Divergences,
    OptimalDiscriminator,
    divergences,
    optimal_discriminator,
    parallel_lines,
)
from ._losses import LOSSES, ORDERS, REGULARIZERS, gan_game, generator_gradient, log_sigmoid

__all__ = [
    "LOSSES",
    "ORDERS",
    "PSI",
    "REGULARIZERS",
    "THETA",
    "Divergences",
    "OptimalDiscriminator",
    "clipped_lipschitz_bound",
    "critic_lipschitz_bound",
    "dirac_gan",
    "divergences",
    "empirical_lipschitz",
    "gan_game",
    "generator_gradient",
    "log_sigmoid",
    "optimal_discriminator",
    "parallel_lines",
]
