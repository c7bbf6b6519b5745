"""The command line: figures, listing, errors as one readable line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from limitdyn.cli import main


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
    assert out.returncode == 1
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
