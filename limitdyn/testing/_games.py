"""The two-player game record drawn by :func:`limitdyn.testing.strategies.games`.

Plain SymPy and the public constructors; hypothesis is not needed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = ["GAME_KINDS", "Game"]

#: the kinds of game that :func:`~limitdyn.testing.strategies.games` draws
GAME_KINDS = ("bilinear", "quadratic", "zero_sum", "general_sum")


@dataclass(frozen=True)
class Game:
    """A two-player game: ``x`` minimises ``f(x, y)``, ``y`` minimises ``g(x, y)``.

    Attributes
    ----------
    x_vars, y_vars : tuple of Symbol
        The players' parameters.
    f, g : Expr
        The costs that ``x`` and ``y`` minimise (exact rational coefficients).
    kind : str
        One of :data:`GAME_KINDS`.
    coupling : ImmutableMatrix or None
        ``A`` in the coupling term ``x^T A y`` (bilinear and quadratic games).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> game = Game((x,), (y,), 2 * x * y, -2 * x * y, "bilinear", sp.ImmutableMatrix([[2]]))
    >>> game
    Game(bilinear: x minimises 2*x*y, y minimises -2*x*y)
    >>> game.is_zero_sum, game.loss
    (True, 2*x*y)
    >>> game.field
    (-2*y, 2*x)
    >>> game.scheme(order="simultaneous", implicit=False).map()
    {x: -2*tau*y + x, y: 2*tau*x + y}
    """

    x_vars: tuple[sp.Symbol, ...]
    y_vars: tuple[sp.Symbol, ...]
    f: sp.Expr
    g: sp.Expr
    kind: str
    coupling: sp.ImmutableMatrix | None = None

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """``x_vars + y_vars``."""
        return self.x_vars + self.y_vars

    @property
    def is_zero_sum(self) -> bool:
        """Whether ``f + g = 0`` identically."""
        return bool(sp.expand(self.f + self.g) == 0)

    @property
    def loss(self) -> sp.Expr | None:
        """The zero-sum loss ``f`` (x minimises it, y maximises it); None for a
        general-sum game."""
        return self.f if self.is_zero_sum else None

    @property
    def field(self) -> tuple[sp.Expr, ...]:
        """The simultaneous gradient field ``(-grad_x f, -grad_y g)``: the limit of every
        gradient scheme of the game with unit rates (Turinici, arXiv:2012.10410, eq. (7))."""
        fx = tuple(sp.expand(-sp.diff(self.f, v)) for v in self.x_vars)
        gy = tuple(sp.expand(-sp.diff(self.g, v)) for v in self.y_vars)
        return fx + gy

    def scheme(self, **options: Any) -> Any:
        """The scheme :func:`limitdyn.game` builds for this game (options passed on:
        ``order``, ``implicit``, ``rates``, ``repeats``, ``metric``, ``at``).

        Examples
        --------
        >>> import sympy as sp
        >>> x, y = sp.symbols("x y")
        >>> Game((x,), (y,), x * y, -x * y, "bilinear").scheme(implicit=False).map()
        {x: -tau*y + x, y: tau*(-tau*y + x) + y}
        """
        import limitdyn as ld

        return ld.game(self.f, self.g, list(self.x_vars), list(self.y_vars), **options)

    def __repr__(self) -> str:
        xs = ", ".join(v.name for v in self.x_vars)
        ys = ", ".join(v.name for v in self.y_vars)
        return f"Game({self.kind}: {xs} minimises {self.f}, {ys} minimises {self.g})"

    def latex(self) -> str:
        r"""``\min_x f, \min_y g`` in LaTeX.

        Examples
        --------
        >>> import sympy as sp
        >>> x, y = sp.symbols("x y")
        >>> print(Game((x,), (y,), x * y, -x * y, "bilinear").latex())
        \min_{x} x y,\quad \min_{y} - x y
        """
        xs = ", ".join(sp.latex(v) for v in self.x_vars)
        ys = ", ".join(sp.latex(v) for v in self.y_vars)
        return f"\\min_{{{xs}}} {sp.latex(self.f)},\\quad \\min_{{{ys}}} {sp.latex(self.g)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"
