"""Proximal (minimising-movement) steps in a metric: ``argmin_u d(u, x)^2/(2 tau) + C(u)``.

:func:`proximal` returns an ordinary :class:`~limitdyn.Scheme` with one implicit stage
(the step's optimality condition, built in :mod:`limitdyn._metric`), so limit ODEs,
modified equations, invariants, stability and iteration apply to it as to any scheme.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ._metric import as_metric, bregman_metric, step_spec
from ._model_checks import as_expr, as_symbols, check_step
from ._scheme import ImplicitStage, Scheme, tau
from .errors import SchemeError

__all__ = ["proximal"]


def proximal(
    cost: Any,
    variables: Any,
    *,
    metric: Any = None,
    bregman: Any = None,
    step: sp.Symbol = tau,
    at: Any = None,
) -> Scheme:
    r"""The proximal step ``x+ = argmin_u d(u, x)^2 / (2 tau) + C(u)`` in a metric.

    The step is the root ``u`` of its optimality condition, one implicit stage:

    - ``metric=None`` (Euclidean): ``u - x + tau grad C(u) = 0`` (implicit Euler,
      :func:`~limitdyn.implicit` on ``-grad C``);
    - ``metric=G``, a constant symmetric positive-definite matrix:
      ``G (u - x) + tau grad C(u) = 0``, the Euclidean step in the coordinates
      ``y = G^{1/2} x``;
    - ``metric=G(z)``, a matrix in the variables (Riemannian): the step with the quadratic
      form of ``G`` at the current point, ``d(u, x)^2 = (u - x)^T G(x) (u - x)``, i.e.
      ``G(x) (u - x) + tau grad C(u) = 0``. The squared geodesic distance is
      ``(u - x)^T G(x) (u - x) + O(|u - x|^3)`` and ``u - x = O(tau)``, so this step and the
      geodesic proximal step agree to ``O(tau^2)`` per step: they have the same limit
      ``x' = -G(x)^{-1} grad C`` (the natural-gradient flow, Amari 1998), and their
      modified equations differ in general from the first order in ``tau`` on;
    - ``bregman=phi``, a strictly convex potential: the mirror (Bregman) step
      ``argmin_u D_phi(u, x) / tau + C(u)`` with
      ``D_phi(u, x) = phi(u) - phi(x) - grad phi(x) . (u - x)``, i.e.
      ``grad phi(u) - grad phi(x) + tau grad C(u) = 0``; limit the mirror flow
      ``x' = -(Hess phi)^{-1} grad C``. The entropy ``phi = sum p_i log p_i`` on the
      simplex, written in the free coordinates ``p_1..p_{n-1}`` (``p_n = 1 - sum``), gives
      the implicit form of multiplicative weights (the explicit mirror step is
      ``p_i+ ~ p_i exp(-tau d_i C)``), whose limit is the replicator dynamics.

    Parameters
    ----------
    cost : Expr
        ``C``, in the variables (and parameters).
    variables : Symbol or sequence of Symbol
        The state.
    metric : Matrix, optional
        ``G``, square of the state's size, symmetric, positive definite at the start point;
        constant or in the variables. Not with ``bregman``.
    bregman : Expr, optional
        ``phi``, strictly convex at the start point.
    step : Symbol, optional
        The step symbol.
    at : sequence or mapping, optional
        The start point (values of the variables, or a mapping that may also give the
        parameters in ``G``), where ``G`` (or ``Hess phi``) is checked positive definite;
        without it the check must hold provably everywhere (e.g. a constant ``G``, or
        entries SymPy knows positive from the symbols' assumptions).

    Returns
    -------
    Scheme
        One implicit stage; ``limit_ode`` gives ``x' = -G^{-1} grad C``.

    Raises
    ------
    SchemeError
        Naming the piece: a metric that is not square of the state's size, not symmetric,
        not positive definite at the start point (or not provably so without ``at``), that
        depends on the step; a Bregman potential that is not strictly convex there; both
        ``metric`` and ``bregman``; a cost or variables as :func:`~limitdyn.explicit`
        refuses them.

    References
    ----------
    G. Turinici, arXiv:2012.10410, eqs. (3), (8)-(9) (the minimising-movement step);
    S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998) (``x' = -G^{-1} grad C``); A. Beck and M. Teboulle, "Mirror descent and
    nonlinear projected subgradient methods", Oper. Res. Lett. 31 (2003).

    Examples
    --------
    The Fisher metric of ``N(m, s^2)`` and ``C = KL(N(m, s^2) || N(0, 1))``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> m = sp.Symbol("m", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> kl = (s**2 + m**2 - 1) / 2 - sp.log(s)
    >>> step = ld.proximal(kl, [m, s], metric=sp.diag(1 / s**2, 2 / s**2))
    >>> ode = ld.limit_ode(step)
    >>> [sp.factor(f) for f in ode.rhs]
    [-m*s**2, -s*(s - 1)*(s + 1)/2]
    >>> ld.proximal(kl, [m, s], metric=sp.Matrix([[1, 2], [3, 4]]))
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: metric is not symmetric: entry (0, 1) is 2 but entry (1, 0) is 3
    """
    step = check_step(step)
    vs = as_symbols(variables, where="variables")
    c = as_expr(cost, where="cost")
    if metric is not None and bregman is not None:
        raise SchemeError("give metric= or bregman=, not both")
    if bregman is not None:
        phi, _ = bregman_metric(bregman, vs, step=step, at=at)
        targets, unknowns, residual, _ = step_spec(c, vs, step, phi=phi)
        name = "mirror (Bregman) proximal step"
    elif metric is not None:
        G = as_metric(metric, vs, step=step, at=at, where="metric")
        targets, unknowns, residual, _ = step_spec(c, vs, step, metric=G)
        constant = not (G.free_symbols & set(vs))
        name = f"proximal step ({'constant' if constant else 'Riemannian'} metric)"
    else:
        targets, unknowns, residual, _ = step_spec(c, vs, step)
        name = "proximal step (Euclidean)"
    stage = ImplicitStage(targets=targets, unknowns=unknowns, residual=residual, label="proximal")
    return Scheme(variables=vs, stages=(stage,), step=step, name=name)
