"""sweep(): seeds independent of scheduling, resume, corruption, failures, two drivers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from limitdyn.errors import InputError
from limitdyn.sweep import expand_grid, sweep

from . import _points


def _run(fn, grid, store, *, threads=2, **kw):
    with ThreadPoolExecutor(threads) as pool:
        return sweep(fn, grid, store=store, executor=pool, progress=False, **kw)


def test_seeds_follow_the_canonical_order_not_the_schedule(tmp_path) -> None:
    """Point i draws from SeedSequence(seed).spawn(n)[i] (numpy's documented independent
    streams), whatever the number of workers; identical points get distinct streams."""
    grid = [{"i": 0}, {"i": 1}, {"i": 1}, {"i": 2}, {"i": 3}]
    one = _run(_points.draw, grid, tmp_path / "a", threads=1, seed=7)
    four = _run(_points.draw, grid, tmp_path / "b", threads=4, seed=7)
    children = np.random.SeedSequence(7).spawn(len(grid))
    expected = [np.random.default_rng(c).random() for c in children]
    assert one.to_dataframe()["u"].tolist() == expected
    assert four.to_dataframe()["u"].tolist() == expected
    assert expected[1] != expected[2]  # the duplicated point is not deduplicated
    normals = four.arrays(3)["normal"]
    rng = np.random.default_rng(children[3])
    rng.random()
    assert normals.tolist() == rng.standard_normal(3).tolist()


def test_grid_order_is_sorted_names_last_fastest() -> None:
    points = expand_grid({"b": [1, 2], "a": ["x", "y", "z"]})
    assert points == [{"a": a, "b": b} for a in "xyz" for b in (1, 2)]
    assert expand_grid({"a": ["x", "y", "z"], "b": [1, 2]}) == points


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({}, "empty"),
        ({"n": 3}, "non-empty list"),
        ({"n": []}, "empty"),
        ({"seed": [1]}, "cannot be a parameter"),
        ([{"n": 1}, {"m": 1}], "point 1 has parameters"),
        ({"n": [object()]}, "must be None, a bool"),
    ],
)
def test_bad_grids_are_refused_before_anything_runs(tmp_path, grid, match) -> None:
    with pytest.raises(InputError, match=match):
        _run(_points.draw, grid, tmp_path)
    assert not (tmp_path / "results").exists()


def test_bad_options(tmp_path) -> None:
    with pytest.raises(InputError, match="module-level"):
        sweep(lambda seed: 1, {"n": [1]}, store=tmp_path, progress=False)
    with pytest.raises(InputError, match="executor must be"):
        sweep(_points.draw, {"i": [1]}, store=tmp_path, executor=object(), progress=False)
    with pytest.raises(InputError, match="retries"):
        sweep(_points.draw, {"i": [1]}, store=tmp_path, retries=-1, progress=False)


def test_a_raising_point_is_recorded_and_the_others_complete(tmp_path) -> None:
    result = _run(_points.raises, {"i": [0, 1, 2, 3]}, tmp_path)
    assert result.status == ["done", "done", "failed", "done"]
    assert not result.ok and result.failed == [2]
    record = result.records[2]
    assert record["error"] == "ValueError: point 2 is bad"
    assert (
        "in raises" in record["traceback"]
        and 'raise ValueError(f"point {i} is bad")' in (record["traceback"])
    )
    assert record["attempts"] == 1  # a raising function is not retried (its seed is fixed)
    frame = result.to_dataframe()
    assert frame["square"].tolist()[:2] == [0, 1] and np.isnan(frame["square"][2])
    assert "ValueError: point 2 is bad" in result.summary()


def test_rerun_recomputes_only_missing_or_corrupt_points(tmp_path) -> None:
    log = str(tmp_path / "log")
    grid = {"i": list(range(6)), "log": [log]}
    first = _run(_points.logged, grid, tmp_path / "s")
    assert _points.count_lines(log) == dict.fromkeys(range(6), 1)
    again = _run(_points.logged, grid, tmp_path / "s")
    assert (again.computed, again.reused) == (0, 6)
    assert _points.count_lines(log) == dict.fromkeys(range(6), 1)
    results = tmp_path / "s" / "results"
    (results / f"{first.keys[1]}.json").unlink()  # interrupted before point 1 was written
    text = (results / f"{first.keys[4]}.json").read_bytes()
    (results / f"{first.keys[4]}.json").write_bytes(text[: len(text) // 3])  # torn write
    third = _run(_points.logged, grid, tmp_path / "s")
    assert (third.computed, third.reused) == (2, 4)
    assert _points.count_lines(log) == {0: 1, 1: 2, 2: 1, 3: 1, 4: 2, 5: 1}
    assert third.records[1]["scalars"] == first.records[1]["scalars"]  # same seed, same value
    assert third.to_dataframe()["square"].tolist() == [i * i for i in range(6)]


def test_arrays_load_lazily_and_are_checked(tmp_path) -> None:
    log = str(tmp_path / "log")
    result = _run(_points.logged, {"i": [3], "log": [log]}, tmp_path / "s")
    arrays = result.arrays(0)
    assert list(arrays) == ["vector"] and "not loaded" in repr(arrays)
    assert arrays["vector"].tolist() == [3.0, 3.0]
    npz = result.store / "results" / result.records[0]["arrays"]["file"]
    npz.write_bytes(npz.read_bytes()[:20])
    with pytest.raises(InputError, match="corrupt"):
        result.arrays(0)["vector"]


def test_two_drivers_on_one_store_compute_each_point_once(tmp_path) -> None:
    log = str(tmp_path / "log")
    grid = {"i": list(range(8)), "log": [log], "sleep": [0.05]}
    out = {}

    def drive(name):
        out[name] = _run(_points.logged, grid, tmp_path / "s")

    threads = [threading.Thread(target=drive, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _points.count_lines(log) == dict.fromkeys(range(8), 1)
    assert out["a"].computed + out["b"].computed == 8
    for r in out.values():
        assert r.ok and r.to_dataframe()["square"].tolist() == [i * i for i in range(8)]
    assert len(list((tmp_path / "s" / "results").glob("*.json"))) == 8
    assert not list((tmp_path / "s" / "claims").iterdir())


def test_default_process_pool_resumes_and_survives_a_dead_worker(tmp_path) -> None:
    """The default executor (spawned processes, one thread each): a worker that dies is
    replaced and its point retried; a torn record is recomputed on the next run."""
    marker = str(tmp_path / "died")
    grid = {"i": [0, 1, 2, 3], "marker": [marker]}
    result = sweep(_points.dies_once, grid, store=tmp_path / "s", workers=2, progress=False)
    assert result.ok and result.to_dataframe()["square"].tolist() == [0, 1, 4, 9]
    assert result.records[1]["attempts"] >= 2
    path = tmp_path / "s" / "results" / f"{result.keys[2]}.json"
    path.write_bytes(path.read_bytes()[:-5])
    again = sweep(_points.dies_once, grid, store=tmp_path / "s", workers=1, progress=False)
    assert (again.computed, again.reused) == (1, 3)
    assert again.records[2]["scalars"] == {"square": 4}


def test_display(tmp_path) -> None:
    result = _run(_points.raises, {"i": [1, 2]}, tmp_path)
    html = result._repr_html_()
    assert "1 done, 1 failed" in html and "<td>failed</td>" in html
    assert repr(result).splitlines()[0] == result.summary().splitlines()[0]
