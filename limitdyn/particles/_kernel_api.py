"""The typed kernel interface that both engines satisfy, and the choice of implementation.

:class:`ParticleKernels` lists the kernel functions with their array layouts (see
``_kernels.py``); the module ``_numpy_kernels`` (the vectorised numpy reference) and the
module ``_kernels`` (the fused loops that numba jits) both satisfy it. The block kernels
take their hyper-parameters as one :class:`WGANHyper` or :class:`RegressionHyper` — a
NamedTuple of scalars, which numba passes to jitted code as a typed tuple.
:func:`kernels` returns the implementation for an :class:`~limitdyn._engine.Engine`,
importing the numba module only when it is asked for.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from .._engine import Engine

__all__ = ["ParticleKernels", "RegressionHyper", "WGANHyper", "kernels"]


class WGANHyper(NamedTuple):
    """The scalars of a block of WGAN steps (:meth:`ParticleKernels.wgan_block`).

    Attributes
    ----------
    kind : int
        Activation code (0 sigmoid, 1 tanh, 2 ReLU).
    eta_g, eta_c : float
        Step sizes of the generator and of each critic substep.
    gscale_g, gscale_c : float
        Factors applied to the velocities before the optimizer (``1/N``, ``1/M`` for the
        raw scaling, else 1).
    rms : bool
        RMSProp (True) or SGD.
    rho, eps : float
        RMSProp's decay and epsilon.
    clip : float
        Half-width of the critic's box ``Q``; ``<= 0`` for no projection.
    parallel : bool
        Run the threaded kernels (the numpy engine ignores it).
    per_particle : bool
        RMSProp's second moment per particle: ``ms_i = rho ms_i + (1 - rho) |g_i|^2`` with
        ``|g_i|^2`` the squared norm of particle ``i``'s (scaled) gradient over all its
        coordinates, stored in every coordinate of the particle; False (the default) for
        one second moment per coordinate.

    Examples
    --------
    >>> h = WGANHyper(0, 0.1, 0.1, 1.0, 1.0, False, 0.99, 1e-8, 0.01, False)
    >>> h.clip, h._replace(clip=-1.0).clip, h.per_particle
    (0.01, -1.0, False)
    """

    kind: int
    eta_g: float
    eta_c: float
    gscale_g: float
    gscale_c: float
    rms: bool
    rho: float
    eps: float
    clip: float
    parallel: bool
    per_particle: bool = False


class RegressionHyper(NamedTuple):
    """The scalars of a block of regression steps (:meth:`ParticleKernels.regression_block`).

    Attributes
    ----------
    kind : int
        Activation code (0 sigmoid, 1 tanh, 2 ReLU).
    eta : float
        Step size ``dt``.
    parallel : bool
        Run the threaded kernels (the numpy engine ignores it).

    Examples
    --------
    >>> RegressionHyper(kind=0, eta=0.5, parallel=False).eta
    0.5
    """

    kind: int
    eta: float
    parallel: bool


class ParticleKernels(Protocol):
    """What an engine's kernel module provides.

    Layouts: generator ``P (K, L + 2, N)``, critic ``W (K + 2, M)``, points feature-major
    (latent ``Z (L, m)``, data ``X (K, m)``); outputs are written into the given arrays.
    """

    def gen_forward(self, P: np.ndarray, Z: np.ndarray, kind: int, out: np.ndarray) -> None:
        """Generator outputs ``out (K, m)``."""

    def critic_grad(
        self,
        W: np.ndarray,
        X: np.ndarray,
        G: np.ndarray,
        wx: float,
        wg: float,
        kind: int,
        grad: np.ndarray,
    ) -> None:
        """Critic velocity ``grad (K + 2, M)`` of the weighted points ``X`` and ``G``."""

    def critic_input_grad(
        self, W: np.ndarray, Y: np.ndarray, kind: int, E: np.ndarray, F: np.ndarray
    ) -> None:
        """Critic values ``F (m,)`` and their input gradients ``E (K, m)`` at ``Y``."""

    def gen_backward(
        self, P: np.ndarray, Z: np.ndarray, E: np.ndarray, kind: int, grad: np.ndarray
    ) -> None:
        """Generator velocity ``grad (K, L + 2, N)`` for output gradients ``E (K, m)``."""

    def critic_substeps(
        self,
        P: np.ndarray,
        W: np.ndarray,
        msW: np.ndarray,
        Zc: np.ndarray,
        Xc: np.ndarray,
        hyper: WGANHyper,
        loss_c: np.ndarray,
        st: int,
    ) -> None:
        """The critic substeps of WGAN step ``st`` in place (as in ``wgan_block``)."""

    def wgan_block(
        self,
        P: np.ndarray,
        W: np.ndarray,
        msP: np.ndarray,
        msW: np.ndarray,
        Zc: np.ndarray,
        Xc: np.ndarray,
        Zg: np.ndarray,
        hyper: WGANHyper,
        loss_c: np.ndarray,
        loss_g: np.ndarray,
    ) -> int:
        """``Zg.shape[0]`` WGAN steps in place; the first non-finite step, or -1.

        ``msP`` and ``msW`` (RMSProp's second moments) have the shapes of ``P`` and ``W``.
        """

    def regression_block(
        self, P: np.ndarray, X: np.ndarray, Y: np.ndarray, hyper: RegressionHyper, loss: np.ndarray
    ) -> int:
        """``X.shape[0]`` regression SGD steps in place; the first non-finite step, or -1."""


def kernels(engine: Engine) -> ParticleKernels:
    """The kernel implementation of ``engine`` (numba imported here, never at package import).

    Examples
    --------
    >>> from limitdyn._engine import Engine
    >>> kernels(Engine("numpy")).__name__
    'limitdyn.particles._numpy_kernels'
    """
    if engine.jit:
        from . import _kernels

        return _kernels
    from . import _numpy_kernels

    return _numpy_kernels
