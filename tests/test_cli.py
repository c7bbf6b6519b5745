"""The command line: figures, listing, the cache, errors as one readable line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from limitdyn import _cachedir
from limitdyn.cli import main
from limitdyn.errors import InputError
from limitdyn.figures import _registry, write_figures
from limitdyn.figures._registry import FigureRecipe, FigureResult


def test_version_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "limitdyn", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("limitdyn ")
    out = subprocess.run(
        [sys.executable, "-m", "limitdyn", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "figures" in out.stdout


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--list"]) == 0
    assert "dual-flow-oscillation" in capsys.readouterr().out


def test_only_writes_png_and_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--out", str(tmp_path), "--only", "explicit-implicit-alternating"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["explicit-implicit-alternating.pdf", "explicit-implicit-alternating.png"]
    assert (tmp_path / written[1]).read_bytes()[:4] == b"\x89PNG"
    assert str(tmp_path) in capsys.readouterr().out


def test_unknown_figure_is_one_line_and_nonzero(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "limitdyn", "figures", "--out", str(tmp_path), "--only", "nope"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2  # a bad command line, like argparse's own errors
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown figure 'nope'" in lines[0] and "valid names" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_debug_shows_traceback(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "limitdyn",
            "--debug",
            "figures",
            "--out",
            str(tmp_path),
            "--only",
            "nope",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "Traceback" in out.stderr


def _tiny() -> FigureResult:
    figure = Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1], [1, 0])
    return FigureResult(figure)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Two quick figures, ``tiny-a`` and ``tiny-b``; yields the names made, in order."""
    made: list[str] = []
    _registry._load()
    for name in ("tiny-a", "tiny-b"):

        def make(name: str = name) -> FigureResult:
            made.append(name)
            return _tiny()

        monkeypatch.setitem(_registry._REGISTRY, name, FigureRecipe(name, name, make))
    yield made


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("limitdyn: error: ")
    return lines[0]


def test_unknown_format_is_refused_before_anything_is_computed(
    tmp_path: Path, tiny: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["figures", "--out", str(tmp_path), "--only", "tiny-a", "--format", "xyz"])
    line = _one_error_line(capsys.readouterr().err)
    assert status == 2 and "unknown figure format 'xyz'" in line and "png" in line
    assert tiny == [] and list(tmp_path.iterdir()) == []


def test_empty_out_is_refused(
    tmp_path: Path,
    tiny: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["figures", "--out", "", "--only", "tiny-a"]) == 2
    assert "--out is empty" in _one_error_line(capsys.readouterr().err)
    assert tiny == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_figure_files_get_the_umask_permissions(
    tmp_path: Path, tiny: list[str], umask: int
) -> None:
    previous = os.umask(umask)
    try:
        assert main(["figures", "--out", str(tmp_path), "--only", "tiny-a"]) == 0
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"tiny-a.png": 0o666 & ~umask, "tiny-a.pdf": 0o666 & ~umask}


def test_paths_are_printed_as_written_and_progress_goes_to_stderr(
    tmp_path: Path, tiny: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    seen_before_b: list[tuple[str, str]] = []
    original = _registry._REGISTRY["tiny-b"].make

    def make_b() -> FigureResult:
        captured = capsys.readouterr()
        seen_before_b.append((captured.out, captured.err))
        return original()

    _registry._REGISTRY["tiny-b"] = FigureRecipe("tiny-b", "tiny-b", make_b)
    args = ["figures", "--out", str(tmp_path), "--only", "tiny-a", "--only", "tiny-b"]
    assert main([*args, "--format", "png", "--progress"]) == 0
    rest = capsys.readouterr()
    # a's path and the line announcing b were out before b was made
    assert seen_before_b == [
        (
            f"{tmp_path / 'tiny-a.png'}\n",
            "limitdyn: figure 1/2: tiny-a\nlimitdyn: figure 2/2: tiny-b\n",
        )
    ]
    assert rest.out == f"{tmp_path / 'tiny-b.png'}\n"
    assert rest.err.startswith("limitdyn: wrote 2 files in ") and rest.err.count("\n") == 1


def test_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, tiny: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["figures", "--out", str(tmp_path), "--only", "tiny-a"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.count("\n") == 2


#: writes half a PNG, then the process gets SIGTERM (or Ctrl-C) in the middle of savefig
_INTERRUPTED = """
import os, signal, sys
from matplotlib.figure import Figure
from limitdyn.cli import main
from limitdyn.errors import InputError
from limitdyn.figures import _registry, write_figures
from limitdyn.figures._registry import FigureRecipe, FigureResult

class Interrupted(Figure):
    def savefig(self, fname, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(b"half a figure")
            handle.flush()
            os.kill(os.getpid(), getattr(signal, sys.argv[2]))
            handle.write(b" and the rest")

_registry._load()
_registry._REGISTRY["cut"] = FigureRecipe("cut", "cut", lambda: FigureResult(Interrupted()))
sys.exit(main(["figures", "--out", sys.argv[1], "--only", "cut"]))
"""


@pytest.mark.parametrize(("signal_name", "status"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_while_writing_leaves_no_file_behind(
    tmp_path: Path, signal_name: str, status: int
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED, str(tmp_path), signal_name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == status, out.stderr
    assert out.stderr.strip() in ("limitdyn: terminated", "limitdyn: interrupted")
    assert list(tmp_path.iterdir()) == []  # neither the figure nor a hidden partial file


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(_cachedir.ENV, str(root))
    monkeypatch.setattr(_cachedir, "_usable", {})
    return root


def test_cache_info_and_clear(cache_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (_cachedir.subdir("generated-v3") / "limitdyn_generated_a.py").write_bytes(b"x" * 2048)
    (_cachedir.subdir("numba") / "k.nbi").write_bytes(b"y" * 10)
    assert main(["cache", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"root: {cache_root} ($LIMITDYN_CACHE_DIR)"
    assert lines[1].split() == ["generated-v3", "1", "files", "2.0", "KiB"]
    assert lines[2].split() == ["numba", "1", "files", "10", "B"]
    assert lines[3].split() == ["total", "2", "files", "2.0", "KiB"]
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"removed 2 files (2.0 KiB) from {cache_root}\n"
    assert [p.name for p in cache_root.iterdir()] == [_cachedir.MARKER]


def test_cache_clear_refuses_a_directory_that_is_not_a_cache(
    cache_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_root.mkdir()
    (cache_root / "notes.txt").write_text("mine")
    assert main(["cache", "clear"]) == 1
    assert "is not a limitdyn cache root" in _one_error_line(capsys.readouterr().err)
    assert (cache_root / "notes.txt").read_text() == "mine"
    assert main(["cache", "info"]) == 0
    assert "not a limitdyn cache root" in capsys.readouterr().out.splitlines()[0]


def test_write_figures_checks_every_option_before_making_a_figure(
    tmp_path: Path, tiny: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="out: the output directory is empty"):
        write_figures("", only=["tiny-a"])
    with pytest.raises(InputError, match="unknown figure format 'xyz'"):
        write_figures(tmp_path, only=["tiny-a"], formats=["png", "xyz"])
    with pytest.raises(InputError, match="unknown figure 'nope'"):
        write_figures(tmp_path, only=["tiny-a", "nope"])
    assert tiny == [] and list(tmp_path.iterdir()) == []
