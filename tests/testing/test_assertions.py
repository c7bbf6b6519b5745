"""limitdyn.testing assertions: they pass on true statements and fail, with the
counterexample and measured-vs-expected in the message, on false ones."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings

import limitdyn as ld
from limitdyn.testing import (
    assert_conserved,
    assert_modified_order,
    assert_order,
    assert_same_limit,
)
from limitdyn.testing import strategies as lst

x, y, a = sp.symbols("x y a")
TAU = ld.tau


# --- assert_same_limit ---------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(lst.polynomial_fields(dim=2, max_degree=2))
def test_explicit_and_implicit_euler_share_their_limit(case) -> None:
    """Both are consistent one-step methods for z' = F(z) (Hairer, Norsett, Wanner I,
    II.1), so their limit ODE is F."""
    vs, field = case
    assert_same_limit(ld.explicit(field, vs), ld.implicit(field, vs))
    assert_same_limit(ld.implicit(field, vs), ld.ODE(vs, list(field)))


def test_same_limit_fails_naming_the_component_and_difference() -> None:
    with pytest.raises(AssertionError, match=r"differ in y'.*gives x\*\*2.*gives 2\*x\*\*2"):
        assert_same_limit(ld.explicit([-y, x**2], [x, y]), ld.explicit([-y, 2 * x**2], [x, y]))
    with pytest.raises(AssertionError, match="different variables"):
        assert_same_limit(ld.explicit([-x], [x]), ld.explicit([-y], [y]))
    with pytest.raises(AssertionError, match="different sizes"):
        assert_same_limit(ld.explicit([-x], [x]), [1, 2])


def test_same_limit_recognises_equal_nonpolynomial_fields() -> None:
    """sin^2 + cos^2 = 1: equal limits written differently are equal."""
    f = [sp.sin(x) ** 2 + sp.cos(x) ** 2]
    assert_same_limit(ld.explicit(f, [x]), [1])


def test_same_limit_of_rated_alternating_updates_fails_without_the_rates() -> None:
    """Rates r_b scale each block's limit field (Turinici eq. (7) with rates)."""
    s = ld.alternating([(x, [-y]), (y, [x])], rates=[2, 1])
    assert_same_limit(s, [-2 * y, x])
    with pytest.raises(AssertionError, match=r"differ in x'.*gives -2\*y, the field gives -y"):
        assert_same_limit(s, [-y, x])


# --- assert_order --------------------------------------------------------------------


def _study(scheme, taus=(0.02, 0.01, 0.005)):
    return ld.convergence_study(
        scheme, [1.0, 0.5], t_end=1.0, taus=list(taus), engine="numpy", progress=False
    )


def test_order_of_euler_is_one_and_not_two() -> None:
    """Explicit Euler has global error O(tau) (Hairer, Norsett, Wanner I, Thm. II.3.4)."""
    study = _study(ld.explicit([-y, x - y], [x, y]))
    assert_order(study, 1, 0.05)
    with pytest.raises(
        AssertionError, match=r"measured 1\.0\d*, expected 2 \+- 0\.1; errors tau=0\.02"
    ):
        assert_order(study, 2)


def test_order_of_extragradient_on_a_rotation_is_one() -> None:
    """Extragradient x+ = x + tau F(x + tau F(x)) agrees with the flow to first order only
    (its tau^2 term is F'F, the flow's F'F/2), so it converges at order 1."""
    study = _study(ld.extragradient([-y, x], [x, y]))
    assert_order(study, 1, 0.05)
    with pytest.raises(AssertionError, match="expected 2"):
        assert_order(study, 2, 0.05)


def test_order_rejects_what_is_not_a_study() -> None:
    with pytest.raises(TypeError, match="ConvergenceStudy"):
        assert_order(1.0, 1)


