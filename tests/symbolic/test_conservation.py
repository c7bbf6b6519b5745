"""The conservation report (issue 11): explicit spirals out, implicit in, alternating cycles."""

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError

x, y = sp.symbols("x y")
tau = ld.tau
BLOCKS = [(x, [-y]), (y, [x])]  # GDA on the bilinear game x y (Mescheder et al. 2018, Sec. 2)


def test_explicit_implicit_alternating_gda():
    (grow,) = ld.conservation_report(ld.simultaneous(BLOCKS)).rows
    assert grow.status == "grows" and sp.simplify(grow.growth - (1 + tau**2)) == 0
    (shrink,) = ld.conservation_report(ld.simultaneous(BLOCKS, implicit=True)).rows
    assert shrink.status == "dissipated" and sp.simplify(shrink.growth * (1 + tau**2)) == 1
    (cycle,) = ld.conservation_report(ld.alternating(BLOCKS)).rows
    assert cycle.status == "exact" and cycle.growth is None
    assert sp.expand(cycle.invariant - (x**2 + y**2 - tau * x * y)) == 0
    m = ld.alternating(BLOCKS).map()
    assert sp.expand(cycle.invariant.xreplace(m) - cycle.invariant) == 0


def test_rigid_body_under_explicit_euler():
    # explicit Euler on the rigid body keeps neither quadratic integral exactly; the report
    # lists both integrals of the limit (HLW IV.1) with a status each
    y1, y2, y3 = sp.symbols("y1 y2 y3")
    # Euler form y_i' = a_i y_j y_k, a = (1, -2, 1): sum a_i = 0 gives |y|^2, and
    # a_2 y1^2 - a_1 y2^2 is the second quadratic integral
    rhs = [y2 * y3, -2 * y3 * y1, y1 * y2]
    rep = ld.conservation_report(ld.explicit(rhs, [y1, y2, y3]), order=1)
    assert len(rep.rows) == 2
    assert all(r.status in ld.symbolic._conservation.STATUSES for r in rep.rows)
    assert all(r.status != "exact" for r in rep.rows)


def test_display():
    rep = ld.conservation_report(ld.simultaneous(BLOCKS))
    html = rep._repr_html_()
    assert "grows" in html and "<table>" in html
    frame = rep.to_dataframe()
    assert list(frame["status"]) == ["grows"]
    assert "grows" in repr(rep) and r"\begin{array}" in rep.latex()


def test_bad_input():
    with pytest.raises(InputError, match="degree"):
        ld.conservation_report(ld.simultaneous(BLOCKS), degree=-2)
    with pytest.raises(InputError, match="scheme"):
        ld.conservation_report("not a scheme")
