"""Turinici's Lemma 2: parameter-space and object-space dynamics.

For the parameter gradient flow ``x' = -grad_x (f o g)(x)`` (eq. (36)) the objects
``o = g(x)`` move by ``o' = -(grad f)(o) J J^T`` (eq. (38), ``J = dg/dx``, gradients as
rows): a gradient flow of ``f`` only when ``J J^T = I``. A parameter point where the flow
stops need not be a critical point of ``f``: it is one when ``J^T`` is injective there
(Lemma 2.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from .._model_checks import _is_zero, as_expr, as_symbols
from .._multistep import TwoStepScheme
from .._ode import ODE
from .._scheme import Scheme
from ..errors import SchemeError
from ._limit import limit_ode

__all__ = ["Pushforward", "pushforward"]


@dataclass(frozen=True)
class Pushforward:
    """The object-space dynamics ``o' = J(x) x'`` of a parameter-space system.

    Attributes
    ----------
    system : ODE
        The parameter dynamics ``x' = F(x)``.
    objects : tuple of Symbol
        Names of the object coordinates ``o``.
    g : ImmutableMatrix
        ``o = g(x)``, a column of the objects in the parameters.
    loss : Expr or None
        ``f(o)`` when given: the system is then checked to be the gradient flow (36) of
        ``f o g``.
    """

    system: ODE
    objects: tuple[sp.Symbol, ...]
    g: sp.ImmutableMatrix
    loss: sp.Expr | None = None

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The parameter variables ``x``."""
        return self.system.variables

    @cached_property
    def jacobian(self) -> sp.ImmutableMatrix:
        """``J = dg/dx``, shape ``(m, n)`` (entry ``i, j`` is ``d g_i / d x_j``)."""
        return sp.ImmutableMatrix(self.g.jacobian(self.parameters))

    @cached_property
    def gram(self) -> sp.ImmutableMatrix:
        """``J J^T``, shape ``(m, m)``."""
        return sp.ImmutableMatrix(self.jacobian * self.jacobian.T)

    @cached_property
    def velocity(self) -> sp.ImmutableMatrix:
        """``o' = J F`` in the parameters; for (36), ``-J J^T grad f(g(x))`` (eq. (38))."""
        return sp.ImmutableMatrix(self.jacobian * self.system.rhs)

    @cached_property
    def object_gradient(self) -> sp.ImmutableMatrix:
        """``grad f`` at ``o = g(x)``, in the parameters (needs ``loss``)."""
        if self.loss is None:
            raise SchemeError("this pushforward has no loss f; pass loss= to pushforward")
        on = dict(zip(self.objects, self.g))
        return sp.ImmutableMatrix(
            [sp.diff(self.loss, o).subs(on, simultaneous=True) for o in self.objects]
        )

    def is_gradient_flow(self) -> bool:
        """Whether ``J J^T = I`` identically, so that ``o' = -grad f(o)`` (Lemma 2).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> # Turinici, Lemma 2: for x' = -grad (f o g), o = g(x) moves by o' = -grad f(o) J J^T
        >>> shift = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x + 3), x)]), [x + 3],
        ...                        objects=[o], loss=f)
        >>> shift.is_gradient_flow()  # J = 1
        True
        >>> square = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2],
        ...                         objects=[o], loss=f)
        >>> square.is_gradient_flow(), square.gram  # J J^T = 4 x^2
        (False, Matrix([[4*x**2]]))
        """
        m = len(self.objects)
        return all(
            _is_zero(self.gram[i, j] - (1 if i == j else 0)) for i in range(m) for j in range(m)
        )

    def _at(self, point: Any) -> dict[sp.Symbol, sp.Expr]:
        vs = self.parameters
        if isinstance(point, dict):
            return {v: as_expr(point[v], where=f"point[{v}]") for v in vs}
        values = list(point)
        if len(values) != len(vs):
            raise SchemeError(f"point has {len(values)} values for {len(vs)} parameters")
        return {v: as_expr(a, where=f"point[{v}]") for v, a in zip(vs, values)}

    def is_stationary_at(self, point: Any) -> bool:
        """Whether the parameter flow stops at ``point`` (``F = 0``).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> pf = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2], objects=[o],
        ...                     loss=f)
        >>> pf.is_stationary_at([0]), pf.is_stationary_at([1]), pf.is_stationary_at([2])
        (True, True, False)
        """
        at = self._at(point)
        return all(_is_zero(f.xreplace(at)) for f in self.system.rhs)

    def is_critical_at(self, point: Any) -> bool:
        """Whether ``o = g(point)`` is a critical point of ``f`` (``grad f = 0``).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> pf = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2], objects=[o],
        ...                     loss=f)
        >>> # x = 0 stops the flow, but o = 0 is not a critical point of f;
        >>> # x = 1 gives o = 1, which is
        >>> pf.is_critical_at([0]), pf.is_critical_at([1])
        (False, True)
        """
        at = self._at(point)
        return all(_is_zero(e.xreplace(at)) for e in self.object_gradient)

    def is_injective_at(self, point: Any) -> bool:
        """Whether ``J^T`` is injective at ``point`` (rank ``J = m``), the hypothesis of
        Lemma 2.3 under which stationary points are critical points of ``f``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> pf = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2], objects=[o],
        ...                     loss=f)
        >>> pf.is_injective_at([0]), pf.is_injective_at([1])  # J = 2x
        (False, True)
        """
        at = self._at(point)
        return sp.Matrix(self.jacobian.xreplace(at)).rank() == len(self.objects)

    def ode(self) -> ODE:
        """The joint system ``x' = F(x)``, ``o' = J(x) F(x)`` on ``(x, o)``; started at
        ``o_0 = g(x_0)`` its solution keeps ``o = g(x)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> pf = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2], objects=[o],
        ...                     loss=f)
        >>> ode = pf.ode()
        >>> ode.variables
        (x, o)
        >>> sp.simplify(ode.rhs[1] - 2 * x * ode.rhs[0])  # o' = J x' with J = 2x
        0
        """
        rhs = [*self.system.rhs, *self.velocity]
        return ODE((*self.parameters, *self.objects), rhs, name="parameters and objects")

    def __repr__(self) -> str:
        body = ", ".join(f"{o}' = {v}" for o, v in zip(self.objects, self.velocity))
        return f"Pushforward({body}; gradient flow: {self.is_gradient_flow()})"

    def latex(self) -> str:
        """The object dynamics as aligned LaTeX, ``\\dot o_i = (J F)_i``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, o = sp.symbols("x o")
        >>> f = (o - 1) ** 2 / 2
        >>> pf = ld.pushforward(ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)]), [x**2], objects=[o],
        ...                     loss=f)
        >>> print(pf.latex())
        \\begin{aligned}\\dot{o} &= - 4 x^{2} \\left(x^{2} - 1\\right)\\end{aligned}
        """
        lines = [
            rf"\dot{{{sp.latex(o)}}} &= {sp.latex(v)}" for o, v in zip(self.objects, self.velocity)
        ]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"


