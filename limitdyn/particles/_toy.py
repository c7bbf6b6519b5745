"""Delgadino's toy GAN at particle level, with its conserved energy.

``K = L = 1``, ``P_* = (delta_{-1} + delta_1) / 2``, generator units
``g(z; theta) = -1 if z < theta else 1`` and critic units ``f(x; omega) = (omega x)_+``.
With the latent law's CDF ``F`` (Gaussian ``Phi`` in the lecture),
``g_theta # N = F(theta) delta_{-1} + (1 - F(theta)) delta_1``.

Particle level: ``N`` generator particles ``theta_i`` whose pushforwards are mixed,
``g_mu # N = (1/N) sum_i g_{theta_i} # N`` (the mean-field reading, linear in
``mu``), and ``M`` critic particles, ``f = (1/M) sum_j (omega_j x)_+``. Then

``Psi = int f d(g_mu # N) - int f dP_* = (1/2 - Fbar) omegabar``

with ``Fbar = mean_i F(theta_i)`` and ``omegabar = mean_j omega_j`` (the terms
``(omega x)_+`` combine exactly because ``x = +-1``). The critic ascends ``Psi`` at rate
``gamma``, the generator descends it (mean-field velocities):

``theta_i' = F'(theta_i) omegabar``,  ``omega_j' = gamma (1/2 - Fbar)``.

Conserved energy: ``H = mean_i G(theta_i) + omegabar^2 / (2 gamma)`` with
``G' = (F - 1/2) / F'``, ``G(0) = 1``. For the *logistic* latent law (``F`` the sigmoid)
``(F - 1/2) / F' = sinh``, so ``G = cosh`` and ``H = cosh(theta) + omega^2 / (2 gamma)``
exactly: the lecture's ``E_gamma = cosh(theta) + |omega|^2 / gamma`` is this energy with
the critic rate ``gamma / 2`` (equivalently ``gamma -> 2 gamma`` in its formula). For the
Gaussian latent law ``G`` is not ``cosh`` (``G(theta) = 1 + theta^2/2 + theta^4/12 + ...``
against ``cosh = 1 + theta^2/2 + theta^4/24 + ...``); :meth:`ToyGAN.energy` evaluates it
by quadrature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._display import dataframe, html_table
from .._validate import as_generator, one_of, positive_float, positive_int
from ..errors import InputError
from ._base import ParticleModel
from ._run import ParticleRun

__all__ = ["ToyGAN", "ToyTrajectory"]

LATENTS = ("gaussian", "logistic")
SCHEMES = ("simultaneous", "alternating")

# Gauss-Legendre nodes on [0, 1] for the quadrature of G
_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


@dataclass(frozen=True, repr=False)
class ToyTrajectory:
    """A solution of the toy GAN's limit ODE.

    Attributes
    ----------
    times : numpy.ndarray
        ``(S,)``.
    theta : numpy.ndarray
        ``(S, N)`` generator particles.
    omega : numpy.ndarray
        ``(S, M)`` critic particles.
    energy : numpy.ndarray
        ``(S,)`` the conserved energy along the solution.
    """

    times: np.ndarray
    theta: np.ndarray
    omega: np.ndarray
    energy: np.ndarray

    def _summary(self) -> str:
        return (
            f"ToyTrajectory: {self.times.size} points on [0, {self.times[-1]:.4g}], "
            f"N = {self.theta.shape[1]}, M = {self.omega.shape[1]}, "
            f"energy drift {float(np.ptp(self.energy)):.2e}"
        )

    def _columns(self, *, every_particle: bool = True) -> dict[str, Any]:
        cols: dict[str, Any] = {"time": self.times, "energy": self.energy}
        if not every_particle:
            cols["mean theta"] = self.theta.mean(axis=1)
            cols["mean omega"] = self.omega.mean(axis=1)
            return cols
        cols.update({f"theta[{i}]": self.theta[:, i] for i in range(self.theta.shape[1])})
        cols.update({f"omega[{j}]": self.omega[:, j] for j in range(self.omega.shape[1])})
        return cols

    def __repr__(self) -> str:
        return self._summary()

    def _repr_html_(self) -> str:
        few = self.theta.shape[1] + self.omega.shape[1] <= 6
        return html_table(self._summary(), self._columns(every_particle=few))

    def to_dataframe(self) -> Any:
        """A pandas DataFrame indexed by ``time``: ``energy``, each ``theta[i]`` and each
        ``omega[j]`` (pandas is optional: the ``table`` extra).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> sol = ToyGAN(latent="logistic").limit_ode(theta0=[1.0], omega0=[0.0], t_end=1.0,
        ...                                           n_points=3)
        >>> df = sol.to_dataframe()
        >>> df.index.tolist(), list(df.columns)
        ([0.0, 0.5, 1.0], ['energy', 'theta[0]', 'omega[0]'])
        >>> df["energy"].round(9).tolist()  # cosh(theta) + omega^2 / (2 gamma) is conserved
        [1.543080635, 1.543080635, 1.543080635]
        """
        return dataframe(self._columns(), index="time")


@dataclass
class _ToyState:
    """One run's mutable state: the particles and the snapshots."""

    theta: np.ndarray
    omega: np.ndarray
    thetas: list[np.ndarray]
    omegas: list[np.ndarray]
    energies: list[float]


