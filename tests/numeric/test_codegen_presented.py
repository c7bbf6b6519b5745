"""Generated code of a modified equation prints the compact presentation of
``ModifiedEquation.cse()`` (elementary differentials over shared tensors) and forms the
Jacobian in forward mode through it; both must equal the code printed from the expanded
field (two independent code paths, at random points)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.numeric._codegen import ode_source
from limitdyn.numeric._compile import _NUMPY, _import_generated, _module_text

theta, psi = sp.symbols("theta psi")
a, b, c = sp.symbols("a b c")


def _dirac_gan() -> ld.Scheme:
    """Dirac-GAN with the log-sigmoid loss, simultaneous explicit (Mescheder et al. 2018)."""
    loss = -sp.log(1 + sp.exp(-psi * theta)) + sp.log(2)
    return ld.simultaneous([(theta, [-loss.diff(theta)]), (psi, [loss.diff(psi)])])


def _tanh_network() -> ld.Scheme:
    """Gradient descent on sum_n (a tanh(b x_n + c) - y_n)^2 / 2 at three points."""
    data = [(-1, sp.Rational(1, 3)), (sp.Rational(1, 2), -1), (2, sp.Rational(1, 2))]
    loss = sum((a * sp.tanh(b * xn + c) - yn) ** 2 for xn, yn in data) / 2
    return ld.explicit([-loss.diff(v) for v in (a, b, c)], [a, b, c])


@pytest.mark.parametrize(
    ("make", "order", "shrink"),
    [(_dirac_gan, 3, None), pytest.param(_tanh_network, 2, 3, marks=pytest.mark.slow)],
)
def test_presented_code_equals_expanded_code(make, order: int, shrink: int | None) -> None:
    """(The tanh row is slow: printing the expanded order-2 field alone takes ~20 s.)"""
    ode = ld.modified_equation(make(), order=order).ode()
    assert getattr(ode, "_presentation", None) is not None
    expanded = ld.ODE(ode.variables, ode.rhs)  # the same field, no presentation
    params = ode.parameters
    shared_src, expanded_src = ode_source(ode, params), ode_source(expanded, params)
    if shrink is not None:
        assert len(shared_src) < len(expanded_src) / shrink
    shared = _import_generated(_module_text(_NUMPY, shared_src))
    plain = _import_generated(_module_text(_NUMPY, expanded_src))
    rng = np.random.default_rng(7)
    for _ in range(5):
        y, p = rng.normal(size=ode.dim), np.array([rng.uniform(0.05, 0.5)])
        np.testing.assert_allclose(shared.rhs(0.0, y, p), plain.rhs(0.0, y, p), rtol=1e-11)
        np.testing.assert_allclose(
            shared.jac(0.0, y, p), plain.jac(0.0, y, p), rtol=1e-10, atol=1e-12
        )


def test_presented_jacobian_is_the_derivative_of_the_presented_field() -> None:
    """Central differences of the shared rhs against its forward-mode Jacobian."""
    ode = ld.modified_equation(_tanh_network(), order=3).ode()
    shared = _import_generated(_module_text(_NUMPY, ode_source(ode, ode.parameters)))
    y, p, h = np.array([0.3, -0.7, 0.2]), np.array([0.1]), 1e-6
    fd = np.column_stack(
        [
            (shared.rhs(0.0, y + h * e, p) - shared.rhs(0.0, y - h * e, p)) / (2 * h)
            for e in np.eye(3)
        ]
    )
    np.testing.assert_allclose(shared.jac(0.0, y, p), fd, rtol=1e-6, atol=1e-8)


def test_integrating_the_order_3_modified_equation_of_the_tanh_network() -> None:
    """The expanded order-3 field prints to about a megabyte that Python cannot compile
    (recursion depth); the shared form integrates, and its flow follows the iterates of
    gradient descent to O(tau^4) (HLW Thm IX.1.2): halving tau divides the gap by ~16."""
    scheme = _tanh_network()
    study = ld.convergence_study(
        scheme,
        [0.5, -0.5, 0.2],
        taus=[0.2, 0.1, 0.05],
        t_end=1.0,
        reference=3,
        engine="numpy",
        progress=False,
    )
    assert abs(study.order - 4) < 0.2
