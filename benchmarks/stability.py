"""Stability analyses: exact largest stable step against the numeric search, and the cost
of a stability region.

For each system the exact ``max_stable_step`` (Jury's conditions in the plane, Moebius-
Hurwitz determinants for the 4-d heavy ball) is timed beside the numeric fallback (a
logarithmic scan of 2001 steps and bisection on the characteristic roots) on the same
linearised update; the ratio is what the exact path costs or saves. Then
``stability_region`` at 201 x 201 points per kind.

Run: ``.venv/bin/python benchmarks/stability.py`` (about 10 s).
"""

from __future__ import annotations

import time

import sympy as sp

import limitdyn as ld
from limitdyn.numeric._stability_region import STABILITY_KINDS
from limitdyn.symbolic._stability import _numeric_sup


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    x, y = sp.symbols("x y")
    systems = {
        "GD on (x^2 + 10 y^2)/2": ld.explicit([-x, -10 * y], [x, y]),
        "simultaneous GD, eigenvalues -1 +- 2i": ld.explicit([-x - 2 * y, 2 * x - y], [x, y]),
        "heavy ball beta = 1/2 (4-d)": ld.heavy_ball(
            (x**2 + 10 * y**2) / 2, [x, y], momentum=sp.Rational(1, 2)
        ),
    }
    from limitdyn.gans import dirac_gan

    systems["Dirac-GAN + R1, gamma = 1"] = dirac_gan(regularizer="r1", gamma=1)
    print("max_stable_step: exact vs numeric search on the same Jacobian")
    for name, scheme in systems.items():
        report = ld.linear_stability(scheme, at=[0] * len(scheme.variables[:2]))
        exact, t_exact = timed(report.max_stable_step)
        num, t_num = timed(lambda r=report: _numeric_sup(r.jacobian, r.step, False, 1e6))
        print(
            f"  {name:42s} exact {exact!s:6s} {1e3 * t_exact:7.1f} ms   numeric "
            f"{num:.10f} {1e3 * t_num:7.1f} ms   ratio {t_num / t_exact:5.1f}x"
        )
    print("stability_region, 201 x 201 grid")
    for kind in STABILITY_KINDS:
        _, t = timed(lambda k=kind: ld.stability_region(k, n=201))
        print(f"  {kind:14s} {1e3 * t:7.1f} ms")


if __name__ == "__main__":
    main()
