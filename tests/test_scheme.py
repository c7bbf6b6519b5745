"""Scheme construction and validation: every SchemeError case names its piece."""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import SchemeError

x, y, z, a = sp.symbols("x y z a")


def test_explicit_map_is_euler_step() -> None:
    s = ld.explicit([y, -x], [x, y])
    assert s.map() == {x: x + ld.tau * y, y: y - ld.tau * x}
    assert s.parameters == ()


def test_alternating_sees_new_values() -> None:
    s = ld.alternating([(x, [-y]), (y, [x])])
    m = s.map()
    assert sp.expand(m[y] - (y + ld.tau * (x - ld.tau * y))) == 0


def test_rates_and_repeats_build_stages() -> None:
    s = ld.alternating([(x, [-y]), (y, [x])], rates=[2, a], repeats=[1, 3])
    assert len(s.stages) == 4
    assert s.parameters == (a,)
    m = s.map()
    # x steps once with 2 tau; y then takes three steps of a*tau against the new x
    x1 = x - 2 * ld.tau * y
    assert sp.expand(m[y] - (y + 3 * a * ld.tau * x1)) == 0


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: ld.explicit([x], [x, y]), "1 entries but there are 2 variables"),
        (lambda: ld.explicit([x, y], [x, x]), "listed twice"),
        (lambda: ld.alternating([(x, [y]), ((x, y), [x, y])]), "in block 0 and in block 1"),
        (lambda: ld.explicit([x], [ld.tau]), "step symbol"),
        (lambda: ld.from_map({ld.tau: x}), "step symbol"),
        (lambda: ld.explicit(["x**2"], [x]), "string"),
        (lambda: ld.explicit([object()], [x]), "not a SymPy expression"),
        (lambda: ld.explicit([sp.Eq(x, 1)], [x]), "not a scalar SymPy expression"),
        (lambda: ld.alternating([(x, [y]), (y, [x])], rates=[1, 0]), "rates must be positive"),
        (lambda: ld.alternating([(x, [y]), (y, [x])], rates=[1, -2]), "rates must be positive"),
        (lambda: ld.alternating([(x, [y]), (y, [x])], rates=[1]), "1 rates given for 2 blocks"),
        (lambda: ld.alternating([(x, [y]), (y, [x])], repeats=[1, 0]), "positive integer"),
        (lambda: ld.alternating([(x, [y]), (y, [x])], repeats=[1, 2.5]), "positive integer"),
        (lambda: ld.explicit([x], ["x"]), "not a SymPy Symbol"),
        (lambda: ld.game(x * y, -x * y, x, y, order="random"), "valid orders"),
        (lambda: ld.from_map({x: y}, variables=[y]), "not listed in variables"),
    ],
)
def test_scheme_errors_name_the_piece(build, fragment: str) -> None:
    with pytest.raises(SchemeError, match=fragment):
        build()


def test_scheme_is_frozen_and_hashable() -> None:
    s = ld.explicit([y, -x], [x, y])
    t = ld.explicit([y, -x], [x, y])
    assert s == t and hash(s) == hash(t)
    with pytest.raises(AttributeError):
        s.name = "other"  # type: ignore[misc]


def test_game_gradient_steps() -> None:
    """Turinici eq. (7): each player descends its own cost."""
    s = ld.game(x**2 * y, -(x * y), x, y, implicit=False)
    m = s.map()
    x1 = x - ld.tau * 2 * x * y
    assert sp.expand(m[x] - x1) == 0
    assert sp.expand(m[y] - (y + ld.tau * x1)) == 0


def test_map_of_implicit_scheme_is_refused() -> None:
    with pytest.raises(SchemeError, match="implicit"):
        ld.implicit([-x], [x]).map()


# -- issue 9: the model refuses what it cannot mean -------------------------------------


