"""Numeric modified fields of gradient descent in high dimension, by Taylor-mode jets.

For fields with thousands of variables the symbolic modified equation is out of reach, but
the order-``k`` modified field of explicit Euler (gradient descent) ``z+ = z + tau f(z)``
is a fixed combination of elementary differentials (Hairer, Lubich, Wanner, *Geometric
Numerical Integration*, 2nd ed., ch. IX.1, eq. (1.4) and Example IX.1.3):

    f~ = f - tau/2 f'f + tau**2 (f''(f,f)/12 + f'f'f/3)
           - tau**3 (f''(f,f'f) + f'f''(f,f) + 3 f'f'f'f)/12 + O(tau**4).

Each elementary differential is a nested directional derivative of ``f``: the Taylor
coefficients of ``eps -> f(z + eps v)`` are ``f(z), f'(z)v, f''(z)(v,v)/2, f'''(v,v,v)/6``
(mixed ones by polarization), computed exactly (to rounding) by propagating truncated
Taylor series ("jets") through the field's expression graph: the field is read once
into a tape of elementary operations (binary sums and products, integer and rational
powers, ``exp``, ``log``, ``tanh``, ``sin``, ``cos``, ``sinh``, ``cosh``), shared
subexpressions once, levelled so that each level's operations of one kind run as one
vectorised NumPy kernel over all their nodes. Nothing is generated or compiled from user
text: the tape is data, interpreted by fixed kernels, and any other node is refused
with a :class:`~limitdyn.errors.SchemeError` naming it.

:class:`JetField` evaluates the modified field at points; :func:`modified_flow` integrates
its flow (DOP853, dense output), the reference of a convergence study against the order-k
modified equation of a scheme too large for :func:`~limitdyn.modified_equation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._engine import Engine, get_engine
from .._model_checks import free_symbols_of
from .._scheme import ExplicitStage, Scheme
from .._validate import non_negative_int, positive_float
from ..errors import InputError, SchemeError, SolverError
from ._inputs import parameter_vector, state_vector
from ._jet_kernels import OPS
from ._trajectory import Trajectory

__all__ = ["MAX_ORDER", "JetField", "ModifiedFlow", "jet_field", "modified_flow"]

#: highest order of the modified field (trees with up to four nodes)
MAX_ORDER = 3

_UNARY = {
    sp.exp: "exp",
    sp.log: "log",
    sp.tanh: "tanh",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
}


# -- the tape ---------------------------------------------------------------------------


class _TapeBuilder:
    """Reads SymPy expressions into nodes ``(op, inputs, constant)``, shared subtrees once."""

    def __init__(self, variables: Sequence[sp.Symbol]):
        self.ops: list[str] = []
        self.inputs: list[tuple[int, ...]] = []
        self.consts: list[float] = []
        self.memo: dict[sp.Basic, int] = {}
        self.leaves: dict[sp.Basic, tuple[str, int]] = {
            v: ("var", i) for i, v in enumerate(variables)
        }
        #: the other symbols met while reading (the field's parameters), in reading order
        self.parameters: list[sp.Symbol] = []

    def node(self, op: str, inputs: tuple[int, ...] = (), const: float = 0.0) -> int:
        self.ops.append(op)
        self.inputs.append(inputs)
        self.consts.append(const)
        return len(self.ops) - 1

    def read(self, expr: sp.Basic) -> int:
        hit = self.memo.get(expr)
        if hit is None:
            hit = self._read(expr)
            self.memo[expr] = hit
        return hit

    def _balanced(self, op: str, ids: list[int]) -> int:
        while len(ids) > 1:
            pairs = [self.node(op, (ids[i], ids[i + 1])) for i in range(0, len(ids) - 1, 2)]
            ids = pairs + ([ids[-1]] if len(ids) % 2 else [])
        return ids[0]

    def _read(self, expr: sp.Basic) -> int:
        if isinstance(expr, sp.Symbol):
            leaf = self.leaves.get(expr)
            if leaf is None:
                leaf = self.leaves[expr] = ("par", len(self.parameters))
                self.parameters.append(expr)
            return self.node(leaf[0], (), float(leaf[1]))
        if isinstance(expr, (sp.Number, sp.NumberSymbol)):
            if not expr.is_real:
                raise SchemeError(f"the field contains the complex value {expr}")
            return self.node("const", (), float(expr))
        if isinstance(expr, (sp.Add, sp.Mul)):
            numbers = [a for a in expr.args if a.is_Number]
            rest = [self.read(a) for a in expr.args if not a.is_Number]
            body = self._balanced("add" if isinstance(expr, sp.Add) else "mul", rest)
            if not numbers:
                return body
            c = float(sp.Add(*numbers) if isinstance(expr, sp.Add) else sp.Mul(*numbers))
            return self.node("shift" if isinstance(expr, sp.Add) else "scale", (body,), c)
        if isinstance(expr, sp.Pow):
            base, e = expr.args
            if not e.is_Number or not e.is_real:
                raise SchemeError(
                    f"the field contains the power {expr} with a non-numeric exponent"
                )
            b = self.read(base)
            if e.is_Integer and 1 <= e <= 8:
                return self._balanced("mul", [b] * int(e))
            return self.node("pow", (b,), float(e))
        name = _UNARY.get(type(expr))
        if name is not None:
            return self.node(name, (self.read(expr.args[0]),))
        raise SchemeError(
            f"the field contains {type(expr).__name__}, which jets do not support "
            f"(supported: +, *, powers, {', '.join(sorted(_UNARY.values()))})"
        )


@dataclass(frozen=True)
class _Group:
    op: str
    ids: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


def _levels(builder: _TapeBuilder) -> list[_Group]:
    level = np.zeros(len(builder.ops), dtype=int)
    for i, ins in enumerate(builder.inputs):
        if ins:
            level[i] = 1 + max(level[j] for j in ins)
    groups: dict[tuple[int, str], list[int]] = {}
    for i, op in enumerate(builder.ops):
        groups.setdefault((int(level[i]), op), []).append(i)
    out = []
    for (_, op), ids in sorted(groups.items(), key=lambda kv: kv[0][0]):
        idx = np.array(ids)
        a = np.array([builder.inputs[i][0] if builder.inputs[i] else 0 for i in ids])
        b = np.array([builder.inputs[i][1] if len(builder.inputs[i]) > 1 else 0 for i in ids])
        c = np.array([builder.consts[i] for i in ids])
        out.append(_Group(op, idx, a, b, c))
    return out


# -- jet kernels: A, B of shape (K + 1, n) ----------------------------------------------


def _cauchy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros_like(a)
    for m in range(a.shape[0]):
        for i in range(m + 1):
            out[m] += a[i] * b[m - i]
    return out


def _exp_jet(a: np.ndarray) -> np.ndarray:
    w = np.zeros_like(a)
    w[0] = np.exp(a[0])
    for m in range(1, a.shape[0]):
        w[m] = sum(j * a[j] * w[m - j] for j in range(1, m + 1)) / m
    return w


def _log_jet(a: np.ndarray) -> np.ndarray:
    w = np.zeros_like(a)
    w[0] = np.log(a[0])
    for m in range(1, a.shape[0]):
        acc = a[m] - sum(j * w[j] * a[m - j] for j in range(1, m)) / m
        w[m] = acc / a[0]
    return w


def _pow_jet(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    w = np.zeros_like(a)
    w[0] = a[0] ** r
    for m in range(1, a.shape[0]):
        acc = sum((r * j - (m - j)) * a[j] * w[m - j] for j in range(1, m + 1))
        w[m] = acc / (m * a[0])
    return w


def _tanh_jet(a: np.ndarray) -> np.ndarray:
    t = np.zeros_like(a)
    s = np.zeros_like(a)  # 1 - t**2
    t[0] = np.tanh(a[0])
    s[0] = 1 - t[0] ** 2
    for m in range(1, a.shape[0]):
        t[m] = sum(j * a[j] * s[m - j] for j in range(1, m + 1)) / m
        s[m] = -sum(t[i] * t[m - i] for i in range(m + 1))
    return t


def _pair_jet(a: np.ndarray, hyperbolic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Jets of ``(sin, cos)`` of ``a`` (``(sinh, cosh)`` when hyperbolic)."""
    s = np.zeros_like(a)
    c = np.zeros_like(a)
    s[0], c[0] = (np.sinh(a[0]), np.cosh(a[0])) if hyperbolic else (np.sin(a[0]), np.cos(a[0]))
    sign = 1.0 if hyperbolic else -1.0
    for m in range(1, a.shape[0]):
        s[m] = sum(j * a[j] * c[m - j] for j in range(1, m + 1)) / m
        c[m] = sign * sum(j * a[j] * s[m - j] for j in range(1, m + 1)) / m
    return s, c


