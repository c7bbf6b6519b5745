"""Mean-field particle engine: WGAN, two-layer regression and the toy GAN.

Delgadino's mean-field reading of WGAN training (M. Delgadino, "Generative Adversarial
Networks: Dynamics and Mode Collapse", lecture, UT Austin, 2024): N generator and M
critic particles, time step ``dt = lr / N``, critic time scale ``gamma_c = n_critic N / M``,
critic projected on ``Q = [-c, c]^(K+2)``. Kernels run on numpy or, when installed,
numba (``engine="auto" | "numpy" | "numba"``); numba is imported only when a model
asks for it.
"""

from ._base import ParticleModel
from ._chaos import MeanFieldGap, mean_field_gap
from ._jko import JKOSolver, implicit_step
from ._metrics import (
    ModeCoverage,
    WassersteinDistance,
    mode_coverage,
    sliced_wasserstein,
    wasserstein,
    wasserstein_1d,
)
from ._quantile import AggregationFlow, aggregation_particles, quantile_jko
from ._regression import TwoLayerRegression
from ._run import ParticleRun
from ._targets import (
    CustomTarget,
    GaussianMixture,
    Target,
    WeightedDiracs,
    diracs,
    gaussian_mixture,
    grid,
    ring,
    sampler,
)
from ._toy import ToyGAN, ToyTrajectory
from ._wgan import WGAN

__all__ = [
    "WGAN",
    "AggregationFlow",
    "CustomTarget",
    "GaussianMixture",
    "JKOSolver",
    "MeanFieldGap",
    "ModeCoverage",
    "ParticleModel",
    "ParticleRun",
    "Target",
    "ToyGAN",
    "ToyTrajectory",
    "TwoLayerRegression",
    "WassersteinDistance",
    "WeightedDiracs",
    "aggregation_particles",
    "diracs",
    "gaussian_mixture",
    "grid",
    "implicit_step",
    "mean_field_gap",
    "mode_coverage",
    "quantile_jko",
    "ring",
    "sampler",
    "sliced_wasserstein",
    "wasserstein",
    "wasserstein_1d",
]
