"""Stochastic schemes: a scheme whose field is a minibatch average of per-example fields.

A :class:`StochasticScheme` holds a :class:`~limitdyn.Scheme` built with the minibatch
field ``sum_i c_i g_i(z)``, where ``c_0 .. c_{n-1}`` are symbols (the *example weights*,
parameters of the scheme) and ``g_i`` the per-example fields. Each step draws a minibatch
of ``batch`` examples and sets ``c_i`` to the number of times example ``i`` was drawn,
divided by ``batch``: with replacement (each draw independent, example ``i`` with
probability ``w_i``) or without (``batch`` distinct examples, uniformly). So ``E c = w`` and
the average scheme is the full-batch scheme on the mean field ``sum_i w_i g_i``. The
covariance of the weights,

* with replacement: ``Cov c = (diag(w) - w w^T) / B``,
* without replacement (uniform ``w``): the same times the finite-population factor
  ``(n - B) / (n - 1)``,

is what the stochastic modified equation needs
(:func:`~limitdyn.stochastic_modified_equation`). Any scheme works, including the
alternating games of :func:`~limitdyn.game` (one minibatch per step, shared by its stages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from ._model_checks import as_entries, as_expr, as_name, as_symbols
from ._scheme import ExplicitStage, ImplicitStage, Scheme, Stage, explicit, tau
from .errors import InputError, SchemeError

__all__ = ["StochasticScheme", "example_weights", "sgd", "stochastic"]


def example_weights(n: int) -> tuple[sp.Symbol, ...]:
    """``n`` fresh symbols for the example weights ``c_0 .. c_{n-1}`` of a minibatch field.

    Examples
    --------
    >>> c = example_weights(2)
    >>> len(c), c[0] != example_weights(2)[0]
    (2, True)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"the number of examples must be a positive integer, got {n!r}")
    return tuple(sp.Dummy(f"c{i}", real=True) for i in range(n))


def _probabilities(weights: Any, n: int) -> tuple[sp.Expr, ...]:
    if weights is None:
        return tuple(sp.Rational(1, n) for _ in range(n))
    entries = as_entries(weights, where="weights")
    if len(entries) != n:
        raise InputError(f"weights: {len(entries)} weights for {n} examples")
    values = [
        as_expr(sp.nsimplify(w) if isinstance(w, float) else w, where="weights") for w in entries
    ]
    for i, w in enumerate(values):
        if not (w.is_number and w.is_positive):
            raise InputError(f"weights: weight {i} is {w}, not a positive number")
    total = sum(values, sp.Integer(0))
    return tuple(sp.nsimplify(w / total) for w in values)


def _stage_with(stage: Stage, sub: dict[Any, Any]) -> Stage:
    if isinstance(stage, ExplicitStage):
        return ExplicitStage(
            stage.targets, tuple(v.xreplace(sub) for v in stage.values), stage.label
        )
    assert isinstance(stage, ImplicitStage)
    return ImplicitStage(
        stage.targets, stage.unknowns, tuple(r.xreplace(sub) for r in stage.residual), stage.label
    )


