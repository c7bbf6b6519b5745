"""numba-compiled versions of :mod:`limitdyn.numeric._kernels` (imports numba)."""

from __future__ import annotations

import numba

from . import _kernels

solve_small = numba.njit(_kernels.solve_small, error_model="numpy", cache=True)
