"""The JSON output of ``analyze`` against the schema documented in docs/scheme_files.rst,
and the content of the reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import sympy as sp

from limitdyn.errors import InputError
from limitdyn.spec import ANALYSIS_SCHEMA, ANALYSIS_VERSION, analyze, example_path, load_scheme

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheme_files.rst"


def _documented_schema() -> dict:  # type: ignore[type-arg]
    text = DOC.read_text()
    block = text.split(":name: analysis-schema", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    return json.loads("\n".join(lines))


def test_documented_schema_is_the_library_schema() -> None:
    schema = _documented_schema()
    assert schema == ANALYSIS_SCHEMA
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("turinici_toy_gan_text", True),
        ("heavy_ball", True),
        ("gradient_descent_quadratic", True),
        ("two_rate_game", False),
    ],
)
def test_json_follows_the_documented_schema(name: str, extra: bool) -> None:
    report = analyze(load_scheme(example_path(name)), order=1, invariants=extra, stability=extra)
    data = json.loads(report.render("json"))
    jsonschema.validate(data, _documented_schema())
    assert data["version"] == ANALYSIS_VERSION and data["format"] == "limitdyn-analysis"


def test_json_content_is_the_mathematics() -> None:
    """Gradient descent on E = (x^2 + 10 y^2)/2: limit -grad E; first modified term
    -(1/2) H grad E = (-x/2, -50 y) (Barrett & Dherin 2021: -grad (tau/4)|grad E|^2);
    stable for tau < 2/10 (the largest curvature is 10)."""
    data = analyze(
        load_scheme(example_path("gradient_descent_quadratic")), order=1, stability=True
    ).to_dict()
    rhs = {e["variable"]: e["rhs"]["text"] for e in data["limit_ode"]["equations"]}
    assert rhs == {"x": "-x", "y": "-10*y"}
    term1 = {e["variable"]: e["rhs"]["text"] for e in data["modified_equation"]["terms"][1]}
    assert term1 == {"x": "-x/2", "y": "-50*y"}
    (eq,) = data["stability"]["equilibria"]
    assert {k: v["text"] for k, v in eq["point"].items()} == {"x": "0", "y": "0"}
    assert eq["scheme"]["max_stable_step"]["text"] == "1/5"
    assert eq["limit"]["classification"] == "stable node"


def test_invariants_of_the_toy_gan() -> None:
    """The text's toy GAN y' = x - x_r, x' = -y conserves (x - x_r)^2 + y^2 (a center)."""
    report = analyze(load_scheme(example_path("turinici_toy_gan_text")), order=0, invariants=True)
    (found,) = report.invariants["first_integrals"]  # type: ignore[index]
    x, y, xr = sp.symbols("x y x_r")
    ratio = sp.simplify(found / ((x - xr) ** 2 + y**2 - xr**2))
    assert ratio.is_number and ratio != 0


def test_markdown_latex_and_text_show_the_limit() -> None:
    report = analyze(load_scheme(example_path("turinici_toy_gan_printed")), order=1)
    assert "y' = x - x_r" in report.text() and "x' = y" in report.text()
    assert r"\dot{x}" in report.latex() and report.latex().count(r"\begin{equation*}") == 3
    assert report.markdown().startswith("# Turinici toy GAN") and "$$" in report.markdown()
    assert re.search(r"modified equation to order 1", report.text())


def test_bad_options() -> None:
    spec = load_scheme(example_path("heavy_ball"))
    with pytest.raises(InputError, match="above the largest"):
        analyze(spec, order=99)
    with pytest.raises(InputError):
        analyze(spec, order=-1)
    with pytest.raises(InputError, match="unknown format"):
        analyze(spec, order=0).render("html")
