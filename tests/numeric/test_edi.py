"""Energy-dissipation residuals and de Giorgi interpolation (limitdyn/numeric/_edi.py).

Source: G. Turinici, arXiv:2012.10410: the EDI (12)-(14) of gradient flows, its dual-flow
form (15), (18), (21), the de Giorgi interpolation (28) and Theorem 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn import InputError, SchemeError
from limitdyn.numeric import fitted_order

x, y = sp.symbols("x y", real=True)
E = x**4 / 4 + x * y + y**2  # a nonconvex-in-nothing, bounded-below energy
m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)
KL = (s**2 + m**2 - 1) / 2 - sp.log(s)
FISHER = sp.diag(1 / s**2, 2 / s**2)

# a game satisfying (A1)-(A7): C^x, C^y >= -1 (A1); for tau < 5/6 each proximal objective
# is strongly convex, so M^x, M^y are non-empty (A2); continuous costs on R (A3); continuous
# slopes |d_x C^x|, |d_y C^y| (A4); |d_y C^x|, |d_x C^y| <= 1 (A5); |d_xy C| <= 1, which
# bounds the mixed difference C(u,v) - C(u,y) - C(w,v) + C(w,y) by d(u,w) d(v,y) (A7,
# hence A6 by Remark 3; the printed (30) has the signs of the mixed difference wrong).
CX = x**2 / 10 + sp.sin(x) * sp.sin(y)
CY = y**2 / 10 - sp.sin(x) * sp.sin(y)
Z0 = [1.0, 0.5]


def test_zero_along_the_gradient_flow() -> None:
    """Eq. (13)-(14): equality along the flow (here up to the piecewise-linear quadrature,
    of order h^2 in the sampling step h)."""
    ode = ld.ODE([x, y], [-E.diff(x), -E.diff(y)])
    flow = ld.integrate(ode, [1.0, -0.5], t_eval=np.linspace(0.0, 2.0, 4001))
    r = ld.edi_residual(flow, E)
    assert abs(r.final) < 1e-6 * r.scale
    assert r.values.shape == flow.t.shape and r.values[0] == 0.0
    assert np.all(np.abs(r.values) < 1e-6 * r.scale)


def test_zero_along_the_natural_gradient_flow_in_its_metric_only() -> None:
    """The Fisher natural-gradient flow of the KL is a gradient flow in the Fisher metric:
    its residual vanishes in that metric and not in the Euclidean one."""
    ode = ld.limit_ode(ld.proximal(KL, [m, s], metric=FISHER))
    flow = ld.integrate(ode, [1.0, 2.0], t_eval=np.linspace(0.0, 1.0, 4001))
    in_metric = ld.edi_residual(flow, KL, metric=FISHER)
    euclidean = ld.edi_residual(flow, KL)
    assert abs(in_metric.final) < 1e-6 * in_metric.scale
    assert euclidean.final > 0.1 * euclidean.scale


def test_zero_along_the_dual_flow() -> None:
    ode = ld.limit_ode(ld.game(CX, CY, x, y))
    flow = ld.integrate(ode, Z0, t_eval=np.linspace(0.0, 2.0, 4001))
    r = ld.edi_residual(flow, (CX, CY), blocks=(x, y))
    assert r.kind == "dual flow"
    assert abs(r.final) < 1e-5 * r.scale


@settings(deadline=None, max_examples=25)
@given(
    st.lists(st.floats(-1.5, 1.5), min_size=6, max_size=6),
    st.integers(min_value=2, max_value=40),
)
def test_nonnegative_for_any_curve(coefficients: list[float], samples: int) -> None:
    """Eq. (12): E(x_t) - E(x_0) + 1/2 int |x'|^2 + 1/2 int |grad E|^2 >= 0 for every curve.
    On a piecewise-linear curve the residual is 1/2 sum int |v + grad E|^2 (Young), computed
    here independently with 8-point Gauss-Legendre (exact for this quartic E)."""
    c = np.asarray(coefficients)
    t = np.sort(np.concatenate([[0.0, 1.0], np.linspace(0, 1, samples)[1:-1] ** 1.5]))
    t = np.unique(t)
    z = np.stack([c[0] + c[1] * t + c[2] * t**2, c[3] + c[4] * t + c[5] * t**3], axis=1)
    traj = ld.Trajectory((x, y), t, z)
    r = ld.edi_residual(traj, E, nodes=3)
    gx, gw = np.polynomial.legendre.leggauss(8)
    gx, gw = (gx + 1) / 2, gw / 2
    total = 0.0
    for k in range(len(t) - 1):
        h = t[k + 1] - t[k]
        v = (z[k + 1] - z[k]) / h
        for node, weight in zip(gx, gw):
            px, py = z[k] + node * (z[k + 1] - z[k])
            grad = np.array([px**3 + py, px + 2 * py])
            total += 0.5 * h * weight * float(np.sum((v + grad) ** 2))
    # 3-point quadrature is exact to degree 5; |grad E|^2 along a piece has degree 6, so
    # compare against the scale of the terms
    assert r.final >= -1e-3 * (1.0 + r.scale)
    assert r.final == pytest.approx(total, rel=5e-3, abs=1e-3 * (1.0 + r.scale))
    r8 = ld.edi_residual(traj, E, nodes=8)
    assert r8.final >= -1e-10 * (1.0 + r8.scale)
    assert r8.final == pytest.approx(total, rel=1e-9, abs=1e-11)


def test_gradient_descent_residual_in_closed_form() -> None:
    """E = x^2/2, x_{n+1} = (1 - tau) x_n: on each piece v = -x_n and grad E = x_n - s x_n,
    so R = sum_n 1/2 int_0^tau (s x_n)^2 ds = tau^3/6 sum_n x_n^2."""
    h = 0.1
    gd = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=h, steps=10, engine="numpy")
    r = ld.edi_residual(gd, x**2 / 2)
    expected = np.cumsum(np.concatenate([[0.0], h**3 / 6 * gd.z[:-1, 0] ** 2]))
    assert np.allclose(r.values, expected, rtol=1e-12, atol=1e-15)


def _orders(
    schemes: dict, energy, blocks=None, t_end: float = 2.0, start=Z0, positive: bool = True
) -> dict:
    taus = 0.1 / 2.0 ** np.arange(5)
    out = {}
    for name, scheme in schemes.items():
        finals = []
        for h in taus:
            run = ld.iterate(scheme, start, tau=float(h), t_end=t_end, engine="numpy")
            finals.append(ld.edi_residual(run, energy, blocks=blocks).final)
        if positive:
            assert all(f > 0 for f in finals), name
        out[name] = fitted_order(taus, np.abs(finals))
    return out


def test_residual_of_gradient_iterates_tends_to_zero_at_order_two() -> None:
    """On a piece of an Euler iterate, v + grad E(z(s)) = O(tau), so the residual of the
    piece is O(tau^3) and R(T) = O(tau^2), explicit and implicit alike."""
    field = [-E.diff(x), -E.diff(y)]
    schemes = {"explicit": ld.explicit(field, [x, y]), "implicit": ld.proximal(E, [x, y])}
    for name, order in _orders(schemes, E, start=[1.0, -0.5]).items():
        assert abs(order - 2) < 0.1, (name, order)


def test_dual_residual_along_iterates_orders() -> None:
    """Dual flows: besides the O(tau^2) of the pieces, Upsilon (18) holds the other player
    at t_k, which differs from int d/dt C(x_t, y)|_{y = y_t} by
    -(d_xy C^x + d_xy C^y) dx dy / 2 per step: it cancels for a zero-sum coupling (order 2)
    and leaves O(tau) of either sign otherwise (order 1)."""
    schemes = {
        f"{order}, {'implicit' if imp else 'explicit'}": ld.game(
            CX, CY, x, y, order=order, implicit=imp
        )
        for order in ("simultaneous", "x-first")
        for imp in (True, False)
    }
    for name, order in _orders(schemes, (CX, CY), blocks=(x, y)).items():
        assert abs(order - 2) < 0.1, (name, order)
    cooperative = y**2 / 10 + sp.sin(x) * sp.sin(y)
    coop = {"x-first": ld.game(CX, cooperative, x, y, order="x-first")}
    order = _orders(coop, (CX, cooperative), blocks=(x, y), positive=False)["x-first"]
    assert abs(order - 1) < 0.15, order


def test_theorem_1_de_giorgi_interpolation_converges_to_an_edi_flow() -> None:
    """Theorem 1 for the game above ((A1)-(A7) hold): the de Giorgi interpolation (28) of
    the alternating proximal iterates converges uniformly to the dual flow (order 1, as
    the iterates do) and its EDI residual tends to 0 (order 2: within a step the
    interpolant's velocity is -(I + s H)^{-1} grad C(x_s, y_k), O(tau) from the slope)."""
    scheme = ld.game(CX, CY, x, y, order="x-first", implicit=True)
    limit = ld.integrate(ld.limit_ode(scheme), Z0, t_end=2.0)
    taus = 0.1 / 2.0 ** np.arange(4)
    distances, residuals = [], []
    for h in taus:
        curve = ld.de_giorgi(scheme, Z0, tau=float(h), t_end=2.0, substeps=8, engine="numpy")
        iterates = ld.iterate(scheme, Z0, tau=float(h), t_end=2.0, engine="numpy")
        assert np.allclose(curve.z[::8], iterates.z, rtol=0, atol=1e-12)  # s = tau
        distances.append(np.abs(curve.z - limit.dense(curve.t).T).max())
        residuals.append(ld.edi_residual(curve, (CX, CY), blocks=(x, y)).final)
    assert abs(fitted_order(taus, distances) - 1) < 0.1
    assert all(r > 0 for r in residuals)
    assert abs(fitted_order(taus, residuals) - 2) < 0.15


def test_de_giorgi_of_a_gradient_proximal_step_is_the_resolvent() -> None:
    """E = x^2/2: x_t = x_k / (1 + s) on (k tau, (k+1) tau]."""
    curve = ld.de_giorgi(ld.proximal(x**2 / 2, [x]), [1.0], tau=0.2, steps=3, substeps=4)
    k = np.floor((curve.t[1:] - 1e-12) / 0.2)
    xk = (1 / 1.2) ** k
    assert np.allclose(curve.z[1:, 0], xk / (1 + (curve.t[1:] - 0.2 * k)), rtol=1e-12)


def test_result_display() -> None:
    gd = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, steps=5, engine="numpy")
    r = ld.edi_residual(gd, x**2 / 2)
    assert "EDIResidual(gradient flow" in repr(r)
    assert "<table>" in r._repr_html_()
    with pytest.raises(ValueError):
        r.values[0] = 1.0