def test_dict_field_is_a_mapping_variable_to_rate() -> None:
    """x' = -x given as {x: -x}: the entry of x, not the key (which gave x' = +x)."""
    s = ld.explicit({x: -x}, [x])
    assert s.map() == {x: x - ld.tau * x}
    t = ld.explicit({y: x, x: -y}, [x, y])  # keys in any order, entries by variable
    assert t.map() == {x: x - ld.tau * y, y: y + ld.tau * x}
    blocks = ld.alternating([((x,), {x: -y}), (y, {y: x})])
    assert blocks.map()[x] == x - ld.tau * y


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: ld.explicit({y: -x}, [x]), "the key y is not one of the variables"),
        (lambda: ld.explicit({x: -x}, [x, y]), "no entry for y"),
        (lambda: ld.explicit({"x": -x}, [x]), "key 'x' is not a SymPy Symbol"),
        (lambda: ld.explicit({x, y}, [x, y]), "unordered set"),
        (lambda: ld.explicit(frozenset({x, y}), [x, y]), "unordered frozenset"),
        (lambda: ld.explicit([x, y], {x, y}), "unordered set"),
        (lambda: ld.alternating({(x, (-x,))}), "unordered set"),
        (lambda: ld.alternating([(x, [-x])], rates={0: 1}), "unordered dict"),
        (lambda: ld.explicit(b"x", [x]), "string"),
        (lambda: ld.explicit(sp.Matrix([[x, y], [y, x]]), [x, y, z, a]), "2x2 matrix"),
    ],
)
def test_fields_and_variables_must_be_ordered(build, fragment: str) -> None:
    with pytest.raises(SchemeError, match=fragment):
        build()


@pytest.mark.parametrize("flag", ["no", 0, 1, None, [], sp.true])
def test_implicit_flag_must_be_a_bool(flag: object) -> None:
    for build in (
        lambda: ld.alternating([(x, [-x])], implicit=flag),
        lambda: ld.simultaneous([(x, [-x])], implicit=flag),
        lambda: ld.game(x * y, -x * y, x, y, implicit=flag),
    ):
        with pytest.raises(SchemeError, match="implicit must be True or False"):
            build()


@pytest.mark.parametrize(
    ("rates", "fragment"),
    [
        ([ld.tau], "contains the step tau"),
        ([1 + ld.tau], "contains the step tau"),
        ([x], "depends on the variable"),
        ([float("nan")], "not a finite number"),
        ([float("inf")], "not a finite number"),
        ([sp.nan], "not finite"),
        ([sp.oo], "not finite"),
        ([sp.I], "rates must be positive"),
        ([0], "rates must be positive"),
        ([-sp.pi], "rates must be positive"),
    ],
)
def test_rates_are_positive_constants(rates: list[object], fragment: str) -> None:
    with pytest.raises(SchemeError, match=fragment):
        ld.alternating([(x, [-x])], rates=rates)
    with pytest.raises(SchemeError, match=fragment):
        ld.simultaneous([(x, [-x])], rates=rates)


def test_game_rates_name_the_player_and_refuse_the_step() -> None:
    with pytest.raises(SchemeError, match=r"rate of player 1 .* contains the step"):
        ld.game(x * y, -x * y, x, y, rates=[1, ld.tau])


def test_step_named_symbol_that_is_not_the_step_is_refused() -> None:
    """sp.Symbol("tau") is not ld.tau (positive=True): it used to become a parameter."""
    t = sp.Symbol("tau")
    with pytest.raises(SchemeError, match=r"named like the step symbol.*ld\.tau.*step="):
        ld.explicit([-x * t], [x])
    with pytest.raises(SchemeError, match="named like the step symbol"):
        ld.explicit([-x], [t])
    with pytest.raises(SchemeError, match="named like the step symbol"):
        ld.two_step({x: x + t}, previous=[y])
    # the same symbol passed as step= is the step
    assert ld.explicit([-x * t], [x], step=t).parameters == ()