def _apply(g: _Group, jets: np.ndarray) -> np.ndarray:
    a = jets[:, g.a]
    if g.op == "add":
        return a + jets[:, g.b]
    if g.op == "mul":
        return _cauchy(a, jets[:, g.b])
    if g.op == "scale":
        return a * g.c
    if g.op == "shift":
        out = a.copy()
        out[0] += g.c
        return out
    if g.op == "pow":
        return _pow_jet(a, g.c)
    if g.op == "exp":
        return _exp_jet(a)
    if g.op == "log":
        return _log_jet(a)
    if g.op == "tanh":
        return _tanh_jet(a)
    s, c = _pair_jet(a, g.op in ("sinh", "cosh"))
    return s if g.op in ("sin", "sinh") else c


# -- the field ---------------------------------------------------------------------------


class JetField:
    """A vector field read into a jet tape; Taylor coefficients along directions, and the
    modified field of gradient descent (explicit Euler) to order :data:`MAX_ORDER`.

    Parameters
    ----------
    field : sequence of Expr
        ``f(z)``, one expression per variable.
    variables : sequence of Symbol
    params : mapping, optional
        Values of every other symbol of ``field`` (keyed by Symbol or name).
    engine : {"auto", "numpy", "numba"} or Engine
        ``"numba"`` interprets the tape node by node in one compiled loop
        (:mod:`limitdyn.numeric._jet_kernels`); ``"numpy"`` runs each level's operations
        of one kind as one vectorised NumPy call. ``"auto"``: numba when installed.

    Attributes
    ----------
    variables, parameters : tuple of Symbol
    size : int
        Nodes of the tape (shared subexpressions once).

    Examples
    --------
    ``f = -x**3``: ``f'f = 3 x**5`` and ``f''(f, f)/2 = -3 x**7``:

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> jf = JetField([-x**3], [x])
    >>> jf.taylor([2.0], [-8.0], order=2)[:, 0].tolist()
    [-8.0, 96.0, -384.0]
    """

    def __init__(
        self,
        field: Sequence[Any],
        variables: Sequence[sp.Symbol],
        *,
        params: Any = None,
        engine: str | Engine = "auto",
    ):
        self.variables = tuple(variables)
        exprs = [sp.sympify(0) if e == 0 else e for e in field]
        for e in exprs:
            if not isinstance(e, sp.Basic):
                raise SchemeError(f"the field holds {type(e).__name__}, not a SymPy expression")
        if len(exprs) != len(self.variables):
            raise SchemeError(f"{len(exprs)} field components for {len(self.variables)} variables")
        self.engine = get_engine(engine)
        # one pass over the expression graph (shared subexpressions once) reads the tape
        # and finds the parameters; tree walks (free_symbols) would revisit shared parts
        builder = _TapeBuilder(self.variables)
        self._out = np.array([builder.read(e) for e in exprs], dtype=np.int64)
        self.parameters = tuple(sorted(builder.parameters, key=lambda s: s.name))
        rank = {q: j for j, q in enumerate(self.parameters)}
        renumber = np.array([rank[q] for q in builder.parameters] or [0], dtype=np.int64)
        self._p = parameter_vector(params, self.parameters)
        self.size = len(builder.ops)
        ops = np.array(builder.ops)
        consts = np.array(builder.consts, dtype=float)
        self._var = np.flatnonzero(ops == "var")
        self._var_of = consts[self._var].astype(np.int64)
        self._par = np.flatnonzero(ops == "par")
        self._par_of = renumber[consts[self._par].astype(np.int64)]
        self._const = np.flatnonzero(ops == "const")
        self._const_val = consts[self._const]
        self._groups: list[_Group] = []
        if self.engine.jit:
            code = {name: k for k, name in enumerate(OPS)}
            self._code = np.array([code[o] for o in builder.ops], dtype=np.int64)
            self._a = np.array([i[0] if i else 0 for i in builder.inputs], dtype=np.int64)
            self._b = np.array([i[1] if len(i) > 1 else 0 for i in builder.inputs], dtype=np.int64)
            self._c = consts
        else:
            self._groups = [g for g in _levels(builder) if g.op not in ("var", "par", "const")]

    @property
    def dim(self) -> int:
        """Number of variables."""
        return len(self.variables)

    def __repr__(self) -> str:
        return (
            f"JetField(dim={self.dim}, {len(self.parameters)} parameters, {self.size} tape "
            f"nodes, engine={self.engine.name!r})"
        )

    def taylor(self, z: Any, v: Any, *, order: int) -> np.ndarray:
        """Taylor coefficients of ``eps -> f(z + eps v)``, shape ``(order + 1, dim)``:
        ``[f, f'v, f''(v,v)/2, f'''(v,v,v)/6, ...]``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> jf = ld.JetField([x**3], [x])
        >>> # (1 + eps)^3 = 1 + 3 eps + 3 eps^2 + eps^3
        >>> jf.taylor([1.0], [1.0], order=3)[:, 0].tolist()
        [1.0, 3.0, 3.0, 1.0]
        """
        zz = np.asarray(z, dtype=float).reshape(-1)
        vv = np.asarray(v, dtype=float).reshape(-1)
        if zz.size != self.dim or vv.size != self.dim:
            raise InputError(
                f"taylor: z and v need {self.dim} entries, got {zz.size} and {vv.size}"
            )
        if self.engine.jit:
            from ._jet_kernels_jit import run_tape

            nodes = np.zeros((self.size, order + 1))
            nodes[self._var, 0] = zz[self._var_of]
            if order:
                nodes[self._var, 1] = vv[self._var_of]
            nodes[self._par, 0] = self._p[self._par_of]
            nodes[self._const, 0] = self._const_val
            run_tape(self._code, self._a, self._b, self._c, nodes)
            return np.ascontiguousarray(nodes[self._out].T)
        jets = np.zeros((order + 1, self.size))
        jets[0, self._var] = zz[self._var_of]
        if order:
            jets[1, self._var] = vv[self._var_of]
        jets[0, self._par] = self._p[self._par_of]
        jets[0, self._const] = self._const_val
        for g in self._groups:
            jets[:, g.ids] = _apply(g, jets)
        return jets[:, self._out]

    def __call__(self, z: Any) -> np.ndarray:
        """``f(z)``."""
        return self.taylor(z, np.zeros(self.dim), order=0)[0]

    def jvp(self, z: Any, v: Any) -> np.ndarray:
        """``f'(z) v``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> jf = ld.JetField([x * y, x**2], [x, y])
        >>> jf.jvp([2.0, 3.0], [1.0, 0.0]).tolist()  # the first column of [[y, x], [2x, 0]]
        [3.0, 4.0]
        """
        return self.taylor(z, v, order=1)[1]

    def modified_terms(self, z: Any, *, order: int) -> np.ndarray:
        """``f_0 .. f_order`` of explicit Euler's modified field at ``z``, shape
        ``(order + 1, dim)`` (Hairer, Lubich, Wanner, IX.1).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> jf = ld.JetField([-x], [x])
        >>> # gradient descent on x' = -x is x+ = (1 - tau) x: its modified field is
        >>> # log(1 - tau)/tau x = -(1 + tau/2 + tau^2/3 + tau^3/4 + ...) x
        >>> jf.modified_terms([1.0], order=3)[:, 0].round(12).tolist()
        [-1.0, -0.5, -0.333333333333, -0.25]
        """
        order = non_negative_int(order, "order", error=InputError)
        if order > MAX_ORDER:
            raise InputError(f"order {order}: numeric modified fields go to order {MAX_ORDER}")
        f = self(z)
        out = [f]
        if order == 0:
            return np.array(out)
        j2 = self.taylor(z, f, order=3 if order >= 3 else 2)
        ff = j2[1]
        out.append(-ff / 2)
        if order >= 2:
            fff2 = 2 * j2[2]  # f''(f, f)
            j_ff = self.taylor(z, ff, order=2 if order >= 3 else 1)
            f1f1f = j_ff[1]
            out.append(fff2 / 12 + f1f1f / 3)
        if order >= 3:
            # polarization: f''(f, f'f) = c2(f + f'f) - c2(f) - c2(f'f), c2 the coefficient 2
            mixed = self.taylor(z, f + ff, order=2)[2] - j2[2] - j_ff[2]
            out.append(-(mixed + self.jvp(z, fff2) + 3 * self.jvp(z, f1f1f)) / 12)
        return np.array(out)

    def modified(self, z: Any, *, tau: float, order: int) -> np.ndarray:
        """``f_0 + tau f_1 + ... + tau**order f_order`` at ``z``.

        Examples
        --------
        >>> import math, sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> value = ld.JetField([-x], [x]).modified([1.0], tau=0.1, order=3)[0]
        >>> bool(abs(value - math.log(1 - 0.1) / 0.1) < 0.1**4)  # error O(tau^(order + 1))
        True
        """
        terms = self.modified_terms(z, order=order)
        return np.asarray(sum(tau**j * t for j, t in enumerate(terms)))