def test_bad_input() -> None:
    gd = ld.iterate(ld.explicit([-x, -y], [x, y]), [1.0, 1.0], tau=0.1, steps=3)
    with pytest.raises(InputError, match="Trajectory"):
        ld.edi_residual(gd.z, E)
    with pytest.raises(InputError, match="blocks"):
        ld.edi_residual(gd, (CX, CY))
    with pytest.raises(InputError, match="share"):
        ld.edi_residual(gd, (CX, CY), blocks=(x, [x, y]))
    with pytest.raises(InputError, match="unknown variable"):
        ld.edi_residual(gd, (CX, CY), blocks=(x, sp.Symbol("w")))
    with pytest.raises(InputError, match="shape"):
        ld.edi_residual(gd, E, metric=sp.eye(3))
    with pytest.raises(InputError, match="no value for a"):
        ld.edi_residual(gd, E + sp.Symbol("a") * x)
    bad = ld.Trajectory((x, y), np.array([0.0, 0.0]), np.zeros((2, 2)))
    with pytest.raises(InputError, match="increase"):
        ld.edi_residual(bad, E)
    with pytest.raises(SchemeError, match="two stages"):
        ld.de_giorgi(ld.game(CX, CY, x, y, repeats=[2, 1]), Z0, tau=0.1, steps=2)
