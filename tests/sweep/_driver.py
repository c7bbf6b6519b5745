"""A sweep driver in its own process, for the fault tests: ``python -m sweep._driver
SCHEDULER STORE LOG N SLEEP`` (with ``tests/`` on ``PYTHONPATH``)."""

from __future__ import annotations

import sys

from limitdyn.sweep import sweep

from ._points import logged

if __name__ == "__main__":
    # imported here: pytest's doctest collection imports this module where dask is absent
    from distributed import Client

    address, store, log, n, sleep = sys.argv[1:]
    with Client(address) as client:
        grid = {"i": list(range(int(n))), "log": [log], "sleep": [float(sleep)]}
        result = sweep(
            logged, grid, store=store, executor=client.get_executor(pure=False), progress=False
        )
    sys.stdout.write(f"computed {result.computed}\n")
