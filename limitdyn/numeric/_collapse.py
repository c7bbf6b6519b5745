"""Mode collapse is not a limit dynamics (Turinici, arXiv:2012.10410, §3).

A collapsed state puts the generator on a subset of the target's modes; with the critic
at its best response against it, the velocity field of the limit dynamics there is not
zero, so the state is not stationary: training leaves it (§3's argument, made a
computation). :func:`collapse_velocity` evaluates that field for the two particle models:

- :class:`~limitdyn.particles.ToyGAN` (Delgadino's toy): every generator particle at
  ``theta_c`` with ``F(theta_c) = mass`` (the mass on the mode ``-1``; ``1 - mass`` for
  ``+1``), every critic particle at the best response on the unit ball,
  ``omega = sign(1/2 - Fbar)`` (the toy's ``d_1`` is ``max_{|omega| <= 1} Psi``);
- :class:`~limitdyn.particles.WGAN` (clipped): every generator particle sends every latent
  to one mode (``b = 0``, ``a act(c) = mode``); the critic's best response is found by
  projected gradient ascent of ``D = E f(x) - E f(g(z))`` on the clip box ``Q`` on fixed
  large batches, and the critic's velocity is the projected (tangent-cone) one, which
  vanishes at the best response.

It calls only the models' public ``velocities``, ``generate``, ``cdf``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._display import dataframe, html_table
from .._validate import as_generator, positive_float, positive_int
from ..errors import InputError
from ..particles import WGAN, ToyGAN

__all__ = ["CollapseVelocity", "collapse_velocity"]


@dataclass(frozen=True, eq=False)
class CollapseVelocity:
    """The limit's velocity at a collapsed state.

    Attributes
    ----------
    model : str
        The model's repr.
    mode : ndarray
        The mode the generator is collapsed on.
    theta, omega : ndarray
        The collapsed state (generator particles, critic at its best response).
    generator_velocity, critic_velocity : ndarray
        The velocities there (the critic's projected on the clip box for a WGAN).
    generator_speed, critic_speed : float
        Root-mean-square particle speeds.
    tol : float
        The speed under which a state counts as stationary.
    """

    model: str
    mode: np.ndarray
    theta: np.ndarray
    omega: np.ndarray
    generator_velocity: np.ndarray
    critic_velocity: np.ndarray
    generator_speed: float
    critic_speed: float
    tol: float

    @property
    def speed(self) -> float:
        """``sqrt(generator_speed^2 + critic_speed^2)``."""
        return float(np.hypot(self.generator_speed, self.critic_speed))

    @property
    def is_stationary(self) -> bool:
        """Whether both players' speeds are at most ``tol``."""
        return self.generator_speed <= self.tol and self.critic_speed <= self.tol

    def __repr__(self) -> str:
        return (
            f"CollapseVelocity({self.model} on mode {np.round(self.mode, 6).tolist()}: "
            f"generator speed {self.generator_speed:.4g}, critic speed {self.critic_speed:.4g}, "
            f"stationary: {self.is_stationary})"
        )

    def _columns(self) -> dict[str, Any]:
        return {
            "player": ["generator", "critic"],
            "speed": [self.generator_speed, self.critic_speed],
        }

    def _repr_html_(self) -> str:
        return html_table(repr(self), self._columns())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: one row per player with its speed.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> import limitdyn as ld
        >>> out = ld.collapse_velocity(ToyGAN(latent="logistic", gamma=1.0), mode=-1, mass=0.99)
        >>> out.to_dataframe()
              player   speed
        0  generator  0.0099
        1     critic  0.4900
        """
        return dataframe(self._columns())


def _rms(v: np.ndarray) -> float:
    n = v.shape[0]
    return float(np.sqrt(np.sum(v.reshape(n, -1) ** 2) / n))


def _toy(model: ToyGAN, mode: Any, mass: float, tol: float) -> CollapseVelocity:
    from scipy.special import logit, ndtri

    if mode not in (-1, 1, -1.0, 1.0):
        raise InputError(f"mode: the toy GAN's target modes are -1 and 1, got {mode!r}")
    if not 0.5 < mass < 1.0:
        raise InputError(f"mass must lie in (1/2, 1), got {mass!r}")
    on_minus = mass if mode == -1 else 1.0 - mass  # F(theta) is the mass sent to -1
    theta_c = float(logit(on_minus) if model.latent == "logistic" else ndtri(on_minus))
    theta = np.full(model.n_generator, theta_c)
    best = np.sign(0.5 - float(model.cdf(theta).mean()))
    omega = np.full(model.n_critic_particles, best)
    vt, vo = model.velocities(theta, omega)
    return CollapseVelocity(
        model=repr(model),
        mode=np.array([float(mode)]),
        theta=theta,
        omega=omega,
        generator_velocity=vt,
        critic_velocity=vo,
        generator_speed=_rms(vt),
        critic_speed=_rms(vo),
        tol=tol,
    )


def _projected(v: np.ndarray, omega: np.ndarray, clip: float) -> np.ndarray:
    """The velocity's projection on the tangent cone of the box ``[-clip, clip]``."""
    out = v.copy()
    out[(omega >= clip) & (v > 0)] = 0.0
    out[(omega <= -clip) & (v < 0)] = 0.0
    return out


def _wgan(
    model: WGAN, mode: Any, n_samples: int, steps: int, seed: Any, tol: float
) -> CollapseVelocity:
    if model.clip is None:
        raise InputError(
            "collapse_velocity needs a clipped WGAN (clip=c): without the box the critic's "
            "objective is unbounded and has no best response"
        )
    modes = model.target.modes
    if modes is None:
        raise InputError("collapse_velocity needs a target with modes (target.modes)")
    index = int(mode)
    if not 0 <= index < modes.shape[0]:
        raise InputError(f"mode must index one of the target's {modes.shape[0]} modes")
    centre = np.asarray(modes[index], dtype=float)
    N, K, L2 = model.generator_shape
    # b = 0: every latent goes to a act(c); find act(1) from the model itself
    probe = np.zeros((N, K, L2))
    probe[:, :, 0] = 1.0
    probe[:, :, -1] = 1.0
    act1 = model.generate(probe, z=np.zeros((1, model.latent_dim)))[0]
    if np.any(np.abs(act1) < 1e-12):
        raise InputError("the activation vanishes at 1; cannot place the generator on a mode")
    theta = probe.copy()
    theta[:, :, 0] = centre / act1
    rng = as_generator(seed)
    x = model.target_samples(n_samples, seed=rng)
    z = rng.standard_normal((n_samples, model.latent_dim))
    c = float(model.clip)
    omega = rng.uniform(-c, c, size=model.critic_shape)
    for k in range(steps):
        _, vo = model.velocities(theta, omega, x, z)
        vo = _projected(vo, omega, c)
        scale = float(np.abs(vo).max())
        if scale == 0.0:
            break
        omega = np.clip(omega + (0.25 * c / (scale * np.sqrt(k + 1.0))) * vo, -c, c)
    vt, vo = model.velocities(theta, omega, x, z)
    vo = _projected(vo, omega, c)
    return CollapseVelocity(
        model=repr(model),
        mode=centre,
        theta=theta,
        omega=omega,
        generator_velocity=vt,
        critic_velocity=vo,
        generator_speed=_rms(vt),
        critic_speed=_rms(vo),
        tol=tol,
    )


def collapse_velocity(
    model: ToyGAN | WGAN,
    *,
    mode: Any = 0,
    mass: float = 0.999,
    n_samples: int = 4096,
    best_response_steps: int = 200,
    seed: int | np.random.Generator | None = 0,
    tol: float = 1e-8,
) -> CollapseVelocity:
    """The limit's velocity field at a mode-collapsed state, critic at its best response.

    Parameters
    ----------
    model : ToyGAN or WGAN
        A toy GAN, or a clipped WGAN whose target has modes.
    mode : int
        The toy: the target atom (-1 or 1) that the generator collapses on (0 means -1);
        the WGAN: the index of the target mode.
    mass : float
        The toy: the generator's mass on that atom (in (1/2, 1); the exact collapse, mass 1,
        sits at ``theta = +-inf``).
    n_samples : int
        The WGAN: target and latent samples of the fixed batches (expectations by Monte
        Carlo).
    best_response_steps : int
        The WGAN: projected ascent steps of the critic (each moves a coordinate by at
        most a quarter of the clip over the square root of the step number).
    seed : int or Generator, optional
        The WGAN's batches and critic start.
    tol : float
        Speed below which the state would count as stationary.

    Returns
    -------
    CollapseVelocity
        With ``generator_speed``, ``critic_speed`` and ``is_stationary`` (False: §3).

    Raises
    ------
    InputError
        Another model, a WGAN without clipping or modes, a bad mode or mass.

    References
    ----------
    G. Turinici, arXiv:2012.10410, §3 ("mode collapse is not a legitimate limit
    dynamics"); M. Delgadino, "GANs: dynamics and mode collapse" (2024), the toy GAN.

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> out = collapse_velocity(ToyGAN(latent="logistic", gamma=1.0), mode=-1, mass=0.99)
    >>> out.is_stationary, round(out.critic_speed, 6)  # gamma |1/2 - F| = 0.49
    (False, 0.49)
    """
    tol = positive_float(tol, "tol")
    if isinstance(model, ToyGAN):
        return _toy(model, -1 if mode == 0 else mode, float(mass), tol)
    if isinstance(model, WGAN):
        n = positive_int(n_samples, "n_samples")
        steps = positive_int(best_response_steps, "best_response_steps")
        return _wgan(model, mode, n, steps, seed, tol)
    raise InputError(f"collapse_velocity needs a ToyGAN or a WGAN, got {type(model).__name__}")
