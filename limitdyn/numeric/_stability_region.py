"""Stability regions of schemes on the linear test problem, as NodePy draws them.

The test problem ``y' = lambda y`` with ``lambda = a + i b`` is written as the real planar
system ``u' = a u - b v``, ``v' = b u + a v`` (a damped rotation), so one code path serves
every kind of scheme: the scheme is built on it with the constructors of
:mod:`limitdyn` (explicit, implicit, extragradient, optimistic, heavy ball, alternating),
its linearised update is computed exactly (:mod:`limitdyn.symbolic._equilibria`), with
entries exact rational functions of ``(tau a, tau b)``, and the spectral radius is the
largest eigenvalue modulus of that matrix evaluated on a grid of ``z = tau lambda``. For one-step
methods on the complex test problem this is ``|R(z)|``, the modulus of the stability
function (the real form has the eigenvalues ``R(z)`` and its conjugate); for alternating
updates of the two coordinates it is the rotation test of Gauss-Seidel game dynamics.

References
----------
D. I. Ketcheson, "NodePy: a package for the analysis of numerical ODE solvers",
``nodepy.stability_function`` and ``plot_stability_region``; E. Hairer, G. Wanner,
"Solving Ordinary Differential Equations II", sec. IV.2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._multistep import TwoStepScheme, extragradient, optimistic, two_step
from .._scheme import Scheme, alternating, explicit, implicit, tau
from .._validate import check_memory, one_of, positive_int
from ..errors import InputError
from ..symbolic._equilibria import scheme_jacobian

__all__ = ["STABILITY_KINDS", "StabilityRegion", "stability_region"]

#: the kinds of scheme :func:`stability_region` builds on the test problem
STABILITY_KINDS = (
    "explicit",
    "simultaneous",
    "implicit",
    "extragradient",
    "optimistic",
    "heavy-ball",
    "alternating",
)

_A, _B = sp.symbols("a b", real=True)
_U, _V = sp.symbols("u v")


def _test_scheme(kind: Any, momentum: sp.Expr) -> Scheme | TwoStepScheme:
    field = [_A * _U - _B * _V, _B * _U + _A * _V]
    variables = [_U, _V]
    if callable(kind):
        scheme = kind(field, variables)
        if not isinstance(scheme, (Scheme, TwoStepScheme)):
            raise InputError(
                "a scheme builder must return a Scheme or TwoStepScheme, "
                f"got {type(scheme).__name__}"
            )
        return scheme
    one_of(kind, "kind", STABILITY_KINDS)
    if kind in ("explicit", "simultaneous"):
        return explicit(field, variables)
    if kind == "implicit":
        return implicit(field, variables)
    if kind == "extragradient":
        return extragradient(field, variables)
    if kind == "optimistic":
        return optimistic(field, variables)
    if kind == "alternating":
        return alternating([(_U, [field[0]]), (_V, [field[1]])])
    prev = sp.symbols("u_prev v_prev")  # heavy ball on a (not necessarily gradient) field
    rec = [v + tau * f + momentum * (v - p) for v, f, p in zip(variables, field, prev)]
    return two_step(dict(zip(variables, rec)), previous=prev, name="heavy ball")


def _evaluate(expr: sp.Expr, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A polynomial in ``(a, b)`` with exact coefficients, evaluated on arrays."""
    out = np.zeros(np.broadcast(a, b).shape)
    for (i, j), c in sp.Poly(expr, _A, _B).terms():
        out = out + float(c) * a**i * b**j
    return out


@dataclass(frozen=True)
class StabilityRegion:
    """Spectral radius of a scheme's update on the test problem over a grid of ``z = tau lambda``.

    Attributes
    ----------
    kind : str
        The scheme kind, or the name of the builder.
    re, im : ndarray, shape (n,) and (m,)
        The grid of ``Re z`` and ``Im z``.
    radius : ndarray, shape (m, n)
        The spectral radius at ``z = re[j] + i im[i]`` (``inf`` where the update is
        undefined, as implicit Euler at ``z = 1``).
    characteristic : Expr
        ``det(xi I - J)`` (times its common denominator), a polynomial in ``xi``,
        ``a = Re z`` and ``b = Im z``.
    """

    kind: str
    re: np.ndarray
    im: np.ndarray
    radius: np.ndarray
    characteristic: sp.Expr

    @property
    def stable(self) -> np.ndarray:
        """Boolean mask ``radius < 1``, shape (m, n)."""
        return np.asarray(self.radius < 1.0)

    @property
    def area(self) -> float:
        """Area of the stable part of the grid's rectangle (trapezoidal rule on the mask)."""

        def weights(axis: np.ndarray) -> np.ndarray:
            w = np.full(len(axis), (axis[-1] - axis[0]) / (len(axis) - 1))
            w[[0, -1]] /= 2
            return w

        return float(weights(self.im) @ self.stable @ weights(self.re))

    def __repr__(self) -> str:
        return (
            f"StabilityRegion({self.kind!r}, re=[{self.re[0]:g}, {self.re[-1]:g}], "
            f"im=[{self.im[0]:g}, {self.im[-1]:g}], grid={self.radius.shape}, "
            f"stable fraction={self.stable.mean():.3g})"
        )

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table(
            repr(self),
            {"characteristic polynomial": [str(self.characteristic)]},
        )

    def to_dataframe(self) -> Any:
        """Long table: one row per grid point with ``re``, ``im``, ``radius``, ``stable``.

        Examples
        --------
        >>> import limitdyn as ld
        >>> df = ld.stability_region("explicit", n=11).to_dataframe()
        >>> list(df.columns), len(df)
        (['re', 'im', 'radius', 'stable'], 121)
        >>> row = df[(df.re == -1.0) & (df.im == 0.0)]  # explicit Euler: |1 + z| < 1
        >>> row.radius.item(), row.stable.item()
        (0.0, True)
        """
        from .._display import dataframe

        re, im = np.meshgrid(self.re, self.im)
        columns: dict[str, Any] = {
            "re": re.ravel(),
            "im": im.ravel(),
            "radius": self.radius.ravel(),
            "stable": self.stable.ravel(),
        }
        return dataframe(columns)

    def plot(self, *, ax: Any = None) -> Any:
        """Fill the stable region and draw its boundary ``radius = 1``.

        Examples
        --------
        >>> import limitdyn as ld
        >>> ax = ld.stability_region("explicit", n=101).plot()
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('$\\\\mathrm{Re}(\\\\tau\\\\lambda)$', '$\\\\mathrm{Im}(\\\\tau\\\\lambda)$')
        """
        from ..plotting._stability import plot_stability_region

        return plot_stability_region(self, ax=ax)


