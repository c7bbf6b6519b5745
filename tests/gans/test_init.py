"""The public face of limitdyn.gans: every name resolves; importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import limitdyn as ld
import limitdyn.gans as gans


def test_every_name_in_all_exists() -> None:
    assert gans.__all__ and len(set(gans.__all__)) == len(gans.__all__)
    for name in gans.__all__:
        assert getattr(gans, name) is not None, name
    assert ld.gans is gans
    for name in ("equilibria", "linear_stability", "StabilityReport", "stability_region"):
        assert getattr(ld, name) is not None and name in ld.__all__


def test_import_needs_no_plotting_or_jit() -> None:
    code = (
        "import sys, limitdyn.gans; "
        "print(','.join(m for m in ('matplotlib', 'numba', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
