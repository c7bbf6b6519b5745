"""What runs on a worker: the thread limits of a pool process, and the call of one point.

This module imports only the standard library at module level, so that the initializer of
a fresh worker process sets the thread counts before numpy, its BLAS or numba load.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RESERVED", "THREAD_VARIABLES", "one_thread", "run_point"]

#: environment variables that cap the threads of BLAS libraries, OpenMP and numba
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)

#: column names of a sweep's table that outputs and parameters may not take
RESERVED = ("index", "status", "error", "attempts", "seconds", "seed")


def one_thread() -> None:
    """Initializer of the default pool's processes: one BLAS/OpenMP/numba thread each.

    The variables are read when those libraries load, which in a fresh process is after
    this runs (the point function imports them).

    Examples
    --------
    >>> import os
    >>> saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    >>> one_thread(); os.environ["NUMBA_NUM_THREADS"]
    '1'
    >>> for k, v in saved.items():
    ...     _ = os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def _split(output: Any, parameters: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scalars (table columns) and arrays (npz) of a point function's return value."""
    import numpy as np

    if not isinstance(output, Mapping):
        output = {"value": output}
    scalars: dict[str, Any] = {}
    arrays: dict[str, Any] = {}
    for name, value in output.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"output names must be non-empty str, got {name!r}")
        if name in RESERVED or name in parameters:
            raise TypeError(f"output {name!r} has the name of a parameter or of a column")
        if value is None or isinstance(value, (bool, str, np.bool_)):
            scalars[name] = bool(value) if isinstance(value, np.bool_) else value
        elif isinstance(value, (int, float, np.integer, np.floating)):
            scalars[name] = value.item() if isinstance(value, np.generic) else value
        elif isinstance(value, (np.ndarray, list, tuple)):
            array = np.asarray(value)
            if array.dtype == object:
                raise TypeError(f"output {name!r} is not a numeric or string array")
            if array.ndim == 0:
                scalars[name] = array.item()
            else:
                arrays[name] = array
        else:
            raise TypeError(
                f"output {name!r} is a {type(value).__name__}; return numbers, str, bool, "
                "None or arrays"
            )
    return scalars, arrays


def run_point(
    fn: Callable[..., Any], point: Mapping[str, Any], seed: Any, key: str, attempt: int
) -> dict[str, Any]:
    """Call ``fn(**point, seed=Generator)`` and return what the driver records.

    An exception of ``fn`` is caught and returned with its traceback (the point is
    recorded as failed). ``key`` and ``attempt`` make each submission distinct, so that
    an executor that deduplicates identical calls (dask's ``pure=True``) cannot merge two
    points or reuse a failed attempt.

    Examples
    --------
    >>> import numpy as np
    >>> out = run_point(divmod, {"x": 7}, np.random.SeedSequence(0), "k", 0)
    >>> out["status"], out["error"].splitlines()[0]
    ('failed', 'TypeError: divmod() takes no keyword arguments')
    """
    import numpy as np

    del key, attempt
    start = time.perf_counter()
    base = {"host": os.uname().nodename if hasattr(os, "uname") else "", "pid": os.getpid()}
    try:
        output = fn(**point, seed=np.random.default_rng(seed))
        scalars, arrays = _split(output, point)
    except Exception as exc:
        return dict(
            base,
            status="failed",
            scalars={},
            arrays={},
            error="".join(traceback.format_exception_only(type(exc), exc)).strip(),
            traceback="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            seconds=time.perf_counter() - start,
        )
    return dict(
        base,
        status="done",
        scalars=scalars,
        arrays=arrays,
        error=None,
        traceback=None,
        seconds=time.perf_counter() - start,
    )