def stability_region(
    kind: str | Callable[[Any, Any], Any],
    *,
    re: tuple[float, float] = (-3.0, 1.0),
    im: tuple[float, float] = (-2.5, 2.5),
    n: int = 201,
    momentum: Any = 0.5,
) -> StabilityRegion:
    """Stability region of a kind of scheme on the linear test problem ``y' = lambda y``.

    Parameters
    ----------
    kind : str or callable
        One of :data:`STABILITY_KINDS` (``"explicit"`` and ``"simultaneous"`` are the same
        update on the test problem; ``"alternating"`` steps ``u`` then ``v``), or a
        builder ``(field, variables) -> Scheme | TwoStepScheme`` applied to the planar
        real form of the test problem.
    re, im : (float, float)
        Ranges of ``Re z`` and ``Im z``, ``z = tau lambda``.
    n : int
        Grid points per axis (at most 2001).
    momentum : number
        ``beta`` of the heavy ball.

    Returns
    -------
    StabilityRegion

    Raises
    ------
    InputError
        For an unknown kind (listing the valid ones), bad ranges or sizes.

    Examples
    --------
    Explicit Euler is stable in the disk ``|1 + z| < 1``:

    >>> import limitdyn as ld
    >>> r = ld.stability_region("explicit", n=101)
    >>> float(r.radius[50, 50]), round(r.area, 1)   # z = -1, area ~ pi
    (0.0, 3.1)
    """
    if not callable(kind):
        one_of(kind, "kind", STABILITY_KINDS)
    n = positive_int(n, "n")
    if n < 2 or n > 2001:
        raise InputError(f"n must lie in 2..2001, got {n}")
    bounds = []
    for name, rng in (("re", re), ("im", im)):
        try:
            lo, hi = (float(v) for v in rng)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name} must be a pair of numbers, got {rng!r}") from exc
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise InputError(f"{name} must be finite with low < high, got {rng!r}")
        bounds.append((lo, hi))
    beta = sp.nsimplify(momentum, rational=True)
    if not (beta.is_real and 0 <= beta < 1):
        raise InputError(f"momentum must lie in [0, 1), got {momentum!r}")
    scheme = _test_scheme(kind, beta)
    one = scheme.doubled if isinstance(scheme, TwoStepScheme) else scheme
    if set(one.parameters) - {_A, _B}:
        raise InputError(f"the scheme has parameters {one.parameters} besides a and b")
    jac = scheme_jacobian(one, {v: sp.Integer(0) for v in one.variables})
    jac = jac.xreplace({one.step: sp.Integer(1)})
    xi = sp.Symbol("xi")
    char = sp.together(jac.charpoly(xi).as_expr())
    numer = sp.expand(sp.fraction(char)[0])
    d = jac.shape[0]
    check_memory(16.0 * n * n * d * d * 3, "stability_region grid")
    re_ax = np.linspace(*bounds[0], n)
    im_ax = np.linspace(*bounds[1], n)
    a, b = np.meshgrid(re_ax, im_ax)
    mats = np.empty((*a.shape, d, d))
    defined = np.ones(a.shape, dtype=bool)
    for i in range(d):
        for j in range(d):
            top, bottom = sp.fraction(sp.together(jac[i, j]))
            den = _evaluate(sp.expand(bottom), a, b)
            defined &= np.abs(den) > 1e-14
            with np.errstate(divide="ignore", invalid="ignore"):
                mats[..., i, j] = _evaluate(sp.expand(top), a, b) / den
    radius = np.full(a.shape, np.inf)
    radius[defined] = np.max(np.abs(np.linalg.eigvals(mats[defined])), axis=-1)
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", "custom")
    return StabilityRegion(name, re_ax, im_ax, radius, numer)
