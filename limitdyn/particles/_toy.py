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

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import DivergenceError, InputError
from ._run import ParticleRun
from ._util import as_generator, choice, positive_float, positive_int

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

    def __repr__(self) -> str:
        return (
            f"ToyTrajectory(points={self.times.size}, t_end={self.times[-1]:.4g}, "
            f"N={self.theta.shape[1]}, M={self.omega.shape[1]}, "
            f"energy drift={float(np.ptp(self.energy)):.2e})"
        )


class ToyGAN:
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

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> toy = ToyGAN(latent="logistic", gamma=1.0)
    >>> round(float(toy.energy([0.0], [1.0])), 12)
    1.5
    >>> sol = toy.limit_ode(theta0=[0.5], omega0=[0.0], t_end=10.0)
    >>> bool(np.ptp(sol.energy) < 1e-8)
    True
    """

    _name: ClassVar[str] = "ToyGAN"

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
        self.n_generator = positive_int(n_generator, "n_generator")
        self.n_critic_particles = positive_int(n_critic_particles, "n_critic_particles")
        self.gamma = positive_float(gamma, "gamma")
        self.lr = positive_float(lr, "lr")
        self.latent = choice(latent, "latent", LATENTS)
        self.scheme = choice(scheme, "scheme", SCHEMES)

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
        """``F(theta)``, the latent law's CDF (the mass sent to ``-1``)."""
        from scipy.special import expit, ndtr

        th = np.asarray(theta, dtype=np.float64)
        return expit(th) if self.latent == "logistic" else ndtr(th)

    def pdf(self, theta: Any) -> np.ndarray:
        """``F'(theta)``."""
        from scipy.special import expit

        th = np.asarray(theta, dtype=np.float64)
        if self.latent == "logistic":
            return expit(th) * expit(-th)
        return np.exp(-0.5 * th * th) / np.sqrt(2 * np.pi)

    def potential(self, theta: Any) -> np.ndarray:
        """``G(theta) = 1 + int_0^theta (F(s) - 1/2) / F'(s) ds`` (``cosh`` for logistic z)."""
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
        """
        th, om = self._check(theta, omega)
        return self.potential(th).mean(axis=-1) + om.mean(axis=-1) ** 2 / (2 * self.gamma)

    def payoff(self, theta: Any, omega: Any) -> np.ndarray:
        """``Psi = (1/2 - Fbar) omegabar``."""
        th, om = self._check(theta, omega)
        return (0.5 - self.cdf(th).mean(axis=-1)) * om.mean(axis=-1)

    def velocities(self, theta: Any, omega: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(theta', omega')`` of the limit ODE."""
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
        """Solve the limit ODE with :func:`scipy.integrate.solve_ivp` (DOP853)."""
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
        self, seed: int | np.random.Generator | None = None, *, spread: float = 0.5
    ) -> tuple[np.ndarray, np.ndarray]:
        """Normal initial particles: ``theta ~ N(1, spread^2)``, ``omega ~ N(0, spread^2)``."""
        rng = as_generator(seed)
        return (
            1.0 + spread * rng.standard_normal(self.n_generator),
            spread * rng.standard_normal(self.n_critic_particles),
        )

    def run(
        self,
        *,
        steps: int | None = None,
        t_end: float | None = None,
        record_every: int | None = None,
        seed: int | np.random.Generator | None = None,
        progress: bool | None = None,
        init: tuple[Any, Any] | None = None,
    ) -> ParticleRun:
        """Iterate gradient descent-ascent (exact expectations, no sampling noise).

        Returns a :class:`ParticleRun` with ``generator (S, N)``, ``critic (S, M)``,
        loss ``"payoff"`` (``Psi``) and metric ``"energy"``.
        """
        from ._models import _record_steps, _steps_from

        del progress  # the toy iterations are instantaneous
        n_steps = _steps_from(steps, t_end, self.dt)
        marks = _record_steps(n_steps, record_every)
        if init is None:
            th, om = self.init_particles(seed)
        else:
            th, om = self._check(*init)
            th, om = th.copy(), om.copy()
        dt, g = self.dt, self.gamma
        thetas, omegas, payoff = [th.copy()], [om.copy()], [np.nan]
        done = 0
        for target in marks[1:]:
            acc = 0.0
            for _ in range(target - done):
                acc += float(self.payoff(th, om))
                if self.scheme == "simultaneous":
                    vt, vo = self.velocities(th, om)
                    th = th + dt * vt
                    om = om + dt * vo
                else:
                    om = om + dt * g * (0.5 - self.cdf(th).mean())
                    th = th + dt * self.pdf(th) * om.mean()
                done += 1
                if not (np.isfinite(th).all() and np.isfinite(om).all()):
                    raise DivergenceError(
                        "ToyGAN iterates are not finite", step=done, time=done * dt
                    )
            payoff.append(acc / max(target - marks[len(thetas) - 1], 1))
            thetas.append(th.copy())
            omegas.append(om.copy())
        theta_s, omega_s = np.stack(thetas), np.stack(omegas)
        marks_a = np.asarray(marks)
        return ParticleRun(
            model=self,
            times=marks_a * dt,
            steps=marks_a,
            generator=theta_s,
            critic=omega_s,
            losses={"payoff": np.asarray(payoff)},
            metrics={"energy": self.energy(theta_s, omega_s)},
        )
