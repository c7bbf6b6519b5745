"""Hypothesis on mutations of valid scheme files, and the canary of code-injection attempts:
nothing but SpecError comes out, nothing is executed, time and memory stay bounded."""

from __future__ import annotations

import ast
import time
import tracemalloc
from pathlib import Path

import pytest
import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn.spec
from limitdyn.errors import SpecError
from limitdyn.spec import example_path, examples, loads_scheme

HERE = Path(__file__).parent
TEXTS = [example_path(n).read_text() for n in examples()]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "replace"]))
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 12)))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = (
                text[:i]
                + draw(st.text(alphabet="xy_=[]{}\"'.,#\n 0123456789-+*/()abs", max_size=8))
                + text[i:]
            )
        elif kind == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            word = draw(
                st.sampled_from(
                    ["kind", "field", "cost", "stage", "x", "y", "1", '"', "tau", "repeat"]
                )
            )
            text = text[:i] + word + text[j:]
    return text


@settings(deadline=None, max_examples=150)
@given(mutated())
def test_mutated_files_raise_only_spec_error(text: str) -> None:
    try:
        loads_scheme(text, file="mutant.toml")
    except SpecError as exc:
        assert str(exc).startswith("mutant.toml") and "\n" not in str(exc)


@settings(deadline=None, max_examples=100)
@given(st.text(max_size=200))
def test_random_text_files_raise_only_spec_error(text: str) -> None:
    try:
        loads_scheme(text)
    except SpecError:
        pass


ATTEMPTS = tomllib.loads((HERE / "canary.toml").read_text())["attempts"]


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_canary_attempt_is_refused_without_executing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    body = ATTEMPTS[name].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = f'variables = ["x"]\n[[stage]]\nfield = {{ x = "{body}" }}\n'
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(SpecError) as info:
            loads_scheme(text, file="canary.toml")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < 5.0
    assert peak < 50 * 2**20
    assert not (tmp_path / "CANARY_TOUCHED").exists()
    assert str(info.value).startswith("canary.toml:3:")  # located on the field's line


def test_canary_file_itself_is_rejected() -> None:
    """The canary read as a scheme file: [attempts] is an unknown key, refused before
    any expression is looked at."""
    with pytest.raises(SpecError, match="unknown key 'attempts'"):
        limitdyn.spec.load_scheme(HERE / "canary.toml")


def test_the_spec_package_never_evaluates_text() -> None:
    """No call of eval, exec, compile, sympify, __import__ or getattr in limitdyn/spec."""
    banned = {"eval", "exec", "compile", "sympify", "__import__", "getattr", "parse_expr_sympy"}
    root = Path(limitdyn.spec.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name):  # the builtins, or names imported bare
                    assert f.id not in banned, (path, f.id)
                elif isinstance(f, ast.Attribute):  # sp.sympify, builtins.eval (re.compile is fine)
                    assert f.attr not in banned - {"compile"}, (path, f.attr)