@dataclass(frozen=True, eq=False, repr=False, init=False)
class ToyGAN(ParticleModel[_ToyState]):
    """Delgadino's toy GAN with ``N`` generator and ``M`` critic particles.

    Parameters
    ----------
    n_generator, n_critic_particles : int
        ``N`` and ``M`` (1 and 1 give the lecture's two-dimensional ODE).
    gamma : float
        The critic's rate.
    lr : float
        Learning rate; ``dt = lr / N`` (mean-field scaling); the critic steps by
        ``gamma dt``.
    latent : {"gaussian", "logistic"}
        Law of the latent ``z`` (the lecture's Gaussian, or the logistic law for which
        the energy is exactly ``cosh(theta) + omega^2 / (2 gamma)``).
    scheme : {"simultaneous", "alternating"}
        Gradient descent-ascent with both players stepping from the same state
        (explicit Euler), or the critic first and the generator against the updated
        critic (symplectic Euler).

    :meth:`run` iterates gradient descent-ascent with exact expectations (no sampling
    noise) and returns a :class:`ParticleRun` with ``generator (S, N)``,
    ``critic (S, M)``, loss ``"payoff"`` (``Psi``) and metric ``"energy"``.

    Raises
    ------
    InputError
        For an invalid argument, naming it.

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> toy = ToyGAN(latent="logistic", gamma=1.0)
    >>> round(float(toy.energy([0.0], [1.0])), 12)
    1.5
    >>> sol = toy.limit_ode(theta0=[0.5], omega0=[0.0], t_end=10.0)
    >>> bool(np.ptp(sol.energy) < 1e-8)
    True
    >>> toy.resized(4).n_generator, toy.resized(4).dt
    (4, 0.0025)
    """

    name: ClassVar[str] = "ToyGAN"
    loss_names: ClassVar[tuple[str, ...]] = ("payoff",)
    #: no sampling: one step per advance, the payoffs summed step by step
    block_steps: ClassVar[int] = 1
    #: the iterations are instantaneous
    shows_progress: ClassVar[bool] = False

    n_generator: int
    n_critic_particles: int
    gamma: float
    lr: float
    latent: str
    scheme: str

    def __init__(
        self,
        *,
        n_generator: int = 1,
        n_critic_particles: int = 1,
        gamma: float = 1.0,
        lr: float = 0.01,
        latent: str = "gaussian",
        scheme: str = "simultaneous",
    ) -> None:
        values = dict(
            n_generator=positive_int(n_generator, "n_generator"),
            n_critic_particles=positive_int(n_critic_particles, "n_critic_particles"),
            gamma=positive_float(gamma, "gamma"),
            lr=positive_float(lr, "lr"),
            latent=one_of(latent, "latent", LATENTS),
            scheme=one_of(scheme, "scheme", SCHEMES),
        )
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def replace(self, **changes: Any) -> ToyGAN:
        """A copy with some constructor arguments changed (:func:`dataclasses.replace`).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(gamma=1.0)
        >>> toy.replace(gamma=10.0).gamma, toy.gamma
        (10.0, 1.0)
        """
        return dataclasses.replace(self, **changes)

    def resized(self, n: int) -> ToyGAN:
        """``n`` generator particles, ``M`` scaled in proportion (at least 1).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(n_generator=2, n_critic_particles=1)
        >>> six = toy.resized(6)
        >>> six.n_generator, six.n_critic_particles, toy.resized(1).n_critic_particles
        (6, 3, 1)
        """
        n = positive_int(n, "n")
        m = max(1, round(self.n_critic_particles * n / self.n_generator))
        return self.replace(n_generator=n, n_critic_particles=m)

    def __repr__(self) -> str:
        return (
            f"ToyGAN(N={self.n_generator}, M={self.n_critic_particles}, gamma={self.gamma:g}, "
            f"lr={self.lr:g}, latent={self.latent}, scheme={self.scheme})"
        )

    @property
    def dt(self) -> float:
        """Time per step, ``lr / N``."""
        return self.lr / self.n_generator

    # ------------------------------------------------------------------ the law of z
    def cdf(self, theta: Any) -> np.ndarray:
        """``F(theta)``, the latent law's CDF (the mass sent to ``-1``).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> gaussian, logistic = ToyGAN(latent="gaussian"), ToyGAN(latent="logistic")
        >>> gaussian.cdf([0.0]).tolist(), logistic.cdf([0.0]).tolist()  # both laws are symmetric
        ([0.5], [0.5])
        >>> round(float(logistic.cdf([2.0])[0]), 12) == round(1 / (1 + 2.718281828459045**-2), 12)
        True
        """
        from scipy.special import expit, ndtr

        th = np.asarray(theta, dtype=np.float64)
        return expit(th) if self.latent == "logistic" else ndtr(th)

    def pdf(self, theta: Any) -> np.ndarray:
        """``F'(theta)``.

        Examples
        --------
        >>> import math
        >>> from limitdyn.particles import ToyGAN
        >>> ToyGAN(latent="logistic").pdf([0.0]).tolist()  # F' = F (1 - F) = 1/4 at 0
        [0.25]
        >>> bool(abs(ToyGAN(latent="gaussian").pdf([0.0])[0] - 1 / math.sqrt(2 * math.pi)) < 1e-15)
        True
        """
        from scipy.special import expit

        th = np.asarray(theta, dtype=np.float64)
        if self.latent == "logistic":
            return expit(th) * expit(-th)
        return np.exp(-0.5 * th * th) / np.sqrt(2 * np.pi)

    def potential(self, theta: Any) -> np.ndarray:
        """``G(theta) = 1 + int_0^theta (F(s) - 1/2) / F'(s) ds`` (``cosh`` for logistic z).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ToyGAN
        >>> theta = np.linspace(-2.0, 2.0, 9)
        >>> bool(np.allclose(ToyGAN(latent="logistic").potential(theta), np.cosh(theta)))
        True
        """
        th = np.asarray(theta, dtype=np.float64)
        if self.latent == "logistic":
            return np.cosh(th)
        from scipy.special import ndtr

        s = th[..., None] * _GL_X
        integrand = (ndtr(s) - 0.5) * np.sqrt(2 * np.pi) * np.exp(0.5 * s * s)
        return 1.0 + th * (integrand @ _GL_W)

    def _check(self, theta: Any, omega: Any) -> tuple[np.ndarray, np.ndarray]:
        th = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        om = np.atleast_1d(np.asarray(omega, dtype=np.float64))
        if th.shape[-1] != self.n_generator:
            raise InputError(f"theta has {th.shape[-1]} particles, expected {self.n_generator}")
        if om.shape[-1] != self.n_critic_particles:
            raise InputError(
                f"omega has {om.shape[-1]} particles, expected {self.n_critic_particles}"
            )
        return th, om

    def energy(self, theta: Any, omega: Any) -> np.ndarray:
        """The conserved energy ``mean_i G(theta_i) + omegabar^2 / (2 gamma)``.

        Works on single states ``(N,), (M,)`` and on stacks ``(S, N), (S, M)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(latent="logistic", gamma=10.0)
        >>> float(toy.energy([0.0], [2.0]))  # cosh(0) + 2^2 / (2 gamma)
        1.2
        >>> sol = toy.limit_ode(theta0=[1.0], omega0=[0.0], t_end=5.0)
        >>> bool(np.ptp(toy.energy(sol.theta, sol.omega)) < 1e-8)  # conserved along the limit ODE
        True
        """
        th, om = self._check(theta, omega)
        return self.potential(th).mean(axis=-1) + om.mean(axis=-1) ** 2 / (2 * self.gamma)

    def payoff(self, theta: Any, omega: Any) -> np.ndarray:
        """``Psi = (1/2 - Fbar) omegabar``.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(latent="logistic")
        >>> float(toy.payoff([0.0], [3.0]))  # F(0) = 1/2: the generator matches the target, Psi = 0
        0.0
        >>> round(float(toy.payoff([20.0], [1.0])), 6)  # all mass on -1: Psi = (1/2 - 1) * 1
        -0.5
        """
        th, om = self._check(theta, omega)
        return (0.5 - self.cdf(th).mean(axis=-1)) * om.mean(axis=-1)

    def velocities(self, theta: Any, omega: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(theta', omega')`` of the limit ODE.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(latent="logistic", gamma=2.0)
        >>> theta_dot, omega_dot = toy.velocities([0.0], [1.0])
        >>> # theta' = F'(0) omega = 1/4, omega' = gamma (1/2 - F(0)) = 0
        >>> theta_dot.tolist(), omega_dot.tolist()
        ([0.25], [0.0])
        """
        th, om = self._check(theta, omega)
        vt = self.pdf(th) * om.mean()
        vo = np.full(om.shape, self.gamma * (0.5 - self.cdf(th).mean()))
        return vt, vo

    # ------------------------------------------------------------------ dynamics
    def limit_ode(
        self,
        *,
        theta0: Any,
        omega0: Any,
        t_end: float,
        n_points: int = 201,
        rtol: float = 1e-11,
        atol: float = 1e-12,
    ) -> ToyTrajectory:
        """Solve the limit ODE with :func:`scipy.integrate.solve_ivp` (DOP853).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(latent="logistic", gamma=1.0)
        >>> sol = toy.limit_ode(theta0=[1.0], omega0=[0.0], t_end=30.0, n_points=3001)
        >>> sol.theta.shape, sol.omega.shape
        ((3001, 1), (3001, 1))
        >>> # a periodic orbit: theta swings from 1 to -1 and back (cosh is even)
        >>> round(float(sol.theta.min()), 6), round(float(sol.theta.max()), 6)
        (-1.0, 1.0)
        """
        from scipy.integrate import solve_ivp

        th0, om0 = self._check(theta0, omega0)
        N = self.n_generator
        t_end = positive_float(t_end, "t_end")

        def rhs(_t: float, y: np.ndarray) -> np.ndarray:
            vt, vo = self.velocities(y[:N], y[N:])
            return np.concatenate([vt, vo])

        t_eval = np.linspace(0.0, t_end, positive_int(n_points, "n_points"))
        with np.errstate(under="ignore"):  # scipy's step-size floor uses nextafter
            sol = solve_ivp(
                rhs,
                (0.0, t_end),
                np.concatenate([th0, om0]),
                method="DOP853",
                t_eval=t_eval,
                rtol=rtol,
                atol=atol,
            )
        theta, omega = sol.y[:N].T, sol.y[N:].T
        return ToyTrajectory(
            times=sol.t, theta=theta, omega=omega, energy=self.energy(theta, omega)
        )

    def init_particles(
        self, *, seed: int | np.random.Generator | None = None, spread: float = 0.5
    ) -> tuple[np.ndarray, np.ndarray]:
        """Normal initial particles: ``theta ~ N(1, spread^2)``, ``omega ~ N(0, spread^2)``.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> theta, omega = ToyGAN(n_generator=1000).init_particles(seed=0, spread=0.1)
        >>> theta.shape, omega.shape, round(float(theta.mean()), 1), round(float(theta.std()), 1)
        ((1000,), (1,), 1.0, 0.1)
        """
        rng = as_generator(seed)
        return (
            1.0 + spread * rng.standard_normal(self.n_generator),
            spread * rng.standard_normal(self.n_critic_particles),
        )

    def _start(self, init: Any, seed: int | np.random.Generator | None, records: int) -> _ToyState:
        if init is None:
            th, om = self.init_particles(seed=seed)
        else:
            th, om = self._check(*init)
            th, om = th.copy(), om.copy()
        return _ToyState(theta=th, omega=om, thetas=[], omegas=[], energies=[])

    def _draw(self, state: _ToyState) -> tuple[np.ndarray, ...]:
        return ()  # exact expectations: nothing random

    def _advance(
        self,
        state: _ToyState,
        batch: tuple[np.ndarray, ...],
        start: int,
        stop: int,
        losses: Mapping[str, np.ndarray],
    ) -> int:
        dt, g = self.dt, self.gamma
        th, om = state.theta, state.omega
        for i in range(stop - start):
            losses["payoff"][i] = float(self.payoff(th, om))
            if self.scheme == "simultaneous":
                vt, vo = self.velocities(th, om)
                th = th + dt * vt
                om = om + dt * vo
            else:
                om = om + dt * g * (0.5 - self.cdf(th).mean())
                th = th + dt * self.pdf(th) * om.mean()
            state.theta, state.omega = th, om
            if not (np.isfinite(th).all() and np.isfinite(om).all()):
                return i
        return -1

    def _record(self, state: _ToyState) -> None:
        state.thetas.append(state.theta.copy())
        state.omegas.append(state.omega.copy())
        state.energies.append(float(self.energy(state.theta, state.omega)))

    def _last_metrics(self, state: _ToyState) -> Mapping[str, float]:
        return {"energy": state.energies[-1]}

    def _result(
        self, state: _ToyState, marks: np.ndarray, losses: dict[str, np.ndarray]
    ) -> ParticleRun:
        theta_s, omega_s = np.stack(state.thetas), np.stack(state.omegas)
        return ParticleRun(
            model=self,
            times=marks * self.dt,
            steps=marks,
            generator=theta_s,
            critic=omega_s,
            losses=losses,
            metrics={"energy": np.asarray(state.energies)},
        )
