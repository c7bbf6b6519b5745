"""The result of backward error analysis: :class:`ModifiedEquation`.

Holds the terms ``f_0, f_1, ..., f_k`` of a modified field and what follows from them:
truncations, the ODE, restriction to a closed subsystem, gradient structure and
modified potentials, the per-player drifts and losses of games, and display (LaTeX,
text, CSE). It is computed by :func:`~limitdyn.modified_equation`
(:mod:`limitdyn.symbolic._backward`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

from .._ode import ODE
from .._scheme import as_rates, as_symbols
from .._validate import non_negative_int
from ..errors import SchemeError
from ._potential import asymmetry, expand, potential

__all__ = ["ModifiedEquation"]


@dataclass(frozen=True)
class ModifiedEquation:
    """The modified field ``sum_{j <= k} tau**j f_j`` of a scheme.

    Its exact flow over a time ``tau`` reproduces one step of the scheme to
    ``O(tau**(k + 2))`` (backward error analysis, in the common time ``t = n tau``).
    Build it with :func:`modified_equation`.

    Attributes
    ----------
    variables : tuple of Symbol
        The state, aligned with the scheme's variables.
    terms : tuple of ImmutableMatrix
        ``terms[j]`` is the column ``f_j``, the coefficient of ``tau**j``.
    step : Symbol
        The step symbol ``tau``.
    players : tuple of tuple of Symbol
        Groups of variables moved together (the blocks of an alternating scheme, or
        the players given to :func:`modified_equation`); one group when there is none.
    name : str
        A short description.
    compact : callable, optional
        ``order -> (replacements, reduced)`` or None: a smaller presentation of the
        truncated field for :meth:`cse` (set by :func:`modified_equation` for one-step
        schemes, :mod:`limitdyn.symbolic._compact`); not part of the value.
    """

    variables: tuple[sp.Symbol, ...]
    terms: tuple[sp.ImmutableMatrix, ...]
    step: sp.Symbol
    players: tuple[tuple[sp.Symbol, ...], ...] = ()
    name: str = ""
    compact: Callable[[int], Any] | None = _field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        variables = as_symbols(self.variables, where="ModifiedEquation variables")
        object.__setattr__(self, "variables", variables)
        terms = tuple(sp.ImmutableMatrix(t) for t in self.terms)
        if not terms:
            raise SchemeError("ModifiedEquation: no terms")
        for j, t in enumerate(terms):
            if t.shape != (len(variables), 1):
                raise SchemeError(
                    f"ModifiedEquation: term {j} has shape {t.shape}, "
                    f"expected ({len(variables)}, 1)"
                )
        object.__setattr__(self, "terms", terms)
        players = self.players or (variables,)
        object.__setattr__(self, "players", _check_players(players, variables))

    # -- basic facts -----------------------------------------------------------------------
    @property
    def order(self) -> int:
        """The highest power of ``tau`` computed."""
        return len(self.terms) - 1

    def _order(self, order: int | None) -> int:
        if order is None:
            return self.order
        order = non_negative_int(order, "order", error=SchemeError)
        if order > self.order:
            raise SchemeError(
                f"order {order} asked but the modified equation was computed to order "
                f"{self.order}; call modified_equation(scheme, order={order})"
            )
        return order

    def field(self, *, order: int | None = None) -> sp.ImmutableMatrix:
        """``sum_{j <= order} tau**j f_j`` as a column matrix.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> ld.modified_equation(ld.explicit([-x], [x]), order=2).field()
        Matrix([[-tau**2*x/3 - tau*x/2 - x]])
        """
        k = self._order(order)
        total = sp.zeros(len(self.variables), 1)
        for j in range(k + 1):
            total += self.step**j * self.terms[j]
        return sp.ImmutableMatrix(total)

    def drift(self, *, order: int | None = None) -> sp.ImmutableMatrix:
        """The correction ``sum_{1 <= j <= order} tau**j f_j`` to the limit field.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> # explicit Euler: f~ = f - (tau/2) f'f + O(tau^2) (HLW IX.1); for f = -x, f'f = x
        >>> ld.modified_equation(ld.explicit([-x], [x]), order=1).drift()
        Matrix([[-tau*x/2]])
        >>> ld.modified_equation(ld.implicit([-x], [x]), order=1).drift()  # the opposite sign
        Matrix([[tau*x/2]])
        """
        return sp.ImmutableMatrix(self.field(order=order) - self.terms[0])

    def ode(self, *, order: int | None = None) -> ODE:
        """The truncated modified equation as an :class:`~limitdyn.ODE`.

        ``tau`` stays a parameter of the ODE (for ``order >= 1``): give its value
        like any other parameter when integrating.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> ode = ld.modified_equation(ld.implicit([-x], [x]), order=1).ode()
        >>> ode
        ODE(x' = tau*x/2 - x)
        >>> ode.parameters
        (tau,)
        """
        k = self._order(order)
        label = f"order-{k} modified equation"
        ode = ODE(
            self.variables,
            self.field(order=k),
            name=f"{label} of {self.name}" if self.name else label,
        )
        if self.compact is not None:
            # code generation prints the shared form of cse() (computed when code is
            # generated, not here); ODE.subs and equality ignore it
            object.__setattr__(ode, "_presentation", functools.partial(self.compact, k))
        return ode

    def restrict(self, variables: Any) -> ModifiedEquation:
        """The modified equation of a closed subsystem.

        For a two-step scheme, ``restrict(scheme.current)`` is the modified equation of
        the underlying one-step method on ``x`` alone.

        Raises
        ------
        SchemeError
            If a kept component depends on a dropped variable.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> me = ld.modified_equation(ld.explicit([-x, x - y], [x, y]), order=1)
        >>> me.restrict([x]).field()  # x' = -x does not depend on y
        Matrix([[-tau*x/2 - x]])
        >>> me.restrict([y])
        Traceback (most recent call last):
        ...
        limitdyn.errors.SchemeError: restrict: term 0 of y' depends on the dropped ...
        """
        keep = as_symbols(variables, where="restrict")
        missing = [v for v in keep if v not in self.variables]
        if missing:
            raise SchemeError(f"restrict: {missing} are not variables of the modified equation")
        rows = [self.variables.index(v) for v in keep]
        dropped = set(self.variables) - set(keep)
        terms = []
        for j, t in enumerate(self.terms):
            col = [t[r, 0] for r in rows]
            for v, e in zip(keep, col):
                if e.free_symbols & dropped:
                    raise SchemeError(
                        f"restrict: term {j} of {v}' depends on the dropped variables "
                        f"{sorted(map(str, e.free_symbols & dropped))}"
                    )
            terms.append(sp.ImmutableMatrix(col))
        players = tuple(
            tuple(v for v in p if v in keep) for p in self.players if set(p) & set(keep)
        )
        return ModifiedEquation(keep, tuple(terms), self.step, players=players, name=self.name)

    # -- gradient structure ----------------------------------------------------------------
    def is_gradient(self, *, order: int | None = None) -> bool:
        """Whether ``sum_{j <= order} tau**j f_j`` is a gradient field ``-grad V``.

        Holds iff every term has a symmetric Jacobian (on a simply connected domain).

        Examples
        --------
        Gradient descent keeps a gradient structure at first order (Barrett & Dherin);
        simultaneous gradient descent-ascent on a bilinear game does not:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = (x**2 + y**4) / 2
        >>> gd = ld.explicit([-E.diff(x), -E.diff(y)], [x, y])
        >>> ld.modified_equation(gd, order=1).is_gradient()
        True
        >>> ld.modified_equation(ld.explicit([-y, x], [x, y]), order=0).is_gradient()
        False
        """
        k = self._order(order)
        return all(self._term_asymmetry(j, self.variables) is None for j in range(k + 1))

    def _term_asymmetry(
        self, j: int, directions: tuple[sp.Symbol, ...]
    ) -> tuple[sp.Symbol, sp.Symbol] | None:
        comps = tuple(self.terms[j][self.variables.index(z), 0] for z in directions)
        return asymmetry(comps, directions)

    def modified_potential(self, *, order: int | None = None) -> sp.Expr:
        """The modified loss ``V = V_0 + tau V_1 + ...`` with truncated field ``-grad V``.

        Returns
        -------
        Expr
            ``V``, without an additive constant.

        Raises
        ------
        SchemeError
            If some term up to ``order`` is not a gradient field (no potential is
            invented), or its potential has no closed form.

        References
        ----------
        D. G. T. Barrett, B. Dherin, "Implicit gradient regularization", ICLR 2021:
        gradient descent on ``E`` follows ``-grad(E + (tau/4)|grad E|**2)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = sp.Function("E")(x, y)
        >>> gd = ld.explicit([-E.diff(x), -E.diff(y)], [x, y])
        >>> V = ld.modified_equation(gd, order=1).modified_potential()
        >>> sp.simplify(V - (E + ld.tau / 4 * (E.diff(x)**2 + E.diff(y)**2)))
        0
        """
        k = self._order(order)
        return sp.Add(
            *[
                self.step**j * self._term_potential(j, self.variables, sp.S.One)
                for j in range(k + 1)
            ]
        )

    def _term_potential(self, j: int, directions: tuple[sp.Symbol, ...], rate: sp.Expr) -> sp.Expr:
        comps = tuple(self.terms[j][self.variables.index(z), 0] / rate for z in directions)
        bad = asymmetry(comps, directions)
        if bad is not None:
            raise SchemeError(
                f"the order-{j} term of the modified field is not a gradient in "
                f"{directions}: d f/d{bad[1]} of {bad[0]}' differs from d f/d{bad[0]} of "
                f"{bad[1]}', so it has no potential"
            )
        found = potential(comps, directions)
        if found is None:
            raise SchemeError(
                f"the order-{j} term of the modified field is a gradient but its potential "
                "could not be found in closed form"
            )
        return found

    # -- games -----------------------------------------------------------------------------
    def _player(self, player: Any) -> tuple[sp.Symbol, ...]:
        if isinstance(player, bool) or not isinstance(player, int):
            raise SchemeError(f"player must be an index into players, got {player!r}")
        if not 0 <= player < len(self.players):
            raise SchemeError(
                f"player {player} out of range: there are {len(self.players)} players"
            )
        return self.players[player]

    def player_drift(self, player: int, *, order: int | None = None) -> sp.ImmutableMatrix:
        """One player's drift ``sum_{1 <= j <= order} tau**j f_j`` in its own variables.

        Examples
        --------
        Simultaneous gradient descent-ascent on ``E = x y`` (Rosca et al. 2021): each
        player drifts away from the equilibrium:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> me = ld.modified_equation(ld.simultaneous([(x, [-y]), (y, [x])]), order=1,
        ...                           players=[x, y])
        >>> me.player_drift(0), me.player_drift(1)
        (Matrix([[tau*x/2]]), Matrix([[tau*y/2]]))
        """
        k = self._order(order)
        vs = self._player(player)
        drift = self.drift(order=k)
        return sp.ImmutableMatrix([drift[self.variables.index(v), 0] for v in vs])

    def _rates(self, rates: Any) -> tuple[sp.Expr, ...]:
        return as_rates(rates, len(self.players), what="player")

    def is_zero_sum(self, *, rates: Any = None) -> bool:
        """Whether the limit is a zero-sum game between two players.

        True when ``f_0 = (-r_1 grad_1 E, +r_2 grad_2 E)`` for one function ``E``,
        with the given player rates ``r_p`` (default 1).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> gda = ld.simultaneous([(x, [-y]), (y, [x])])  # x descends E = x y, y ascends it
        >>> ld.modified_equation(gda, order=1, players=[x, y]).is_zero_sum()
        True
        >>> both = ld.simultaneous([(x, [-y]), (y, [-x])])  # both descend x y: a potential game
        >>> ld.modified_equation(both, order=1, players=[x, y]).is_zero_sum()
        False
        """
        if len(self.players) != 2:
            return False
        r = self._rates(rates)
        directions = self.players[0] + self.players[1]
        signs = [sp.S.One] * len(self.players[0]) + [-sp.S.One] * len(self.players[1])
        scales = [r[0]] * len(self.players[0]) + [r[1]] * len(self.players[1])
        comps = [
            s * self.terms[0][self.variables.index(z), 0] / q
            for z, s, q in zip(directions, signs, scales)
        ]
        return asymmetry(tuple(comps), directions) is None

    def player_losses(self, *, order: int | None = None, rates: Any = None) -> tuple[sp.Expr, ...]:
        """Each player's modified loss: ``L~_p`` with player ``p`` moving by ``-r_p grad_p L~_p``.

        For a zero-sum game with ``x`` minimising and ``y`` maximising ``E``, the losses
        are ``E + ...`` and ``-E + ...`` (Rosca et al. 2021). A player's loss is defined
        up to terms that do not depend on its own variables.

        Parameters
        ----------
        order : int, optional
            Truncation order (default: all computed).
        rates : sequence, optional
            The players' rates ``r_p`` (default 1).

        Raises
        ------
        SchemeError
            If some player's field, up to ``order``, is not a gradient in its own
            variables (no loss is invented).

        References
        ----------
        M. Rosca, Y. Wu, B. Dherin, D. G. T. Barrett, "Discretization drift in two-player
        games", ICML 2021.

        Examples
        --------
        Simultaneous gradient descent-ascent on ``E = x**2 y``:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = x**2 * y
        >>> s = ld.simultaneous([(x, [-E.diff(x)]), (y, [E.diff(y)])])
        >>> me = ld.modified_equation(s, order=1, players=[x, y])
        >>> me.is_zero_sum()
        True
        >>> me.player_losses()[0]
        -tau*x**4/4 + tau*x**2*y**2 + x**2*y
        """
        k = self._order(order)
        r = self._rates(rates)
        losses = []
        for p, (vs, rate) in enumerate(zip(self.players, r)):
            try:
                parts = [self._term_potential(j, vs, rate) for j in range(k + 1)]
            except SchemeError as err:
                raise SchemeError(f"player {p} ({', '.join(map(str, vs))}): {err}") from None
            losses.append(expand(sp.Add(*[self.step**j * v for j, v in enumerate(parts)])))
        return tuple(losses)

    # -- display ---------------------------------------------------------------------------
    def _rhs_texts(
        self,
        order: int | None,
        body: Callable[[sp.Expr], str],
        scaled: Callable[[sp.Expr, str], str],
    ) -> list[str]:
        """Per variable, its nonzero terms joined by ``" + "`` (``"0"`` when none).

        The ``tau**0`` term is ``body(c)``, the ``tau**j`` term ``scaled(tau**j, body(c))``.
        """
        k = self._order(order)
        texts = []
        for i in range(len(self.variables)):
            coeffs = [self.terms[j][i, 0] for j in range(k + 1)]
            pieces = [
                body(c) if j == 0 else scaled(self.step**j, body(c))
                for j, c in enumerate(coeffs)
                if c != 0
            ]
            texts.append(" + ".join(pieces) if pieces else "0")
        return texts

    def latex(self, *, order: int | None = None) -> str:
        r"""LaTeX of the system, powers of ``tau`` kept apart.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> print(ld.modified_equation(ld.explicit([-x**2], [x]), order=1).latex())
        \begin{aligned}\dot{x} &= - x^{2} + \tau \left(- x^{3}\right)\end{aligned}
        """
        rhs = self._rhs_texts(order, sp.latex, lambda p, b: rf"{sp.latex(p)} \left({b}\right)")
        lines = [rf"\dot{{{sp.latex(v)}}} &= {r}" for v, r in zip(self.variables, rhs)]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def pretty(self, *, order: int | None = None, use_unicode: bool = False) -> str:
        """A plain-text rendering, one line per variable, powers of ``tau`` kept apart.

        Derivatives of undefined functions of the state print as subscripts
        (``E_x``, ``E_xy``; ``E_{theta,x}`` when a name is longer than one letter) and
        those functions without their arguments (``E``).

        Parameters
        ----------
        order : int, optional
            Truncation order (default: all computed).
        use_unicode : bool
            Draw each coefficient with :func:`sympy.pretty` instead (multi-line art).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> print(ld.modified_equation(ld.explicit([-x**2], [x]), order=2).pretty())
        x' = -x**2 + tau*(-x**3) + tau**2*(-3*x**4/2)
        >>> E = sp.Function("E")(x, y)
        >>> gd = ld.explicit([-E.diff(x), -E.diff(y)], [x, y])
        >>> print(ld.modified_equation(gd, order=1).pretty())
        x' = -E_x + tau*(-E_x*E_xx/2 - E_y*E_xy/2)
        y' = -E_y + tau*(-E_x*E_xy/2 - E_y*E_yy/2)
        """

        def body(c: sp.Expr) -> str:
            return sp.pretty(c, use_unicode=use_unicode) if use_unicode else _TEXT.doprint(c)

        rhs = self._rhs_texts(order, body, lambda p, b: f"{_TEXT.doprint(p)}*({b})")
        return "\n".join(f"{v}' = {r}" for v, r in zip(self.variables, rhs))

    def __str__(self) -> str:
        return self.pretty()

    def cse(self, *, order: int | None = None) -> tuple[list[tuple[sp.Symbol, sp.Expr]], sp.Matrix]:
        """Common-subexpression elimination of the truncated field, for code output.

        For one-step schemes the field is presented as elementary differentials
        (``f'f``, ``f''(f, f)``, ``f'f'f``, ... for explicit Euler) over the shared
        derivative tensors of the map's coefficients
        (:func:`~limitdyn.symbolic._compact.compact_cse`), far smaller than the expanded
        :attr:`terms`; it is the same field. Otherwise (two-step schemes, restrictions,
        many variables at a high order) :func:`sympy.cse` of :meth:`field`.

        Returns
        -------
        (replacements, reduced)
            As :func:`sympy.cse`: ``replacements`` is a list of ``(symbol, expression)``,
            each using only earlier symbols, and ``reduced`` the field in those symbols.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> me = ld.modified_equation(ld.explicit([sp.tanh(x)], [x]), order=3)
        >>> reps, reduced = me.cse()
        >>> sp.simplify(reduced[0].subs(list(reversed(reps))) - me.field()[0])
        0
        """
        k = self._order(order)
        if self.compact is not None:
            got = self.compact(k)
            if got is not None:
                replacements, column = got
                return list(replacements), sp.Matrix(column)
        replacements, reduced = sp.cse(sp.Matrix(self.field(order=k)))
        return replacements, reduced[0]

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        lines = "".join(f"\n    {line}" for line in self.pretty().splitlines())
        return f"ModifiedEquation({label}order={self.order}):{lines}"


class _TextPrinter(StrPrinter):
    """:class:`sympy.printing.str.StrPrinter` with ``E_x`` for ``Derivative(E(x, y), x)``."""

    @staticmethod
    def _of_symbols(f: sp.Basic) -> bool:
        return isinstance(f, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in f.args)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if not self._of_symbols(expr.expr):
            return str(super()._print_Derivative(expr))
        names = [v.name for v, n in expr.variable_count for _ in range(int(n))]
        sub = "".join(names) if all(len(n) == 1 for n in names) else "{" + ",".join(names) + "}"
        return f"{expr.expr.func.__name__}_{sub}"

    def _print_Function(self, expr: sp.Expr) -> str:
        if self._of_symbols(expr):
            return str(expr.func.__name__)
        return str(super()._print_Function(expr))


_TEXT = _TextPrinter()


def _check_players(
    players: Any, variables: tuple[sp.Symbol, ...]
) -> tuple[tuple[sp.Symbol, ...], ...]:
    if isinstance(players, (str, sp.Basic)) or not isinstance(players, Sequence):
        raise SchemeError("players: expected a sequence of variable groups")
    out = []
    owner: dict[sp.Symbol, int] = {}
    for p, group in enumerate(players):
        vs = as_symbols(group, where=f"player {p}")
        for v in vs:
            if v not in variables:
                raise SchemeError(f"player {p}: {v} is not a variable of the scheme")
            if v in owner:
                raise SchemeError(f"player {p}: {v} also belongs to player {owner[v]}")
            owner[v] = p
        out.append(vs)
    if not out:
        raise SchemeError("players: no players given")
    return tuple(out)