def test_two_symbols_with_one_name_are_refused_naming_both() -> None:
    xpos = sp.Symbol("x", positive=True)
    with pytest.raises(SchemeError, match=r"Symbol\('x'\) and Symbol\('x', positive=True\)"):
        ld.explicit([-xpos], [x])
    with pytest.raises(SchemeError, match="both named 'a'"):
        ld.explicit([a - sp.Symbol("a", real=True)], [x])
    with pytest.raises(SchemeError, match="both named 'x'"):
        ld.explicit([x], [sp.Dummy("x")])


@pytest.mark.parametrize(
    ("field", "fragment"),
    [
        ([float("nan")], "not a finite number"),
        ([sp.zoo * x], "not finite"),
        ([x + sp.oo], "not finite"),
        ([sp.MatrixSymbol("A", 1, 1)], "not a scalar SymPy expression"),
        ([sp.MatrixSymbol("A", 2, 1)[0, 0]], "depends on A"),
        ([sp.O(x)], "O"),
        ([sp.Function("f")], "UndefinedFunction is not a SymPy expression"),
        ([x > 0], "not a scalar SymPy expression"),
    ],
)
def test_field_entries_must_be_finite_scalar_expressions(
    field: list[object], fragment: str
) -> None:
    with pytest.raises(SchemeError, match=fragment):
        ld.explicit(field, [x])


def test_repeats_are_bounded_positive_ints() -> None:
    blocks = [(x, [-y]), (y, [x])]
    with pytest.raises(SchemeError, match="repeats: expected a sequence"):
        ld.alternating(blocks, repeats=True)
    with pytest.raises(SchemeError, match="block 1 is True"):
        ld.alternating(blocks, repeats=[1, True])
    with pytest.raises(SchemeError, match="<= 1000"):
        ld.alternating(blocks, repeats=[1, 10**9])


def test_game_players_are_disjoint_and_order_is_a_name() -> None:
    with pytest.raises(SchemeError, match="x and y share the variable x"):
        ld.game(x * y, -x * y, [x], [x, y])
    with pytest.raises(SchemeError, match="order must be a string"):
        ld.game(x * y, -x * y, x, y, order=["x-first"])


def test_hand_built_stages_and_schemes_are_checked() -> None:
    with pytest.raises(SchemeError, match="stage s values: expected a sequence"):
        ld.ExplicitStage((x,), None, label="s")  # type: ignore[arg-type]
    with pytest.raises(SchemeError, match="stage \\? targets: expected a sequence of Symbols"):
        ld.ExplicitStage(1, (x,))  # type: ignore[arg-type]
    with pytest.raises(SchemeError, match="stage label must be a string"):
        ld.ExplicitStage((x,), (x,), label=3)  # type: ignore[arg-type]
    with pytest.raises(SchemeError, match="unknown is also a target"):
        ld.ImplicitStage((x,), (x,), (x,))
    with pytest.raises(SchemeError, match="Scheme stages: expected a sequence of stages"):
        ld.Scheme((x,), None)  # type: ignore[arg-type]
    with pytest.raises(SchemeError, match="Scheme name must be a string"):
        ld.explicit([x], [x]).__class__((x,), ld.explicit([x], [x]).stages, name=1)  # type: ignore[arg-type]
    stage = ld.ExplicitStage([x], [x + ld.tau])  # lists are normalised to tuples
    assert stage.targets == (x,) and stage.values == (x + ld.tau,)
    assert hash(stage) == hash(ld.ExplicitStage((x,), (x + ld.tau,)))


def test_from_map_reads_a_mapping_once_and_checks_values() -> None:
    with pytest.raises(SchemeError, match="from_map: expected a mapping"):
        ld.from_map([(x, x)])  # type: ignore[arg-type]
    with pytest.raises(SchemeError, match="from_map value of x: got the string"):
        ld.from_map({x: "x + tau"})
    s = ld.from_map({y: y + ld.tau * x}, variables=[x, y])
    assert s.map() == {x: x, y: y + ld.tau * x}
