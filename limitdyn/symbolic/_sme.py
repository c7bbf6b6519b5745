"""Stochastic modified equations (SME) of minibatch schemes (Li, Tai & E).

For a :class:`~limitdyn._stochastic.StochasticScheme` with one-step map
``Phi(z; c) = z + tau d_1(z; c) + tau^2 d_2(z; c) + ...`` (``c`` the example weights, with
mean ``w`` and covariance ``C``), the SME is ``dX = b(X) dt + sigma(X) dW`` with

* order 1: ``b = d_1(z; w)`` (the mean field),
* order 2: ``b`` the order-1 modified equation of the mean map
  ``z + tau E d_1 + tau^2 E d_2`` (``-grad(f + tau/4 |grad f|^2)`` for gradient descent),
* ``sigma = sqrt(tau) G L`` at both orders, ``G = d d_1 / d c`` (``n`` columns, the
  per-example fields) and ``L L^T = C``, so ``sigma sigma^T = tau Sigma(z)`` with
  ``Sigma = Cov_c d_1(z; c)`` the covariance of the minibatch field.

References
----------
Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
algorithms", ICML 2017, Thm. 1; and JMLR 20 (2019), Thms. 3 and 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from .._model_checks import as_symbols
from .._scheme import from_map
from .._stochastic import StochasticScheme
from ..errors import SchemeError
from ._backward import modified_equation
from ._series import map_series

__all__ = ["SDE", "stochastic_modified_equation"]


@dataclass(frozen=True)
class SDE:
    """An Itô SDE ``dX = drift(X) dt + diffusion(X) dW`` with exact SymPy coefficients.

    Parameters
    ----------
    variables : tuple of Symbol
        The state ``X`` (d entries).
    drift : Matrix, shape (d, 1)
        ``b(X)``.
    diffusion : Matrix, shape (d, m)
        ``sigma(X)``, driven by an ``m``-dimensional Wiener process.
    step : Symbol or None
        The learning-rate symbol the coefficients depend on (an SME), if any.
    order : int
        The weak order of the approximation it was built for (0 when not an SME).
    name : str
        A short description.

    Examples
    --------
    >>> import sympy as sp
    >>> x, s = sp.symbols("x s")
    >>> ou = SDE((x,), sp.Matrix([-x]), sp.Matrix([[s]]))
    >>> ou.covariance, ou.noise_dim, ou.parameters
    (Matrix([[s**2]]), 1, (s,))
    """

    variables: tuple[sp.Symbol, ...]
    drift: sp.ImmutableMatrix
    diffusion: sp.ImmutableMatrix
    step: sp.Symbol | None = None
    order: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        vs = as_symbols(self.variables, where="SDE variables")
        object.__setattr__(self, "variables", vs)
        drift = sp.ImmutableMatrix(self.drift)
        diffusion = sp.ImmutableMatrix(self.diffusion)
        if drift.shape != (len(vs), 1):
            raise SchemeError(f"SDE drift: shape {drift.shape}, expected ({len(vs)}, 1)")
        if diffusion.rows != len(vs) or diffusion.cols < 1:
            raise SchemeError(f"SDE diffusion: shape {diffusion.shape}, expected ({len(vs)}, m)")
        object.__setattr__(self, "drift", drift)
        object.__setattr__(self, "diffusion", diffusion)

    def __hash__(self) -> int:
        return hash((self.variables, self.drift, self.diffusion, self.step))

    @property
    def dim(self) -> int:
        """Number of state variables ``d``."""
        return len(self.variables)

    @property
    def noise_dim(self) -> int:
        """Number of Wiener processes ``m``."""
        return int(self.diffusion.cols)

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols other than the variables (the step included), sorted by name."""
        free = (self.drift.free_symbols | self.diffusion.free_symbols) - set(self.variables)
        return tuple(sorted(free, key=lambda s: s.name))

    @cached_property
    def covariance(self) -> sp.ImmutableMatrix:
        """``sigma sigma^T`` (``tau Sigma`` for an SME), simplified entrywise."""
        s = self.diffusion
        return sp.ImmutableMatrix((s * s.T).applyfunc(sp.simplify))

    def latex(self) -> str:
        r"""``dX = b dt + sigma dW`` as LaTeX.

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> tex = SDE((x,), sp.Matrix([-x]), sp.Matrix([[1]])).latex()
        >>> tex.startswith(r"d\left[\begin{matrix}x\end{matrix}\right] = "), tex.endswith("dW_t")
        (True, True)
        """
        z = sp.latex(sp.Matrix(self.variables))
        return f"d{z} = {sp.latex(self.drift)} dt + {sp.latex(self.diffusion)} dW_t"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return (
            f"SDE({label}variables={self.variables}, drift={list(self.drift)}, "
            f"diffusion {self.diffusion.rows}x{self.diffusion.cols}, order={self.order})"
        )


