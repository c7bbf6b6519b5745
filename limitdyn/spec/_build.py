"""From a scheme file to model objects: the scheme, parameter values, initial state, run
settings.

The format is described in ``docs/scheme_files.rst``. Every check names the piece at
fault with its file, line and column (:class:`~limitdyn.errors.SpecError`); errors the
model itself raises while the scheme is assembled (a rate that is not positive, a
recurrence without a small-step limit) are reported the same way, at the stage or
table that caused them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme, two_step
from .._scheme import ExplicitStage, Scheme, Stage, alternating, tau
from ..errors import SchemeError, SpecError
from ._parse import ExprError, check_name, parse_expr
from ._toml import (
    Document,
    array_of,
    check_table,
    is_bool,
    is_int,
    is_number,
    is_str,
    is_table,
    load,
    loads,
    one_of,
)

__all__ = ["FORMAT_VERSION", "RunSettings", "SchemeFile", "load_scheme", "loads_scheme"]

#: the version of the scheme file format
FORMAT_VERSION = 1
STAGE_KINDS = ("explicit", "implicit", "proximal")
_NAMES = array_of(is_str, "strings")

_TOP = {
    "version": is_int,
    "name": is_str,
    "description": is_str,
    "variables": _NAMES,
    "positive": _NAMES,
    "real": _NAMES,
    "step": is_str,
    "parameters": is_table,
    "stage": array_of(is_table, "tables ([[stage]])"),
    "recurrence": is_table,
    "previous": _NAMES,
    "initial": is_table,
    "run": is_table,
}
_STAGE = {
    "kind": is_str,
    "label": is_str,
    "variables": _NAMES,
    "field": is_table,
    "cost": is_number,
    "update": is_table,
    "rate": is_number,
    "repeat": is_int,
    "metric": array_of(array_of(is_number, "numbers or expressions"), "rows"),
}
_PARAMETER = {"value": is_number, "positive": is_bool}
_RUN = {
    "tau": is_number,
    "steps": is_int,
    "t_end": is_number,
    "taus": array_of(is_number, "numbers"),
    "engine": is_str,
    "reference": one_of(is_str, is_int),
    "norm": is_str,
}
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class RunSettings:
    """The optional ``[run]`` table: defaults for ``limitdyn run`` and ``converge``.

    Attributes
    ----------
    tau, t_end : float or None
        Step size; final cumulative learning rate.
    steps : int or None
        Number of steps.
    taus : tuple of float
        Step sizes of a convergence study.
    engine : str
        "auto", "numpy" or "numba".
    reference : str or int
        "limit" or the order of a modified equation.
    norm : str
        "max" or "final".
    """

    tau: float | None = None
    steps: int | None = None
    t_end: float | None = None
    taus: tuple[float, ...] = ()
    engine: str = "auto"
    reference: str | int = "limit"
    norm: str = "max"


@dataclass(frozen=True)
class SchemeFile:
    """A scheme file, read and checked.

    Attributes
    ----------
    scheme : Scheme or TwoStepScheme
        The scheme the file describes.
    name, description : str
        From the file.
    file : str
        Where it was read.
    symbols : mapping str -> Symbol
        Every declared name (variables, previous state, parameters, step).
    values : mapping Symbol -> Expr
        The parameter values the file gives (exact).
    initial : mapping Symbol -> Expr
        The initial state (exact); empty when the file has none.
    run : RunSettings
        The ``[run]`` table.
    """

    scheme: Scheme | TwoStepScheme
    name: str
    description: str
    file: str
    symbols: Mapping[str, sp.Symbol]
    values: Mapping[sp.Symbol, sp.Expr]
    initial: Mapping[sp.Symbol, sp.Expr]
    run: RunSettings
    document: Document = field(repr=False, compare=False)

    def params(self) -> dict[sp.Symbol, float]:
        """The parameter values as floats, for numerics.

        Raises
        ------
        SpecError
            If a parameter of the scheme has no value in the file.

        Examples
        --------
        >>> from limitdyn.spec import example_path, load_scheme
        >>> spec = load_scheme(example_path("turinici_toy_gan_printed"))
        >>> spec.params()
        {x_r: 1.0}
        """
        missing = [p for p in self.scheme.parameters if p not in self.values]
        if missing:
            raise self.document.error(
                f"parameter {missing[0]} has no value; give one as {missing[0]} = <number>",
                ("parameters", str(missing[0])),
            )
        return {p: float(self.values[p]) for p in self.scheme.parameters}

    def z0(self) -> list[float]:
        """The initial state as floats, in the order of the scheme's variables (for a
        two-step scheme: the current state, or the doubled one when ``previous`` values
        are given too).

        Raises
        ------
        SpecError
            If the file has no ``[initial]`` table or it misses a variable.

        Examples
        --------
        >>> from limitdyn.spec import example_path, load_scheme
        >>> spec = load_scheme(example_path("turinici_toy_gan_printed"))
        >>> spec.scheme.variables, spec.z0()
        ((y, x), [0.0, 1.5])
        """
        if not self.initial:
            raise SpecError("no [initial] table: give the initial state", file=self.file)
        state = self.scheme.variables
        if isinstance(self.scheme, TwoStepScheme):
            given = [v for v in self.scheme.previous if v in self.initial]
            state = self.scheme.variables if given else self.scheme.current
        for v in state:
            if v not in self.initial:
                raise self.document.error(f"no initial value for {v}", ("initial",))
        return [float(self.initial[v]) for v in state]


class _Reader:
    def __init__(self, doc: Document):
        self.doc = doc
        self.symbols: dict[str, sp.Symbol] = {}
        self.assume: dict[str, dict[str, bool]] = {}
        self.at: dict[sp.Symbol, sp.Expr] = {}

    def err(self, message: str, path: Path_, *, value: bool = True) -> SpecError:
        return self.doc.error(message, path, value=value)

    def declare(self, name: Any, symbol: sp.Symbol, path: Path_, what: str) -> None:
        try:
            check_name(name, what=what)
        except SpecError as exc:
            raise self.err(str(exc), path, value=False) from None
        if name in self.symbols:
            raise self.err(f"the name {name!r} is declared twice", path, value=False)
        self.symbols[name] = symbol

    def expr(
        self, text: Any, path: Path_, *, symbols: Mapping[str, sp.Symbol] | None = None
    ) -> sp.Expr:
        try:
            return parse_expr(text, self.symbols if symbols is None else symbols)
        except ExprError as exc:
            raise self.doc.error(exc.reason, path, offset=exc.offset) from None

    def number(self, text: Any, path: Path_, *, positive: bool = False) -> sp.Expr:
        value = self.expr(text, path, symbols={})
        if not (value.is_number and value.is_real and value.is_finite):
            raise self.err(f"expected a real number, got {value}", path)
        if positive and not value.is_positive:
            raise self.err(f"expected a positive number, got {value}", path)
        return value

    # -- the file ------------------------------------------------------------------------
    def read(self) -> SchemeFile:
        data = check_table(self.doc, self.doc.data, (), _TOP)
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise self.err(
                f"unsupported format version {version}; this reads {FORMAT_VERSION}", ("version",)
            )
        if "variables" not in data:
            raise SpecError(
                'no variables: list the state, e.g. variables = ["x", "y"]', file=self.doc.file
            )
        if not data["variables"]:
            raise self.err("variables is empty", ("variables",))
        self.assume = self._assumptions(data)
        variables = []
        for i, name in enumerate(data["variables"]):
            variables.append(self.symbol(name))
            self.declare(name, variables[-1], ("variables", i), "variable")
        step_name = data.get("step", "tau")
        step = tau if step_name == "tau" else sp.Symbol(step_name, positive=True)
        self.declare(step_name, step, ("step",), "step")
        has_stages, has_recurrence = "stage" in data, "recurrence" in data
        if has_stages == has_recurrence:
            raise SpecError(
                "give either [[stage]] tables (a one-step scheme) or a [recurrence] table "
                "(a two-step scheme)" + (", not both" if has_stages else ""),
                file=self.doc.file,
            )
        if "previous" in data and not has_recurrence:
            raise self.err(
                "previous is only for a two-step scheme ([recurrence])", ("previous",), value=False
            )
        previous = self._previous(data, variables) if has_recurrence else ()
        values = self._parameters(data.get("parameters", {}))
        name = data.get("name", os.path.splitext(os.path.basename(self.doc.file))[0])
        initial = self._initial(data.get("initial"), [*variables, *previous])
        self.at = {**initial, **values}
        scheme: Scheme | TwoStepScheme
        if has_recurrence:
            scheme = self._two_step(data["recurrence"], variables, previous, step, name)
        else:
            scheme = self._one_step(data["stage"], variables, step, name)
        for key in ("positive", "real"):
            for j, n in enumerate(data.get(key, ())):
                if n not in self.symbols:
                    raise self.err(f"{key} lists {n!r}, which is not declared", (key, j))
        extra = [p for p in values if p not in scheme.parameters]
        if extra:
            raise self.err(
                f"parameter {extra[0]} is not used by the scheme",
                ("parameters", str(extra[0])),
                value=False,
            )
        run = self._run(data.get("run", {}))
        return SchemeFile(
            scheme=scheme,
            name=name,
            description=data.get("description", ""),
            file=self.doc.file,
            symbols=dict(self.symbols),
            values=values,
            initial=initial,
            run=run,
            document=self.doc,
        )

    def _assumptions(self, data: dict[str, Any]) -> dict[str, dict[str, bool]]:
        out: dict[str, dict[str, bool]] = {}
        for key in ("positive", "real"):
            for name in data.get(key, ()):
                out.setdefault(name, {})[key] = True
        return out

    def symbol(self, name: str) -> sp.Symbol:
        """The symbol ``name`` with the assumptions of the top-level ``positive``/``real``."""
        return sp.Symbol(name, **self.assume.get(name, {}))

    def _previous(self, data: dict[str, Any], variables: list[sp.Symbol]) -> tuple[sp.Symbol, ...]:
        names = data.get("previous", [f"{v.name}_prev" for v in variables])
        if len(names) != len(variables):
            raise self.err(
                f"{len(names)} previous names for {len(variables)} variables", ("previous",)
            )
        out = []
        for i, name in enumerate(names):
            out.append(self.symbol(name))
            self.declare(name, out[-1], ("previous", i), "previous-state")
        return tuple(out)

    def _parameters(self, table: dict[str, Any]) -> dict[sp.Symbol, sp.Expr]:
        values: dict[sp.Symbol, sp.Expr] = {}
        for name, spec in table.items():
            path: Path_ = ("parameters", name)
            if isinstance(spec, dict):
                check_table(self.doc, spec, path, _PARAMETER)
                positive = spec.get("positive", False)
                value = spec.get("value")
                vpath: Path_ = (*path, "value")
            else:
                problem = is_number(spec)
                if problem is not None:
                    raise self.err(f"{problem} (or a table {{value = ..., positive = true}})", path)
                positive, value, vpath = False, spec, path
            symbol = sp.Symbol(name, positive=True) if positive else self.symbol(name)
            self.declare(name, symbol, path, "parameter")
            if value is not None:
                values[symbol] = self.number(value, vpath, positive=positive)
        return values

    def _one_step(
        self, stages: list[dict[str, Any]], variables: list[sp.Symbol], step: sp.Symbol, name: str
    ) -> Scheme:
        if not stages:
            raise self.err("no stages", ("stage",))
        built: list[Stage] = []
        for i, table in enumerate(stages):
            built.extend(self._stage(table, i, variables, step))
        try:
            return Scheme(variables=tuple(variables), stages=tuple(built), step=step, name=name)
        except SchemeError as exc:
            raise SpecError(str(exc), file=self.doc.file) from None

    def _block(
        self, table: dict[str, Any], path: Path_, variables: list[sp.Symbol], key: str | None
    ) -> list[sp.Symbol]:
        """The variables a stage updates: the keys of its ``key`` table, or ``variables``."""
        by_name = {v.name: v for v in variables}
        if key is not None:
            names: list[Any] = list(table[key])
            where = [(*path, key, n) for n in names]
            if "variables" in table and list(table["variables"]) != names:
                raise self.err(f"variables differ from the keys of {key}", (*path, "variables"))
        elif "variables" in table:
            names = list(table["variables"])
            where = [(*path, "variables", j) for j in range(len(names))]
        else:
            names = [v.name for v in variables]
            where = [path] * len(names)
        if not names:
            raise self.err("the stage updates no variable", path)
        block = []
        for n, w in zip(names, where):
            if n not in by_name:
                close = [v for v in by_name if v.lower() == str(n).lower()]
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.err(
                    f"the stage updates {n!r}, which is not a variable (variables: "
                    f"{', '.join(by_name)}){hint}",
                    w,
                    value=key is None,
                )
            if by_name[n] in block:
                raise self.err(f"the stage updates {n!r} twice", w)
            block.append(by_name[n])
        return block

    def _stage(
        self, table: dict[str, Any], i: int, variables: list[sp.Symbol], step: sp.Symbol
    ) -> list[Stage]:
        path: Path_ = ("stage", i)
        check_table(self.doc, table, path, _STAGE)
        kind = table.get("kind", "explicit")
        if kind not in STAGE_KINDS:
            raise self.err(
                f"unknown stage kind {kind!r}; valid kinds: {', '.join(STAGE_KINDS)}",
                (*path, "kind"),
            )
        given = [k for k in ("field", "cost", "update") if k in table]
        if len(given) != 1:
            raise self.err(
                "a stage needs exactly one of field (a velocity), cost (a loss it descends) or "
                "update (its new values)" + (f"; got {', '.join(given)}" if given else ""),
                path,
            )
        what = given[0]
        label = table.get("label", f"stage {i + 1}")
        repeat = table.get("repeat", 1)
        if not 1 <= repeat <= 1000:
            raise self.err(f"repeat {repeat} must lie in 1..1000", (*path, "repeat"))
        rate = self.expr(table["rate"], (*path, "rate")) if "rate" in table else None
        if "metric" in table and kind != "proximal":
            raise self.err('metric needs kind = "proximal"', (*path, "metric"), value=False)
        if what == "update":
            if kind != "explicit":
                raise self.err("an update (new values) stage is explicit", (*path, "kind"))
            if "rate" in table:
                raise self.err(
                    "an update stage has no rate: write the step into the new values",
                    (*path, "rate"),
                    value=False,
                )
            block = self._block(table, path, variables, "update")
            values = tuple(
                self.expr(table["update"][v.name], (*path, "update", v.name)) for v in block
            )
            stage = ExplicitStage(targets=tuple(block), values=values, label=label)
            return [stage] * repeat
        if what == "field":
            block = self._block(table, path, variables, "field")
            velocity = [self.expr(table["field"][v.name], (*path, "field", v.name)) for v in block]
        else:
            block = self._block(table, path, variables, None)
            cost = self.expr(table["cost"], (*path, "cost"))
            velocity = [-sp.diff(cost, v) for v in block]
        if kind == "proximal":
            return self._proximal(table, path, block, velocity, rate, repeat, step)
        try:
            scheme = alternating(
                [(tuple(block), velocity)],
                rates=None if rate is None else [rate],
                repeats=[repeat],
                implicit=kind == "implicit",
                step=step,
            )
        except SchemeError as exc:
            raise self.err(str(exc), path) from None
        return [_relabel(s, label) for s in scheme.stages]

    def _proximal(
        self,
        table: dict[str, Any],
        path: Path_,
        block: list[sp.Symbol],
        velocity: list[sp.Expr],
        rate: sp.Expr | None,
        repeat: int,
        step: sp.Symbol,
    ) -> list[Stage]:
        if "cost" not in table:
            raise self.err("a proximal stage needs a cost", path)
        cost = self.expr(table["cost"], (*path, "cost"))
        metric = None
        if "metric" in table:
            rows = table["metric"]
            if len(rows) != len(block) or any(len(r) != len(block) for r in rows):
                raise self.err(
                    f"metric must be a {len(block)} x {len(block)} matrix", (*path, "metric")
                )
            metric = sp.Matrix(
                [
                    [self.expr(e, (*path, "metric", a, b)) for b, e in enumerate(r)]
                    for a, r in enumerate(rows)
                ]
            )
            if metric != metric.T:
                raise self.err("metric must be symmetric", (*path, "metric"))
        proximal: Any
        try:
            from .._proximal import proximal
        except ImportError:
            if metric is not None:
                raise self.err(
                    "a proximal stage with a metric needs limitdyn.proximal, which this version "
                    "does not have",
                    (*path, "metric"),
                    value=False,
                ) from None
            proximal = None
        try:
            if proximal is None:
                scheme = alternating(
                    [(tuple(block), velocity)],
                    implicit=True,
                    step=step,
                    rates=None if rate is None else [rate],
                )
            else:
                at = None
                if metric is not None and all(v in self.at for v in block):
                    used = metric.free_symbols | set(block)
                    at = {k: v for k, v in self.at.items() if k in used}
                scheme = proximal(
                    cost if rate is None else rate * cost,
                    tuple(block),
                    metric=metric,
                    step=step,
                    at=at,
                )
        except SchemeError as exc:
            raise self.err(str(exc), path) from None
        label = table.get("label", f"stage {path[1] + 1}")  # type: ignore[operator]
        return [_relabel(s, label) for s in scheme.stages] * repeat

    def _two_step(
        self,
        table: dict[str, Any],
        variables: list[sp.Symbol],
        previous: tuple[sp.Symbol, ...],
        step: sp.Symbol,
        name: str,
    ) -> TwoStepScheme:
        by_name = {v.name: v for v in variables}
        for key in table:
            if key not in by_name:
                raise self.err(
                    f"the recurrence updates {key!r}, which is not a variable "
                    f"(variables: {', '.join(by_name)})",
                    ("recurrence", key),
                    value=False,
                )
        for v in variables:
            if v.name not in table:
                raise self.err(
                    f"the recurrence gives no new value for {v}", ("recurrence",), value=False
                )
        rec = {v: self.expr(table[v.name], ("recurrence", v.name)) for v in variables}
        try:
            return two_step(rec, previous=list(previous), step=step, name=name)
        except SchemeError as exc:
            raise self.err(str(exc), ("recurrence",), value=False) from None

    def _initial(self, table: Any, state: list[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
        if table is None:
            return {}
        by_name = {v.name: v for v in state}
        out = {}
        for key, value in table.items():
            if key not in by_name:
                raise self.err(
                    f"initial value for {key!r}, which is not a variable "
                    f"(variables: {', '.join(by_name)})",
                    ("initial", key),
                    value=False,
                )
            out[by_name[key]] = self.number(value, ("initial", key))
        return out

    def _run(self, table: dict[str, Any]) -> RunSettings:
        check_table(self.doc, table, ("run",), _RUN)
        pos = {
            k: float(self.number(table[k], ("run", k), positive=True))
            for k in ("tau", "t_end")
            if k in table
        }
        taus = tuple(
            float(self.number(t, ("run", "taus", j), positive=True))
            for j, t in enumerate(table.get("taus", ()))
        )
        steps = table.get("steps")
        if steps is not None and steps < 1:
            raise self.err("steps must be at least 1", ("run", "steps"))
        return RunSettings(
            tau=pos.get("tau"),
            steps=steps,
            t_end=pos.get("t_end"),
            taus=taus,
            engine=table.get("engine", "auto"),
            reference=table.get("reference", "limit"),
            norm=table.get("norm", "max"),
        )


def _relabel(stage: Stage, label: str) -> Stage:
    """The stage under the file's label (the constructors label blocks by number)."""
    return replace(stage, label=label)  # type: ignore[type-var]


