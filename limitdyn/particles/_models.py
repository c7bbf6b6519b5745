"""Mean-field particle models: Delgadino's WGAN and the supervised two-layer network.

Networks (Delgadino, "GANs: dynamics and mode collapse", 2024):

- generator ``g(z) = (1/N) sum_i sigma(z; theta_i)`` with
  ``sigma(z; theta_i)_k = a_i^k act(b_i^k . z + c_i^k)``, ``theta_i`` stored as an
  array ``(K, L + 2)``: ``[k, 0] = a``, ``[k, 1:L+1] = b``, ``[k, L+1] = c``;
- critic ``f(x) = (1/M) sum_j alpha_j act(beta_j . x + gamma_j)``, ``omega_j`` stored as
  ``(K + 2,)``: ``[0] = alpha``, ``[1:K+1] = beta``, ``[K+1] = gamma``.

``act`` is the sigmoid by default (tanh and ReLU as options).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .._progress import progress_bar
from ..errors import DivergenceError, InputError
from ._engine import ACTIVATIONS, Engine, activation_code, get_engine, resolve_dtype
from ._metrics import _directions, _sliced_pp, mode_coverage
from ._run import ParticleRun
from ._targets import Target
from ._util import as_generator, child_generators, choice, positive_float, positive_int

__all__ = ["WGAN", "TwoLayerRegression"]

OPTIMIZERS = ("sgd", "rmsprop")
SCALINGS = ("mean-field", "raw")
#: steps whose random batches are drawn together (fixed, so a run's randomness does
#: not depend on how often it records)
RNG_BLOCK = 16


def _steps_from(steps: Any, t_end: Any, dt: float) -> int:
    if (steps is None) == (t_end is None):
        raise InputError("give exactly one of steps= and t_end=")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise InputError(f"steps must be a non-negative integer, got {steps!r}")
        return int(steps)
    t = float(t_end)
    if not t >= 0 or not np.isfinite(t):
        raise InputError(f"t_end must be a finite non-negative number, got {t_end!r}")
    return round(t / dt)


def _record_steps(steps: int, record_every: Any) -> list[int]:
    if record_every is None:
        record_every = max(1, math.ceil(steps / 100))
    every = positive_int(record_every, "record_every")
    marks = list(range(0, steps + 1, every))
    if marks[-1] != steps:
        marks.append(steps)
    return marks


def _network_params(x: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.shape != shape:
        raise InputError(f"{name} has shape {a.shape}, expected {shape}")
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        raise InputError(f"{name}[{', '.join(str(int(i)) for i in bad[0])}] is not finite")
    return a


class _ParticleModel:
    """Shared driver: batches drawn in fixed blocks, snapshots, progress, divergence."""

    _name: ClassVar[str] = "model"

    engine: Engine
    dtype: np.dtype
    kind: int

    @property
    def dt(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _drive(
        self,
        *,
        steps: int,
        marks: list[int],
        rng: np.random.Generator,
        progress: bool | None,
        draw: Callable[[np.random.Generator], tuple[np.ndarray, ...]],
        advance: Callable[[tuple[np.ndarray, ...], int, int, dict[str, np.ndarray]], int],
        snapshot: Callable[[], None],
        loss_names: tuple[str, ...],
    ) -> dict[str, np.ndarray]:
        losses = {name: np.full(len(marks), np.nan) for name in loss_names}
        buffer: tuple[np.ndarray, ...] = ()
        pos = RNG_BLOCK
        done = 0
        snapshot()
        for mi in progress_bar(
            range(1, len(marks)), desc=self._name, total=len(marks) - 1, enabled=progress
        ):
            target = marks[mi]
            sums = dict.fromkeys(loss_names, 0.0)
            count = target - done
            while done < target:
                if pos == RNG_BLOCK:
                    buffer = draw(rng)
                    pos = 0
                n = min(RNG_BLOCK - pos, target - done)
                out = {name: np.empty(n) for name in loss_names}
                bad = advance(buffer, pos, pos + n, out)
                if bad >= 0:
                    step = done + bad + 1
                    raise DivergenceError(
                        f"{self._name} iterates are not finite", step=step, time=step * self.dt
                    )
                for name in loss_names:
                    sums[name] += float(out[name].sum())
                pos += n
                done += n
            for name in loss_names:
                losses[name][mi] = sums[name] / count
            snapshot()
        return losses


class WGAN(_ParticleModel):
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
    init_scale : float
        Standard deviation of the generator's initial parameters (i.i.d. normal); the
        critic starts uniform on ``Q`` (normal with this deviation without clipping).
    engine : {"auto", "numpy", "numba"}
    dtype : {"float64", "float32"}
        Storage and arithmetic precision (float64 by default, see PERFORMANCE.md).
    threads : int, optional
        Threads of the numba engine.
    n_eval : int
        Samples used for the metrics at each snapshot (0 for none).

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
    """

    _name: ClassVar[str] = "WGAN"

    def __init__(
        self,
        *,
        n_generator: int,
        n_critic_particles: int,
        data_dim: int,
        latent_dim: int,
        target: Target,
        lr: float = 5e-5,
        n_critic: int = 5,
        clip: float | None = 0.01,
        batch: int = 64,
        optimizer: str = "sgd",
        scaling: str = "mean-field",
        activation: str = "sigmoid",
        rmsprop_decay: float = 0.99,
        rmsprop_eps: float = 1e-8,
        init_scale: float = 1.0,
        engine: str = "auto",
        dtype: Any = "float64",
        threads: int | None = None,
        n_eval: int = 512,
    ) -> None:
        self.n_generator = positive_int(n_generator, "n_generator")
        self.n_critic_particles = positive_int(n_critic_particles, "n_critic_particles")
        self.data_dim = positive_int(data_dim, "data_dim")
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        if not isinstance(target, Target):
            raise InputError(
                f"target must be a Target (ring, grid, diracs, gaussian_mixture, sampler), "
                f"got {type(target).__name__}"
            )
        if target.dim != self.data_dim:
            raise InputError(f"target has dimension {target.dim}, but data_dim={self.data_dim}")
        self.target = target
        self.lr = positive_float(lr, "lr")
        self.n_critic = positive_int(n_critic, "n_critic")
        self.clip = None if clip is None else positive_float(clip, "clip")
        self.batch = positive_int(batch, "batch")
        self.optimizer = choice(optimizer, "optimizer", OPTIMIZERS)
        self.scaling = choice(scaling, "scaling", SCALINGS)
        self.activation = choice(activation, "activation", ACTIVATIONS)
        self.kind = activation_code(activation)
        self.rmsprop_decay = float(rmsprop_decay)
        if not 0 <= self.rmsprop_decay < 1:
            raise InputError(f"rmsprop_decay must lie in [0, 1), got {rmsprop_decay!r}")
        self.rmsprop_eps = positive_float(rmsprop_eps, "rmsprop_eps")
        self.init_scale = positive_float(init_scale, "init_scale")
        self.dtype = resolve_dtype(dtype)
        self.engine = get_engine(engine, threads=threads)
        if isinstance(n_eval, bool) or not isinstance(n_eval, (int, np.integer)) or n_eval < 0:
            raise InputError(f"n_eval must be a non-negative integer, got {n_eval!r}")
        self.n_eval = int(n_eval)
        self._kwargs = dict(
            n_generator=n_generator,
            n_critic_particles=n_critic_particles,
            data_dim=data_dim,
            latent_dim=latent_dim,
            target=target,
            lr=lr,
            n_critic=n_critic,
            clip=clip,
            batch=batch,
            optimizer=optimizer,
            scaling=scaling,
            activation=activation,
            rmsprop_decay=rmsprop_decay,
            rmsprop_eps=rmsprop_eps,
            init_scale=init_scale,
            engine=engine,
            dtype=dtype,
            threads=threads,
            n_eval=n_eval,
        )

    def __repr__(self) -> str:
        return (
            f"WGAN(N={self.n_generator}, M={self.n_critic_particles}, K={self.data_dim}, "
            f"L={self.latent_dim}, lr={self.lr:g}, n_critic={self.n_critic}, clip={self.clip}, "
            f"batch={self.batch}, {self.optimizer}, {self.scaling}, {self.activation}, "
            f"engine={self.engine.name})"
        )

    def replace(self, **changes: Any) -> WGAN:
        """A copy with some constructor arguments changed."""
        return WGAN(**{**self._kwargs, **changes})

    # ------------------------------------------------------------------ scalings
    @property
    def dt(self) -> float:
        """Time per step: ``lr / N`` (mean-field) or ``lr`` (raw)."""
        return self.lr / self.n_generator if self.scaling == "mean-field" else self.lr

    @property
    def gamma_c(self) -> float:
        """The critic's time scale ``gamma_c = n_critic N / M``."""
        return self.n_critic * self.n_generator / self.n_critic_particles

    @property
    def critic_coordinate_names(self) -> list[str]:
        """Names of the critic particle coordinates."""
        return ["alpha"] + [f"beta_{k + 1}" for k in range(self.data_dim)] + ["gamma"]

    def _steps_and_scales(self) -> tuple[float, float, float, float]:
        N, M = self.n_generator, self.n_critic_particles
        if self.scaling == "mean-field":
            return self.lr / N, self.lr / M, 1.0, 1.0
        return self.lr, self.lr, 1.0 / N, 1.0 / M

    # ------------------------------------------------------------------ layouts
    @property
    def generator_shape(self) -> tuple[int, int, int]:
        """Shape ``(N, K, L + 2)`` of the generator particles."""
        return (self.n_generator, self.data_dim, self.latent_dim + 2)

    @property
    def critic_shape(self) -> tuple[int, int]:
        """Shape ``(M, K + 2)`` of the critic particles."""
        return (self.n_critic_particles, self.data_dim + 2)

    def _P(self, theta: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.transpose(theta, (1, 2, 0)), dtype=self.dtype)

    def _W(self, omega: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(omega.T, dtype=self.dtype)

    def init_particles(
        self, seed: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """I.i.d. initial particles ``(theta (N, K, L+2), omega (M, K+2))``.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> m = WGAN(n_generator=3, n_critic_particles=2, data_dim=2, latent_dim=1,
        ...          target=ring(), engine="numpy")
        >>> [a.shape for a in m.init_particles(0)]
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

    def generate(
        self,
        theta: Any,
        n: int | None = None,
        *,
        z: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> np.ndarray:
        """Generator samples ``g(z)``, shape ``(n, K)``, for ``z ~ N(0, I_L)`` or given ``z``."""
        th = _network_params(theta, "theta", self.generator_shape)
        za = self._latent(n, z, seed)
        out = np.empty((self.data_dim, za.shape[0]), dtype=self.dtype)
        self.engine.call(
            "gen_forward", self._P(th), np.ascontiguousarray(za.T, self.dtype), self.kind, out
        )
        return out.T.astype(np.float64)

    def critic_value(self, omega: Any, x: Any) -> np.ndarray:
        """Critic values ``f(x)``, shape ``(n,)``."""
        om = _network_params(omega, "omega", self.critic_shape)
        xa = np.asarray(x, dtype=np.float64)
        if xa.ndim != 2 or xa.shape[1] != self.data_dim:
            raise InputError(f"x has shape {xa.shape}, expected (n, {self.data_dim})")
        E = np.empty((self.data_dim, xa.shape[0]), dtype=self.dtype)
        F = np.empty(xa.shape[0], dtype=self.dtype)
        self.engine.call(
            "critic_input_grad",
            self._W(om),
            np.ascontiguousarray(xa.T, self.dtype),
            self.kind,
            E,
            F,
        )
        return F.astype(np.float64)

    def objective(self, theta: Any, omega: Any, x: Any, z: Any) -> float:
        """The critic's batch objective ``D = mean f(x) - mean f(g(z))``."""
        return float(
            self.critic_value(omega, x).mean()
            - self.critic_value(omega, self.generate(theta, z=z)).mean()
        )

    def velocities(self, theta: Any, omega: Any, x: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
        """Particle velocities on one batch.

        Returns ``(v_theta, v_omega)`` with ``v_omega[j] = M dD/d omega_j`` (the critic
        ascends ``D``) and ``v_theta[i] = N d/d theta_i mean f(g(z))`` (the generator
        ascends ``mean f(g(z))``, i.e. descends ``D``).
        """
        th = _network_params(theta, "theta", self.generator_shape)
        om = _network_params(omega, "omega", self.critic_shape)
        xa = np.asarray(x, dtype=np.float64)
        za = self._latent(None, z, None)
        if xa.ndim != 2 or xa.shape[1] != self.data_dim:
            raise InputError(f"x has shape {xa.shape}, expected (n, {self.data_dim})")
        P, W = self._P(th), self._W(om)
        Z = np.ascontiguousarray(za.T, self.dtype)
        X = np.ascontiguousarray(xa.T, self.dtype)
        G = np.empty((self.data_dim, Z.shape[1]), dtype=self.dtype)
        self.engine.call("gen_forward", P, Z, self.kind, G)
        GW = np.empty_like(W)
        self.engine.call("critic_grad", W, X, G, 1.0 / X.shape[1], -1.0 / Z.shape[1], self.kind, GW)
        E = np.empty_like(G)
        F = np.empty(G.shape[1], dtype=self.dtype)
        self.engine.call("critic_input_grad", W, G, self.kind, E, F)
        GP = np.empty_like(P)
        self.engine.call("gen_backward", P, Z, E, self.kind, GP)
        return np.transpose(GP, (2, 0, 1)).astype(np.float64), GW.T.astype(np.float64)

    # ------------------------------------------------------------------ running
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
        """Train for ``steps`` steps or up to time ``t_end`` (``round(t_end / dt)`` steps).

        Parameters
        ----------
        steps, t_end
            Exactly one of them.
        record_every : int, optional
            Steps between snapshots (default: about 100 snapshots); the last step is
            always recorded.
        seed : int or numpy.random.Generator, optional
            The only source of randomness (initial particles, batches, evaluation).
        progress : bool, optional
            Progress bar; by default only on a terminal.
        init : (theta, omega), optional
            Initial particles, shapes :attr:`generator_shape` and :attr:`critic_shape`.

        Returns
        -------
        ParticleRun
            Losses ``"critic"`` (the batch estimate of ``E f(x) - E f(g(z))``) and
            ``"generator"`` (``E f(g(z))``); metrics ``"sliced_w2"`` (to target samples),
            ``"modes_captured"`` and ``"high_quality"`` when the target has modes,
            ``"critic_boundary"`` (fraction of critic particles on the boundary of
            ``Q``) and ``"critic_spread"`` (RMS distance to their mean).

        Raises
        ------
        DivergenceError
            When an iterate is not finite.
        """
        n_steps = _steps_from(steps, t_end, self.dt)
        marks = _record_steps(n_steps, record_every)
        rng_init, rng_train, rng_eval = child_generators(seed, 3)
        if init is None:
            theta0, omega0 = self.init_particles(rng_init)
        else:
            theta0 = _network_params(init[0], "init[0] (theta)", self.generator_shape)
            omega0 = _network_params(init[1], "init[1] (omega)", self.critic_shape)
        P, W = self._P(theta0), self._W(omega0)
        msP, msW = np.zeros_like(P), np.zeros_like(W)
        K, L, m, nc = self.data_dim, self.latent_dim, self.batch, self.n_critic
        eta_g, eta_c, gs_g, gs_c = self._steps_and_scales()
        rms = self.optimizer == "rmsprop"
        clip = -1.0 if self.clip is None else self.clip
        dt = self.dtype
        parallel = self.engine.use_parallel(m * max(self.n_generator * K, self.n_critic_particles))

        z_eval = np.ascontiguousarray(rng_eval.standard_normal((L, self.n_eval)), dtype=dt)
        x_eval = self.target.sample(self.n_eval, seed=rng_eval)
        dirs = _directions(K, 64, rng_eval)
        w_eval = np.full(self.n_eval, 1.0 / max(self.n_eval, 1))
        modes, sigma = self.target.modes, self.target.sigma
        has_modes = modes is not None and sigma is not None
        # snapshots preallocated: no list-then-stack copy at the end (peak memory)
        snaps_g = np.empty((len(marks), *self.generator_shape))
        snaps_c = np.empty((len(marks), *self.critic_shape))
        n_snap = [0]
        metrics: dict[str, list[float]] = {"critic_spread": []}
        if self.clip is not None:
            metrics["critic_boundary"] = []
        if self.n_eval:
            metrics["sliced_w2"] = []
            if has_modes:
                metrics["modes_captured"] = []
                metrics["high_quality"] = []

        def snapshot() -> None:
            i = n_snap[0]
            snaps_g[i] = np.transpose(P, (2, 0, 1))
            snaps_c[i] = W.T
            n_snap[0] += 1
            wc = snaps_c[i]
            metrics["critic_spread"].append(
                float(np.sqrt(((wc - wc.mean(axis=0)) ** 2).sum(axis=1).mean()))
            )
            if self.clip is not None:
                on = (np.abs(wc) >= self.clip * (1 - 1e-12)).any(axis=1)
                metrics["critic_boundary"].append(float(on.mean()))
            if self.n_eval:
                g = np.empty((K, self.n_eval), dtype=dt)
                self.engine.call("gen_forward", P, z_eval, self.kind, g)
                samples = g.T.astype(np.float64)
                metrics["sliced_w2"].append(
                    float(_sliced_pp(samples, w_eval, x_eval, w_eval, 2.0, dirs).mean() ** 0.5)
                )
                if modes is not None and sigma is not None:
                    cov = mode_coverage(samples, modes, sigma)
                    metrics["modes_captured"].append(cov.modes_captured)
                    metrics["high_quality"].append(cov.high_quality)

        def draw(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
            zc = rng.standard_normal((RNG_BLOCK, nc, m, L)).transpose(0, 1, 3, 2)
            xc = self.target.sample(RNG_BLOCK * nc * m, seed=rng)
            xc = xc.reshape(RNG_BLOCK, nc, m, K).transpose(0, 1, 3, 2)
            zg = rng.standard_normal((RNG_BLOCK, m, L)).transpose(0, 2, 1)
            return tuple(np.ascontiguousarray(a, dtype=dt) for a in (zc, xc, zg))

        def advance(buf: tuple[np.ndarray, ...], a: int, b: int, out: dict[str, np.ndarray]) -> int:
            lc = np.empty(b - a, dtype=np.float64)
            lg = np.empty(b - a, dtype=np.float64)
            bad = self.engine.call(
                "wgan_block",
                P,
                W,
                msP,
                msW,
                buf[0][a:b],
                buf[1][a:b],
                buf[2][a:b],
                self.kind,
                eta_g,
                eta_c,
                gs_g,
                gs_c,
                rms,
                self.rmsprop_decay,
                self.rmsprop_eps,
                clip,
                lc,
                lg,
                parallel,
            )
            out["critic"][:] = lc
            out["generator"][:] = lg
            return int(bad)

        losses = self._drive(
            steps=n_steps,
            marks=marks,
            rng=rng_train,
            progress=progress,
            draw=draw,
            advance=advance,
            snapshot=snapshot,
            loss_names=("critic", "generator"),
        )
        marks_a = np.asarray(marks)
        return ParticleRun(
            model=self,
            times=marks_a * self.dt,
            steps=marks_a,
            generator=snaps_g,
            critic=snaps_c,
            losses=losses,
            metrics={k: np.asarray(v, dtype=np.float64) for k, v in metrics.items()},
        )


class TwoLayerRegression(_ParticleModel):
    """Supervised mean-field two-layer network, teacher-student.

    The student ``g(x) = (1/N) sum_i sigma(x; theta_i)`` (the generator's architecture,
    inputs ``x in R^L``, outputs in ``R^K``) is trained by SGD on
    ``E[mu] = (1/2) int |g_mu(x) - g_*(x)|^2 dP_*(x)``:
    ``theta_i <- theta_i - dt V[mu_N](theta_i; batch)`` with ``dt = lr / N`` and
    ``V = N d/d theta_i E_batch``, the noisy discretisation of the 2-Wasserstein
    gradient flow of ``E`` (the aggregation equation), with ``dE/dt = -int |V|^2 dmu``.

    Parameters
    ----------
    n_particles : int
        ``N``.
    input_dim, output_dim : int
        ``L`` and ``K``.
    teacher : int, array_like or callable
        A width (random teacher network of that many units drawn from
        ``teacher_seed`` with ``teacher_scale``), teacher particles ``(n, K, L+2)``, or
        a function ``x (n, L) -> (n, K)``.
    inputs : "gaussian", array_like or callable
        ``P_*``: standard normal, a finite data set ``(n, L)`` (sampled uniformly, or
        used whole with ``batch=None``), or a sampler ``fn(rng, n) -> (n, L)``.
    lr : float
        Learning rate; ``dt = lr / N``.
    batch : int or None
        Batch size; None uses the whole data set each step (gradient descent).

    Examples
    --------
    >>> from limitdyn.particles import TwoLayerRegression
    >>> model = TwoLayerRegression(n_particles=50, input_dim=1, teacher=2, lr=5.0,
    ...                            batch=32, engine="numpy", n_eval=256)
    >>> run = model.run(steps=200, record_every=100, seed=0, progress=False)
    >>> bool(run.metrics["energy"][-1] < run.metrics["energy"][0])
    True
    """

    _name: ClassVar[str] = "TwoLayerRegression"

    def __init__(
        self,
        *,
        n_particles: int,
        input_dim: int,
        output_dim: int = 1,
        teacher: Any = 4,
        inputs: Any = "gaussian",
        lr: float = 1.0,
        batch: int | None = 64,
        activation: str = "sigmoid",
        init_scale: float = 1.0,
        teacher_seed: int = 0,
        teacher_scale: float = 2.0,
        engine: str = "auto",
        dtype: Any = "float64",
        threads: int | None = None,
        n_eval: int = 1024,
    ) -> None:
        self.n_particles = positive_int(n_particles, "n_particles")
        self.input_dim = positive_int(input_dim, "input_dim")
        self.output_dim = positive_int(output_dim, "output_dim")
        self.lr = positive_float(lr, "lr")
        self.activation = choice(activation, "activation", ACTIVATIONS)
        self.kind = activation_code(activation)
        self.init_scale = positive_float(init_scale, "init_scale")
        self.dtype = resolve_dtype(dtype)
        self.engine = get_engine(engine, threads=threads)
        shape = self.generator_shape[1:]
        self._teacher_fn: Callable[[np.ndarray], np.ndarray] | None = None
        self.teacher: np.ndarray | None = None
        if callable(teacher):
            self._teacher_fn = teacher
        elif isinstance(teacher, (int, np.integer)) and not isinstance(teacher, bool):
            width = positive_int(teacher, "teacher")
            rng = np.random.default_rng(teacher_seed)
            self.teacher = teacher_scale * rng.standard_normal((width, *shape))
        else:
            t = np.asarray(teacher, dtype=np.float64)
            if t.ndim != 3 or t.shape[1:] != shape:
                raise InputError(f"teacher particles have shape {t.shape}, expected (n, {shape})")
            self.teacher = _network_params(t, "teacher", t.shape)
        self.data: np.ndarray | None = None
        self._input_fn: Callable[[np.random.Generator, int], np.ndarray] | None = None
        if isinstance(inputs, str):
            choice(inputs, "inputs", ("gaussian",))
        elif callable(inputs):
            self._input_fn = inputs
        else:
            d = np.asarray(inputs, dtype=np.float64)
            if d.ndim != 2 or d.shape[1] != self.input_dim or d.shape[0] == 0:
                raise InputError(f"inputs has shape {d.shape}, expected (n, {self.input_dim})")
            self.data = _network_params(d, "inputs", d.shape)
        if batch is None:
            if self.data is None:
                raise InputError("batch=None (full batch) needs a finite data set as inputs")
            self.batch = self.data.shape[0]
        else:
            self.batch = positive_int(batch, "batch")
        self.full_batch = batch is None
        if isinstance(n_eval, bool) or not isinstance(n_eval, (int, np.integer)) or n_eval < 0:
            raise InputError(f"n_eval must be a non-negative integer, got {n_eval!r}")
        self.n_eval = int(n_eval)
        self._kwargs = dict(
            n_particles=n_particles,
            input_dim=input_dim,
            output_dim=output_dim,
            teacher=teacher,
            inputs=inputs,
            lr=lr,
            batch=batch,
            activation=activation,
            init_scale=init_scale,
            teacher_seed=teacher_seed,
            teacher_scale=teacher_scale,
            engine=engine,
            dtype=dtype,
            threads=threads,
            n_eval=n_eval,
        )

    def replace(self, **changes: Any) -> TwoLayerRegression:
        """A copy with some constructor arguments changed."""
        return TwoLayerRegression(**{**self._kwargs, **changes})

    def __repr__(self) -> str:
        return (
            f"TwoLayerRegression(N={self.n_particles}, L={self.input_dim}, K={self.output_dim}, "
            f"lr={self.lr:g}, batch={'full' if self.full_batch else self.batch}, "
            f"{self.activation}, engine={self.engine.name})"
        )

    @property
    def dt(self) -> float:
        """Time per step, ``lr / N``."""
        return self.lr / self.n_particles

    @property
    def generator_shape(self) -> tuple[int, int, int]:
        """Shape ``(N, K, L + 2)`` of the student's particles."""
        return (self.n_particles, self.output_dim, self.input_dim + 2)

    def _P(self, theta: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.transpose(theta, (1, 2, 0)), dtype=self.dtype)

    def init_particles(self, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """I.i.d. normal initial particles ``(N, K, L + 2)``."""
        return self.init_scale * as_generator(seed).standard_normal(self.generator_shape)

    def sample_inputs(self, n: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """``n`` inputs from ``P_*``, shape ``(n, L)``."""
        rng = as_generator(seed)
        if self.data is not None:
            return self.data[rng.integers(0, self.data.shape[0], size=n)]
        if self._input_fn is not None:
            x = np.asarray(self._input_fn(rng, n), dtype=np.float64)
            if x.shape != (n, self.input_dim):
                raise InputError(
                    f"inputs sampler returned shape {x.shape}, expected {(n, self.input_dim)}"
                )
            return x
        return rng.standard_normal((n, self.input_dim))

    def _forward(self, P: np.ndarray, x: np.ndarray) -> np.ndarray:
        out = np.empty((self.output_dim, x.shape[0]), dtype=self.dtype)
        self.engine.call("gen_forward", P, np.ascontiguousarray(x.T, self.dtype), self.kind, out)
        return out.T.astype(np.float64)

    def predict(self, theta: Any, x: Any) -> np.ndarray:
        """Student outputs ``g(x)``, shape ``(n, K)``."""
        th = _network_params(theta, "theta", self.generator_shape)
        return self._forward(self._P(th), self._inputs(x))

    def _inputs(self, x: Any) -> np.ndarray:
        xa = np.asarray(x, dtype=np.float64)
        if xa.ndim != 2 or xa.shape[1] != self.input_dim:
            raise InputError(f"x has shape {xa.shape}, expected (n, {self.input_dim})")
        return xa

    def teacher_output(self, x: Any) -> np.ndarray:
        """Teacher outputs ``g_*(x)``, shape ``(n, K)``."""
        xa = self._inputs(x)
        if self._teacher_fn is not None:
            y = np.asarray(self._teacher_fn(xa), dtype=np.float64)
            if y.shape != (xa.shape[0], self.output_dim):
                raise InputError(
                    f"teacher returned shape {y.shape}, expected {(xa.shape[0], self.output_dim)}"
                )
            return y
        assert self.teacher is not None
        return self._forward(self._P(self.teacher), xa)

    def energy(self, theta: Any, x: Any) -> float:
        """``E = (1/2n) sum_r |g(x_r) - g_*(x_r)|^2`` over the inputs ``x``."""
        r = self.predict(theta, x) - self.teacher_output(x)
        return 0.5 * float(np.sum(r * r)) / r.shape[0]

    def velocity(self, theta: Any, x: Any) -> np.ndarray:
        """``V(theta_i) = N d/d theta_i E`` on the inputs ``x``, shape ``(N, K, L+2)``."""
        th = _network_params(theta, "theta", self.generator_shape)
        xa = self._inputs(x)
        P = self._P(th)
        res = (self._forward(P, xa) - self.teacher_output(xa)).T
        GP = np.empty_like(P)
        self.engine.call(
            "gen_backward",
            P,
            np.ascontiguousarray(xa.T, self.dtype),
            np.ascontiguousarray(res, self.dtype),
            self.kind,
            GP,
        )
        return np.transpose(GP, (2, 0, 1)).astype(np.float64)

    def aggregation(self, theta: Any, x: Any) -> tuple[np.ndarray, np.ndarray, float]:
        """The aggregation form ``E = (1/2) <W mu, mu> + <V, mu> + C`` on the inputs ``x``.

        Returns ``(W, V, C)`` with ``W[i, j] = mean_x sigma(x; theta_i) . sigma(x; theta_j)``,
        ``V[i] = -mean_x g_*(x) . sigma(x; theta_i)`` and ``C = (1/2) mean_x |g_*(x)|^2``, so
        that ``energy = W.mean() / 2 + V.mean() + C`` for the empirical measure.
        """
        from ._numpy_engine import activation

        th = _network_params(theta, "theta", self.generator_shape)
        xa = self._inputs(x)
        L = self.input_dim
        u = np.einsum("ikl,rl->rik", th[:, :, 1 : L + 1], xa) + th[None, :, :, L + 1]
        s, _ = activation(u, self.kind)
        units = th[None, :, :, 0] * s  # (n, N, K)
        y = self.teacher_output(xa)
        Wm = np.einsum("rik,rjk->ij", units, units) / xa.shape[0]
        V = -np.einsum("rk,rik->i", y, units) / xa.shape[0]
        C = 0.5 * float(np.sum(y * y)) / xa.shape[0]
        return Wm, V, C

    def run(
        self,
        *,
        steps: int | None = None,
        t_end: float | None = None,
        record_every: int | None = None,
        seed: int | np.random.Generator | None = None,
        progress: bool | None = None,
        init: Any = None,
    ) -> ParticleRun:
        """Train by SGD; see :meth:`WGAN.run` for the arguments.

        Returns a :class:`ParticleRun` with loss ``"energy"`` (batch energies) and metric
        ``"energy"`` (on ``n_eval`` fixed inputs, or the whole data set).
        """
        n_steps = _steps_from(steps, t_end, self.dt)
        marks = _record_steps(n_steps, record_every)
        rng_init, rng_train, rng_eval = child_generators(seed, 3)
        theta0 = (
            self.init_particles(rng_init)
            if init is None
            else _network_params(init, "init", self.generator_shape)
        )
        P = self._P(theta0)
        dtp = self.dtype
        x_eval = (
            self.data
            if self.data is not None
            else self.sample_inputs(max(self.n_eval, 1), seed=rng_eval)
        )
        y_eval = self.teacher_output(x_eval)
        snaps: list[np.ndarray] = []
        energy: list[float] = []
        K, L, m = self.output_dim, self.input_dim, self.batch
        parallel = self.engine.use_parallel(m * self.n_particles * K)

        def snapshot() -> None:
            snaps.append(np.transpose(P, (2, 0, 1)).astype(np.float64))
            r = self._forward(P, x_eval) - y_eval
            energy.append(0.5 * float(np.sum(r * r)) / r.shape[0])

        def draw(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
            if self.full_batch:
                assert self.data is not None
                x = np.broadcast_to(self.data, (RNG_BLOCK, *self.data.shape))
                y = np.broadcast_to(self.teacher_output(self.data), (RNG_BLOCK, m, K))
            else:
                flat = self.sample_inputs(RNG_BLOCK * m, seed=rng)
                y = self.teacher_output(flat).reshape(RNG_BLOCK, m, K)
                x = flat.reshape(RNG_BLOCK, m, L)
            return (
                np.ascontiguousarray(x.transpose(0, 2, 1), dtype=dtp),
                np.ascontiguousarray(y.transpose(0, 2, 1), dtype=dtp),
            )

        def advance(buf: tuple[np.ndarray, ...], a: int, b: int, out: dict[str, np.ndarray]) -> int:
            loss = np.empty(b - a, dtype=np.float64)
            bad = self.engine.call(
                "regression_block", P, buf[0][a:b], buf[1][a:b], self.kind, self.dt, loss, parallel
            )
            out["energy"][:] = loss
            return int(bad)

        losses = self._drive(
            steps=n_steps,
            marks=marks,
            rng=rng_train,
            progress=progress,
            draw=draw,
            advance=advance,
            snapshot=snapshot,
            loss_names=("energy",),
        )
        marks_a = np.asarray(marks)
        return ParticleRun(
            model=self,
            times=marks_a * self.dt,
            steps=marks_a,
            generator=np.stack(snaps),
            critic=None,
            losses=losses,
            metrics={"energy": np.asarray(energy)},
        )
