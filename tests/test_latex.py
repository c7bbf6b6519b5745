"""LaTeX of update rules (limitdyn/_latex.py), against strings written from the mathematics.

Each expected string is the scheme's update written by hand, ``x_{n+1} = x_n + tau F``,
in the printer's conventions: SymPy's ``\\left( \\right)``, the step and the rate
factored out of the increment, ``x_{n+k/N}`` for the value after ``k`` of ``N`` updates.
"""

from __future__ import annotations

import pytest
import sympy as sp
from registry import CASES, IDS, Case

import limitdyn as ld
from limitdyn._latex import indexed, scheme_latex, two_step_latex

tau = ld.tau
x, y, a, xr, beta = sp.symbols("x y a x_r beta")


def _aligned(*lines: str) -> str:
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def test_explicit_euler() -> None:
    # x' = -a x: x_{n+1} = x_n + tau (-a x_n)
    assert scheme_latex(ld.explicit([-a * x], [x])) == _aligned(r"x_{n+1} &= x_{n} - \tau a x_{n}")


def test_implicit_euler_is_an_equation_in_the_new_value() -> None:
    # the proximal step x_{n+1} = x_n + tau (-a x_{n+1}); no placeholder in sight
    assert scheme_latex(ld.implicit([-a * x], [x])) == _aligned(
        r"x_{n+1} &= x_{n} - \tau a x_{n+1}"
    )


def test_simultaneous_implicit_couples_the_new_values() -> None:
    s = ld.simultaneous([(x, [-y]), (y, [x])], implicit=True)
    assert scheme_latex(s) == _aligned(
        r"x_{n+1} &= x_{n} - \tau y_{n+1}", r"y_{n+1} &= y_{n} + \tau x_{n+1}"
    )


def test_alternating_stages_in_order_with_the_new_values_seen() -> None:
    # Turinici's toy GAN: the critic y steps first, the generator x sees y_{n+1}
    s = ld.alternating([(y, [x - xr]), (x, [-y])])
    assert scheme_latex(s) == _aligned(
        r"y_{n+1} &= y_{n} + \tau \left(x_{n} - x_{r}\right)", r"x_{n+1} &= x_{n} - \tau y_{n+1}"
    )


def test_rates_are_visible() -> None:
    s = ld.alternating([(y, [x - xr]), (x, [-y])], rates=[3, sp.Rational(1, 2)])
    assert scheme_latex(s) == _aligned(
        r"y_{n+1} &= y_{n} + 3 \tau \left(x_{n} - x_{r}\right)",
        r"x_{n+1} &= x_{n} - \frac{\tau}{2} y_{n+1}",
    )


def test_symbolic_rate_is_visible() -> None:
    s = ld.simultaneous([(x, [-y]), (y, [x])], rates=[1, a])
    assert scheme_latex(s) == _aligned(
        r"x_{n+1} &= x_{n} - \tau y_{n}", r"y_{n+1} &= y_{n} + \tau a x_{n}"
    )


def test_repeats_are_one_line_in_a_counter() -> None:
    # n_critic = 3: y takes three steps y_{n+k/3} -> y_{n+(k+1)/3} before x moves once
    s = ld.alternating([(y, [x - xr]), (x, [-y])], repeats=[3, 1])
    assert scheme_latex(s) == _aligned(
        r"y_{n+\frac{k+1}{3}} &= y_{n+\frac{k}{3}} + \tau \left(x_{n} - x_{r}\right), "
        r"\qquad k = 0, \dots, 2",
        r"x_{n+1} &= x_{n} - \tau y_{n+1}",
    )


def test_two_updates_of_one_variable_meet_at_the_half_step() -> None:
    # a hand-built predictor-corrector: x_{n+1/2} = x_n + tau/2 (-x_n),
    # x_{n+1} = x_{n+1/2} - tau x_{n+1/2}**2
    half = ld.ExplicitStage(targets=(x,), values=(x - tau * x / 2,), label="half")
    full = ld.ExplicitStage(targets=(x,), values=(x - tau * x**2,), label="full")
    s = ld.Scheme(variables=(x,), stages=(half, full))
    assert scheme_latex(s) == _aligned(
        r"x_{n+\frac{1}{2}} &= x_{n} - \frac{\tau}{2} x_{n}",
        r"x_{n+1} &= x_{n+\frac{1}{2}} - \tau x_{n+\frac{1}{2}}^{2}",
    )


def test_a_variable_no_stage_updates_stays() -> None:
    s = ld.from_map({x: x - tau * y}, variables=[x, y])
    assert scheme_latex(s) == _aligned(r"x_{n+1} &= x_{n} - \tau y_{n}", r"y_{n+1} &= y_{n}")


def test_exponentiated_gradient_prints_the_map() -> None:
    s = ld.from_map({x: x * sp.exp(-tau * (x - 1))})
    assert scheme_latex(s) == _aligned(r"x_{n+1} &= x_{n} e^{- \tau \left(x_{n} - 1\right)}")


def test_heavy_ball_recurrence_in_three_time_levels() -> None:
    # x_{n+1} = x_n - tau grad f(x_n) + beta (x_n - x_{n-1}), f = a x**2 / 2
    hb = ld.heavy_ball(a * x**2 / 2, x, momentum=beta)
    assert two_step_latex(hb) == _aligned(
        r"x_{n+1} &= x_{n} - \tau a x_{n} + \beta \left(x_{n} - x_{n-1}\right)"
    )


def test_optimistic_gradient_recurrence() -> None:
    # x_{n+1} = x_n + 2 tau F(x_n) - tau F(x_{n-1}), F = (-y, x)
    og = ld.optimistic([-y, x], [x, y])
    assert two_step_latex(og) == _aligned(
        r"x_{n+1} &= x_{n} - 2 \tau y_{n} + \tau y_{n-1}",
        r"y_{n+1} &= y_{n} + 2 \tau x_{n} - \tau x_{n-1}",
    )


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        ("x", "n", "x_{n}"),
        ("theta", "n+1", r"\theta_{n+1}"),
        ("x_1", "n-1", "x_{1, n-1}"),
        ("x_prev", "n", "x_{prev, n}"),
        ("xy", "n", "{xy}_{n}"),
    ],
)
def test_indexed_symbols(name: str, index: str, expected: str) -> None:
    assert indexed(sp.Symbol(name), index) == expected


def _braces_balance(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_registry_latex_has_no_dummies_and_every_update(case: Case) -> None:
    scheme = case.scheme
    text = scheme._repr_latex_()
    assert text.startswith(r"$\begin{aligned}") and text.endswith(r"\end{aligned}$")
    body = text[1:-1]
    assert "Dummy" not in body and "new" not in body and "_" not in body.replace("_{", "")
    assert _braces_balance(body)
    current = scheme.current if isinstance(scheme, ld.TwoStepScheme) else scheme.variables
    inner = body.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    updated = [line.split(" &= ")[0] for line in inner.split(r" \\ ")]
    for v in current:  # every variable has an update
        assert any(lhs.startswith(indexed(v, "n+")[:-1]) for lhs in updated), (case.name, v)
