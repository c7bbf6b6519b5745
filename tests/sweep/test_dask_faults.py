"""Fault tests against a real dask.distributed LocalCluster (worker processes).

A worker killed mid-sweep, a driver killed mid-sweep, a raising point, a truncated result
file, two drivers on one store: every point ends up in the store exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from limitdyn.sweep import sweep

from . import _points

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

TESTS = str(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _records(store: Path) -> list[Path]:
    return sorted((store / "results").glob("*.json"))


def test_a_killed_worker_loses_no_point(client, tmp_path) -> None:
    log = str(tmp_path / "log")
    grid = {"i": list(range(12)), "log": [log], "sleep": [0.3]}

    def kill_one_worker() -> None:
        while len(_points.count_lines(log)) < 2:
            time.sleep(0.05)
        pids = client.run(os.getpid)
        os.kill(next(iter(pids.values())), signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    result = sweep(
        _points.logged,
        grid,
        store=tmp_path / "s",
        executor=client.get_executor(pure=False),
        progress=False,
    )
    killer.join()
    assert result.ok and result.to_dataframe()["square"].tolist() == [i * i for i in range(12)]
    assert len(_records(tmp_path / "s")) == 12  # each point exactly once in the store
    client.wait_for_workers(2, timeout=60)


def _driver(client, store, log, n, sleep) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=TESTS + os.pathsep + os.environ.get("PYTHONPATH", ""))
    address = client.scheduler.address
    return subprocess.Popen(
        [sys.executable, "-m", "sweep._driver", address, str(store), log, str(n), str(sleep)],
        env=env,
        cwd=TESTS,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_killed_driver_is_resumed_computing_only_what_is_missing(client, tmp_path) -> None:
    store, log, n = tmp_path / "s", str(tmp_path / "log"), 16
    driver = _driver(client, store, log, n, 0.25)
    while len(_records(store)) < 4 and driver.poll() is None:
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)  # no cleanup: its claims stay behind
    driver.wait()
    kept = {p.name: p.read_bytes() for p in _records(store)}
    assert 4 <= len(kept) < n
    grid = {"i": list(range(n)), "log": [log], "sleep": [0.25]}
    result = sweep(
        _points.logged,
        grid,
        store=store,
        executor=client.get_executor(pure=False),
        progress=False,
        stale_after=60,
    )
    assert result.ok and (result.computed, result.reused) == (n - len(kept), len(kept))
    assert all((store / "results" / name).read_bytes() == data for name, data in kept.items())
    assert len(_records(store)) == n


def test_a_raising_point_and_a_truncated_file(client, tmp_path) -> None:
    executor = client.get_executor(pure=False)
    result = sweep(
        _points.raises, {"i": [0, 1, 2, 3]}, store=tmp_path, executor=executor, progress=False
    )
    assert result.status == ["done", "done", "failed", "done"]
    assert "ValueError: point 2 is bad" in result.records[2]["traceback"]
    path = tmp_path / "results" / f"{result.keys[3]}.json"
    path.write_bytes(path.read_bytes()[:10])
    again = sweep(
        _points.raises, {"i": [0, 1, 2, 3]}, store=tmp_path, executor=executor, progress=False
    )
    # the torn point and the failed one are computed again, the others read back
    assert (again.computed, again.reused) == (2, 2)
    assert again.records[3]["scalars"] == {"square": 9}


def test_two_driver_processes_compute_each_point_once(client, tmp_path) -> None:
    store, log, n = tmp_path / "s", str(tmp_path / "log"), 12
    drivers = [_driver(client, store, log, n, 0.2) for _ in range(2)]
    outs = [d.communicate(timeout=240)[0] for d in drivers]
    assert [d.returncode for d in drivers] == [0, 0]
    assert _points.count_lines(log) == dict.fromkeys(range(n), 1)
    assert sum(int(o.split()[-1]) for o in outs) == n
    assert len(_records(store)) == n