@dataclass(frozen=True)
class StochasticScheme:
    """A scheme whose field is a minibatch average (see the module docstring).

    Parameters
    ----------
    scheme : Scheme
        Built with the minibatch field ``sum_i c_i g_i``; ``noise`` are its ``c_i``.
    noise : tuple of Symbol
        The example weights ``c_0 .. c_{n-1}``, parameters of ``scheme``.
    probabilities : tuple of Expr
        ``w_i``, exact positive numbers summing to 1 (uniform by default).
    batch : int
        The minibatch size ``B``.
    replacement : bool
        Whether a minibatch is drawn with replacement.
    name : str
        A short description.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
    >>> s.n_examples, s.batch, s.mean_scheme.map()
    (2, 1, {x: -tau*x + x})
    >>> s.weight_covariance
    Matrix([
    [ 1/4, -1/4],
    [-1/4,  1/4]])
    """

    scheme: Scheme
    noise: tuple[sp.Symbol, ...]
    probabilities: tuple[sp.Expr, ...] = ()
    batch: int = 1
    replacement: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.scheme, Scheme):
            raise SchemeError(f"stochastic: expected a Scheme, got {type(self.scheme).__name__}")
        noise = as_symbols(self.noise, where="noise (the example weights)")
        object.__setattr__(self, "noise", noise)
        n = len(noise)
        if not set(noise) & set(self.scheme.parameters):
            raise SchemeError(
                "noise: no example weight occurs in the scheme; build the scheme with the "
                "minibatch field sum_i c_i g_i"
            )
        probs = self.probabilities or None
        object.__setattr__(self, "probabilities", _probabilities(probs, n))
        b = self.batch
        if isinstance(b, bool) or not isinstance(b, int) or b < 1:
            raise InputError(f"batch must be a positive integer, got {b!r}")
        if not isinstance(self.replacement, bool):
            raise InputError(f"replacement must be True or False, got {self.replacement!r}")
        if not self.replacement:
            if b > n:
                raise InputError(
                    f"batch {b} is larger than the {n} examples; without replacement a "
                    "minibatch holds distinct examples"
                )
            if len(set(self.probabilities)) > 1:
                raise InputError("sampling without replacement takes uniform weights only")
        as_name(self.name, where="StochasticScheme name")

    # -- derived facts --------------------------------------------------------------------
    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """The state."""
        return self.scheme.variables

    @property
    def step(self) -> sp.Symbol:
        """The step symbol."""
        return self.scheme.step

    @property
    def dim(self) -> int:
        """Number of state variables."""
        return self.scheme.dim

    @property
    def n_examples(self) -> int:
        """Number of examples ``n``."""
        return len(self.noise)

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Parameters of the scheme other than the example weights."""
        return tuple(q for q in self.scheme.parameters if q not in self.noise)

    @cached_property
    def mean_weights(self) -> dict[sp.Symbol, sp.Expr]:
        """``{c_i: w_i}``: the expected example weights."""
        return dict(zip(self.noise, self.probabilities))

    @cached_property
    def mean_scheme(self) -> Scheme:
        """The full-batch scheme: ``c_i = w_i`` (the mean field in every stage)."""
        stages = tuple(_stage_with(s, self.mean_weights) for s in self.scheme.stages)
        return Scheme(self.variables, stages, self.step, name=f"mean of {self.scheme.name}")

    @cached_property
    def finite_population_factor(self) -> sp.Expr:
        """``(n - B)/(n - 1)`` without replacement, 1 with (1 also when ``n = 1``)."""
        n, b = self.n_examples, self.batch
        if self.replacement or n == 1:
            return sp.Integer(1)
        return sp.Rational(n - b, n - 1)

    @cached_property
    def weight_covariance(self) -> sp.ImmutableMatrix:
        """``Cov c = f (diag(w) - w w^T) / B``, ``f`` the finite-population factor."""
        w = sp.Matrix(self.probabilities)
        cov = (sp.diag(*self.probabilities) - w * w.T) * self.finite_population_factor / self.batch
        return sp.ImmutableMatrix(cov)

    @cached_property
    def weight_root(self) -> sp.ImmutableMatrix:
        """``L`` (n x n) with ``L L^T = Cov c``: ``L_ij = sqrt(f w_j / B) (delta_ij - w_i)``."""
        n = self.n_examples
        scale = self.finite_population_factor / self.batch
        w = self.probabilities
        return sp.ImmutableMatrix(
            n, n, lambda i, j: sp.sqrt(scale * w[j]) * ((1 if i == j else 0) - w[i])
        )

    def __repr__(self) -> str:
        how = "with" if self.replacement else "without"
        return (
            f"StochasticScheme({self.name or self.scheme.name!r}, variables={self.variables}, "
            f"examples={self.n_examples}, batch={self.batch} {how} replacement, "
            f"parameters={self.parameters})"
        )

    def latex(self) -> str:
        """The update rule (with the example weights ``c_i``) as LaTeX.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
        >>> "\\\\tau" in s.latex() and s.latex() == s.scheme.latex()
        True
        """
        return self.scheme.latex()

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"


def stochastic(
    scheme: Scheme,
    *,
    noise: Sequence[sp.Symbol],
    batch: int = 1,
    replacement: bool = True,
    weights: Any = None,
) -> StochasticScheme:
    """Attach a minibatch noise model to a scheme built on the field ``sum_i c_i g_i``.

    Parameters
    ----------
    scheme : Scheme
        Any scheme whose field is written with the example weights ``noise`` (from
        :func:`example_weights`), e.g. ``ld.game`` on costs ``sum_i c_i l_i``.
    noise : sequence of Symbol
        The example weights ``c_0 .. c_{n-1}``.
    batch : int
        Minibatch size.
    replacement : bool
        Draw with replacement (default) or ``batch`` distinct examples.
    weights : sequence, optional
        Sampling probabilities of the examples (normalised; uniform by default).

    Raises
    ------
    InputError
        A batch that is not positive, or larger than ``n`` without replacement.
    SchemeError
        An example weight that does not occur in the scheme.

    Examples
    --------
    A toy GAN whose discriminator sees one of two data points per step:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn._stochastic import example_weights
    >>> x, y = sp.symbols("x y")
    >>> c = example_weights(2)
    >>> data = (1, 3)
    >>> cost_y = -sum(ci * y * (a - x) for ci, a in zip(c, data))
    >>> game = ld.game(-cost_y, cost_y, x, y, implicit=False)
    >>> s = ld.stochastic(game, noise=c)
    >>> s.mean_scheme.map()[y]
    tau*(-tau*y - x + 2) + y
    """
    return StochasticScheme(
        scheme, tuple(noise), () if weights is None else tuple(weights), batch, replacement
    )


def sgd(
    losses: Any,
    variables: Any,
    *,
    batch: int = 1,
    replacement: bool = True,
    weights: Any = None,
    step: sp.Symbol = tau,
) -> StochasticScheme:
    """Minibatch SGD on ``f = sum_i w_i f_i``: ``z+ = z - tau (1/B) sum_{i in batch} grad f_i``.

    Parameters
    ----------
    losses : sequence of Expr
        The per-example losses ``f_i``.
    variables : Symbol or sequence of Symbol
        The parameters trained.
    batch : int
        Minibatch size ``B``.
    replacement : bool
        Draw with replacement (default) or ``B`` distinct examples.
    weights : sequence, optional
        Sampling probabilities (default uniform: ``f`` is the mean loss).
    step : Symbol, optional
        The step symbol.

    Raises
    ------
    InputError
        A batch that is not positive, larger than the number of examples without
        replacement, or weights of the wrong length or sign.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x - a)**2 / 2 for a in (0, 1, 2)], x, batch=2, replacement=False)
    >>> s.finite_population_factor
    1/2
    >>> ld.sgd([x**2], x, batch=2, replacement=False)
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: batch 2 is larger than the 1 examples; without \
replacement a minibatch holds distinct examples
    """
    vs = as_symbols(variables, where="variables")
    fs = [as_expr(f, where=f"loss {i}") for i, f in enumerate(as_entries(losses, where="losses"))]
    if not fs:
        raise InputError("sgd: no losses given")
    c = example_weights(len(fs))
    field = [-sum((ci * sp.diff(f, v) for ci, f in zip(c, fs)), sp.Integer(0)) for v in vs]
    scheme = explicit(field, vs, step=step)
    scheme = Scheme(scheme.variables, scheme.stages, scheme.step, name="SGD")
    return StochasticScheme(
        scheme, c, () if weights is None else tuple(weights), batch, replacement, name="SGD"
    )
