"""The sweep store: stable keys, atomic checksummed records, claims between drivers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limitdyn.errors import InputError
from limitdyn.sweep._store import Store, function_identity, point_key, structure

IDENT = {"name": "tests.f", "version": "1", "bound": ""}


def test_key_is_stable_across_processes_and_hash_seeds() -> None:
    """The key is a hash of canonical data, not of Python's randomised str hashes."""
    code = (
        "import numpy as np; from limitdyn.sweep._store import point_key; "
        "s = np.random.SeedSequence(3).spawn(2)[1]; "
        "print(point_key({'name': 'tests.f', 'version': '1', 'bound': ''}, "
        "{'lr': 0.1, 'N': 8, 'kind': 'gd'}, s))"
    )
    keys = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        keys.add(out.stdout.strip())
    here = point_key(
        IDENT, {"N": 8, "kind": "gd", "lr": 0.1}, np.random.SeedSequence(3).spawn(2)[1]
    )
    assert keys == {here}


scalars = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
)
points = st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), scalars, max_size=4)


@settings(deadline=None, max_examples=50)
@given(points, points)
def test_keys_agree_exactly_when_points_do(p: dict, q: dict) -> None:
    """Keys ignore the order of the parameters and separate every other difference
    (1 and 1.0 and True are different inputs)."""
    seed = np.random.SeedSequence(0)
    same = json.dumps(p, sort_keys=True) == json.dumps(q, sort_keys=True)
    assert (point_key(IDENT, p, seed) == point_key(IDENT, q, seed)) == same
    reordered = dict(reversed(list(p.items())))
    assert point_key(IDENT, reordered, seed) == point_key(IDENT, p, seed)


def test_identical_points_with_different_seeds_have_different_keys() -> None:
    a, b = np.random.SeedSequence(0).spawn(2)
    assert point_key(IDENT, {"n": 1}, a) != point_key(IDENT, {"n": 1}, b)
    assert point_key(IDENT, {"n": 1}, a) != point_key(dict(IDENT, version="2"), {"n": 1}, a)


def test_bound_arguments_digest_ignores_caches() -> None:
    """A scheme whose cached analyses were computed digests like a fresh one."""
    import functools

    import sympy as sp

    import limitdyn as ld

    x = sp.Symbol("x")
    fresh = ld.explicit([-x], [x])
    used = ld.explicit([-x], [x])
    ld.limit_ode(used)
    used.map()
    f1 = functools.partial(point_key, scheme=fresh)
    f2 = functools.partial(point_key, scheme=used)
    assert function_identity(f1) == function_identity(f2)
    other = functools.partial(point_key, scheme=ld.explicit([-2 * x], [x]))
    assert function_identity(other)["bound"] != function_identity(f1)["bound"]
    assert structure(np.arange(3)) != structure(np.arange(3.0))


def test_lambdas_and_local_functions_are_refused() -> None:
    def local(seed):
        return 0

    for fn in (lambda seed: 0, local):
        with pytest.raises(InputError, match="module-level function"):
            function_identity(fn)


def test_truncated_or_altered_files_fail_the_check(tmp_path) -> None:
    store = Store(tmp_path / "s")
    arrays = {"v": np.arange(5.0)}
    assert store.write("k", {"status": "done", "scalars": {"x": 1}}, arrays)
    record = store.load("k")
    assert record is not None and record.arrays_path is not None
    path = store.results / "k.json"
    good = path.read_bytes()
    for cut in (0, 1, len(good) // 2, len(good) - 1):
        path.write_bytes(good[:cut])
        assert store.load("k") is None, cut
    path.write_bytes(good.replace(b'"x":1', b'"x":2'))  # valid JSON, wrong checksum
    assert store.load("k") is None
    path.write_bytes(good)
    assert store.load("k") is not None
    npz = record.arrays_path.read_bytes()
    record.arrays_path.write_bytes(npz[:-10])
    assert store.load("k") is None
    with pytest.raises(InputError, match="corrupt"):
        store.load_arrays(record)
    # the next write repairs it; a valid done record is never overwritten
    store.write("k", {"status": "done", "scalars": {"x": 1}}, arrays)
    assert store.load_arrays(store.load("k"))["v"].tolist() == [0, 1, 2, 3, 4]
    assert not store.write("k", {"status": "done", "scalars": {"x": 3}})
    assert store.load("k").data["scalars"] == {"x": 1}
    assert not [p for p in store.results.iterdir() if p.name.startswith(".tmp")]


def test_a_failed_record_is_replaced(tmp_path) -> None:
    store = Store(tmp_path)
    store.write("k", {"status": "failed", "scalars": {}})
    assert store.write("k", {"status": "done", "scalars": {"x": 1}})
    assert store.load("k").status == "done"


def test_refuses_a_directory_that_is_not_a_store(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a sweep store"):
        Store(tmp_path)


def test_claims_exclude_a_second_driver_until_released(tmp_path) -> None:
    a, b = Store(tmp_path), Store(tmp_path)  # two drivers (same process, distinct ids)
    assert a.claim("k") and not b.claim("k")
    assert b.is_claimed("k")
    b.release("k")  # not b's claim: nothing happens
    assert not b.claim("k")
    a.release("k")
    assert b.claim("k") and not a.claim("k")


def test_claims_of_dead_or_silent_drivers_are_broken(tmp_path) -> None:
    store = Store(tmp_path, stale_after=60)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    path = store.claims / "k.claim"
    path.write_text(json.dumps({"host": store.owner["host"], "pid": int(dead.stdout), "id": "x"}))
    assert store.claim("k")  # its owner is gone
    other = store.claims / "j.claim"
    other.write_text(json.dumps({"host": "elsewhere", "pid": 1, "id": "y"}))
    assert not store.claim("j")  # a live claim of another host
    old = time.time() - 120
    os.utime(other, (old, old))
    assert store.claim("j")  # not refreshed for longer than stale_after
    store.refresh(["j"])
    assert time.time() - other.stat().st_mtime < 5
