"""invariant_drift (issue 11): values along trajectories against cumulative learning rate."""

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError

q, p, w = sp.symbols("q p w")


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_explicit_euler_growth_and_symplectic_invariant(engine):
    pytest.importorskip("numba") if engine == "numba" else None
    # explicit Euler multiplies q^2 + p^2 by exactly 1 + tau^2 per step (HLW I.1)
    run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.5], tau=0.1, steps=50, engine=engine)
    d = ld.invariant_drift(run, q**2 + p**2)
    np.testing.assert_allclose(d.values, 1.25 * 1.01 ** np.arange(51), rtol=1e-12)
    np.testing.assert_allclose(d.t, run.t)
    # symplectic Euler conserves q^2 + p^2 + tau q p to rounding (HLW IX.3)
    se = ld.iterate(
        ld.alternating([(q, [p]), (p, [-q])]), [1.0, 0.5], tau=0.1, steps=200, engine=engine
    )
    assert ld.invariant_drift(se, q**2 + p**2 + sp.Rational(1, 10) * q * p).max_drift < 1e-12
    assert ld.invariant_drift(se, q**2 + p**2).max_drift > 1e-3


def test_parameters_plot_and_table():
    run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.0], tau=0.1, steps=5, engine="numpy")
    d = ld.invariant_drift(run, w * q**2, params={"w": 2.0})
    np.testing.assert_allclose(d.values[0], 2.0)
    assert list(d.to_dataframe().columns) == ["t", "value", "drift"]
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    d.plot(ax=ax)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), d.drift)


def test_bad_input():
    run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.0], tau=0.1, steps=2, engine="numpy")
    with pytest.raises(InputError):
        ld.invariant_drift(run, w * q, params={})
    with pytest.raises(InputError, match="Trajectory"):
        ld.invariant_drift(np.zeros(3), q)
