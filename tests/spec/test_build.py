"""Bad scheme files: each mistake is a SpecError with the file, line and column of the
piece at fault (and the closest valid key for a misspelt one)."""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import SpecError
from limitdyn.spec import load_scheme, loads_scheme

GOOD = """\
variables = ["x", "y"]

[parameters]
a = 2

[[stage]]
field = { x = "-a*x" }

[[stage]]
kind = "implicit"
field = { y = "x - y" }

[initial]
x = 1
y = 0
"""


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        loads_scheme(text, file="bad.toml")
    return info.value


def test_good_file_builds_the_scheme_it_says() -> None:
    spec = loads_scheme(GOOD, file="good.toml")
    x, y, a = sp.symbols("x y a")
    # alternating: x steps explicitly, then y implicitly against the new x
    expected = ld.alternating([(x, [-a * x]), (y, [x - y])], implicit=False)
    assert spec.scheme.variables == (x, y)
    assert [s.kind for s in spec.scheme.stages] == ["explicit", "implicit"]
    assert ld.limit_ode(spec.scheme).rhs == ld.limit_ode(expected).rhs
    assert spec.values == {a: 2} and spec.z0() == [1.0, 0.0] and spec.params() == {a: 2.0}


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        # TOML syntax: tomllib's own position
        ('variables = ["x"\n[[stage]]\n', 2, 1, "TOML syntax error"),
        ("variables = = 1\n", 1, 13, "TOML syntax error"),
        # an unknown key, with the closest valid one
        (GOOD.replace("[initial]", "[intial]"), 13, 1, "did you mean 'initial'?"),
        (GOOD.replace('kind = "implicit"', 'knd = "implicit"'), 10, 1, "did you mean 'kind'?"),
        (GOOD.replace("field = { x", "feild = { x"), 7, 1, "did you mean 'field'?"),
        # a stage updating an unknown variable
        (
            GOOD.replace('{ y = "x - y" }', '{ z = "x - y" }'),
            11,
            11,
            "'z', which is not a variable",
        ),
        # an undeclared symbol inside an expression: the column of the symbol itself
        (GOOD.replace('"-a*x"', '"-b*x"'), 7, 17, "undeclared symbol 'b'"),
        # wrong types
        (GOOD.replace("a = 2", "a = [2]"), 4, 5, "expected a number or an expression string"),
        (GOOD.replace('kind = "implicit"', "kind = 1"), 10, 8, "expected a string, got an integer"),
        (GOOD.replace('kind = "implicit"', 'kind = "implict"'), 10, 8, "unknown stage kind"),
        ('variables = "x"\n', 1, 13, "expected an array of strings"),
        # duplicated names
        ('variables = ["x", "x"]\n[[stage]]\nfield = { x = "-x" }\n', 1, 19, "declared twice"),
        (GOOD.replace("a = 2", "x = 2"), 4, 1, "declared twice"),
        # a missing or bad initial value
        (GOOD.replace("y = 0", "y = 0\nw = 1"), 16, 1, "'w', which is not a variable"),
        (GOOD.replace("y = 0", 'y = "x"'), 15, 6, "undeclared symbol 'x'"),
        # a malicious expression, located
        (GOOD.replace('"-a*x"', '"().__class__"'), 7, 16, "attribute access"),
        # a bad rate, refused by the model, reported at the stage
        (
            GOOD.replace('field = { x = "-a*x" }', 'field = { x = "-a*x" }\nrate = "-1"'),
            6,
            1,
            "rate",
        ),
    ],
)
def test_errors_carry_file_line_and_column(text: str, line: int, column: int, message: str) -> None:
    err = _error(text)
    assert err.file == "bad.toml"
    assert (err.line, err.column) == (line, column), str(err)
    assert message in str(err)
    assert str(err).startswith(f"bad.toml:{line}:{column}: ")
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[stage]]\nfield = { x = '-x' }\n", "no variables"),
        ('variables = ["x"]\n', "either [[stage]] tables"),
        ('variables = ["x"]\n[[stage]]\nfield = { x = "-x" }\n[recurrence]\nx = "x"\n', "not both"),
        ('variables = ["x"]\n[[stage]]\nfield = { x = "-x" }\ncost = "x"\n', "exactly one of"),
        ('variables = ["x"]\n[[stage]]\nfield = { x = "-x" }\nrepeat = 0\n', "1..1000"),
        ('variables = ["x"]\n[[stage]]\nkind = "implicit"\nupdate = { x = "x" }\n', "explicit"),
        ('variables = ["x"]\n[recurrence]\nx = "x + 1"\n', "no small-step limit"),
        ('variables = ["x"]\n[recurrence]\ny = "x"\n', "not a variable"),
        (
            'variables = ["x"]\nversion = 2\n[[stage]]\nfield = { x = "-x" }\n',
            "unsupported format version",
        ),
        ('variables = ["x"]\n[parameters]\nb = 1\n[[stage]]\nfield = { x = "-x" }\n', "not used"),
        ('variables = ["x"]\n[[stage]]\nfield = { x = "-x" }\n[run]\ntau = -1\n', "positive"),
        ('variables = ["x"]\n[[stage]]\nfield = { x = "-x" }\n[run]\nsteps = 0\n', "at least 1"),
    ],
)
def test_semantic_errors(text: str, message: str) -> None:
    assert message in str(_error(text))


def test_missing_values_are_named_when_numerics_need_them() -> None:
    spec = loads_scheme(
        'variables = ["x"]\n[parameters]\nb = { positive = true }\n'
        '[[stage]]\nfield = { x = "-b*x" }\n'
    )
    with pytest.raises(SpecError, match="parameter b has no value"):
        spec.params()
    with pytest.raises(SpecError, match="no \\[initial\\] table"):
        spec.z0()
    assert spec.scheme.parameters[0].is_positive


def test_unreadable_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError, match="cannot read"):
        load_scheme(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'variables = ["\xe9"]\n')
    with pytest.raises(SpecError, match="not UTF-8"):
        load_scheme(bad)
