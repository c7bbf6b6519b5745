"""Numeric modified fields by Taylor-mode jets (:mod:`limitdyn.numeric._jet_fields`).

* Jets against exact derivatives: Taylor coefficients of ``f(z + eps v)`` equal SymPy's
  derivatives of the composed expression.
* The numeric modified field of gradient descent against the symbolic backward-error
  recursion (:func:`limitdyn.modified_equation`, an independent computation) on a tanh
  network, orders 0-3 (Hairer, Lubich, Wanner, *Geometric Numerical Integration*, IX.1).
* Gradient descent follows its order-k modified flow with global error O(tau**(k + 1))
  (HLW, Theorem IX.1.2 / IX.5): the measured order against the order-2 flow is 3 +- 0.1,
  for a small network here and, through ``ld.convergence_study(..., reference=2)``, for a
  999-parameter two-layer tanh network (slow).
* Two independent interpreters of the tape (levelled NumPy kernels, the numba node loop)
  agree to rounding; ``convergence_study``'s jet reference and its symbolic reference
  give the same errors (two independent computations of the modified flow).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn._optional import has_module
from limitdyn.errors import InputError, SchemeError
from limitdyn.numeric import _convergence
from limitdyn.numeric._jet_fields import JetField, jet_field, modified_flow

needs_numba = pytest.mark.skipif(not has_module("numba"), reason="numba is not installed")

x, y = sp.symbols("x y")


def two_layer_network(width: int, points: int, *, seed: int = 0) -> ld.Scheme:
    """Gradient descent on ``L = sum_n (s sum_i a_i tanh(w_i x_n + b_i) - y_n)**2 / (2N)``
    with the output scale ``s = 1/isqrt(width)`` (so that the curvature stays O(1) as the
    width grows), the gradient written out by hand (``sp.diff`` of a 1000-parameter loss
    takes minutes): ``dL/da_i = s mean_n r_n t_in``, ``dL/dw_i = s mean_n r_n a_i
    (1 - t_in**2) x_n``, ``dL/db_i = s mean_n r_n a_i (1 - t_in**2)``."""
    rng = np.random.default_rng(seed)
    a = sp.symbols(f"a0:{width}")
    w = sp.symbols(f"w0:{width}")
    b = sp.symbols(f"b0:{width}")
    xs = [sp.Rational(int(v * 100), 100) for v in rng.uniform(-2, 2, points)]
    ys = [sp.Rational(int(v * 100), 100) for v in rng.uniform(-1, 1, points)]
    t = [[sp.tanh(w[i] * xn + b[i]) for xn in xs] for i in range(width)]
    scale = sp.Rational(1, math.isqrt(width))
    r = [scale * sp.Add(*[a[i] * t[i][n] for i in range(width)]) - ys[n] for n in range(points)]
    k = scale / points
    ga = [k * sp.Add(*[r[n] * t[i][n] for n in range(points)]) for i in range(width)]
    gw = [
        k * a[i] * sp.Add(*[r[n] * (1 - t[i][n] ** 2) * xs[n] for n in range(points)])
        for i in range(width)
    ]
    gb = [
        k * a[i] * sp.Add(*[r[n] * (1 - t[i][n] ** 2) for n in range(points)]) for i in range(width)
    ]
    return ld.explicit([-g for g in (*ga, *gw, *gb)], [*a, *w, *b])


MIXED = [
    sp.exp(x * y) / (1 + x**2) + sp.log(2 + y**2),
    sp.tanh(x - y) * sp.sin(x) + sp.cosh(y) * sp.cos(y) + sp.sqrt(3 + x) + sp.sinh(x),
]


@pytest.mark.parametrize("engine", ["numpy", pytest.param("numba", marks=needs_numba)])
def test_taylor_coefficients_are_directional_derivatives(engine: str) -> None:
    field = MIXED
    jf = JetField(field, [x, y], engine=engine)
    z, v = np.array([0.3, -0.7]), np.array([1.1, 0.4])
    eps = sp.Symbol("eps")
    got = jf.taylor(z, v, order=3)
    for i, f in enumerate(field):
        path = f.xreplace({x: z[0] + eps * v[0], y: z[1] + eps * v[1]})
        for m in range(4):
            exact = float(sp.diff(path, eps, m).subs(eps, 0) / sp.factorial(m))
            assert got[m, i] == pytest.approx(exact, rel=1e-12, abs=1e-13)


def tanh_network() -> ld.Scheme:
    a, b, c = sp.symbols("a b c")
    data = [(-1, sp.Rational(-1, 2)), (0, sp.Rational(1, 4)), (1, sp.Rational(1, 2))]
    loss = sum((a * sp.tanh(b * xi + c) - yi) ** 2 for xi, yi in data) / 2
    return ld.explicit([-sp.diff(loss, v) for v in (a, b, c)], [a, b, c])


def test_numeric_modified_terms_equal_the_symbolic_recursion() -> None:
    scheme = tanh_network()
    jf = jet_field(scheme)
    terms = ld.modified_equation(scheme, order=3).terms
    rng = np.random.default_rng(1)
    for _ in range(3):
        z = rng.uniform(-1, 1, 3)
        point = dict(zip(scheme.variables, z))
        exact = np.array([[float(e.xreplace(point)) for e in terms[j]] for j in range(4)])
        assert np.allclose(jf.modified_terms(z, order=3), exact, rtol=1e-11, atol=1e-12)


def test_parameters_and_refusals() -> None:
    a = sp.Symbol("a")
    jf = jet_field(ld.explicit([-a * x], [x]), params={"a": 2.0})
    # f = -a x: f_1 = -f'f/2 = -a**2 x / 2
    assert jf.modified_terms([1.0], order=1)[:, 0].tolist() == [-2.0, -2.0]
    with pytest.raises(SchemeError, match="gradient descent"):
        jet_field(ld.implicit([-x], [x]))
    with pytest.raises(SchemeError, match="Abs, which jets do not support"):
        JetField([sp.Abs(x)], [x])
    with pytest.raises(InputError, match="order 4"):
        jf.modified_terms([1.0], order=4)


@needs_numba
def test_the_two_tape_interpreters_agree() -> None:
    """The levelled NumPy kernels and the numba node loop are separate implementations of
    the same recurrences; on a network field they agree to rounding at every order."""
    scheme = two_layer_network(5, 4)
    by_levels, by_nodes = jet_field(scheme, engine="numpy"), jet_field(scheme, engine="numba")
    assert by_nodes.size == by_levels.size and by_nodes.parameters == by_levels.parameters
    rng = np.random.default_rng(4)
    for _ in range(3):
        z, v = rng.uniform(-1, 1, (2, scheme.dim))
        a, b = by_levels.taylor(z, v, order=4), by_nodes.taylor(z, v, order=4)
        assert np.allclose(a, b, rtol=1e-13, atol=1e-14)
        a, b = by_levels.modified_terms(z, order=3), by_nodes.modified_terms(z, order=3)
        assert np.allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_convergence_study_jet_reference_equals_the_symbolic_one(
    order: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same study against the symbolic order-k modified equation (its ODE integrated by
    ``integrate``, iterates from generated code) and against the jet field (integrated by
    ``modified_flow``, iterates from the tape): the errors agree to the solvers'
    tolerances, and both show global order k + 1 (HLW, Theorem IX.1.2)."""
    scheme = ld.explicit([-sp.tanh(x - y) - x**3 / 4, sp.exp(-x) - 1 - sp.sin(y) / 2], [x, y])
    kwargs = dict(t_end=1.0, taus=[0.1, 0.05, 0.025], reference=order, progress=False)
    symbolic = ld.convergence_study(scheme, [0.8, -0.5], **kwargs)
    monkeypatch.setattr(_convergence, "JET_DIM", 0)
    jets = ld.convergence_study(scheme, [0.8, -0.5], **kwargs)
    assert symbolic.reference == f"modified equation of order {order}"
    assert jets.reference == f"modified equation of order {order} (numeric: Taylor-mode jets)"
    assert np.allclose(jets.errors, symbolic.errors, rtol=1e-7, atol=0)
    assert jets.status.tolist() == ["ok"] * 3
    assert jets.order == pytest.approx(order + 1, abs=0.1)


