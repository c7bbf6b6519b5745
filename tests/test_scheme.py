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
