"""The conservation report: what a scheme does to each first integral of its limit.

For every first integral of the limit (within a polynomial ansatz) the report says
whether the scheme conserves it exactly, to some order in the step (its modified
invariant), or multiplies it by a constant per step that dissipates or grows it (the
growth factor), or none of these. It is the table that tells explicit, implicit and
alternating GAN updates apart: explicit simultaneous updates multiply ``x**2 + y**2`` by
``1 + tau**2`` (spiral out), implicit ones by ``1 / (1 + tau**2)`` (spiral in), and
alternating ones conserve a modified quadratic exactly (cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from .._display import dataframe, html_table
from .._multistep import TwoStepScheme, as_one_step
from .._scheme import Scheme
from .._validate import non_negative_int
from ..errors import InputError, SchemeError
from ._first_integrals import first_integrals
from ._invariants import growth_factor, invariants, modified_invariant_report

__all__ = ["STATUSES", "ConservationReport", "ConservationRow", "conservation_report"]

#: what a scheme can do to a first integral of its limit
STATUSES = ("exact", "modified", "dissipated", "grows", "multiplied", "not conserved")


@dataclass(frozen=True)
class ConservationRow:
    """One first integral ``I`` of the limit and what the scheme does to it.

    Attributes
    ----------
    quantity : Expr
        ``I``.
    status : str
        One of :data:`STATUSES`: ``"exact"`` (``I`` or a modified ``I + tau I_1 + ...`` is
        an exact invariant of the map: see ``invariant``), ``"modified"`` (a modified
        invariant to the order asked exists, none exact of the degree searched),
        ``"dissipated"`` / ``"grows"`` (``I(Phi(z)) = g I(z)`` with ``g < 1`` / ``g > 1``
        for small steps), ``"multiplied"`` (a growth factor of unknown sign), ``"not
        conserved"``.
    growth : Expr or None
        The growth factor ``g(tau)`` where it exists.
    invariant : Expr or None
        The exact invariant of the map reducing to ``I`` at ``tau = 0``, or the modified
        invariant to the order asked.
    why : str
        The obstruction when no modified invariant exists.
    """

    quantity: sp.Expr
    status: str
    growth: sp.Expr | None
    invariant: sp.Expr | None
    why: str = ""


@dataclass(frozen=True)
class ConservationReport:
    """The table of :func:`conservation_report`.

    Attributes
    ----------
    scheme : Scheme or TwoStepScheme
    rows : tuple of ConservationRow
    degree : int
        Degree of the polynomial ansatz of the first integrals and exact invariants.
    order : int
        Order of the modified invariants searched.
    """

    scheme: Any
    rows: tuple[ConservationRow, ...]
    degree: int
    order: int

    def _columns(self) -> dict[str, list[Any]]:
        return {
            "quantity": [str(r.quantity) for r in self.rows],
            "status": [r.status for r in self.rows],
            "growth factor": ["" if r.growth is None else str(r.growth) for r in self.rows],
            "invariant": ["" if r.invariant is None else str(r.invariant) for r in self.rows],
            "why": [r.why for r in self.rows],
        }

    def to_dataframe(self) -> Any:
        """One row per first integral (pandas, the ``table`` extra).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> df = ld.conservation_report(ld.simultaneous([(x, [-y]), (y, [x])])).to_dataframe()
        >>> # simultaneous GDA spirals out: |z|^2 grows by 1 + tau^2 (Mescheder et al. 2018, Sec. 2)
        >>> df[["quantity", "status", "growth factor"]]
              quantity status growth factor
        0  x**2 + y**2  grows    tau**2 + 1
        """
        return dataframe(self._columns())

    def _repr_html_(self) -> str:
        name = getattr(self.scheme, "name", "") or "scheme"
        summary = (
            f"Conservation report of {name}: {len(self.rows)} first integrals of the limit "
            f"(degree <= {self.degree}), modified invariants to order {self.order}"
        )
        return html_table(summary, self._columns())

    def latex(self) -> str:
        """A LaTeX ``tabular`` of quantities, statuses and growth factors.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> print(ld.conservation_report(ld.simultaneous([(x, [-y]), (y, [x])],
        ...                                              implicit=True)).latex())
        \\begin{array}{lll}x^{2} + y^{2} & \\text{dissipated} & \\frac{1}{\\tau^{2} + 1}\\end{array}
        """
        lines = [
            f"{sp.latex(r.quantity)} & \\text{{{r.status}}} & "
            + ("" if r.growth is None else sp.latex(r.growth))
            for r in self.rows
        ]
        return r"\begin{array}{lll}" + r" \\ ".join(lines) + r"\end{array}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        body = "; ".join(
            f"{r.quantity}: {r.status}" + (f" (g = {r.growth})" if r.growth is not None else "")
            for r in self.rows
        )
        return f"ConservationReport({body})"


def _sign_near_zero(g: sp.Expr, step: sp.Symbol) -> int | None:
    """The sign of ``g(tau) - 1`` for small positive ``tau`` (None if unknown or zero)."""
    d = sp.cancel(g - 1)
    if d == 0:
        return 0
    lead = sp.series(d, step, 0, 8).removeO().as_leading_term(step) if d.has(step) else d
    coeff = sp.cancel(lead / step ** sp.degree(lead, step)) if lead.has(step) else lead
    if coeff.is_positive:
        return 1
    if coeff.is_negative:
        return -1
    return None


def _exact_match(
    quantity: sp.Expr, exact: list[sp.Expr], step: sp.Symbol, variables: tuple[sp.Symbol, ...]
) -> sp.Expr | None:
    """An exact invariant of the span of ``exact`` that reduces to ``quantity`` at step 0."""
    if not exact:
        return None
    cs = sp.symbols(f"c0:{len(exact)}")
    combo = sum(c * e for c, e in zip(cs, exact))
    eqs = sp.Poly(sp.expand(combo.subs(step, 0) - quantity), *variables).coeffs()
    sol = sp.solve(eqs, cs, dict=True)
    if not sol:
        return None
    value = sp.expand(combo.subs(sol[0]).subs({c: 0 for c in cs}))
    return value if value != 0 else None


def conservation_report(
    scheme: Scheme | TwoStepScheme, *, degree: int = 2, order: int = 2
) -> ConservationReport:
    """What the scheme does to each polynomial first integral of its limit.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
    degree : int
        Degree of the first integrals and exact invariants searched.
    order : int
        Order of the modified invariants searched.

    Returns
    -------
    ConservationReport

    Raises
    ------
    InputError
        If ``degree`` or ``order`` is negative.

    Examples
    --------
    Gradient descent-ascent on the bilinear game ``x y``: simultaneous explicit updates
    grow ``x**2 + y**2``, implicit ones dissipate it, alternating ones conserve a modified
    quadratic exactly:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> blocks = [(x, [-y]), (y, [x])]
    >>> ld.conservation_report(ld.simultaneous(blocks))
    ConservationReport(x**2 + y**2: grows (g = tau**2 + 1))
    >>> ld.conservation_report(ld.simultaneous(blocks, implicit=True))
    ConservationReport(x**2 + y**2: dissipated (g = 1/(tau**2 + 1)))
    >>> ld.conservation_report(ld.alternating(blocks)).rows[0].invariant
    -tau*x*y + x**2 + y**2
    """
    if not isinstance(scheme, Scheme | TwoStepScheme):
        raise InputError(f"conservation_report: expected a scheme, got {type(scheme).__name__}")
    degree = non_negative_int(degree, "conservation_report degree")
    order = non_negative_int(order, "conservation_report order")
    one = as_one_step(scheme)
    integrals = first_integrals(scheme, degree=degree)
    try:
        exact = invariants(one, degree=degree)
    except SchemeError:  # a nonlinear implicit stage: no closed-form map
        exact = []
    rows = []
    for quantity in integrals:
        try:
            g = growth_factor(one, quantity)
        except SchemeError:
            g = None
        match = _exact_match(quantity, exact, one.step, one.variables)
        try:
            report = modified_invariant_report(one, quantity, order=order)
            modified, why = report.expr, report.why
        except InputError as exc:
            modified, why = None, str(exc)
        if match is not None:
            status, invariant = "exact", match
        elif g is not None and _sign_near_zero(g, one.step) is not None:
            sign = _sign_near_zero(g, one.step)
            status = {0: "exact", 1: "grows", -1: "dissipated"}[sign]  # type: ignore[index]
            invariant = quantity if sign == 0 else None
        elif modified is not None:
            status, invariant = "modified", modified
        elif g is not None:
            status, invariant = "multiplied", None
        else:
            status, invariant = "not conserved", None
        rows.append(
            ConservationRow(quantity, status, g, invariant, why if modified is None else "")
        )
    return ConservationReport(scheme, tuple(rows), degree, order)
