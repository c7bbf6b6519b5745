"""numba-compiled :func:`limitdyn.numeric._jet_kernels.run_tape` (imports numba).

Compiled with :func:`limitdyn._cachedir.cached_njit`: the machine code is cached under the
limitdyn cache root, checked against its checksum before it is loaded. The tape it
interprets is data; no source is generated from a field.
"""

from __future__ import annotations

from .._cachedir import cached_njit
from . import _jet_kernels

run_tape = cached_njit(_jet_kernels.run_tape, error_model="numpy")