def jet_field(scheme: Scheme, *, params: Any = None, engine: str | Engine = "auto") -> JetField:
    """The :class:`JetField` of a gradient-descent (explicit Euler) scheme
    ``z+ = z + tau f(z)``.

    Parameters
    ----------
    scheme : Scheme
        One explicit stage updating every variable, ``z + tau f(z)`` with ``f`` free of
        the step.
    params : mapping, optional
        Values of the scheme's parameters.
    engine : {"auto", "numpy", "numba"} or Engine
        How the tape is interpreted (see :class:`JetField`).

    Returns
    -------
    JetField

    Raises
    ------
    SchemeError
        If the scheme is not one explicit stage of that form.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> jf = jet_field(ld.explicit([-x**3], [x]))
    >>> jf.modified_terms([1.0], order=1).ravel().tolist()
    [-1.0, -1.5]
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"expected a Scheme, got {type(scheme).__name__}")
    stages = scheme.stages
    if len(stages) != 1 or not isinstance(stages[0], ExplicitStage):
        raise SchemeError(
            "numeric modified fields cover gradient descent (one explicit stage "
            "z+ = z + tau f(z)); use modified_equation for other schemes"
        )
    stage = stages[0]
    if stage.targets != scheme.variables:
        raise SchemeError("the explicit stage must update every variable")
    field = [(value - v) / scheme.step for v, value in zip(scheme.variables, stage.values)]
    if scheme.step in free_symbols_of(field):  # rare: a field written with tau in it
        field = [_step_free(f, v, scheme.step) for v, f in zip(scheme.variables, field)]
    return JetField(field, scheme.variables, params=params, engine=engine)


def _step_free(f: sp.Expr, v: sp.Symbol, step: sp.Symbol) -> sp.Expr:
    if f.has(step):
        f = sp.expand_mul(f, deep=False)
    if f.has(step):
        raise SchemeError(
            f"the update of {v} is not {v} + {step} f(z): numeric modified fields "
            "cover gradient descent (explicit Euler) only"
        )
    return f


# -- the modified flow -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModifiedFlow:
    """The flow of an order-``order`` modified field from ``z0``, with dense output.

    Attributes
    ----------
    t : ndarray
        The solver's times.
    z : ndarray, shape (len(t), dim)
        The states at those times.
    order : int
        The order of the modified field.
    tau : float
        The step size it was built for.
    solution : callable
        The solver's dense output, ``solution(t) -> ndarray (dim, len(t))``.
    variables : tuple of Symbol
        The columns of ``z``.
    """

    t: np.ndarray
    z: np.ndarray
    order: int
    tau: float
    solution: Any
    variables: tuple[sp.Symbol, ...] = ()

    def dense(self, times: Any) -> np.ndarray:
        """The state at ``times``, shape ``(dim, len(times))`` (as :class:`Trajectory`).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> flow = ld.modified_flow(ld.JetField([-x], [x]), [1.0], tau=0.1, order=3, t_end=1.0)
        >>> states = flow.dense([0.0, 0.5, 1.0])
        >>> states.shape, bool(abs(states[0, 2] - 0.9**10) < 1e-4)  # 10 steps of x+ = 0.9 x
        ((1, 3), True)
        """
        return np.asarray(self.solution(np.asarray(times, dtype=float)))

    def _label(self) -> str:
        return f"order-{self.order} modified flow, tau = {self.tau:g}"

    def trajectory(self) -> Trajectory:
        """The solver's states as a :class:`~limitdyn.Trajectory` (with the dense output).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> flow = ld.modified_flow(ld.JetField([-x], [x]), [1.0], tau=0.1, order=1, t_end=1.0)
        >>> run = flow.trajectory()
        >>> run.variables, run.label, bool((run.z == flow.z).all())
        ((x,), 'order-1 modified flow, tau = 0.1', True)
        """
        return Trajectory(self.variables, self.t, self.z, dense=self.dense, label=self._label())

    def plot(self, *, ax: Any = None, **kwargs: Any) -> Any:
        """The states against time; see :meth:`limitdyn.Trajectory.plot`.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> flow = ld.modified_flow(ld.JetField([-x], [x]), [1.0], tau=0.1, order=1, t_end=1.0)
        >>> ax = flow.plot()
        >>> bool((ax.lines[0].get_ydata() == flow.z[:, 0]).all())
        True
        """
        return self.trajectory().plot(ax=ax, **kwargs)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: ``t`` and one column per variable.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> flow = ld.modified_flow(ld.JetField([-x], [x]), [1.0], tau=0.1, order=1, t_end=1.0)
        >>> df = flow.to_dataframe()
        >>> list(df.columns), bool(np.allclose(df["x"], np.exp(-1.05 * df["t"]),
        ...                                    rtol=1e-6))  # x' = -(1 + tau/2) x
        (['t', 'x'], True)
        """
        return self.trajectory().to_dataframe()

    def __repr__(self) -> str:
        return (
            f"ModifiedFlow(order={self.order}, tau={self.tau:g}, dim={self.z.shape[1]}, "
            f"{len(self.t)} solver steps)"
        )

    def _repr_html_(self) -> str:
        return self.trajectory()._repr_html_()


