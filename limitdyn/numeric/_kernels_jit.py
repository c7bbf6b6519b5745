"""numba-compiled versions of :mod:`limitdyn.numeric._kernels` (imports numba).

Compiled with :func:`limitdyn._cachedir.cached_njit`: the machine code is cached under the
limitdyn cache root, checked against its checksum before it is loaded.
"""

from __future__ import annotations

from .._cachedir import cached_njit
from . import _kernels

solve_small = cached_njit(_kernels.solve_small, error_model="numpy")