def pushforward(
    system: ODE | Scheme | TwoStepScheme, g: Any, *, objects: Any = None, loss: Any = None
) -> Pushforward:
    """The dynamics of ``o = g(x)`` along a parameter system (Turinici, Lemma 2).

    Parameters
    ----------
    system : ODE or Scheme
        ``x' = F(x)``; a scheme stands for its :func:`~limitdyn.limit_ode`.
    g : Expr or sequence of Expr
        The object coordinates in the parameters.
    objects : sequence of Symbol, optional
        Their names (default ``o0, o1, ...``).
    loss : Expr, optional
        ``f`` in the objects; the system must then be the gradient flow (36),
        ``F = -J^T grad f(g(x))``.

    Returns
    -------
    Pushforward
        ``.velocity`` (eq. (38)), ``.is_gradient_flow()``, ``.is_critical_at``, ...

    Raises
    ------
    SchemeError
        ``g`` not in the parameters, a wrong number of object names, a system that is not
        the gradient flow of ``f o g`` when ``loss`` is given.

    References
    ----------
    G. Turinici, arXiv:2012.10410, Appendix A.2, Lemma 2, eqs. (36)-(38).

    Examples
    --------
    ``g(x) = x^2``, ``f(o) = (o - 1)^2/2``: the flow stops at ``x = 0``, where ``o = 0`` is
    not a critical point of ``f`` because ``J^T = 2x = 0`` is not injective:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, o = sp.symbols("x o")
    >>> f = (o - 1) ** 2 / 2
    >>> flow = ld.ODE([x], [-sp.diff(f.subs(o, x**2), x)])
    >>> pf = ld.pushforward(flow, [x**2], objects=[o], loss=f)
    >>> pf.velocity
    Matrix([[-4*x**2*(x**2 - 1)]])
    >>> pf.is_gradient_flow(), pf.is_stationary_at([0]), pf.is_critical_at([0])
    (False, True, False)
    >>> pf.is_injective_at([0])
    False
    """
    if isinstance(system, (Scheme, TwoStepScheme)):
        system = limit_ode(system)
    if not isinstance(system, ODE):
        raise SchemeError(f"pushforward needs an ODE or a scheme, got {type(system).__name__}")
    entries = [g] if isinstance(g, sp.Basic) and not isinstance(g, sp.MatrixBase) else list(g)
    gs = sp.ImmutableMatrix([as_expr(e, where=f"g, entry {i}") for i, e in enumerate(entries)])
    names = (
        tuple(sp.Symbol(f"o{i}") for i in range(len(gs)))
        if objects is None
        else as_symbols(objects, where="objects")
    )
    if len(names) != len(gs):
        raise SchemeError(f"{len(names)} object names for {len(gs)} entries of g")
    clash = set(names) & set(system.variables)
    if clash:
        raise SchemeError(f"object name {sorted(clash, key=str)[0]} is also a parameter")
    f = None if loss is None else as_expr(loss, where="loss")
    result = Pushforward(system=system, objects=names, g=gs, loss=f)
    if f is not None:
        expected = -result.jacobian.T * result.object_gradient
        for v, a, b in zip(system.variables, system.rhs, expected):
            if not _is_zero(a - b):
                raise SchemeError(
                    f"the system is not the gradient flow (36) of f o g: its {v}-component "
                    f"is {a}, not {b}"
                )
    return result
