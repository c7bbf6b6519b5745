"""The supervised mean-field two-layer network (teacher-student regression)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._engine import Engine, get_engine
from .._validate import as_generator, non_negative_int, one_of, positive_float, positive_int
from ..errors import InputError
from ._base import ParticleModel
from ._driver import RNG_BLOCK
from ._jko import JKOSolver, as_scheme, as_solver, regression_jko_advance
from ._kernel_api import ParticleKernels, RegressionHyper, kernels
from ._options import ACTIVATIONS, activation_code, resolve_dtype
from ._run import ParticleRun
from ._util import (
    child_generators,
    feature_major,
    generator_layout,
    generator_particles,
    network_params,
)

__all__ = ["TwoLayerRegression"]


@dataclass
class _RegressionState:
    """One run's mutable state: kernel-layout particles, evaluation inputs, records."""

    P: np.ndarray
    hyper: RegressionHyper
    rng: np.random.Generator
    x_eval: np.ndarray
    y_eval: np.ndarray
    snaps: list[np.ndarray]
    energy: list[float]
    steps: int = 0


@dataclass(frozen=True, eq=False, repr=False, init=False)
class TwoLayerRegression(ParticleModel[_RegressionState]):
    """Supervised mean-field two-layer network, teacher-student.

    The student ``g(x) = (1/N) sum_i sigma(x; theta_i)`` (the generator's architecture,
    inputs ``x in R^L``, outputs in ``R^K``) is trained by SGD on
    ``E[mu] = (1/2) int |g_mu(x) - g_*(x)|^2 dP_*(x)``:
    ``theta_i <- theta_i - dt V[mu_N](theta_i; batch)`` with ``dt = lr / N`` and
    ``V = N d/d theta_i E_batch``, the noisy discretisation of the 2-Wasserstein
    gradient flow of ``E`` (the aggregation equation), with ``dE/dt = -int |V|^2 dmu``.

    A frozen configuration (see :meth:`replace`); the attributes are the constructor's
    arguments, and :attr:`teacher_particles`, :attr:`data`, :attr:`batch_size` and
    :attr:`full_batch` what they resolve to. :meth:`run` returns a :class:`ParticleRun`
    with loss ``"energy"`` (batch energies) and metric ``"energy"`` (on ``n_eval`` fixed
    inputs, or the whole data set).

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
    activation : {"sigmoid", "tanh", "relu"}
    init_scale : float
        Standard deviation of the i.i.d. normal initial particles.
    teacher_seed : int
        Seed of the random teacher.
    teacher_scale : float
        Standard deviation of the random teacher's parameters.
    engine : {"auto", "numpy", "numba"} or Engine
    dtype : {"float64", "float32"}
    threads : int, optional
        Threads of the numba engine.
    n_eval : int
        Inputs of the energy metric (ignored with a finite data set, which is used whole).
    scheme : {"explicit", "implicit"}
        ``"implicit"``: each step is the minimising movement (JKO step) of the batch
        energy, ``theta' = theta - dt V[mu'](theta'; batch)``, solved per step by
        ``solver`` (see :mod:`limitdyn.particles._jko`).
    solver : JKOSolver or {"newton", "fixed-point"}
        The implicit step's solver and tolerance (ignored by the explicit scheme).

    Raises
    ------
    InputError
        For an invalid argument, naming it.
    SolverError
        (from :meth:`run`) When an implicit step does not converge.

    Examples
    --------
    >>> from limitdyn.particles import TwoLayerRegression
    >>> model = TwoLayerRegression(n_particles=50, input_dim=1, teacher=2, lr=5.0,
    ...                            batch=32, engine="numpy", n_eval=256)
    >>> run = model.run(steps=200, record_every=100, seed=0, progress=False)
    >>> bool(run.metrics["energy"][-1] < run.metrics["energy"][0])
    True
    >>> model.teacher_particles.shape, model.resized(10).n_particles
    ((2, 1, 3), 10)
    """

    name: ClassVar[str] = "TwoLayerRegression"
    loss_names: ClassVar[tuple[str, ...]] = ("energy",)

    n_particles: int
    input_dim: int
    output_dim: int
    teacher: Any
    inputs: Any
    lr: float
    batch: int | None
    activation: str
    init_scale: float
    teacher_seed: int
    teacher_scale: float
    engine: Engine
    dtype: np.dtype
    threads: int | None
    n_eval: int
    scheme: str
    solver: JKOSolver
    #: the teacher's particles ``(n, K, L + 2)``, or None for a teacher function
    teacher_particles: np.ndarray | None = dataclasses.field(init=False)
    #: the finite data set ``(n, L)``, or None
    data: np.ndarray | None = dataclasses.field(init=False)
    #: the batch size (the data set's size for a full batch)
    batch_size: int = dataclasses.field(init=False)

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
        engine: str | Engine = "auto",
        dtype: Any = "float64",
        threads: int | None = None,
        n_eval: int = 1024,
        scheme: str = "explicit",
        solver: str | JKOSolver = "newton",
    ) -> None:
        resolved = get_engine(engine, threads=threads)
        input_dim = positive_int(input_dim, "input_dim")
        output_dim = positive_int(output_dim, "output_dim")
        unit = (output_dim, input_dim + 2)
        teacher_particles: np.ndarray | None = None
        if callable(teacher):
            pass
        elif isinstance(teacher, (int, np.integer)) and not isinstance(teacher, bool):
            width = positive_int(teacher, "teacher")
            rng = np.random.default_rng(teacher_seed)
            teacher_particles = teacher_scale * rng.standard_normal((width, *unit))
            teacher = width
        else:
            t = np.asarray(teacher, dtype=np.float64)
            if t.ndim != 3 or t.shape[1:] != unit:
                raise InputError(f"teacher particles have shape {t.shape}, expected (n, {unit})")
            teacher = teacher_particles = network_params(t, "teacher", t.shape)
        data: np.ndarray | None = None
        if isinstance(inputs, str):
            one_of(inputs, "inputs", ("gaussian",))
        elif not callable(inputs):
            d = np.asarray(inputs, dtype=np.float64)
            if d.ndim != 2 or d.shape[1] != input_dim or d.shape[0] == 0:
                raise InputError(f"inputs has shape {d.shape}, expected (n, {input_dim})")
            inputs = data = network_params(d, "inputs", d.shape)
        if batch is None:
            if data is None:
                raise InputError("batch=None (full batch) needs a finite data set as inputs")
            batch_size = data.shape[0]
        else:
            batch = batch_size = positive_int(batch, "batch")
        values = dict(
            n_particles=positive_int(n_particles, "n_particles"),
            input_dim=input_dim,
            output_dim=output_dim,
            teacher=teacher,
            inputs=inputs,
            lr=positive_float(lr, "lr"),
            batch=batch,
            activation=one_of(activation, "activation", ACTIVATIONS),
            init_scale=positive_float(init_scale, "init_scale"),
            teacher_seed=teacher_seed,
            teacher_scale=teacher_scale,
            engine=resolved,
            dtype=resolve_dtype(dtype),
            threads=resolved.threads,
            n_eval=non_negative_int(n_eval, "n_eval"),
            scheme=as_scheme(scheme),
            solver=as_solver(solver),
            teacher_particles=teacher_particles,
            data=data,
            batch_size=batch_size,
        )
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def replace(self, **changes: Any) -> TwoLayerRegression:
        """A copy with some constructor arguments changed (:func:`dataclasses.replace`).

        Examples
        --------
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=1, lr=1.0)
        >>> model.replace(lr=0.5).lr, model.lr
        (0.5, 1.0)
        """
        return dataclasses.replace(self, **changes)

    def resized(self, n: int) -> TwoLayerRegression:
        """The same regression with ``n`` student particles.

        Examples
        --------
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=1, lr=1.0)
        >>> model.resized(20).n_particles, model.resized(20).dt == model.dt / 4
        (20, True)
        """
        return self.replace(n_particles=positive_int(n, "n"))

    def __repr__(self) -> str:
        return (
            f"TwoLayerRegression(N={self.n_particles}, L={self.input_dim}, K={self.output_dim}, "
            f"lr={self.lr:g}, batch={'full' if self.full_batch else self.batch}, "
            f"{self.activation}{', implicit' if self.scheme == 'implicit' else ''}, "
            f"engine={self.engine.name})"
        )

    @property
    def full_batch(self) -> bool:
        """Whether each step uses the whole data set."""
        return self.batch is None

    @property
    def dt(self) -> float:
        """Time per step, ``lr / N``."""
        return self.lr / self.n_particles

    @property
    def kind(self) -> int:
        """The kernels' code of the activation."""
        return activation_code(self.activation)

    @property
    def generator_shape(self) -> tuple[int, int, int]:
        """Shape ``(N, K, L + 2)`` of the student's particles."""
        return (self.n_particles, self.output_dim, self.input_dim + 2)

    @property
    def _kernels(self) -> ParticleKernels:
        return kernels(self.engine)

    def _in_force(self) -> AbstractContextManager[Any]:
        return self.engine.threads_in_force()

    def init_particles(self, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """I.i.d. normal initial particles ``(N, K, L + 2)``.

        Examples
        --------
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=3, engine="numpy")
        >>> model.init_particles(seed=0).shape
        (5, 1, 5)
        """
        return self.init_scale * as_generator(seed).standard_normal(self.generator_shape)

    def sample_inputs(self, n: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """``n`` inputs from ``P_*``, shape ``(n, L)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=3)
        >>> x = model.sample_inputs(4, seed=0)
        >>> x.shape, bool(np.array_equal(x, model.sample_inputs(4, seed=0)))
        ((4, 3), True)
        """
        rng = as_generator(seed)
        if self.data is not None:
            return self.data[rng.integers(0, self.data.shape[0], size=n)]
        if callable(self.inputs):
            x = np.asarray(self.inputs(rng, n), dtype=np.float64)
            if x.shape != (n, self.input_dim):
                raise InputError(
                    f"inputs sampler returned shape {x.shape}, expected {(n, self.input_dim)}"
                )
            return x
        return rng.standard_normal((n, self.input_dim))

    def _forward(self, P: np.ndarray, x: np.ndarray) -> np.ndarray:
        out = np.empty((self.output_dim, x.shape[0]), dtype=self.dtype)
        with self._in_force():
            self._kernels.gen_forward(P, feature_major(x, self.dtype), self.kind, out)
        return out.T.astype(np.float64)

    def _inputs(self, x: Any) -> np.ndarray:
        xa = np.asarray(x, dtype=np.float64)
        if xa.ndim != 2 or xa.shape[1] != self.input_dim:
            raise InputError(f"x has shape {xa.shape}, expected (n, {self.input_dim})")
        return xa

    def predict(self, theta: Any, x: Any) -> np.ndarray:
        """Student outputs ``g(x)``, shape ``(n, K)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=2)
        >>> theta = model.init_particles(seed=0)
        >>> x = model.sample_inputs(3, seed=1)
        >>> model.predict(theta, x).shape
        (3, 1)
        >>> # g(x) = (1/N) sum_i a_i sigma(b_i . x + c_i): doubling every particle changes nothing
        >>> doubled = model.resized(10).predict(np.concatenate([theta, theta]), x)
        >>> bool(np.allclose(doubled, model.predict(theta, x)))
        True
        """
        th = network_params(theta, "theta", self.generator_shape)
        return self._forward(generator_layout(th, self.dtype), self._inputs(x))

    def teacher_output(self, x: Any) -> np.ndarray:
        """Teacher outputs ``g_*(x)``, shape ``(n, K)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=2, teacher=3)
        >>> x = model.sample_inputs(4, seed=0)
        >>> y = model.teacher_output(x)
        >>> # a student
        >>> y.shape, bool(np.allclose(y, model.resized(3).predict(model.teacher_particles, x)))
        ((4, 1), True)
        """
        xa = self._inputs(x)
        if self.teacher_particles is None:
            fn: Callable[[np.ndarray], np.ndarray] = self.teacher
            y = np.asarray(fn(xa), dtype=np.float64)
            if y.shape != (xa.shape[0], self.output_dim):
                raise InputError(
                    f"teacher returned shape {y.shape}, expected {(xa.shape[0], self.output_dim)}"
                )
            return y
        return self._forward(generator_layout(self.teacher_particles, self.dtype), xa)

    def energy(self, theta: Any, x: Any) -> float:
        """``E = (1/2n) sum_r |g(x_r) - g_*(x_r)|^2`` over the inputs ``x``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=5, input_dim=2)
        >>> theta, x = model.init_particles(seed=0), model.sample_inputs(64, seed=1)
        >>> residual = model.predict(theta, x) - model.teacher_output(x)
        >>> bool(np.isclose(model.energy(theta, x), 0.5 * np.mean(np.sum(residual**2, axis=1))))
        True
        """
        r = self.predict(theta, x) - self.teacher_output(x)
        return 0.5 * float(np.sum(r * r)) / r.shape[0]

    def velocity(self, theta: Any, x: Any) -> np.ndarray:
        """``V(theta_i) = N d/d theta_i E`` on the inputs ``x``, shape ``(N, K, L+2)``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=4, input_dim=2)
        >>> theta, x = model.init_particles(seed=0), model.sample_inputs(32, seed=1)
        >>> v = model.velocity(theta, x)
        >>> v.shape
        (4, 1, 4)
        >>> # N times the gradient of E in theta_i, against a central difference
        >>> e = np.zeros_like(theta)
        >>> e[1, 0, 2] = 1e-6
        >>> fd = (model.energy(theta + e, x) - model.energy(theta - e, x)) / 2e-6
        >>> bool(np.isclose(v[1, 0, 2], model.n_particles * fd, rtol=1e-6))
        True
        """
        th = network_params(theta, "theta", self.generator_shape)
        xa = self._inputs(x)
        P = generator_layout(th, self.dtype)
        res = (self._forward(P, xa) - self.teacher_output(xa)).T
        GP = np.empty_like(P)
        with self._in_force():
            self._kernels.gen_backward(
                P,
                feature_major(xa, self.dtype),
                np.ascontiguousarray(res, self.dtype),
                self.kind,
                GP,
            )
        return generator_particles(GP)

    def aggregation(self, theta: Any, x: Any) -> tuple[np.ndarray, np.ndarray, float]:
        """The aggregation form ``E = (1/2) <W mu, mu> + <V, mu> + C`` on the inputs ``x``.

        Returns ``(W, V, C)`` with ``W[i, j] = mean_x sigma(x; theta_i) . sigma(x; theta_j)``,
        ``V[i] = -mean_x g_*(x) . sigma(x; theta_i)`` and ``C = (1/2) mean_x |g_*(x)|^2``, so
        that ``energy = W.mean() / 2 + V.mean() + C`` for the empirical measure.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression
        >>> model = TwoLayerRegression(n_particles=4, input_dim=2)
        >>> theta, x = model.init_particles(seed=0), model.sample_inputs(32, seed=1)
        >>> W, V, C = model.aggregation(theta, x)
        >>> mu = np.full(model.n_particles, 1 / model.n_particles)  # the empirical measure
        >>> bool(np.isclose(0.5 * mu @ W @ mu + V @ mu + C, model.energy(theta, x)))
        True
        """
        from ._numpy_kernels import activation

        th = network_params(theta, "theta", self.generator_shape)
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

    # ------------------------------------------------------------------ running
    def _start(
        self, init: Any, seed: int | np.random.Generator | None, records: int
    ) -> _RegressionState:
        rng_init, rng_train, rng_eval = child_generators(seed, 3)
        theta0 = (
            self.init_particles(seed=rng_init)
            if init is None
            else network_params(init, "init", self.generator_shape)
        )
        x_eval = (
            self.data
            if self.data is not None
            else self.sample_inputs(max(self.n_eval, 1), seed=rng_eval)
        )
        work = self.batch_size * self.n_particles * self.output_dim
        return _RegressionState(
            P=generator_layout(theta0, self.dtype),
            hyper=RegressionHyper(
                kind=self.kind, eta=self.dt, parallel=self.engine.use_parallel(work)
            ),
            rng=rng_train,
            x_eval=x_eval,
            y_eval=self.teacher_output(x_eval),
            snaps=[],
            energy=[],
        )

    def _draw(self, state: _RegressionState) -> tuple[np.ndarray, ...]:
        m, K, L = self.batch_size, self.output_dim, self.input_dim
        if self.data is not None and self.full_batch:
            x = np.broadcast_to(self.data, (RNG_BLOCK, *self.data.shape))
            y = np.broadcast_to(self.teacher_output(self.data), (RNG_BLOCK, m, K))
        else:
            flat = self.sample_inputs(RNG_BLOCK * m, seed=state.rng)
            y = self.teacher_output(flat).reshape(RNG_BLOCK, m, K)
            x = flat.reshape(RNG_BLOCK, m, L)
        return (
            np.ascontiguousarray(x.transpose(0, 2, 1), dtype=self.dtype),
            np.ascontiguousarray(y.transpose(0, 2, 1), dtype=self.dtype),
        )

    def _advance(
        self,
        state: _RegressionState,
        batch: tuple[np.ndarray, ...],
        start: int,
        stop: int,
        losses: Mapping[str, np.ndarray],
    ) -> int:
        x, y = batch
        if self.scheme == "implicit":
            return regression_jko_advance(self, state, batch, start, stop, losses)
        bad = self._kernels.regression_block(
            state.P, x[start:stop], y[start:stop], state.hyper, losses["energy"]
        )
        return int(bad)

    def _record(self, state: _RegressionState) -> None:
        state.snaps.append(generator_particles(state.P))
        r = self._forward(state.P, state.x_eval) - state.y_eval
        state.energy.append(0.5 * float(np.sum(r * r)) / r.shape[0])

    def _last_metrics(self, state: _RegressionState) -> Mapping[str, float]:
        return {"energy": state.energy[-1]}

    def _result(
        self, state: _RegressionState, marks: np.ndarray, losses: dict[str, np.ndarray]
    ) -> ParticleRun:
        return ParticleRun(
            model=self,
            times=marks * self.dt,
            steps=marks,
            generator=np.stack(state.snaps),
            critic=None,
            losses=losses,
            metrics={"energy": np.asarray(state.energy)},
        )
