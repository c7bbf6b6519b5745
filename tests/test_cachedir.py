"""The cache root: one root for everything, verified entries that heal, fallback, clear."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from limitdyn import _cachedir
from limitdyn.errors import CacheWarning, InputError


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A new process's view of the cache state, with the root under ``tmp_path``."""
    monkeypatch.setattr(_cachedir, "_usable", {})
    monkeypatch.setattr(_cachedir, "_warned", False)
    root = tmp_path / "cache"
    monkeypatch.setenv(_cachedir.ENV, str(root))
    return root


def test_root_is_the_environment_variable_else_the_user_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(_cachedir.ENV, str(tmp_path / "mine"))
    assert _cachedir.configured_root() == tmp_path / "mine"
    monkeypatch.delenv(_cachedir.ENV)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert _cachedir.configured_root() == tmp_path / "xdg" / "limitdyn"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert _cachedir.configured_root() == Path.home() / ".cache" / "limitdyn"


def test_root_is_created_marked_and_recreated_when_deleted(fresh: Path) -> None:
    assert _cachedir.root() == fresh
    assert _cachedir.is_cache_root(fresh)
    shutil.rmtree(fresh)  # deleted while running
    numba_dir = _cachedir.subdir("numba")
    assert numba_dir == fresh / "numba" and numba_dir.is_dir()
    assert _cachedir.is_cache_root(fresh)


def _unusable_roots(tmp_path: Path) -> list[Path]:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    roots = [blocker / "cache"]
    if os.geteuid() != 0:  # root ignores permission bits
        read_only = tmp_path / "read-only"
        read_only.mkdir(mode=0o500)
        roots.append(read_only)
    return roots


