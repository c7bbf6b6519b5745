"""The ODE type: an autonomous vector field on named variables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from ._model_checks import (
    as_expr,
    as_field,
    as_items,
    as_name,
    as_symbols,
    check_distinct_names,
)
from .errors import SchemeError

__all__ = ["ODE"]


@dataclass(frozen=True)
class ODE:
    """An autonomous ODE ``z' = f(z)`` with exact SymPy right-hand side.

    Parameters
    ----------
    variables : tuple of Symbol
        The state, in the order of numeric arrays.
    rhs : Matrix
        Column matrix ``f``, one entry per variable (or a sequence, or a mapping
        ``{variable: f_i}`` whose keys are exactly the variables).
    name : str
        A short description.

    Raises
    ------
    SchemeError
        If the variables or the right-hand side are ill-formed, or two different symbols
        share a name.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y, w = sp.symbols("x y omega")
    >>> ode = ld.ODE((x, y), sp.Matrix([w * y, -w * x]))
    >>> ode.parameters
    (omega,)
    >>> ode.jacobian
    Matrix([
    [     0, omega],
    [-omega,     0]])
    """

    variables: tuple[sp.Symbol, ...]
    rhs: sp.Matrix
    name: str = ""

    def __post_init__(self) -> None:
        variables = as_symbols(self.variables, where="ODE variables")
        entries = as_field(self.rhs, variables, where="ODE right-hand side")
        as_name(self.name, where="ODE name")
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "rhs", sp.ImmutableMatrix(entries))
        check_distinct_names((*variables, *self.parameters), where="ODE symbols")

    def __hash__(self) -> int:
        return hash((self.variables, self.rhs))

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the right-hand side other than the variables, sorted by name."""
        free = {s for s in self.rhs.free_symbols if isinstance(s, sp.Symbol)} - set(self.variables)
        return tuple(sorted(free, key=lambda s: (s.name, str(s.assumptions0))))

    @cached_property
    def jacobian(self) -> sp.ImmutableMatrix:
        """``df/dz``, a square SymPy matrix."""
        return sp.ImmutableMatrix(self.rhs.jacobian(self.variables))

    @property
    def dim(self) -> int:
        """Number of state variables."""
        return len(self.variables)

    def subs(self, values: Any) -> ODE:
        """The same ODE with some parameters replaced.

        Parameters
        ----------
        values : mapping Symbol -> number or Expr
            New values of parameters of the ODE (SymPy objects or numbers; strings are
            refused, never parsed).

        Raises
        ------
        SchemeError
            If a key is not a parameter of the ODE (a variable, an unknown symbol, not a
            Symbol) or a value is not a number or SymPy expression.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, w = sp.symbols("x omega")
        >>> ld.ODE([x], [-w * x]).subs({w: 2})
        ODE(x' = -2*x)
        """
        new: dict[sp.Symbol, sp.Expr] = {}
        for k, v in as_items(values, where="ODE.subs values"):
            if not isinstance(k, sp.Symbol):
                raise SchemeError(
                    f"ODE.subs: the key {k!r} is a {type(k).__name__}, not a SymPy Symbol "
                    "(strings are never parsed)"
                )
            if k not in self.parameters:
                raise SchemeError(
                    f"ODE.subs: {k!r} is not a parameter of the ODE; "
                    f"its parameters are {self.parameters}"
                )
            new[k] = as_expr(v, where=f"ODE.subs value of {k}")
        rhs = sp.ImmutableMatrix(self.rhs.xreplace(new))
        return ODE(self.variables, rhs, name=self.name)

    def equations(self) -> list[sp.Eq]:
        """The ODE as a list of ``Eq(Derivative(z_i, t), f_i)`` in a time symbol ``t``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> ld.ODE((x, y), [y, -x]).equations()
        [Eq(Derivative(x(t), t), y(t)), Eq(Derivative(y(t), t), -x(t))]
        """
        t = sp.Symbol("t")
        funcs = {v: sp.Function(v.name)(t) for v in self.variables}
        return [
            sp.Eq(sp.Derivative(funcs[v], t), f.xreplace(funcs))
            for v, f in zip(self.variables, self.rhs)
        ]

    def latex(self) -> str:
        """LaTeX of the system, one ``\\dot z_i = f_i`` per line, aligned at the ``=``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> print(ld.ODE((x, y), [y, -x]).latex())
        \\begin{aligned}\\dot{x} &= y \\\\ \\dot{y} &= - x\\end{aligned}
        """
        lines = [
            rf"\dot{{{sp.latex(v)}}} &= {sp.latex(f)}" for v, f in zip(self.variables, self.rhs)
        ]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        body = ", ".join(f"{v}' = {f}" for v, f in zip(self.variables, self.rhs))
        return f"ODE({body})"