def modified_flow(
    field: JetField,
    z0: Any,
    *,
    tau: float,
    order: int,
    t_end: float,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> ModifiedFlow:
    """Integrate ``z' = f_0 + tau f_1 + ... + tau**order f_order`` (DOP853, dense output).

    Parameters
    ----------
    field : JetField
        The field ``f_0`` (e.g. from :func:`jet_field`).
    z0 : array_like or mapping
        Initial state.
    tau : float
        The step size of the gradient descent the modified field belongs to.
    order : int
        Highest power of ``tau`` kept, ``0 <= order <= MAX_ORDER`` (3).
    t_end : float
        Final time (cumulative learning rate).
    rtol, atol : float
        Tolerances of the solve.

    Returns
    -------
    ModifiedFlow

    Raises
    ------
    InputError
        A bad state, step, order or tolerance.
    SolverError
        The solver failed (the message says where).

    Examples
    --------
    ``x' = -x`` under gradient descent: the modified flow at any order decays like
    ``(1 - tau)**(t / tau)`` to ``O(tau**(order + 1))``:

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> flow = modified_flow(JetField([-x], [x]), [1.0], tau=0.1, order=3, t_end=1.0)
    >>> bool(abs(flow.dense([1.0])[0, 0] - 0.9**10) < 1e-4)
    True
    """
    from scipy.integrate import solve_ivp

    h = positive_float(tau, "tau")
    end = positive_float(t_end, "t_end")
    order = non_negative_int(order, "order", error=InputError)
    y0 = state_vector(z0, field.variables)
    sol = solve_ivp(
        lambda _t, y: field.modified(y, tau=h, order=order),
        (0.0, end),
        y0,
        method="DOP853",
        rtol=positive_float(rtol, "rtol"),
        atol=positive_float(atol, "atol"),
        dense_output=True,
    )
    if not sol.success:
        raise SolverError(
            f"the order-{order} modified flow failed: {sol.message}",
            step=len(sol.t) - 1,
            time=float(sol.t[-1]),
            residual=float("nan"),
        )
    return ModifiedFlow(sol.t, sol.y.T, order, h, sol.sol, field.variables)
