"""The analyses behind ``limitdyn analyze``, and their text, LaTeX, JSON and Markdown.

:func:`analyze` computes, for the scheme of a file, whatever the library offers: the
limit ODE and the modified equations always; with ``invariants=True`` the first
integrals of the limit (and, where the library has it, the conservation report of the
scheme); with ``stability=True`` the equilibria of the limit, their linear stability,
and the stability of the scheme there with its largest stable step. Analyses a version
of the library lacks are refused with an :class:`~limitdyn.errors.InputError` saying so.

The JSON rendering follows :data:`ANALYSIS_SCHEMA` (a JSON Schema, documented in
``docs/scheme_files.rst``), with ``"version": ANALYSIS_VERSION``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .._multistep import TwoStepScheme
from .._ode import ODE
from .._validate import non_negative_int
from ..errors import InputError, SchemeError
from ..symbolic import ModifiedEquation, limit_ode, modified_equation
from ._build import SchemeFile

__all__ = ["ANALYSIS_SCHEMA", "ANALYSIS_VERSION", "FORMATS", "Analysis", "analyze"]

#: version of the JSON output's schema
ANALYSIS_VERSION = 1
#: the output formats of :meth:`Analysis.render`
FORMATS = ("text", "latex", "json", "markdown")
#: highest order of a modified equation asked from the command line
MAX_ORDER = 6

_EXPR = {
    "type": "object",
    "required": ["text", "latex"],
    "properties": {"text": {"type": "string"}, "latex": {"type": "string"}},
    "additionalProperties": False,
}
_EQUATION = {
    "type": "object",
    "required": ["variable", "rhs"],
    "properties": {"variable": {"type": "string"}, "rhs": _EXPR},
    "additionalProperties": False,
}
_EQUATIONS = {"type": "array", "items": _EQUATION}
_POINT = {"type": "object", "additionalProperties": _EXPR}
#: the JSON Schema (draft 2020-12) of :meth:`Analysis.to_dict`
ANALYSIS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "limitdyn analysis of a scheme file",
    "type": "object",
    "required": ["format", "version", "file", "scheme", "limit_ode", "modified_equation"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "limitdyn-analysis"},
        "version": {"const": ANALYSIS_VERSION},
        "file": {"type": "string"},
        "scheme": {
            "type": "object",
            "required": ["name", "kind", "variables", "step", "parameters", "stages", "update"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "kind": {"enum": ["one-step", "two-step"]},
                "variables": {"type": "array", "items": {"type": "string"}},
                "previous": {"type": "array", "items": {"type": "string"}},
                "step": {"type": "string"},
                "parameters": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "value"],
                        "properties": {
                            "name": {"type": "string"},
                            "value": {"oneOf": [_EXPR, {"type": "null"}]},
                        },
                        "additionalProperties": False,
                    },
                },
                "stages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["label", "kind", "targets"],
                        "properties": {
                            "label": {"type": "string"},
                            "kind": {"enum": ["explicit", "implicit"]},
                            "targets": {"type": "array", "items": {"type": "string"}},
                        },
                        "additionalProperties": False,
                    },
                },
                "update": {
                    "type": "object",
                    "required": ["latex"],
                    "properties": {"latex": {"type": "string"}},
                },
            },
        },
        "limit_ode": {
            "type": "object",
            "required": ["equations"],
            "properties": {"equations": _EQUATIONS},
            "additionalProperties": False,
        },
        "modified_equation": {
            "type": "object",
            "required": ["order", "terms", "latex"],
            "additionalProperties": False,
            "properties": {
                "order": {"type": "integer", "minimum": 0},
                "terms": {
                    "description": "terms[j]: the coefficient f_j of tau**j, per variable",
                    "type": "array",
                    "items": _EQUATIONS,
                },
                "latex": {"type": "string"},
            },
        },
        "invariants": {
            "type": "object",
            "required": ["first_integrals"],
            "additionalProperties": False,
            "properties": {
                "first_integrals": {"type": "array", "items": _EXPR},
                "conservation": {"type": "string"},
            },
        },
        "stability": {
            "type": "object",
            "required": ["equilibria"],
            "additionalProperties": False,
            "properties": {
                "equilibria": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["point", "limit", "scheme"],
                        "additionalProperties": False,
                        "properties": {
                            "point": _POINT,
                            "limit": {
                                "type": "object",
                                "required": ["eigenvalues", "classification"],
                                "properties": {
                                    "eigenvalues": {"type": "array", "items": _EXPR},
                                    "classification": {"type": "string"},
                                },
                                "additionalProperties": False,
                            },
                            "scheme": {
                                "type": "object",
                                "required": ["eigenvalues", "classification", "max_stable_step"],
                                "properties": {
                                    "eigenvalues": {"type": "array", "items": _EXPR},
                                    "classification": {"type": "string"},
                                    "max_stable_step": {"oneOf": [_EXPR, {"type": "null"}]},
                                    "max_marginal_step": {"oneOf": [_EXPR, {"type": "null"}]},
                                },
                                "additionalProperties": False,
                            },
                        },
                    },
                },
            },
        },
    },
}


def _expr(e: Any) -> dict[str, str]:
    if isinstance(e, (int, float)):
        e = sp.Integer(e) if isinstance(e, int) else sp.Float(e)
    return {"text": str(e), "latex": sp.latex(e)}


def _equations(variables: tuple[sp.Symbol, ...], column: Any) -> list[dict[str, Any]]:
    return [{"variable": str(v), "rhs": _expr(column[i])} for i, v in enumerate(variables)]


@dataclass(frozen=True)
class Analysis:
    """The analyses of one scheme file (see :func:`analyze`).

    Attributes
    ----------
    spec : SchemeFile
        The file read.
    limit : ODE
        The limit ODE.
    modified : ModifiedEquation
        The modified equation to the order asked.
    invariants : dict or None
        ``{"first_integrals": [...], "conservation": str}`` when asked.
    stability : list of dict or None
        Per equilibrium of the limit: its point, the limit's and the scheme's linear
        stability (``StabilityReport``) and the scheme's largest stable step.
    """

    spec: SchemeFile
    limit: ODE
    modified: ModifiedEquation
    invariants: dict[str, Any] | None = None
    stability: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The analysis as JSON-ready data, following :data:`ANALYSIS_SCHEMA`.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> data = report.to_dict()
        >>> data["format"], data["version"], sorted(data["limit_ode"])
        ('limitdyn-analysis', 1, ['equations'])
        """
        scheme = self.spec.scheme
        stages = [
            {"label": s.label, "kind": s.kind, "targets": [str(t) for t in s.targets]}
            for s in scheme.stages
        ]
        info: dict[str, Any] = {
            "name": self.spec.name,
            "description": self.spec.description,
            "kind": "two-step" if isinstance(scheme, TwoStepScheme) else "one-step",
            "variables": [str(v) for v in scheme.variables],
            "step": str(scheme.step),
            "parameters": [
                {
                    "name": str(p),
                    "value": _expr(self.spec.values[p]) if p in self.spec.values else None,
                }
                for p in scheme.parameters
            ],
            "stages": stages,
            "update": {"latex": scheme.latex()},
        }
        if isinstance(scheme, TwoStepScheme):
            info["variables"] = [str(v) for v in scheme.current]
            info["previous"] = [str(v) for v in scheme.previous]
        me = self.modified
        out: dict[str, Any] = {
            "format": "limitdyn-analysis",
            "version": ANALYSIS_VERSION,
            "file": self.spec.file,
            "scheme": info,
            "limit_ode": {"equations": _equations(self.limit.variables, self.limit.rhs)},
            "modified_equation": {
                "order": me.order,
                "terms": [_equations(me.variables, t) for t in me.terms],
                "latex": me.latex(),
            },
        }
        if self.invariants is not None:
            inv: dict[str, Any] = {
                "first_integrals": [_expr(i) for i in self.invariants["first_integrals"]]
            }
            if self.invariants.get("conservation") is not None:
                inv["conservation"] = str(self.invariants["conservation"])
            out["invariants"] = inv
        if self.stability is not None:
            out["stability"] = {"equilibria": [_equilibrium(e) for e in self.stability]}
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> import json
        >>> json.loads(report.to_json()) == report.to_dict()
        True
        """
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        """A plain-text report.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> # Turinici's eq. (1) as printed: its limit y' = x - x_r, x' = y is a saddle
        >>> print(report.text().split("limit ODE (tau -> 0):")[1].split("modified")[0].strip())
        y' = x - x_r
          x' = y
        """
        d = self.to_dict()
        s = d["scheme"]
        lines = [f"scheme: {s['name']} ({s['kind']}, from {d['file']})"]
        if s["description"]:
            lines.append(f"  {s['description']}")
        lines.append(f"variables: {', '.join(s['variables'])}; step: {s['step']}")
        if s["parameters"]:
            shown = [
                p["name"] + (f" = {p['value']['text']}" if p["value"] else "")
                for p in s["parameters"]
            ]
            lines.append(f"parameters: {', '.join(shown)}")
        stages = ", ".join(
            f"{st['label']} ({st['kind']}: {', '.join(st['targets'])})" for st in s["stages"]
        )
        lines.append(f"stages in order: {stages}")
        lines.append("")
        lines.append("limit ODE (tau -> 0):")
        lines.extend(f"  {v}' = {f}" for v, f in zip(self.limit.variables, self.limit.rhs))
        lines.append("")
        lines.append(f"modified equation to order {self.modified.order}:")
        lines.extend(f"  {line}" for line in self.modified.pretty().splitlines())
        if self.invariants is not None:
            lines += ["", "first integrals of the limit:"]
            found = self.invariants["first_integrals"]
            lines.extend(f"  {i}" for i in found) if found else lines.append("  none found")
            if self.invariants.get("conservation") is not None:
                lines += ["", "conservation by the scheme:", str(self.invariants["conservation"])]
        if self.stability is not None:
            lines += ["", "equilibria of the limit and their stability:"]
            if not self.stability:
                lines.append("  none found")
            for e in _equilibria(d):
                lines.append(f"  at {e['at']}: limit {e['limit']}; eigenvalues {e['limit_eig']}")
                lines.append(f"    scheme: {e['scheme']}; largest stable step {e['max']}")
        return "\n".join(lines) + "\n"

    def latex(self) -> str:
        """A LaTeX fragment (``align*`` environments), for a paper or notes.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> text = report.latex()
        >>> r"\\dot{y} &= x - x_{r}" in text, r"\\dot{x} &= y" in text
        (True, True)
        """
        d = self.to_dict()
        s = d["scheme"]
        rows = [f"% limitdyn analysis of {d['file']}: {s['name']}"]
        rows.append(r"\paragraph{Scheme.}")
        rows.append(r"\begin{equation*}" + s["update"]["latex"] + r"\end{equation*}")
        rows.append(r"\paragraph{Limit ODE.}")
        rows.append(r"\begin{equation*}" + self.limit.latex() + r"\end{equation*}")
        rows.append(rf"\paragraph{{Modified equation to order {self.modified.order}.}}")
        rows.append(r"\begin{equation*}" + self.modified.latex() + r"\end{equation*}")
        if self.invariants is not None:
            rows.append(r"\paragraph{First integrals of the limit.}")
            found = d["invariants"]["first_integrals"]
            rows.append(", ".join(f"${i['latex']}$" for i in found) if found else "None found.")
        if self.stability is not None:
            rows.append(r"\paragraph{Equilibria.}")
            for e in d["stability"]["equilibria"]:
                at = ", ".join(f"{k} = {v['latex']}" for k, v in e["point"].items())
                eig = ", ".join(x["latex"] for x in e["limit"]["eigenvalues"])
                rows.append(
                    rf"At ${at}$: eigenvalues ${eig}$ ({e['limit']['classification']}); "
                    f"scheme: {e['scheme']['classification']}."
                )
        return "\n".join(rows) + "\n"

    def markdown(self) -> str:
        """A Markdown report, math in ``$$ ... $$`` blocks.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> for line in report.markdown().splitlines():
        ...     if line.startswith("#"):
        ...         print(line)
        # Turinici toy GAN (printed signs, eq. 1)
        ## Scheme
        ## Limit ODE
        ## Modified equation to order 1
        """
        d = self.to_dict()
        s = d["scheme"]
        rows = [
            f"# {s['name']}",
            "",
            f"From `{d['file']}` ({s['kind']} scheme; variables "
            f"{', '.join(f'`{v}`' for v in s['variables'])}; step `{s['step']}`).",
            "",
        ]
        if s["description"]:
            rows += [s["description"], ""]
        rows += ["## Scheme", "", "$$" + s["update"]["latex"] + "$$", ""]
        rows += ["## Limit ODE", "", "$$" + self.limit.latex() + "$$", ""]
        rows += [f"## Modified equation to order {self.modified.order}", ""]
        rows += ["$$" + self.modified.latex() + "$$", ""]
        if self.invariants is not None:
            rows += ["## First integrals of the limit", ""]
            found = d["invariants"]["first_integrals"]
            rows += [f"- ${i['latex']}$" for i in found] or ["None found."]
            rows.append("")
        if self.stability is not None:
            rows += [
                "## Equilibria",
                "",
                "| point | limit | eigenvalues | scheme | largest stable step |",
            ]
            rows.append("|---|---|---|---|---|")
            for e in _equilibria(d):
                rows.append(
                    f"| {e['at']} | {e['limit']} | {e['limit_eig']} | {e['scheme']} | {e['max']} |"
                )
            rows.append("")
        return "\n".join(rows)

    def render(self, fmt: str) -> str:
        """The report in ``fmt``, one of :data:`FORMATS`.

        Examples
        --------
        >>> from limitdyn.spec import analyze, example_path, load_scheme
        >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
        >>> report.render("markdown") == report.markdown(), report.render("text") == report.text()
        (True, True)
        >>> report.render("html")
        Traceback (most recent call last):
        ...
        limitdyn.errors.InputError: unknown format 'html'; valid formats: text, ...
        """
        renderers: dict[str, Callable[[], str]] = {
            "text": self.text,
            "latex": self.latex,
            "json": lambda: self.to_json() + "\n",
            "markdown": self.markdown,
        }
        if fmt not in renderers:
            raise InputError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
        return renderers[fmt]()

    def __repr__(self) -> str:
        return f"Analysis({self.spec.name!r}, order={self.modified.order})"

    def _repr_latex_(self) -> str:
        return f"${self.modified.latex()}$"


def _equilibrium(e: dict[str, Any]) -> dict[str, Any]:
    limit, scheme = e["limit"], e["scheme"]
    step, marginal = e["max_stable_step"], e.get("max_marginal_step")
    return {
        "point": {str(k): _expr(v) for k, v in e["point"].items()},
        "limit": {
            "eigenvalues": [_expr(x) for x in limit.eigenvalues],
            "classification": str(limit.classification),
        },
        "scheme": {
            "eigenvalues": [_expr(x) for x in scheme.eigenvalues] if scheme is not None else [],
            "classification": str(scheme.classification) if scheme is not None else "not analysed",
            "max_stable_step": None if step is None else _expr(step),
            "max_marginal_step": None if marginal is None else _expr(marginal),
        },
    }


def _equilibria(d: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for e in d["stability"]["equilibria"]:
        step = e["scheme"]["max_stable_step"]
        weak = e["scheme"]["max_marginal_step"]
        out.append(
            {
                "at": ", ".join(f"{k} = {v['text']}" for k, v in e["point"].items()),
                "limit": e["limit"]["classification"],
                "limit_eig": ", ".join(x["text"] for x in e["limit"]["eigenvalues"]),
                "scheme": e["scheme"]["classification"],
                "max": ("unknown" if step is None else step["text"])
                + ("" if weak is None or weak == step else f" (marginally: {weak['text']})"),
            }
        )
    return out


def _not_available(what: str) -> InputError:
    return InputError(f"{what} are not available in this version of limitdyn")


def _first_integrals() -> Callable[..., Any]:
    try:
        from ..symbolic._first_integrals import first_integrals
    except ImportError:
        raise _not_available("--invariants (first integrals)") from None
    return first_integrals


def _stability_functions() -> tuple[Callable[..., Any], Callable[..., Any]]:
    try:
        from ..symbolic._equilibria import equilibria
        from ..symbolic._stability import linear_stability
    except ImportError:
        raise _not_available("--stability (equilibria and linear stability)") from None
    return equilibria, linear_stability


def _invariants(spec: SchemeFile, limit: ODE) -> dict[str, Any]:
    first_integrals = _first_integrals()
    found = list(first_integrals(limit))
    report = None
    conservation_report: Any
    try:
        from ..symbolic import conservation_report
    except ImportError:
        conservation_report = None
    if conservation_report is not None:
        try:
            report = conservation_report(spec.scheme)
        except (SchemeError, InputError):
            report = None
    return {"first_integrals": found, "conservation": report}


def _stability(spec: SchemeFile, limit: ODE) -> list[dict[str, Any]]:
    equilibria, linear_stability = _stability_functions()
    out = []
    for point in equilibria(limit):
        of_limit = linear_stability(limit, at=point)
        try:
            of_scheme = linear_stability(spec.scheme, at=point)
        except (SchemeError, InputError):
            of_scheme, step = None, None
        else:
            free = of_scheme.jacobian.free_symbols
            params = {k: v for k, v in spec.values.items() if k in free} or None
            step, marginal = (_max_step(of_scheme, params, m) for m in (False, True))
        out.append(
            {
                "point": point,
                "limit": of_limit,
                "scheme": of_scheme,
                "max_stable_step": step,
                "max_marginal_step": marginal,
            }
        )
    return out


def _max_step(report: Any, params: Any, marginal: bool) -> Any:
    try:
        return report.max_stable_step(params=params, marginal=marginal)
    except (SchemeError, InputError, ValueError):
        return None


def analyze(
    spec: SchemeFile, *, order: int = 2, invariants: bool = False, stability: bool = False
) -> Analysis:
    """The analyses of a scheme file.

    Parameters
    ----------
    spec : SchemeFile
        From :func:`~limitdyn.spec.load_scheme`.
    order : int
        Order of the modified equation, ``0..MAX_ORDER`` (0: the limit only).
    invariants : bool
        Also the first integrals of the limit (and the scheme's conservation report
        where the library has one).
    stability : bool
        Also the equilibria of the limit, their linear stability and the scheme's there.

    Raises
    ------
    InputError
        If ``order`` is out of range, or an analysis asked for is not in this version.

    Examples
    --------
    >>> from limitdyn.spec import analyze, example_path, load_scheme
    >>> report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
    >>> print(report.text().split("limit ODE")[1].split("modified")[0].strip())
    (tau -> 0):
      y' = x - x_r
      x' = y
    """
    order = non_negative_int(order, "order")
    if order > MAX_ORDER:
        raise InputError(f"order {order} is above the largest supported, {MAX_ORDER}")
    if invariants:  # refused before any work when this version lacks them
        _first_integrals()
    if stability:
        _stability_functions()
    limit = limit_ode(spec.scheme)
    modified = modified_equation(spec.scheme, order=order)
    return Analysis(
        spec=spec,
        limit=limit,
        modified=modified,
        invariants=_invariants(spec, limit) if invariants else None,
        stability=_stability(spec, limit) if stability else None,
    )