# --- assert_conserved ----------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(lst.games("bilinear", dim=1))
def test_bilinear_game_invariants(game) -> None:
    """On f = c x y (Mescheder, Geiger, Nowozin, ICML 2018, Sec. 2; Gidel et al. 2019):
    simultaneous GDA multiplies x^2 + y^2 by 1 + tau^2 c^2, implicit steps divide it by
    it, and alternating GDA conserves x^2 + y^2 - c tau x y exactly (symplectic Euler on
    the harmonic oscillator, Hairer-Lubich-Wanner I.1)."""
    (x0,), (y0,) = game.x_vars, game.y_vars
    c = game.coupling[0, 0]
    r2 = x0**2 + y0**2
    growth = 1 + TAU**2 * c**2
    assert_conserved(r2, game.scheme(order="simultaneous", implicit=False), factor=growth)
    assert_conserved(r2, game.scheme(order="simultaneous", implicit=True), factor=1 / growth)
    alternating = game.scheme(implicit=False)
    assert_conserved(r2 - c * TAU * x0 * y0, alternating)
    if c != 0:  # the wrong sign of the tau term is not conserved
        with pytest.raises(AssertionError, match="not multiplied by a constant"):
            assert_conserved(r2 + c * TAU * x0 * y0, alternating)
    assert_conserved(r2, alternating, order=1)  # to O(tau^2): the change is tau^2 c^2 (...)


def test_conserved_fails_with_the_factor_and_a_point() -> None:
    s = ld.game(x * y, -x * y, x, y, order="simultaneous", implicit=False)
    with pytest.raises(
        AssertionError,
        match=r"multiplied by tau\*\*2 \+ 1 per step.*expected 1; at x=1, y=2, tau=1/10: "
        r"x\*\*2 \+ y\*\*2 goes from 5 to 101/20",
    ):
        assert_conserved(x**2 + y**2, s)


def test_conserved_fails_when_the_quantity_is_not_scaled() -> None:
    """Explicit Euler on x' = -x^3 maps x^2 to x^2 (1 - tau x^2)^2: no constant factor."""
    s = ld.explicit([-(x**3)], [x])
    with pytest.raises(AssertionError, match=r"not multiplied by a constant.*at x=1, tau=1/10"):
        assert_conserved(x**2, s)


def test_conserved_to_an_order_fails_at_the_first_surviving_term() -> None:
    """Alternating GDA on xy: x^2 + y^2 changes by tau^2 (x^2 + y^2 - ...) per step, not
    O(tau^3) (the conserved quantity is x^2 + y^2 - tau x y)."""
    s = ld.alternating([(x, [-y]), (y, [x])])
    with pytest.raises(AssertionError, match=r"not conserved to O\(tau\*\*3\).*term tau\*\*2"):
        assert_conserved(x**2 + y**2, s, order=2)
    assert_conserved(x**2 + y**2 - TAU * x * y, s, order=4)


def test_conserved_with_a_parameter() -> None:
    """Simultaneous GDA on a x y multiplies x^2 + y^2 by 1 + a^2 tau^2, for every a."""
    s = ld.game(a * x * y, -a * x * y, x, y, order="simultaneous", implicit=False)
    assert_conserved(x**2 + y**2, s, factor=1 + a**2 * TAU**2)
    with pytest.raises(AssertionError, match=r"expected tau\*\*2 \+ 1"):
        assert_conserved(x**2 + y**2, s, factor=1 + TAU**2)


# --- assert_modified_order -----------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2])
def test_modified_equation_global_error(order: int) -> None:
    """The order-k modified equation tracks gradient descent on x^4/4 with global error
    O(tau^(k+1)) (Hairer, Lubich, Wanner, Thm. IX.1.2 and IX.3.1)."""
    s = ld.explicit([-(x**3), -y], [x, y])
    study = assert_modified_order(s, order, z0=[1.0, 1.0], taus=(0.04, 0.02, 0.01), engine="numpy")
    assert abs(study.order - (order + 1)) < 0.25


def test_modified_order_fails_when_claiming_too_much() -> None:
    """The limit (k = 0) is only first order for explicit Euler: claiming 2 fails."""
    s = ld.explicit([-(x**3), -y], [x, y])
    with pytest.raises(
        AssertionError,
        match=r"order-0 modified equation of 'explicit Euler' from z0=\[1\.0, 1\.0\]: "
        r"global error of order 1\.0\d*, expected at least 2 - 0\.25",
    ):
        assert_modified_order(s, 0, z0=[1.0, 1.0], expected=2, engine="numpy")


def test_assertions_import_without_hypothesis() -> None:
    """limitdyn.testing keeps hypothesis optional: only .strategies imports it."""
    import subprocess
    import sys

    code = (
        "import sys, limitdyn.testing as t; "
        "ok = 'hypothesis' not in sys.modules; t.assert_order; t.Game; print(ok)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