def test_many_variables_choose_the_jet_reference() -> None:
    """Above JET_DIM variables a gradient-descent study uses the jets by itself:
    ``x_i' = -tanh(x_i) - x_i x_{i+1} / 4`` (cyclic) in 24 variables, order-2 reference,
    global order 3 (HLW, Theorem IX.1.2)."""
    n = _convergence.JET_DIM + 4
    zs = sp.symbols(f"z0:{n}")
    field = [-sp.tanh(zs[i]) - zs[i] * zs[(i + 1) % n] / 4 for i in range(n)]
    z0 = np.random.default_rng(5).uniform(-1, 1, n)
    study = ld.convergence_study(
        ld.explicit(field, zs),
        z0,
        t_end=1.0,
        taus=[0.1, 0.05, 0.025],
        reference=2,
        progress=False,
    )
    assert study.reference.endswith("(numeric: Taylor-mode jets)")
    assert study.order == pytest.approx(3.0, abs=0.1)


def measured_order(scheme: ld.Scheme, z0: np.ndarray, taus: list[float], t_end: float) -> float:
    """Gradient descent iterated with the field itself against the order-2 modified flow."""
    jf = jet_field(scheme)
    errors = []
    for tau in taus:
        flow = modified_flow(jf, z0, tau=tau, order=2, t_end=t_end, rtol=1e-12, atol=1e-14)
        n = round(t_end / tau)
        z, err = z0.copy(), 0.0
        exact = flow.dense(tau * np.arange(n + 1)).T
        for k in range(n):
            z = z + tau * jf(z)
            err = max(err, float(np.linalg.norm(z - exact[k + 1])))
        errors.append(err)
    return float(np.polyfit(np.log(taus), np.log(errors), 1)[0])


def test_gradient_descent_follows_its_order_2_modified_flow_to_third_order() -> None:
    scheme = two_layer_network(4, 3)
    z0 = np.random.default_rng(2).uniform(-1, 1, scheme.dim)
    assert measured_order(scheme, z0, [0.08, 0.04, 0.02], 1.0) == pytest.approx(3.0, abs=0.1)


@pytest.mark.slow
def test_thousand_parameter_network_convergence_order_3() -> None:
    """``ld.convergence_study(scheme, ..., reference=2)`` on gradient descent for a
    999-parameter two-layer tanh network: global order 3 +- 0.1 (HLW, Theorem IX.1.2),
    against the jet reference (999 variables > JET_DIM)."""
    scheme = two_layer_network(333, 8)
    z0 = np.random.default_rng(3).uniform(-1, 1, scheme.dim)
    study = ld.convergence_study(
        scheme, z0, t_end=1.0, taus=[0.1, 0.05, 0.025], reference=2, progress=False
    )
    assert study.reference == "modified equation of order 2 (numeric: Taylor-mode jets)"
    assert study.status.tolist() == ["ok"] * 3
    assert study.order == pytest.approx(3.0, abs=0.1)