def loads_scheme(text: str, *, file: str = "<string>") -> SchemeFile:
    """Read a scheme file's text.

    Parameters
    ----------
    text : str
        The TOML text.
    file : str
        The name shown in errors.

    Raises
    ------
    SpecError
        For anything wrong with the file, with its file, line and column.

    Examples
    --------
    >>> spec = loads_scheme('''
    ... variables = ["x"]
    ... [parameters]
    ... a = 2
    ... [[stage]]
    ... field = { x = "-a*x" }
    ... ''')
    >>> spec.scheme.map()
    {x: -a*tau*x + x}
    >>> loads_scheme('variables = ["x"]\\n[[stage]]\\nfield = { y = "-x" }\\n', file="f.toml")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SpecError: f.toml:3:11: stage[1].field.y: the stage updates 'y', which ...
    """
    return _Reader(loads(text, file=file)).read()


def load_scheme(path: str | os.PathLike[str]) -> SchemeFile:
    """Read the scheme file at ``path`` (see ``docs/scheme_files.rst``).

    Raises
    ------
    SpecError
        For anything wrong with the file, with its file, line and column.

    Examples
    --------
    >>> from limitdyn.spec import example_path
    >>> spec = load_scheme(example_path("gradient_descent_quadratic"))
    >>> spec.scheme.variables
    (x, y)
    """
    return _Reader(load(path)).read()