def test_unusable_root_warns_once_and_falls_back_to_a_private_root(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for bad in _unusable_roots(tmp_path):
        monkeypatch.setattr(_cachedir, "_warned", False)
        monkeypatch.setenv(_cachedir.ENV, str(bad))
        with pytest.warns(CacheWarning, match="cannot be used") as record:
            first = _cachedir.root()
            again = _cachedir.subdir("generated-v3").parent
        assert len(record) == 1 and str(bad) in str(record[0].message)
        try:
            assert first == again and first.is_dir() and _cachedir.is_cache_root(first)
            assert bad not in first.parents and first.name.startswith("limitdyn-cache-")
        finally:
            shutil.rmtree(first)


def test_private_root_is_removed_at_exit(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = "from limitdyn import _cachedir; print(_cachedir.subdir('numba'))"
    env = {**os.environ, _cachedir.ENV: str(blocker)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    used = Path(out.stdout.strip())
    assert used.name == "numba" and used.parent.name.startswith("limitdyn-cache-")
    assert not used.parent.exists()
    assert out.stderr.count("CacheWarning") == 1


def _flip(data: bytes) -> bytes:
    """``data`` with the bits of its middle byte inverted (an empty file gains one byte)."""
    if not data:
        return b"\xff"
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "flip": _flip,
    "truncate": lambda data: data[: len(data) // 2],
    "garbage": lambda data: bytes((7 * i + 3) % 256 for i in range(max(len(data), 64))),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("which", ["file", "checksum"])
def test_damaged_file_or_checksum_is_deleted_not_read(
    tmp_path: Path, damage: str, which: str
) -> None:
    entry = tmp_path / "f-1.py311.1.nbc"
    entry.write_bytes(b"machine code " * 20)
    _cachedir.write_checksum(entry)
    assert _cachedir.verify(entry) and entry.exists()
    target = entry if which == "file" else tmp_path / "f-1.py311.1.nbc.sha256"
    target.write_bytes(DAMAGE[damage](target.read_bytes()))
    assert not _cachedir.verify(entry)
    assert not entry.exists() and not (tmp_path / "f-1.py311.1.nbc.sha256").exists()


def test_file_without_checksum_is_deleted_and_a_missing_file_passes(tmp_path: Path) -> None:
    entry = tmp_path / "f.nbi"
    entry.write_bytes(b"index")
    assert not _cachedir.verify(entry) and not entry.exists()
    assert _cachedir.verify(tmp_path / "never-written.nbi")


def test_clear_refuses_a_directory_that_is_not_a_cache_root(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("years of work")
    (tmp_path / "numba").mkdir()  # even with a name limitdyn would use
    with pytest.raises(InputError, match=r"is not a limitdyn cache root \(no \.limitdyn-cache"):
        _cachedir.clear(tmp_path)
    assert (tmp_path / "thesis.tex").read_text() == "years of work"
    assert (tmp_path / "numba").is_dir()


def test_a_directory_with_other_files_is_used_but_never_marked(fresh: Path) -> None:
    fresh.mkdir()
    (fresh / "photos").mkdir()
    assert _cachedir.root() == fresh and not _cachedir.is_cache_root(fresh)
    with pytest.raises(InputError, match="not a limitdyn cache root"):
        _cachedir.clear(fresh)


def test_clear_removes_limitdyn_entries_only(fresh: Path) -> None:
    (_cachedir.subdir("generated-v3") / "limitdyn_generated_x.py").write_text("x = 1\n")
    nested = _cachedir.subdir("numba") / "particles_abc"
    nested.mkdir()
    (nested / "k-1.py311.nbi").write_bytes(b"12345")
    (fresh / "README").write_text("kept")
    info = {e.name: (e.files, e.size) for e in _cachedir.entries(fresh)}
    assert info == {"generated-v3": (1, 6), "numba": (1, 5)}
    removed = _cachedir.clear(fresh)
    assert [e.name for e in removed] == ["generated-v3", "numba"]
    assert sorted(p.name for p in fresh.iterdir()) == [".limitdyn-cache", "README"]


# -- a populated cache, damaged, in fresh processes --------------------------------------

#: one generated loop (implicit Euler: its Newton step calls the shared solve_small kernel),
#: solve_small itself and one particle kernel, each checked against exact values; prints
#: numba's cache hits
CHILD = """
import json, math
import numpy as np, sympy as sp
import limitdyn as ld
from limitdyn.numeric._compile import compile_scheme
from limitdyn._engine import Engine
from limitdyn.numeric import _kernels_jit
from limitdyn.particles import _kernels

x = sp.Symbol("x")
scheme = ld.implicit([-x], [x])
traj = ld.iterate(scheme, [1.0], tau=0.25, steps=3, engine="numba")
# backward Euler on x' = -x: x_n = (1 + tau)^-n
np.testing.assert_allclose(traj["x"], 0.8 ** np.arange(4), rtol=1e-14, atol=0)
u, s = np.array([0.0, math.log(3.0), -math.log(3.0)]), np.zeros(3)
_kernels.act_values(u, s, 3, 0)  # the sigmoid: 1/2, 3/4, 1/4
np.testing.assert_allclose(s, [0.5, 0.75, 0.25], rtol=1e-15, atol=0)
A, b = np.array([[0.0, 2.0], [1.0, 1.0]]), np.array([2.0, 3.0])
assert _kernels_jit.solve_small(A, b, 2) and b.tolist() == [2.0, 1.0]
run = compile_scheme(scheme, Engine("numba")).run
hits = {
    name: sum(f.stats.cache_hits.values())
    for name, f in [("run", run), ("solve_small", _kernels_jit.solve_small),
                    ("act_values", _kernels.act_values)]
}
print(json.dumps(hits))
"""


def _run_child(root: Path) -> dict[str, int]:
    env = {**os.environ, _cachedir.ENV: str(root)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    hits: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return hits


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("numba")
    root = tmp_path_factory.mktemp("populated") / "cache"
    assert _run_child(root) == {"run": 0, "solve_small": 0, "act_values": 0}
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_everything_caches_under_the_root_with_checksums(populated: Path) -> None:
    names = [p.relative_to(populated).as_posix() for p in _files(populated)]
    numba_files = [n for n in names if n.startswith("numba/")]
    for function in ("_kernels.act_values-", "_kernels.solve_small-", ".run-"):
        mine = [n for n in numba_files if function in n]
        assert any(n.endswith(".nbi") for n in mine) and any(n.endswith(".nbc") for n in mine)
        assert all(f"{n}.sha256" in names for n in mine if n.endswith((".nbi", ".nbc")))
    assert any(n.startswith("numba/particles_") for n in numba_files)
    assert any(n.startswith("generated-v") and n.endswith(".py") for n in names)
    assert not [n for n in names if n.endswith(".pyc")]  # generated modules: no bytecode file
    assert _run_child(populated) == {"run": 1, "solve_small": 1, "act_values": 1}


def test_root_deleted_while_running_is_recreated_for_numba(tmp_path: Path) -> None:
    pytest.importorskip("numba")
    root = tmp_path / "cache"
    code = (
        "import shutil, sys, numpy as np\n"
        "from limitdyn.particles import _kernels\n"
        "shutil.rmtree(sys.argv[1])\n"  # after the kernels' cache locations were chosen
        "s = np.zeros(1)\n"
        "_kernels.act_values(np.zeros(1), s, 1, 0)\n"
        "assert s[0] == 0.5\n"
    )
    env = {**os.environ, _cachedir.ENV: str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert _cachedir.is_cache_root(root)
    saved = [p.name for p in root.glob("numba/particles_*/_kernels.act_values-*")]
    assert any(n.endswith(".nbc.sha256") for n in saved) and any(n.endswith(".nbi") for n in saved)


def _damage_every_file(populated: Path, target: Path, damage: Callable[[bytes], bytes]) -> None:
    shutil.copytree(populated, target)
    files = _files(target)
    assert {p.suffix for p in files} >= {".nbi", ".nbc", ".py", ".sha256"}
    for path in files:
        path.write_bytes(damage(path.read_bytes()))


@pytest.mark.parametrize(
    "damage",
    # the flip (before: a segfault or an LLVM error) stays fast; the others run in test-slow
    [
        "flip",
        pytest.param("truncate", marks=pytest.mark.slow),
        pytest.param("garbage", marks=pytest.mark.slow),
    ],
)
def test_every_file_damaged_runs_correctly_twice(
    populated: Path, tmp_path: Path, damage: str
) -> None:
    """Each file of the cache (numba index and data, checksums, generated modules, marker,
    locks) flipped, truncated or replaced: the next run compiles again and is right, the one
    after loads the healed cache."""
    root = tmp_path / "cache"
    _damage_every_file(populated, root, DAMAGE[damage])
    assert _run_child(root) == {"run": 0, "solve_small": 0, "act_values": 0}
    assert _run_child(root) == {"run": 1, "solve_small": 1, "act_values": 1}


@pytest.mark.slow
@pytest.mark.parametrize("position", range(12))
def test_a_byte_flipped_anywhere_in_numba_files_is_never_loaded(
    populated: Path, tmp_path: Path, position: int
) -> None:
    """Flips at twelve positions of every index and data file (before: a segfault at 2 of
    them, LLVM bitcode errors or unpickling errors at the others)."""
    root = tmp_path / "cache"
    shutil.copytree(populated, root)
    for path in _files(root):
        if path.suffix in (".nbi", ".nbc"):
            data = bytearray(path.read_bytes())
            data[len(data) * (2 * position + 1) // 24] ^= 0xFF
            path.write_bytes(bytes(data))
    assert _run_child(root) == {"run": 0, "solve_small": 0, "act_values": 0}
    assert _run_child(root) == {"run": 1, "solve_small": 1, "act_values": 1}


@pytest.mark.slow
def test_two_processes_filling_one_cache_at_once(tmp_path: Path) -> None:
    pytest.importorskip("numba")
    root = tmp_path / "cache"
    env = {**os.environ, _cachedir.ENV: str(root)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()[-3000:]
    assert _run_child(root) == {"run": 1, "solve_small": 1, "act_values": 1}
