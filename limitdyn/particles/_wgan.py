"""Delgadino's mean-field WGAN: N generator and M critic particles.

Networks (Delgadino, "GANs: dynamics and mode collapse", 2024):

- generator ``g(z) = (1/N) sum_i sigma(z; theta_i)`` with
  ``sigma(z; theta_i)_k = a_i^k act(b_i^k . z + c_i^k)``, ``theta_i`` stored as an
  array ``(K, L + 2)``: ``[k, 0] = a``, ``[k, 1:L+1] = b``, ``[k, L+1] = c``;
- critic ``f(x) = (1/M) sum_j alpha_j act(beta_j . x + gamma_j)``, ``omega_j`` stored as
  ``(K + 2,)``: ``[0] = alpha``, ``[1:K+1] = beta``, ``[K+1] = gamma``.

``act`` is the sigmoid by default (tanh and ReLU as options).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._engine import Engine, get_engine
from .._validate import (
    as_generator,
    check_memory,
    non_negative_int,
    one_of,
    positive_float,
    positive_int,
)
from ..errors import InputError
from . import _wgan_run
from ._base import ParticleModel
from ._driver import RNG_BLOCK
from ._jko import JKOSolver, as_scheme, as_solver
from ._kernel_api import ParticleKernels, WGANHyper, kernels
from ._options import (
    ACTIVATIONS,
    OPTIMIZERS,
    RMSPROP_NORMS,
    SCALINGS,
    activation_code,
    resolve_dtype,
)
from ._run import ParticleRun
from ._targets import Target
from ._util import (
    critic_layout,
    feature_major,
    generator_layout,
    generator_particles,
    network_params,
)
from ._wgan_run import _WGANState

__all__ = ["WGAN"]


@dataclass(frozen=True, eq=False, repr=False, init=False)
class WGAN(ParticleModel[_WGANState]):
    """Mean-field WGAN (Arjovsky et al. 2017, in Delgadino's mean-field reading).

    Each step runs ``n_critic`` critic substeps, each on a fresh batch of ``batch``
    data points and latent samples, ascending the critic's objective
    ``D = (1/m) sum_r f(x_r) - (1/m) sum_r f(g(z_r))`` and projecting the critic
    particles on ``Q = [-clip, clip]^(K+2)``; then one generator step on a fresh
    latent batch ascending ``(1/m) sum_r f(g(z_r))``.

    Scalings (``v`` a particle velocity, ``N`` resp. ``M`` times the gradient of the
    network objective with respect to that particle):

    - ``"mean-field"``: ``theta_i += dt * u_i`` with ``dt = lr / N``, and each critic
      substep ``omega_j += (gamma_c dt / n_critic) u_j = (lr / M) u_j`` with
      ``gamma_c = n_critic N / M``; time ``t = steps * lr / N``, so runs with
      different ``N`` share one time axis. ``u = v`` for SGD and RMSProp's normalised
      ``v / (sqrt(E v^2) + eps)`` for RMSProp.
    - ``"raw"``: the algorithm as printed, ``w += lr * opt(grad)`` on the network
      gradients (``v / N``, ``v / M``); time is the cumulative learning rate
      ``steps * lr``. With SGD the iterates coincide with the mean-field ones (only the
      time axis differs by ``N``); with RMSProp each particle moves by about ``lr``
      per step instead of ``lr / N``.

    Two time scales: ``critic_lr`` (or ``gamma_c``) gives the critic its own learning
    rate ``alpha_c`` in place of ``lr`` in its update (mean-field: ``omega_j +=
    (alpha_c / M) u_j``; raw: ``w += alpha_c opt(grad)``), so that
    ``gamma_c = n_critic N alpha_c / (M lr)``. RMSProp normalises per coordinate
    (``rmsprop_norm="coordinate"``, Tieleman and Hinton) or, as on Delgadino's slides,
    per particle (``"particle"``): ``ms_i = rho ms_i + (1 - rho) |v_i|^2`` with
    ``|v_i|^2`` the squared Euclidean norm of particle ``i``'s velocity over all its
    coordinates, and ``u_i = v_i / (sqrt(ms_i) + eps)``, so a particle keeps the
    direction of its velocity.

    Memory: a model whose run would need more than
    :data:`~limitdyn._validate.MEMORY_LIMIT` (16 GiB, a fixed cap) for its
    particles, optimizer state, random batches and evaluation samples is refused when it
    is built, and a run whose snapshots would exceed it when it starts, before anything
    is allocated.

    A WGAN is a frozen configuration: :func:`dataclasses.replace` (or :meth:`replace`)
    gives a changed copy, validated again. :meth:`run` returns a :class:`ParticleRun`
    with losses ``"critic"`` (the batch estimate of ``E f(x) - E f(g(z))``) and
    ``"generator"`` (``E f(g(z))``); metrics ``"sliced_w2"`` (to target samples),
    ``"modes_captured"`` and ``"high_quality"`` when the target has modes,
    ``"critic_boundary"`` (fraction of critic particles on the boundary of ``Q``) and
    ``"critic_spread"`` (RMS distance to their mean).

    Parameters
    ----------
    n_generator, n_critic_particles : int
        ``N`` and ``M``.
    data_dim, latent_dim : int
        ``K`` and ``L``.
    target : Target
        The data distribution (see :func:`ring`, :func:`grid`, :func:`sampler`, ...).
    lr : float
        Learning rate ``alpha`` (default 5e-5 as in Arjovsky et al.).
    critic_lr : float, optional
        The critic's learning rate (default ``lr``).
    gamma_c : float, optional
        The critic's time scale, instead of ``critic_lr``: ``critic_lr = gamma_c lr M /
        (n_critic N)`` (give at most one of them; stored as ``critic_lr``).
    n_critic : int
        Critic substeps per generator step.
    clip : float or None
        Clipping parameter ``c``; None for no projection.
    batch : int
        Batch size ``m``.
    optimizer : {"sgd", "rmsprop"}
    scaling : {"mean-field", "raw"}
    activation : {"sigmoid", "tanh", "relu"}
    rmsprop_decay, rmsprop_eps : float
        RMSProp's ``rho`` in ``ms = rho ms + (1 - rho) g^2`` and its ``eps``.
    rmsprop_norm : {"coordinate", "particle"}
        RMSProp's second moment per coordinate or per particle (see above).
    init_scale : float
        Standard deviation of the generator's initial parameters (i.i.d. normal); the
        critic starts uniform on ``Q`` (normal with this deviation without clipping).
    engine : {"auto", "numpy", "numba"} or Engine
        Stored as the resolved :class:`~limitdyn._engine.Engine`.
    dtype : {"float64", "float32"}
        Storage and arithmetic precision (float64 by default, see ``docs/performance.rst``).
        float32 is about 1.35x faster but loses every update smaller than half an ulp of
        the parameter: at ``lr=1e-3`` the generator's updates (about 1e-11) are all lost
        and it does not move (``benchmarks/particles_float32.py``); use it only where the
        updates are large against ``6e-8`` times the parameters.
    threads : int, optional
        Threads of the numba engine.
    n_eval : int
        Samples used for the metrics at each snapshot (0 for none).
    scheme : {"explicit", "implicit"}
        ``"implicit"``: the generator's step is its minimising movement (JKO step) at the
        new critic, ``theta' = theta + dt V(theta'; omega, z)``, solved per step by
        ``solver``; the critic's substeps stay explicit (SGD only; see
        :mod:`limitdyn.particles._jko`).
    solver : JKOSolver or {"newton", "fixed-point"}
        The implicit step's solver and tolerance (ignored by the explicit scheme).

    Raises
    ------
    InputError
        For an invalid argument, naming it; for sizes whose run would need more memory
        than the cap, with the memory they would need; for ``scheme="implicit"`` with
        RMSProp.
    SolverError
        (from :meth:`run`) When an implicit step does not converge.

    Examples
    --------
    >>> from limitdyn.particles import WGAN, ring
    >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
    ...              target=ring(8), lr=0.1, batch=16, engine="numpy", n_eval=64)
    >>> model.dt, model.gamma_c
    (0.005, 10.0)
    >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
    >>> run.times.tolist(), run.generator.shape, run.critic.shape
    ([0.0, 0.01, 0.02], (3, 20, 2, 4), (3, 10, 4))
    >>> bool(np.abs(run.critic).max() <= 0.01)
    True
    >>> model.replace(n_generator=40).dt
    0.0025

    Two time scales and RMSProp per particle:

    >>> slow = model.replace(critic_lr=0.01, optimizer="rmsprop", rmsprop_norm="particle")
    >>> slow.gamma_c, model.replace(gamma_c=2.5).critic_lr
    (1.0, 0.025)
    >>> WGAN(n_generator=10**9, n_critic_particles=10, data_dim=2, latent_dim=2,
    ...      target=ring(8), engine="numpy")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: WGAN(n_generator=1000000000, n_critic_particles=10, \
data_dim=2, latent_dim=2, batch=64, n_critic=5, n_eval=512) would need about 178.8 GiB \
of memory, more than the limit of 16.0 GiB; use fewer particles or smaller batches
    """

    name: ClassVar[str] = "WGAN"
    loss_names: ClassVar[tuple[str, ...]] = ("critic", "generator")

    n_generator: int
    n_critic_particles: int
    data_dim: int
    latent_dim: int
    target: Target
    lr: float
    critic_lr: float | None
    n_critic: int
    clip: float | None
    batch: int
    optimizer: str
    scaling: str
    activation: str
    rmsprop_decay: float
    rmsprop_eps: float
    rmsprop_norm: str
    init_scale: float
    engine: Engine
    dtype: np.dtype
    threads: int | None
    n_eval: int
    scheme: str
    solver: JKOSolver

    def __init__(
        self,
        *,
        n_generator: int,
        n_critic_particles: int,
        data_dim: int,
        latent_dim: int,
        target: Target,
        lr: float = 5e-5,
        critic_lr: float | None = None,
        gamma_c: float | None = None,
        n_critic: int = 5,
        clip: float | None = 0.01,
        batch: int = 64,
        optimizer: str = "sgd",
        scaling: str = "mean-field",
        activation: str = "sigmoid",
        rmsprop_decay: float = 0.99,
        rmsprop_eps: float = 1e-8,
        rmsprop_norm: str = "coordinate",
        init_scale: float = 1.0,
        engine: str | Engine = "auto",
        dtype: Any = "float64",
        threads: int | None = None,
        n_eval: int = 512,
        scheme: str = "explicit",
        solver: str | JKOSolver = "newton",
    ) -> None:
        data_dim = positive_int(data_dim, "data_dim")
        if not isinstance(target, Target):
            raise InputError(
                f"target must be a Target (ring, grid, diracs, gaussian_mixture, sampler), "
                f"got {type(target).__name__}"
            )
        if target.dim != data_dim:
            raise InputError(f"target has dimension {target.dim}, but data_dim={data_dim}")
        decay = float(rmsprop_decay)
        if not 0 <= decay < 1:
            raise InputError(f"rmsprop_decay must lie in [0, 1), got {rmsprop_decay!r}")
        resolved = get_engine(engine, threads=threads)
        if critic_lr is not None and gamma_c is not None:
            raise InputError(
                f"give at most one of critic_lr= and gamma_c=, got critic_lr={critic_lr!r} "
                f"and gamma_c={gamma_c!r}"
            )
        values = dict(
            n_generator=positive_int(n_generator, "n_generator"),
            n_critic_particles=positive_int(n_critic_particles, "n_critic_particles"),
            data_dim=data_dim,
            latent_dim=positive_int(latent_dim, "latent_dim"),
            target=target,
            lr=positive_float(lr, "lr"),
            critic_lr=None if critic_lr is None else positive_float(critic_lr, "critic_lr"),
            n_critic=positive_int(n_critic, "n_critic"),
            clip=None if clip is None else positive_float(clip, "clip"),
            batch=positive_int(batch, "batch"),
            optimizer=one_of(optimizer, "optimizer", OPTIMIZERS),
            scaling=one_of(scaling, "scaling", SCALINGS),
            activation=one_of(activation, "activation", ACTIVATIONS),
            rmsprop_decay=decay,
            rmsprop_eps=positive_float(rmsprop_eps, "rmsprop_eps"),
            rmsprop_norm=one_of(rmsprop_norm, "rmsprop_norm", RMSPROP_NORMS),
            init_scale=positive_float(init_scale, "init_scale"),
            engine=resolved,
            dtype=resolve_dtype(dtype),
            threads=resolved.threads,
            n_eval=non_negative_int(n_eval, "n_eval"),
            scheme=as_scheme(scheme, optimizer=optimizer),
            solver=as_solver(solver),
        )
        if gamma_c is not None:
            g = positive_float(gamma_c, "gamma_c")
            n, m = int(n_generator), int(n_critic_particles)  # validated above
            values["critic_lr"] = g * float(lr) * m / (int(n_critic) * n)
        for key, value in values.items():
            object.__setattr__(self, key, value)
        check_memory(
            self._run_bytes(records=0),
            f"WGAN(n_generator={self.n_generator}, n_critic_particles="
            f"{self.n_critic_particles}, data_dim={self.data_dim}, latent_dim="
            f"{self.latent_dim}, batch={self.batch}, n_critic={self.n_critic}, "
            f"n_eval={self.n_eval})",
            hint="use fewer particles or smaller batches",
        )

    def __repr__(self) -> str:
        critic = "" if self.critic_lr is None else f", critic_lr={self.critic_lr:g}"
        opt = self.optimizer
        if opt == "rmsprop" and self.rmsprop_norm != "coordinate":
            opt = f"rmsprop per {self.rmsprop_norm}"
        return (
            f"WGAN(N={self.n_generator}, M={self.n_critic_particles}, K={self.data_dim}, "
            f"L={self.latent_dim}, lr={self.lr:g}{critic}, n_critic={self.n_critic}, "
            f"clip={self.clip}, batch={self.batch}, {opt}, {self.scaling}, "
            f"{self.activation}{', implicit' if self.scheme == 'implicit' else ''}, "
            f"engine={self.engine.name})"
        )

    def _run_bytes(self, records: int) -> float:
        """Bytes a run with ``records`` snapshots allocates (particles, optimizer state,
        gradients, one block of random batches, kernel buffers, evaluation samples and
        the float64 snapshots)."""
        N, M, K, L = self.n_generator, self.n_critic_particles, self.data_dim, self.latent_dim
        m, nc, item = self.batch, self.n_critic, self.dtype.itemsize
        gen, crit = float(N) * K * (L + 2), float(M) * (K + 2)
        state = 3 * (gen + crit)  # particles, second moments, gradients
        batches = RNG_BLOCK * m * (nc * (L + K) + L) * 2  # drawn in float64, then cast
        buffers = 4 * m * K + m
        evaluation = self.n_eval * (L + 2 * K) + 64 * K
        snapshots = records * (gen + crit) * 8
        return (state + batches + buffers + evaluation) * item + snapshots

    def replace(self, **changes: Any) -> WGAN:
        """A copy with some constructor arguments changed (:func:`dataclasses.replace`);
        ``gamma_c=`` replaces the critic's learning rate.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=4, n_critic_particles=4, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> model.replace(clip=0.05).clip, model.clip
        (0.05, 0.01)
        """
        if "gamma_c" in changes and "critic_lr" not in changes:
            changes["critic_lr"] = None
        return dataclasses.replace(self, **changes)

    def resized(self, n: int) -> WGAN:
        """``n`` generator particles, ``M`` scaled to keep ``gamma_c = n_critic N / M``.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> m = WGAN(n_generator=10, n_critic_particles=4, data_dim=2, latent_dim=1,
        ...          target=ring(), engine="numpy")
        >>> big = m.resized(25)
        >>> big.n_generator, big.n_critic_particles
        (25, 10)
        """
        n = positive_int(n, "n")
        m = max(1, round(self.n_critic_particles * n / self.n_generator))
        return self.replace(n_generator=n, n_critic_particles=m)

    # ------------------------------------------------------------------ scalings
    @property
    def dt(self) -> float:
        """Time per step: ``lr / N`` (mean-field) or ``lr`` (raw)."""
        return self.lr / self.n_generator if self.scaling == "mean-field" else self.lr

    @property
    def gamma_c(self) -> float:
        """The critic's time scale ``gamma_c = n_critic N alpha_c / (M lr)`` (``n_critic N
        / M`` when the critic shares the learning rate)."""
        ratio = 1.0 if self.critic_lr is None else self.critic_lr / self.lr
        return self.n_critic * self.n_generator / self.n_critic_particles * ratio

    @property
    def kind(self) -> int:
        """The kernels' code of the activation."""
        return activation_code(self.activation)

    @property
    def critic_coordinate_names(self) -> list[str]:
        """Names of the critic particle coordinates."""
        return ["alpha"] + [f"beta_{k + 1}" for k in range(self.data_dim)] + ["gamma"]

    def _hyper(self) -> WGANHyper:
        N, M = self.n_generator, self.n_critic_particles
        lr_c = self.lr if self.critic_lr is None else self.critic_lr
        if self.scaling == "mean-field":
            eta_g, eta_c, gs_g, gs_c = self.lr / N, lr_c / M, 1.0, 1.0
        else:
            eta_g, eta_c, gs_g, gs_c = self.lr, lr_c, 1.0 / N, 1.0 / M
        work = self.batch * max(N * self.data_dim, M)
        return WGANHyper(
            kind=self.kind,
            eta_g=eta_g,
            eta_c=eta_c,
            gscale_g=gs_g,
            gscale_c=gs_c,
            rms=self.optimizer == "rmsprop",
            rho=self.rmsprop_decay,
            eps=self.rmsprop_eps,
            clip=-1.0 if self.clip is None else self.clip,
            parallel=self.engine.use_parallel(work),
            per_particle=self.rmsprop_norm == "particle",
        )

    # ------------------------------------------------------------------ layouts
    @property
    def generator_shape(self) -> tuple[int, int, int]:
        """Shape ``(N, K, L + 2)`` of the generator particles."""
        return (self.n_generator, self.data_dim, self.latent_dim + 2)

    @property
    def critic_shape(self) -> tuple[int, int]:
        """Shape ``(M, K + 2)`` of the critic particles."""
        return (self.n_critic_particles, self.data_dim + 2)

    def _particle_shapes(self) -> tuple[tuple[int, ...], ...]:
        return (self.generator_shape, self.critic_shape)

    @property
    def _kernels(self) -> ParticleKernels:
        return kernels(self.engine)

    def _in_force(self) -> AbstractContextManager[Any]:
        return self.engine.threads_in_force()

    def init_particles(
        self, *, seed: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """I.i.d. initial particles ``(theta (N, K, L+2), omega (M, K+2))``.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> m = WGAN(n_generator=3, n_critic_particles=2, data_dim=2, latent_dim=1,
        ...          target=ring(), engine="numpy")
        >>> [a.shape for a in m.init_particles(seed=0)]
        [(3, 2, 3), (2, 4)]
        """
        rng = as_generator(seed)
        theta = self.init_scale * rng.standard_normal(self.generator_shape)
        if self.clip is not None:
            omega = rng.uniform(-self.clip, self.clip, size=self.critic_shape)
        else:
            omega = self.init_scale * rng.standard_normal(self.critic_shape)
        return theta, omega

    # ------------------------------------------------------------------ evaluation
    def _latent(self, n: int | None, z: Any, seed: Any) -> np.ndarray:
        if z is None:
            if n is None:
                raise InputError("give n= or z=")
            return as_generator(seed).standard_normal((positive_int(n, "n"), self.latent_dim))
        za = np.asarray(z, dtype=np.float64)
        if za.ndim != 2 or za.shape[1] != self.latent_dim:
            raise InputError(f"z has shape {za.shape}, expected (n, {self.latent_dim})")
        return za

    def _points(self, x: Any) -> np.ndarray:
        xa = np.asarray(x, dtype=np.float64)
        if xa.ndim != 2 or xa.shape[1] != self.data_dim:
            raise InputError(f"x has shape {xa.shape}, expected (n, {self.data_dim})")
        return xa

    def generate(
        self,
        theta: Any,
        *,
        n: int | None = None,
        z: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> np.ndarray:
        """Generator samples ``g(z)``, shape ``(n, K)``, for ``z ~ N(0, I_L)`` or given ``z``.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> m = WGAN(n_generator=3, n_critic_particles=2, data_dim=2, latent_dim=1,
        ...          target=ring(), engine="numpy")
        >>> theta = np.zeros(m.generator_shape)   # a = 0: every output is 0
        >>> m.generate(theta, n=4, seed=0).tolist()
        [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
        """
        th = network_params(theta, "theta", self.generator_shape)
        za = self._latent(n, z, seed)
        out = np.empty((self.data_dim, za.shape[0]), dtype=self.dtype)
        with self._in_force():
            self._kernels.gen_forward(
                generator_layout(th, self.dtype), feature_major(za, self.dtype), self.kind, out
            )
        return out.T.astype(np.float64)

    def sample_outputs(
        self, particles: Any, n: int, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """``n`` generator samples at ``particles = theta`` (see :meth:`generate`).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=4, n_critic_particles=4, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> theta, _ = model.init_particles(seed=0)
        >>> g = model.sample_outputs(theta, 6, seed=0)
        >>> g.shape, bool(np.array_equal(g, model.sample_outputs(theta, 6, seed=0)))
        ((6, 2), True)
        """
        return self.generate(particles, n=n, seed=seed)

    def target_samples(
        self, n: int, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """``n`` samples of the target.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=4, n_critic_particles=4, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> x = model.target_samples(500, seed=0)
        >>> # 8 Gaussians on the circle of radius 2
        >>> x.shape, bool(np.allclose(np.hypot(*x.T), 2.0, atol=0.1))
        ((500, 2), True)
        """
        return self.target.sample(n, seed=seed)

    def critic_value(self, omega: Any, x: Any) -> np.ndarray:
        """Critic values ``f(x)``, shape ``(n,)``.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> m = WGAN(n_generator=3, n_critic_particles=1, data_dim=2, latent_dim=1,
        ...          target=ring(), engine="numpy")
        >>> m.critic_value([[2.0, 0.0, 0.0, 0.0]], [[5.0, 1.0]]).tolist()  # 2 sigmoid(0)
        [1.0]
        """
        om = network_params(omega, "omega", self.critic_shape)
        xa = self._points(x)
        E = np.empty((self.data_dim, xa.shape[0]), dtype=self.dtype)
        F = np.empty(xa.shape[0], dtype=self.dtype)
        with self._in_force():
            self._kernels.critic_input_grad(
                critic_layout(om, self.dtype), feature_major(xa, self.dtype), self.kind, E, F
            )
        return F.astype(np.float64)

    def objective(self, theta: Any, omega: Any, x: Any, z: Any) -> float:
        """The critic's batch objective ``D = mean f(x) - mean f(g(z))``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=4, n_critic_particles=3, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> theta, omega = model.init_particles(seed=0)
        >>> x, z = model.target_samples(16, seed=1), np.random.default_rng(2).standard_normal((16,
        ...                                                                                    2))
        >>> gz = model.generate(theta, z=z)
        >>> D = model.critic_value(omega, x).mean() - model.critic_value(omega, gz).mean()
        >>> bool(np.isclose(model.objective(theta, omega, x, z), D))
        True
        """
        return float(
            self.critic_value(omega, x).mean()
            - self.critic_value(omega, self.generate(theta, z=z)).mean()
        )

    def velocities(self, theta: Any, omega: Any, x: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
        """Particle velocities on one batch.

        Returns ``(v_theta, v_omega)`` with ``v_omega[j] = M dD/d omega_j`` (the critic
        ascends ``D``) and ``v_theta[i] = N d/d theta_i mean f(g(z))`` (the generator
        ascends ``mean f(g(z))``, i.e. descends ``D``).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=4, n_critic_particles=3, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> theta, omega = model.init_particles(seed=0)
        >>> x, z = model.target_samples(16, seed=1), np.random.default_rng(2).standard_normal((16,
        ...                                                                                    2))
        >>> v_theta, v_omega = model.velocities(theta, omega, x, z)
        >>> v_theta.shape, v_omega.shape
        ((4, 2, 4), (3, 4))
        >>> # v_omega[j] = M dD/d omega_j, against a central difference
        >>> e = np.zeros_like(omega)
        >>> e[1, 0] = 1e-6
        >>> fd = (model.objective(theta, omega + e, x, z) - model.objective(theta, omega - e, x,
        ...                                                                 z)) / 2e-6
        >>> bool(np.isclose(v_omega[1, 0], model.n_critic_particles * fd, rtol=1e-6))
        True
        """
        th = network_params(theta, "theta", self.generator_shape)
        om = network_params(omega, "omega", self.critic_shape)
        xa = self._points(x)
        za = self._latent(None, z, None)
        P, W = generator_layout(th, self.dtype), critic_layout(om, self.dtype)
        Z, X = feature_major(za, self.dtype), feature_major(xa, self.dtype)
        G = np.empty((self.data_dim, Z.shape[1]), dtype=self.dtype)
        GW = np.empty_like(W)
        E = np.empty_like(G)
        F = np.empty(G.shape[1], dtype=self.dtype)
        GP = np.empty_like(P)
        k = self._kernels
        with self._in_force():
            k.gen_forward(P, Z, self.kind, G)
            k.critic_grad(W, X, G, 1.0 / X.shape[1], -1.0 / Z.shape[1], self.kind, GW)
            k.critic_input_grad(W, G, self.kind, E, F)
            k.gen_backward(P, Z, E, self.kind, GP)
        return generator_particles(GP), GW.T.astype(np.float64)

    # ------------------------------------------------------------------ running
    # the run hooks of ParticleModel, in limitdyn/particles/_wgan_run.py
    def _start(self, init: Any, seed: int | np.random.Generator | None, records: int) -> _WGANState:
        return _wgan_run.start(self, init, seed, records)

    def _draw(self, state: _WGANState) -> tuple[np.ndarray, ...]:
        return _wgan_run.draw(self, state)

    def _advance(
        self,
        state: _WGANState,
        batch: tuple[np.ndarray, ...],
        start: int,
        stop: int,
        losses: Mapping[str, np.ndarray],
    ) -> int:
        return _wgan_run.advance(self, state, batch, start, stop, losses)

    def _record(self, state: _WGANState) -> None:
        _wgan_run.record(self, state)

    def _last_metrics(self, state: _WGANState) -> Mapping[str, float]:
        return _wgan_run.last_metrics(self, state)

    def _result(
        self, state: _WGANState, marks: np.ndarray, losses: dict[str, np.ndarray]
    ) -> ParticleRun:
        return _wgan_run.result(self, state, marks, losses)