def _polynomial_degree(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> int:
    expr = sp.expand(expr)
    if expr == 0:
        return 0
    try:
        return int(sp.Poly(expr, *symbols).total_degree())
    except sp.PolynomialError:
        return 10**6


def stochastic_modified_equation(scheme: StochasticScheme, *, order: int = 1) -> SDE:
    """The SME of a minibatch scheme: a weak approximation of order ``order`` (1 or 2).

    Parameters
    ----------
    scheme : StochasticScheme
        From :func:`~limitdyn.sgd` or :func:`~limitdyn.stochastic`.
    order : {1, 2}
        Weak order: 1 keeps the mean field as drift, 2 adds the first modified-equation
        correction of the mean map (Li, Tai & E 2017, Thm. 1).

    Returns
    -------
    SDE
        ``drift`` (d x 1), ``diffusion`` ``sigma`` (d x n, ``n`` examples) with
        ``sigma sigma^T = tau Sigma``; ``Sigma`` is the covariance of the minibatch field,
        ``Sigma_1 / B`` with replacement, times ``(n - B)/(n - 1)`` without.

    Raises
    ------
    SchemeError
        ``order`` not 1 or 2, a field not linear in the example weights, a step
        coefficient ``d_2`` of degree above 2 in them.

    References
    ----------
    Q. Li, C. Tai, W. E, ICML 2017, Thm. 1 (SGD) and JMLR 20 (2019), Thm. 3.

    Examples
    --------
    SGD on ``f_i = (x - a_i)^2 / 2`` with data ``a = (-1, 1)``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x + 1)**2 / 2, (x - 1)**2 / 2], [x])
    >>> sme = ld.stochastic_modified_equation(s, order=2)
    >>> sme.drift, sme.covariance
    (Matrix([[-tau*x/2 - x]]), Matrix([[tau]]))
    """
    if not isinstance(scheme, StochasticScheme):
        raise SchemeError(
            f"stochastic_modified_equation takes a StochasticScheme (ld.sgd, ld.stochastic), "
            f"got {type(scheme).__name__}"
        )
    if isinstance(order, bool) or order not in (1, 2):
        raise SchemeError(f"the order of a stochastic modified equation is 1 or 2, got {order!r}")
    return _sme(scheme, order)


def _sme(scheme: StochasticScheme, order: int) -> SDE:
    c = scheme.noise
    step = scheme.step
    series = map_series(scheme.scheme, order=order)
    mean = scheme.mean_weights
    d1 = [sp.expand(series[i, 1]) for i in range(scheme.dim)]
    for i, e in enumerate(d1):
        if _polynomial_degree(e, c) > 1:
            raise SchemeError(
                f"the field of {scheme.variables[i]} is not linear in the example weights; "
                "write the minibatch field as sum_i c_i g_i"
            )
    g = sp.Matrix([[sp.diff(e, ci) for ci in c] for e in d1])
    diffusion = (sp.sqrt(step) * g * scheme.weight_root).applyfunc(
        lambda e: sp.factor_terms(sp.expand(e))
    )
    if order == 1:
        drift = sp.Matrix([e.xreplace(mean) for e in d1])
        name = f"SME (order 1) of {scheme.name or scheme.scheme.name}"
        return SDE(scheme.variables, drift, diffusion, step, 1, name)
    cov = scheme.weight_covariance
    mean_d2 = []
    for i in range(scheme.dim):
        e = sp.expand(series[i, 2])
        if _polynomial_degree(e, c) > 2:
            raise SchemeError(
                f"the step-squared term of {scheme.variables[i]} has degree above 2 in the "
                "example weights; its mean needs higher moments"
            )
        hess = sum(
            (sp.diff(e, c[a], c[b]) * cov[a, b] for a in range(len(c)) for b in range(len(c))),
            sp.Integer(0),
        )
        mean_d2.append(sp.expand(e.xreplace(mean) + hess / 2))
    mean_map = {
        v: v + step * e.xreplace(mean) + step**2 * e2
        for v, e, e2 in zip(scheme.variables, d1, mean_d2)
    }
    mean_scheme = from_map(mean_map, variables=scheme.variables, step=step)
    drift = sp.Matrix(modified_equation(mean_scheme, order=1).field(order=1))
    drift = drift.applyfunc(sp.expand)
    name = f"SME (order 2) of {scheme.name or scheme.scheme.name}"
    return SDE(scheme.variables, drift, diffusion, step, 2, name)


def sde_from_fields(variables: Any, drift: Any, diffusion: Any, *, name: str = "") -> SDE:
    """An :class:`SDE` from a drift sequence and a diffusion matrix (helper for users)."""
    vs = as_symbols(variables, where="SDE variables")
    return SDE(vs, sp.Matrix(list(drift)), sp.Matrix(diffusion), name=name)
